/**
 * Aggregates Microsoft Graph activity-log requests per service principal: for each distinct
 * (scheme, method, template) the map resolves, how often and when it was called; which calls
 * were denied; and which the map could not resolve. Crediting calls to held permissions happens
 * later, per identity, because it depends on what the identity holds.
 */
import type { TimeWindow } from '#core/engine/usage.ts';
import type { EntraServicePrincipal, GraphRequest } from '#core/entra/model.ts';
import {
  type GraphPermissionMap,
  type GraphPermissionMatch,
  matchGraphRequest,
  normalizeGraphPath,
} from '#core/entra/permission-map.ts';

/** Calls of one (scheme, method, template), as the map resolved them. */
export interface CallGroup {
  /** `application`, `delegated`, or undefined when the log did not say. */
  scheme: GraphRequest['scheme'];
  match: GraphPermissionMatch;
  count: number;
  first: number;
  last: number;
}

/** Calls answered 401 or 403: attempts, not usage. */
export interface DeniedCalls {
  /** `METHOD template` (or the path with ids replaced when unmapped). */
  call: string;
  count: number;
  last: number;
  statuses: Set<number>;
}

/** Calls the map could not resolve. */
export interface UnmappedCalls {
  method: string;
  /** The path with id-like segments replaced by `{id}`. */
  path: string;
  count: number;
}

/** One service principal's requests in the window. */
export interface ServicePrincipalRequests {
  requests: number;
  first: number;
  last: number;
  calls: Map<string, CallGroup>;
  denied: Map<string, DeniedCalls>;
  unmapped: Map<string, UnmappedCalls>;
}

/** What was read and what could be used. */
export interface RequestCoverage {
  read: number;
  inWindow: number;
  outsideWindow: number;
  /** Requests whose time could not be parsed. */
  invalid: number;
  /** In the window and attributed to a service principal of the inventory. */
  attributed: number;
  /** In the window, from an app the inventory does not hold: count by appId. */
  unattributed: Map<string, number>;
  mapped: number;
  unmapped: number;
  /** Calls that need no permission (`/$batch`, `/$metadata`). */
  exempt: number;
  denied: number;
}

/** The aggregate over a tenant. */
export interface TenantRequests {
  byServicePrincipal: Map<string, ServicePrincipalRequests>;
  coverage: RequestCoverage;
  /** Unmapped calls over the whole tenant, for the coverage report. */
  unmapped: Map<string, UnmappedCalls>;
}

const DENIED = new Set([401, 403]);

/**
 * Reads the requests once and aggregates those in the window per service principal. Requests
 * are matched to service principals by `servicePrincipalId`, else by `appId`. A request with a
 * `count` (a summarized log row) counts as that many requests, all at its `time`.
 *
 * A request counts as use whatever its status except 401 and 403: a 404, 429 or 500 still shows
 * the caller needs the permission for that call, and calling a needed permission unused is the
 * mistake to avoid.
 */
export function aggregateGraphRequests(
  requests: Iterable<GraphRequest>,
  servicePrincipals: readonly EntraServicePrincipal[],
  window: TimeWindow,
  map: GraphPermissionMap,
): TenantRequests {
  const byId = new Map(servicePrincipals.map((sp) => [sp.id.toLowerCase(), sp]));
  const byAppId = new Map(servicePrincipals.map((sp) => [sp.appId.toLowerCase(), sp]));
  const coverage: RequestCoverage = {
    read: 0,
    inWindow: 0,
    outsideWindow: 0,
    invalid: 0,
    attributed: 0,
    unattributed: new Map(),
    mapped: 0,
    unmapped: 0,
    exempt: 0,
    denied: 0,
  };
  const bySp = new Map<string, ServicePrincipalRequests>();
  const tenantUnmapped = new Map<string, UnmappedCalls>();

  for (const r of requests) {
    // A summarized activity-log row stands for `count` identical requests.
    const n = r.count ?? 1;
    coverage.read += n;
    const t = Date.parse(r.time);
    if (Number.isNaN(t)) {
      coverage.invalid += n;
      continue;
    }
    if (t < window.from || t > window.to) {
      coverage.outsideWindow += n;
      continue;
    }
    coverage.inWindow += n;
    const sp =
      (r.servicePrincipalId ? byId.get(r.servicePrincipalId.toLowerCase()) : undefined) ??
      byAppId.get(r.appId.toLowerCase());
    if (!sp) {
      coverage.unattributed.set(r.appId, (coverage.unattributed.get(r.appId) ?? 0) + n);
      continue;
    }
    coverage.attributed += n;
    let acc = bySp.get(sp.id);
    if (!acc) {
      acc = {
        requests: 0,
        first: t,
        last: t,
        calls: new Map(),
        denied: new Map(),
        unmapped: new Map(),
      };
      bySp.set(sp.id, acc);
    }
    acc.requests += n;
    acc.first = Math.min(acc.first, t);
    acc.last = Math.max(acc.last, t);

    const method = r.method.toUpperCase();
    const match = matchGraphRequest(map, method, r.uri);
    if (DENIED.has(r.status)) {
      coverage.denied += n;
      const call = `${method} ${match ? match.template : genericTemplate(normalizeGraphPath(r.uri))}`;
      const d = acc.denied.get(call) ?? { call, count: 0, last: t, statuses: new Set<number>() };
      d.count += n;
      d.last = Math.max(d.last, t);
      d.statuses.add(r.status);
      acc.denied.set(call, d);
      continue;
    }
    if (!match) {
      coverage.unmapped += n;
      const path = genericTemplate(normalizeGraphPath(r.uri));
      const key = `${method} ${path}`;
      for (const target of [acc.unmapped, tenantUnmapped]) {
        const u = target.get(key) ?? { method, path, count: 0 };
        u.count += n;
        target.set(key, u);
      }
      continue;
    }
    if (match.exempt) {
      coverage.exempt += n;
      continue;
    }
    coverage.mapped += n;
    const key = `${r.scheme ?? '*'} ${method} ${match.template}`;
    const g = acc.calls.get(key);
    if (g) {
      g.count += n;
      g.first = Math.min(g.first, t);
      g.last = Math.max(g.last, t);
    } else {
      acc.calls.set(key, { scheme: r.scheme, match, count: n, first: t, last: t });
    }
  }
  return { byServicePrincipal: bySp, coverage, unmapped: tenantUnmapped };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Replaces id-like segments of a normalized path with `{id}` so unmapped calls group by shape:
 * GUIDs, numbers, user principal names, SharePoint site ids (`host,guid,guid`) and long opaque
 * tokens. Function-call segments keep their name (`getschedule(...)`).
 */
export function genericTemplate(path: string): string {
  const segments = path.split('/').filter(Boolean);
  return `/${segments
    .map((s) => {
      const call = /^([a-z0-9_.$]+)\(.*\)$/i.exec(s);
      if (call) return `${call[1]}(...)`;
      if (
        GUID.test(s) ||
        /^\d+$/.test(s) ||
        s.includes('@') ||
        s.includes(',') ||
        (s.length >= 16 && /\d/.test(s) && !s.startsWith('microsoft.graph.'))
      )
        return '{id}';
      return s;
    })
    .join('/')}`;
}
