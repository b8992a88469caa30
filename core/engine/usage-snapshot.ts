/**
 * Usage snapshots: the state of a {@link UsageAggregator} as plain JSON, so that the usage of one
 * CloudTrail folder (an account, a region, a delivery day) can be read once, stored, and merged
 * into later scans instead of being read again. Actions are stored by name, never by catalog
 * index: a snapshot written with one catalog version merges into an aggregator built on another.
 *
 * Merging snapshots gives the same aggregator state as folding their records into one
 * aggregator in the same order: counts add up, first/last times take the min/max, sets are
 * unioned, and the capped evidence lists (linkage event ids, session names, skip examples) keep
 * the first entries up to the same caps the aggregator applies.
 */
import { z } from 'zod';
import type { Linkage, PrincipalUsage, TimeWindow, UsageAggregator } from '#core/engine/usage.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** The snapshot format this code writes and reads. */
export const USAGE_SNAPSHOT_VERSION = 1;

// The aggregator's own caps (core/engine/usage.ts): merged lists must not outgrow them, or a
// merged state would differ from one built record by record.
const MAX_EDGE_EVIDENCE = 5;
const MAX_SKIP_EXAMPLES = 5;

/** Skip reason for snapshot usage of an action the current catalog does not know. */
export const UNKNOWN_ACTION_REASON = 'unknown-action';

const count = z.number().int().min(0);
const time = z.number();
/** `[key, count]` pairs: Map order is kept (JSON objects would reorder numeric-looking keys). */
const tally = z.array(z.tuple([z.string(), count]));

const ActionUsageEntry = z.object({ action: z.string(), count, first: time, last: time });
const DeniedUsageEntry = ActionUsageEntry.extend({ errorCodes: z.array(z.string()) });

const PrincipalSnapshot = z.object({
  arn: z.string(),
  kind: z.enum(['iam-user', 'iam-role', 'root']),
  used: z.array(ActionUsageEntry),
  denied: z.array(DeniedUsageEntry),
  events: count,
  firstSeen: time,
  lastSeen: time,
  sourceIdentities: tally,
  onBehalfOf: tally,
  callerAccounts: z.array(z.string()),
  crossAccountEvents: count,
  consoleSignIns: count,
  unmappedEvents: count,
});

const LinkageSnapshot = z.object({
  target: z.string(),
  actor: z.string(),
  relation: z.enum(['created', 'deployed', 'assumed']),
  via: z.string(),
  count,
  last: time,
  eventIds: z.array(z.string()),
  invokedBy: z.string().optional(),
  sourceIdentities: z.array(z.string()),
  sessionNames: z.array(z.string()),
});

const InputIssueSchema = z.object({
  file: z.string(),
  location: z.string().optional(),
  reason: z.string(),
  detail: z.string(),
});

const CoverageSnapshot = z.object({
  files: count,
  recordsRead: count,
  recordsInWindow: count,
  recordsOutsideWindow: count,
  skipped: z.array(z.object({ reason: z.string(), count, examples: z.array(InputIssueSchema) })),
  mapped: count,
  noIam: tally,
  unmapped: count,
  unmappedPairs: z.array(z.object({ eventSource: z.string(), eventName: z.string(), count })),
  unattributed: tally,
  attributableWithAction: count,
  attributableMapped: count,
  readOnlyEvents: count,
  writeEvents: count,
  dataEventServices: tally,
  observedFrom: time.optional(),
  observedTo: time.optional(),
});

/** zod schema of a {@link UsageSnapshot} (any version number; {@link parseUsageSnapshot} checks it). */
export const UsageSnapshotSchema = z.object({
  version: z.number().int(),
  /** The window of the aggregator the snapshot was taken from, epoch ms. */
  window: z.object({ from: time, to: time }),
  /** Version of the action catalog that mapped the records (informational). */
  catalogVersion: z.string().optional(),
  principals: z.array(PrincipalSnapshot),
  linkages: z.array(LinkageSnapshot),
  coverage: CoverageSnapshot,
});

/** An aggregator's state as JSON-safe data, actions by `service:Name`. */
export interface UsageSnapshot extends z.infer<typeof UsageSnapshotSchema> {
  version: typeof USAGE_SNAPSHOT_VERSION;
}

/** A snapshot of another format version than this code reads. */
export class UsageSnapshotVersionError extends Error {
  constructor(readonly found: unknown) {
    super(
      `usage snapshot version ${String(found)} is not supported (this Leash reads version ${USAGE_SNAPSHOT_VERSION}); the snapshot must be rebuilt from its trail files`,
    );
    this.name = 'UsageSnapshotVersionError';
  }
}

