/**
 * Benchmark: a `Finding Created` event to containment applied, on a local moto server: the
 * containment state machine as `cdk synth` emits it, walked in-process by the test interpreter,
 * calling the real handlers (decide-containment, then apply-containment revoking the AI agent
 * role's sessions through IAM). No AWS propagation delay and no Step Functions or Lambda start-up
 * are in it: it measures Leash's own pipeline. Prints one JSON line: p50/p95 over the runs.
 *
 *   node --import tsx bench/containment.ts [--runs 50]
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { ENV } from '#functions/shared/contract.ts';
import {
  type CallHandler,
  containmentDefinition,
  findingCreatedEvent,
  runContainment,
  TokenDesk,
} from '#test/helpers/containment-run.ts';
import { aLambdaContext } from '#test/helpers/lambda.ts';
import { startMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 50;
const REGION = 'us-east-1';

const moto = await startMoto();
try {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    [ENV.table]: 'leash-bench',
    [ENV.auditTable]: 'leash-bench-audit',
    [ENV.bucket]: 'leash-bench-bucket',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const dynamo = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: REGION,
    credentials: TEST_CREDENTIALS,
  });
  await ensureTable(dynamo, 'leash-bench');
  await ensureTable(dynamo, 'leash-bench-audit');
  dynamo.destroy();
  const admin = new AwsClients({
    endpoint: moto.endpoint,
    credentials: TEST_CREDENTIALS,
    homeRegion: REGION,
  });
  const iam = admin.iam();
  const accountId = '123456789012';

  const call =
    (h: {
      handler: (e: unknown, c: ReturnType<typeof aLambdaContext>) => Promise<unknown>;
    }): CallHandler =>
    (event) =>
      h.handler(event, aLambdaContext());
  const handlers: Record<string, CallHandler> = {
    'decide-containment': call(await import('#functions/decide-containment.ts')),
    'apply-containment': call(await import('#functions/apply-containment.ts')),
  };
  const definition = containmentDefinition();
  const desk = new TokenDesk();

  const times: number[] = [];
  // One warm-up run (cold start of the handlers' clients and Cedar), not counted.
  for (let i = -1; i < RUNS; i++) {
    const name = `agent-${i + 1}`;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'tools',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
    );
    const event = findingCreatedEvent({ accountId, arn: Role!.Arn!, name, class: 'ai-agent' });
    const started = performance.now();
    const run = await runContainment(event, { definition, handlers, desk });
    const ms = performance.now() - started;
    if (run.trace.at(-1) !== 'Contained')
      throw new Error(`run ${i} did not contain: ${JSON.stringify(run.error ?? run.trace)}`);
    if (i >= 0) times.push(ms);
  }
  admin.destroy();
  times.sort((a, b) => a - b);
  const pct = (p: number) =>
    times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
  console.log(
    JSON.stringify({
      runs: times.length,
      p50Ms: pct(50),
      p95Ms: pct(95),
      maxMs: times[times.length - 1],
    }),
  );
} finally {
  await moto.stop();
}
process.exit(0);
