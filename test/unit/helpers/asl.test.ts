import { describe, expect, it } from 'vitest';
import { ExecutionFailedError, type Json, runStateMachine } from '#test/helpers/asl.ts';

const execution = { name: 'run-1', startTime: '2026-11-22T03:00:00Z' };

/** A definition in the shape CDK emits for Leash's scan: task, choice, distributed map. */
const definition = {
  StartAt: 'Start',
  States: {
    Start: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:1:function:start',
        Payload: { 'executionName.$': '$$.Execution.Name', 'input.$': '$$.Execution.Input' },
      },
      ResultSelector: { 'out.$': '$.Payload' },
      OutputPath: '$.out',
      Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 2 }],
      Next: 'HasItems',
    },
    HasItems: {
      Type: 'Choice',
      Choices: [{ Variable: '$.count', NumericGreaterThan: 2, Next: 'Fan' }],
      Default: 'Done',
    },
    Fan: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
      },
      ItemSelector: { 'n.$': '$$.Map.Item.Value', 'run.$': '$.run' },
      ItemBatcher: { MaxItemsPerBatch: 2 },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'work', 'Payload.$': '$' },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      },
      ToleratedFailurePercentage: 50,
      ResultPath: '$.results',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

describe('the test ASL interpreter', () => {
  it('walks tasks, retries, choices and a batched distributed map', async () => {
    // Arrange
    let startCalls = 0;
    const trace: string[] = [];
    const invoke = async (arn: string, payload: Json): Promise<Json> => {
      if (arn.endsWith(':start')) {
        startCalls++;
        if (startCalls === 1) throw Object.assign(new Error('try again'), { name: 'Flaky' });
        return {
          run: (payload as { executionName: string }).executionName,
          count: 5,
          bucket: 'b',
          key: 'k',
        };
      }
      const items = (payload as { Items: { n: number; run: string }[] }).Items;
      if (items.some((i) => i.n === 5)) throw new Error('item 5 fails');
      return items.map((i) => `${i.run}:${i.n}`);
    };
    // Act
    const out = (await runStateMachine(
      definition,
      { asOf: '2026-11-22T00:00:00Z' },
      { invoke, getObject: async () => '[1,2,3,4,5]', trace },
      execution,
    )) as { results: Json[] };
    // Assert
    expect(startCalls).toBe(2);
    expect(trace).toEqual(['Start', 'HasItems', 'Fan', 'Work', 'Work', 'Work', 'Done']);
    expect(out.results.slice(0, 2)).toEqual([
      ['run-1:1', 'run-1:2'],
      ['run-1:3', 'run-1:4'],
    ]);
    expect(out.results[2]).toMatchObject({ Cause: 'item 5 fails' });
  });

  it('fails the execution when more items fail than tolerated', async () => {
    // Arrange
    const invoke = async (arn: string): Promise<Json> => {
      if (arn.endsWith(':start')) return { run: 'r', count: 3, bucket: 'b', key: 'k' };
      throw new Error('every item fails');
    };
    // Act
    const run = runStateMachine(
      definition,
      {},
      { invoke, getObject: async () => '[1,2,3]' },
      execution,
    );
    // Assert
    await expect(run).rejects.toThrow(ExecutionFailedError);
    await expect(run).rejects.toThrow(/ExceedToleratedFailureThreshold/);
  });

  it('takes the default branch and rejects unsupported states loudly', async () => {
    // Arrange
    const trace: string[] = [];
    const invoke = async (): Promise<Json> => ({ count: 1 });
    // Act
    await runStateMachine(
      definition,
      {},
      { invoke, getObject: async () => '[]', trace },
      execution,
    );
    const unsupported = runStateMachine(
      { StartAt: 'P', States: { P: { Type: 'Parallel', End: true } } },
      {},
      { invoke, getObject: async () => '[]' },
      execution,
    );
    // Assert
    expect(trace).toEqual(['Start', 'HasItems', 'Done']);
    await expect(unsupported).rejects.toThrow(/not supported/);
  });
});
