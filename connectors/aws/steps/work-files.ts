/**
 * The work files the AWS collection steps of a scan run leave in the Leash bucket for the
 * steps after them (analyze-scan above all), and their formats:
 *
 * - `work/runs/<runId>/accounts.json`: the accounts to scan ({@link AccountItem}[]).
 * - `work/runs/<runId>/org-trails.json`: organization trails found in the management account.
 * - `work/runs/<runId>/inventory/<accountId>.json`: one account's inventory, gaps and issues
 *   ({@link AccountWork}; gzip-encoded).
 * - `work/runs/<runId>/prefixes/<accountId>.json`: its trail day folders ({@link TrailPrefixItem}[]).
 * - `work/runs/<runId>/usage/<accountId>/*.json.gz`: its usage for the run ({@link RunUsagePart}):
 *   one part per `read-trail-objects` invocation, or `event-history.json.gz`.
 * - `work/usage/<accountId>/<day>/<region>.json.gz`: day snapshots ({@link DaySnapshotFile}),
 *   kept across runs and reused while their folder is unchanged.
 *
 * Keys derive from the run id, account, day and region only, so a retried step overwrites what
 * its first attempt wrote and nothing is ever counted twice.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { LocatedTrail } from '#connectors/aws/steps/plan.ts';
import { type Bucket, getJson, listObjects } from '#connectors/scan-run/bucket.ts';
import { parseUsageSnapshot, type UsageSnapshot } from '#core/engine/usage-snapshot.ts';
import type { AccountInventory, ManagedPolicy } from '#core/iam/inventory.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { AccountItem, KEYS, type S3Location, TrailPrefixItem } from '#functions/shared/contract.ts';

/** Format version of the files below; a reader meeting another one fails loudly. */
export const WORK_FILE_VERSION = 1;

/** Keys of the work files. */
export const workKeys = {
  accounts: (runId: string) => `${KEYS.runs}${runId}/accounts.json`,
  orgTrails: (runId: string) => `${KEYS.runs}${runId}/org-trails.json`,
  inventory: (runId: string, accountId: string) =>
    `${KEYS.runs}${runId}/inventory/${accountId}.json`,
  prefixes: (runId: string, accountId: string) => `${KEYS.runs}${runId}/prefixes/${accountId}.json`,
  /** Folder of an account's usage parts for a run. */
  runUsage: (runId: string, accountId: string) => `${KEYS.runs}${runId}/usage/${accountId}/`,
  eventHistory: (runId: string, accountId: string) =>
    `${KEYS.runs}${runId}/usage/${accountId}/event-history.json.gz`,
  daySnapshot: (accountId: string, day: string, region: string) =>
    `${daySnapshotsPrefix(accountId, day)}${region}.json.gz`,
} as const;

/** What `collect-account` found for one account. */
export interface AccountWork {
  runId: string;
  accountId: string;
  /** Where its usage comes from (see CollectAccountOutput). */
  usage: 'trail' | 'lookup' | 'none';
  /** Regions it was scanned in (empty when it could not be entered). */
  regions: string[];
  /** Null when the account could not be inventoried at all (its gap says why). */
  inventory: AccountInventory | null;
  gaps: CoverageGap[];
  issues: InputIssue[];
}

/** Organization trails found by `start-scan`, for every account's `collect-account`. */
export interface OrgTrailsFile {
  trails: LocatedTrail[];
  /**
   * Why an organization trail could not be used (its bucket could not be located or listed):
   * gaps of the run, for analyze-scan to report once.
   */
  gaps: CoverageGap[];
}

/** A folder listing's fingerprint: when it is unchanged, so is every file in the folder. */
export interface FolderFingerprint {
  objects: number;
  bytes: number;
  /** Latest LastModified, epoch ms. */
  lastModified: number;
}

/** `work/usage/<account>/<day>/<region>.json.gz`: one folder's usage. */
export interface DaySnapshotFile {
  accountId: string;
  day: string;
  region: string;
  /** The folder the snapshot was read from, and its listing when it was read. */
  prefix: string;
  fingerprint: FolderFingerprint;
  snapshot: UsageSnapshot;
  /** File-level problems met reading the folder (corrupt or truncated files). */
  issues: InputIssue[];
}

