/**
 * Reads Microsoft Graph activity logs (what each app actually called) from the Log Analytics
 * workspace a diagnostic setting exports them to, through `LogsQueryClient` of
 * `@azure/monitor-query-logs`.
 *
 * Volume: a tenant of 1,000 users writes about 15 GiB of these logs a month, so the query never
 * returns raw rows. It summarizes in the workspace, per (ServicePrincipalId, AppId, RequestMethod,
 * normalized path, ResponseStatusCode, token scheme), to a request count and the latest
 * TimeGenerated: one row per distinct call shape, whatever the traffic. The window is cut into
 * slices (`pageHours`, default 24) so each answer stays far below the query API's limits
 * (500,000 records and about 100 MiB per result, 10 minutes per query; see
 * https://learn.microsoft.com/azure/azure-monitor/service-limits#log-queries-and-language), and a
 * failed or partial slice costs only that slice.
 *
 * Columns used, from the table reference
 * (https://learn.microsoft.com/azure/azure-monitor/reference/tables/microsoftgraphactivitylogs):
 * `TimeGenerated` (datetime, when the request was received), `AppId`, `ServicePrincipalId`,
 * `RequestMethod`, `RequestUri`, `ResponseStatusCode` (int), `Roles` and `Scopes` (the token's
 * `roles` and `scp` claims, as text).
 *
 * Access: an Azure role assignment on the workspace is what lets an app-only caller read it:
 * Log Analytics Reader (its wildcard read action includes the per-table
 * `Microsoft.OperationalInsights/workspaces/query/MicrosoftGraphActivityLogs/read`), or Reader,
 * or table-level read on MicrosoftGraphActivityLogs alone
 * (https://learn.microsoft.com/azure/azure-monitor/logs/manage-access). The Log Analytics API
 * permission `Data.Read` matters for delegated (signed-in user) tokens, not for a role-assigned
 * service principal (not verified against a live tenant). The token is requested for
 * `https://api.loganalytics.io/.default` (or the national cloud's Log Analytics host).
 * @see ../shared/reference/entra-graph.md A.3 "Microsoft Graph activity logs"
 */
import { rootCertificates } from 'node:tls';
import type { TokenCredential } from '@azure/identity';
import {
  type LogsErrorInfo,
  LogsQueryClient,
  LogsQueryResultStatus,
  type LogsTable,
} from '@azure/monitor-query-logs';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, type ErrorClass } from '#connectors/shared/errors.ts';
import type { GraphRequest } from '#core/entra/model.ts';

/** The API name gaps from this reader carry. */
export const LOGS_QUERY_API = 'LogAnalytics:query';
/** Log Analytics query API root, version included (the SDK's `endpoint` option replaces both). */
export const DEFAULT_LOGS_ENDPOINT = 'https://api.loganalytics.io/v1';
/** Hours per query. A day of summarized rows is small even in a large tenant. */
const DEFAULT_PAGE_HOURS = 24;
/** Summarized rows accepted per slice before it is split (far below the 500,000-record cap). */
const DEFAULT_MAX_ROWS = 50_000;
/** A truncated slice shorter than this is reported as a gap rather than split again. */
const MIN_SLICE_MS = 3_600_000;
/** The most the query API waits for one query (`Prefer: wait=600`). */
const SERVER_TIMEOUT_SECONDS = 600;
/** Sovereign-cloud query hosts whose token audience is their own origin. */
const AUDIENCE_HOSTS = new Set([
  'api.loganalytics.io',
  'api.loganalytics.azure.cn',
  'api.loganalytics.us',
]);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The query call the reader needs; a `LogsQueryClient`, or a fake in unit tests. */
export type LogsQuerier = Pick<LogsQueryClient, 'queryWorkspace'>;

