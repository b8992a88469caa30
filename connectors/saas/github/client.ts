/**
 * A GitHub REST client for the connector: `@octokit/rest` with the throttling and retry plugins,
 * signed in as a GitHub App installation (preferred: short-lived installation tokens minted from
 * the app's private key by `@octokit/auth-app`, refreshed before they expire) or with a token,
 * against github.com or a GitHub Enterprise Server through its base URL.
 *
 * Limits (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api): a
 * primary limit per hour (5,000 for a token; 5,000 and up for an installation), answered with 403
 * or 429 and `x-ratelimit-remaining: 0` until `x-ratelimit-reset`; secondary limits on bursts
 * and concurrency, answered with 403 or 429 and `retry-after`. The throttling plugin waits and
 * retries both (up to `maxRetries`, never longer than `maxRateLimitWaitSeconds`), serializes
 * searches (2 s apart) and writes (1 s apart) as GitHub asks; the retry plugin retries 5xx.
 * Every HTTP exchange, retries and token exchanges included, is counted in `stats`.
 *
 * Tokens never reach a log: Octokit's own debug and info lines are dropped, and its request
 * errors carry the authorization header redacted.
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { fetchTrusting } from '#connectors/shared/https-fetch.ts';

/** How the connector proves who it is. */
export type GitHubAuth =
  | { kind: 'token'; token: string }
  | {
      kind: 'app';
      appId: string | number;
      /** The app's private key (PEM, PKCS#1 as GitHub issues it, or PKCS#8). */
      privateKey: string;
      /** The installation to act as; without it only the app's own routes (`/app/...`) work. */
      installationId?: number;
    };

/** Options of {@link createGitHubClient}. */
export interface GitHubClientOptions {
  auth: GitHubAuth;
  /** API root: `https://api.github.com` (default) or `https://HOST/api/v3` (Enterprise Server). */
  baseUrl?: string;
  /** Extra CA certificate (PEM) to trust besides the public roots. */
  ca?: string;
  /** Retries of one rate-limited or failed call. Default 3. */
  maxRetries?: number;
  /** Longest wait for a rate limit before giving up on a call, in seconds. Default 300. */
  maxRateLimitWaitSeconds?: number;
  /** Milliseconds per second GitHub asks to wait; tests shrink it. Default 1000. */
  retryAfterBaseMs?: number;
  /** `github` spaces searches and writes as GitHub asks (default); `none` for loopback tests. */
  pacing?: 'github' | 'none';
  /** One line per notable event (a rate limit hit). Never receives a token. */
  log?: (line: string) => void;
}

/** What a client has sent so far. */
export interface RequestStats {
  /** HTTP requests, retries and token exchanges included. */
  total: number;
  /** Responses that were a primary or secondary rate limit. */
  rateLimited: number;
  rateLimitRemaining: number | null;
  rateLimitLimit: number | null;
}

/** The Octokit class with the plugins the connector uses. */
export const LeashOctokit = Octokit.plugin(throttling, retry);
/** An Octokit instance of {@link LeashOctokit}. */
export type LeashOctokitClient = InstanceType<typeof LeashOctokit>;

/** A configured client. */
export interface GitHubClient {
  readonly octokit: LeashOctokitClient;
  readonly baseUrl: string;
  /** The API host as identities name it: `github.com`, or the server's host. */
  readonly host: string;
  readonly auth: GitHubAuth['kind'];
  /** The installation signed in as, for app auth. */
  readonly installationId: number | undefined;
  readonly stats: RequestStats;
}

const DEFAULT_BASE_URL = 'https://api.github.com';

/** How @octokit/plugin-request-log reports a request: `GET /orgs/x/repos - 403 with id … in 8ms`. */
const REQUEST_LOG_LINE = /^[A-Z]+ \S+ - \d{3} /;

/** The path of a URL or route, without query. */
function pathOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url, 'http://github.invalid').pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** A limiter group that lets every job through at once, in place of the plugin's pacing. */
const UNPACED = {
  key: () => ({
    schedule: (_options: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve(fn(...args)),
  }),
};

/**
 * Builds a client.
 * @throws when the base URL is not http(s)
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`--github-base-url must be an http(s) URL (got ${url.protocol})`);
  const host = url.hostname === 'api.github.com' ? 'github.com' : url.host;
  const log = options.log ?? (() => {});
  const maxRetries = options.maxRetries ?? 3;
  const maxWait = options.maxRateLimitWaitSeconds ?? 300;
  const base = options.retryAfterBaseMs ?? 1000;
  const stats: RequestStats = {
    total: 0,
    rateLimited: 0,
    rateLimitRemaining: null,
    rateLimitLimit: null,
  };
  const transport = options.ca ? fetchTrusting(options.ca) : globalThis.fetch;
  const counting: typeof fetch = async (input, init) => {
    stats.total++;
    const res = await transport(input, init);
    const remaining = res.headers.get('x-ratelimit-remaining');
    const limit = res.headers.get('x-ratelimit-limit');
    // Search has its own small per-minute budget; the hourly figure is the core one.
    if (res.headers.get('x-ratelimit-resource') !== 'search' && remaining !== null) {
      stats.rateLimitRemaining = Number(remaining);
      if (limit !== null) stats.rateLimitLimit = Number(limit);
    }
    if (
      res.status === 429 ||
      (res.status === 403 && (remaining === '0' || res.headers.has('retry-after')))
    )
      stats.rateLimited++;
    return res;
  };
  const onLimit =
    (kind: string) =>
    (retryAfter: number, opts: { method?: string; url?: string }, _o: unknown, count: number) => {
      // The path without its query; URLs never carry a token.
      const call = `${opts.method ?? ''} ${pathOf(opts.url)}`.trim();
      if (count < maxRetries && retryAfter <= maxWait) {
        log(`GitHub ${kind} rate limit on ${call}: retrying in ${retryAfter} s`);
        return true;
      }
      log(`GitHub ${kind} rate limit on ${call}: giving up after ${count} retries`);
      return false;
    };
  const auth = options.auth;
  const octokit = new LeashOctokit({
    baseUrl,
    userAgent: 'leash-github-connector',
    ...(auth.kind === 'token'
      ? { auth: auth.token }
      : {
          authStrategy: createAppAuth,
          auth: {
            appId: auth.appId,
            privateKey: auth.privateKey,
            ...(auth.installationId !== undefined ? { installationId: auth.installationId } : {}),
          },
        }),
    request: { fetch: counting },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: base,
      ...(options.pacing === 'none'
        ? // The plugin's group type is Bottleneck's; only `key(id).schedule` is ever called.
          ({ write: UNPACED, search: UNPACED, notifications: UNPACED } as unknown as object)
        : {}),
    },
    retry: { retries: maxRetries, retryAfterBaseValue: base },
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => log(`warning: ${m}`),
      // Failed requests are thrown to the caller, which records or reports them: the request
      // log's own line for each (`GET /path - 403 with id …`) would only repeat it.
      error: (m: string) => {
        if (!REQUEST_LOG_LINE.test(m)) log(`error: ${m}`);
      },
    },
  });
  return {
    octokit,
    baseUrl,
    host,
    auth: auth.kind,
    installationId: auth.kind === 'app' ? auth.installationId : undefined,
    stats,
  };
}
