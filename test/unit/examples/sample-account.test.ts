import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSampleAccount,
  SAMPLE_AS_OF,
  SAMPLE_TRAIL_START,
} from '../../../examples/sample-account/generate.ts';

const SAMPLE_DIR = fileURLToPath(new URL('../../../examples/sample-account/', import.meta.url));
// Hand-written files that live next to the generated data.
const NOT_GENERATED = new Set(['generate.ts', 'README.md']);
const LOG_FILE =
  /^AWSLogs\/111122223333\/CloudTrail\/(us-east-1|us-west-2)\/(\d{4})\/(\d{2})\/(\d{2})\/111122223333_CloudTrail_\1_\2\3\4T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;

/** Data files under `root`, as sorted forward-slash paths relative to it. */
async function dataFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'))
    .filter((p) => !NOT_GENERATED.has(p))
    .sort();
}

/** File content as text; log files are compared after gunzip so zlib builds cannot differ. */
async function text(root: string, path: string): Promise<string> {
  const body = await readFile(join(root, path));
  return path.endsWith('.gz') ? gunzipSync(body).toString('utf8') : body.toString('utf8');
}

describe('examples/sample-account', () => {
  let outDir: string;
  let result: { files: number; records: number };
  let files: string[];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'leash-sample-'));
    result = await generateSampleAccount(outDir);
    files = await dataFiles(outDir);
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('regenerates exactly the committed files', async () => {
    // Arrange
    const committed = await dataFiles(SAMPLE_DIR);

    // Act
    const differing: string[] = [];
    for (const path of files) {
      if ((await text(outDir, path)) !== (await text(SAMPLE_DIR, path).catch(() => null))) {
        differing.push(path);
      }
    }

    // Assert
    expect(files).toEqual(committed);
    expect(files).toHaveLength(result.files);
    expect(differing, 'rerun `npm run sample:generate` and commit the result').toEqual([]);
  });

  it('writes 20k–40k CloudTrail records, all inside the 30-day window', async () => {
    // Arrange
    const logs = files.filter((p) => p.startsWith('AWSLogs/'));
    const from = Date.parse(SAMPLE_TRAIL_START);
    const to = Date.parse(SAMPLE_AS_OF);

    // Act
    const records: { eventTime: string }[] = [];
    for (const path of logs) {
      records.push(
        ...(JSON.parse(await text(outDir, path)) as { Records: { eventTime: string }[] }).Records,
      );
    }
    const outside = records.filter((r) => {
      const t = Date.parse(r.eventTime);
      return !(t >= from && t < to);
    });

    // Assert
    expect(logs.every((p) => LOG_FILE.test(p))).toBe(true);
    expect(records).toHaveLength(result.records);
    expect(result.records).toBeGreaterThanOrEqual(20_000);
    expect(result.records).toBeLessThanOrEqual(40_000);
    expect(outside).toEqual([]);
  });

  it('logs data events only for S3 objects in the data-pipeline bucket', async () => {
    // Arrange
    const logs = files.filter((p) => p.startsWith('AWSLogs/'));

    // Act
    const dataTargets = new Set<string>();
    for (const path of logs) {
      const { Records } = JSON.parse(await text(outDir, path)) as {
        Records: {
          eventCategory: string;
          eventSource: string;
          requestParameters: { bucketName?: string };
        }[];
      };
      for (const r of Records.filter((x) => x.eventCategory === 'Data')) {
        dataTargets.add(`${r.eventSource} ${r.requestParameters.bucketName}`);
      }
    }

    // Assert
    expect([...dataTargets]).toEqual(['s3.amazonaws.com example-data-lake-111122223333']);
  });

  it('splits the authorization details into two pages, the first truncated', async () => {
    // Act
    const page1 = JSON.parse(await text(outDir, 'iam/authorization-details-1.json'));
    const page2 = JSON.parse(await text(outDir, 'iam/authorization-details-2.json'));

    // Assert
    for (const page of [page1, page2]) {
      for (const key of ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies']) {
        expect(Array.isArray(page[key]), key).toBe(true);
      }
    }
    expect(page1.IsTruncated).toBe(true);
    expect(typeof page1.Marker).toBe('string');
    expect(page2.IsTruncated).toBe(false);
  });
});