/** Options of {@link readGraphActivityLogs}. */
export interface GraphActivityLogOptions {
  /** The Log Analytics workspace id (a GUID, the workspace's "Workspace ID"). */
  workspaceId: string;
  /** Any `@azure/identity` credential; it is asked for a Log Analytics token. */
  credential: TokenCredential;
  /** Query API root with version, default `https://api.loganalytics.io/v1`. Must be https. */
  endpoint?: string;
  /** Window start (inclusive), epoch ms or Date. */
  from: number | Date;
  /** Window end (exclusive), epoch ms or Date. */
  to: number | Date;
  gaps: GapRecorder;
  /** Hours per query slice, default 24. */
  pageHours?: number;
  /** Summarized rows accepted per slice, default 50,000; a fuller slice is split in two. */
  maxRows?: number;
  /** Extra CA certificate (PEM) trusted for the query endpoint: a TLS-inspecting proxy or a test server. */
  ca?: string;
  /** Only these apps' requests (appIds, GUIDs); all apps when absent. */
  appIds?: readonly string[];
  /** Retries of a throttled or failed query (429 with Retry-After, 5xx, network). SDK default 3. */
  maxRetries?: number;
  /** First backoff of the SDK's exponential retry, default 1 s (tests set it low). */
  retryDelayInMs?: number;
  /** One line per slice, for a person watching. Counts only; never tokens. */
  log?: (line: string) => void;
  /** Replaces the LogsQueryClient built from the options (unit tests). */
  client?: LogsQuerier;
}

/** A half-open time range `[from, to)` in epoch ms. */
export interface TimeSlice {
  from: number;
  to: number;
}

/**
 * Cuts `[from, to)` into consecutive slices of `pageHours` (the last one shorter).
 * @throws RangeError when the window is empty or reversed, or `pageHours` is not positive
 */
export function sliceWindow(from: number, to: number, pageHours: number): TimeSlice[] {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
    throw new RangeError(`empty or invalid window ${from}..${to}`);
  if (!(pageHours > 0)) throw new RangeError(`pageHours must be positive (got ${pageHours})`);
  const step = Math.max(1, Math.round(pageHours * 3_600_000));
  const slices: TimeSlice[] = [];
  for (let start = from; start < to; start += step)
    slices.push({ from: start, to: Math.min(start + step, to) });
  return slices;
}

/** Options of {@link buildActivityQuery}. */
export interface ActivityQueryOptions {
  appIds?: readonly string[];
  /** The query returns at most this many rows (`take`), one more than accepted to detect overflow. */
  take: number;
}

/** Names of the columns the summarized query returns. */
export const ACTIVITY_COLUMNS = {
  servicePrincipalId: 'ServicePrincipalId',
  appId: 'AppId',
  method: 'RequestMethod',
  path: 'Path',
  status: 'ResponseStatusCode',
  scheme: 'Scheme',
  count: 'Requests',
  last: 'LastSeen',
} as const;

/**
 * The KQL for one slice. The path is normalized in the workspace the way Leash's permission map
 * reads it (scheme, host, query and `/v1.0` or `/beta` dropped, lower-cased), and object ids
 * (GUIDs, and user principal names, which hold `@`) become `{id}` so that calls on a million
 * users stay one row; the map treats `{id}` like any id. The token scheme comes from the claims:
 * `scp` (Scopes) is only in delegated tokens, `roles` without `scp` means app-only.
 * @throws RangeError when an appId is not a GUID (they are pasted into the query text)
 */
