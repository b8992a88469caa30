/**
 * Reads the log files a trail delivered to S3 for a time window, as a UsageSource. Files are
 * listed one day folder at a time, downloaded a few at once, and parsed by the same code as the
 * offline reader, so a file from S3 and the same file on disk give the same records.
 */
import { isAscii } from 'node:buffer';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import {
  GetBucketLocationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '#connectors/aws/clients.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, classifyError, describeError } from '#connectors/shared/errors.ts';
import { paginate } from '#connectors/shared/paginate.ts';
import { JsonArraySplitter } from '#core/cloudtrail/json-splitter.ts';
import { BATCH, parsePart, parseWhole, stripBom } from '#core/cloudtrail/parse-file.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { ProgressReporter } from '#core/ports/progress.ts';
import type { UsageBatch, UsageSource } from '#core/ports/usage-source.ts';

/** Options of a {@link TrailObjectsSource}. */
export interface TrailObjectsOptions {
  /** The trail; it must deliver to an S3 bucket. */
  trail: TrailInfo;
  /** Accounts whose files to read (an organization trail holds every member's). */
  accounts: readonly string[];
  /** Regions whose files to read; a single-region trail has files for its home region only. */
  regions: readonly string[];
  /** Window start, epoch ms. */
  from: number;
  /** Window end, epoch ms. */
  to: number;
  /** Receives denied calls and parts given up after retries. */
  gaps: GapRecorder;
  /** Files downloaded and held at once (default 8). */
  parallel?: number;
  /** Organization id of an organization trail (`o-…`); found from the bucket when omitted. */
  organizationId?: string;
  /** Region of the bucket; asked with GetBucketLocation when omitted. */
  bucketRegion?: string;
  /**
   * How far from the window a log file's timestamp may be and still hold events inside it
   * (default one hour). CloudTrail delivers "within an average of about 5 minutes", not a
   * guaranteed time, and the engine drops records outside the window anyway.
   */
  deliverySlackMs?: number;
  /** Objects larger than this many stored bytes are streamed instead of read whole (4 MiB). */
  wholeObjectLimit?: number;
  onProgress?: ProgressReporter;
}

/** One log file found in the bucket, with the account and region whose folder holds it. */
export interface TrailObject {
  key: string;
  size: number;
  account: string;
  region: string;
}

/** A file read ahead of its turn. */
type Loaded =
  | { object: TrailObject; kind: 'parsed'; batches: UsageBatch[]; issues: InputIssue[] }
  | { object: TrailObject; kind: 'stream' }
  | { object: TrailObject; kind: 'skipped'; issues: InputIssue[] };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DEFAULT_WHOLE_OBJECT_LIMIT = 4 * 1024 * 1024;
// A file read whole is decompressed into memory; beyond this it is streamed instead, so memory
// stays near `parallel` times this bound whatever the bucket holds.
const MAX_WHOLE_TEXT = 64 * 1024 * 1024;
// Organization ids: "o-" and 10 to 32 lower-case letters or digits (Organizations API).
const ORG_FOLDER = /AWSLogs\/(o-[a-z0-9]{10,32})\/$/;
// The delivery timestamp in a log file name: <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<id>.
const FILE_TIME = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$/;

/**
 * The log files of a trail in its S3 bucket, for some accounts, regions and a window.
 *
 * Keys are `<prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`, and
 * `<prefix>/AWSLogs/<org-id>/<account>/CloudTrail/…` for an organization trail.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
 *
 * Batches come in a fixed order: account, region, day, then key. At most `parallel` files are
 * downloaded or held at once, counting the one being handed out. A corrupt or non-JSON file is
 * an input issue naming its `s3://` key; a denied listing or download is a coverage gap for that
 * account and region, whose remaining files are then not tried. Run one read at a time per
 * instance.
 */
export class TrailObjectsSource implements UsageSource {
  private readonly bucket: string;
  private readonly base: string;
  private readonly parallel: number;
  private readonly slack: number;
  private readonly wholeObjectLimit: number;
  /** `account/region` pairs given up on (denied or failed), each reported once. */
  private readonly blocked = new Set<string>();
  /** Set when the bucket is gone: nothing more is listed. */
  private stopped = false;

  /**
   * @throws Error when the trail has no S3 bucket (it logs to CloudWatch Logs or Lake only)
   */
  constructor(
    private readonly clients: AwsClients,
    private readonly options: TrailObjectsOptions,
  ) {
    const { trail } = options;
    if (!trail.s3BucketName) throw new Error(`trail ${trail.arn} delivers to no S3 bucket`);
    this.bucket = trail.s3BucketName;
    const prefix = trail.s3KeyPrefix?.replace(/\/+$/, '');
    this.base = prefix ? `${prefix}/` : '';
    this.parallel = Math.max(1, options.parallel ?? 8);
    this.slack = options.deliverySlackMs ?? HOUR_MS;
    this.wholeObjectLimit = options.wholeObjectLimit ?? DEFAULT_WHOLE_OBJECT_LIMIT;
  }

  /** Streams the records of every log file in the window, file by file. */
  async *batches(issues: InputIssue[]): AsyncIterable<UsageBatch> {
    this.blocked.clear();
    this.stopped = false;
    const region = await this.bucketRegion();
    if (region === undefined) return;
    const s3 = this.clients.s3(region);
    const orgIds = await this.organizationIds(s3, region);
    if (orgIds === undefined) return;

    const progress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, records: 0 };
    yield* this.read(s3, this.listObjects(s3, orgIds, progress), progress, issues);
  }

  /**
   * Streams the records of log files already listed (one folder of a scan run), in the order
   * given, with the same read-ahead, parsing and gap handling as {@link batches}.
   */
  async *readObjects(
    objects: readonly TrailObject[],
    issues: InputIssue[],
  ): AsyncIterable<UsageBatch> {
    this.blocked.clear();
    this.stopped = false;
    if (objects.length === 0) return;
    const region = await this.bucketRegion();
    if (region === undefined) return;
    const progress = {
      filesDone: 0,
      filesTotal: objects.length,
      bytesDone: 0,
      bytesTotal: objects.reduce((n, o) => n + o.size, 0),
      records: 0,
    };
    async function* listed(): AsyncIterable<TrailObject> {
      yield* objects;
    }
    yield* this.read(this.clients.s3(region), listed(), progress, issues);
  }

  /**
   * Where the trail's files are: the bucket's region and, for an organization trail, the
   * organization ids of its `AWSLogs/o-…/` folders (none for an account trail). Undefined when
   * the bucket cannot be found or listed (a gap says why).
   */
  async locate(): Promise<{ region: string; organizationIds: string[] } | undefined> {
    const region = await this.bucketRegion();
    if (region === undefined) return undefined;
    const organizationIds = await this.organizationIds(this.clients.s3(region), region);
    return organizationIds === undefined ? undefined : { region, organizationIds };
  }

  /** Downloads and hands out files as the listing produces them, `parallel` at most at once. */
  private async *read(
    s3: S3Client,
    objects: AsyncIterable<TrailObject>,
    progress: {
      filesDone: number;
      filesTotal: number;
      bytesDone: number;
      bytesTotal: number;
      records: number;
    },
    issues: InputIssue[],
  ): AsyncIterable<UsageBatch> {
    const listing = objects[Symbol.asyncIterator]();
    const inflight: Promise<Loaded>[] = [];
    let listed = false;
    for (;;) {
      // Read ahead while the consumer works, but never hold more than `parallel` files: the one
      // being handed out counts, so the queue is topped up only after it is done.
      while (!listed && inflight.length < this.parallel) {
        const next = await listing.next();
        if (next.done) listed = true;
        else {
          const p = this.load(s3, next.value);
          // Awaited in turn below; this only keeps an early failure from being "unhandled".
          p.catch(() => undefined);
          inflight.push(p);
        }
      }
      const head = inflight.shift();
      if (!head) break;
      const loaded = await head;
      if (loaded.kind === 'stream') {
        for await (const batch of this.stream(s3, loaded.object, issues)) {
          progress.records += batch.records.length;
          yield batch;
        }
      } else {
        issues.push(...loaded.issues);
        if (loaded.kind === 'parsed') {
          for (const batch of loaded.batches) {
            progress.records += batch.records.length;
            yield batch;
          }
        }
      }
      progress.filesDone++;
      progress.bytesDone += loaded.object.size;
      this.options.onProgress?.({ phase: 'usage', ...progress });
    }
  }

  /**
   * The bucket's region: given, or from GetBucketLocation (any region answers it). If that is
   * denied, the trail's home region, where the bucket usually is. Undefined: no bucket.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
   */
  private async bucketRegion(): Promise<string | undefined> {
    const { trail, bucketRegion } = this.options;
    if (bucketRegion) return bucketRegion;
    try {
      const out = await this.clients
        .s3(trail.homeRegion)
        .send(new GetBucketLocationCommand({ Bucket: this.bucket }));
      // An empty constraint is us-east-1; `EU` is the legacy name of eu-west-1.
      const c = out.LocationConstraint as string | undefined;
      return !c ? 'us-east-1' : c === 'EU' ? 'eu-west-1' : c;
    } catch (err) {
      if (classifyError(err) !== 'not-found') return trail.homeRegion;
      this.gap('s3:GetBucketLocation', undefined, trail.homeRegion, 'failed', err);
      return undefined;
    }
  }

  /**
   * Organization ids whose folders to read: none for an account trail (and for an organization
   * trail whose bucket has no `o-…` folder). Undefined: the bucket cannot be listed.
   */
  private async organizationIds(s3: S3Client, region: string): Promise<string[] | undefined> {
    const { trail, organizationId } = this.options;
    if (!trail.isOrganizationTrail) return [];
    if (organizationId) return [organizationId];
    const ids: string[] = [];
    try {
      for await (const page of paginate(
        (token) =>
          s3.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: `${this.base}AWSLogs/`,
              Delimiter: '/',
              ContinuationToken: token,
            }),
          ),
        (p) => (p.IsTruncated ? p.NextContinuationToken : undefined),
      )) {
        for (const cp of page.CommonPrefixes ?? []) {
          const id = cp.Prefix ? ORG_FOLDER.exec(cp.Prefix)?.[1] : undefined;
          if (id) ids.push(id);
        }
      }
    } catch (err) {
      this.failedCall('s3:ListObjectsV2', undefined, region, err);
      return undefined;
    }
    return ids.sort();
  }

  /** Lists the log files of the window, account by account, region by region, day by day. */
  private async *listObjects(
    s3: S3Client,
    orgIds: readonly string[],
    progress: { filesTotal: number; bytesTotal: number },
  ): AsyncIterable<TrailObject> {
    const { trail, from, to } = this.options;
    const accounts = [...new Set(this.options.accounts)].sort();
    // A single-region trail delivers its home region's events only.
    const regions = [...new Set(this.options.regions)]
      .filter((r) => trail.isMultiRegionTrail || r === trail.homeRegion)
      .sort();
    const days = dayFolders(from - this.slack, to + this.slack);
    for (const account of accounts) {
      const roots =
        orgIds.length > 0
          ? orgIds.map((org) => `${this.base}AWSLogs/${org}/${account}/`)
          : [`${this.base}AWSLogs/${account}/`];
      for (const region of regions) {
        const pair = `${account}/${region}`;
        for (const root of roots) {
          if (this.stopped || this.blocked.has(pair)) break;
          // One listing per account and region: keys sort by date, so start after the folder
          // before the window's first day and stop past its last. A 90-day window costs one
          // call per 1,000 files instead of one call per day folder.
          const prefix = `${root}CloudTrail/${region}/`;
          const first = days[0]!;
          const last = days[days.length - 1]!;
          try {
            listing: for await (const page of paginate(
              (token) =>
                s3.send(
                  new ListObjectsV2Command({
                    Bucket: this.bucket,
                    Prefix: prefix,
                    StartAfter: `${prefix}${first}`,
                    ContinuationToken: token,
                  }),
                ),
              (p) => (p.IsTruncated ? p.NextContinuationToken : undefined),
            )) {
              for (const o of page.Contents ?? []) {
                if (!o.Key || o.Key.endsWith('/')) continue;
                const day = o.Key.slice(prefix.length, prefix.length + 10);
                if (day < first) continue;
                if (day > last) break listing;
                if (!this.inWindow(o.Key)) continue;
                const size = o.Size ?? 0;
                progress.filesTotal++;
                progress.bytesTotal += size;
                yield { key: o.Key, size, account, region };
              }
            }
          } catch (err) {
            this.failedCall('s3:ListObjectsV2', account, region, err);
          }
        }
      }
    }
  }

  /** False when the file's delivery time shows it cannot hold events of the window. */
  private inWindow(key: string): boolean {
    const m = FILE_TIME.exec(key);
    if (!m) return true;
    const [, y, mo, d, h, mi] = m;
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
    return t >= this.options.from - this.slack && t <= this.options.to + this.slack;
  }

  /** Downloads and parses one file, or marks it for streaming when it is large. */
  private async load(s3: S3Client, object: TrailObject): Promise<Loaded> {
    if (object.size > this.wholeObjectLimit) return { object, kind: 'stream' };
    const issues: InputIssue[] = [];
    if (this.blocked.has(`${object.account}/${object.region}`)) {
      return { object, kind: 'skipped', issues };
    }
    const file = this.url(object.key);
    let buf: Buffer;
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.key }));
      const bytes = await out.Body!.transformToByteArray();
      buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      this.failedGet(object, err, issues);
      return { object, kind: 'skipped', issues };
    }
    if (isGzip(buf)) {
      try {
        buf = gunzipSync(buf, { maxOutputLength: MAX_WHOLE_TEXT });
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
          return { object, kind: 'stream' };
        }
        issues.push({ file, reason: 'corrupt-gzip', detail: `${message(err)}; file skipped` });
        return { object, kind: 'skipped', issues };
      }
    } else if (/\.gz$/i.test(object.key)) {
      issues.push({ file, reason: 'corrupt-gzip', detail: 'not gzip data; file skipped' });
      return { object, kind: 'skipped', issues };
    }
    // Trail files are almost always ASCII, and latin1 decodes those faster than UTF-8 (bench/).
    const text = isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
    return { object, kind: 'parsed', batches: [...parseWhole(text, file, issues)], issues };
  }

  /** Streams a large file record by record. Trail files are always a `Records` envelope. */
  private async *stream(
    s3: S3Client,
    object: TrailObject,
    issues: InputIssue[],
  ): AsyncIterable<UsageBatch> {
    if (this.blocked.has(`${object.account}/${object.region}`)) return;
    const file = this.url(object.key);
    let body: Readable;
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.key }));
      const raw = out.Body;
      body = raw instanceof Readable ? raw : Readable.from([await raw!.transformToByteArray()]);
    } catch (err) {
      this.failedGet(object, err, issues);
      return;
    }
    const gunzip = /\.gz$/i.test(object.key) ? createGunzip() : undefined;
    const text = gunzip ?? body;
    const piped = gunzip ? pipeline(body, gunzip) : undefined;
    piped?.catch(() => undefined); // the same error surfaces in the loop below
    text.setEncoding('utf8');
    const splitter = new JsonArraySplitter('Records');
    let index = 0;
    let first = true;
    let broken = false;
    let records: unknown[] = [];
    let positions: number[] = [];
    try {
      for await (const chunk of text as AsyncIterable<string>) {
        for (const part of splitter.push(first ? stripBom(chunk) : chunk)) {
          const r = parsePart(part, 'Records', file, index, issues);
          if (r !== undefined) {
            records.push(r);
            positions.push(index);
          }
          index++;
        }
        first = false;
        if (records.length >= BATCH) {
          yield { file, records, firstIndex: positions[0]!, locationPrefix: 'Records', positions };
          records = [];
          positions = [];
        }
      }
    } catch (err) {
      broken = true;
      issues.push({
        file,
        reason: gunzip ? 'corrupt-gzip' : 'unreadable-file',
        detail: `stopped reading after ${index} records: ${message(err)}`,
      });
    } finally {
      body.destroy();
    }
    if (records.length > 0) {
      yield { file, records, firstIndex: positions[0]!, locationPrefix: 'Records', positions };
    }
    const status = splitter.end();
    if (status !== 'complete' && !broken) {
      issues.push({
        file,
        location: `after Records[${index - 1}]`,
        reason: status === 'truncated' ? 'truncated-json' : 'invalid-json',
        detail:
          status === 'truncated'
            ? `file ends inside its Records array; ${index} complete records were read`
            : 'not a CloudTrail log file (no Records array); skipped',
      });
    }
  }

  /**
   * A failed download: denied is a gap that stops the account and region; a vanished or
   * unreadable object (after the SDK's retries) is an issue; anything else fails the read.
   */
  private failedGet(object: TrailObject, err: unknown, issues: InputIssue[]): void {
    const kind = classifyError(err);
    if (kind === 'access-denied' || kind === 'unsupported') {
      this.block('s3:GetObject', object.account, object.region, kind, err);
    } else if (kind === 'not-found' || kind === 'throttled' || kind === 'transient') {
      issues.push({
        file: this.url(object.key),
        reason: 'unreadable-file',
        detail: `${describeError(err)}; file skipped`,
      });
    } else {
      throw new ConnectorError(
        `s3:GetObject of ${this.url(object.key)} failed: ${describeError(err)}`,
        's3:GetObject',
        { cause: err },
      );
    }
  }

  /**
   * A failed listing. Denied, or still failing after the SDK's retries: a gap, and the account
   * and region are given up. A missing bucket stops the whole read. Anything else fails it.
   */
  private failedCall(api: string, account: string | undefined, region: string, err: unknown): void {
    const kind = classifyError(err);
    if (kind === 'access-denied' || kind === 'unsupported') {
      this.block(api, account, region, kind, err);
    } else if (kind === 'not-found') {
      this.stopped = true;
      this.block(api, undefined, region, 'failed', err);
    } else if (kind === 'throttled' || kind === 'transient') {
      this.block(api, account, region, 'failed', err);
    } else {
      throw new ConnectorError(
        `${api} of s3://${this.bucket}/${this.base} failed: ${describeError(err)}`,
        api,
        { cause: err },
      );
    }
  }

  /**
   * Gives up an account and region with one gap. Without an account the gap is about the
   * bucket itself (its region).
   */
  private block(
    api: string,
    account: string | undefined,
    region: string,
    reason: 'access-denied' | 'unsupported' | 'failed',
    err: unknown,
  ): void {
    const pair = `${account ?? '*'}/${region}`;
    if (this.blocked.has(pair)) return;
    this.blocked.add(pair);
    this.gap(api, account, region, reason, err);
  }

  private gap(
    api: string,
    account: string | undefined,
    region: string,
    reason: 'access-denied' | 'unsupported' | 'failed',
    err: unknown,
  ): void {
    const what = account
      ? `trail logs of ${account} in ${region}`
      : `trail logs in s3://${this.bucket}/${this.base}`;
    this.options.gaps.add({
      provider: 'aws',
      api,
      ...(account ? { account } : {}),
      region,
      reason,
      detail: `${what} not read: ${describeError(err)}`,
    });
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

/** `YYYY/MM/DD` folders of the UTC days from `from` to `to`, inclusive. */
export function dayFolders(from: number, to: number): string[] {
  const out: string[] = [];
  for (let t = Math.floor(from / DAY_MS) * DAY_MS; t <= to; t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10).replaceAll('-', '/'));
  }
  return out;
}

function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