/** `work/runs/<runId>/usage/<account>/*.json.gz`: usage one step read for an account. */
export interface RunUsagePart {
  accountId: string;
  /**
   * The trail folders this part read (`read-trail-objects` parts): analysis checks that every
   * planned folder was read, since a lost batch would make its days look idle.
   */
  prefixes?: string[];
  snapshot: UsageSnapshot;
  gaps: CoverageGap[];
  issues: InputIssue[];
}

/** Metadata key of a day snapshot's fingerprint (`x-amz-meta-leash-fingerprint`). */
const FINGERPRINT_META = 'leash-fingerprint';

/** The fingerprint as stored in object metadata. */
export function fingerprintText(f: FolderFingerprint): string {
  return `${f.objects}/${f.bytes}/${f.lastModified}`;
}

/** Writes JSON, gzip-encoded (the body is gzip; readers gunzip by magic number). */
async function putGzipJson(
  bucket: Bucket,
  key: string,
  value: unknown,
  metadata?: Record<string, string>,
): Promise<S3Location> {
  await bucket.s3.send(
    new PutObjectCommand({
      Bucket: bucket.name,
      Key: key,
      Body: gzipSync(JSON.stringify(value)),
      ContentType: 'application/json',
      ContentEncoding: 'gzip',
      ...(metadata ? { Metadata: metadata } : {}),
    }),
  );
  return { bucket: bucket.name, key };
}

/** Writes plain JSON. */
async function putPlainJson(bucket: Bucket, key: string, value: unknown): Promise<S3Location> {
  await bucket.s3.send(
    new PutObjectCommand({
      Bucket: bucket.name,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: 'application/json',
    }),
  );
  return { bucket: bucket.name, key };
}

/** Checks the version stamp of a work file and returns its body. */
function versioned<T>(value: unknown, key: string): T {
  const v = value as { version?: unknown; body?: unknown } | undefined;
  if (v?.version !== WORK_FILE_VERSION)
    throw new Error(
      `${key}: work file version ${String(v?.version)} is not ${WORK_FILE_VERSION}; rerun the scan`,
    );
  return v.body as T;
}

/** Writes `accounts.json`, the Distributed Map's item list. */
export function writeAccounts(bucket: Bucket, runId: string, accounts: AccountItem[]) {
  return putPlainJson(bucket, workKeys.accounts(runId), accounts);
}

/** Reads `accounts.json`; empty when it is missing. */
export async function readAccounts(bucket: Bucket, runId: string): Promise<AccountItem[]> {
  const value = await getJson(bucket, workKeys.accounts(runId));
  return value === undefined ? [] : AccountItem.array().parse(value);
}

/** Writes the organization trails of a run. */
export function writeOrgTrails(bucket: Bucket, runId: string, file: OrgTrailsFile) {
  return putPlainJson(bucket, workKeys.orgTrails(runId), {
    version: WORK_FILE_VERSION,
    body: file,
  });
}

/** Reads the organization trails of a run; none in account mode (no file). */
export async function readOrgTrails(bucket: Bucket, runId: string): Promise<OrgTrailsFile> {
  const key = workKeys.orgTrails(runId);
  const value = await getJson(bucket, key);
  return value === undefined ? { trails: [], gaps: [] } : versioned<OrgTrailsFile>(value, key);
}

/**
 * Writes an account's inventory, gaps and issues (`inventory/<accountId>.json`). The policy
 * map is stored as entries.
 */
export function writeAccountWork(bucket: Bucket, work: AccountWork): Promise<S3Location> {
  const inventory = work.inventory
    ? { ...work.inventory, policies: [...work.inventory.policies] }
    : null;
  return putGzipJson(bucket, workKeys.inventory(work.runId, work.accountId), {
    version: WORK_FILE_VERSION,
    body: { ...work, inventory },
  });
}

/**
 * Reads what `collect-account` wrote for an account.
 * @returns undefined when it wrote nothing (its execution failed before writing)
 * @throws Error when the file is of another format version
 */
export async function readAccountWork(
  bucket: Bucket,
  runId: string,
  accountId: string,
): Promise<AccountWork | undefined> {
  const key = workKeys.inventory(runId, accountId);
  const value = await getJson(bucket, key);
  if (value === undefined) return undefined;
  const body = versioned<
    Omit<AccountWork, 'inventory'> & {
      inventory:
        | (Omit<AccountInventory, 'policies'> & { policies: [string, ManagedPolicy][] })
        | null;
    }
  >(value, key);
  return {
    ...body,
    inventory: body.inventory
      ? { ...body.inventory, policies: new Map(body.inventory.policies) }
      : null,
  };
}