export function buildActivityQuery(slice: TimeSlice, options: ActivityQueryOptions): string {
  const c = ACTIVITY_COLUMNS;
  const lines = [
    'MicrosoftGraphActivityLogs',
    // The explicit bounds make slices half-open, so a request on a boundary counts once; the
    // API's own timespan is sent too and only narrows what the engine scans.
    `| where TimeGenerated >= datetime(${iso(slice.from)}) and TimeGenerated < datetime(${iso(slice.to)})`,
  ];
  if (options.appIds && options.appIds.length > 0) {
    for (const id of options.appIds)
      if (!GUID.test(id)) throw new RangeError(`appId must be a GUID (got ${JSON.stringify(id)})`);
    lines.push(`| where AppId in~ (${options.appIds.map((id) => `'${id}'`).join(', ')})`);
  }
  lines.push(
    `| extend ${c.path} = tolower(extract(@"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)", 1, RequestUri))`,
    `| extend ${c.path} = replace_regex(${c.path}, @"^/(?:v1\\.0|beta)(/|$)", @"/")`,
    `| extend ${c.path} = replace_regex(${c.path}, @"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}")`,
    `| extend ${c.path} = replace_regex(${c.path}, @"/[^/]*(?:@|%40)[^/]*", "/{id}")`,
    `| extend ${c.scheme} = case(isnotempty(Scopes), "delegated", isnotempty(Roles), "application", "")`,
    `| summarize ${c.count} = count(), ${c.last} = max(TimeGenerated) by ${c.servicePrincipalId}, ${c.appId}, ${c.method}, ${c.path}, ${c.status}, ${c.scheme}`,
    `| take ${options.take}`,
  );
  return lines.join('\n');
}

/**
 * Shapes the summarized table into requests: one per row, with `count` the row's request count
 * and `time` its latest TimeGenerated. Columns are found by name.
 * @throws ConnectorError when a column of the query is missing (the query and this code disagree)
 */
export function toGraphRequests(table: LogsTable): GraphRequest[] {
  const index = new Map(table.columnDescriptors.map((col, i) => [col.name ?? '', i]));
  const at = (name: string): number => {
    const i = index.get(name);
    if (i === undefined)
      throw new ConnectorError(`Graph activity-log result has no column ${name}`, LOGS_QUERY_API);
    return i;
  };
  const c = ACTIVITY_COLUMNS;
  const col = {
    sp: at(c.servicePrincipalId),
    app: at(c.appId),
    method: at(c.method),
    path: at(c.path),
    status: at(c.status),
    scheme: at(c.scheme),
    count: at(c.count),
    last: at(c.last),
  };
  return table.rows.map((row) => {
    const servicePrincipalId = text(row[col.sp]);
    const scheme = text(row[col.scheme]);
    const last = row[col.last];
    const request: GraphRequest = {
      ...(servicePrincipalId ? { servicePrincipalId } : {}),
      appId: text(row[col.app]),
      method: text(row[col.method]).toUpperCase(),
      uri: text(row[col.path]) || '/',
      status: Number(row[col.status]),
      // The SDK turns datetime cells into Date; a string is kept as the service wrote it.
      time: last instanceof Date ? last.toISOString() : text(last),
      count: Math.max(1, Number(row[col.count]) || 1),
    };
    if (scheme === 'application' || scheme === 'delegated') request.scheme = scheme;
    return request;
  });
}

/**
 * Yields the Graph requests of the window, summarized (see the module comment), slice by slice
 * in time order.
 *
 * Failures never stop the scan: access denied (401/403, or a credential that cannot get a
 * token), a workspace that does not exist and a workspace without the MicrosoftGraphActivityLogs
 * table become one gap and end the read (every slice would fail alike); a throttled, timed-out
 * or failing slice (after the SDK's retries, which honour `Retry-After`) and a partial result
 * become a `failed` gap for that slice, whose partial rows are still yielded, and the next
 * slice is read. A slice with more than `maxRows` groups is split in two until an hour long.
 * @throws ConnectorError on anything else (a malformed query is a bug, not a gap)
 */
