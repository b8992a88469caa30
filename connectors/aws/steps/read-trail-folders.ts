/**
 * The `read-trail-objects` step of a scan run: reads CloudTrail day folders into usage. Each
 * folder (an account's files of one region and one delivery day) is listed; when a day snapshot
 * was taken from exactly the same listing (count, bytes, latest LastModified) it is reused and no
 * file is downloaded, otherwise the files are read through the same parser as every other scan
 * and a new snapshot replaces the old one. A daily scan thus reads one new day of logs, not the
 * whole window.
 *
 * The usage of the folders of one invocation is written, per account, as one run usage part
 * named after the folders, so that a retried invocation replaces its own part.
 */
import type { AwsClients } from '#connectors/aws/clients.ts';
import { type TrailObject, TrailObjectsSource } from '#connectors/aws/cloudtrail/trail-source.ts';
import type { StepDeps } from '#connectors/aws/steps/collect-account.ts';
import {
  daySnapshotsPrefix,
  type FolderFingerprint,
  partName,
  readCurrentDaySnapshot,
  readDaySnapshot,
  workKeys,
  writeDaySnapshot,
  writeRunUsage,
} from '#connectors/aws/steps/work-files.ts';
import { listObjects } from '#connectors/scan-run/bucket.ts';
import { SILENT_LOG } from '#connectors/scan-run/run-log.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, classifyError, describeError } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import {
  daySnapshotWindow,
  mergeSnapshots,
  snapshotUsage,
  type UsageDayRow,
  type UsageSnapshot,
  usageDays,
} from '#core/engine/usage-snapshot.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { ReadTrailObjectsOutput, TrailPrefixItem } from '#functions/shared/contract.ts';

/** What {@link readTrailFolders} needs besides the common step dependencies. */
export interface ReadTrailFoldersDeps extends StepDeps {
  catalog: ActionCatalog;
  /**
   * Stores daily usage rows (the table's `putUsageDays`). Called once per account and day some
   * folder of which was read afresh, with the rows of every region of that day, since the store
   * sets (never adds) a day's figures. Days whose folders were all reused were stored before.
   */
  putUsageDays?: (rows: UsageDayRow[]) => Promise<unknown>;
}

/** Tuning of {@link readTrailFolders}. */
export interface ReadTrailFoldersOptions {
  /** Folders read at once (default 4). */
  folders?: number;
  /** Files downloaded at once per folder (default 8). */
  files?: number;
}

/** One folder's outcome. */
interface FolderResult {
  item: TrailPrefixItem;
  snapshot?: UsageSnapshot;
  reused: boolean;
  objects: number;
  records: number;
  gaps: CoverageGap[];
  issues: InputIssue[];
}

/**
 * Reads the folders and writes their day snapshots and run usage parts.
 * @returns counts for the state machine; the usage itself is in the bucket
 * @throws ConnectorError on a failure that is not a coverage gap
 */
