/**
 * The inventory a store records for a scan, derived from the findings document, and the plan of
 * its writes. Pure and deterministic, so every adapter (DynamoDB, memory) records the same
 * items and reports the same diff, and a retried run recomputes exactly what it wrote before.
 *
 * What a grant's hash covers, per kind of source:
 * - AWS policies: kind, ARN (managed) or name (inline), and the group it comes through. The
 *   document does not carry each policy's statements, so an edited policy keeps its hash; the
 *   `effective-actions` grant catches the edit.
 * - `effective-actions` (AWS): the sorted set of every action the identity is granted (used,
 *   unused and unobservable together), so any change of what it may do is a new grant.
 * - Entra permissions: kind (application or delegated), resource app id and permission value;
 *   the grant ids are kept as detail, not hashed, because re-granting the same permission is
 *   the same permission.
 * - Entra directory roles: role definition id and directory scope.
 */
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import { scanScopes } from '#core/ports/finding-store.ts';
import type {
  GrantSource,
  IdentityProfile,
  InventoryDiff,
  Presence,
  StoredGrant,
  StoredIdentity,
} from '#core/ports/inventory-store.ts';
import { fnv1a128, hashValue } from '#core/store/hash.ts';

type GapProvider = FindingsDocument['coverage']['accessGaps'][number]['provider'];

/** A grant of the current scan, before its history is attached. */
export type CurrentGrant = Omit<StoredGrant, keyof Presence>;

/**
 * APIs whose failure leaves an account's or tenant's identities or grants incomplete: a scan
 * with such a gap must not take the missing ones for removed.
 */
export const INVENTORY_APIS: Readonly<Record<GapProvider, readonly string[]>> = {
  aws: ['iam:GetAccountAuthorizationDetails'],
  entra: [
    'GET /servicePrincipals',
    'GET /servicePrincipals/microsoft.graph.agentIdentity',
    'GET /users/microsoft.graph.agentUser',
    'GET /oauth2PermissionGrants',
    'GET /roleManagement/directory/roleAssignments',
    'GET /servicePrincipals/{id}/appRoleAssignments',
  ],
  // GitHub: the listings that hold the organization's identities and their grants (repositories
  // carry the deploy keys and the grants of repository-scoped apps and tokens).
  saas: [
    'GET /orgs/{org}/repos',
    'GET /orgs/{org}/installations',
    'GET /orgs/{org}/personal-access-tokens',
    'GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories',
    'GET /repos/{owner}/{repo}/keys',
  ],
};

const AWS_KINDS = new Set<IdentityResult['type']>(['user', 'role', 'root']);

/** The profile of an identity as a scan describes it. */
export function identityProfile(r: IdentityResult): IdentityProfile {
  return {
    identityId: r.id,
    name: r.name,
    arn: AWS_KINDS.has(r.type) ? r.id : null,
    kind: r.type,
    class: r.class,
    aiRole: r.aiRole,
    scope: r.accountId,
    path: r.path,
    createDate: r.createDate,
    serviceLinked: r.serviceLinked,
    tags: r.tags,
    appId: r.entra?.appId || null,
    grantedActions: r.grant.allowedActions,
    usedActions: r.usedActions.length,
    unusedActions: r.unusedActions.length,
    findings: r.findings.length,
    recommendation: r.recommendation,
    lastActivity: r.activity.lastSeen,
  };
}

/** The key of a grant: identity and hash together, short whatever the length of an ARN. */
export function grantKey(identityId: string, hash: string): string {
  return fnv1a128(`${identityId}\0${hash}`);
}

