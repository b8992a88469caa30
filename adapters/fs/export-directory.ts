/**
 * Reads a directory of the files AWS users already export: authorization details, credential
 * report, service-last-accessed results, and CloudTrail in any of its shapes (trail files in the
 * S3 layout, `.json.gz`, plain `.json`, bare arrays, JSON lines from Event history or Lake).
 * It is both the GrantSource and the UsageSource of an offline scan.
 *
 * Files are classified by content, not by name alone, so a folder can be pointed at as it is.
 * CloudTrail is streamed: a small file is decompressed and parsed whole (fastest), a large one
 * is split record by record, so memory never depends on corpus size.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { JsonArraySplitter } from '#core/cloudtrail/json-splitter.ts';
import { BATCH, parsePart, parseWhole, stripBom } from '#core/cloudtrail/parse-file.ts';
import { addAuthorizationDetails } from '#core/iam/authz-details.ts';
import { isCredentialReport, parseCredentialReport } from '#core/iam/credential-report.ts';
import { type AccountInventory, emptyInventory } from '#core/iam/inventory.ts';
import { principalFromFileName, toServiceLastAccessed } from '#core/iam/last-accessed.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { GrantSource } from '#core/ports/grant-source.ts';
import type { ProgressReporter } from '#core/ports/progress.ts';
import type { UsageBatch, UsageSource } from '#core/ports/usage-source.ts';

/** What a file holds. */
export type FileKind =
  | 'cloudtrail'
  | 'authorization-details'
  | 'credential-report'
  | 'service-last-accessed'
  | 'last-accessed-job'
  | 'ignored';

/** A file found under the export directory. */
export interface ExportFile {
  path: string;
  /** Path relative to the root, used in issues and reports. */
  name: string;
  size: number;
  gzip: boolean;
  kind: FileKind;
}

/** Options for reading an export directory. */
export interface ExportDirectoryOptions {
  /** Files up to this many decompressed bytes are parsed whole; larger ones are streamed. */
  wholeFileLimit?: number;
  onProgress?: ProgressReporter;
}

const DEFAULT_WHOLE_FILE_LIMIT = 16 * 1024 * 1024;
const SNIFF_BYTES = 64 * 1024;
const JSON_EXT = /\.(json|jsonl|ndjson)(\.gz)?$/i;

/** An offline export directory: the CLI's GrantSource and UsageSource. */
export class ExportDirectory implements GrantSource, UsageSource {
  private files: ExportFile[] | undefined;
  private readonly wholeFileLimit: number;

  constructor(
    readonly root: string,
    private readonly options: ExportDirectoryOptions = {},
  ) {
    this.wholeFileLimit = options.wholeFileLimit ?? DEFAULT_WHOLE_FILE_LIMIT;
  }

  /**
   * Lists and classifies every file below the root (once).
   * @param issues receives files that could not be read or classified
   */
  async list(issues: InputIssue[]): Promise<ExportFile[]> {
    if (this.files) return this.files;
    const paths = await walk(this.root);
    const files: ExportFile[] = [];
    for (const path of paths) {
      const name = relative(this.root, path) || basename(path);
      const size = (await stat(path)).size;
      const gzip = /\.gz$/i.test(path);
      let kind: FileKind = 'ignored';
      let classified = false;
      try {
        kind = await classify(path, gzip);
        classified = true;
      } catch (err) {
        issues.push({
          file: name,
          reason: gzip ? 'corrupt-gzip' : 'unreadable-file',
          detail: message(err),
        });
      }
      if (kind === 'ignored' && classified && JSON_EXT.test(path)) {
        issues.push({
          file: name,
          reason: 'unrecognised-file',
          detail: 'JSON that is neither CloudTrail nor an IAM export; skipped',
        });
      }
      files.push({ path, name, size, gzip, kind });
    }
    this.files = files;
    return files;
  }

