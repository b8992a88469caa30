/**
 * Reading Microsoft Graph in bulk: every page of a collection, `$batch` fan-out, and the one
 * place where Graph errors are classified (STYLE.md §5): access denied and unsupported become
 * coverage gaps, throttling and transient faults are retried honouring `Retry-After`, an expired
 * page token restarts the listing, anything else fails loudly.
 * @see https://learn.microsoft.com/graph/paging
 * @see https://learn.microsoft.com/graph/json-batching
 */
import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import { type GraphClient, RETRY_STATUSES, retryDelayMs } from '#connectors/entra/graph-client.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, type ErrorClass } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';

/** One page of a Graph collection. */
export interface GraphPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** A request inside a `$batch`: `url` is relative to the version (`/servicePrincipals/{id}/owners`). */
export interface BatchRequest {
  id: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The answer to one batch item. */
export interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Graph allows at most 20 requests in one `$batch`. */
export const BATCH_LIMIT = 20;
/** Restarts of one listing after Directory_ExpiredPageToken before giving up. */
const MAX_RESTARTS = 3;

/**
 * Builds the SDK request for a path: relative (`/servicePrincipals`, default v1.0), with a
 * version prefix (`/beta/reports/...`), or an absolute `@odata.nextLink`.
 */
export function graphRequest(client: GraphClient, path: string): GraphRequest {
  if (/^https:\/\//i.test(path)) return client.sdk.api(path);
  const m = /^\/(v1\.0|beta)(\/.*)$/.exec(path);
  return m ? client.sdk.api(m[2]!).version(m[1]!) : client.sdk.api(path);
}

/** GETs one resource or page as JSON. Throws the SDK's GraphError on failure. */
export async function getJson<T>(client: GraphClient, path: string): Promise<T> {
  return (await graphRequest(client, path).get()) as T;
}

/**
 * Yields every item of a collection, following `@odata.nextLink` (the whole URL, as Graph asks).
 * On Directory_ExpiredPageToken the listing starts again from the first page and items already
 * yielded (by id) are skipped, so a consumer sees each object once.
 * @param options.firstPage an already fetched first page (from a `$batch` item); restarts then
 *   GET `path`, which must be that page's request
 */
export async function* pages<T extends { id?: string }>(
  client: GraphClient,
  path: string,
  options: { firstPage?: GraphPage<T> } = {},
): AsyncIterable<T> {
  const seen = new Set<string>();
  let first = options.firstPage;
  for (let restarts = 0; ; restarts++) {
    try {
      let page = first ?? (await getJson<GraphPage<T>>(client, path));
      for (;;) {
        for (const item of page.value ?? []) {
          if (typeof item.id === 'string') {
            if (seen.has(item.id)) continue;
            seen.add(item.id);
          }
          yield item;
        }
        const next = page['@odata.nextLink'];
        if (!next) return;
        page = await getJson<GraphPage<T>>(client, next);
      }
    } catch (err) {
      if (graphErrorCode(err) !== 'Directory_ExpiredPageToken' || restarts >= MAX_RESTARTS)
        throw err;
      first = undefined;
    }
  }
}

/** Collects {@link pages} into an array. */
export async function listAll<T extends { id?: string }>(
  client: GraphClient,
  path: string,
  options: { firstPage?: GraphPage<T> } = {},
): Promise<T[]> {
  const out: T[] = [];
  for await (const item of pages(client, path, options)) out.push(item);
  return out;
}

/**
 * Sends requests through `$batch`, 20 at a time. Items answered 429, 503 or 504 are sent again
 * in a later batch after the longest `Retry-After` among them (Graph throttles each item on its
 * own and answers the batch itself 200, so no middleware sees those 429s). Other statuses are
 * returned for the caller to judge.
 * @returns one response per request, in request order; a retried item that never succeeded
 *   keeps its last 429/503/504
 * @throws Error when two requests share an id
 */
export async function batch(
  client: GraphClient,
  requests: readonly BatchRequest[],
  options: { version?: 'v1.0' | 'beta'; concurrency?: number } = {},
): Promise<BatchResponse[]> {
  const byId = new Map<string, BatchRequest>();
  for (const r of requests) {
    if (byId.has(r.id)) throw new Error(`batch: duplicate request id ${r.id}`);
    byId.set(r.id, r);
  }
  const version = options.version ?? 'v1.0';
  const groups: BatchRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_LIMIT)
    groups.push(requests.slice(i, i + BATCH_LIMIT));
  const results = new Map<string, BatchResponse>();

  await mapLimit(groups, options.concurrency ?? 1, async (group) => {
    let pending = group;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const answer = (await graphRequest(client, `/${version}/$batch`).post({
        requests: pending.map(toBatchItem),
      })) as { responses?: RawBatchItem[] };
      const retry: BatchRequest[] = [];
      let wait = 0;
      const answered = new Set<string>();
      for (const item of answer.responses ?? []) {
        const request = byId.get(String(item.id));
        if (!request) continue;
        answered.add(request.id);
        const response = toBatchResponse(item);
        results.set(request.id, response);
        if (RETRY_STATUSES.has(response.status) && attempt <= client.maxRetries) {
          retry.push(request);
          wait = Math.max(wait, retryDelayMs(response.headers['retry-after'], attempt));
        }
      }
      // An item missing from the answer is sent again, as a transient fault.
      for (const r of pending)
        if (!answered.has(r.id)) {
          if (attempt <= client.maxRetries) retry.push(r);
          else results.set(r.id, { id: r.id, status: 503, headers: {}, body: undefined });
        }
      pending = retry;
      if (pending.length > 0) await client.sleep(wait || retryDelayMs(undefined, attempt));
    }
  });
  return requests.map((r) => results.get(r.id)!);
}

