import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { CloudTrailRecord } from '#core/cloudtrail/types.ts';
import { runScan } from '#core/engine/scan.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { UsageBatch } from '#core/ports/usage-source.ts';
import { ACCOUNT, AS_OF, aRecord, asRole, roleArn } from '#test/helpers/builders.ts';

const APP = roleArn('app');
const TRAIL_DIR = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/01`;
const GOOD_TRAIL = `${TRAIL_DIR}/${ACCOUNT}_CloudTrail_us-east-1_20261101T1200Z_good.json.gz`;
const CORRUPT_GZ = `${TRAIL_DIR}/${ACCOUNT}_CloudTrail_us-east-1_20261101T1300Z_corrupt.json.gz`;
const TRUNCATED = 'exports/truncated.json';
const NOT_JSON = 'exports/notes.json';
const JSON_LINES = 'exports/events.jsonl';
const BARE_ARRAY = 'exports/lookup.json';
const AUTHZ = 'iam/authorization-details.json';
const README = 'README.txt';

/** A successful S3 call by the app role. */
function call(eventName: string, extra: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return aRecord({
    userIdentity: asRole(APP),
    eventSource: 's3.amazonaws.com',
    eventName,
    readOnly: eventName.startsWith('Get') || eventName.startsWith('List'),
    ...extra,
  });
}

/** Writes the files (relative path → content) under a new temporary directory. */
async function exportDir(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'leash-export-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** An export holding one good file and one of each kind of damage. */
function damagedExport(): Record<string, string | Buffer> {
  const truncated = `${JSON.stringify({ Records: [call('CreateBucket'), call('PutBucketTagging')] }).slice(0, -2)},{"eventVersion":"1.09","eventTi`;
  return {
    [GOOD_TRAIL]: gzipSync(
      JSON.stringify({
        Records: [
          call('CreateBucket'),
          call('PutBucketPolicy'),
          call('DeleteBucket', { userIdentity: undefined }),
          call('DeleteBucket'),
        ],
      }),
    ),
    [CORRUPT_GZ]: Buffer.from('this was never gzip, despite its name'),
    [TRUNCATED]: truncated,
    [NOT_JSON]: 'these are my notes, not JSON',
    [JSON_LINES]: `${[JSON.stringify(call('ListBuckets')), '{"broken": ', JSON.stringify(call('ListBuckets'))].join('\n')}\n`,
    [BARE_ARRAY]: JSON.stringify([call('GetBucketPolicy'), call('GetBucketPolicy')]),
    [AUTHZ]: JSON.stringify({
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [
        {
          Path: '/',
          RoleName: 'app',
          RoleId: 'AROAAPP',
          Arn: APP,
          CreateDate: '2024-01-01T00:00:00Z',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          },
          RolePolicyList: [
            {
              PolicyName: 'app-inline',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: [
                      's3:CreateBucket',
                      's3:DeleteBucket',
                      's3:*BucketPolicy',
                      's3:ListAllMyBuckets',
                      's3:*Tagging',
                    ],
                    Resource: '*',
                    Comment: 'not an IAM field',
                  },
                ],
              },
            },
          ],
          AttachedManagedPolicies: [],
          InstanceProfileList: [],
          Tags: [],
          RoleLastUsed: {},
        },
      ],
      Policies: [],
    }),
    [README]: 'not an export',
  };
}

/** Every record the directory yields, by file. */
async function recordsByFile(dir: ExportDirectory, issues: InputIssue[]) {
  const out: Record<string, unknown[]> = {};
  const batches: UsageBatch[] = [];
  for await (const batch of dir.batches(issues)) {
    batches.push(batch);
    out[batch.file] = [...(out[batch.file] ?? []), ...batch.records];
  }
  return { records: out, batches };
}

const forFile = (issues: readonly InputIssue[], file: string) =>
  issues.filter((i) => i.file === file);

