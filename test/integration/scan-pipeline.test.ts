/**
 * A scheduled scan end to end, in-process: the scan state machine exactly as `cdk synth` emits
 * it is walked by the test ASL interpreter (test/helpers/asl.ts), which calls the exported Lambda
 * handlers for its tasks, against moto (IAM, STS, CloudTrail's S3 files, the Leash bucket and
 * table, Secrets Manager, the Leash bus with a rule to SQS) and the loopback Graph server. So the
 * definition's paths, choices and maps and the handlers' inputs and outputs are tested together.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  it,
  vi,
} from 'vitest';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { type Bucket, getBytes, getJson } from '#connectors/scan-run/bucket.ts';
import type { PublishEventsResult } from '#connectors/scan-run/publish-events.ts';
import { FindingCreatedDetailSchema, ScanCompletedDetailSchema } from '#core/model/events.ts';
import { FindingsDocumentSchema } from '#core/model/findings.ts';
import {
  type AnalyzeScanOutput,
  ENV,
  INLINE_PREFIX_LIMIT,
  type ReadTrailObjectsOutput,
  type StartScanOutput,
} from '#functions/shared/contract.ts';
import { type Json, runStateMachine } from '#test/helpers/asl.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { MotoSqs, type TestQueue } from '#test/helpers/moto-sqs.ts';
import {
  BUCKET,
  createBucketAndTable,
  type Handler,
  loadHandler,
  motoClients,
  motoDynamo,
  REGION,
  SMALL_TENANT,
  smallTenant,
  stubHandlerEnv,
  TABLE,
} from '#test/helpers/scan-run.ts';
import {
  allow,
  callerAccount,
  createRole,
  createTrail,
  roleActor,
  trailFiles,
  trailRecord,
  trust,
  uploadTrailFiles,
} from '#test/helpers/seed-aws.ts';
import type { HandlerName } from '../../cdk/constructs/leash-functions.ts';
import { scanStateMachineDefinition } from '../../cdk/constructs/scan-state-machine.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';

const endpoint = inject('motoEndpoint');
const BUS = 'leash';
const TRAIL_BUCKET = 'trail-logs';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

let graph: GraphServer;
let admin: AwsClients;
let bucket: Bucket;
let sqs: MotoSqs;
let queue: TestQueue;

beforeAll(async () => {
  graph = await startGraphServer(smallTenant());
  definition = synthesizedDefinition();
});

afterAll(async () => {
  await graph?.close();
});

beforeEach(async () => {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
  admin = motoClients(endpoint);
  bucket = { s3: admin.s3(REGION), name: BUCKET };
  sqs = new MotoSqs(endpoint);
  queue = await sqs.createQueue('leash-events');
});

afterEach(() => {
  vi.unstubAllEnvs();
  admin.destroy();
});

/**
 * The deployment: the scanner role, an application role that lists buckets every hour for two
 * days and never creates one, an administrator role nobody uses, the trail's files, the
 * Entra credential, the bus and a rule delivering Leash events to the test's queue.
 * @returns the account and the end of the window (three days after the first record)
 */
