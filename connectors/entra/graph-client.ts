/**
 * A Microsoft Graph client for an app-only (non-interactive) connector: an `@azure/identity`
 * credential (client secret, certificate, or a client assertion such as an AWS-issued JWT behind a
 * federated identity credential) feeding the Graph SDK's `TokenCredentialAuthenticationProvider`,
 * with the SDK's middleware chain rebuilt so that retries can be tuned and tested.
 *
 * Retries: the SDK's own RetryHandler (3.0.7) already retries 429, 503 and 504 and honours
 * `Retry-After` (seconds or HTTP date, capped at 180 s), but its sleep cannot be replaced, so
 * tests would wait for real. `GraphRetryHandler` keeps the same rules with an injectable sleep;
 * `$batch` items use the same rule in graph-fetch.ts (the outer 200 hides their 429s from any
 * middleware). See https://learn.microsoft.com/graph/throttling.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  type TokenCredential,
} from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  type Context,
  type Middleware,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
// The sub-path has no package "exports" map, so ESM needs the file itself (a bare directory
// import fails at run time; microsoft-graph-docs-contrib#3323 is the CommonJS variant).
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { fetchTrusting } from '#connectors/shared/https-fetch.ts';

/** How the connector's app registration proves who it is. */
export type GraphAuth =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; certificatePath: string }
  | { kind: 'certificate'; certificatePem: string }
  | { kind: 'assertion'; getAssertion: () => Promise<string> };

/** Options of {@link createGraphClient}. */
export interface GraphClientOptions {
  tenantId: string;
  /** The app registration's application (client) id. */
  clientId: string;
  auth: GraphAuth;
  /** Microsoft Entra authority, default `https://login.microsoftonline.com`. Must be https. */
  authorityHost?: string;
  /** Graph root without version, default `https://graph.microsoft.com`. Must be https. */
  graphBaseUrl?: string;
  /** Token scope, default `https://graph.microsoft.com/.default`. */
  scope?: string;
  /** Retries of a throttled or unavailable request (429, 503, 504). Default 3, at most 10. */
  maxRetries?: number;
  /**
   * Extra CA certificate (PEM) trusted, besides the public roots, for both sign-in and Graph:
   * a TLS-inspecting proxy's CA, or the self-signed certificate of a loopback test server.
   */
  ca?: string;
  /** Waits between retries; injectable so tests never wait. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Longest wait before one retry (default 180 s). A throttled response asking for a longer
   * wait is returned as it is rather than retried early: for callers with a deadline (a
   * containment Lambda) a clear failure beats a timeout mid-call.
   */
  maxRetryWaitMs?: number;
}

/** A Graph client plus the retry settings its helpers (pages, batch) share. */
export interface GraphClient {
  /** The Graph SDK client: auth, retry and transport middleware already wired. */
  readonly sdk: Client;
  readonly maxRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** The signed-in credential, reused for other Azure APIs of the same app (Log Analytics). */
  readonly credential: TokenCredential;
}

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
const DEFAULT_GRAPH = 'https://graph.microsoft.com';
/** The SDK's RetryHandlerOptions cap (MAX_MAX_RETRIES). */
const MAX_RETRIES = 10;
/** The SDK's RetryHandlerOptions.MAX_DELAY: no single wait longer than 180 s. */
const MAX_DELAY_MS = 180_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Builds a Graph client for one tenant.
 * @throws when an authority or Graph URL is not https (MSAL and the Graph auth handler require it)
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const authorityHost = options.authorityHost ?? DEFAULT_AUTHORITY;
  const graphBaseUrl = (options.graphBaseUrl ?? DEFAULT_GRAPH).replace(/\/+$/, '');
  for (const u of [authorityHost, graphBaseUrl])
    if (new URL(u).protocol !== 'https:')
      throw new Error(`Graph and sign-in URLs must use https (got ${new URL(u).origin})`);
  const maxRetries = Math.min(options.maxRetries ?? 3, MAX_RETRIES);
  const sleep = options.sleep ?? realSleep;
  const ca = options.ca ? [...rootCertificates, options.ca] : undefined;

  const credential = createCredential(options, authorityHost, ca);
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [options.scope ?? `${DEFAULT_GRAPH}/.default`],
  });
  const fetchImpl = options.ca ? fetchTrusting(options.ca) : globalThis.fetch;
  // The SDK's default chain is Authentication → Retry → (Redirect) → Telemetry → HTTPMessage;
  // the same order, with our retry and a transport that can trust an extra CA.
  const middleware: Middleware[] = [
    new AuthenticationHandler(authProvider),
    new GraphRetryHandler(maxRetries, sleep, options.maxRetryWaitMs ?? MAX_DELAY_MS),
    new TelemetryHandler(),
    new FetchHandler(fetchImpl),
  ];
  const host = new URL(graphBaseUrl).hostname;
  const sdk = Client.initWithMiddleware({
    middleware,
    baseUrl: graphBaseUrl,
    defaultVersion: 'v1.0',
    // The auth handler attaches tokens only to Graph's own hosts or these custom ones.
    ...(host === 'graph.microsoft.com' ? {} : { customHosts: new Set([host]) }),
  });
  return { sdk, maxRetries, sleep, credential };
}

