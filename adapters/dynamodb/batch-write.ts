/**
 * BatchWriteItem for any number of puts: chunks of 25 (the API limit) and UnprocessedItems
 * retried with capped exponential backoff and full jitter, as the DynamoDB developer guide asks
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem accepts at most 25 requests per call. */
export const BATCH_WRITE_LIMIT = 25;

/** Raised when DynamoDB still returns unprocessed items after every retry. */
export class BatchWriteIncompleteError extends Error {
  constructor(
    readonly table: string,
    readonly unprocessed: number,
    attempts: number,
  ) {
    super(`${unprocessed} items of ${table} still unprocessed after ${attempts} attempts`);
    this.name = 'BatchWriteIncompleteError';
  }
}

/** How unprocessed items are retried. */
export interface BatchWriteOptions {
  /** Attempts per chunk, the first included. */
  maxAttempts?: number;
  /** First backoff ceiling, ms; doubles each attempt. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected in tests so retries do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Puts every item into `table`. Items must have distinct keys within a call (DynamoDB rejects a
 * batch with the same key twice).
 * @throws BatchWriteIncompleteError when items stay unprocessed after `maxAttempts`
 */
export async function batchPutAll(
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
    let requests: WriteRequests = items
      .slice(i, i + BATCH_WRITE_LIMIT)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = out.UnprocessedItems?.[table] ?? [];
      if (requests.length === 0) break;
      if (attempt >= maxAttempts) {
        throw new BatchWriteIncompleteError(table, requests.length, attempt);
      }
      // Unprocessed items mean throttling: back off before resubmitting only those.
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}