interface RawBatchItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function toBatchItem(r: BatchRequest): Record<string, unknown> {
  const item: Record<string, unknown> = { id: r.id, method: r.method ?? 'GET', url: r.url };
  if (r.body !== undefined) {
    item.body = r.body;
    item.headers = { 'Content-Type': 'application/json', ...r.headers };
  } else if (r.headers) item.headers = r.headers;
  return item;
}

function toBatchResponse(item: RawBatchItem): BatchResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return { id: String(item.id), status: Number(item.status), headers, body: item.body };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** HTTP status of a Graph SDK error (GraphError.statusCode), if any. */
export function graphStatus(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' && s > 0 ? s : undefined;
}

/** Graph error code (`Authorization_RequestDenied`), if any. */
export function graphErrorCode(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Graph error codes for a feature the tenant lacks (licence, cloud) rather than a permission. */
const UNSUPPORTED_CODES = new Set([
  'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
  'Request_UnsupportedQuery',
]);

/**
 * Classifies a Graph failure by status and error code.
 * @see https://learn.microsoft.com/graph/errors
 */
export function classifyGraph(
  status: number | undefined,
  code: string | undefined,
  message = '',
): ErrorClass {
  if (code && UNSUPPORTED_CODES.has(code)) return 'unsupported';
  // A segment the service does not know (a cast or report missing in this cloud or version).
  if (status === 400 && /Resource not found for the segment/i.test(message)) return 'unsupported';
  if (status === 401 || status === 403) return 'access-denied';
  if (status === 404) return 'not-found';
  if (status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'transient';
  return 'fatal';
}

/** Classifies a thrown Graph SDK error. */
export function classifyGraphError(err: unknown): ErrorClass {
  return classifyGraph(
    graphStatus(err),
    graphErrorCode(err),
    err instanceof Error ? err.message : '',
  );
}

/** The `error` object of a failed batch item. */
export function batchError(r: BatchResponse): { code?: string; message?: string } {
  const e = (r.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return {
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.message === 'string' ? { message: e.message } : {}),
  };
}

/** Short, secret-free text of a Graph failure: status, code and message (Graph never echoes tokens). */
export function describeGraph(status: number | undefined, code?: string, message?: string): string {
  const text = [status ? `HTTP ${status}` : undefined, code, message].filter(Boolean).join(': ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text || 'unknown error';
}

/**
 * Runs one Graph call for a scan: access denied and unsupported become an `entra` coverage gap
 * and `undefined`; throttling or unavailability that outlasted the retries becomes a `failed`
 * gap; anything else is rethrown as a ConnectorError naming the API.
 * @param api the call as `METHOD /path/{id}` (`GET /servicePrincipals/{id}/owners`)
 */
export async function guardGraph<T>(
  gaps: GapRecorder,
  api: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const kind = classifyGraphError(err);
    const detail = describeGraph(
      graphStatus(err),
      graphErrorCode(err),
      err instanceof Error ? err.message : String(err),
    );
    if (kind === 'access-denied' || kind === 'unsupported') {
      gaps.add({ provider: 'entra', api, reason: kind, detail });
      return undefined;
    }
    if (kind === 'throttled' || kind === 'transient') {
      gaps.add({
        provider: 'entra',
        api,
        reason: 'failed',
        detail: `gave up after retries: ${detail}`,
      });
      return undefined;
    }
    throw new ConnectorError(`${api} failed: ${detail}`, api, { cause: err });
  }
}