/** Writes an account's trail day folders (`prefixes/<accountId>.json`, a bare JSON array). */
export function writePrefixes(
  bucket: Bucket,
  runId: string,
  accountId: string,
  items: TrailPrefixItem[],
): Promise<S3Location> {
  return putPlainJson(bucket, workKeys.prefixes(runId, accountId), items);
}

/** Reads a folder file (the inline `read-trail-objects` input). */
export async function readPrefixes(bucket: Bucket, key: string): Promise<TrailPrefixItem[]> {
  const value = await getJson(bucket, key);
  if (value === undefined) throw new Error(`s3://${bucket.name}/${key} does not exist`);
  return TrailPrefixItem.array().parse(value);
}

/**
 * Reads a day snapshot if it was taken from a folder with exactly this fingerprint.
 * @returns undefined when there is none, or the folder has changed since
 */
export async function readCurrentDaySnapshot(
  bucket: Bucket,
  key: string,
  fingerprint: FolderFingerprint,
): Promise<DaySnapshotFile | undefined> {
  let bytes: Uint8Array;
  try {
    const out = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
    if (out.Metadata?.[FINGERPRINT_META] !== fingerprintText(fingerprint)) {
      // The folder changed since: the old body is not needed, so it is not downloaded.
      (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return undefined;
    }
    bytes = await out.Body!.transformToByteArray();
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey')
      return undefined;
    throw err;
  }
  const file = versioned<DaySnapshotFile>(JSON.parse(gunzipSync(bytes).toString('utf8')), key);
  return { ...file, snapshot: parseUsageSnapshot(file.snapshot) };
}

/**
 * Reads a day snapshot whatever folder listing it was taken from.
 * @returns undefined when there is none
 */
export async function readDaySnapshot(
  bucket: Bucket,
  key: string,
): Promise<DaySnapshotFile | undefined> {
  const value = await getJson(bucket, key);
  if (value === undefined) return undefined;
  const file = versioned<DaySnapshotFile>(value, key);
  return { ...file, snapshot: parseUsageSnapshot(file.snapshot) };
}

/** The prefix of an account's day snapshots of one day, every region. */
export function daySnapshotsPrefix(accountId: string, day: string): string {
  return `${KEYS.usage}${accountId}/${day}/`;
}

/** Writes a day snapshot with its folder's fingerprint in the object metadata. */
export function writeDaySnapshot(bucket: Bucket, file: DaySnapshotFile): Promise<S3Location> {
  return putGzipJson(
    bucket,
    workKeys.daySnapshot(file.accountId, file.day, file.region),
    { version: WORK_FILE_VERSION, body: file },
    { [FINGERPRINT_META]: fingerprintText(file.fingerprint) },
  );
}

/**
 * Writes usage one step read for an account.
 * @param name the part's file name: `event-history`, or a name derived from the folders read so
 *   that a retried invocation overwrites its own part (see {@link partName})
 */
export function writeRunUsage(
  bucket: Bucket,
  runId: string,
  name: string,
  part: RunUsagePart,
): Promise<S3Location> {
  return putGzipJson(bucket, `${workKeys.runUsage(runId, part.accountId)}${name}.json.gz`, {
    version: WORK_FILE_VERSION,
    body: part,
  });
}

/** A part name that depends only on the folders read: `trail-<hash>`. */
export function partName(prefixes: readonly string[]): string {
  const hash = createHash('sha256');
  for (const p of [...prefixes].sort()) hash.update(`${p}\n`);
  return `trail-${hash.digest('hex').slice(0, 24)}`;
}

/**
 * Reads every usage part of an account in a run (trail parts and Event history), checked.
 * Merge each `snapshot` into the analysis' aggregator with `mergeSnapshots`, and add its gaps
 * and issues to the run's.
 */
export async function* readAccountUsage(
  bucket: Bucket,
  runId: string,
  accountId: string,
): AsyncIterable<RunUsagePart & { key: string }> {
  for await (const o of listObjects(bucket, workKeys.runUsage(runId, accountId))) {
    if (!o.key.endsWith('.json.gz')) continue;
    const value = await getJson(bucket, o.key);
    if (value === undefined) continue; // deleted since the listing
    const part = versioned<RunUsagePart>(value, o.key);
    yield { ...part, snapshot: parseUsageSnapshot(part.snapshot), key: o.key };
  }
}
