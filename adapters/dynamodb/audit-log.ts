/**
 * AuditLog over DynamoDB. An entry is one item (pk AUDIT#<requestId>, sk ENTRY#<seq>), put with
 * `attribute_not_exists(pk)`: nothing here ever overwrites, updates or deletes one. A refused
 * put is read back: the identical entry means a retry (no-op), anything else is a conflict.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, pick, queryAll } from '#adapters/dynamodb/query.ts';
import { GSI2 } from '#adapters/dynamodb/table.ts';
import type { AuditEntry, AuditLog } from '#core/ports/audit-store.ts';
import {
  AUDIT_FIELDS,
  auditEntry,
  auditSeqKey,
  compareAuditByTime,
  sameAuditEntry,
} from '#core/store/audit.ts';
import { AuditConflictError } from '#core/store/errors.ts';

/** An AuditLog in the Leash table. */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async appendAudit(input: AuditEntry): Promise<boolean> {
    const entry = auditEntry(input);
    const key = { pk: `AUDIT#${entry.requestId}`, sk: `ENTRY#${auditSeqKey(entry.seq)}` };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key,
            type: 'audit',
            gsi2pk: `IDENTITY#${entry.identityId}`,
            gsi2sk: `AUDIT#${new Date(entry.at).toISOString()}#${entry.requestId}#${auditSeqKey(entry.seq)}`,
            ...entry,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const out = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      if (out.Item && sameAuditEntry(pick<AuditEntry>(out.Item, AUDIT_FIELDS), entry)) return false;
      throw new AuditConflictError(entry.requestId, entry.seq);
    }
  }

  async auditChain(requestId: string): Promise<AuditEntry[]> {
    const items = await queryAll(this.doc, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `AUDIT#${requestId}`, ':sk': 'ENTRY#' },
      ConsistentRead: true,
    });
    // The sort key pads seq to a fixed width: query order is seq order.
    return items.map((i) => pick<AuditEntry>(i, AUDIT_FIELDS));
  }

  async identityAudit(identityId: string): Promise<AuditEntry[]> {
    const items = await queryAll(this.doc, this.table, {
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :sk)',
      ExpressionAttributeValues: { ':pk': `IDENTITY#${identityId}`, ':sk': 'AUDIT#' },
    });
    return items.map((i) => pick<AuditEntry>(i, AUDIT_FIELDS)).sort(compareAuditByTime);
  }
}
