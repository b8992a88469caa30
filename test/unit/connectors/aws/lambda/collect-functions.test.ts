import {
  type FunctionConfiguration,
  GetPolicyCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListFunctionUrlConfigsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { collectFunctions, toFunctionInfo } from '#connectors/aws/lambda/collect-functions.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const ACCOUNT = '111111111111';
const SECRET = 'sk-live-do-not-store-0123456789';

/** An error shaped like the SDK's service exceptions. */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

/** A ListFunctions entry with an environment holding a secret value. */
function aFunction(name: string, region = 'us-east-1', extra: Partial<FunctionConfiguration> = {}) {
  return {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`,
    Role: `arn:aws:iam::${ACCOUNT}:role/${name}-role`,
    Runtime: 'nodejs22.x',
    LastModified: '2026-01-02T03:04:05.000+0000',
    Environment: { Variables: { API_KEY: SECRET, TABLE: `${name}-table-value` } },
    Layers: [{ Arn: `arn:aws:lambda:${region}:${ACCOUNT}:layer:shared:3`, CodeSize: 10 }],
    ...extra,
  } satisfies FunctionConfiguration;
}

describe('collectFunctions', () => {
  let clients: AwsClients;
  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
  });
  afterEach(() => clients.destroy());

  it('reads every field of a function and keeps no environment value', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    east.on(ListFunctionsCommand).resolves({ Functions: [aFunction('orders')] });
    east.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          {
            Sid: 'sqs',
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'lambda:InvokeFunction',
            Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::uploads' } },
          },
        ],
      }),
    });
    east.on(ListFunctionUrlConfigsCommand).resolves({
      FunctionUrlConfigs: [
        {
          FunctionUrl: 'https://abc.lambda-url.us-east-1.on.aws/',
          FunctionArn: aFunction('orders').FunctionArn,
          AuthType: 'NONE',
          CreationTime: '2026-01-01',
          LastModifiedTime: '2026-01-01',
        },
      ],
    });
    east.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        { EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`, State: 'Enabled', UUID: 'u-1' },
        {
          SelfManagedEventSource: {
            Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b1:9092', 'b2:9092'] },
          },
          State: 'Creating',
        },
      ],
    });
    east.on(ListTagsCommand).resolves({ Tags: { team: 'payments' } });
    const gaps = new GapRecorder();
    // Act
    const functions = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      gaps,
    });
    // Assert
    expect(functions).toEqual([
      {
        arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders`,
        name: 'orders',
        accountId: ACCOUNT,
        region: 'us-east-1',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/orders-role`,
        runtime: 'nodejs22.x',
        lastModified: '2026-01-02T03:04:05.000+0000',
        environmentVariableNames: ['API_KEY', 'TABLE'],
        layers: [`arn:aws:lambda:us-east-1:${ACCOUNT}:layer:shared:3`],
        invokers: [
          {
            principal: 's3.amazonaws.com',
            action: 'lambda:InvokeFunction',
            sourceArn: 'arn:aws:s3:::uploads',
            sid: 'sqs',
          },
        ],
        functionUrls: [{ url: 'https://abc.lambda-url.us-east-1.on.aws/', authType: 'NONE' }],
        eventSources: [
          { arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`, state: 'Enabled', uuid: 'u-1' },
          { arn: 'kafka://b1:9092,b2:9092', state: 'Creating' },
        ],
        tags: { team: 'payments' },
      },
    ]);
    const json = JSON.stringify({ functions, gaps: gaps.gaps });
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain('orders-table-value');
    expect(gaps.gaps).toEqual([]);
    expect(east.commandCalls(ListEventSourceMappingsCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders',
    });
  });

  it('follows ListFunctions and ListEventSourceMappings markers across pages', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    const pages: Record<string, object> = {
      '': { Functions: [aFunction('a')], NextMarker: 'm1' },
      m1: { Functions: [aFunction('b')], NextMarker: 'm2' },
      m2: { Functions: [aFunction('c')] },
    };
    // The SDK paginator reuses one input object, so markers are recorded as they are sent.
    const markers: (string | undefined)[] = [];
    east.on(ListFunctionsCommand).callsFake((input: { Marker?: string }) => {
      markers.push(input.Marker);
      return pages[input.Marker ?? ''];
    });
    east.on(GetPolicyCommand).rejects(awsError('ResourceNotFoundException', 'no policy'));
    east.on(ListFunctionUrlConfigsCommand).resolves({ FunctionUrlConfigs: [] });
    east
      .on(ListEventSourceMappingsCommand, { FunctionName: 'a' })
      .resolvesOnce({ EventSourceMappings: [{ EventSourceArn: 'arn:1' }], NextMarker: 'e1' })
      .resolvesOnce({ EventSourceMappings: [{ EventSourceArn: 'arn:2' }] });
    east.on(ListEventSourceMappingsCommand, { FunctionName: 'b' }).resolves({});
    east.on(ListEventSourceMappingsCommand, { FunctionName: 'c' }).resolves({});
    east.on(ListTagsCommand).resolves({});
    const gaps = new GapRecorder();
    // Act
    const functions = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      gaps,
      concurrency: 2,
    });
    // Assert
    expect(functions.map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect(markers).toEqual([undefined, 'm1', 'm2']);
    expect(functions[0]?.eventSources.map((e) => e.arn)).toEqual(['arn:1', 'arn:2']);
    expect(functions.every((f) => f.invokers.length === 0)).toBe(true);
    expect(gaps.gaps).toEqual([]);
  });

  it('records a gap for a region where ListFunctions is denied and still collects the others', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    const west = mockClient(clients.lambda('eu-west-1'));
    east
      .on(ListFunctionsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform lambda:ListFunctions'));
    west.on(ListFunctionsCommand).resolves({ Functions: [aFunction('w', 'eu-west-1')] });
    west.on(GetPolicyCommand).rejects(awsError('ResourceNotFoundException'));
    west.on(ListFunctionUrlConfigsCommand).resolves({});
    west.on(ListEventSourceMappingsCommand).resolves({});
    west.on(ListTagsCommand).resolves({});
    const gaps = new GapRecorder();
    // Act
    const functions = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1', 'eu-west-1'],
      gaps,
    });
    // Assert
    expect(functions.map((f) => f.arn)).toEqual([`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:w`]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        provider: 'aws',
        api: 'lambda:ListFunctions',
        account: ACCOUNT,
        region: 'us-east-1',
        reason: 'access-denied',
      }),
    ]);
    expect(east.commandCalls(GetPolicyCommand)).toHaveLength(0);
  });

  it('records an unsupported gap for a region whose endpoint does not resolve', async () => {
    // Arrange
    const far = mockClient(clients.lambda('xx-nowhere-1'));
    far
      .on(ListFunctionsCommand)
      .rejects(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const gaps = new GapRecorder();
    // Act
    const functions = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['xx-nowhere-1'],
      gaps,
    });
    // Assert
    expect(functions).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ region: 'xx-nowhere-1', reason: 'unsupported' }),
    ]);
  });

  it('folds per-function denials into one gap per API and keeps the other fields', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    east
      .on(ListFunctionsCommand)
      .resolves({ Functions: [aFunction('a'), aFunction('b'), aFunction('c')] });
    east
      .on(GetPolicyCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform lambda:GetPolicy'));
    east.on(ListFunctionUrlConfigsCommand).resolves({});
    east.on(ListEventSourceMappingsCommand).resolves({});
    east.on(ListTagsCommand).resolves({ Tags: { env: 'prod' } });
    const gaps = new GapRecorder();
    // Act
    const functions = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      gaps,
    });
    // Assert
    expect(functions).toHaveLength(3);
    expect(functions.every((f) => f.tags.env === 'prod' && f.invokers.length === 0)).toBe(true);
    expect(gaps.gaps).toHaveLength(1);
    expect(gaps.gaps[0]).toMatchObject({ api: 'lambda:GetPolicy', reason: 'access-denied' });
    expect(gaps.gaps[0]?.detail).toMatch(/and 2 more calls/);
  });

  it('treats a function deleted during the scan as having no policy, URLs or tags', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    east.on(ListFunctionsCommand).resolves({ Functions: [aFunction('gone')] });
    east.on(GetPolicyCommand).rejects(awsError('ResourceNotFoundException'));
    east.on(ListFunctionUrlConfigsCommand).rejects(awsError('ResourceNotFoundException'));
    east.on(ListEventSourceMappingsCommand).rejects(awsError('ResourceNotFoundException'));
    east.on(ListTagsCommand).rejects(awsError('ResourceNotFoundException'));
    const gaps = new GapRecorder();
    // Act
    const [fn] = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      gaps,
    });
    // Assert
    expect(fn).toMatchObject({ invokers: [], functionUrls: [], eventSources: [], tags: {} });
    expect(gaps.gaps).toEqual([]);
  });

  it('fails loudly on an error that is neither a denial nor unsupported', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    east.on(ListFunctionsCommand).resolves({ Functions: [aFunction('a')] });
    east.on(GetPolicyCommand).rejects(awsError('InvalidParameterValueException'));
    east.on(ListFunctionUrlConfigsCommand).resolves({});
    east.on(ListEventSourceMappingsCommand).resolves({});
    east.on(ListTagsCommand).resolves({});
    // Act
    const run = collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      gaps: new GapRecorder(),
    });
    // Assert
    await expect(run).rejects.toThrow(ConnectorError);
    await expect(run).rejects.toThrow(/lambda:GetPolicy in 111111111111\/us-east-1 failed/);
  });

  it('records a gap when the environment came back with an error instead of variables', async () => {
    // Arrange
    const east = mockClient(clients.lambda('us-east-1'));
    east.on(ListFunctionsCommand).resolves({
      Functions: [
        aFunction('enc', 'us-east-1', {
          Environment: { Error: { ErrorCode: 'KMSAccessDeniedException', Message: 'denied' } },
        }),
      ],
    });
    east.on(GetPolicyCommand).rejects(awsError('ResourceNotFoundException'));
    east.on(ListFunctionUrlConfigsCommand).resolves({});
    east.on(ListEventSourceMappingsCommand).resolves({});
    east.on(ListTagsCommand).resolves({});
    const gaps = new GapRecorder();
    // Act
    const [fn] = await collectFunctions(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      gaps,
    });
    // Assert
    expect(fn?.environmentVariableNames).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        api: 'lambda:ListFunctions',
        reason: 'failed',
        detail: expect.stringContaining('KMSAccessDeniedException'),
      }),
    ]);
  });
});

describe('toFunctionInfo', () => {
  it('copies environment variable names into a new array that shares nothing with the response', () => {
    // Arrange
    const variables: Record<string, string> = { API_KEY: SECRET, TABLE: 'f-table-value' };
    const config = aFunction('f', 'us-east-1', { Environment: { Variables: variables } });
    // Act
    const info = toFunctionInfo(config, ACCOUNT, 'us-east-1');
    variables.LATE = 'added-after';
    // Assert
    expect(info.environmentVariableNames).toEqual(['API_KEY', 'TABLE']);
    expect(JSON.stringify(info)).not.toContain(SECRET);
    expect(Object.values(info)).not.toContain(config.Environment);
  });

  it('throws when the function has no role', () => {
    // Act + Assert
    expect(() =>
      toFunctionInfo({ FunctionName: 'x', FunctionArn: 'arn' }, ACCOUNT, 'us-east-1'),
    ).toThrow(ConnectorError);
  });
});
