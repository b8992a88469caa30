/**
 * A loopback server that speaks enough of the Azure Monitor Log Analytics query API for the
 * integration tests: the real `LogsQueryClient` of `@azure/monitor-query-logs` and a real
 * `@azure/identity` credential talk to it, so the request the SDK builds (path, body, `Prefer`,
 * bearer token) and the answer it parses (tables, partial errors, error bodies, throttling) go
 * through the same code as against api.loganalytics.io.
 *
 * What it answers (https://learn.microsoft.com/azure/azure-monitor/logs/api/request-format):
 * `POST /v1/workspaces/{workspaceId}/query` with `{ query, timespan }`, answered
 * `{ tables: [{ name: 'PrimaryResult', columns: [{ name, type }], rows: [[...]] }] }`, plus an
 * `error` object beside the tables for a partial result.
 *
 * It is not a KQL engine: it recognises the query Leash sends (connectors/entra/activity-logs.ts:
 * time bounds, optional AppId filter, path normalization, scheme, `summarize ... by`, `take`)
 * and computes the same summary in JS over its in-memory MicrosoftGraphActivityLogs rows, with
 * the ISO 8601 timespan of the request applied on top, as the service does. Any other query is
 * refused with the 400 a semantic error gets, so a drift between the two shows in the tests.
 *
 * TLS: the SDK's bearer-token policy refuses non-https URLs, so the server serves a self-signed
 * certificate from graph-server.ts, trusted through the reader's `ca` option. Tokens come from
 * the loopback Graph server's token endpoint; {@link graphServerTokens} checks them there.
 */
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from '#test/helpers/graph-server.ts';

/** One row of MicrosoftGraphActivityLogs, with the columns Leash's query reads. */
export interface ActivityLogRow {
  TimeGenerated: string;
  AppId: string;
  ServicePrincipalId?: string;
  RequestMethod: string;
  RequestUri: string;
  ResponseStatusCode: number;
  /** The token's `roles` claim (app-only tokens), space-separated. */
  Roles?: string;
  /** The token's `scp` claim (delegated tokens), space-separated. */
  Scopes?: string;
  UserId?: string;
}

/** One query the server answered. */
export interface LoggedQuery {
  workspaceId: string;
  query: string;
  /** The ISO 8601 timespan of the body, as sent. */
  timespan?: string;
  /** The timespan's bounds, epoch ms, when it has both. */
  from?: number;
  to?: number;
  /** The `Prefer` header (`wait=600`). */
  prefer?: string;
  status: number;
}

/** Options of {@link startLogAnalyticsServer}. */
export interface LogAnalyticsServerOptions {
  /** The one workspace that exists; any other id is answered 404 WorkspaceNotFoundError. */
  workspaceId: string;
  rows: ActivityLogRow[];
  /** False for a workspace no diagnostic setting exports Graph activity logs to. Default true. */
  hasTable?: boolean;
  /** Whether a bearer token is valid. Default: any non-empty token. */
  verifyToken?: (token: string) => Promise<boolean>;
}

/** When a fault applies: every query, or those whose timespan holds the instant. */
interface FaultScope {
  /** ISO instant: only queries whose timespan contains it. */
  during?: string;
  /** How many matching queries get the fault; default every one for deny, else 1. */
  times?: number;
}

