import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  GetBucketLocationCommand,
  GetObjectCommand,
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import {
  dayFolders,
  type TrailObjectsOptions,
  TrailObjectsSource,
} from '#connectors/aws/cloudtrail/trail-source.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { UsageBatch } from '#core/ports/usage-source.ts';
import { ACCOUNT, aRecord, OTHER_ACCOUNT } from '#test/helpers/builders.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

// biome-ignore lint/suspicious/noExplicitAny: the stub's generic parameters are the client's own
type S3Stub = AwsStub<any, any, any>;

const BUCKET = 'trail-bucket';
const FROM = Date.parse('2026-11-05T00:00:00Z');
const TO = Date.parse('2026-11-06T23:59:59Z');

function aTrail(overrides: Partial<TrailInfo> = {}): TrailInfo {
  return {
    name: 'main',
    arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`,
    homeRegion: 'us-east-1',
    accountId: ACCOUNT,
    s3BucketName: BUCKET,
    isOrganizationTrail: false,
    isMultiRegionTrail: true,
    managementEvents: 'All',
    dataEventServices: [],
    ...overrides,
  };
}

/** The key of a log file, named as CloudTrail names them. */
function logKey(account: string, region: string, day: string, hhmm: string, root = account) {
  return `AWSLogs/${root}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${day.replaceAll('/', '')}T${hhmm}Z_abc.json.gz`;
}

/** A gzipped trail file whose records carry the key as eventID prefix. */
function logFile(key: string, n = 2): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({ ...aRecord(), eventID: `${key}#${i}` }));
  return gzipSync(JSON.stringify({ Records: records }));
}

function body(buf: Buffer): GetObjectCommandOutput['Body'] {
  return Object.assign(Readable.from([buf]), {
    transformToByteArray: async () => new Uint8Array(buf),
  }) as unknown as GetObjectCommandOutput['Body'];
}

function error(name: string): Error {
  return Object.assign(new Error(`${name} (test)`), { name });
}

async function read(source: TrailObjectsSource): Promise<{
  batches: UsageBatch[];
  issues: InputIssue[];
}> {
  const issues: InputIssue[] = [];
  const batches: UsageBatch[] = [];
  for await (const b of source.batches(issues)) batches.push(b);
  return { batches, issues };
}

function filesOf(batches: UsageBatch[]): string[] {
  return [...new Set(batches.map((b) => b.file.replace(`s3://${BUCKET}/`, '')))];
}

/**
 * An S3 bucket in memory behind a stubbed client: ListObjectsV2 pages of two keys, GetObject
 * from the map. Hooks let a test deny or delay calls.
 */
function fakeBucket(stub: S3Stub, objects: Map<string, Buffer>) {
  const hooks = {
    list: (_input: ListObjectsV2CommandInput): void => undefined,
    get: async (_input: GetObjectCommandInput): Promise<void> => undefined,
  };
  stub.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    hooks.list(input);
    // S3 lists keys in UTF-8 order, after StartAfter when given.
    const keys = [...objects.keys()]
      .filter(
        (k) => k.startsWith(input.Prefix ?? '') && (!input.StartAfter || k > input.StartAfter),
      )
      .sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + 2);
    const more = start + 2 < keys.length;
    return {
      Contents: page.map((Key) => ({ Key, Size: objects.get(Key)!.length })),
      IsTruncated: more,
      ...(more ? { NextContinuationToken: String(start + 2) } : {}),
    };
  });
  stub.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
    await hooks.get(input);
    const buf = objects.get(input.Key!);
    if (!buf) throw error('NoSuchKey');
    return { Body: body(buf) };
  });
  return hooks;
}

