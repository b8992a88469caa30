/**
 * The LeashStore over one DynamoDB table (or two, with the audit log in its own): what the
 * Lambdas and the CLI open.
 *
 * ```ts
 * const store = openDynamoStore({
 *   client: new DynamoDBClient({}),
 *   table: 'leash',
 *   auditTable: 'leash-audit',
 * });
 * await store.recordScan(doc, runId, at);
 * ```
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoApprovalStore } from '#adapters/dynamodb/approval-store.ts';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
import type { BatchWriteOptions } from '#adapters/dynamodb/batch-write.ts';
import { DynamoFindingStore } from '#adapters/dynamodb/finding-store.ts';
import { DynamoInventoryStore } from '#adapters/dynamodb/inventory-store.ts';
import { DynamoLockStore } from '#adapters/dynamodb/lock-store.ts';
import { DEFAULT_TABLE } from '#adapters/dynamodb/table.ts';
import { DynamoUsageStore } from '#adapters/dynamodb/usage-store.ts';
import { composeStore, type LeashStore } from '#core/ports/leash-store.ts';
import { DEFAULT_USAGE_RETENTION_DAYS } from '#core/store/usage.ts';

/** How to reach the table. Give a DynamoDB client or a document client (one of them). */
export interface DynamoStoreOptions {
  /** A plain client: wrapped in a document client that drops undefined values. */
  client?: DynamoDBClient;
  /** A document client; it must be built with `marshallOptions.removeUndefinedValues: true`. */
  documentClient?: DynamoDBDocumentClient;
  /** Table name (default `leash`). */
  table?: string;
  /**
   * Table of the containment audit log (default: `table`). The deployment keeps it apart so
   * that IAM can make it append-only (cdk/constructs/audit-table.ts); it has the key schema and
   * GSI2 of `table`, and holds nothing else.
   */
  auditTable?: string;
  /** Days a usage day is kept before TTL removes it (default 400). */
  usageRetentionDays?: number;
  /** Retry of unprocessed batch items. */
  batch?: BatchWriteOptions;
}

/**
 * Opens the LeashStore over a DynamoDB table, and the audit table when one is given (each must
 * exist: CDK deploys them, `ensureTable` creates them for tests and the embedded store).
 * @throws Error when neither `client` nor `documentClient` is given
 */
export function openDynamoStore(options: DynamoStoreOptions): LeashStore {
  const doc =
    options.documentClient ??
    (options.client
      ? DynamoDBDocumentClient.from(options.client, {
          marshallOptions: { removeUndefinedValues: true },
        })
      : undefined);
  if (!doc) throw new Error('openDynamoStore needs a client or a documentClient');
  const table = options.table ?? DEFAULT_TABLE;
  const batch = options.batch ?? {};
  return composeStore({
    findings: new DynamoFindingStore(doc, { table, batch }),
    inventory: new DynamoInventoryStore(doc, table, batch),
    usage: new DynamoUsageStore(
      doc,
      table,
      options.usageRetentionDays ?? DEFAULT_USAGE_RETENTION_DAYS,
      batch,
    ),
    approvals: new DynamoApprovalStore(doc, table),
    audit: new DynamoAuditLog(doc, options.auditTable ?? table),
    locks: new DynamoLockStore(doc, table),
  });
}
