/**
 * Reads CloudTrail Event history through LookupEvents, as a UsageSource: the cheap source for
 * an account without a trail bucket Leash may read. Management events only, last 90 days, per
 * region, 50 events a page, and "two per second, per account, per Region".
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
import {
  type Event,
  LookupEventsCommand,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import type { AwsClients } from '#connectors/aws/clients.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, classifyError, describeError } from '#connectors/shared/errors.ts';
import { RateLimiter } from '#connectors/shared/limit.ts';
import { paginate } from '#connectors/shared/paginate.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { ProgressReporter } from '#core/ports/progress.ts';
import type { UsageBatch, UsageSource } from '#core/ports/usage-source.ts';

/** Options of a {@link LookupEventsSource}. */
export interface LookupEventsOptions {
  /** The account whose Event history is read (the credentials' account). */
  accountId: string;
  /** Regions to read; each has its own history and its own rate limit. */
  regions: readonly string[];
  /** Window start, epoch ms; history older than 90 days is not kept. */
  from: number;
  /** Window end, epoch ms. */
  to: number;
  /** Receives denied regions and regions given up after retries. */
  gaps: GapRecorder;
  /**
   * Builds the rate limiter of a region (default: 2 calls per second, no burst). Tests pass
   * limiters on a fake clock.
   */
  limiter?: (region: string) => RateLimiter;
  /** Waits between retries of a throttled or timed-out call (tests: no real waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** Current time, for the 90-day limit. */
  now?: () => number;
  /** Retries of a call still throttled or timing out after the SDK's own (default 5). */
  maxRetries?: number;
  onProgress?: ProgressReporter;
}

/** Event history kept by CloudTrail, in ms. */
export const EVENT_HISTORY_MS = 90 * 86_400_000;
/** LookupEvents' published limit: two requests per second, per account, per Region. */
export const LOOKUP_EVENTS_PER_SECOND = 2;
/** Largest page LookupEvents returns. */
const MAX_RESULTS = 50;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;

/**
 * The Event history of an account in some regions, for a window.
 *
 * Regions are read at the same time, each through its own limiter, since the limit is per
 * region; two sources for the same account share nothing, so run one per account. A call that
 * is still throttled or timing out after the SDK's retries is retried a few more times with
 * backoff, then the region is given up with a `failed` gap (its events read so far are kept).
 * A denied region is an `access-denied` gap. Either way the other regions complete.
 *
 * Batches of one region come in event order (newest first, as the API returns them); batches
 * of different regions interleave.
 */
export class LookupEventsSource implements UsageSource {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly maxRetries: number;

  constructor(
    private readonly clients: AwsClients,
    private readonly options: LookupEventsOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
    this.maxRetries = options.maxRetries ?? 5;
  }

  /** Streams every event of every region, a page at a time. */
  async *batches(issues: InputIssue[]): AsyncIterable<UsageBatch> {
    const { accountId, to } = this.options;
    const regions = [...new Set(this.options.regions)].sort();
    const oldest = this.now() - EVENT_HISTORY_MS;
    const from = Math.max(this.options.from, oldest);
    if (from > this.options.from) {
      this.options.gaps.add({
        provider: 'aws',
        api: 'cloudtrail:LookupEvents',
        account: accountId,
        reason: 'unsupported',
        detail: `Event history keeps 90 days: events from ${iso(this.options.from)} to ${iso(from)} cannot be looked up`,
      });
    }
    if (from > to) return;
    const progress = { filesDone: 0, filesTotal: regions.length, records: 0 };
    const streams = regions.map((region) =>
      this.region(region, from, to, issues, () => {
        progress.filesDone++;
      }),
    );
    for await (const batch of merge(streams)) {
      progress.records += batch.records.length;
      this.options.onProgress?.({ phase: 'usage', bytesDone: 0, bytesTotal: 0, ...progress });
      yield batch;
    }
    this.options.onProgress?.({ phase: 'usage', bytesDone: 0, bytesTotal: 0, ...progress });
  }

