import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { BatchWriteIncompleteError, batchPutAll } from '#adapters/dynamodb/batch-write.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(DynamoDBDocumentClient);
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `p${i}`, sk: 's' }));
const noWait = async () => {};

describe('batchPutAll', () => {
  beforeEach(() => ddb.reset());

  it('writes in chunks of 25', async () => {
    // Arrange
    ddb.on(BatchWriteCommand).resolves({});

    // Act
    await batchPutAll(doc, 't', items(60), { sleep: noWait });

    // Assert
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.t?.length);
    expect(sizes).toEqual([25, 25, 10]);
  });

  it('resubmits only the unprocessed items, backing off between attempts', async () => {
    // Arrange
    const leftover = [{ PutRequest: { Item: { pk: 'p3', sk: 's' } } }];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: leftover } })
      .resolves({});
    const waits: number[] = [];

    // Act
    await batchPutAll(doc, 't', items(5), {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Assert
    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems).toEqual({ t: leftover });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeLessThanOrEqual(50);
  });

  it('fails loudly when items stay unprocessed after every attempt', async () => {
    // Arrange
    ddb.on(BatchWriteCommand).resolves({
      UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'p0', sk: 's' } } }] },
    });

    // Act
    const write = batchPutAll(doc, 't', items(1), { maxAttempts: 3, sleep: noWait });

    // Assert
    await expect(write).rejects.toBeInstanceOf(BatchWriteIncompleteError);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });
});