async function deploy(): Promise<{ accountId: string; asOf: number; secretArn: string }> {
  const accountId = await callerAccount(admin);
  await createRole(admin, {
    name: 'leash-scanner',
    path: '/leash/',
    trust: trust({ AWS: `arn:aws:iam::${accountId}:root` }),
  });
  const app = await createRole(admin, {
    name: 'app',
    trust: trust({ Service: 'lambda.amazonaws.com' }),
    inline: { s3: allow('s3:ListAllMyBuckets', 's3:CreateBucket') },
  });
  await createRole(admin, {
    name: 'break-glass-admin',
    trust: trust({ AWS: `arn:aws:iam::${accountId}:root` }),
    inline: { all: allow('*') },
  });
  const start = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS;
  const actor = roleActor(app, accountId, 'fn');
  const records = Array.from({ length: 48 }, (_, i) =>
    trailRecord(actor, accountId, {
      at: start + i * HOUR_MS + 60_000,
      source: 's3.amazonaws.com',
      name: 'ListBuckets',
    }),
  );
  await createTrail(admin, { bucket: TRAIL_BUCKET, name: 'main', multiRegion: true });
  await uploadTrailFiles(admin, TRAIL_BUCKET, trailFiles(records, accountId));

  const secrets = new SecretsManagerClient({
    endpoint,
    region: REGION,
    credentials: TEST_CREDENTIALS,
  });
  const { ARN } = await secrets.send(
    new CreateSecretCommand({
      Name: 'leash/entra',
      SecretString: JSON.stringify({
        tenantId: SMALL_TENANT.TENANT,
        clientId: SMALL_TENANT.CLIENT,
        clientSecret: SMALL_TENANT.SECRET,
        authorityHost: graph.url,
        graphBaseUrl: graph.url,
        caPem: graph.ca,
      }),
    }),
  );
  secrets.destroy();
  const events = new EventBridgeClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  await events.send(
    new PutRuleCommand({
      Name: 'to-queue',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: ['leash'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'to-queue',
      EventBusName: BUS,
      Targets: [{ Id: 'q', Arn: queue.arn }],
    }),
  );
  events.destroy();
  return { accountId, asOf: start + 3 * DAY_MS, secretArn: ARN! };
}

/** The scan state machine as `cdk synth` emits it, with function names for the handlers. */
function synthesizedDefinition(): Json {
  // Bundling is skipped: only the definition is wanted, not the functions' code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LeashStack(app, 'Leash');
  const template = Template.fromStack(stack).toJSON();
  return scanStateMachineDefinition(template, { bucketName: BUCKET }) as unknown as Json;
}

/** The functions the scan calls (send-weekly-report runs on its own schedule). */
const HANDLERS: Partial<
  Record<HandlerName, () => Promise<{ handler: Handler<unknown, unknown> }>>
> = {
  'start-scan': () => import('#functions/start-scan.ts'),
  'collect-account': () => import('#functions/collect-account.ts'),
  'read-trail-objects': () => import('#functions/read-trail-objects.ts'),
  'read-event-history': () => import('#functions/read-event-history.ts'),
  'collect-entra': () => import('#functions/collect-entra.ts'),
  'analyze-scan': () => import('#functions/analyze-scan.ts'),
  'publish-events': () => import('#functions/publish-events.ts'),
};

/** What one execution did: the states entered, and each function's outputs. */
interface Execution {
  trace: string[];
  outputs: Map<string, unknown[]>;
}

/**
 * Runs the synthesized state machine in-process: the test interpreter walks the definition and
 * calls the exported handlers (loaded after the settings are stubbed) for its tasks.
 */
async function runScan(
  runId: string,
  input: { asOf: string; lookbackDays: number },
): Promise<Execution> {
  const handlers = new Map<string, (event: unknown) => Promise<unknown>>();
  for (const [name, importer] of Object.entries(HANDLERS))
    if (importer) handlers.set(name, await loadHandler(importer));
  const outputs = new Map<string, unknown[]>();
  const trace: string[] = [];
  await runStateMachine(
    definition as { [k: string]: Json },
    input,
    {
      trace,
      invoke: async (name, payload) => {
        const handler = handlers.get(name);
        if (!handler) throw new Error(`the definition calls an unknown function ${name}`);
        const out = await handler(payload);
        outputs.set(name, [...(outputs.get(name) ?? []), out]);
        return out as Json;
      },
      getObject: async (b, key) => {
        expect(b).toBe(BUCKET);
        return new TextDecoder().decode(await getBytes(bucket, key));
      },
    },
    { name: runId, startTime: input.asOf },
  );
  return { trace, outputs };
}

/** The one output of a function in an execution. */
function onlyOutput<T>(run: Execution, name: HandlerName): T {
  const outs = run.outputs.get(name) ?? [];
  expect(outs).toHaveLength(1);
  return outs[0] as T;
}

let definition: Json;

describe('a scheduled scan, step by step', () => {
  it('persists the findings of the account and the tenant and puts the events', async () => {
    // Arrange
    const { accountId, asOf, secretArn } = await deploy();
    stubHandlerEnv(endpoint, {
      [ENV.regions]: REGION,
      [ENV.mode]: 'account',
      [ENV.entraSecret]: secretArn,
      [ENV.eventBus]: BUS,
    });

    // Act
    const input = { asOf: new Date(asOf).toISOString(), lookbackDays: 7 };
    const run = await runScan('scan-1', input);
    const started = onlyOutput<StartScanOutput>(run, 'start-scan');
    const analyzed = onlyOutput<AnalyzeScanOutput>(run, 'analyze-scan');
    const published = onlyOutput<PublishEventsResult>(run, 'publish-events');

    // Assert: the document
    expect(started).toMatchObject({ runId: 'scan-1', accountCount: 1, entra: true });
    // Seven days of one region's folders are few: one read-trail-objects call reads them all.
    expect(run.trace).toEqual([
      'StartScan',
      'CollectAccounts',
      'CollectAccount',
      'UsageSource',
      'ReadTrailFoldersInline',
      'AccountDone',
      'EntraConfigured',
      'CollectEntra',
      'AnalyzeScan',
      'PublishEvents',
      'ScanSucceeded',
    ]);
    expect(run.outputs.get('read-trail-objects')).toHaveLength(1);
    expect(run.outputs.has('read-event-history')).toBe(false);
    const doc = FindingsDocumentSchema.parse(await getJson(bucket, analyzed.findings.key));
    expect(doc.accounts).toEqual([accountId]);
    expect(doc.tenants).toEqual([SMALL_TENANT.TENANT]);
    const app = doc.identities.find((i) => i.name === 'app')!;
    expect(app.usedActions.map((a) => a.action)).toEqual(['s3:ListAllMyBuckets']);
    expect(app.unusedActions).toEqual(['s3:CreateBucket']);
    expect(app.recommendation).toBe('rightsize');
    expect(doc.identities.some((i) => i.id === SMALL_TENANT.APP_SP)).toBe(true);

    // The store
    const store = openDynamoStore({ client: motoDynamo(endpoint), table: TABLE });
    expect((await store.scans()).map((s) => s.runId)).toEqual(['scan-1']);
    const open = await store.openFindings();
    expect(open).toHaveLength(analyzed.open);
    expect(analyzed.new).toBe(analyzed.open);

    // The events
    const events = (await sqs.drain(queue)).map(
      (b) => JSON.parse(b) as { 'detail-type': string; detail: unknown },
    );
    const completed = events.filter((e) => e['detail-type'] === 'Scan Completed');
    const created = events
      .filter((e) => e['detail-type'] === 'Finding Created')
      .map((e) => FindingCreatedDetailSchema.parse(e.detail));
    expect(completed).toHaveLength(1);
    expect(ScanCompletedDetailSchema.parse(completed[0]?.detail).findings.totals.open).toBe(
      analyzed.open,
    );
    const alerting = open.filter(
      (f) => f.finding.severity === 'high' || f.finding.severity === 'critical',
    );
    expect(alerting.length).toBeGreaterThan(0);
    expect(created.map((c) => c.finding.key).sort()).toEqual(alerting.map((f) => f.key).sort());
    expect(published.findingCreated).toBe(alerting.length);

    // Running the same execution again (a redrive) changes nothing in the store.
    const again = await runScan('scan-1', input);
    expect(onlyOutput(again, 'analyze-scan')).toEqual(analyzed);
    expect(onlyOutput<ReadTrailObjectsOutput>(again, 'read-trail-objects').objects).toBe(0);
    expect((await store.scans()).map((s) => s.runId)).toEqual(['scan-1']);
  });

  it('reads the trail folders through the Distributed Map, in batches', async () => {
    // Arrange: 60 days of one region are more folders than one invocation reads; Entra is off
    const { accountId, asOf } = await deploy();
    stubHandlerEnv(endpoint, {
      [ENV.regions]: REGION,
      [ENV.mode]: 'account',
      [ENV.eventBus]: BUS,
    });

    // Act
    const run = await runScan('scan-long', {
      asOf: new Date(asOf).toISOString(),
      lookbackDays: 60,
    });

    // Assert: the batched path was taken, every folder read once, the same verdicts
    const collected = onlyOutput<{ prefixCount: number }>(run, 'collect-account');
    expect(collected.prefixCount).toBeGreaterThan(INLINE_PREFIX_LIMIT);
    const batches = (run.outputs.get('read-trail-objects') ?? []) as ReadTrailObjectsOutput[];
    expect(batches).toHaveLength(Math.ceil(collected.prefixCount / 16));
    expect(batches.reduce((n, b) => n + b.prefixes, 0)).toBe(collected.prefixCount);
    expect(run.trace).toContain('ReadTrailFolders');
    expect(run.trace).not.toContain('ReadTrailFoldersInline');
    expect(run.trace).not.toContain('CollectEntra');
    const analyzed = onlyOutput<AnalyzeScanOutput>(run, 'analyze-scan');
    const doc = FindingsDocumentSchema.parse(await getJson(bucket, analyzed.findings.key));
    expect(doc.accounts).toEqual([accountId]);
    const app = doc.identities.find((i) => i.name === 'app')!;
    expect(app.usedActions.map((a) => a.action)).toEqual(['s3:ListAllMyBuckets']);
    expect(app.unusedActions).toEqual(['s3:CreateBucket']);
  });
});