describe('TrailObjectsSource', () => {
  let clients: AwsClients;
  let s3: S3Stub;
  let gaps: GapRecorder;
  let objects: Map<string, Buffer>;

  function options(overrides: Partial<TrailObjectsOptions> = {}): TrailObjectsOptions {
    return {
      trail: aTrail(),
      accounts: [ACCOUNT],
      regions: ['us-east-1'],
      from: FROM,
      to: TO,
      gaps,
      bucketRegion: 'us-east-1',
      deliverySlackMs: 0,
      ...overrides,
    };
  }

  function add(...keys: string[]): string[] {
    for (const k of keys) objects.set(k, logFile(k));
    return keys;
  }

  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
    s3 = mockClient(clients.s3('us-east-1') as S3Client);
    gaps = new GapRecorder();
    objects = new Map();
  });

  afterEach(() => {
    s3.restore();
    clients.destroy();
  });

  it('lists the window with one paginated listing per account and region, in key order', async () => {
    // Arrange
    fakeBucket(s3, objects);
    const day5 = add(
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'),
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0200'),
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0300'),
    );
    const day6 = add(logKey(ACCOUNT, 'us-east-1', '2026/11/06', '0100'));
    add(logKey(ACCOUNT, 'us-east-1', '2026/11/07', '0100'));
    // Act
    const { batches } = await read(new TrailObjectsSource(clients, options({ parallel: 2 })));
    // Assert
    expect(filesOf(batches)).toEqual([...day5, ...day6]);
    const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    // Pages of two keys: the listing stops at the first key past the window, not at the end.
    expect(calls.map((c) => c.Prefix)).toEqual(
      Array(calls.length).fill('AWSLogs/111111111111/CloudTrail/us-east-1/'),
    );
    expect(calls[0]!.StartAfter).toMatch(
      /^AWSLogs\/111111111111\/CloudTrail\/us-east-1\/2026\/11\/0[45]$/,
    );
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  it('never holds more than `parallel` files, counting the one being read', async () => {
    // Arrange
    const hooks = fakeBucket(s3, objects);
    for (let h = 0; h < 20; h++) {
      add(logKey(ACCOUNT, 'us-east-1', '2026/11/05', `${String(h).padStart(2, '0')}00`));
    }
    let started = 0;
    let running = 0;
    let maxRunning = 0;
    hooks.get = async () => {
      started++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setImmediate(r));
      running--;
    };
    const source = new TrailObjectsSource(clients, options({ parallel: 3 }));
    const issues: InputIssue[] = [];
    const seen = new Set<string>();
    let worst = 0;
    // Act
    for await (const batch of source.batches(issues)) {
      seen.add(batch.file);
      // Files downloaded or downloading that the consumer has not finished with.
      worst = Math.max(worst, started - (seen.size - 1));
      await new Promise((r) => setImmediate(r));
    }
    // Assert
    expect(seen.size).toBe(20);
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(worst).toBeLessThanOrEqual(3);
  });

  it('records one gap for an account whose folder may not be listed, and reads the others', async () => {
    // Arrange
    const hooks = fakeBucket(s3, objects);
    const ours = add(
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'),
      logKey(ACCOUNT, 'us-east-1', '2026/11/06', '0100'),
    );
    add(logKey(OTHER_ACCOUNT, 'us-east-1', '2026/11/05', '0100'));
    hooks.list = (input) => {
      if (input.Prefix?.includes(OTHER_ACCOUNT)) throw error('AccessDenied');
    };
    const source = new TrailObjectsSource(
      clients,
      options({ accounts: [OTHER_ACCOUNT, ACCOUNT], regions: ['us-east-1', 'us-west-2'] }),
    );
    // Act
    const { batches } = await read(source);
    // Assert
    expect(filesOf(batches)).toEqual(ours);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        api: 's3:ListObjectsV2',
        account: OTHER_ACCOUNT,
        region: 'us-east-1',
        reason: 'access-denied',
      }),
      expect.objectContaining({ account: OTHER_ACCOUNT, region: 'us-west-2' }),
    ]);
    const denied = s3
      .commandCalls(ListObjectsV2Command)
      .filter((c) => c.args[0].input.Prefix?.includes(OTHER_ACCOUNT));
    expect(denied).toHaveLength(2); // one per region, not one per day
  });

  it('gives up an account and region whose objects may not be read, with one gap', async () => {
    // Arrange
    const hooks = fakeBucket(s3, objects);
    add(
      logKey(OTHER_ACCOUNT, 'us-east-1', '2026/11/05', '0100'),
      logKey(OTHER_ACCOUNT, 'us-east-1', '2026/11/05', '0200'),
      logKey(OTHER_ACCOUNT, 'us-east-1', '2026/11/06', '0100'),
    );
    const ours = add(logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'));
    hooks.get = async (input) => {
      // What a trail encrypted with a KMS key the reader may not use looks like.
      if (input.Key?.includes(OTHER_ACCOUNT)) throw error('AccessDenied');
    };
    const source = new TrailObjectsSource(
      clients,
      options({ accounts: [OTHER_ACCOUNT, ACCOUNT], parallel: 1 }),
    );
    // Act
    const { batches, issues } = await read(source);
    // Assert
    expect(filesOf(batches)).toEqual(ours);
    expect(issues).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        api: 's3:GetObject',
        account: OTHER_ACCOUNT,
        reason: 'access-denied',
      }),
    ]);
    const tried = s3
      .commandCalls(GetObjectCommand)
      .filter((c) => c.args[0].input.Key?.includes(OTHER_ACCOUNT));
    expect(tried).toHaveLength(1);
  });

  it('reports an object deleted after it was listed as an issue', async () => {
    // Arrange
    const hooks = fakeBucket(s3, objects);
    const [gone, kept] = add(
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'),
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0200'),
    );
    hooks.get = async (input) => {
      if (input.Key === gone) objects.delete(gone!);
    };
    // Act
    const { batches, issues } = await read(new TrailObjectsSource(clients, options()));
    // Assert
    expect(filesOf(batches)).toEqual([kept]);
    expect(issues).toEqual([
      expect.objectContaining({ file: `s3://${BUCKET}/${gone}`, reason: 'unreadable-file' }),
    ]);
  });

  it('reads the bucket in the region GetBucketLocation names (EU is eu-west-1)', async () => {
    // Arrange
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'EU' });
    const eu = mockClient(clients.s3('eu-west-1') as S3Client);
    fakeBucket(eu, objects);
    const keys = add(logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'));
    const { bucketRegion: _, ...rest } = options();
    // Act
    const { batches } = await read(new TrailObjectsSource(clients, rest));
    // Assert
    expect(filesOf(batches)).toEqual(keys);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    eu.restore();
  });

  it('stops with one gap when the bucket does not exist', async () => {
    // Arrange
    s3.on(ListObjectsV2Command).rejects(error('NoSuchBucket'));
    const source = new TrailObjectsSource(
      clients,
      options({ accounts: [ACCOUNT, OTHER_ACCOUNT], regions: ['us-east-1', 'us-west-2'] }),
    );
    // Act
    const { batches } = await read(source);
    // Assert
    expect(batches).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ api: 's3:ListObjectsV2', reason: 'failed' }),
    ]);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
  });

  it('reads only the home region of a single-region trail', async () => {
    // Arrange
    fakeBucket(s3, objects);
    const home = add(logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'));
    add(logKey(ACCOUNT, 'us-west-2', '2026/11/05', '0100'));
    const source = new TrailObjectsSource(
      clients,
      options({
        trail: aTrail({ isMultiRegionTrail: false }),
        regions: ['us-west-2', 'us-east-1'],
      }),
    );
    // Act
    const { batches } = await read(source);
    // Assert
    expect(filesOf(batches)).toEqual(home);
  });

  it('reads the organization layout under a key prefix with a given organization id', async () => {
    // Arrange
    fakeBucket(s3, objects);
    const keys = add(
      `org-logs/${logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100', `o-abcdefghij/${ACCOUNT}`)}`,
    );
    const source = new TrailObjectsSource(
      clients,
      options({
        trail: aTrail({ isOrganizationTrail: true, s3KeyPrefix: 'org-logs/' }),
        organizationId: 'o-abcdefghij',
      }),
    );
    // Act
    const { batches } = await read(source);
    // Assert
    expect(filesOf(batches)).toEqual(keys);
  });

  it('streams large objects, and names a corrupt and a truncated one', async () => {
    // Arrange
    fakeBucket(s3, objects);
    const [good, corrupt, truncated] = add(
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'),
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0200'),
      logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0300'),
    );
    objects.set(
      corrupt!,
      Buffer.concat([objects.get(corrupt!)!.subarray(0, 30), Buffer.from('junk')]),
    );
    const text = JSON.stringify({ Records: [{ ...aRecord(), eventID: 'whole' }, aRecord()] });
    objects.set(truncated!, gzipSync(text.slice(0, text.length - 40)));
    const source = new TrailObjectsSource(clients, options({ wholeObjectLimit: 0 }));
    // Act
    const { batches, issues } = await read(source);
    // Assert
    expect(batches.find((b) => b.file.endsWith(good!))?.records).toHaveLength(2);
    expect(batches.find((b) => b.file.endsWith(truncated!))?.records).toHaveLength(1);
    expect(issues.map((i) => [i.file.replace(`s3://${BUCKET}/`, ''), i.reason])).toEqual([
      [corrupt, 'corrupt-gzip'],
      [truncated, 'truncated-json'],
    ]);
  });

  it('reads a plain JSON object, and names a .gz object that is not gzip', async () => {
    // Arrange
    fakeBucket(s3, objects);
    const plain = logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100').replace(/\.gz$/, '');
    const fake = logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0200');
    objects.set(plain, Buffer.from(JSON.stringify({ Records: [{ ...aRecord(), eventID: 'é' }] })));
    objects.set(fake, Buffer.from('{"Records":[]}'));
    // Act
    const { batches, issues } = await read(new TrailObjectsSource(clients, options()));
    // Assert
    expect(batches.map((b) => (b.records[0] as { eventID: string }).eventID)).toEqual(['é']);
    expect(issues).toEqual([
      expect.objectContaining({ file: `s3://${BUCKET}/${fake}`, reason: 'corrupt-gzip' }),
    ]);
  });

  it("reads in the trail's home region when GetBucketLocation is denied", async () => {
    // Arrange
    fakeBucket(s3, objects);
    s3.on(GetBucketLocationCommand).rejects(error('AccessDenied'));
    const keys = add(logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'));
    const { bucketRegion: _, ...rest } = options();
    // Act
    const { batches } = await read(new TrailObjectsSource(clients, rest));
    // Assert
    expect(filesOf(batches)).toEqual(keys);
    expect(gaps.gaps).toEqual([]);
  });

  it("gives up an account and region still throttled after the SDK's retries, with a 'failed' gap", async () => {
    // Arrange
    const hooks = fakeBucket(s3, objects);
    add(logKey(ACCOUNT, 'us-east-1', '2026/11/05', '0100'));
    const west = add(logKey(ACCOUNT, 'us-west-2', '2026/11/05', '0100'));
    hooks.list = (input) => {
      if (input.Prefix?.includes('us-east-1')) throw error('SlowDown');
    };
    const source = new TrailObjectsSource(
      clients,
      options({ regions: ['us-east-1', 'us-west-2'] }),
    );
    // Act
    const { batches } = await read(source);
    // Assert
    expect(filesOf(batches)).toEqual(west);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ api: 's3:ListObjectsV2', region: 'us-east-1', reason: 'failed' }),
    ]);
  });

  it('fails loudly on an unexpected listing error', async () => {
    // Arrange
    s3.on(ListObjectsV2Command).rejects(error('InvalidArgument'));
    // Act
    const run = read(new TrailObjectsSource(clients, options()));
    // Assert
    await expect(run).rejects.toThrow(/s3:ListObjectsV2 .* failed: InvalidArgument/);
  });

  it('refuses a trail that delivers to no bucket', () => {
    // Arrange
    const { s3BucketName: _, ...trail } = aTrail();
    // Act
    const build = () => new TrailObjectsSource(clients, options({ trail }));
    // Assert
    expect(build).toThrow(/delivers to no S3 bucket/);
  });
});

describe('dayFolders', () => {
  it('names every UTC day from the first instant to the last, inclusive', () => {
    // Act
    const days = dayFolders(Date.parse('2026-12-30T23:00:00Z'), Date.parse('2027-01-02T00:00:00Z'));
    // Assert
    expect(days).toEqual(['2026/12/30', '2026/12/31', '2027/01/01', '2027/01/02']);
  });

  it('is empty for a window that ends before it starts', () => {
    // Act
    const days = dayFolders(Date.parse('2026-12-30T00:00:00Z'), Date.parse('2026-12-29T00:00:00Z'));
    // Assert
    expect(days).toEqual([]);
  });
});
