/**
 * The collection half of the scan state machine against moto: the exported Lambda handlers of
 * start-scan, collect-account, read-trail-objects and read-event-history, called with the events
 * Step Functions sends and a fake Lambda context, their settings in the environment, every AWS
 * call through the real SDK clients to moto (the Leash bucket and table there too).
 *
 * moto does not enforce a role's trust policy, but the scanner role `leash/leash-scanner` is
 * created all the same so that what is assumed exists. moto lacks LookupEvents: the CloudTrail
 * client is mocked with aws-sdk-client-mock for Event history. moto lacks Access Advisor too
 * (HTTP 500): each identity gets a `failed` gap, as in the live-scan tests.
 */
import { CloudTrailClient, type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand } from '@aws-sdk/client-organizations';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import {
  readAccountUsage,
  readAccountWork,
  readOrgTrails,
  readPrefixes,
  workKeys,
} from '#connectors/aws/steps/work-files.ts';
import { getJson } from '#connectors/scan-run/bucket.ts';
import type {
  AccountItem,
  CollectAccountOutput,
  ReadTrailObjectsOutput,
  StartScanOutput,
} from '#functions/shared/contract.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
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
const REGION = 'us-east-1';
const BUCKET = 'leash-work';
const TRAIL_BUCKET = 'trail-logs';
const TABLE = 'leash';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A DynamoDB client for moto. */
const dynamo = () =>
  new DynamoDBClient({ region: REGION, endpoint, credentials: TEST_CREDENTIALS });

type Handler<O> = (event: unknown, context: Context) => Promise<O>;

