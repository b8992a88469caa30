/** Small helpers the DynamoDB stores share: paged queries and item-to-record copies. */
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** Runs a query to its last page and returns every item. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  table: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({ ...input, TableName: table, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Copies the named attributes of an item (the keys and index attributes stay behind). An
 * attribute the item lacks comes back as null: the stores write nulls, but a document client
 * built with `removeUndefinedValues` never writes undefined.
 */
export function pick<T>(item: Record<string, unknown>, fields: readonly (keyof T & string)[]): T {
  return Object.fromEntries(fields.map((f) => [f, item[f] ?? null])) as T;
}

/** Whether an error is DynamoDB's refusal of a conditional write. */
export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