  /** Loads authorization details, credential report and last-accessed results. */
  async loadInventory(issues: InputIssue[]): Promise<AccountInventory> {
    const files = await this.list(issues);
    const inventory = emptyInventory();
    const jobs = new Map<string, string>(); // JobId → principal ARN, from generate-… outputs
    for (const f of files.filter((x) => x.kind === 'last-accessed-job')) {
      const arn = principalFromFileName(basename(f.path));
      const value = await readJson(f, issues);
      const jobId = (value as { JobId?: unknown } | undefined)?.JobId;
      if (arn && typeof jobId === 'string') jobs.set(jobId, arn);
    }
    for (const f of files) {
      if (f.kind === 'authorization-details') {
        const value = await readJson(f, issues);
        if (value !== undefined) addAuthorizationDetails(inventory, value, f.name, issues);
      } else if (f.kind === 'credential-report') {
        const text = await readText(f);
        const csv = text.trimStart().startsWith('{') ? extractContent(text) : text;
        inventory.credentialReport.push(...parseCredentialReport(csv, f.name, issues));
      } else if (f.kind === 'service-last-accessed') {
        const value = (await readJson(f, issues)) as Record<string, unknown> | undefined;
        if (value === undefined) continue;
        const arn =
          (typeof value.Arn === 'string' ? value.Arn : undefined) ??
          principalFromFileName(basename(f.path)) ??
          jobs.get(basename(f.path).replace(/\.json$/i, ''));
        if (!arn) {
          issues.push({
            file: f.name,
            reason: 'unknown-principal',
            detail:
              'service-last-accessed result names no principal: add an "Arn" field or name the file after the URL-encoded ARN',
          });
          continue;
        }
        inventory.lastAccessed.push(toServiceLastAccessed(value, arn));
      }
    }
    return inventory;
  }

  /** Streams every CloudTrail record, file by file, in batches. */
  async *batches(issues: InputIssue[]): AsyncIterable<UsageBatch> {
    const files = (await this.list(issues)).filter((f) => f.kind === 'cloudtrail');
    const bytesTotal = files.reduce((n, f) => n + f.size, 0);
    let bytesDone = 0;
    let records = 0;
    for (const [i, f] of files.entries()) {
      for await (const batch of this.readCloudTrail(f, issues)) {
        records += batch.records.length;
        yield batch;
      }
      bytesDone += f.size;
      this.options.onProgress?.({
        phase: 'usage',
        filesDone: i + 1,
        filesTotal: files.length,
        bytesDone,
        bytesTotal,
        records,
      });
    }
  }

  private async *readCloudTrail(f: ExportFile, issues: InputIssue[]): AsyncIterable<UsageBatch> {
    // Compressed trail files are small (one per account, region and ~5 minutes); decompressing
    // them whole is fastest. The limit guards against a giant file.
    if (f.size <= this.wholeFileLimit / (f.gzip ? 8 : 1)) {
      let buf: Buffer;
      try {
        buf = await readFile(f.path);
        // One output chunk sized from the input (CloudTrail compresses about 10:1) saves zlib
        // from gathering and copying many 16 KiB chunks (bench/).
        if (f.gzip)
          buf = gunzipSync(buf, {
            chunkSize: Math.min(this.wholeFileLimit, Math.max(64 * 1024, buf.length * 16)),
          });
      } catch (err) {
        issues.push({
          file: f.name,
          reason: f.gzip ? 'corrupt-gzip' : 'unreadable-file',
          detail: message(err),
        });
        return;
      }
      if (buf.length <= this.wholeFileLimit) {
        // Trail files are almost always pure ASCII; decoding those as latin1 gives the same string
        // several times faster than UTF-8 decoding (bench/).
        yield* parseWhole(
          isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8'),
          f.name,
          issues,
        );
        return;
      }
    }
    yield* this.streamFile(f, issues);
  }