  /** One region's events, page by page; failures end the region with a gap. */
  private async *region(
    region: string,
    from: number,
    to: number,
    issues: InputIssue[],
    done: () => void,
  ): AsyncGenerator<UsageBatch> {
    const { accountId: account } = this.options;
    const limiter = this.options.limiter?.(region) ?? new RateLimiter(LOOKUP_EVENTS_PER_SECOND, 1);
    const file = `cloudtrail-lookup://${account}/${region}`;
    let index = 0;
    try {
      for await (const page of paginate(
        (token) => this.call(region, limiter, from, to, token),
        (p) => p.NextToken,
      )) {
        const batch = toBatch(page.Events ?? [], file, index, issues);
        index += page.Events?.length ?? 0;
        if (batch) yield batch;
      }
    } catch (err) {
      const kind = classifyError(err);
      if (kind === 'access-denied' || kind === 'unsupported') {
        this.options.gaps.add({
          provider: 'aws',
          api: 'cloudtrail:LookupEvents',
          account,
          region,
          reason: kind,
          detail: describeError(err),
        });
      } else if (kind === 'throttled' || kind === 'transient') {
        this.options.gaps.add({
          provider: 'aws',
          api: 'cloudtrail:LookupEvents',
          account,
          region,
          reason: 'failed',
          detail: `gave up after ${this.maxRetries} retries and ${index} events: ${describeError(err)}`,
        });
      } else {
        throw new ConnectorError(
          `cloudtrail:LookupEvents in ${account}/${region} failed: ${describeError(err)}`,
          'cloudtrail:LookupEvents',
          { cause: err },
        );
      }
    } finally {
      done();
    }
  }

  /** One LookupEvents call within the region's rate, retried while throttled or timing out. */
  private async call(
    region: string,
    limiter: RateLimiter,
    from: number,
    to: number,
    token: string | undefined,
  ): Promise<LookupEventsCommandOutput> {
    const client = this.clients.cloudtrail(region);
    for (let attempt = 0; ; attempt++) {
      // Every attempt, retries included, spends a token: the limit counts requests.
      await limiter.take();
      try {
        return await client.send(
          new LookupEventsCommand({
            StartTime: new Date(from),
            EndTime: new Date(to),
            MaxResults: MAX_RESULTS,
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (err) {
        const kind = classifyError(err);
        if ((kind !== 'throttled' && kind !== 'transient') || attempt >= this.maxRetries) throw err;
        await this.sleep(Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      }
    }
  }
}

/**
 * Parses a page's events; each carries its record as a JSON string (`CloudTrailEvent`).
 * @param first index of the page's first event within its region, for locations
 */
function toBatch(
  events: readonly Event[],
  file: string,
  first: number,
  issues: InputIssue[],
): UsageBatch | undefined {
  const records: unknown[] = [];
  const positions: number[] = [];
  for (const [i, e] of events.entries()) {
    try {
      if (typeof e.CloudTrailEvent !== 'string') throw new Error('no CloudTrailEvent string');
      records.push(JSON.parse(e.CloudTrailEvent));
      positions.push(first + i);
    } catch (err) {
      issues.push({
        file,
        location: `Events[${first + i}]`,
        reason: 'invalid-json',
        detail: `event ${e.EventId ?? '(no id)'} skipped: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  if (records.length === 0) return undefined;
  return { file, records, firstIndex: first, positions, locationPrefix: 'Events' };
}

/**
 * Yields from several async generators as their values arrive. Each is read at most one value
 * ahead of the consumer, so memory stays at a page or two per region. An error in one ends the
 * others.
 */
async function* merge<T>(sources: AsyncGenerator<T>[]): AsyncGenerator<T> {
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => {
    pending.set(
      i,
      sources[i]!.next().then((r) => ({ i, r })),
    );
  };
  sources.forEach((_, i) => {
    pull(i);
  });
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    // Stop what is still running when the consumer stops early or a region failed.
    await Promise.allSettled([...pending.keys()].map((i) => sources[i]!.return(undefined)));
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