/** The permission sources of an identity, each with the hash of what it grants. */
export function grantSources(r: IdentityResult): { source: GrantSource; hash: string }[] {
  const out: { source: GrantSource; hash: string }[] = [];
  for (const p of r.grant.policies) {
    out.push({
      source: {
        kind: `${p.kind}-policy`,
        name: p.name,
        ref: p.arn,
        detail: { viaGroup: p.viaGroup },
      },
      hash: hashValue({ kind: p.kind, ref: p.arn ?? p.name, viaGroup: p.viaGroup }),
    });
  }
  if (!r.entra) {
    const actions = [
      ...new Set([
        ...r.usedActions.map((u) => u.action),
        ...r.unusedActions,
        ...r.unobservableActions.map((u) => u.action),
      ]),
    ].sort();
    if (actions.length > 0) {
      out.push({
        source: {
          kind: 'effective-actions',
          name: 'every action granted',
          ref: null,
          detail: {
            actions: actions.length,
            services: [...new Set(actions.map((a) => a.split(':')[0] ?? a))],
          },
        },
        hash: fnv1a128(`effective-actions\n${actions.join('\n')}`),
      });
    }
  }
  for (const p of r.entra?.permissions ?? []) {
    out.push({
      source: {
        kind:
          p.kind === 'application' ? 'entra-application-permission' : 'entra-delegated-permission',
        name: `${p.resource} ${p.permission}`,
        ref: p.resourceAppId,
        detail: {
          permission: p.permission,
          resource: p.resource,
          grantIds: p.grantIds,
          grantedAt: p.grantedAt,
          highRisk: p.highRisk,
        },
      },
      hash: hashValue({
        kind: p.kind,
        resource: p.resourceAppId ?? p.resource,
        permission: p.permission,
      }),
    });
  }
  for (const d of r.entra?.directoryRoles ?? []) {
    const scope = d.directoryScopeId ?? '/';
    out.push({
      source: {
        kind: 'entra-directory-role',
        name: scope === '/' ? d.roleName : `${d.roleName} at ${scope}`,
        ref: d.roleDefinitionId,
        detail: { assignmentId: d.assignmentId, privileged: d.privileged, directoryScopeId: scope },
      },
      hash: hashValue({ role: d.roleDefinitionId, scope }),
    });
  }
  return out;
}

/** The identities and grants of a document, one of each per key. */
export function inventoryOf(doc: FindingsDocument): {
  identities: IdentityProfile[];
  grants: CurrentGrant[];
} {
  const identities = new Map<string, IdentityProfile>();
  const grants = new Map<string, CurrentGrant>();
  for (const r of doc.identities) {
    if (identities.has(r.id)) continue;
    identities.set(r.id, identityProfile(r));
    for (const { source, hash } of grantSources(r)) {
      const key = grantKey(r.id, hash);
      // The same source twice (a permission listed twice) is one grant.
      if (!grants.has(key)) {
        grants.set(key, {
          key,
          hash,
          scope: r.accountId,
          identityId: r.id,
          identityName: r.name,
          source,
        });
      }
    }
  }
  return { identities: [...identities.values()], grants: [...grants.values()] };
}

/**
 * The accounts and tenants of a document whose inventory was read whole: only there may
 * identities and grants missing from the scan be taken for removed. A scope is left out when
 * a call of {@link INVENTORY_APIS} failed for it (denied or failed; `unsupported` means the
 * feature is absent, so nothing of it can exist).
 */
export function inventoriedScopes(doc: FindingsDocument): string[] {
  const tenants = new Set(doc.tenants ?? []);
  const incomplete = new Set<string>();
  for (const gap of doc.coverage.accessGaps) {
    if (gap.reason === 'unsupported' || !INVENTORY_APIS[gap.provider].includes(gap.api)) continue;
    if (gap.account) incomplete.add(gap.account);
    else if (gap.provider === 'entra') for (const t of tenants) incomplete.add(t);
    else for (const a of doc.accounts) incomplete.add(a);
  }
  return scanScopes(doc).filter((s) => !incomplete.has(s));
}

/** The presence of something a scan saw, given what was stored. */
export function present(prior: Presence | undefined, runId: string, at: number): Presence {
  if (!prior) {
    return {
      firstSeen: at,
      addedAt: at,
      addedRunId: runId,
      lastSeen: at,
      lastRunId: runId,
      removedAt: null,
      removedRunId: null,
    };
  }
  // Present before, or removed by a partial attempt of this very run: still the same presence.
  const continuing = prior.removedAt === null || prior.removedRunId === runId;
  return {
    firstSeen: prior.firstSeen,
    addedAt: continuing ? prior.addedAt : at,
    addedRunId: continuing ? prior.addedRunId : runId,
    lastSeen: at,
    lastRunId: runId,
    removedAt: null,
    removedRunId: null,
  };
}