/** A Lambda context whose remaining time `remaining` reports. */
function aContext(remaining: () => number = () => 900_000): Context {
  return {
    functionName: 'leash-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:leash-test`,
    memoryLimitInMB: '1024',
    awsRequestId: 'request-1',
    logGroupName: '/aws/lambda/leash-test',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Imports a handler afresh with its settings in the environment (settings are read once, at
 * import, as on a cold start).
 */
async function handlerOf<O>(
  load: () => Promise<{ handler: unknown }>,
  env: Record<string, string> = {},
): Promise<Handler<O>> {
  vi.resetModules();
  const base: Record<string, string> = {
    LEASH_BUCKET: BUCKET,
    LEASH_TABLE_NAME: TABLE,
    LEASH_REGIONS: REGION,
    LEASH_MODE: 'account',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: '',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [k, v] of Object.entries({ ...base, ...env })) vi.stubEnv(k, v);
  return (await load()).handler as Handler<O>;
}

const startScan = (env?: Record<string, string>) =>
  handlerOf<StartScanOutput>(() => import('#functions/start-scan.ts'), env);
const collect = (env?: Record<string, string>) =>
  handlerOf<CollectAccountOutput>(() => import('#functions/collect-account.ts'), env);
const readTrail = (env?: Record<string, string>) =>
  handlerOf<ReadTrailObjectsOutput>(() => import('#functions/read-trail-objects.ts'), env);
const readHistory = (env?: Record<string, string>) =>
  handlerOf<{ records: number; complete: boolean; gaps: number }>(
    () => import('#functions/read-event-history.ts'),
    env,
  );

/** An account with the scanner role, one application role, and its trail's files. */
interface SeededAccount {
  accountId: string;
  app: string;
  records: Record<string, unknown>[];
  /** First record, epoch ms: the records span the two days from there. */
  start: number;
}

/**
 * Seeds the scanner role, a multi-region trail delivering to {@link TRAIL_BUCKET}, an
 * application role, and 48 of its calls spread over two days that ended a few days ago.
 */
async function seedAccount(admin: AwsClients, withTrail = true): Promise<SeededAccount> {
  const accountId = await callerAccount(admin);
  await createRole(admin, {
    name: 'leash-scanner',
    path: '/leash/',
    trust: trust({ AWS: `arn:aws:iam::${accountId}:root` }),
  });
  const app = await createRole(admin, {
    name: 'app',
    trust: trust({ Service: 'lambda.amazonaws.com' }),
    inline: { s3: allow('s3:ListAllMyBuckets', 's3:GetObject') },
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
  if (withTrail) {
    await createTrail(admin, { bucket: TRAIL_BUCKET, name: 'main', multiRegion: true });
    await uploadTrailFiles(admin, TRAIL_BUCKET, trailFiles(records, accountId));
  }
  return { accountId, app: app.arn, records, start };
}

/** The AccountItem of the account for a window covering the records, as accounts.json holds it. */
function itemFor(seeded: SeededAccount, runId = 'run-1'): AccountItem {
  const to = seeded.start + 3 * DAY_MS;
  return {
    runId,
    asOf: new Date(to).toISOString(),
    from: to - 7 * DAY_MS,
    to,
    accountId: seeded.accountId,
  };
}

describe('scan state machine: collection steps against moto', () => {
  let admin: AwsClients;
  let work: { s3: ReturnType<AwsClients['s3']>; name: string };

  beforeEach(async () => {
    await resetMoto(endpoint);
    admin = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    await admin.s3(REGION).send(new CreateBucketCommand({ Bucket: BUCKET }));
    work = { s3: admin.s3(REGION), name: BUCKET };
    await ensureTable(dynamo(), TABLE);
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: 'inf' });
    admin.destroy();
  });

  it("start-scan lists the caller's account in account mode and fixes the run's window", async () => {
    // Arrange
    const handler = await startScan({ LEASH_LOOKBACK_DAYS: '30' });
    const account = await callerAccount(admin);

    // Act
    const out = await handler(
      {
        executionName: 'run-account',
        input: {},
        startTime: '2026-11-15T03:00:00.000Z',
      },
      aContext(),
    );

    // Assert
    const to = Date.parse('2026-11-15T03:00:00.000Z');
    expect(out).toEqual({
      runId: 'run-account',
      asOf: '2026-11-15T03:00:00.000Z',
      from: to - 30 * DAY_MS,
      to,
      accounts: { bucket: BUCKET, key: 'work/runs/run-account/accounts.json' },
      accountCount: 1,
      entra: false,
    });
    expect(await getJson(work, out.accounts.key)).toEqual([
      { runId: 'run-account', asOf: out.asOf, from: out.from, to, accountId: account },
    ]);
  });

  it("start-scan lists the organization's active accounts and its organization trail", async () => {
    // Arrange
    const org = await admin
      .organizations()
      .send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const orgId = org.Organization!.Id!;
    const members: string[] = [];
    for (const name of ['b-member', 'a-member']) {
      const out = await admin
        .organizations()
        .send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
      members.push(out.CreateAccountStatus!.AccountId!);
    }
    const management = await callerAccount(admin);
    await createRole(admin, {
      name: 'leash-scanner',
      path: '/leash/',
      trust: trust({ AWS: `arn:aws:iam::${management}:root` }),
    });
    const trailArn = await createTrail(admin, {
      bucket: TRAIL_BUCKET,
      name: 'org',
      multiRegion: true,
      organization: true,
    });
    const actor = roleActor(
      { name: 'x', arn: 'arn:aws:iam::1:role/x', roleId: 'AROA' },
      members[0]!,
      's',
    );
    const record = trailRecord(actor, members[0]!, {
      at: Date.now(),
      source: 's3.amazonaws.com',
      name: 'ListBuckets',
    });
    await uploadTrailFiles(
      admin,
      TRAIL_BUCKET,
      trailFiles([record], members[0]!, { organizationId: orgId }),
    );
    const handler = await startScan({
      LEASH_MODE: 'organization',
      LEASH_MANAGEMENT_ACCOUNT_ID: management,
      LEASH_ENTRA_SECRET_ARN: `arn:aws:secretsmanager:${REGION}:${management}:secret:leash-entra`,
    });

    // Act
    const out = await handler(
      { executionName: 'run-org', input: { lookbackDays: 7 }, startTime: new Date().toISOString() },
      aContext(),
    );

    // Assert
    expect(out).toMatchObject({ runId: 'run-org', accountCount: 3, entra: true });
    const accounts = (await getJson(work, out.accounts.key)) as AccountItem[];
    expect(accounts.map((a) => a.accountId)).toEqual([management, ...members].sort());
    expect(accounts.find((a) => a.accountId === members[1])?.name).toBe('a-member');
    const trails = await readOrgTrails(work, 'run-org');
    expect(trails.gaps).toEqual([]);
    expect(trails.trails).toEqual([
      expect.objectContaining({
        readerAccountId: management,
        bucketRegion: REGION,
        organizationIds: [orgId],
        trail: expect.objectContaining({ arn: trailArn, isOrganizationTrail: true }),
      }),
    ]);
  });

  it("collect-account plans a member's folders of the organization trail, read by its owner's role", async () => {
    // Arrange: an organization trail of the management account holding a member's files.
    const org = await admin
      .organizations()
      .send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const orgId = org.Organization!.Id!;
    const member = (
      await admin
        .organizations()
        .send(new CreateAccountCommand({ AccountName: 'member', Email: 'member@example.com' }))
    ).CreateAccountStatus!.AccountId!;
    const seeded = await seedAccount(admin, false);
    await createTrail(admin, {
      bucket: TRAIL_BUCKET,
      name: 'org',
      multiRegion: true,
      organization: true,
    });
    const app = { name: 'app', arn: `arn:aws:iam::${member}:role/app`, roleId: 'AROAMEMBERAPP' };
    const records = seeded.records.map((r, i) =>
      trailRecord(roleActor(app, member, 'fn'), member, {
        at: Date.parse(String(r.eventTime)),
        source: 's3.amazonaws.com',
        name: i % 2 ? 'ListBuckets' : 'GetBucketPolicy',
      }),
    );
    const files = trailFiles(records, member, { organizationId: orgId });
    await uploadTrailFiles(admin, TRAIL_BUCKET, files);
    const env = { LEASH_MODE: 'organization', LEASH_MANAGEMENT_ACCOUNT_ID: seeded.accountId };
    const item = { ...itemFor(seeded, 'run-org'), accountId: member };
    await (await startScan(env))(
      {
        executionName: 'run-org',
        input: { asOf: item.asOf, lookbackDays: 7 },
        startTime: item.asOf,
      },
      aContext(),
    );

    // Act
    const collected = await (await collect(env))(item, aContext());
    const read = await (await readTrail(env))({ manifest: collected.prefixes }, aContext());

    // Assert
    expect(collected).toMatchObject({ accountId: member, usage: 'trail' });
    const folders = await readPrefixes(work, collected.prefixes!.key);
    expect(new Set(folders.map((f) => f.readerAccountId))).toEqual(new Set([seeded.accountId]));
    expect(folders[0]!.prefix).toMatch(
      new RegExp(`^AWSLogs/${orgId}/${member}/CloudTrail/${REGION}/\\d{4}/\\d{2}/\\d{2}/$`),
    );
    expect(read).toMatchObject({ reused: 0, objects: files.length, records: 48 });
    const parts = [];
    for await (const p of readAccountUsage(work, 'run-org', member)) parts.push(p);
    expect(parts[0]!.snapshot.principals.map((p) => [p.arn, p.events])).toEqual([[app.arn, 48]]);
  });

  it('collect-account writes the inventory and the trail day folders of a seeded trail', async () => {
    // Arrange
    const seeded = await seedAccount(admin);
    const handler = await collect();
    const item = itemFor(seeded);

    // Act
    const out = await handler(item, aContext());

    // Assert
    expect(out).toMatchObject({
      runId: 'run-1',
      accountId: seeded.accountId,
      usage: 'trail',
      prefixes: { bucket: BUCKET, key: `work/runs/run-1/prefixes/${seeded.accountId}.json` },
      identities: 2,
    });
    const folders = await readPrefixes(work, out.prefixes!.key);
    // The 7-day window's days and the day after, all begun: 8 or 9 folders depending on the hour.
    expect(folders.length).toBe(out.prefixCount);
    expect(folders.length).toBeGreaterThanOrEqual(8);
    expect(folders[0]).toEqual({
      runId: 'run-1',
      accountId: seeded.accountId,
      readerAccountId: seeded.accountId,
      bucket: TRAIL_BUCKET,
      bucketRegion: REGION,
      region: REGION,
      day: new Date(item.from).toISOString().slice(0, 10),
      prefix: `AWSLogs/${seeded.accountId}/CloudTrail/${REGION}/${new Date(item.from).toISOString().slice(0, 10).replaceAll('-', '/')}/`,
    });
    const saved = await readAccountWork(work, 'run-1', seeded.accountId);
    expect(saved?.usage).toBe('trail');
    expect(saved?.regions).toEqual([REGION]);
    expect(saved?.inventory?.roles.map((r) => r.name).sort()).toEqual(['app', 'leash-scanner']);
    expect(saved?.inventory?.trails.map((t) => t.name)).toEqual(['main']);
    expect(saved?.inventory?.accountIds).toEqual([seeded.accountId]);
    expect(saved?.gaps.map((g) => g.api)).toEqual(
      Array(2).fill('iam:GenerateServiceLastAccessedDetails'),
    );
  });

  it('collect-account plans Event history for an account no trail covers', async () => {
    // Arrange
    const seeded = await seedAccount(admin, false);
    const handler = await collect();

    // Act
    const out = await handler(itemFor(seeded), aContext());

    // Assert
    expect(out).toMatchObject({ usage: 'lookup', prefixes: null, prefixCount: 0 });
    expect((await readAccountWork(work, 'run-1', seeded.accountId))?.usage).toBe('lookup');
  });

  it('collect-account records an account whose scanner role cannot be assumed as a gap', async () => {
    // Arrange: the functions' user may do anything but assume the role in one account.
    const denied = '210987654321';
    const iam = admin.iam();
    await iam.send(new CreateUserCommand({ UserName: 'leash-functions' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'leash-functions',
        PolicyName: 'functions',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            {
              Effect: 'Deny',
              Action: 'sts:AssumeRole',
              Resource: `arn:aws:iam::${denied}:role/leash/leash-scanner`,
            },
          ],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'leash-functions' })))
      .AccessKey!;
    const handler = await collect({
      AWS_ACCESS_KEY_ID: key.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!,
    });
    await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });

    // Act
    const out = await handler(
      { runId: 'run-1', asOf: '2026-11-15T00:00:00.000Z', from: 0, to: 1, accountId: denied },
      aContext(),
    );

    // Assert
    await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: 'inf' });
    expect(out).toEqual({
      runId: 'run-1',
      accountId: denied,
      usage: 'none',
      prefixes: null,
      prefixCount: 0,
      identities: 0,
      gaps: 1,
    });
    const saved = await readAccountWork(work, 'run-1', denied);
    expect(saved).toMatchObject({ usage: 'none', inventory: null, regions: [] });
    expect(saved?.gaps).toEqual([
      expect.objectContaining({ api: 'sts:AssumeRole', account: denied, reason: 'access-denied' }),
    ]);
  });

  it('read-trail-objects reads the folders, then reuses unchanged ones and rereads a changed one', async () => {
    // Arrange
    const seeded = await seedAccount(admin);
    const collected = await (await collect())(itemFor(seeded), aContext());
    const handler = await readTrail();
    const manifest = { manifest: collected.prefixes };
    const files = trailFiles(seeded.records, seeded.accountId);

    // Act
    const first = await handler(manifest, aContext());
    const second = await handler(manifest, aContext());
    const changed = files[0]!.key.slice(0, files[0]!.key.lastIndexOf('/') + 1);
    await admin.s3(REGION).send(
      new PutObjectCommand({
        Bucket: TRAIL_BUCKET,
        Key: `${changed}${seeded.accountId}_CloudTrail_${REGION}_late.json.gz`,
        Body: files[0]!.body,
      }),
    );
    const folders = await readPrefixes(work, collected.prefixes!.key);
    const third = await handler({ Items: folders }, aContext());

    // Assert
    expect(first).toEqual({
      prefixes: collected.prefixCount,
      reused: 0,
      objects: files.length,
      records: 48,
    });
    // Only the two days with files have snapshots; nothing is downloaded the second time.
    expect(second).toEqual({ prefixes: collected.prefixCount, reused: 2, objects: 0, records: 0 });
    const changedDay = files.filter((f) => f.key.startsWith(changed)).length;
    expect(third).toEqual({
      prefixes: collected.prefixCount,
      reused: 1,
      objects: changedDay + 1,
      records: 24 + files[0]!.records,
    });
    const days = await admin
      .s3(REGION)
      .send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `work/usage/${seeded.accountId}/` }),
      );
    expect(days.Contents?.map((o) => o.Key)).toEqual(
      [0, 1].map((d) =>
        workKeys.daySnapshot(
          seeded.accountId,
          new Date(seeded.start + d * DAY_MS).toISOString().slice(0, 10),
          REGION,
        ),
      ),
    );
    // The run's usage: one part per invocation over the same folders (replaced by the Items
    // call, which names the same folders), merging to every record once per read.
    const parts = [];
    for await (const p of readAccountUsage(work, 'run-1', seeded.accountId)) parts.push(p);
    expect(parts).toHaveLength(1);
    const used = parts[0]!.snapshot.principals.find((p) => p.arn === seeded.app)?.used;
    expect(used).toEqual([
      expect.objectContaining({ action: 's3:ListAllMyBuckets', count: 48 + files[0]!.records }),
    ]);
    const store = openDynamoStore({ client: dynamo(), table: TABLE });
    const rows = await store.usageDays(seeded.app);
    expect(rows.map((r) => [r.day, r.action, r.count])).toEqual([
      [
        new Date(seeded.start).toISOString().slice(0, 10),
        's3:ListAllMyBuckets',
        24 + files[0]!.records,
      ],
      [new Date(seeded.start + DAY_MS).toISOString().slice(0, 10), 's3:ListAllMyBuckets', 24],
    ]);
  });

  describe('read-event-history', () => {
    // Mocked only within these tests: every other test creates trails in moto.
    let cloudtrail: ReturnType<typeof mockClient>;
    beforeEach(() => {
      cloudtrail = mockClient(CloudTrailClient);
    });
    afterEach(() => {
      cloudtrail.restore();
    });

    /** The records as Event history returns them: newest first. */
    const events = (records: Record<string, unknown>[]): Event[] =>
      records
        .map((r) => ({
          EventId: String(r.eventID),
          EventName: String(r.eventName),
          EventTime: new Date(String(r.eventTime)),
          CloudTrailEvent: JSON.stringify(r),
        }))
        .sort((a, b) => b.EventTime.getTime() - a.EventTime.getTime());

    it("reads the window's Event history into the account's usage", async () => {
      // Arrange
      const seeded = await seedAccount(admin, false);
      const all = events(seeded.records);
      cloudtrail
        .on(LookupEventsCommand)
        .resolvesOnce({ Events: all.slice(0, 30), NextToken: 'p2' })
        .resolvesOnce({ Events: all.slice(30) });
      const handler = await readHistory();
      const { asOf, from, to, accountId } = itemFor(seeded);

      // Act
      const out = await handler({ runId: 'run-1', asOf, from, to, accountId }, aContext());

      // Assert
      expect(out).toMatchObject({ records: 48, complete: true, gaps: 0 });
      const parts = [];
      for await (const p of readAccountUsage(work, 'run-1', accountId)) parts.push(p);
      expect(parts.map((p) => p.key)).toEqual([workKeys.eventHistory('run-1', accountId)]);
      expect(parts[0]!.snapshot.principals[0]?.used).toEqual([
        expect.objectContaining({ action: 's3:ListAllMyBuckets', count: 48 }),
      ]);
    });

    it('stops a minute before the time limit with a gap saying how far back it read', async () => {
      // Arrange: endless history, and a function with 61 s left, then 30 s.
      const seeded = await seedAccount(admin, false);
      const all = events(seeded.records);
      cloudtrail.on(LookupEventsCommand).resolves({ Events: all.slice(0, 10), NextToken: 'more' });
      const handler = await readHistory();
      const left = [61_000, 30_000];
      const { asOf, from, to, accountId } = itemFor(seeded);

      // Act
      const out = await handler(
        { runId: 'run-1', asOf, from, to, accountId },
        aContext(() => left.shift() ?? 0),
      );

      // Assert
      expect(out).toMatchObject({ records: 10, complete: false, gaps: 1 });
      const body = (await getJson(work, workKeys.eventHistory('run-1', accountId))) as {
        body: { gaps: { api: string; reason: string; detail: string }[] };
      };
      const oldest = all[9]!.EventTime!.toISOString();
      expect(body.body.gaps).toEqual([
        expect.objectContaining({
          api: 'cloudtrail:LookupEvents',
          account: accountId,
          reason: 'failed',
          detail: expect.stringContaining(`us-east-1: back to ${oldest}`),
        }),
      ]);
      expect(body.body.gaps[0]!.detail).toMatch(
        /^stopped 60 s before the function's time limit after 10 events/,
      );
    });
  });

  it('keeps the day snapshot format readable by GetObject with its fingerprint metadata', async () => {
    // Arrange
    const seeded = await seedAccount(admin);
    const collected = await (await collect())(itemFor(seeded), aContext());
    await (await readTrail())({ manifest: collected.prefixes }, aContext());
    const key = workKeys.daySnapshot(
      seeded.accountId,
      new Date(seeded.start).toISOString().slice(0, 10),
      REGION,
    );

    // Act
    const out = await admin.s3(REGION).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));

    // Assert
    expect(out.Metadata?.['leash-fingerprint']).toMatch(/^\d+\/\d+\/\d+$/);
    expect(out.ContentEncoding).toBe('gzip');
  });
});
