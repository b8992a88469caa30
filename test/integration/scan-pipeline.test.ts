/**
 * A scheduled scan end to end, in-process: every step of the scan state machine is the exported
 * Lambda handler, called in the state machine's order with the events it passes (start-scan,
 * then per account collect-account and read-trail-objects, collect-entra, analyze-scan,
 * publish-events), against moto (IAM, STS, CloudTrail's S3 files, the Leash bucket and table,
 * Secrets Manager, the Leash bus with a rule to SQS) and the loopback Graph server.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
import { readAccounts, readPrefixes } from '#connectors/aws/steps/work-files.ts';
import { type Bucket, getJson } from '#connectors/scan-run/bucket.ts';
import type { CollectEntraResult } from '#connectors/scan-run/collect-entra.ts';
import type { PublishEventsResult } from '#connectors/scan-run/publish-events.ts';
import { FindingCreatedDetailSchema, ScanCompletedDetailSchema } from '#core/model/events.ts';
import { FindingsDocumentSchema } from '#core/model/findings.ts';
import {
  type AnalyzeScanOutput,
  type CollectAccountOutput,
  ENV,
  INLINE_PREFIX_LIMIT,
  type ReadTrailObjectsInput,
  type ReadTrailObjectsOutput,
  type RunWindow,
  type StartScanInput,
  type StartScanOutput,
} from '#functions/shared/contract.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { MotoSqs, type TestQueue } from '#test/helpers/moto-sqs.ts';
import {
  BUCKET,
  createBucketAndTable,
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

/** Runs the state machine's steps in order, as Step Functions would. */
async function runScan(
  runId: string,
  asOf: number,
): Promise<{
  started: StartScanOutput;
  analyzed: AnalyzeScanOutput;
  published: PublishEventsResult;
}> {
  const startScan = await loadHandler<StartScanInput, StartScanOutput>(
    () => import('#functions/start-scan.ts'),
  );
  const started = await startScan({
    executionName: runId,
    input: { asOf: new Date(asOf).toISOString(), lookbackDays: 7 },
    startTime: new Date(asOf).toISOString(),
  });
  const window: RunWindow = {
    runId: started.runId,
    asOf: started.asOf,
    from: started.from,
    to: started.to,
  };
  // CollectAccounts: a Distributed Map over accounts.json.
  const collectAccount = await loadHandler<unknown, CollectAccountOutput>(
    () => import('#functions/collect-account.ts'),
  );
  const readTrail = await loadHandler<ReadTrailObjectsInput, ReadTrailObjectsOutput>(
    () => import('#functions/read-trail-objects.ts'),
  );
  for (const item of await readAccounts(bucket, runId)) {
    const collected = await collectAccount(item);
    if (collected.usage === 'trail' && collected.prefixes) {
      if (collected.prefixCount <= INLINE_PREFIX_LIMIT)
        await readTrail({ manifest: collected.prefixes });
      else {
        const folders = await readPrefixes(bucket, collected.prefixes.key);
        for (let i = 0; i < folders.length; i += 16)
          await readTrail({ Items: folders.slice(i, i + 16) });
      }
    }
  }
  if (started.entra) {
    const collectEntra = await loadHandler<RunWindow, CollectEntraResult>(
      () => import('#functions/collect-entra.ts'),
    );
    await collectEntra(window);
  }
  const analyze = await loadHandler<RunWindow, AnalyzeScanOutput>(
    () => import('#functions/analyze-scan.ts'),
  );
  const analyzed = await analyze(window);
  const publish = await loadHandler<AnalyzeScanOutput, PublishEventsResult>(
    () => import('#functions/publish-events.ts'),
  );
  const published = await publish(analyzed);
  return { started, analyzed, published };
}

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
    const { started, analyzed, published } = await runScan('scan-1', asOf);

    // Assert: the document
    expect(started).toMatchObject({ runId: 'scan-1', accountCount: 1, entra: true });
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
    const again = await runScan('scan-1', asOf);
    expect(again.analyzed).toEqual(analyzed);
    expect((await store.scans()).map((s) => s.runId)).toEqual(['scan-1']);
  });
});
