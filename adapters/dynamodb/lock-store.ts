/**
 * LockStore over DynamoDB. A lock is one item (pk LOCK#<key>, sk LOCK) put on the condition
 * that there is none, it has expired, or it is the caller's: one conditional write, so racing
 * callers cannot both take it. Release deletes it on the condition that the caller holds it.
 * `ttl` (a day after the lease) lets DynamoDB drop locks whose holder never released them.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '#adapters/dynamodb/query.ts';
import type { IdentityLock, LockStore } from '#core/ports/lock-store.ts';

const DAY_MS = 86_400_000;

/** Identity locks in the Leash table. */
export class DynamoLockStore implements LockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquireLock(key: string, holder: string, at: number, until: number): Promise<IdentityLock> {
    const itemKey = { pk: `LOCK#${key}`, sk: 'LOCK' };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...itemKey,
            type: 'lock',
            key,
            holder,
            until,
            ttl: Math.ceil((until + DAY_MS) / 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #until <= :at OR holder = :holder',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':at': at, ':holder': holder },
        }),
      );
      return { key, holder, until };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const out = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: itemKey, ConsistentRead: true }),
      );
      // Released between the refused put and this read: report it free, the caller retries.
      if (!out.Item) return { key, holder: '', until: at };
      return { key, holder: String(out.Item.holder), until: Number(out.Item.until) };
    }
  }

  async releaseLock(key: string, holder: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `LOCK#${key}`, sk: 'LOCK' },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      return false;
    }
  }
}
