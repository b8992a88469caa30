/**
 * The Lambda collector against moto through the real SDK v3 client: functions in two regions
 * with environment variables, layers, resource policies, a function URL and an SQS trigger.
 *
 * moto 5.2.5 does not implement ListFunctionUrlConfigs (it answers 404), so a test-only
 * middleware answers that one call from moto's GetFunctionUrlConfig; everything else is moto's.
 */
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { collectFunctions } from '#connectors/aws/lambda/collect-functions.ts';
import { enabledRegions } from '#connectors/aws/regions.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { errorName } from '#connectors/shared/errors.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const endpoint = inject('motoEndpoint');
const ACCOUNT = '123456789012'; // moto's default account
const SECRET = 'sk-integration-secret-value-42';
// An empty zip archive: moto stores the code without running it.
const ZIP = Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64');

/** Creates an SQS queue in moto (no SQS client in the project) and returns its ARN. */
async function createQueue(region: string, name: string): Promise<string> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes by the SigV4 credential scope and does not verify signatures by default.
      authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=CreateQueue&QueueName=${name}&Version=2012-11-05`,
  });
  if (!res.ok) throw new Error(`CreateQueue failed: ${res.status} ${await res.text()}`);
  return `arn:aws:sqs:${region}:${ACCOUNT}:${name}`;
}

/** Answers ListFunctionUrlConfigs (not in moto) from moto's GetFunctionUrlConfig. */
function serveFunctionUrlListing(client: LambdaClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ListFunctionUrlConfigsCommand') return next(args);
      const { FunctionName } = args.input as { FunctionName: string };
      try {
        const url = await client.send(new GetFunctionUrlConfigCommand({ FunctionName }));
        const config = {
          FunctionUrl: url.FunctionUrl,
          FunctionArn: url.FunctionArn,
          AuthType: url.AuthType,
          CreationTime: url.CreationTime,
          LastModifiedTime: url.LastModifiedTime,
        };
        return { output: { FunctionUrlConfigs: [config], $metadata: {} }, response: {} } as never;
      } catch (err) {
        if (errorName(err) !== 'ResourceNotFoundException') throw err;
        return { output: { FunctionUrlConfigs: [], $metadata: {} }, response: {} } as never;
      }
    },
    { step: 'initialize', name: 'motoListFunctionUrlConfigs' },
  );
}

describe('collectFunctions against moto', () => {
  let clients: AwsClients;
  beforeEach(async () => {
    await resetMoto(endpoint);
    clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
  });
  afterEach(() => clients.destroy());

  it('inventories functions in two regions with every field and no environment value', async () => {
    // Arrange
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const roles: string[] = [];
    for (const name of ['orders-role', 'reports-role']) {
      const out = await clients
        .iam()
        .send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
      roles.push(out.Role!.Arn!);
    }
    const east = clients.lambda('us-east-1');
    const west = clients.lambda('eu-west-1');
    const layer = await east.send(
      new PublishLayerVersionCommand({ LayerName: 'shared-libs', Content: { ZipFile: ZIP } }),
    );
    const orders = await east.send(
      new CreateFunctionCommand({
        FunctionName: 'orders',
        Role: roles[0],
        Runtime: 'python3.12',
        Handler: 'app.handler',
        Code: { ZipFile: ZIP },
        Environment: { Variables: { API_KEY: SECRET, TABLE_NAME: 'orders-table-value' } },
        Layers: [layer.LayerVersionArn!],
        Tags: { team: 'payments', env: 'prod' },
      }),
    );
    await east.send(
      new AddPermissionCommand({
        FunctionName: 'orders',
        StatementId: 's3-uploads',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads-bucket',
        SourceAccount: ACCOUNT,
      }),
    );
    await east.send(
      new AddPermissionCommand({
        FunctionName: 'orders',
        StatementId: 'partner-account',
        Action: 'lambda:InvokeFunction',
        Principal: '210987654321',
      }),
    );
    const url = await east.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'orders', AuthType: 'NONE' }),
    );
    const queueArn = await createQueue('us-east-1', 'order-events');
    const mapping = await east.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'orders', EventSourceArn: queueArn }),
    );
    const reports = await west.send(
      new CreateFunctionCommand({
        FunctionName: 'reports',
        Role: roles[1],
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: ZIP },
        Environment: { Variables: { DB_PASSWORD: `${SECRET}-west` } },
      }),
    );
    serveFunctionUrlListing(east);
    serveFunctionUrlListing(west);
    const gaps = new GapRecorder();
    // Act
    const regions = await enabledRegions(clients, { accountId: ACCOUNT, gaps });
    const functions = await collectFunctions(clients, { accountId: ACCOUNT, regions, gaps });
    // Assert
    expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1']));
    expect(gaps.gaps).toEqual([]);
    expect(functions).toEqual([
      {
        arn: reports.FunctionArn,
        name: 'reports',
        accountId: ACCOUNT,
        region: 'eu-west-1',
        roleArn: roles[1],
        runtime: 'nodejs22.x',
        lastModified: reports.LastModified,
        environmentVariableNames: ['DB_PASSWORD'],
        layers: [],
        invokers: [],
        functionUrls: [],
        eventSources: [],
        tags: {},
      },
      {
        arn: orders.FunctionArn,
        name: 'orders',
        accountId: ACCOUNT,
        region: 'us-east-1',
        roleArn: roles[0],
        runtime: 'python3.12',
        lastModified: orders.LastModified,
        environmentVariableNames: ['API_KEY', 'TABLE_NAME'],
        layers: [layer.LayerVersionArn],
        invokers: [
          {
            principal: 's3.amazonaws.com',
            action: 'lambda:InvokeFunction',
            sourceArn: 'arn:aws:s3:::uploads-bucket',
            sourceAccount: ACCOUNT,
            sid: 's3-uploads',
          },
          {
            principal: 'arn:aws:iam::210987654321:root',
            action: 'lambda:InvokeFunction',
            sid: 'partner-account',
          },
        ],
        functionUrls: [{ url: url.FunctionUrl, authType: 'NONE' }],
        eventSources: [{ arn: queueArn, state: mapping.State, uuid: mapping.UUID }],
        tags: { team: 'payments', env: 'prod' },
      },
    ]);
    const json = JSON.stringify({ functions, gaps: gaps.gaps });
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain('orders-table-value');
  });
});
