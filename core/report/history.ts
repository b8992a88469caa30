/**
 * What the report needs from the store, read through the store ports: the recorded scans (the
 * trend), what changed over the period the report looks back on (new and resolved findings, new
 * and removed identities, new agents, permissions added), containment actions from the audit
 * log, and approvals still pending. `loadReportHistory` reads it; `historyFromChanges` shapes
 * what `leash scan` already holds after recording a scan, without reading the store again.
 *
 * Time: the period is `(since, until]` where `until` is the scan reported on (its `asOf`) and
 * `since` a week before by default. The store is read as it is now: reporting on an old findings
 * document against a store that recorded later scans shows those scans' effects only up to
 * `until`, because every change carries its time and later ones are left out.
 */
import type { FindingsDocument } from '#core/model/findings.ts';
import type { ApprovalStore } from '#core/ports/approval-store.ts';
import type { AuditEntry, AuditLog } from '#core/ports/audit-store.ts';
import {
  type FindingStore,
  type ScanRecord,
  type StoredFinding,
  scanScopes,
} from '#core/ports/finding-store.ts';
import type {
  InventoryDiff,
  InventoryStore,
  StoredGrant,
  StoredIdentity,
} from '#core/ports/inventory-store.ts';
import {
  type AddedPermission,
  type ChangedFinding,
  type ChangedIdentity,
  type ContainmentAction,
  type PendingApproval,
  type ReportChanges,
  reportClass,
} from '#core/report/weekly-report.ts';
import type { ScanChanges } from '#core/store/record-scan.ts';

/** What the report knows from the store. */
export interface ReportHistory {
  /** Recorded scans of the same accounts and tenants, oldest first. */
  scans: ScanRecord[];
  changes: ReportChanges;
  /** Absent when the audit log and approvals were not read. */
  containment?: { actions: ContainmentAction[]; pending: PendingApproval[] };
}

/** The store ports the history reads. */
export type ReportStore = FindingStore & InventoryStore & Partial<ApprovalStore & AuditLog>;

/** How far back to look. */
export interface HistoryOptions {
  /** Epoch ms of the start of the period (exclusive); default a week before `until`. */
  since?: number;
  /** Epoch ms of the end of the period; default the document's `asOf`. */
  until?: number;
  /** Parallel store reads of per-identity history (default 16). */
  concurrency?: number;
}

const WEEK_MS = 7 * 86_400_000;

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function changedFinding(f: StoredFinding, at: number): ChangedFinding {
  return {
    identityId: f.identityId,
    identityName: f.identityName,
    ruleId: f.finding.ruleId,
    severity: f.finding.severity,
    title: f.finding.title,
    at: new Date(at).toISOString(),
  };
}

function changedIdentity(i: StoredIdentity, at: number): ChangedIdentity {
  return {
    identityId: i.identityId,
    name: i.name,
    class: reportClass({ class: i.class, aiRole: i.aiRole } as Parameters<typeof reportClass>[0]),
    scope: i.scope,
    at: new Date(at).toISOString(),
  };
}

