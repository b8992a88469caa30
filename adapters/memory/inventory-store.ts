/** In-memory InventoryStore: same plan as the DynamoDB store (core's `planInventory`). */
import type { FindingsDocument } from '#core/model/findings.ts';
import { scanScopes } from '#core/ports/finding-store.ts';
import type {
  InventoryDiff,
  InventoryStore,
  StoredGrant,
  StoredIdentity,
} from '#core/ports/inventory-store.ts';
import {
  compareGrants,
  compareIdentities,
  grantsAddedSince,
  planInventory,
} from '#core/store/inventory.ts';

/** Identities and grants held in maps; gone when the process ends. */
export class MemoryInventoryStore implements InventoryStore {
  readonly #identities = new Map<string, StoredIdentity>();
  readonly #grants = new Map<string, StoredGrant>();

  async recordInventory(doc: FindingsDocument, runId: string, at: number): Promise<InventoryDiff> {
    const scopes = new Set(scanScopes(doc));
    const plan = planInventory(doc, runId, at, {
      identities: [...this.#identities.values()].filter((i) => scopes.has(i.scope)),
      grants: [...this.#grants.values()].filter((g) => scopes.has(g.scope)),
    });
    for (const i of plan.identities) this.#identities.set(i.identityId, structuredClone(i));
    for (const g of plan.grants) this.#grants.set(g.key, structuredClone(g));
    return structuredClone(plan.diff);
  }

  async identities(scope: string): Promise<StoredIdentity[]> {
    return [...this.#identities.values()]
      .filter((i) => i.scope === scope)
      .sort(compareIdentities)
      .map((i) => structuredClone(i));
  }

  async identity(identityId: string): Promise<StoredIdentity | null> {
    const i = this.#identities.get(identityId);
    return i ? structuredClone(i) : null;
  }

  async grants(identityId: string): Promise<StoredGrant[]> {
    return [...this.#grants.values()]
      .filter((g) => g.identityId === identityId)
      .sort(compareGrants)
      .map((g) => structuredClone(g));
  }

  async grantsAddedSince(scope: string, since: number): Promise<StoredGrant[]> {
    return grantsAddedSince(
      [...this.#grants.values()].filter((g) => g.scope === scope),
      since,
    ).map((g) => structuredClone(g));
  }
}
