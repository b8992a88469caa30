/**
 * Runs the action mapper and principal resolver over every public CloudTrail record in
 * ../shared/datasets (see its README): Stratus Red Team detonations, the OTRF Logstash export,
 * Panther's rule-test records and trailscraper's native fixtures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { createActionMapper } from '#core/cloudtrail/map-action.ts';
import { resolvePrincipal } from '#core/cloudtrail/principal.ts';
import type { ActionMapping, CloudTrailRecord } from '#core/cloudtrail/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const datasets = path.resolve(repoRoot, '../shared/datasets');

interface LoadedRecord {
  source: string;
  record: CloudTrailRecord;
}

function filesIn(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(path.join(datasets, dir))
    .filter(accept)
    .sort()
    .map((name) => path.join(datasets, dir, name));
}

function jsonLines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

function label(file: string): string {
  return path.relative(datasets, file);
}

/** Every CloudTrail record of the four capture sets, each tagged with the file it came from. */
function loadAllRecords(): LoadedRecord[] {
  const out: LoadedRecord[] = [];
  // Bare JSON arrays of records.
  for (const file of filesIn('stratus-red-team-detonation-logs', (n) => n.endsWith('.json'))) {
    const records = JSON.parse(readFileSync(file, 'utf8')) as CloudTrailRecord[];
    for (const record of records) out.push({ source: label(file), record });
  }
  // Logstash JSON lines (no eventTime, which the mapper does not need).
  for (const file of filesIn('otrf-security-datasets-aws', (n) =>
    n.startsWith('ec2_proxy_s3_exfiltration_'),
  )) {
    for (const record of jsonLines(file)) {
      out.push({ source: label(file), record: record as CloudTrailRecord });
    }
  }
  // Rule tests: each line wraps the record in `log`.
  for (const line of jsonLines(
    path.join(datasets, 'panther-cloudtrail-rule-tests/cloudtrail-rule-tests.jsonl'),
  )) {
    out.push({
      source: 'panther-cloudtrail-rule-tests',
      record: (line as { log: CloudTrailRecord }).log,
    });
  }
  // Native `{"Records":[...]}` envelopes, plain and gzipped.
  for (const file of filesIn('trailscraper-cloudtrail-fixtures', (n) => /\.json(\.gz)?$/.test(n))) {
    const bytes = readFileSync(file);
    const text = file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    for (const record of (JSON.parse(text) as { Records: CloudTrailRecord[] }).Records) {
      out.push({ source: label(file), record });
    }
  }
  return out;
}

function isWellFormed(mapping: ActionMapping, catalog: ActionCatalog): boolean {
  switch (mapping.kind) {
    case 'action':
      return (
        mapping.actionIds.length > 0 &&
        mapping.actionIds.every((id) => catalog.actions[id] !== undefined)
      );
    case 'no-iam':
      return mapping.reason.length > 0;
    case 'unmapped':
      return mapping.reason.length > 0;
  }
}

describe('CloudTrail mapping over the public datasets', () => {
  let catalog: ActionCatalog;
  let records: LoadedRecord[];

  beforeAll(async () => {
    catalog = await loadCatalog();
    records = loadAllRecords();
  });

  it('reads every capture record the dataset README lists', () => {
    // Arrange: README counts: Stratus 310, OTRF 103, Panther 537, trailscraper 2+2+3.
    const expected = 310 + 103 + 537 + 7;

    // Act
    const count = records.length;

    // Assert
    expect(count).toBe(expected);
  });

  it('classes every record as an action, a no-IAM event or an unmapped pair with a reason', () => {
    // Arrange
    const map = createActionMapper(catalog);
    const byKind = new Map<string, number>();

    // Act
    const outcomes = records.map(({ record }) => {
      const mapping = map(record);
      const key = mapping.kind === 'action' ? 'action' : `${mapping.kind}:${mapping.reason}`;
      byKind.set(key, (byKind.get(key) ?? 0) + 1);
      return mapping;
    });
    console.log('mapping outcomes', Object.fromEntries([...byKind].sort()));

    // Assert
    expect(outcomes.every((m) => isWellFormed(m, catalog))).toBe(true);
  });

  it('maps at least 99% of attributable API calls in the recorded captures to catalog actions', () => {
    // Arrange
    const map = createActionMapper(catalog);
    const all = new Coverage();
    const captures = new Coverage();
    const unattributed = new Map<string, number>();

    // Act
    for (const { source, record } of records) {
      const who = resolvePrincipal(record);
      if (!who.ok) {
        unattributed.set(who.reason, (unattributed.get(who.reason) ?? 0) + 1);
        continue;
      }
      if (!record.eventSource || !record.eventName) continue;
      const mapping = map(record);
      all.add(mapping, record, source);
      if (!source.startsWith(PANTHER)) captures.add(mapping, record, source);
    }
    console.log(`recorded captures: ${captures.summary()}`);
    console.log(`all records, hand-authored rule tests included: ${all.summary()}`);
    console.log('unattributed records by reason', Object.fromEntries([...unattributed].sort()));
    console.log('unmapped pairs', Object.fromEntries([...all.unmapped].sort()));

    // Assert
    expect(captures.attributable).toBeGreaterThan(350);
    expect(captures.ratio()).toBeGreaterThanOrEqual(0.99);
  });

  it('leaves unmapped only the rule-test pairs that name no real authorizing action', () => {
    // Arrange
    const map = createActionMapper(catalog);
    const all = new Coverage();

    // Act
    for (const { source, record } of records) {
      if (!resolvePrincipal(record).ok || !record.eventSource || !record.eventName) continue;
      all.add(map(record), record, source);
    }
    const unexplained = [...all.unmappedPairs].filter((pair) => !(pair in KNOWN_UNMAPPABLE));

    // Assert
    expect(unexplained).toEqual([]);
    expect(all.ratio()).toBeGreaterThanOrEqual(0.97);
  });
});