/** The presence of something stored that a scan no longer saw (unchanged if already gone). */
export function absent(prior: Presence, runId: string, at: number): Presence {
  if (prior.removedAt !== null) return prior;
  return { ...prior, removedAt: at, removedRunId: runId };
}

/** What a store writes for one scan's inventory. */
export interface InventoryPlan {
  /** Identity records to put: every current one, plus those removed now. */
  identities: StoredIdentity[];
  /** Grant records to put: every current one, plus those removed now. */
  grants: StoredGrant[];
  diff: InventoryDiff;
}

/** Orders identities by scope and id. */
export function compareIdentities(a: StoredIdentity, b: StoredIdentity): number {
  return a.scope.localeCompare(b.scope) || a.identityId.localeCompare(b.identityId);
}

/** Orders grants by scope, identity, kind, name and key. */
export function compareGrants(a: StoredGrant, b: StoredGrant): number {
  return (
    a.scope.localeCompare(b.scope) ||
    a.identityId.localeCompare(b.identityId) ||
    a.source.kind.localeCompare(b.source.kind) ||
    a.source.name.localeCompare(b.source.name) ||
    a.key.localeCompare(b.key)
  );
}

/**
 * Plans the inventory writes of a scan from what is stored for its scopes. A retry after a
 * partial write plans the same records and the same diff: whatever this run added or removed
 * carries its run id.
 * @param prior every stored identity and grant whose scope is in `scanScopes(doc)`
 */
export function planInventory(
  doc: FindingsDocument,
  runId: string,
  at: number,
  prior: { identities: readonly StoredIdentity[]; grants: readonly StoredGrant[] },
): InventoryPlan {
  const current = inventoryOf(doc);
  const removable = new Set(inventoriedScopes(doc));

  const priorIdentities = new Map(prior.identities.map((i) => [i.identityId, i]));
  const identities: StoredIdentity[] = current.identities.map((p) => ({
    ...p,
    ...present(priorIdentities.get(p.identityId), runId, at),
  }));
  const seenIdentities = new Set(current.identities.map((p) => p.identityId));
  const goneIdentities: StoredIdentity[] = [];
  for (const p of prior.identities) {
    if (seenIdentities.has(p.identityId)) continue;
    if (p.removedAt === null && removable.has(p.scope)) {
      identities.push({ ...p, ...absent(p, runId, at) });
    } else if (p.removedRunId === runId) {
      // Removed by a partial attempt of this run: already written, still part of its diff.
      goneIdentities.push(p);
    }
  }

  const priorGrants = new Map(prior.grants.map((g) => [g.key, g]));
  const grants: StoredGrant[] = current.grants.map((g) => ({
    ...g,
    ...present(priorGrants.get(g.key), runId, at),
  }));
  const seenGrants = new Set(current.grants.map((g) => g.key));
  const goneGrants: StoredGrant[] = [];
  for (const g of prior.grants) {
    if (seenGrants.has(g.key)) continue;
    if (g.removedAt === null && removable.has(g.scope)) {
      grants.push({ ...g, ...absent(g, runId, at) });
    } else if (g.removedRunId === runId) {
      goneGrants.push(g);
    }
  }

  const added = <T extends Presence>(xs: T[]) => xs.filter((x) => x.addedRunId === runId);
  const removed = <T extends Presence>(xs: T[]) => xs.filter((x) => x.removedRunId === runId);
  return {
    identities,
    grants,
    diff: {
      identities: {
        added: added(identities).sort(compareIdentities),
        removed: [...removed(identities), ...goneIdentities].sort(compareIdentities),
        present: current.identities.length,
      },
      grants: {
        added: added(grants).sort(compareGrants),
        removed: [...removed(grants), ...goneGrants].sort(compareGrants),
        present: current.grants.length,
      },
    },
  };
}

/** Grants added at or after `since`, oldest first (by when they were added, then by order). */
export function grantsAddedSince(grants: readonly StoredGrant[], since: number): StoredGrant[] {
  return grants
    .filter((g) => g.addedAt >= since)
    .sort((a, b) => a.addedAt - b.addedAt || compareGrants(a, b));
}
