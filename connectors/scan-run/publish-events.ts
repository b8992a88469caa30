/**
 * The `publish-events` step of a scan run: puts `Scan Completed`, and one `Finding Created` per
 * high or critical finding the run opened, on the Leash event bus.
 *
 * Which findings the run opened comes from the store: recording the same run again returns the
 * diff it recorded the first time (`FindingStore.recordScan` is idempotent per run id), so this
 * step and `analyze-scan` agree whatever was retried in between.
 *
 * Delivery is at least once. PutEvents takes at most 10 entries per call and may accept some
 * and refuse others (`FailedEntryCount`); refused entries are put again with exponential backoff,
 * and when they are still refused the step throws so that Step Functions retries it, which puts
 * every event of the run again. Consumers therefore deduplicate: `Scan Completed` on `runId`,
 * `Finding Created` on `runId` + `finding.key`.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type Bucket, getJson } from '#connectors/scan-run/bucket.ts';
import { FINDINGS_FILES, findingsBySeverity, scanTime } from '#connectors/scan-run/run-files.ts';
import type { RunLog } from '#connectors/scan-run/run-log.ts';
import {
  type FindingCreatedDetail,
  FindingCreatedDetailSchema,
  type ScanCompletedDetail,
  ScanCompletedDetailSchema,
} from '#core/model/events.ts';
import {
  type FindingsDocument,
  FindingsDocumentSchema,
  type IdentityResult,
} from '#core/model/findings.ts';
import {
  type FindingStore,
  SEVERITIES,
  type Severity,
  type StoredFinding,
} from '#core/ports/finding-store.ts';
import {
  type AnalyzeScanOutput,
  DETAIL_TYPES,
  EVENT_SOURCE,
  type S3Location,
} from '#functions/shared/contract.ts';

/** PutEvents accepts at most 10 entries per call. */
export const MAX_ENTRIES_PER_CALL = 10;
/**
 * PutEvents refuses a call whose entries total 256 KB or more (Source, DetailType, Detail and
 * Resources, UTF-8). A little is kept back for safety.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export const MAX_CALL_BYTES = 250 * 1024;
/**
 * Largest `Finding Created` detail: evidence is cut to fit, so ten always fit in one call and a
 * consumer's target (SQS: 256 KB, Lambda async: 256 KB) never refuses one.
 */
export const MAX_FINDING_DETAIL_BYTES = 16 * 1024;

/** Severities that raise `Finding Created`. */
const ALERT_SEVERITIES: ReadonlySet<Severity> = new Set(['critical', 'high']);

/** Entries PutEvents still refused after every attempt. */
export class EventPublishError extends Error {
  constructor(
    message: string,
    readonly failed: { detailType: string; errorCode: string }[],
  ) {
    super(message);
    this.name = 'EventPublishError';
  }
}

/** What {@link publishRunEvents} needs. */
export interface PublishEventsDeps {
  /** Reads the findings document (the bucket name comes from the step's input). */
  s3: Bucket['s3'];
  store: FindingStore;
  events: EventBridgeClient;
  /** Name or ARN of the Leash bus. */
  busName: string;
  log: RunLog;
  /** Attempts per batch, the first included. Default 5. */
  maxAttempts?: number;
  /** First backoff in ms, doubled per attempt (with jitter). Default 200. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the step did. */
export interface PublishEventsResult {
  runId: string;
  scanCompleted: number;
  findingCreated: number;
  /** PutEvents calls made, retries included. */
  calls: number;
}

/**
 * Runs the step.
 * @throws EventPublishError when entries are still refused after the last attempt
 * @throws Error when the findings document is missing or does not match its schema
 */
export async function publishRunEvents(
  deps: PublishEventsDeps,
  input: AnalyzeScanOutput,
): Promise<PublishEventsResult> {
  const bucket: Bucket = { s3: deps.s3, name: input.findings.bucket };
  const raw = await getJson(bucket, input.findings.key);
  if (raw === undefined)
    throw new Error(
      `the findings document s3://${input.findings.bucket}/${input.findings.key} does not exist; analyze-scan writes it before this step`,
    );
  const doc = FindingsDocumentSchema.parse(raw);
  const diff = await deps.store.recordScan(doc, input.runId, scanTime(doc));
  const created = diff.newFindings.filter((f) => ALERT_SEVERITIES.has(f.finding.severity));
  const identities = new Map<string, IdentityResult>();
  const wanted = new Set(created.map((f) => f.identityId));
  for (const i of doc.identities) if (wanted.has(i.id)) identities.set(i.id, i);

  const completed = scanCompletedDetail(input, doc, diff.newFindings, diff.resolved);
  const entries: PutEventsRequestEntry[] = [
    entry(deps.busName, DETAIL_TYPES.scanCompleted, ScanCompletedDetailSchema.parse(completed)),
    ...created.map((f) =>
      entry(
        deps.busName,
        DETAIL_TYPES.findingCreated,
        FindingCreatedDetailSchema.parse(
          findingCreatedDetail(input.runId, f, identities.get(f.identityId), input.findings),
        ),
      ),
    ),
  ];
  const calls = await putAll(deps, entries);
  deps.log.info('events put', {
    scanCompleted: 1,
    findingCreated: created.length,
    calls,
  });
  return { runId: input.runId, scanCompleted: 1, findingCreated: created.length, calls };
}

/** Counts by severity with every severity present. */
function bySeverity(findings: readonly { finding: { severity: Severity } }[]) {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) out[f.finding.severity]++;
  return out;
}

