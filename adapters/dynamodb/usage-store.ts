/**
 * UsageStore over DynamoDB: one item per identity, day and action under pk USAGE#<identityId>,
 * sorted by day, with the `ttl` attribute DynamoDB's Time to Live deletes it by. Items are put
 * whole (never updated with ADD), so writing a day again sets the same figures.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BatchWriteOptions, batchPutAll } from '#adapters/dynamodb/batch-write.ts';
import { pick, queryAll } from '#adapters/dynamodb/query.ts';
import type { DayRange, StoredUsageDay, UsageDay, UsageStore } from '#core/ports/usage-store.ts';
import {
  compareUsageDays,
  DEFAULT_USAGE_RETENTION_DAYS,
  prepareUsageDays,
  usageSortKey,
} from '#core/store/usage.ts';

const USAGE_FIELDS = [
  'identityId',
  'action',
  'day',
  'count',
  'first',
  'last',
  'ttl',
] as const satisfies readonly (keyof StoredUsageDay)[];

/** A UsageStore in the Leash table. */
export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays = DEFAULT_USAGE_RETENTION_DAYS,
    private readonly batch: BatchWriteOptions = {},
  ) {}

  async putUsageDays(rows: readonly UsageDay[]): Promise<number> {
    const items = prepareUsageDays(rows, this.retentionDays).map((row) => ({
      pk: `USAGE#${row.identityId}`,
      sk: `DAY#${usageSortKey(row)}`,
      type: 'usage',
      ...row,
    }));
    await batchPutAll(this.doc, this.table, items, this.batch);
    return items.length;
  }

  async usageDays(identityId: string, range: DayRange = {}): Promise<StoredUsageDay[]> {
    // '$' sorts right after '#', so `DAY#<to>$` bounds every action of the day `to`.
    const from = `DAY#${range.from ?? ''}`;
    const to = range.to === undefined ? 'DAY$' : `DAY#${range.to}$`;
    const items = await queryAll(this.doc, this.table, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': `USAGE#${identityId}`, ':from': from, ':to': to },
    });
    return items.map((i) => pick<StoredUsageDay>(i, USAGE_FIELDS)).sort(compareUsageDays);
  }
}
