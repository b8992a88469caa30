/**
 * Classifies GitHub API errors once (STYLE.md §5): denied and plan-gated calls become coverage
 * gaps and the scan goes on; rate limits the throttling plugin gave up on become `failed` gaps;
 * bad credentials and anything unexpected fail loudly.
 *
 * GitHub answers 403 both for "not allowed" and for a rate limit; the latter carries
 * `x-ratelimit-remaining: 0` or `retry-after`, or says "rate limit" in its message. A 404 means
 * "not there or not visible to you", and is what plan-gated endpoints (the audit log without
 * GitHub Enterprise Cloud) return.
 */
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';

/** How a failed GitHub call is handled. */
export type GitHubErrorClass =
  | 'access-denied'
  | 'not-found'
  | 'unsupported'
  | 'throttled'
  | 'transient'
  | 'bad-credentials'
  /** Not reachable as configured: certificate, DNS, refused connection. */
  | 'unreachable'
  | 'fatal';

interface HttpLikeError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  code?: string;
}

/** The HTTP status of an Octokit error, if any. */
export function githubStatus(err: unknown): number | undefined {
  const s = (err as HttpLikeError | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/**
 * Network failures that retrying cannot fix: an untrusted or invalid certificate, a host that
 * does not resolve, a refused connection. Octokit reports them as status 500 without a response,
 * the Node error code deeper in the `cause` chain.
 */
const CONFIGURATION_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ENOTFOUND|ECONNREFUSED|EAI_NONAME|ERR_INVALID_URL/;

/** The first Node error code in an error's `cause` chain. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies an error from a GitHub call. */
export function classifyGitHubError(err: unknown): GitHubErrorClass {
  const e = (err ?? {}) as HttpLikeError;
  const status = githubStatus(err);
  if (!e.response) {
    const code = networkCode(err);
    if (code && CONFIGURATION_CODES.test(code)) return 'unreachable';
  }
  const headers = e.response?.headers ?? {};
  const message = e.message ?? '';
  if (status === 401) return 'bad-credentials';
  if (status === 429) return 'throttled';
  if (status === 403) {
    if (
      headers['x-ratelimit-remaining'] === '0' ||
      headers['retry-after'] ||
      /rate limit/i.test(message)
    )
      return 'throttled';
    return 'access-denied';
  }
  if (status === 404) return 'not-found';
  if (status === 410) return 'unsupported';
  if (status !== undefined && status >= 500) return 'transient';
  if (status === undefined && typeof e.code === 'string' && /^E[A-Z]+/.test(e.code))
    return 'transient';
  return 'fatal';
}

/** Short, secret-free description of an error: status and GitHub's message. */
export function describeGitHubError(err: unknown): string {
  const status = githubStatus(err);
  const raw = err instanceof Error ? err.message : String(err);
  const text = status !== undefined ? `${status} ${raw}` : raw;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** A call the scan cannot continue past: bad credentials. */
export class GitHubCredentialsError extends ConnectorError {
  constructor(api: string, options?: { cause?: unknown }) {
    super(
      `${api}: GitHub rejected the credentials (401). Check the token in LEASH_GITHUB_TOKEN or GITHUB_TOKEN, or the app id, private key and installation id.`,
      api,
      options,
    );
    this.name = 'GitHubCredentialsError';
  }
}

/** Options of {@link guardGitHub}. */
export interface GuardOptions {
  /** Record a 404 as an `unsupported` gap (plan-gated or org-level endpoints). Default true. */
  notFoundIsGap?: boolean;
}

/**
 * Runs one GitHub call for a scan: denied and (by default) not-found become a `saas` coverage
 * gap and `undefined`; rate limits and server errors that outlived the retries become a `failed`
 * gap; bad credentials and anything else are thrown as a ConnectorError naming the API.
 * @param api the call as `METHOD /route` (`GET /orgs/{org}/audit-log`)
 * @param scope the organization's scope (`host/org`), recorded as the gap's account
 */
export async function guardGitHub<T>(
  gaps: GapRecorder,
  api: string,
  scope: string,
  fn: () => Promise<T>,
  options: GuardOptions = {},
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const kind = classifyGitHubError(err);
    const detail = describeGitHubError(err);
    if (kind === 'access-denied') {
      gaps.add({ provider: 'saas', api, account: scope, reason: 'access-denied', detail });
      return undefined;
    }
    if (kind === 'unsupported' || (kind === 'not-found' && options.notFoundIsGap !== false)) {
      gaps.add({ provider: 'saas', api, account: scope, reason: 'unsupported', detail });
      return undefined;
    }
    if (kind === 'not-found') return undefined;
    if (kind === 'throttled' || kind === 'transient') {
      gaps.add({
        provider: 'saas',
        api,
        account: scope,
        reason: 'failed',
        detail: `gave up after retries: ${detail}`,
      });
      return undefined;
    }
    if (kind === 'bad-credentials') throw new GitHubCredentialsError(api, { cause: err });
    if (kind === 'unreachable')
      throw new GitHubUnreachableError(api, networkCode(err), { cause: err });
    throw new ConnectorError(`${api} failed: ${detail}`, api, { cause: err });
  }
}

/** GitHub cannot be reached as configured (certificate, DNS, connection): the scan stops. */
export class GitHubUnreachableError extends ConnectorError {
  constructor(api: string, code: string | undefined, options?: { cause?: unknown }) {
    super(
      `${api}: GitHub could not be reached (${code ?? 'network error'}). Check --github-base-url, and give --github-ca-file when the server's certificate comes from an internal CA or a TLS-inspecting proxy.`,
      api,
      options,
    );
    this.name = 'GitHubUnreachableError';
  }
}