/** One line on what a grant source grants, from the store's detail. */
function grantDetail(g: StoredGrant): string {
  const d = g.source.detail;
  const parts: string[] = [];
  if (g.source.kind === 'effective-actions') {
    parts.push(`now ${d.actions ?? '?'} actions`);
    if (Array.isArray(d.services)) parts.push(`in ${d.services.length} services`);
    return `the set of actions it may perform changed: ${parts.join(' ')}`;
  }
  if (g.source.ref) parts.push(g.source.ref);
  for (const [k, v] of Object.entries(d)) {
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    parts.push(`${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  }
  return parts.join('; ');
}

/**
 * The permissions added, without the grants of identities that are new (they are listed as new
 * identities) and without the `effective-actions` grant when a policy of the same identity was
 * added by the same scan (it says the same thing again).
 */
function permissionsAdded(
  grants: readonly StoredGrant[],
  newIdentityIds: ReadonlySet<string>,
): AddedPermission[] {
  const policyAdded = new Set(
    grants
      .filter((g) => g.source.kind !== 'effective-actions')
      .map((g) => `${g.identityId}\0${g.addedRunId}`),
  );
  return grants
    .filter((g) => !newIdentityIds.has(g.identityId))
    .filter(
      (g) =>
        g.source.kind !== 'effective-actions' ||
        !policyAdded.has(`${g.identityId}\0${g.addedRunId}`),
    )
    .map((g) => ({
      identityId: g.identityId,
      identityName: g.identityName,
      kind: g.source.kind,
      name: g.source.name,
      detail: grantDetail(g),
      at: new Date(g.addedAt).toISOString(),
    }))
    .sort((a, b) => a.at.localeCompare(b.at) || a.identityName.localeCompare(b.identityName));
}

/** Audit entries grouped into one action per containment request. */
export function containmentActions(entries: readonly AuditEntry[]): ContainmentAction[] {
  const byRequest = new Map<string, AuditEntry[]>();
  for (const e of entries) {
    const list = byRequest.get(e.requestId) ?? [];
    list.push(e);
    byRequest.set(e.requestId, list);
  }
  return [...byRequest.values()]
    .map((chain) => {
      chain.sort((a, b) => a.seq - b.seq);
      const first = chain[0]!;
      const last = chain.at(-1)!;
      // The request entry names the containment kind; later entries may repeat it.
      const kind = chain
        .map((e) => e.detail.kind ?? e.detail.containmentKind)
        .find((k): k is string => typeof k === 'string');
      return {
        requestId: first.requestId,
        identityId: first.identityId,
        identityName: first.identityId,
        kind: kind ?? null,
        steps: chain.map((e) => e.kind),
        state: last.kind,
        actors: [...new Set(chain.map((e) => e.actor))],
        first: new Date(first.at).toISOString(),
        last: new Date(last.at).toISOString(),
      };
    })
    .sort((a, b) => b.last.localeCompare(a.last) || a.requestId.localeCompare(b.requestId));
}

/**
 * Reads what the report needs from the store.
 *
 * Resolved findings are not indexed by time, so they are read per identity (the finding history
 * of every identity the inventory ever held in these accounts and tenants), and only when a scan
 * of the period resolved something. The audit log is read per identity of the document too.
 * Both run `concurrency` reads at a time: a few seconds for thousands of identities on DynamoDB.
 */
export async function loadReportHistory(
  store: ReportStore,
  doc: FindingsDocument,
  options: HistoryOptions = {},
): Promise<ReportHistory> {
  const until = options.until ?? Date.parse(doc.window.asOf);
  const scopes = scanScopes(doc);
  const wanted = new Set(scopes);
  const concurrency = options.concurrency ?? 16;
  const scans = (await store.scans()).filter(
    (s) => s.at <= until && s.scopes.some((x) => wanted.has(x)),
  );
  const requested = options.since ?? until - WEEK_MS;
  // The baseline: the last scan at or before the start of the period. Without one (history
  // shorter than the period), the period starts at the first recorded scan, whose findings
  // were all new and are not listed again.
  const baseline = [...scans].reverse().find((s) => s.at <= requested) ?? null;
  const first = scans[0] ?? null;
  const since = baseline ? requested : (first?.at ?? until);
  const inPeriod = (at: number | null) => at !== null && at > since && at <= until;
  const scanAt = new Map(scans.map((s) => [s.runId, s.at]));
  const periodScans = scans.filter((s) => inPeriod(s.at));

  const open = (await store.openFindings()).filter((f) => wanted.has(f.scope));
  const newFindings = open
    .map((f) => ({ f, at: scanAt.get(f.openedRunId) ?? f.firstSeen }))
    .filter(({ at }) => inPeriod(at))
    .map(({ f, at }) => changedFinding(f, at));

  const identities = (
    await mapLimit(scopes, concurrency, (scope) => store.identities(scope))
  ).flat();
  const resolvedFindings: ChangedFinding[] = [];
  if (periodScans.some((s) => s.resolved > 0)) {
    const histories = await mapLimit(identities, concurrency, (i) =>
      store.findingHistory(i.identityId),
    );
    for (const f of histories.flat())
      if (f.status === 'resolved' && wanted.has(f.scope) && inPeriod(f.resolvedAt))
        resolvedFindings.push(changedFinding(f, f.resolvedAt!));
  }
  const newIdentities = identities
    .filter((i) => inPeriod(i.addedAt) && (i.removedAt === null || i.removedAt > until))
    .map((i) => changedIdentity(i, i.addedAt));
  const removedIdentities = identities
    .filter((i) => inPeriod(i.removedAt))
    .map((i) => changedIdentity(i, i.removedAt!));
  const grants = (
    await mapLimit(scopes, concurrency, (scope) => store.grantsAddedSince(scope, since + 1))
  )
    .flat()
    .filter((g) => inPeriod(g.addedAt));

  let containment: ReportHistory['containment'];
  if (store.pendingApprovals && store.identityAudit) {
    const audit = store.identityAudit.bind(store);
    const pending = (await store.pendingApprovals())
      .filter((a) => wanted.has(a.scope) && a.expiresAt > until)
      .map(
        (a): PendingApproval => ({
          requestId: a.requestId,
          identityId: a.identityId,
          identityName: a.identityId,
          summary: a.summary,
          requestedBy: a.requestedBy,
          requestedAt: new Date(a.requestedAt).toISOString(),
          expiresAt: new Date(a.expiresAt).toISOString(),
        }),
      );
    const entries = (await mapLimit(doc.identities, concurrency, (r) => audit(r.id))).flat();
    const touched = new Set(entries.filter((e) => inPeriod(e.at)).map((e) => e.requestId));
    containment = {
      actions: containmentActions(entries.filter((e) => touched.has(e.requestId))),
      pending,
    };
  }
  const byName = (a: { identityName?: string; name?: string }, b: typeof a) =>
    (a.identityName ?? a.name ?? '').localeCompare(b.identityName ?? b.name ?? '');
  return {
    scans,
    changes: {
      state:
        scans.length === 0
          ? 'not-recorded'
          : baseline || scans.length > 1
            ? 'compared'
            : 'first-scan',
      label:
        !baseline && scans.length > 1
          ? 'the first recorded scan'
          : requested === until - WEEK_MS
            ? 'last week'
            : new Date(requested).toISOString(),
      since: scans.length > 1 || baseline ? new Date(since).toISOString() : null,
      baselineRunId: baseline?.runId ?? first?.runId ?? null,
      newFindings: newFindings.sort(byName),
      resolvedFindings: resolvedFindings.sort(byName),
      persisting: null,
      newIdentities: newIdentities.sort(byName),
      newAgents: newIdentities.filter((i) => i.class === 'ai-agent').sort(byName),
      removedIdentities: removedIdentities.sort(byName),
      permissionsAdded: permissionsAdded(grants, new Set(newIdentities.map((i) => i.identityId))),
      inventoryKnown: true,
    },
    ...(containment ? { containment } : {}),
  };
}

/**
 * The history of a scan just recorded (`leash scan`): what changed since the previous scan, from
 * what recording it returned.
 * @param changes the recorded scan's changes, with its inventory diff when known
 * @param scans recorded scans for the trend (optional)
 */
export function historyFromChanges(
  changes: ScanChanges & { inventory?: InventoryDiff },
  scans: ScanRecord[] = [],
): ReportHistory {
  const { previous, diff } = changes;
  const inv = changes.inventory;
  const newIds = previous
    ? (inv?.identities.added ?? []).map((i) => changedIdentity(i, i.addedAt))
    : [];
  return {
    scans,
    changes: {
      state: previous ? 'compared' : 'first-scan',
      label: 'the previous scan',
      since: previous ? new Date(previous.at).toISOString() : null,
      baselineRunId: previous?.runId ?? null,
      newFindings: previous ? diff.newFindings.map((f) => changedFinding(f, f.lastSeen)) : [],
      resolvedFindings: diff.resolved.map((f) => changedFinding(f, f.resolvedAt ?? f.lastSeen)),
      persisting: diff.persisting,
      newIdentities: newIds,
      newAgents: newIds.filter((i) => i.class === 'ai-agent'),
      removedIdentities: (inv?.identities.removed ?? []).map((i) =>
        changedIdentity(i, i.removedAt ?? i.lastSeen),
      ),
      permissionsAdded: previous
        ? permissionsAdded(inv?.grants.added ?? [], new Set(newIds.map((i) => i.identityId)))
        : [],
      inventoryKnown: inv !== undefined,
    },
  };
}