export async function* readGraphActivityLogs(
  options: GraphActivityLogOptions,
): AsyncIterable<GraphRequest> {
  const from = toMs(options.from);
  const to = toMs(options.to);
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!(maxRows >= 1)) throw new RangeError(`maxRows must be at least 1 (got ${maxRows})`);
  const client = options.client ?? createLogsClient(options);
  const { workspaceId, gaps } = options;
  const pending = sliceWindow(from, to, options.pageHours ?? DEFAULT_PAGE_HOURS);

  for (let slice = pending.shift(); slice; slice = pending.shift()) {
    const where = `workspace ${workspaceId}, ${iso(slice.from)}/${iso(slice.to)}`;
    const kql = buildActivityQuery(slice, {
      ...(options.appIds ? { appIds: options.appIds } : {}),
      take: maxRows + 1,
    });
    let tables: LogsTable[];
    try {
      const result = await client.queryWorkspace(
        workspaceId,
        kql,
        { startTime: new Date(slice.from), endTime: new Date(slice.to) },
        { serverTimeoutInSeconds: SERVER_TIMEOUT_SECONDS },
      );
      if (result.status === LogsQueryResultStatus.PartialFailure) {
        // The service stopped part-way (a limit, a timeout, a failing shard): what it returned
        // is real use, but the slice is incomplete, so nothing in it may be called unused.
        gaps.add({
          provider: 'entra',
          api: LOGS_QUERY_API,
          reason: 'failed',
          detail: `${where}: partial result: ${describeErrorInfo(result.partialError)}`,
        });
        tables = result.partialTables;
      } else tables = result.tables;
    } catch (err) {
      const kind = classifyLogsError(err);
      const detail = `${where}: ${describeLogsError(err)}`;
      if (kind === 'access-denied' || kind === 'unsupported' || kind === 'not-found') {
        gaps.add({
          provider: 'entra',
          api: LOGS_QUERY_API,
          reason: kind === 'access-denied' ? 'access-denied' : 'unsupported',
          detail,
        });
        options.log?.(`Graph activity logs: ${kind}, read stopped`);
        return;
      }
      if (kind === 'throttled' || kind === 'transient') {
        gaps.add({
          provider: 'entra',
          api: LOGS_QUERY_API,
          reason: 'failed',
          detail: `${detail} (gave up after retries)`,
        });
        continue;
      }
      throw new ConnectorError(`${LOGS_QUERY_API} failed: ${detail}`, LOGS_QUERY_API, {
        cause: err,
      });
    }

    const table = tables[0];
    const requests = table ? toGraphRequests(table) : [];
    if (requests.length > maxRows) {
      if (slice.to - slice.from >= 2 * MIN_SLICE_MS) {
        // Fewer hours hold fewer distinct calls: query both halves before the later slices.
        const mid = slice.from + Math.floor((slice.to - slice.from) / 2);
        pending.unshift({ from: slice.from, to: mid }, { from: mid, to: slice.to });
        options.log?.(`Graph activity logs: ${where}: over ${maxRows} groups, split in two`);
        continue;
      }
      gaps.add({
        provider: 'entra',
        api: LOGS_QUERY_API,
        reason: 'failed',
        detail: `${where}: more than ${maxRows} distinct calls in under two hours; only the first ${maxRows} read`,
      });
      requests.length = maxRows;
    }
    options.log?.(`Graph activity logs: ${where}: ${requests.length} call groups`);
    yield* requests;
  }
}

/**
 * Builds the query client: the given endpoint, a token audience matching it, an extra trusted
 * CA when asked, and the retry settings.
 * @throws Error when the endpoint is not https (the SDK's bearer-token policy refuses http)
 */
