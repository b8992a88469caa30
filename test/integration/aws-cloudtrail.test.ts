import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { TrailObjectsSource } from '#connectors/aws/cloudtrail/trail-source.ts';
import { describeTrails } from '#connectors/aws/cloudtrail/trails.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { Progress } from '#core/ports/progress.ts';
import type { UsageBatch } from '#core/ports/usage-source.ts';
import { aRecord, asRole, roleArn } from '#test/helpers/builders.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const endpoint = inject('motoEndpoint');

/** moto's account: the owner of every trail created here. */
const MOTO_ACCOUNT = '123456789012';
/** The sample account whose real trail files are uploaded. */
const LOG_ACCOUNT = '111122223333';
const BUCKET = 'leash-trail-logs';
const PREFIX = 'ct';
const SAMPLE_LOGS = join(import.meta.dirname, '../../examples/sample-account/AWSLogs');
const FROM = Date.parse('2026-11-05T00:00:00Z');
const TO = Date.parse('2026-11-06T23:59:59.999Z');

/** A file put in the bucket, with the eventIDs it holds. */
interface Uploaded {
  key: string;
  eventIds: string[];
}

function sampleDir(region: string, day: string): string {
  return join(SAMPLE_LOGS, LOG_ACCOUNT, 'CloudTrail', region, day);
}

function eventIds(gz: Buffer): string[] {
  const { Records } = JSON.parse(gunzipSync(gz).toString('utf8')) as {
    Records: { eventID: string }[];
  };
  return Records.map((r) => r.eventID);
}

function logKey(region: string, day: string, name: string, root = LOG_ACCOUNT): string {
  return `${PREFIX}/AWSLogs/${root}/CloudTrail/${region}/${day}/${name}`;
}

