/**
 * The `read-event-history` step of a scan run: an account that no readable trail covers has its
 * usage read from CloudTrail Event history (LookupEvents, management events, 90 days, two
 * requests per second per region). That is slow, about 100 events a second a region, so the read
 * is bounded by the function's remaining time: it stops in time to write what it read, and a
 * coverage gap says how far back it got.
 */

import type { AwsClients } from '#connectors/aws/clients.ts';
import {
  type LookupEventsOptions,
  LookupEventsSource,
} from '#connectors/aws/cloudtrail/lookup-source.ts';
import { enabledRegions } from '#connectors/aws/regions.ts';
import type { StepDeps } from '#connectors/aws/steps/collect-account.ts';
import { readAccountWork, writeRunUsage } from '#connectors/aws/steps/work-files.ts';
import { SILENT_LOG } from '#connectors/scan-run/run-log.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { classifyError, describeError } from '#connectors/shared/errors.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import { snapshotUsage } from '#core/engine/usage-snapshot.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { ReadEventHistoryInput, S3Location } from '#functions/shared/contract.ts';

/** Time kept back from the function's limit to write the snapshot and return. */
export const EVENT_HISTORY_RESERVE_MS = 60_000;

/** Settings of {@link readEventHistory}. */
export interface ReadEventHistoryOptions {
  /** Milliseconds left before the function is stopped (Lambda's getRemainingTimeInMillis). */
  remainingMs: () => number;
  /** Kept back from `remainingMs` (default {@link EVENT_HISTORY_RESERVE_MS}). */
  reserveMs?: number;
  /** Regions when collect-account left none (default: the account's enabled regions). */
  regions?: string[];
  /** LookupEvents tuning (tests: no real waiting). */
  lookup?: Pick<LookupEventsOptions, 'sleep' | 'maxRetries' | 'limiter' | 'now'>;
}

/** What {@link readEventHistory} read. */
export interface ReadEventHistoryResult {
  runId: string;
  accountId: string;
  records: number;
  /** False when it stopped for time before reading the whole window. */
  complete: boolean;
  usage: S3Location;
  gaps: number;
}

const STOPPED = Symbol('stopped');

/**
 * Reads an account's Event history over the run's window and writes it as the account's
 * `event-history` usage part.
 */
export async function readEventHistory(
  input: ReadEventHistoryInput,
  deps: StepDeps & { catalog: ActionCatalog },
  options: ReadEventHistoryOptions,
): Promise<ReadEventHistoryResult> {
  const { runId, accountId, from, to } = input;
  const log = deps.log ?? SILENT_LOG;
  const reserve = options.reserveMs ?? EVENT_HISTORY_RESERVE_MS;
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  let clients: AwsClients;
  try {
    clients = await deps.scanner(accountId);
  } catch (err) {
    // Entered a moment ago by collect-account; if no longer, the account's usage is a gap.
    gaps.add({
      provider: 'aws',
      api: 'sts:AssumeRole',
      account: accountId,
      reason: classifyError(err) === 'access-denied' ? 'access-denied' : 'failed',
      detail: `Event history of ${accountId} not read: ${describeError(err)}`,
    });
    const empty = new UsageAggregator(deps.catalog, { from, to });
    const usage = await writeRunUsage(deps.work, runId, 'event-history', {
      accountId,
      snapshot: snapshotUsage(empty),
      gaps: gaps.gaps,
      issues,
    });
    return { runId, accountId, records: 0, complete: false, usage, gaps: 1 };
  }
  const work = await readAccountWork(deps.work, runId, accountId);
  const regions = work?.regions.length
    ? work.regions
    : await enabledRegions(clients, {
        accountId,
        gaps,
        ...(options.regions ? { override: options.regions } : {}),
      });
  const agg = new UsageAggregator(deps.catalog, { from, to });
  const source = new LookupEventsSource(clients, {
    accountId,
    regions,
    from,
    to,
    gaps,
    ...options.lookup,
  });

  // Newest first per region: the oldest time read so far is how far back the region got.
  const reached = new Map<string, number>();
  const batches = source.batches(issues)[Symbol.asyncIterator]();
  let complete = true;
  for (;;) {
    const left = options.remainingMs() - reserve;
    const next = left > 0 ? await withTimeout(batches.next(), left) : STOPPED;
    if (next === STOPPED) {
      complete = false;
      // Not awaited: a region may be waiting out a backoff; the generator stops once it yields.
      batches.return?.(undefined).catch(() => undefined);
      break;
    }
    if (next.done) break;
    const b = next.value;
    const region = b.file.slice(b.file.lastIndexOf('/') + 1);
    for (let i = 0; i < b.records.length; i++) {
      const record = b.records[i];
      agg.add(record, b.file, b.positions ? b.positions[i]! : b.firstIndex + i, b.locationPrefix);
      const t = Date.parse(String((record as { eventTime?: unknown })?.eventTime));
      if (!Number.isNaN(t) && t < (reached.get(region) ?? Number.POSITIVE_INFINITY))
        reached.set(region, t);
    }
  }
  if (!complete) {
    const how = regions
      .map((r) => {
        const t = reached.get(r);
        return t === undefined ? `${r}: nothing` : `${r}: back to ${new Date(t).toISOString()}`;
      })
      .join(', ');
    gaps.add({
      provider: 'aws',
      api: 'cloudtrail:LookupEvents',
      account: accountId,
      reason: 'failed',
      detail: `stopped ${Math.round(reserve / 1000)} s before the function's time limit after ${agg.coverage.recordsRead} events (${how}); the window starts ${new Date(from).toISOString()}, so older calls were not read. A trail delivering to S3 avoids this limit.`,
    });
    log.warn('Event history read stopped for time', {
      accountId,
      records: agg.coverage.recordsRead,
    });
  }
  const usage = await writeRunUsage(deps.work, runId, 'event-history', {
    accountId,
    snapshot: snapshotUsage(agg),
    gaps: gaps.gaps,
    issues,
  });
  log.info('Event history read', { accountId, records: agg.coverage.recordsRead, complete });
  return {
    runId,
    accountId,
    records: agg.coverage.recordsRead,
    complete,
    usage,
    gaps: gaps.gaps.length,
  };
}

/** The promise's value, or {@link STOPPED} when `ms` pass first. */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof STOPPED> {
  // A read still running when time is up may fail later: that is not an unhandled rejection.
  p.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof STOPPED>((resolve) => {
    timer = setTimeout(() => resolve(STOPPED), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
