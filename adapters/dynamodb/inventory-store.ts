/**
 * InventoryStore over DynamoDB (see table.ts for the keys). A scan reads the stored identities
 * and grants of its accounts and tenants (strongly consistent, so a retry sees its own partial
 * writes), lets core's `planInventory` decide, and writes the planned items in batches. Keys
 * are derived from the identity id and the grant hash, so a retry overwrites the same items.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BatchWriteOptions, batchPutAll } from '#adapters/dynamodb/batch-write.ts';
import { pick, queryAll } from '#adapters/dynamodb/query.ts';
import { GSI2 } from '#adapters/dynamodb/table.ts';
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

const PRESENCE_FIELDS = [
  'firstSeen',
  'addedAt',
  'addedRunId',
  'lastSeen',
  'lastRunId',
  'removedAt',
  'removedRunId',
] as const;

const IDENTITY_FIELDS = [
  'identityId',
  'name',
  'arn',
  'kind',
  'class',
  'aiRole',
  'scope',
  'path',
  'createDate',
  'serviceLinked',
  'tags',
  'appId',
  'grantedActions',
  'usedActions',
  'unusedActions',
  'findings',
  'recommendation',
  'lastActivity',
  ...PRESENCE_FIELDS,
] as const satisfies readonly (keyof StoredIdentity)[];

const GRANT_FIELDS = [
  'key',
  'hash',
  'scope',
  'identityId',
  'identityName',
  'source',
  ...PRESENCE_FIELDS,
] as const satisfies readonly (keyof StoredGrant)[];

/** An InventoryStore in the Leash table. */
export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly batch: BatchWriteOptions = {},
  ) {}

  async recordInventory(doc: FindingsDocument, runId: string, at: number): Promise<InventoryDiff> {
    const identities: StoredIdentity[] = [];
    const grants: StoredGrant[] = [];
    for (const scope of scanScopes(doc)) {
      identities.push(...(await this.#scopeItems(scope, 'IDENTITY#')).map(toIdentity));
      grants.push(...(await this.#scopeItems(scope, 'GRANT#')).map(toGrant));
    }
    const plan = planInventory(doc, runId, at, { identities, grants });
    await batchPutAll(
      this.doc,
      this.table,
      [...plan.identities.map(identityItem), ...plan.grants.map(grantItem)],
      this.batch,
    );
    return plan.diff;
  }

  async identities(scope: string): Promise<StoredIdentity[]> {
    return (await this.#scopeItems(scope, 'IDENTITY#')).map(toIdentity).sort(compareIdentities);
  }

  async identity(identityId: string): Promise<StoredIdentity | null> {
    const items = await queryAll(this.doc, this.table, {
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk = :sk',
      ExpressionAttributeValues: { ':pk': `IDENTITY#${identityId}`, ':sk': 'PROFILE' },
    });
    return items[0] ? toIdentity(items[0]) : null;
  }

  async grants(identityId: string): Promise<StoredGrant[]> {
    const items = await queryAll(this.doc, this.table, {
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :sk)',
      ExpressionAttributeValues: { ':pk': `IDENTITY#${identityId}`, ':sk': 'GRANT#' },
    });
    return items.map(toGrant).sort(compareGrants);
  }

  async grantsAddedSince(scope: string, since: number): Promise<StoredGrant[]> {
    return grantsAddedSince((await this.#scopeItems(scope, 'GRANT#')).map(toGrant), since);
  }

  /** Items of one type in a scope's partition, strongly consistent. */
  #scopeItems(scope: string, prefix: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `SCOPE#${scope}`, ':sk': prefix },
      ConsistentRead: true,
    });
  }
}

/** The item of an identity. */
function identityItem(i: StoredIdentity): Record<string, unknown> {
  return {
    pk: `SCOPE#${i.scope}`,
    sk: `IDENTITY#${i.identityId}`,
    type: 'identity',
    gsi2pk: `IDENTITY#${i.identityId}`,
    gsi2sk: 'PROFILE',
    ...i,
  };
}

/** The item of a grant. */
function grantItem(g: StoredGrant): Record<string, unknown> {
  return {
    pk: `SCOPE#${g.scope}`,
    sk: `GRANT#${g.key}`,
    type: 'grant',
    gsi2pk: `IDENTITY#${g.identityId}`,
    gsi2sk: `GRANT#${g.key}`,
    ...g,
  };
}

function toIdentity(item: Record<string, unknown>): StoredIdentity {
  return pick<StoredIdentity>(item, IDENTITY_FIELDS);
}

function toGrant(item: Record<string, unknown>): StoredGrant {
  return pick<StoredGrant>(item, GRANT_FIELDS);
}