/** What {@link mergeSnapshots} could not use. */
export interface MergeResult {
  /** Calls (used or denied) of actions the aggregator's catalog does not know, by action name. */
  unknownActions: Map<string, number>;
}

/**
 * Serialises an aggregator's state. Map and Set order is kept, so merging the snapshots of
 * consecutive record streams rebuilds the insertion order a single aggregator would have.
 */
export function snapshotUsage(agg: UsageAggregator): UsageSnapshot {
  const name = (id: number) => agg.catalog.actions[id]!.qualified;
  const cov = agg.coverage;
  return {
    version: USAGE_SNAPSHOT_VERSION,
    window: { from: agg.window.from, to: agg.window.to },
    catalogVersion: agg.catalog.version,
    principals: [...agg.principals.values()].map((p) => ({
      arn: p.arn,
      kind: p.kind,
      used: [...p.used].map(([id, u]) => ({
        action: name(id),
        count: u.count,
        first: u.first,
        last: u.last,
      })),
      denied: [...p.denied].map(([id, d]) => ({
        action: name(id),
        count: d.count,
        first: d.first,
        last: d.last,
        errorCodes: [...d.errorCodes],
      })),
      events: p.events,
      firstSeen: p.firstSeen,
      lastSeen: p.lastSeen,
      sourceIdentities: [...p.sourceIdentities],
      onBehalfOf: [...p.onBehalfOf],
      callerAccounts: [...p.callerAccounts],
      crossAccountEvents: p.crossAccountEvents,
      consoleSignIns: p.consoleSignIns,
      unmappedEvents: p.unmappedEvents,
    })),
    linkages: [...agg.linkages.values()].map((l) => ({
      target: l.target,
      actor: l.actor,
      relation: l.relation,
      via: l.via,
      count: l.count,
      last: l.last,
      eventIds: [...l.eventIds],
      ...(l.invokedBy !== undefined ? { invokedBy: l.invokedBy } : {}),
      sourceIdentities: [...l.sourceIdentities],
      sessionNames: [...l.sessionNames],
    })),
    coverage: {
      files: cov.files,
      recordsRead: cov.recordsRead,
      recordsInWindow: cov.recordsInWindow,
      recordsOutsideWindow: cov.recordsOutsideWindow,
      skipped: [...cov.skipped].map(([reason, s]) => ({
        reason,
        count: s.count,
        examples: s.examples.map((e) => ({ ...e })),
      })),
      mapped: cov.mapped,
      noIam: [...cov.noIam],
      unmapped: cov.unmapped,
      unmappedPairs: [...cov.unmappedPairs.values()].map((p) => ({ ...p })),
      unattributed: [...cov.unattributed],
      attributableWithAction: cov.attributableWithAction,
      attributableMapped: cov.attributableMapped,
      readOnlyEvents: cov.readOnlyEvents,
      writeEvents: cov.writeEvents,
      dataEventServices: [...cov.dataEventServices],
      ...(cov.observedFrom !== undefined ? { observedFrom: cov.observedFrom } : {}),
      ...(cov.observedTo !== undefined ? { observedTo: cov.observedTo } : {}),
    },
  };
}

/**
 * Checks parsed JSON (a stored snapshot) and returns it typed.
 * @throws UsageSnapshotVersionError when it is of another format version
 * @throws Error naming the first malformed field otherwise
 */