/** A running loopback Log Analytics. */
export interface LogAnalyticsServer {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The query API root the reader takes as `endpoint` (`${url}/v1`). */
  readonly endpoint: string;
  /** PEM of the server's self-signed certificate, to trust. */
  readonly ca: string;
  readonly workspaceId: string;
  /** The table's rows; tests may push more. */
  readonly rows: ActivityLogRow[];
  readonly queries: LoggedQuery[];
  /** Answers 403 InsufficientAccessError (or 401) to matching queries. */
  deny(options?: FaultScope & { status?: 401 | 403 }): void;
  /** Answers a partial result: the first `keepRows` rows (default half) and a PartialError. */
  partialError(options?: FaultScope & { keepRows?: number }): void;
  /** Answers 429 with `Retry-After: seconds` to matching queries. */
  throttle(options: FaultScope & { retryAfterSeconds: number }): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface Fault {
  kind: 'deny' | 'partial' | 'throttle';
  during?: number;
  remaining: number;
  status?: number;
  keepRows?: number;
  retryAfterSeconds?: number;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The error body of the query API (`{ error: { code, message, correlationId } }`). */
function apiError(status: number, code: string, message: string, innererror?: unknown): Reply {
  return {
    status,
    body: {
      error: {
        message,
        code,
        correlationId: '00000000-0000-0000-0000-00000000c0de',
        ...(innererror ? { innererror } : {}),
      },
    },
  };
}

/** The 400 a query the engine cannot compile gets. */
const semanticError = (message: string) =>
  apiError(400, 'BadArgumentError', 'The request had some invalid properties', {
    code: 'SemanticError',
    message: 'A semantic error occurred.',
    innererror: { code: 'SEM0100', message },
  });

/**
 * Starts the server on a free loopback port.
 */
export async function startLogAnalyticsServer(
  options: LogAnalyticsServerOptions,
): Promise<LogAnalyticsServer> {
  const tls = selfSignedCertificate('leash-log-analytics-loopback');
  const rows = options.rows;
  const queries: LoggedQuery[] = [];
  const verifyToken = options.verifyToken ?? (async (t: string) => t.length > 0);
  let faults: Fault[] = [];

  const takeFault = (kind: Fault['kind'], from?: number, to?: number): Fault | undefined => {
    const f = faults.find(
      (x) =>
        x.kind === kind &&
        x.remaining > 0 &&
        (x.during === undefined ||
          (from !== undefined && to !== undefined && x.during >= from && x.during < to)),
    );
    if (f) f.remaining--;
    return f;
  };

  async function answer(
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    raw: string,
    log: LoggedQuery,
  ): Promise<Reply> {
    const m = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(path);
    if (!m || method !== 'POST')
      return apiError(404, 'PathNotFoundError', `The requested path does not exist`);
    log.workspaceId = decodeURIComponent(m[1]!);
    const auth = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''));
    if (!auth || !(await verifyToken(auth[1]!)))
      return apiError(401, 'AuthorizationRequiredError', 'Valid authentication was not provided');
    let body: { query?: unknown; timespan?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return apiError(400, 'BadArgumentError', 'The request body is not valid JSON');
    }
    if (typeof body.query !== 'string')
      return apiError(400, 'BadArgumentError', "The request had some invalid properties: 'query'");
    log.query = body.query;
    let span: { from: number; to: number } | undefined;
    if (body.timespan !== undefined) {
      log.timespan = String(body.timespan);
      span = parseTimespan(log.timespan);
      if (!span)
        return apiError(400, 'BadArgumentError', `Invalid timespan '${String(body.timespan)}'`);
      log.from = span.from;
      log.to = span.to;
    }
    const denied = takeFault('deny', span?.from, span?.to);
    if (denied)
      return denied.status === 401
        ? apiError(401, 'InvalidTokenError', 'The provided authentication is not valid')
        : apiError(
            403,
            'InsufficientAccessError',
            'The provided credentials have insufficient access to perform the requested operation',
          );
    if (log.workspaceId !== options.workspaceId)
      return apiError(404, 'WorkspaceNotFoundError', 'Workspace could not be found');
    const throttled = takeFault('throttle', span?.from, span?.to);
    if (throttled)
      return {
        ...apiError(429, 'ThrottledError', 'Too many requests. Please retry later.'),
        headers: { 'Retry-After': String(throttled.retryAfterSeconds ?? 1) },
      };
    if (options.hasTable === false && /^\s*MicrosoftGraphActivityLogs\b/.test(body.query))
      return semanticError(
        "'where' operator: Failed to resolve table or column expression named 'MicrosoftGraphActivityLogs'",
      );
    const parsed = parseLeashQuery(body.query);
    if (typeof parsed === 'string') return semanticError(parsed);
    const table = summarize(rows, parsed, span);
    const partial = takeFault('partial', span?.from, span?.to);
    if (partial) {
      const keep = partial.keepRows ?? Math.floor(table.rows.length / 2);
      return {
        status: 200,
        body: {
          tables: [{ ...table, rows: table.rows.slice(0, keep) }],
          error: {
            code: 'PartialError',
            message: 'There were some errors when processing your query.',
            details: [
              {
                code: 'EngineError',
                message: 'Something went wrong processing your query on the server.',
                innererror: {
                  code: '-2133196797',
                  message: 'Query execution has exceeded the allowed limits (80DA0003).',
                  severity: 2,
                  severityName: 'Error',
                },
              },
            ],
          },
        },
      };
    }
    return { status: 200, body: { tables: [table] } };
  }

