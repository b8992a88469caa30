/**
 * Service principal sign-ins from the Entra sign-in logs, summed per appId: a fallback and
 * complement to the servicePrincipalSignInActivities report (which needs Entra ID P1/P2 and may
 * lag), for "last signed in" and failing-credential signals over a bounded window.
 *
 * Only the **beta** `GET /auditLogs/signIns` knows `signInEventTypes`; without that filter Graph
 * returns interactive user sign-ins only. Beta pages hold at most 1,000 sign-ins. Permission:
 * AuditLog.Read.All. Retention is 7 days (Free) or 30 days (P1/P2); a tenant without the licence
 * answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant, which becomes an
 * `unsupported` gap. Reports are throttled at 5 requests per 10 s per app and tenant, so pages are
 * read one at a time with a pause between them; a 429 is retried by the client after
 * `Retry-After`.
 * @see ../../../shared/reference/entra-graph.md (A.3 "Sign-in logs", A.5)
 * @see https://learn.microsoft.com/entra/identity/monitoring-health/howto-analyze-activity-logs-with-microsoft-graph
 */
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import { type GraphPage, getJson, guardGraph } from '#connectors/entra/graph-fetch.ts';
import { normalizeGraphDate } from '#connectors/entra/shape.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';

/** The API as coverage gaps name it. */
export const SIGN_INS_API = 'GET /beta/auditLogs/signIns';
/** Beta sign-ins: "maximum and default page size is 1,000 objects". */
const PAGE_SIZE = 1000;
/**
 * Pause between pages: reports allow 5 requests per 10 s per app and tenant, and the scan's
 * other report calls share that budget.
 */
export const PAGE_PAUSE_MS = 2000;

/** A sign-in log entry, as far as the summary reads it. */
export interface RawSignIn {
  id?: string;
  createdDateTime?: string | null;
  appId?: string | null;
  servicePrincipalId?: string | null;
  status?: { errorCode?: number | null } | null;
  signInEventTypes?: string[] | null;
}

/** What the logs say about one appId over the window. */
export interface AppSignIns {
  /** Latest successful sign-in (status.errorCode 0); absent when every attempt failed. */
  lastSignIn?: string;
  /** Latest sign-in attempt, successful or not. */
  lastAttempt: string;
  /** Sign-in attempts in the window. */
  count: number;
  /** Attempts with a non-zero status.errorCode. */
  failures: number;
}

/**
 * Sign-ins per appId. `complete` is false when a coverage gap cut the read short (denied,
 * unlicensed, or given up after retries): the counts are then a lower bound and an app absent
 * from the map may still have signed in.
 */
export type ServicePrincipalSignIns = Map<string, AppSignIns> & { complete: boolean };

/** Options of {@link readServicePrincipalSignIns}. */
export interface ReadSignInsOptions {
  /** Window start (inclusive). */
  from: Date | string;
  /** Window end (inclusive). */
  to: Date | string;
  gaps: GapRecorder;
  /** One line per step, counts only. */
  log?: (line: string) => void;
  /** Pause between pages in ms; default {@link PAGE_PAUSE_MS}. Waited through `client.sleep`. */
  pagePauseMs?: number;
}

/** OData date-time literal (unquoted), UTC. */
function odataDate(value: Date | string, name: string): string {
  const d = normalizeGraphDate(value instanceof Date ? value.toISOString() : value);
  if (!d) throw new Error(`readServicePrincipalSignIns: invalid ${name} ${String(value)}`);
  return d;
}

/** The first page's path: the documented beta filter for service principal sign-ins. */
export function signInsPath(from: Date | string, to: Date | string): string {
  const filter =
    `createdDateTime ge ${odataDate(from, 'from')} and createdDateTime le ${odataDate(to, 'to')}` +
    ` and signInEventTypes/any(t: t eq 'servicePrincipal')`;
  // The SDK passes the query through as written, so the filter is encoded here.
  return `/beta/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=${PAGE_SIZE}`;
}

/**
 * Adds sign-ins to a per-appId summary. Entries without an appId or a readable createdDateTime
 * are skipped (returned count). An entry without a numeric errorCode counts as an attempt, neither
 * success nor failure.
 * @returns the number of entries skipped
 */
export function aggregateSignIns(
  signIns: Iterable<RawSignIn>,
  into: Map<string, AppSignIns> = new Map(),
): number {
  let skipped = 0;
  for (const s of signIns) {
    const when = normalizeGraphDate(s.createdDateTime);
    if (!s.appId || !when) {
      skipped++;
      continue;
    }
    const entry = into.get(s.appId) ?? { lastAttempt: when, count: 0, failures: 0 };
    entry.count++;
    if (when > entry.lastAttempt) entry.lastAttempt = when;
    const code = s.status?.errorCode;
    if (code === 0) {
      if (!entry.lastSignIn || when > entry.lastSignIn) entry.lastSignIn = when;
    } else if (typeof code === 'number') entry.failures++;
    into.set(s.appId, entry);
  }
  return skipped;
}

/**
 * Reads the service principal sign-ins of `[from, to]` and sums them per appId. A denied,
 * unlicensed or throttled-out read becomes a coverage gap; what was read before it is kept and
 * the result is marked incomplete.
 * @throws ConnectorError on a failure that is no gap (a bug, or Graph answering nonsense)
 */
export async function readServicePrincipalSignIns(
  client: GraphClient,
  options: ReadSignInsOptions,
): Promise<ServicePrincipalSignIns> {
  const summary = Object.assign(new Map<string, AppSignIns>(), { complete: false });
  const pause = options.pagePauseMs ?? PAGE_PAUSE_MS;
  const path = signInsPath(options.from, options.to);
  let pages = 0;
  let read = 0;
  let skipped = 0;
  const seen = new Set<string>();
  // pages() has no hook between pages for the pause, so the nextLink loop is written out; the
  // client's middleware still retries 429/503/504 after Retry-After.
  const done = await guardGraph(options.gaps, SIGN_INS_API, async () => {
    let next: string | undefined = path;
    while (next) {
      if (pages > 0 && pause > 0) await client.sleep(pause);
      const page: GraphPage<RawSignIn> = await getJson<GraphPage<RawSignIn>>(client, next);
      pages++;
      // A sign-in seen on an earlier page (the log moved under the cursor) counts once.
      const fresh = (page.value ?? []).filter((s) => {
        if (!s.id) return true;
        if (seen.has(s.id)) return false;
        seen.add(s.id);
        return true;
      });
      read += fresh.length;
      skipped += aggregateSignIns(fresh, summary);
      next = page['@odata.nextLink'];
    }
    return true;
  });
  summary.complete = done === true;
  options.log?.(
    `Entra sign-in logs: ${read} service principal sign-ins over ${pages} page(s), ${summary.size} apps${skipped ? `, ${skipped} unreadable` : ''}${summary.complete ? '' : ' (incomplete: coverage gap)'}`,
  );
  return summary;
}