export function createLogsClient(
  options: Pick<
    GraphActivityLogOptions,
    'credential' | 'endpoint' | 'ca' | 'maxRetries' | 'retryDelayInMs'
  >,
): LogsQueryClient {
  const endpoint = (options.endpoint ?? DEFAULT_LOGS_ENDPOINT).replace(/\/+$/, '');
  const url = new URL(endpoint);
  if (url.protocol !== 'https:')
    throw new Error(`The Log Analytics endpoint must use https (got ${url.origin})`);
  // The token is for the Log Analytics API of the endpoint's cloud; a proxy or test server
  // stands in for the public cloud. (The SDK 1.0 ignores its own `audience` option.)
  const audience = AUDIENCE_HOSTS.has(url.hostname) ? url.origin : 'https://api.loganalytics.io';
  // Node's https agent replaces its roots with `ca`, so the public roots are kept alongside.
  const ca = options.ca ? [...rootCertificates, options.ca] : undefined;
  return new LogsQueryClient(options.credential, {
    endpoint,
    credentials: { scopes: [`${audience}/.default`] },
    ...(ca ? { tlsOptions: { ca } } : {}),
    retryOptions: {
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.retryDelayInMs !== undefined ? { retryDelayInMs: options.retryDelayInMs } : {}),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * The semantic error of a workspace that never received Graph activity logs (no diagnostic
 * setting exports them there): the table does not exist.
 */
const MISSING_TABLE =
  /Failed to resolve table (?:or column )?expression named 'MicrosoftGraphActivityLogs'/i;
/** `@azure/identity` errors raised by the bearer-token policy when no token can be had. */
const IDENTITY_ERRORS = new Set([
  'AuthenticationError',
  'AuthenticationRequiredError',
  'CredentialUnavailableError',
]);
const NETWORK_CODES = new Set([
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Classifies a failed query: a RestError of the SDK (statusCode, code, and the response's
 * error body in `details`), or an `@azure/identity` error raised while getting the token.
 * @see https://learn.microsoft.com/azure/azure-monitor/logs/api/errors
 */
export function classifyLogsError(err: unknown): ErrorClass {
  const e = (err ?? {}) as { name?: unknown; statusCode?: unknown; code?: unknown };
  // The credential could not get a token: for the scan, the same as being refused.
  if (typeof e.name === 'string' && IDENTITY_ERRORS.has(e.name)) return 'access-denied';
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === 401 || status === 403) return 'access-denied';
  if (status === 404) return 'not-found';
  if (status === 400 && MISSING_TABLE.test(errorTexts(err).join(' '))) return 'unsupported';
  if (status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'transient';
  if (status === undefined && typeof e.code === 'string' && NETWORK_CODES.has(e.code))
    return 'transient';
  return 'fatal';
}

/** Short, secret-free text of a failed query: status, codes and the innermost message. */
export function describeLogsError(err: unknown): string {
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown };
  const parts: string[] = [];
  if (typeof e.statusCode === 'number') parts.push(`HTTP ${e.statusCode}`);
  if (typeof e.code === 'string') parts.push(e.code);
  const texts = errorTexts(err);
  const message = texts.at(-1) ?? (typeof e.message === 'string' ? e.message : String(err));
  if (message) parts.push(message.split('\n')[0]!);
  return cap(parts.join(': ') || 'unknown error');
}

function describeErrorInfo(info: LogsErrorInfo | undefined): string {
  if (!info) return 'unknown error';
  const inner = innermost(info);
  const text = [info.code, inner !== info ? inner.code : undefined, inner.message]
    .filter(Boolean)
    .join(': ');
  return cap(text || 'unknown error');
}

interface ErrorNode {
  code?: string;
  message?: string;
  innererror?: ErrorNode;
  details?: { code?: string; message?: string; innererror?: ErrorNode }[];
}

/** Follows `innererror` (or the first detail's) to the most specific error. */
function innermost(info: ErrorNode): ErrorNode {
  let node = info;
  for (let depth = 0; depth < 10; depth++) {
    const next = node.innererror ?? node.details?.[0]?.innererror ?? node.details?.[0];
    if (!next || typeof next !== 'object') break;
    node = next;
  }
  return node;
}

/** Messages of an SDK error, outermost first: its own, then the error body's nested ones. */
function errorTexts(err: unknown): string[] {
  const out: string[] = [];
  if (err instanceof Error && err.message) out.push(err.message);
  const body = (err as { details?: { error?: ErrorNode } } | null)?.details?.error;
  if (body) {
    let node: ErrorNode | undefined = body;
    for (let depth = 0; node && depth < 10; depth++) {
      if (node.message && !out.includes(node.message)) out.push(node.message);
      node = node.innererror ?? node.details?.[0]?.innererror ?? node.details?.[0];
    }
  }
  return out;
}

function cap(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function text(cell: unknown): string {
  return cell === null || cell === undefined ? '' : String(cell);
}

function toMs(t: number | Date): number {
  return t instanceof Date ? t.getTime() : t;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