  const server: Server = createServer(
    { cert: tls.certificatePem, key: tls.privateKeyPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'https://loopback.invalid').pathname;
        const prefer = req.headers.prefer;
        const log: LoggedQuery = {
          workspaceId: '',
          query: '',
          status: 0,
          ...(typeof prefer === 'string' ? { prefer } : {}),
        };
        answer(
          (req.method ?? 'GET').toUpperCase(),
          path,
          req.headers,
          Buffer.concat(chunks).toString('utf8'),
          log,
        )
          .catch((err: unknown) => apiError(500, 'InternalServerError', String(err)))
          .then((reply) => {
            log.status = reply.status;
            queries.push(log);
            const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
            res.writeHead(reply.status, {
              ...(payload ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
              ...(reply.headers ?? {}),
            });
            res.end(payload);
          });
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const during = (s: FaultScope) =>
    s.during === undefined ? {} : { during: Date.parse(s.during) };

  return {
    url,
    endpoint: `${url}/v1`,
    ca: tls.certificatePem,
    workspaceId: options.workspaceId,
    rows,
    queries,
    deny: (o = {}) => {
      faults.push({
        kind: 'deny',
        ...during(o),
        remaining: o.times ?? Number.POSITIVE_INFINITY,
        status: o.status ?? 403,
      });
    },
    partialError: (o = {}) => {
      faults.push({
        kind: 'partial',
        ...during(o),
        remaining: o.times ?? 1,
        ...(o.keepRows !== undefined ? { keepRows: o.keepRows } : {}),
      });
    },
    throttle: (o) => {
      faults.push({
        kind: 'throttle',
        ...during(o),
        remaining: o.times ?? 1,
        retryAfterSeconds: o.retryAfterSeconds,
      });
    },
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A token check against the loopback Graph server that issued the tokens: a token it accepts
 * (anything but 401 on a Graph path) is valid. Results are cached per token.
 */
export function graphServerTokens(graph: {
  url: string;
  ca: string;
}): (token: string) => Promise<boolean> {
  const known = new Map<string, boolean>();
  return async (token) => {
    const cached = known.get(token);
    if (cached !== undefined) return cached;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        `${graph.url}/v1.0/$metadata`,
        { method: 'GET', headers: { Authorization: `Bearer ${token}` }, ca: graph.ca },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 500));
        },
      );
      req.on('error', reject);
      req.end();
    });
    known.set(token, status !== 401);
    return status !== 401;
  };
}

// ---------------------------------------------------------------------------------------------
// Leash's query, recognised

/** What the server understood of a query. */
interface LeashQuery {
  from?: number;
  to?: number;
  appIds?: Set<string>;
  /** Aggregate output names. */
  countAs: string;
  maxAs: string;
  by: string[];
  take?: number;
}

/** The grouping columns the server can compute: table columns, plus Leash's Path and Scheme. */
const GROUPABLE = new Set([
  'ServicePrincipalId',
  'AppId',
  'RequestMethod',
  'ResponseStatusCode',
  'Path',
  'Scheme',
]);

/** Parses Leash's summary query, or returns the reason it is not one. */
function parseLeashQuery(kql: string): LeashQuery | string {
  const lines = kql.split('\n').map((l) => l.trim());
  if (lines[0] !== 'MicrosoftGraphActivityLogs')
    return `Unsupported query (the loopback server knows Leash's summary only): ${lines[0]}`;
  const q: Partial<LeashQuery> = {};
  const extended = new Set<string>();
  for (const line of lines.slice(1)) {
    let m =
      /^\| where TimeGenerated >= datetime\(([^)]+)\) and TimeGenerated < datetime\(([^)]+)\)$/.exec(
        line,
      );
    if (m) {
      q.from = Date.parse(m[1]!);
      q.to = Date.parse(m[2]!);
      continue;
    }
    m = /^\| where AppId in~ \((.*)\)$/.exec(line);
    if (m) {
      q.appIds = new Set([...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!.toLowerCase()));
      continue;
    }
    m = /^\| extend (Path|Scheme) = /.exec(line);
    if (m) {
      extended.add(m[1]!);
      continue;
    }
    m = /^\| summarize (\w+) = count\(\), (\w+) = max\(TimeGenerated\) by (.+)$/.exec(line);
    if (m) {
      q.countAs = m[1]!;
      q.maxAs = m[2]!;
      q.by = m[3]!.split(',').map((s) => s.trim());
      continue;
    }
    m = /^\| take (\d+)$/.exec(line);
    if (m) {
      q.take = Number(m[1]);
      continue;
    }
    return `Unsupported operator in the loopback server: ${line}`;
  }
  if (!q.by || !q.countAs || !q.maxAs) return 'The loopback server expects a summarize ... by';
  for (const col of q.by) {
    if (!GROUPABLE.has(col)) return `Failed to resolve scalar expression named '${col}'`;
    if ((col === 'Path' || col === 'Scheme') && !extended.has(col))
      return `Failed to resolve scalar expression named '${col}'`;
  }
  return q as LeashQuery;
}