  private async *streamFile(f: ExportFile, issues: InputIssue[]): AsyncIterable<UsageBatch> {
    const head = stripBom(await sniff(f.path, f.gzip)).trimStart();
    const source = createReadStream(f.path);
    const stream = f.gzip ? source.pipe(createGunzip()) : source;
    stream.setEncoding('utf8');
    try {
      const envelope = /^\{\s*"(Records|Events)"/.exec(head)?.[1] as
        | 'Records'
        | 'Events'
        | undefined;
      if (head.startsWith('[') || envelope) {
        yield* splitStream(stream, envelope, f.name, issues);
      } else {
        yield* linesStream(stream, f.name, issues);
      }
    } catch (err) {
      issues.push({
        file: f.name,
        reason: f.gzip ? 'corrupt-gzip' : 'unreadable-file',
        detail: `stopped reading: ${message(err)}`,
      });
    } finally {
      source.destroy();
    }
  }
}

async function* splitStream(
  stream: AsyncIterable<string>,
  envelope: 'Records' | 'Events' | undefined,
  file: string,
  issues: InputIssue[],
): AsyncIterable<UsageBatch> {
  const splitter = new JsonArraySplitter(envelope);
  const prefix = envelope ?? 'item';
  let index = 0;
  for await (const text of stream) {
    const records: unknown[] = [];
    const positions: number[] = [];
    for (const part of splitter.push(text)) {
      const r = parsePart(part, envelope, file, index, issues);
      if (r !== undefined) {
        records.push(r);
        positions.push(index);
      }
      index++;
    }
    if (records.length > 0)
      yield { file, records, firstIndex: positions[0]!, locationPrefix: prefix, positions };
  }
  const status = splitter.end();
  if (status !== 'complete') {
    issues.push({
      file,
      location: `after ${prefix}[${index - 1}]`,
      reason: status === 'truncated' ? 'truncated-json' : 'invalid-json',
      detail: `file ends inside its record array; ${index} complete records were read`,
    });
  }
}

async function* linesStream(
  stream: NodeJS.ReadableStream,
  file: string,
  issues: InputIssue[],
): AsyncIterable<UsageBatch> {
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  let records: unknown[] = [];
  let positions: number[] = [];
  for await (const raw of rl) {
    n++;
    const line = n === 1 ? stripBom(raw) : raw;
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
      positions.push(n);
    } catch {
      issues.push({
        file,
        location: `line ${n}`,
        reason: 'invalid-json',
        detail: 'line is not valid JSON; skipped',
      });
    }
    if (records.length >= BATCH) {
      yield { file, records, firstIndex: positions[0]!, locationPrefix: 'line', positions };
      records = [];
      positions = [];
    }
  }
  if (records.length > 0)
    yield { file, records, firstIndex: positions[0]!, locationPrefix: 'line', positions };
}

async function walk(root: string): Promise<string[]> {
  const st = await stat(root);
  if (st.isFile()) return [root];
  const out: string[] = [];
  const entries = await readdir(root, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Reads up to SNIFF_BYTES of (decompressed) text from the start of a file. */
async function sniff(path: string, gzip: boolean): Promise<string> {
  if (!gzip) {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const source = createReadStream(path);
    const gunzip = createGunzip();
    const done = () => {
      source.destroy();
      gunzip.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    gunzip.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (n >= SNIFF_BYTES) done();
    });
    gunzip.on('end', done);
    gunzip.on('error', reject);
    source.on('error', reject);
    source.pipe(gunzip);
  });
}

async function classify(path: string, gzip: boolean): Promise<FileKind> {
  const lower = path.toLowerCase();
  if (!JSON_EXT.test(lower) && !lower.endsWith('.csv') && !(gzip && /cloudtrail/i.test(lower))) {
    return 'ignored';
  }
  const head = (await sniff(path, gzip)).replace(/^\uFEFF/, '').trimStart();
  if (lower.endsWith('.csv')) return isCredentialReport(head) ? 'credential-report' : 'ignored';
  if (head.startsWith('[')) return 'cloudtrail';
  // Key order in these exports is fixed by the AWS CLI, so the first key decides.
  const firstKey = /^\{\s*"([^"]+)"/.exec(head)?.[1];
  if (firstKey === 'Records') return 'cloudtrail';
  if (firstKey === 'Events' && /"CloudTrailEvent"\s*:/.test(head)) return 'cloudtrail';
  if (
    /"(UserDetailList|GroupDetailList|RoleDetailList|Policies)"\s*:/.test(head) &&
    !/"eventSource"/.test(head.slice(0, 2000))
  ) {
    return 'authorization-details';
  }
  if (/"ServicesLastAccessed"\s*:/.test(head)) return 'service-last-accessed';
  if (firstKey === 'JobId' && head.length < 200) return 'last-accessed-job';
  if (/^\{\s*"Content"\s*:\s*"user,arn,/.test(head)) return 'credential-report';
  if (/"eventSource"|"eventName"|"userIdentity"/.test(head)) return 'cloudtrail';
  return 'ignored';
}

async function readText(f: ExportFile): Promise<string> {
  const buf = await readFile(f.path);
  return (f.gzip ? gunzipSync(buf) : buf).toString('utf8').replace(/^\uFEFF/, '');
}

async function readJson(f: ExportFile, issues: InputIssue[]): Promise<unknown> {
  try {
    return JSON.parse(await readText(f));
  } catch (err) {
    issues.push({ file: f.name, reason: 'invalid-json', detail: `${message(err)}; file skipped` });
    return undefined;
  }
}

/** The credential report as the API returns it wraps the CSV in `Content`. */
function extractContent(text: string): string {
  try {
    const v = JSON.parse(text) as { Content?: unknown };
    if (typeof v.Content !== 'string') return '';
    return v.Content.startsWith('user,')
      ? v.Content
      : Buffer.from(v.Content, 'base64').toString('utf8');
  } catch {
    return '';
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