async function put(clients: AwsClients, key: string, body: Buffer): Promise<void> {
  await clients
    .s3('us-east-1')
    .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** Uploads the sample account's real files of a day, optionally only those named in `only`. */
async function uploadSampleDay(
  clients: AwsClients,
  region: string,
  day: string,
  options: { only?: RegExp; root?: string } = {},
): Promise<Uploaded[]> {
  const dir = sampleDir(region, day);
  const out: Uploaded[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (options.only && !options.only.test(name)) continue;
    const body = readFileSync(join(dir, name));
    const key = logKey(region, day, name, options.root);
    await put(clients, key, body);
    out.push({ key, eventIds: eventIds(body) });
  }
  return out;
}

/** A trail file of records built by the test builders, in the format CloudTrail writes. */
async function uploadBuilt(
  clients: AwsClients,
  region: string,
  day: string,
  stamp: string,
  ids: string[],
): Promise<Uploaded> {
  const records = ids.map((eventID) => ({
    ...aRecord({
      awsRegion: region,
      eventTime: `${day.replaceAll('/', '-')}T${stamp.slice(0, 2)}:${stamp.slice(2)}:00Z`,
      userIdentity: asRole(roleArn('agent')),
    }),
    eventID,
  }));
  const name = `${LOG_ACCOUNT}_CloudTrail_${region}_${day.replaceAll('/', '')}T${stamp}Z_built${ids.length}.json.gz`;
  const key = logKey(region, day, name);
  await put(clients, key, gzipSync(JSON.stringify({ Records: records })));
  return { key, eventIds: ids };
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

function idsOf(batches: UsageBatch[]): string[] {
  return batches.flatMap((b) => b.records.map((r) => (r as { eventID: string }).eventID));
}

function filesOf(batches: UsageBatch[]): string[] {
  return [...new Set(batches.map((b) => b.file))];
}

/** The bucket and the trails of the scenario; returns what was uploaded inside the window. */
async function seed(clients: AwsClients): Promise<{ inWindow: Uploaded[] }> {
  await clients.s3('us-east-1').send(new CreateBucketCommand({ Bucket: BUCKET }));
  const inWindow = [
    ...(await uploadSampleDay(clients, 'us-east-1', '2026/11/05')),
    ...(await uploadSampleDay(clients, 'us-east-1', '2026/11/06')),
    ...(await uploadSampleDay(clients, 'us-west-2', '2026/11/05')),
    ...(await uploadSampleDay(clients, 'us-west-2', '2026/11/06')),
    await uploadBuilt(clients, 'us-west-2', '2026/11/06', '2230', [
      'built-1',
      'built-2',
      'built-3',
    ]),
  ];
  // Outside the window: the neighbouring days (near midnight and not), a later day, a region
  // nobody asked for.
  await uploadSampleDay(clients, 'us-east-1', '2026/11/04', { only: /T22|T23/ });
  await uploadSampleDay(clients, 'us-east-1', '2026/11/07', { only: /T00|T01/ });
  await uploadSampleDay(clients, 'us-east-1', '2026/11/08', { only: /T1/ });
  await uploadBuilt(clients, 'eu-central-1', '2026/11/05', '1200', ['other-region']);
  return { inWindow };
}

describe('CloudTrail trails and their S3 log files on moto', () => {
  let clients: AwsClients;

  beforeEach(async () => {
    await resetMoto(endpoint);
    clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS });
  });

  afterEach(() => clients.destroy());

  it('describes each trail once, in its home region, with what its selectors record', async () => {
    // Arrange
    await clients.s3('us-east-1').send(new CreateBucketCommand({ Bucket: BUCKET }));
    const east = clients.cloudtrail('us-east-1');
    const eu = clients.cloudtrail('eu-west-1');
    await east.send(
      new CreateTrailCommand({
        Name: 'main',
        S3BucketName: BUCKET,
        S3KeyPrefix: PREFIX,
        IsMultiRegionTrail: true,
      }),
    );
    await east.send(new StartLoggingCommand({ Name: 'main' }));
    await east.send(
      new PutEventSelectorsCommand({
        TrailName: 'main',
        AdvancedEventSelectors: [
          { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
          ...['AWS::S3::Object', 'AWS::Bedrock::AgentAlias', 'AWS::BedrockAgentCore::Gateway'].map(
            (type) => ({
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Data'] },
                { Field: 'resources.type', Equals: [type] },
              ],
            }),
          ),
        ],
      }),
    );
    await eu.send(new CreateTrailCommand({ Name: 'eu-writes', S3BucketName: BUCKET }));
    await eu.send(
      new PutEventSelectorsCommand({
        TrailName: 'eu-writes',
        EventSelectors: [
          {
            ReadWriteType: 'WriteOnly',
            IncludeManagementEvents: true,
            DataResources: [{ Type: 'AWS::DynamoDB::Table', Values: ['arn:aws:dynamodb'] }],
          },
        ],
      }),
    );
    await east.send(new CreateTrailCommand({ Name: 'defaults', S3BucketName: BUCKET }));
    const gaps = new GapRecorder();
    // Act
    const trails = await describeTrails(clients, {
      accountId: MOTO_ACCOUNT,
      regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
      gaps,
    });
    // Assert
    const arn = (region: string, name: string) =>
      `arn:aws:cloudtrail:${region}:${MOTO_ACCOUNT}:trail/${name}`;
    expect(trails).toEqual<TrailInfo[]>([
      {
        name: 'eu-writes',
        arn: arn('eu-west-1', 'eu-writes'),
        homeRegion: 'eu-west-1',
        accountId: MOTO_ACCOUNT,
        s3BucketName: BUCKET,
        isOrganizationTrail: false,
        isMultiRegionTrail: false,
        isLogging: false,
        managementEvents: 'WriteOnly',
        dataEventServices: ['dynamodb'],
      },
      {
        name: 'defaults',
        arn: arn('us-east-1', 'defaults'),
        homeRegion: 'us-east-1',
        accountId: MOTO_ACCOUNT,
        s3BucketName: BUCKET,
        isOrganizationTrail: false,
        isMultiRegionTrail: false,
        isLogging: false,
        managementEvents: 'All',
        dataEventServices: [],
      },
      {
        name: 'main',
        arn: arn('us-east-1', 'main'),
        homeRegion: 'us-east-1',
        accountId: MOTO_ACCOUNT,
        s3BucketName: BUCKET,
        s3KeyPrefix: PREFIX,
        isOrganizationTrail: false,
        isMultiRegionTrail: true,
        isLogging: true,
        managementEvents: 'All',
        dataEventServices: ['bedrock', 'bedrock-agentcore', 's3'],
      },
    ]);
    expect(gaps.gaps).toEqual([]);
  });

  it("reads every record of the window's log files, in key order, from a described trail", async () => {
    // Arrange
    const { inWindow } = await seed(clients);
    await clients.cloudtrail('us-east-1').send(
      new CreateTrailCommand({
        Name: 'main',
        S3BucketName: BUCKET,
        S3KeyPrefix: PREFIX,
        IsMultiRegionTrail: true,
      }),
    );
    const gaps = new GapRecorder();
    const [trail] = await describeTrails(clients, {
      accountId: MOTO_ACCOUNT,
      regions: ['us-east-1'],
      gaps,
    });
    const progress: Progress[] = [];
    const source = new TrailObjectsSource(clients, {
      trail: trail!,
      accounts: [LOG_ACCOUNT],
      regions: ['us-west-2', 'us-east-1'],
      from: FROM,
      to: TO,
      gaps,
      parallel: 3,
      deliverySlackMs: 0,
      onProgress: (p) => progress.push(p),
    });
    // Act
    const { batches, issues } = await read(source);
    // Assert
    const expectedIds = inWindow.flatMap((u) => u.eventIds);
    expect(idsOf(batches)).toHaveLength(expectedIds.length);
    expect(idsOf(batches)).toEqual(expectedIds);
    expect(filesOf(batches)).toEqual(inWindow.map((u) => `s3://${BUCKET}/${u.key}`));
    expect(issues).toEqual([]);
    expect(gaps.gaps).toEqual([]);
    expect(progress.at(-1)).toMatchObject({
      phase: 'usage',
      filesDone: inWindow.length,
      filesTotal: inWindow.length,
      records: expectedIds.length,
    });
  });

  it('also reads files delivered within the slack of the window, and no others', async () => {
    // Arrange
    const { inWindow } = await seed(clients);
    const source = new TrailObjectsSource(clients, {
      trail: aTrail(),
      accounts: [LOG_ACCOUNT],
      regions: ['us-east-1', 'us-west-2'],
      from: FROM,
      to: TO,
      gaps: new GapRecorder(),
      deliverySlackMs: 60 * 60_000,
    });
    // Act
    const { batches } = await read(source);
    // Assert
    const extra = filesOf(batches).filter(
      (f) => !inWindow.some((u) => f === `s3://${BUCKET}/${u.key}`),
    );
    expect(extra.map((f) => f.replace(/^.*_(\d{8}T\d{4}Z)_.*$/, '$1'))).toEqual([
      '20261104T2347Z',
      '20261107T0029Z',
    ]);
  });

  it('reports a corrupt and a non-JSON object as issues naming their keys, and reads the rest', async () => {
    // Arrange
    const { inWindow } = await seed(clients);
    const corrupt = logKey(
      'us-east-1',
      '2026/11/06',
      `${LOG_ACCOUNT}_CloudTrail_us-east-1_20261106T1200Z_corrupt.json.gz`,
    );
    const notJson = logKey(
      'us-east-1',
      '2026/11/06',
      `${LOG_ACCOUNT}_CloudTrail_us-east-1_20261106T1300Z_notjson.json.gz`,
    );
    await put(
      clients,
      corrupt,
      Buffer.concat([gzipSync('{"Records":[]}').subarray(0, 12), Buffer.from('garbage')]),
    );
    await put(clients, notJson, gzipSync('<html>Access Denied</html>'));
    const source = new TrailObjectsSource(clients, {
      trail: aTrail(),
      accounts: [LOG_ACCOUNT],
      regions: ['us-east-1', 'us-west-2'],
      from: FROM,
      to: TO,
      gaps: new GapRecorder(),
      deliverySlackMs: 0,
    });
    // Act
    const { batches, issues } = await read(source);
    // Assert
    // A non-JSON file is also tried as JSON lines, so it may be named more than once.
    expect([...new Set(issues.map((i) => `${i.file} ${i.reason}`))]).toEqual([
      `s3://${BUCKET}/${corrupt} corrupt-gzip`,
      `s3://${BUCKET}/${notJson} invalid-json`,
    ]);
    expect(idsOf(batches)).toEqual(inWindow.flatMap((u) => u.eventIds));
  });

  it('streams objects above the whole-object limit to the same records', async () => {
    // Arrange
    const { inWindow } = await seed(clients);
    const source = new TrailObjectsSource(clients, {
      trail: aTrail(),
      accounts: [LOG_ACCOUNT],
      regions: ['us-east-1', 'us-west-2'],
      from: FROM,
      to: TO,
      gaps: new GapRecorder(),
      deliverySlackMs: 0,
      wholeObjectLimit: 1,
    });
    // Act
    const { batches, issues } = await read(source);
    // Assert
    expect(idsOf(batches)).toEqual(inWindow.flatMap((u) => u.eventIds));
    expect(issues).toEqual([]);
  });

  it('finds the organization folder of an organization trail', async () => {
    // Arrange
    await clients.s3('us-east-1').send(new CreateBucketCommand({ Bucket: BUCKET }));
    const org = 'o-a1b2c3d4e5';
    const uploaded = await uploadSampleDay(clients, 'us-west-2', '2026/11/05', {
      root: `${org}/${LOG_ACCOUNT}`,
    });
    // A stray account-layout file must not be read for an organization trail.
    await uploadSampleDay(clients, 'us-west-2', '2026/11/06');
    const source = new TrailObjectsSource(clients, {
      trail: aTrail({ isOrganizationTrail: true }),
      accounts: [LOG_ACCOUNT],
      regions: ['us-west-2'],
      from: FROM,
      to: TO,
      gaps: new GapRecorder(),
    });
    // Act
    const { batches } = await read(source);
    // Assert
    expect(filesOf(batches)).toEqual(uploaded.map((u) => `s3://${BUCKET}/${u.key}`));
    expect(idsOf(batches)).toEqual(uploaded.flatMap((u) => u.eventIds));
  });
});

/** The multi-region trail of the scenario as describeTrails reports it. */
function aTrail(overrides: Partial<TrailInfo> = {}): TrailInfo {
  return {
    name: 'main',
    arn: `arn:aws:cloudtrail:us-east-1:${MOTO_ACCOUNT}:trail/main`,
    homeRegion: 'us-east-1',
    accountId: MOTO_ACCOUNT,
    s3BucketName: BUCKET,
    s3KeyPrefix: PREFIX,
    isOrganizationTrail: false,
    isMultiRegionTrail: true,
    isLogging: true,
    managementEvents: 'All',
    dataEventServices: [],
    ...overrides,
  };
}