/** The @azure/identity credential for the chosen sign-in method. */
export function createCredential(
  options: GraphClientOptions,
  authorityHost: string,
  ca: string[] | undefined,
): TokenCredential {
  const common = {
    authorityHost,
    // Instance discovery asks login.microsoftonline.com about the authority, which fails (and
    // leaves the machine) for anything but Microsoft's own hosts.
    ...(authorityHost === DEFAULT_AUTHORITY ? {} : { disableInstanceDiscovery: true }),
    ...(ca ? { tlsOptions: { ca } } : {}),
  };
  const { tenantId, clientId, auth } = options;
  switch (auth.kind) {
    case 'secret':
      return new ClientSecretCredential(tenantId, clientId, auth.secret, common);
    case 'certificate': {
      // PEM with the private key and the certificate, as ClientCertificateCredential expects.
      const pem =
        'certificatePem' in auth ? auth.certificatePem : readFileSync(auth.certificatePath, 'utf8');
      return new ClientCertificateCredential(tenantId, clientId, { certificate: pem }, common);
    }
    case 'assertion':
      return new ClientAssertionCredential(tenantId, clientId, auth.getAssertion, common);
  }
}

/**
 * How long to wait before retrying a throttled or unavailable Graph request: `Retry-After`
 * (seconds or HTTP date) when given, else exponential backoff from 1 s with a little jitter, as
 * Microsoft recommends ("If the response doesn't provide a Retry-After header… exponential
 * backoff", https://learn.microsoft.com/graph/throttling). Never more than 180 s.
 * @param retryAfter the `Retry-After` header value, if any
 * @param attempt 1 for the first retry
 */
export function retryDelayMs(
  retryAfter: string | null | undefined,
  attempt: number,
  now: number = Date.now(),
): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.min(Math.max(0, ms), MAX_DELAY_MS);
  }
  const backoff = 1000 * 2 ** (Math.max(1, attempt) - 1) + Math.floor(Math.random() * 250);
  return Math.min(backoff, MAX_DELAY_MS);
}

/** Statuses Graph asks clients to retry (the SDK's RetryHandler.RETRY_STATUS_CODES). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Retries 429/503/504 like the SDK's RetryHandler, with an injectable sleep. */
export class GraphRetryHandler implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly maxRetries: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly maxWaitMs: number = MAX_DELAY_MS,
  ) {}

  async execute(context: Context): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.next!.execute(context);
      const res = context.response;
      if (
        !res ||
        !RETRY_STATUSES.has(res.status) ||
        attempt > this.maxRetries ||
        !replayable(context)
      )
        return;
      const delay = retryDelayMs(res.headers.get('Retry-After'), attempt);
      if (delay > this.maxWaitMs) return;
      // Free the socket before waiting; the body of a 429 is of no use.
      await res.body?.cancel();
      await this.sleep(delay);
      setHeader(context, 'Retry-Attempt', String(attempt));
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** A body streamed from a file or socket cannot be sent twice (the SDK skips those too). */
function replayable(context: Context): boolean {
  const body = context.options?.body;
  return body === undefined || body === null || typeof body === 'string';
}

function setHeader(context: Context, name: string, value: string): void {
  context.options ??= {};
  const options = context.options;
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else options.headers = { ...(headers as Record<string, string> | undefined), [name]: value };
}

/** Last link of the chain: sends the request with the given fetch. */
class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl: typeof fetch) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request, context.options as RequestInit);
  }
}