/** The detail of `Scan Completed`. */
export function scanCompletedDetail(
  input: AnalyzeScanOutput,
  doc: FindingsDocument,
  opened: readonly StoredFinding[],
  resolved: readonly StoredFinding[],
): ScanCompletedDetail {
  const open = findingsBySeverity(doc);
  const dir = input.findings.key.slice(0, input.findings.key.lastIndexOf('/') + 1);
  const at = (file: string) => ({ bucket: input.findings.bucket, key: `${dir}${file}` });
  return {
    runId: input.runId,
    window: {
      asOf: doc.window.asOf,
      from: doc.window.from,
      to: doc.window.to,
      lookbackDays: doc.window.lookbackDays,
    },
    accounts: doc.accounts,
    tenants: doc.tenants ?? [],
    identities: doc.summary.identities,
    findings: {
      open,
      new: bySeverity(opened),
      resolved: bySeverity(resolved),
      totals: {
        open: Object.values(open).reduce((a, b) => a + b, 0),
        new: opened.length,
        resolved: resolved.length,
      },
    },
    gaps: doc.coverage.accessGaps.length,
    location: {
      findings: input.findings,
      markdown: at(FINDINGS_FILES.markdown),
      html: at(FINDINGS_FILES.html),
    },
  };
}

/** The detail of `Finding Created`, its evidence cut to {@link MAX_FINDING_DETAIL_BYTES}. */
export function findingCreatedDetail(
  runId: string,
  stored: StoredFinding,
  identity: IdentityResult | undefined,
  findings: S3Location,
): FindingCreatedDetail {
  const { finding } = stored;
  const detail = (evidence: Record<string, unknown>, truncated: boolean): FindingCreatedDetail => ({
    runId,
    finding: {
      key: stored.key,
      ruleId: finding.ruleId,
      severity: finding.severity,
      title: finding.title,
      evidence,
      truncated,
      firstSeen: new Date(stored.firstSeen).toISOString(),
    },
    identity: {
      id: stored.identityId,
      name: stored.identityName,
      class: identity?.class ?? null,
      aiRole: identity?.aiRole ?? null,
      type: identity?.type ?? null,
      accountId: stored.scope,
    },
    findings,
  });
  const whole = detail(finding.evidence, false);
  if (bytes(whole) <= MAX_FINDING_DETAIL_BYTES) return whole;
  const cut = detail(summarizeEvidence(finding.evidence), true);
  if (bytes(cut) <= MAX_FINDING_DETAIL_BYTES) return cut;
  // Only an absurd title or id gets here; findings.json has everything.
  return detail({}, true);
}

/** Evidence with lists cut to their first 10 items and long strings to 500 characters. */
function summarizeEvidence(evidence: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(evidence)) {
    if (Array.isArray(v)) {
      out[k] = v.slice(0, 10).map((x) => (typeof x === 'string' ? x.slice(0, 500) : x));
      if (v.length > 10) out[`${k}Count`] = v.length;
    } else if (typeof v === 'string') out[k] = v.slice(0, 500);
    else if (typeof v === 'object' && v !== null) {
      const text = JSON.stringify(v);
      if (text.length <= 2000) out[k] = v;
    } else out[k] = v;
  }
  return out;
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function entry(bus: string, detailType: string, detail: unknown): PutEventsRequestEntry {
  return {
    EventBusName: bus,
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
  };
}

/** The size EventBridge counts for an entry. */
function entrySize(e: PutEventsRequestEntry): number {
  return (
    Buffer.byteLength(e.Source ?? '') +
    Buffer.byteLength(e.DetailType ?? '') +
    Buffer.byteLength(e.Detail ?? '') +
    (e.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0) +
    (e.Time ? 14 : 0)
  );
}

/** Splits entries into calls of at most 10 entries and {@link MAX_CALL_BYTES}. */
export function batchEntries(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let size = 0;
  for (const e of entries) {
    const s = entrySize(e);
    if (
      current.length === MAX_ENTRIES_PER_CALL ||
      (current.length > 0 && size + s > MAX_CALL_BYTES)
    ) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += s;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Puts every entry, retrying the refused ones of each call with exponential backoff.
 * @returns the number of PutEvents calls made
 * @throws EventPublishError when some are still refused after `maxAttempts`
 */
async function putAll(
  deps: PublishEventsDeps,
  entries: readonly PutEventsRequestEntry[],
): Promise<number> {
  const maxAttempts = deps.maxAttempts ?? 5;
  const base = deps.baseDelayMs ?? 200;
  const sleep = deps.sleep ?? realSleep;
  let calls = 0;
  for (const batch of batchEntries(entries)) {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      calls++;
      const out = await deps.events.send(new PutEventsCommand({ Entries: pending }));
      // Results are in request order; a refused entry has an ErrorCode and no EventId.
      const refused = pending
        .map((e, i) => ({ e, r: out.Entries?.[i] }))
        .filter(({ r }) => r === undefined || r.ErrorCode !== undefined || !r.EventId);
      if (refused.length === 0) break;
      const failed = refused.map(({ e, r }) => ({
        detailType: e.DetailType ?? '',
        errorCode: r?.ErrorCode ?? 'NoResult',
      }));
      if (attempt >= maxAttempts)
        throw new EventPublishError(
          `PutEvents refused ${refused.length} of ${pending.length} entries after ${attempt} attempts (${[...new Set(failed.map((f) => f.errorCode))].join(', ')}); the step is retried and consumers deduplicate on runId and finding key`,
          failed,
        );
      deps.log.warn('PutEvents refused entries; retrying them', {
        refused: refused.length,
        attempt,
        errorCodes: [...new Set(failed.map((f) => f.errorCode))],
      });
      const delay = base * 2 ** (attempt - 1);
      await sleep(delay + Math.floor(Math.random() * (delay / 2)));
      pending = refused.map(({ e }) => e);
    }
  }
  return calls;
}