/** The columns' types as the service reports them. */
const COLUMN_TYPES: Record<string, string> = {
  ServicePrincipalId: 'string',
  AppId: 'string',
  RequestMethod: 'string',
  ResponseStatusCode: 'int',
  Path: 'string',
  Scheme: 'string',
};

/**
 * The path as Leash's KQL computes it: scheme, host and query dropped, lower-cased, version
 * prefix dropped, GUIDs and `@` segments replaced by `{id}`.
 */
export function kqlPath(requestUri: string): string {
  const m = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)?([^?#]*)/.exec(requestUri);
  return (m?.[1] ?? '')
    .toLowerCase()
    .replace(/^\/(?:v1\.0|beta)(\/|$)/, '/')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}')
    .replace(/\/[^/]*(?:@|%40)[^/]*/g, '/{id}');
}

function groupValue(row: ActivityLogRow, col: string): string | number {
  switch (col) {
    case 'Path':
      return kqlPath(row.RequestUri);
    case 'Scheme':
      return row.Scopes ? 'delegated' : row.Roles ? 'application' : '';
    case 'ResponseStatusCode':
      return row.ResponseStatusCode;
    default:
      return String(row[col as keyof ActivityLogRow] ?? '');
  }
}

function summarize(
  rows: readonly ActivityLogRow[],
  q: LeashQuery,
  span: { from: number; to: number } | undefined,
): { name: string; columns: { name: string; type: string }[]; rows: unknown[][] } {
  const groups = new Map<string, { keys: (string | number)[]; count: number; max: number }>();
  for (const row of rows) {
    const t = Date.parse(row.TimeGenerated);
    // The request's timespan is inclusive at both ends; the query's own bounds are half-open.
    if (span && (t < span.from || t > span.to)) continue;
    if (q.from !== undefined && t < q.from) continue;
    if (q.to !== undefined && t >= q.to) continue;
    if (q.appIds && !q.appIds.has(row.AppId.toLowerCase())) continue;
    const keys = q.by.map((col) => groupValue(row, col));
    const key = JSON.stringify(keys);
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.max = Math.max(g.max, t);
    } else groups.set(key, { keys, count: 1, max: t });
  }
  let out = [...groups.values()].map((g) => [...g.keys, g.count, new Date(g.max).toISOString()]);
  if (q.take !== undefined) out = out.slice(0, q.take);
  return {
    name: 'PrimaryResult',
    columns: [
      ...q.by.map((name) => ({ name, type: COLUMN_TYPES[name] ?? 'string' })),
      { name: q.countAs, type: 'long' },
      { name: q.maxAs, type: 'datetime' },
    ],
    rows: out,
  };
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 timespans, as the SDK sends them: `start/end`, `start/duration`, `duration/end`, or a
// duration ending now.

function parseTimespan(timespan: string): { from: number; to: number } | undefined {
  const [a = '', b] = timespan.split('/');
  if (b === undefined) {
    const d = parseDuration(a);
    return d === undefined ? undefined : { from: Date.now() - d, to: Date.now() };
  }
  const start = Date.parse(a);
  const end = Date.parse(b);
  if (!Number.isNaN(start) && !Number.isNaN(end)) return { from: start, to: end };
  if (!Number.isNaN(start)) {
    const d = parseDuration(b);
    return d === undefined ? undefined : { from: start, to: start + d };
  }
  const d = parseDuration(a);
  return d === undefined || Number.isNaN(end) ? undefined : { from: end - d, to: end };
}

/** `P1D`, `PT24H`, `P1DT12H30M`, `P2W`, in ms (years and months are not sent by the SDK). */
function parseDuration(text: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [, w = '0', d = '0', h = '0', min = '0', s = '0'] = m;
  return (
    ((Number(w) * 7 + Number(d)) * 24 * 3600 + Number(h) * 3600 + Number(min) * 60 + Number(s)) *
    1000
  );
}