export async function readTrailFolders(
  items: readonly TrailPrefixItem[],
  deps: ReadTrailFoldersDeps,
  options: ReadTrailFoldersOptions = {},
): Promise<ReadTrailObjectsOutput> {
  const log = deps.log ?? SILENT_LOG;
  const readers = new Map<string, Promise<AwsClients | Error>>();
  const reader = (id: string) => {
    let r = readers.get(id);
    if (!r) {
      r = deps.scanner(id).catch((err: unknown) => err as Error);
      readers.set(id, r);
    }
    return r;
  };
  const results = await mapLimit([...items], options.folders ?? 4, async (item) => {
    const clients = await reader(item.readerAccountId);
    if (clients instanceof Error) {
      return failed(item, 'sts:AssumeRole', clients);
    }
    return readFolder(item, clients, deps, options.files ?? 8);
  });

  // Folders merge in input order, whatever order they finished in: parts are deterministic.
  const byAccount = new Map<string, FolderResult[]>();
  for (const r of results) {
    const list = byAccount.get(r.item.accountId) ?? [];
    list.push(r);
    byAccount.set(r.item.accountId, list);
  }
  for (const [accountId, list] of byAccount) {
    const windows = list.map((r) => daySnapshotWindow(r.item.day));
    const agg = new UsageAggregator(deps.catalog, {
      from: Math.min(...windows.map((w) => w.from)),
      to: Math.max(...windows.map((w) => w.to)),
    });
    for (const r of list) if (r.snapshot) mergeSnapshots(agg, r.snapshot);
    await writeRunUsage(deps.work, list[0]!.item.runId, partName(list.map((r) => r.item.prefix)), {
      accountId,
      prefixes: list.map((r) => r.item.prefix),
      snapshot: snapshotUsage(agg),
      gaps: list.flatMap((r) => r.gaps),
      issues: list.flatMap((r) => r.issues),
    });
  }
  if (deps.putUsageDays) await putDays(results, deps, deps.putUsageDays);
  const sum = (f: (r: FolderResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const out = {
    prefixes: results.length,
    reused: results.filter((r) => r.reused).length,
    objects: sum((r) => r.objects),
    records: sum((r) => r.records),
  };
  log.info('trail folders read', { ...out, gaps: sum((r) => r.gaps.length) });
  return out;
}

/** Lists a folder, then reuses its snapshot or reads its files. */
async function readFolder(
  item: TrailPrefixItem,
  clients: AwsClients,
  deps: ReadTrailFoldersDeps,
  files: number,
): Promise<FolderResult> {
  const gaps = new GapRecorder();
  const source = new TrailObjectsSource(clients, {
    trail: bucketTrail(item),
    accounts: [item.accountId],
    regions: [item.region],
    from: 0,
    to: 0,
    gaps,
    parallel: files,
    ...(item.bucketRegion ? { bucketRegion: item.bucketRegion } : {}),
  });
  const where = item.bucketRegion ?? (await source.locate())?.region;
  if (where === undefined) return { ...empty(item), gaps: gaps.gaps };
  const objects: TrailObject[] = [];
  const fingerprint: FolderFingerprint = { objects: 0, bytes: 0, lastModified: 0 };
  try {
    for await (const o of listObjects({ s3: clients.s3(where), name: item.bucket }, item.prefix)) {
      if (o.key.endsWith('/')) continue;
      objects.push({ key: o.key, size: o.size, account: item.accountId, region: item.region });
      fingerprint.objects++;
      fingerprint.bytes += o.size;
      fingerprint.lastModified = Math.max(fingerprint.lastModified, o.lastModified);
    }
  } catch (err) {
    return failed(item, 's3:ListObjectsV2', err);
  }
  // An empty folder (a region without activity, or a day not delivered yet) has no snapshot.
  if (objects.length === 0) return empty(item);

  const key = workKeys.daySnapshot(item.accountId, item.day, item.region);
  const current = await readCurrentDaySnapshot(deps.work, key, fingerprint);
  if (current) {
    return { ...empty(item), snapshot: current.snapshot, reused: true, issues: current.issues };
  }

  const agg = new UsageAggregator(deps.catalog, daySnapshotWindow(item.day));
  const issues: InputIssue[] = [];
  for await (const b of source.readObjects(objects, issues)) {
    for (let i = 0; i < b.records.length; i++) {
      agg.add(
        b.records[i],
        b.file,
        b.positions ? b.positions[i]! : b.firstIndex + i,
        b.locationPrefix,
      );
    }
  }
  agg.coverage.files += objects.length;
  const snapshot = snapshotUsage(agg);
  // A folder some of whose files could not be read is not kept: the next scan reads it again.
  if (gaps.gaps.length === 0) {
    await writeDaySnapshot(deps.work, {
      accountId: item.accountId,
      day: item.day,
      region: item.region,
      prefix: item.prefix,
      fingerprint,
      snapshot,
      issues,
    });
  }
  return {
    item,
    snapshot,
    reused: false,
    objects: objects.length,
    records: agg.coverage.recordsRead,
    gaps: gaps.gaps,
    issues,
  };
}

/**
 * Puts the usage rows of each account and day that had a folder read afresh: the regions this
 * invocation holds, and the day snapshots other invocations wrote for the other regions. Two
 * invocations reading other regions of the same day at the same moment can each miss the
 * other's snapshot; the later put may then lack a region until that day is read again.
 */
async function putDays(
  results: readonly FolderResult[],
  deps: ReadTrailFoldersDeps,
  put: (rows: UsageDayRow[]) => Promise<unknown>,
): Promise<void> {
  const days = new Map<string, Map<string, UsageSnapshot>>();
  for (const r of results) {
    if (r.reused || !r.snapshot || r.gaps.length > 0) continue;
    days.set(`${r.item.accountId}/${r.item.day}`, new Map());
  }
  for (const r of results) {
    if (r.snapshot) days.get(`${r.item.accountId}/${r.item.day}`)?.set(r.item.region, r.snapshot);
  }
  for (const [accountDay, held] of days) {
    const [accountId, day] = accountDay.split('/') as [string, string];
    for await (const o of listObjects(deps.work, daySnapshotsPrefix(accountId, day))) {
      const region = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.json\.gz$/, '');
      if (held.has(region)) continue;
      const file = await readDaySnapshot(deps.work, o.key);
      if (file) held.set(region, file.snapshot);
    }
    await put([...held.values()].flatMap((s) => usageDays(s, day)));
  }
}

function empty(item: TrailPrefixItem): FolderResult {
  return { item, reused: false, objects: 0, records: 0, gaps: [], issues: [] };
}

/**
 * A folder that could not be listed, or whose reader role could not be assumed: a gap, unless
 * the error is not one a scan goes on past.
 */
function failed(item: TrailPrefixItem, api: string, err: unknown): FolderResult {
  const kind = classifyError(err);
  const assume = api === 'sts:AssumeRole';
  if (kind === 'fatal' && !assume)
    throw new ConnectorError(
      `${api} of s3://${item.bucket}/${item.prefix} failed: ${describeError(err)}`,
      api,
      { cause: err },
    );
  const cause = err instanceof ConnectorError && err.cause !== undefined ? err.cause : err;
  const reason = classifyError(cause);
  return {
    ...empty(item),
    gaps: [
      {
        provider: 'aws',
        api,
        account: assume ? item.readerAccountId : item.accountId,
        region: item.region,
        reason: reason === 'access-denied' || reason === 'unsupported' ? reason : 'failed',
        detail: `trail logs of ${item.accountId} in ${item.region} for ${item.day} not read: ${describeError(err)}`,
      },
    ],
  };
}

/** The trail a folder item stands for, as far as reading its bucket goes. */
function bucketTrail(item: TrailPrefixItem): TrailInfo {
  return {
    name: item.bucket,
    arn: `s3://${item.bucket}`,
    homeRegion: item.bucketRegion ?? item.region,
    accountId: item.readerAccountId,
    isOrganizationTrail: false,
    isMultiRegionTrail: true,
    managementEvents: 'All',
    dataEventServices: [],
    s3BucketName: item.bucket,
  };
}