const PANTHER = 'panther-cloudtrail-rule-tests';

/**
 * Pairs that stay unmapped on purpose, all from Panther's hand-written rule tests (the dataset
 * README: "hand-authored or sanitised test events … not a capture"). Mapping any of them would
 * mean inventing an action.
 */
const KNOWN_UNMAPPABLE: Readonly<Record<string, string>> = {
  // Negative tests that put an S3 call under the wrong service on purpose ("Non-S3 Event").
  'ec2.amazonaws.com DeleteBucketEncryption': 'negative test: S3 call under ec2',
  'ec2.amazonaws.com DeleteBucketPublicAccessBlock': 'negative test: S3 call under ec2',
  'ec2.amazonaws.com DeleteBucketReplication': 'negative test: S3 call under ec2',
  'ec2.amazonaws.com PutBucketLogging': 'negative test: S3 call under ec2',
  'ec2.amazonaws.com PutBucketVersioning': 'negative test: S3 call under ec2',
  's3.amazonaws.com CreateServiceLinkedRole': 'negative test: IAM call under s3',
  's3.amazonaws.com SetQueueAttributes': 'negative test: SQS call under s3',
  // Fictitious operation names written for negative tests.
  'iam.amazonaws.com NotCreateUser': 'negative test: no such IAM operation',
  'iam.amazonaws.com DescribePolicy': 'negative test: no such IAM operation (GetPolicy)',
  'iam.amazonaws.com DetachUserGroup': 'negative test: no such IAM operation',
  'iam.amazonaws.com PutPolicy': 'negative test: no such IAM operation',
  'cloudtrail.amazonaws.com DescribeTrail': 'negative test: the API is DescribeTrails',
  'cloudtrail.amazonaws.com DeleteRule': 'negative test: no such CloudTrail operation',
  'ec2.amazonaws.com RegisterManagedInstance': 'negative test: SSM agent call under ec2',
  'ec2messages.amazonaws.com SendHeartbeat': 'negative test: no such ec2messages operation',
  // Positive tests with a source the real API does not use.
  'cloudtrail.amazonaws.com EnableRegion':
    'EnableRegion is an Account Management API (account.amazonaws.com), not CloudTrail',
  'macie.amazonaws.com UpdateMacieSession':
    'Macie classic is retired and absent from the catalog; Macie v2 logs macie2.amazonaws.com',
  // Console-internal events whose authorizing action depends on the account's billing
  // console action set (legacy aws-portal:ViewAccount or fine-grained account:Get*).
  'billingconsole.amazonaws.com GetAlternateContact':
    'console action: aws-portal:ViewAccount or account:GetAlternateContact by account setting',
  'billingconsole.amazonaws.com GetContactInformation':
    'console action: aws-portal:ViewAccount or account:GetContactInformation by account setting',
};

/** Tally of attributable API calls and which of them mapped. */
class Coverage {
  attributable = 0;
  mapped = 0;
  noIam = 0;
  readonly unmapped = new Map<string, number>();
  readonly unmappedPairs = new Set<string>();

  add(mapping: ActionMapping, record: CloudTrailRecord, source: string): void {
    // Sign-ins and permissionless calls need no IAM action, so they are not coverage gaps.
    if (mapping.kind === 'no-iam') {
      this.noIam++;
      return;
    }
    this.attributable++;
    if (mapping.kind === 'action') {
      this.mapped++;
      return;
    }
    const pair = `${record.eventSource} ${record.eventName}`;
    this.unmappedPairs.add(pair);
    const key = `${pair} (${mapping.reason}; ${source})`;
    this.unmapped.set(key, (this.unmapped.get(key) ?? 0) + 1);
  }

  ratio(): number {
    return this.attributable === 0 ? 0 : this.mapped / this.attributable;
  }

  summary(): string {
    return (
      `${this.mapped}/${this.attributable} attributable API calls mapped ` +
      `(${(this.ratio() * 100).toFixed(2)}%), ${this.noIam} attributable no-IAM events`
    );
  }
}
