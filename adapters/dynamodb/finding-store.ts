/**
 * FindingStore over DynamoDB (single table, see table.ts for the access patterns). A scan reads
 * the stored findings of its accounts and tenants, lets core's `planScan` compute the diff, then
 * writes finding records and change items in batches and the run summary last. Because every
 * key is deterministic and the summary marks completion, a retried run either replays the
 * stored diff (summary present) or rewrites the very same items (summary absent).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type BatchWriteOptions, batchPutAll } from '#adapters/dynamodb/batch-write.ts';
import { pick, queryAll } from '#adapters/dynamodb/query.ts';
import { DEFAULT_TABLE, GSI1, GSI2 } from '#adapters/dynamodb/table.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import {
  compareStored,
  type FindingStore,
  planScan,
  type ScanDiff,
  type ScanRecord,
  SEVERITIES,
  type StoredFinding,
  scanScopes,
} from '#core/ports/finding-store.ts';

/** Options of the DynamoDB finding store. */
export interface DynamoFindingStoreOptions {
  table?: string;
  batch?: BatchWriteOptions;
}

/** The attributes of a StoredFinding, in the order they are copied out of an item. */
const FINDING_FIELDS = [
  'key',
  'scope',
  'identityId',
  'identityName',
  'finding',
  'status',
  'firstSeen',
  'lastSeen',
  'resolvedAt',
  'openedRunId',
  'lastRunId',
  'resolvedRunId',
] as const satisfies readonly (keyof StoredFinding)[];

const SUMMARY_FIELDS = [
  'runId',
  'at',
  'scopes',
  'open',
  'new',
  'resolved',
  'persisting',
  'openBySeverity',
] as const satisfies readonly (keyof ScanRecord)[];

/** A FindingStore in one DynamoDB table. */
export class DynamoFindingStore implements FindingStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #batch: BatchWriteOptions;

  /** @param doc a document client built with `removeUndefinedValues: true` */
  constructor(doc: DynamoDBDocumentClient, options: DynamoFindingStoreOptions = {}) {
    this.#doc = doc;
    this.#table = options.table ?? DEFAULT_TABLE;
    this.#batch = options.batch ?? {};
  }

  async recordScan(doc: FindingsDocument, runId: string, at: number): Promise<ScanDiff> {
    const done = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: `RUN#${runId}`, sk: 'SUMMARY' },
        ConsistentRead: true,
      }),
    );
    if (done.Item) return this.#replay(runId, done.Item.persisting as number);

    const prior: StoredFinding[] = [];
    for (const scope of scanScopes(doc)) {
      const items = await this.#query({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': `SCOPE#${scope}`, ':sk': 'FINDING#' },
        // The diff must see this run's own partial writes, so no eventually consistent reads.
        ConsistentRead: true,
      });
      prior.push(...items.map(toStoredFinding));
    }
    const plan = planScan(doc, runId, at, prior);
    const changes = [
      ...plan.diff.newFindings.map((record) => changeItem(runId, 'new', record)),
      ...plan.diff.resolved.map((record) => changeItem(runId, 'resolved', record)),
    ];
    await batchPutAll(
      this.#doc,
      this.#table,
      [...plan.records.map(findingItem), ...changes],
      this.#batch,
    );
    // Last: its presence says every item above is written.
    await this.#doc.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          pk: `RUN#${runId}`,
          sk: 'SUMMARY',
          type: 'summary',
          gsi1pk: 'SCANS',
          gsi1sk: `${new Date(at).toISOString()}#${runId}`,
          ...plan.summary,
        },
      }),
    );
    return plan.diff;
  }

  async findingHistory(identityId: string): Promise<StoredFinding[]> {
    const items = await this.#query({
      IndexName: GSI2,
      // The identity's partition of GSI2 also holds its profile, grants and audit entries.
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :sk)',
      ExpressionAttributeValues: { ':pk': `IDENTITY#${identityId}`, ':sk': 'FINDING#' },
    });
    return items.map(toStoredFinding).sort((a, b) => a.key.localeCompare(b.key));
  }

  async openFindings(): Promise<StoredFinding[]> {
    const out: StoredFinding[] = [];
    for (const severity of SEVERITIES) {
      const items = await this.#query({
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `OPEN#${severity}` },
      });
      out.push(...items.map(toStoredFinding).sort(compareStored));
    }
    return out;
  }

  async scans(): Promise<ScanRecord[]> {
    const items = await this.#query({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SCANS' },
    });
    // gsi1sk is ISO time then run id: already oldest first.
    return items.map((item) => pick<ScanRecord>(item, SUMMARY_FIELDS));
  }

  /** Rebuilds the diff of a completed run from its change items. */
  async #replay(runId: string, persisting: number): Promise<ScanDiff> {
    const items = await this.#query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `RUN#${runId}`, ':sk': 'CHANGE#' },
      ConsistentRead: true,
    });
    const of = (change: string) =>
      items
        .filter((i) => i.change === change)
        .map((i) => i.record as StoredFinding)
        .sort(compareStored);
    return { newFindings: of('new'), resolved: of('resolved'), persisting };
  }

  /** Runs a query to the last page. */
  #query(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    return queryAll(this.#doc, this.#table, input);
  }
}

/** The item of a finding record. */
function findingItem(record: StoredFinding): Record<string, unknown> {
  return {
    pk: `SCOPE#${record.scope}`,
    sk: `FINDING#${record.key}`,
    type: 'finding',
    // Sparse: only open findings appear under OPEN#<severity>.
    ...(record.status === 'open'
      ? { gsi1pk: `OPEN#${record.finding.severity}`, gsi1sk: `${record.scope}#${record.key}` }
      : {}),
    gsi2pk: `IDENTITY#${record.identityId}`,
    gsi2sk: `FINDING#${record.key}`,
    ...record,
  };
}

/** The item recording that a run opened or resolved a finding. */
function changeItem(
  runId: string,
  change: 'new' | 'resolved',
  record: StoredFinding,
): Record<string, unknown> {
  return {
    pk: `RUN#${runId}`,
    sk: `CHANGE#${change}#${record.key}`,
    type: 'change',
    change,
    record,
  };
}

/** The StoredFinding of a finding item. */
function toStoredFinding(item: Record<string, unknown>): StoredFinding {
  return pick<StoredFinding>(item, FINDING_FIELDS);
}