describe('ExportDirectory', () => {
  let catalog: ActionCatalog;
  let root: string;

  beforeAll(async () => {
    catalog = await loadCatalog();
    root = await exportDir(damagedExport());
  });

  function scan(dir: ExportDirectory): Promise<FindingsDocument> {
    return runScan(
      { grants: dir, usage: dir, catalog },
      { asOf: AS_OF, lookbackDays: 90, toolVersion: 'test' },
    );
  }

  it('classifies each file by its content', async () => {
    // Arrange
    const dir = new ExportDirectory(root);

    // Act
    const files = await dir.list([]);

    // Assert
    expect(Object.fromEntries(files.map((f) => [f.name, f.kind]))).toEqual({
      [GOOD_TRAIL]: 'cloudtrail',
      [CORRUPT_GZ]: 'ignored',
      [TRUNCATED]: 'cloudtrail',
      [NOT_JSON]: 'ignored',
      [JSON_LINES]: 'cloudtrail',
      [BARE_ARRAY]: 'cloudtrail',
      [AUTHZ]: 'authorization-details',
      [README]: 'ignored',
    });
    expect(files.find((f) => f.name === GOOD_TRAIL)!.gzip).toBe(true);
  });

  it('reports a file that is not JSON as unrecognised, and a plain text file not at all', async () => {
    // Arrange
    const issues: InputIssue[] = [];

    // Act
    await new ExportDirectory(root).list(issues);

    // Assert
    expect(forFile(issues, NOT_JSON)).toEqual([
      expect.objectContaining({ file: NOT_JSON, reason: 'unrecognised-file' }),
    ]);
    expect(forFile(issues, README)).toEqual([]);
  });

  it('reports a corrupt gzip file once, as corrupt-gzip', async () => {
    // Arrange
    const issues: InputIssue[] = [];

    // Act
    await new ExportDirectory(root).list(issues);

    // Assert
    expect(forFile(issues, CORRUPT_GZ)).toEqual([
      expect.objectContaining({ file: CORRUPT_GZ, reason: 'corrupt-gzip' }),
    ]);
  });

  it('loads the inventory, naming where an unknown policy field was ignored', async () => {
    // Arrange
    const issues: InputIssue[] = [];

    // Act
    const inventory = await new ExportDirectory(root).loadInventory(issues);

    // Assert
    expect(inventory.roles.map((r) => r.arn)).toEqual([APP]);
    expect(inventory.roles[0]!.inlinePolicies[0]!.document.statements).toHaveLength(1);
    expect(forFile(issues, AUTHZ)).toEqual([
      {
        file: AUTHZ,
        location: `${APP} inline app-inline Statement[0]`,
        reason: 'policy-issue',
        detail: 'unknown statement field "Comment" ignored',
      },
    ]);
  });

  it('yields every good record and salvages those before a truncation', async () => {
    // Arrange
    const issues: InputIssue[] = [];

    // Act
    const { records } = await recordsByFile(new ExportDirectory(root), issues);

    // Assert
    expect(Object.fromEntries(Object.entries(records).map(([f, r]) => [f, r.length]))).toEqual({
      [GOOD_TRAIL]: 4,
      [TRUNCATED]: 2,
      [JSON_LINES]: 2,
      [BARE_ARRAY]: 2,
    });
    expect(records[TRUNCATED]).toEqual([call('CreateBucket'), call('PutBucketTagging')]);
    expect(forFile(issues, TRUNCATED)).toEqual([
      expect.objectContaining({
        file: TRUNCATED,
        reason: 'truncated-json',
        detail: expect.stringContaining('2 complete records'),
      }),
    ]);
    expect(forFile(issues, JSON_LINES)).toEqual([
      expect.objectContaining({ file: JSON_LINES, location: 'line 2', reason: 'invalid-json' }),
    ]);
  });

  it('scans the export, counting every good record and reporting each problem', async () => {
    // Arrange
    const dir = new ExportDirectory(root);

    // Act
    const doc = await scan(dir);

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.coverage.records.read).toBe(10);
    expect(doc.coverage.records.inWindow).toBe(9);
    expect(doc.coverage.records.skipped).toEqual({ 'no-user-identity': 1 });
    const app = doc.identities.find((i) => i.id === APP)!;
    expect(app.activity.events).toBe(9);
    expect(app.usedActions.map((u) => [u.action, u.count])).toEqual([
      ['s3:CreateBucket', 2],
      ['s3:DeleteBucket', 1],
      ['s3:GetBucketPolicy', 2],
      ['s3:ListAllMyBuckets', 2],
      ['s3:PutBucketPolicy', 1],
      ['s3:PutBucketTagging', 1],
    ]);
    const problems = doc.coverage.issues.map((i) => [i.file, i.location ?? null, i.reason]);
    expect(problems).toEqual(
      expect.arrayContaining([
        [GOOD_TRAIL, 'Records[2]', 'no-user-identity'],
        [CORRUPT_GZ, null, 'corrupt-gzip'],
        [TRUNCATED, 'after Records[1]', 'truncated-json'],
        [NOT_JSON, null, 'unrecognised-file'],
        [JSON_LINES, 'line 2', 'invalid-json'],
        [AUTHZ, `${APP} inline app-inline Statement[0]`, 'policy-issue'],
      ]),
    );
  });

  it('streams files above the whole-file limit with the same counts as whole-file parsing', async () => {
    // Arrange
    const whole = new ExportDirectory(root);
    const streamed = new ExportDirectory(root, { wholeFileLimit: 100 });

    // Act
    const wholeDoc = await scan(whole);
    const streamedDoc = await scan(streamed);

    // Assert
    expect(streamedDoc.coverage.records).toEqual(wholeDoc.coverage.records);
    const app = (d: FindingsDocument) => d.identities.find((i) => i.id === APP)!;
    expect(app(streamedDoc).usedActions).toEqual(app(wholeDoc).usedActions);
    const reasons = (d: FindingsDocument) =>
      d.coverage.issues.map((i) => `${i.file}|${i.reason}`).sort();
    expect(reasons(streamedDoc)).toEqual(reasons(wholeDoc));
    const truncation = (d: FindingsDocument) =>
      d.coverage.issues.find((i) => i.file === TRUNCATED)!.detail;
    expect(truncation(streamedDoc)).toMatch(/ends inside its record array/);
    expect(truncation(wholeDoc)).toMatch(/before the damage/);
  });

  it('streams records identically whatever the read chunking', async () => {
    // Arrange
    const wholeIssues: InputIssue[] = [];
    const streamedIssues: InputIssue[] = [];

    // Act
    const whole = await recordsByFile(new ExportDirectory(root), wholeIssues);
    const streamed = await recordsByFile(
      new ExportDirectory(root, { wholeFileLimit: 100 }),
      streamedIssues,
    );

    // Assert
    expect(streamed.records).toEqual(whole.records);
  });

  describe('locations of skipped records', () => {
    const noIdentity = call('ListBuckets', { userIdentity: undefined });
    let dirRoot: string;

    beforeAll(async () => {
      dirRoot = await exportDir({
        'lines.jsonl': `${[JSON.stringify(call('ListBuckets')), 'not json', JSON.stringify(noIdentity)].join('\n')}\n`,
        'array.json': JSON.stringify([call('ListBuckets'), noIdentity]),
      });
    });

    const skippedAt = (d: FindingsDocument) =>
      d.coverage.issues
        .filter((i) => i.reason === 'no-user-identity')
        .map((i) => `${i.file} ${i.location}`)
        .sort();

    it('are the same whether a file is parsed whole or streamed', async () => {
      // Arrange
      const whole = new ExportDirectory(dirRoot);
      const streamed = new ExportDirectory(dirRoot, { wholeFileLimit: 100 });

      // Act
      const [wholeDoc, streamedDoc] = [await scan(whole), await scan(streamed)];

      // Assert
      expect(skippedAt(wholeDoc)).toEqual(skippedAt(streamedDoc));
    });

    it.each([
      ['whole', undefined],
      ['streamed', 100],
    ])('name the line of a JSON-lines record as numbered in the file (%s)', async (_mode, limit) => {
      // Arrange
      const dir = new ExportDirectory(
        dirRoot,
        limit === undefined ? {} : { wholeFileLimit: limit },
      );

      // Act
      const doc = await scan(dir);

      // Assert
      expect(skippedAt(doc)).toContain('lines.jsonl line[3]');
    });
  });

  describe('other CloudTrail shapes', () => {
    const BOM = '\uFEFF';
    const lookupEvents = JSON.stringify(
      {
        Events: [call('GetBucketPolicy'), call('ListBuckets')].map((r, i) => ({
          EventId: `id-${i}`,
          EventName: r.eventName,
          CloudTrailEvent: JSON.stringify(r),
        })),
      },
      null,
      4,
    );
    let dirRoot: string;

    beforeAll(async () => {
      dirRoot = await exportDir({
        'bom/envelope.json': `${BOM}${JSON.stringify({ Records: [call('ListBuckets')] })}`,
        'bom/events.jsonl': `${BOM}${JSON.stringify(call('ListBuckets'))}\n${JSON.stringify(call('ListBuckets'))}\n`,
        'lookup/events.json': lookupEvents,
      });
    });

    it.each([
      ['bom/envelope.json', 'whole', undefined],
      ['bom/envelope.json', 'streamed', 100],
      ['bom/events.jsonl', 'whole', undefined],
      ['bom/events.jsonl', 'streamed', 100],
    ])('reads %s, which starts with a byte order mark, without loss or issues (%s)', async (file, _mode, limit) => {
      // Arrange
      const dir = new ExportDirectory(
        dirRoot,
        limit === undefined ? {} : { wholeFileLimit: limit },
      );
      const issues: InputIssue[] = [];
      const expected = file.endsWith('.jsonl') ? 2 : 1;

      // Act
      const { records } = await recordsByFile(dir, issues);

      // Assert
      expect(forFile(issues, file)).toEqual([]);
      expect(records[file]).toEqual(Array.from({ length: expected }, () => call('ListBuckets')));
    });

    it.each([
      ['whole', undefined],
      ['streamed', 100],
    ])('reads the records of lookup-events output (%s)', async (_mode, limit) => {
      // Arrange
      const dir = new ExportDirectory(
        dirRoot,
        limit === undefined ? {} : { wholeFileLimit: limit },
      );
      const issues: InputIssue[] = [];

      // Act
      const { records } = await recordsByFile(dir, issues);

      // Assert
      expect(records['lookup/events.json']).toEqual([call('GetBucketPolicy'), call('ListBuckets')]);
      expect(forFile(issues, 'lookup/events.json')).toEqual([]);
    });
  });

  it('attributes a gzipped last-accessed file to the principal its name encodes', async () => {
    // Arrange
    const dirRoot = await exportDir({
      [`last-accessed/${encodeURIComponent(APP)}.json.gz`]: gzipSync(
        JSON.stringify({
          JobStatus: 'COMPLETED',
          ServicesLastAccessed: [
            { ServiceNamespace: 's3', LastAuthenticated: '2026-11-01T00:00:00Z' },
          ],
        }),
      ),
    });
    const issues: InputIssue[] = [];

    // Act
    const inventory = await new ExportDirectory(dirRoot).loadInventory(issues);

    // Assert
    expect(inventory.lastAccessed.map((l) => l.principalArn)).toEqual([APP]);
    expect(issues).toEqual([]);
  });

  it('reads a single file given as the root', async () => {
    // Arrange
    const dir = new ExportDirectory(join(root, BARE_ARRAY));

    // Act
    const { records } = await recordsByFile(dir, []);

    // Assert
    expect(Object.values(records).map((r) => r.length)).toEqual([2]);
  });
});