export function parseUsageSnapshot(value: unknown): UsageSnapshot {
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== USAGE_SNAPSHOT_VERSION) throw new UsageSnapshotVersionError(version);
  const parsed = UsageSnapshotSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(
      `malformed usage snapshot at ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  return parsed.data as UsageSnapshot;
}

/**
 * Adds one snapshot into an aggregator, as if its records had been added after the ones already
 * there. The aggregator's window is not applied to the snapshot's counts (the caller picks the
 * snapshots of its window); the observed range is clamped to it.
 *
 * Usage of an action the aggregator's catalog does not know (a catalog downgrade or an action
 * AWS retired) is not thrown: it is counted in the result and in the coverage as skipped with
 * reason {@link UNKNOWN_ACTION_REASON}.
 * @throws UsageSnapshotVersionError when the snapshot is of another format version
 */
export function mergeSnapshots(agg: UsageAggregator, snapshot: UsageSnapshot): MergeResult {
  if ((snapshot.version as unknown) !== USAGE_SNAPSHOT_VERSION)
    throw new UsageSnapshotVersionError(snapshot.version);
  const unknownActions = new Map<string, number>();
  const idOf = (action: string, calls: number, arn: string): number | undefined => {
    const id = agg.catalog.idOf(action);
    if (id === undefined) {
      unknownActions.set(action, (unknownActions.get(action) ?? 0) + calls);
      skipUnknown(agg, action, calls, arn);
    }
    return id;
  };
  for (const s of snapshot.principals) mergePrincipal(agg, s, idOf);
  for (const l of snapshot.linkages) mergeLinkage(agg.linkages, l);
  mergeCoverage(agg, snapshot.coverage);
  return { unknownActions };
}

type SnapshotPrincipal = UsageSnapshot['principals'][number];
type SnapshotLinkage = UsageSnapshot['linkages'][number];

function mergePrincipal(
  agg: UsageAggregator,
  s: SnapshotPrincipal,
  idOf: (action: string, calls: number, arn: string) => number | undefined,
): void {
  let p = agg.principals.get(s.arn);
  if (!p) {
    p = {
      arn: s.arn,
      kind: s.kind,
      used: new Map(),
      denied: new Map(),
      events: 0,
      firstSeen: s.firstSeen,
      lastSeen: s.lastSeen,
      sourceIdentities: new Map(),
      onBehalfOf: new Map(),
      callerAccounts: new Set(),
      crossAccountEvents: 0,
      consoleSignIns: 0,
      unmappedEvents: 0,
    } satisfies PrincipalUsage;
    agg.principals.set(s.arn, p);
  }
  p.events += s.events;
  p.firstSeen = Math.min(p.firstSeen, s.firstSeen);
  p.lastSeen = Math.max(p.lastSeen, s.lastSeen);
  addTally(p.sourceIdentities, s.sourceIdentities);
  addTally(p.onBehalfOf, s.onBehalfOf);
  for (const a of s.callerAccounts) p.callerAccounts.add(a);
  p.crossAccountEvents += s.crossAccountEvents;
  p.consoleSignIns += s.consoleSignIns;
  p.unmappedEvents += s.unmappedEvents;
  for (const u of s.used) {
    const id = idOf(u.action, u.count, s.arn);
    if (id === undefined) continue;
    const have = p.used.get(id);
    if (have) {
      have.count += u.count;
      have.first = Math.min(have.first, u.first);
      have.last = Math.max(have.last, u.last);
    } else p.used.set(id, { count: u.count, first: u.first, last: u.last });
  }
  for (const d of s.denied) {
    const id = idOf(d.action, d.count, s.arn);
    if (id === undefined) continue;
    const have = p.denied.get(id);
    if (have) {
      have.count += d.count;
      have.first = Math.min(have.first, d.first);
      have.last = Math.max(have.last, d.last);
      for (const c of d.errorCodes) have.errorCodes.add(c);
    } else
      p.denied.set(id, {
        count: d.count,
        first: d.first,
        last: d.last,
        errorCodes: new Set(d.errorCodes),
      });
  }
}

/** Merges an edge: the first event name, service and ids are kept, as the aggregator keeps them. */
function mergeLinkage(linkages: Map<string, Linkage>, s: SnapshotLinkage): void {
  const key = `${s.relation}|${s.target}|${s.actor}`;
  const have = linkages.get(key);
  if (!have) {
    linkages.set(key, {
      target: s.target,
      actor: s.actor,
      relation: s.relation,
      via: s.via,
      count: s.count,
      last: s.last,
      eventIds: s.eventIds.slice(0, MAX_EDGE_EVIDENCE),
      ...(s.invokedBy !== undefined ? { invokedBy: s.invokedBy } : {}),
      sourceIdentities: [...s.sourceIdentities],
      sessionNames: s.sessionNames.slice(0, MAX_EDGE_EVIDENCE),
    });
    return;
  }
  have.count += s.count;
  have.last = Math.max(have.last, s.last);
  for (const id of s.eventIds) if (have.eventIds.length < MAX_EDGE_EVIDENCE) have.eventIds.push(id);
  if (!have.invokedBy && s.invokedBy) have.invokedBy = s.invokedBy;
  for (const si of s.sourceIdentities)
    if (!have.sourceIdentities.includes(si)) have.sourceIdentities.push(si);
  for (const n of s.sessionNames)
    if (have.sessionNames.length < MAX_EDGE_EVIDENCE && !have.sessionNames.includes(n))
      have.sessionNames.push(n);
}

function mergeCoverage(agg: UsageAggregator, s: UsageSnapshot['coverage']): void {
  const cov = agg.coverage;
  cov.files += s.files;
  cov.recordsRead += s.recordsRead;
  cov.recordsInWindow += s.recordsInWindow;
  cov.recordsOutsideWindow += s.recordsOutsideWindow;
  for (const k of s.skipped) addSkipped(cov.skipped, k.reason, k.count, k.examples);
  cov.mapped += s.mapped;
  addTally(cov.noIam, s.noIam);
  cov.unmapped += s.unmapped;
  for (const p of s.unmappedPairs) {
    const key = `${p.eventSource}|${p.eventName}`;
    const have = cov.unmappedPairs.get(key);
    if (have) have.count += p.count;
    else cov.unmappedPairs.set(key, { ...p });
  }
  addTally(cov.unattributed, s.unattributed);
  cov.attributableWithAction += s.attributableWithAction;
  cov.attributableMapped += s.attributableMapped;
  cov.readOnlyEvents += s.readOnlyEvents;
  cov.writeEvents += s.writeEvents;
  addTally(cov.dataEventServices, s.dataEventServices);
  // A day snapshot's window reaches a day either side of its folder: what it saw beyond the
  // aggregator's window is not claimed as observed.
  const { from, to } = agg.window;
  if (s.observedFrom !== undefined) {
    const f = clamp(s.observedFrom, from, to);
    if (cov.observedFrom === undefined || f < cov.observedFrom) cov.observedFrom = f;
  }
  if (s.observedTo !== undefined) {
    const t = clamp(s.observedTo, from, to);
    if (cov.observedTo === undefined || t > cov.observedTo) cov.observedTo = t;
  }
}

function skipUnknown(agg: UsageAggregator, action: string, calls: number, arn: string): void {
  addSkipped(agg.coverage.skipped, UNKNOWN_ACTION_REASON, calls, [
    {
      file: 'usage snapshot',
      location: arn,
      reason: UNKNOWN_ACTION_REASON,
      detail: `${calls} calls of ${action}, which the action catalog (${agg.catalog.version}) does not know; not counted as usage`,
    },
  ]);
}

function addSkipped(
  skipped: Map<string, { count: number; examples: InputIssue[] }>,
  reason: string,
  n: number,
  examples: readonly InputIssue[],
): void {
  let entry = skipped.get(reason);
  if (!entry) {
    entry = { count: 0, examples: [] };
    skipped.set(reason, entry);
  }
  entry.count += n;
  for (const e of examples)
    if (entry.examples.length < MAX_SKIP_EXAMPLES) entry.examples.push({ ...e });
}

function addTally(into: Map<string, number>, from: readonly (readonly [string, number])[]): void {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * One row of daily usage: an identity's calls of one action on one day. The same shape as the
 * usage store's `UsageDay` (core/ports/usage-store.ts), which sums rows of the same identity,
 * action and day written in one call (the regions of a day).
 */
export interface UsageDayRow {
  /** ARN of the IAM identity (the role, not the session). */
  identityId: string;
  /** `service:Name`. */
  action: string;
  /** `yyyy-mm-dd` (UTC). */
  day: string;
  count: number;
  /** Epoch ms of the first and last call. */
  first: number;
  last: number;
}

/**
 * The daily usage rows of a day snapshot: one per identity and used action (denied calls are
 * not usage). The rows carry the snapshot's day, the delivery day of its folder: CloudTrail
 * delivers within minutes, so all but the last minutes of the day before fall on it.
 * @param day `yyyy-mm-dd`
 */
export function usageDays(snapshot: UsageSnapshot, day: string): UsageDayRow[] {
  const rows: UsageDayRow[] = [];
  for (const p of snapshot.principals) {
    for (const u of p.used) {
      rows.push({
        identityId: p.arn,
        action: u.action,
        day,
        count: u.count,
        first: u.first,
        last: u.last,
      });
    }
  }
  return rows;
}

/** The window of a day snapshot: the day before its delivery day to the end of the day after. */
export function daySnapshotWindow(day: string): TimeWindow {
  const start = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(start)) throw new Error(`not a yyyy-mm-dd day: ${day}`);
  const DAY = 86_400_000;
  // [day-1d, day+2d): the aggregator's window is inclusive, so its end is the last millisecond.
  return { from: start - DAY, to: start + 2 * DAY - 1 };
}
