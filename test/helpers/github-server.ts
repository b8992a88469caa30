/**
 * A loopback server that speaks enough of the GitHub REST API for the integration tests and the
 * benchmark: the real `@octokit/rest` client (with its throttling and retry plugins and
 * `@octokit/auth-app`) talks to it over HTTP on 127.0.0.1, so app JWTs, installation token
 * exchange, Link-header paging, rate limits and errors go through the same code as against
 * api.github.com.
 *
 * What it models:
 * - Auth: `bearer <JWT>` signed RS256 by an app's private key (verified with the app's public
 *   key: `iss` is the app id, `exp` in the future and at most 10 minutes after `iat`) for
 *   `/app/...` routes and the installation lookup; `token ghs_…` installation tokens minted by
 *   `POST /app/installations/{id}/access_tokens`; personal tokens listed in the data. Anything
 *   else is 401 Bad credentials. A suspended installation can mint no token and its tokens get 403.
 * - Page-based Link headers (`page`, `per_page` up to 100) and, for the audit log, cursors
 *   (`after`), as GitHub does.
 * - Rate limits: `x-ratelimit-*` headers on every response, counted per credential; fault
 *   switches answer the next requests with a primary limit (403 or 429, `x-ratelimit-remaining:
 *   0`, `x-ratelimit-reset`) or a secondary limit (403 or 429, `retry-after`, "secondary rate
 *   limit" in the message).
 * - Plan gating: the organization audit log answers 404 unless the plan is `enterprise`; the
 *   fine-grained token endpoints answer 403 to anything but a GitHub App installation token.
 * - Writes: revoke a token grant, delete and create deploy keys, suspend and unsuspend an
 *   installation; the state changes are visible in `data`.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A repository with its files, deploy keys and OIDC setting. */
export interface RepoData {
  id: number;
  name: string;
  private: boolean;
  archived: boolean;
  default_branch: string;
  pushed_at: string;
  /** Path → text of the default branch's files that code search and contents serve. */
  files: Record<string, string>;
  keys: DeployKeyData[];
  oidc?: { use_default: boolean; include_claim_keys?: string[] };
}

/** A deploy key as GitHub stores it. */
export interface DeployKeyData {
  id: number;
  key: string;
  title: string;
  read_only: boolean;
  created_at: string;
  last_used: string | null;
  added_by: string | null;
  verified: boolean;
  enabled: boolean;
}

/** An app the server knows, with the public key its JWTs are verified against. */
export interface AppData {
  id: number;
  slug: string;
  publicKeyPem: string;
}

/** An installation of an app on the organization. */
export interface InstallationData {
  id: number;
  app_id: number;
  app_slug: string;
  permissions: Record<string, string>;
  repository_selection: 'all' | 'selected';
  /** Names of the selected repositories. */
  repositories: string[];
  events: string[];
  created_at: string;
  updated_at: string;
  suspended_at: string | null;
  suspended_by: { login: string } | null;
}

/** A fine-grained token grant or request, as listed, plus its repositories. */
export interface TokenData {
  id: number;
  owner: { login: string; id: number; type: 'User' };
  repository_selection: 'none' | 'all' | 'subset';
  permissions: {
    organization?: Record<string, string>;
    repository?: Record<string, string>;
    other?: Record<string, string>;
  };
  token_id: number;
  token_name: string;
  token_expired: boolean;
  token_expires_at: string | null;
  token_last_used_at: string | null;
  /** Grants only. */
  access_granted_at?: string;
  /** Requests only. */
  reason?: string | null;
  created_at?: string;
  repositories: string[];
}

/** Everything the organization holds, as the API returns it. */
export interface GitHubOrgData {
  org: string;
  /** `enterprise` (GitHub Enterprise Cloud: the audit log API exists) or `team` (404). */
  plan: 'enterprise' | 'team';
  repositories: RepoData[];
  apps: AppData[];
  installations: InstallationData[];
  tokens: TokenData[];
  tokenRequests: TokenData[];
  /** Newest first, as GitHub returns them. */
  auditLog: Record<string, unknown>[];
  oidcClaimKeys: string[];
  /** Personal access tokens accepted as `token` credentials: value → user login. */
  personalTokens: Record<string, string>;
}

/** One request the server answered. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  /** The kind of credential presented. */
  auth: 'jwt' | 'installation' | 'personal' | 'none' | 'invalid';
}

/** A path to fault: exact (`{x}` matches one segment) or a RegExp, without the query. */
export type PathPattern = string | RegExp;

/** A running loopback GitHub. */
export interface GitHubServer {
  /** `http://127.0.0.1:PORT` (or https with `tls`): the API base URL. */
  readonly url: string;
  /** Current state; writes through the API show here. */
  readonly data: GitHubOrgData;
  readonly requests: LoggedRequest[];
  /** Installation tokens minted so far. */
  readonly issuedTokens: readonly string[];
  /**
   * Answers the next `times` requests (on `path`, or any) with a primary rate limit: 403 (or
   * 429) and `x-ratelimit-remaining: 0`, reset `resetInSeconds` from now.
   */
  primaryRateLimit(options: {
    times: number;
    resetInSeconds?: number;
    status?: 403 | 429;
    path?: PathPattern;
  }): void;
  /** Answers the next `times` requests with a secondary rate limit and `retry-after`. */
  secondaryRateLimit(options: {
    times: number;
    retryAfterSeconds?: number;
    status?: 403 | 429;
    path?: PathPattern;
  }): void;
  /** Answers 403 "Resource not accessible by integration" on the path (every time unless `times`). */
  deny(path: PathPattern, options?: { times?: number }): void;
  /** Answers 5xx to the next `times` requests on the path. */
  unavailable(path: PathPattern, options: { times: number; status?: 500 | 502 | 503 }): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** Options of the server. */
export interface GitHubServerOptions {
  /** Requests per hour per credential (`x-ratelimit-limit`). Default 5000. */
  rateLimitPerHour?: number;
  /**
   * Serve HTTPS with this certificate (e.g. `selfSignedCertificate` of graph-server.ts), as a
   * GitHub Enterprise Server behind an internal CA: the client must trust it (`ca`).
   */
  tls?: { certificatePem: string; privateKeyPem: string };
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Caller {
  kind: LoggedRequest['auth'];
  /** Rate-limit bucket. */
  key: string;
  appId?: number;
  installationId?: number;
  login?: string;
}

interface Fault {
  match: (path: string) => boolean;
  kind: 'primary' | 'secondary' | 'deny' | 'unavailable';
  remaining: number;
  status: number;
  seconds: number;
}

const DOCS = 'https://docs.github.com/rest';
const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});
const message = (status: number, text: string, headers?: Record<string, string>) =>
  json(status, { message: text, documentation_url: DOCS, status: String(status) }, headers);
const notFound = () => message(404, 'Not Found');

function matcher(p: PathPattern | undefined): (path: string) => boolean {
  if (p === undefined) return () => true;
  if (p instanceof RegExp) return (path) => p.test(path);
  const re = new RegExp(
    `^${p
      .split(/\{[^}]+\}/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );
  return (path) => re.test(path);
}

function b64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Starts the server on a free loopback port.
 * @param org the organization to serve; it is copied, so one built org can serve many servers
 */
export async function startGitHubServer(
  org: GitHubOrgData,
  options: GitHubServerOptions = {},
): Promise<GitHubServer> {
  const data = structuredClone(org);
  const limit = options.rateLimitPerHour ?? 5000;
  const resetAt = Math.floor(Date.now() / 1000) + 3600;
  const used = new Map<string, number>();
  const installationTokens = new Map<
    string,
    { installationId: number; appId: number; expires: number }
  >();
  const issued: string[] = [];
  const requests: LoggedRequest[] = [];
  let faults: Fault[] = [];
  let url = '';
  let nextKeyId = 1_000_000;

  const repoByName = () => new Map(data.repositories.map((r) => [r.name, r]));

  function authenticate(header: string | undefined): Caller | Reply {
    if (!header) return { kind: 'none', key: 'anonymous' };
    const [scheme, value = ''] = header.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme ?? '') && value.split('.').length === 3) {
      const [h, p, sig] = value.split('.') as [string, string, string];
      const payload = b64urlJson(p);
      const head = b64urlJson(h);
      const app = data.apps.find((a) => String(a.id) === String(payload?.iss));
      if (!payload || head?.alg !== 'RS256' || !app)
        return message(401, 'A JSON web token could not be decoded');
      const ok = verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        createPublicKey(app.publicKeyPem),
        Buffer.from(sig, 'base64url'),
      );
      const now = Date.now() / 1000;
      const exp = Number(payload.exp);
      const iat = Number(payload.iat);
      if (!ok) return message(401, 'A JSON web token could not be decoded');
      if (!(exp > now) || exp - iat > 600 + 60)
        return message(401, "'Expiration time' claim ('exp') is too far in the future");
      return { kind: 'jwt', key: `app:${app.id}`, appId: app.id };
    }
    const inst = installationTokens.get(value);
    if (inst) {
      if (inst.expires < Date.now()) return message(401, 'Bad credentials');
      return {
        kind: 'installation',
        key: `installation:${inst.installationId}`,
        installationId: inst.installationId,
        appId: inst.appId,
      };
    }
    const login = data.personalTokens[value];
    if (login) return { kind: 'personal', key: `user:${login}`, login };
    return message(401, 'Bad credentials');
  }

  function rateHeaders(caller: Caller, resource: string): Record<string, string> {
    const n = (used.get(`${caller.key}:${resource}`) ?? 0) + 1;
    used.set(`${caller.key}:${resource}`, n);
    const lim = resource === 'search' ? 10 : limit;
    return {
      'x-ratelimit-limit': String(lim),
      'x-ratelimit-remaining': String(Math.max(0, lim - n)),
      'x-ratelimit-reset': String(resetAt),
      'x-ratelimit-used': String(n),
      'x-ratelimit-resource': resource,
    };
  }

  function applyFault(path: string): Reply | undefined {
    for (const f of faults) {
      if (f.remaining <= 0 || !f.match(path)) continue;
      f.remaining--;
      switch (f.kind) {
        case 'primary':
          return message(
            f.status,
            'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.',
            {
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + f.seconds),
            },
          );
        case 'secondary':
          return message(
            f.status,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            { 'retry-after': String(f.seconds) },
          );
        case 'deny':
          return message(403, 'Resource not accessible by integration');
        case 'unavailable':
          return message(f.status, 'Server Error');
      }
    }
    return undefined;
  }

  /** One page of a list, with GitHub's Link header. */
  function page(req: URL, items: unknown[], wrap?: (slice: unknown[]) => unknown): Reply {
    const perPage = Math.min(100, Math.max(1, Number(req.searchParams.get('per_page') ?? 30)));
    const n = Math.max(1, Number(req.searchParams.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((n - 1) * perPage, n * perPage);
    const link = (p: number) => {
      const u = new URL(req.href);
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return u.href;
    };
    const links: string[] = [];
    if (n < last) links.push(`<${link(n + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (n > 1) links.push(`<${link(1)}>; rel="first"`, `<${link(n - 1)}>; rel="prev"`);
    return json(200, wrap ? wrap(slice) : slice, links.length ? { link: links.join(', ') } : {});
  }

  function installationJson(i: InstallationData) {
    const { repositories: _repos, ...rest } = i;
    return {
      ...rest,
      account: { login: data.org, id: 1, type: 'Organization' },
      target_type: 'Organization',
      target_id: 1,
      access_tokens_url: `${url}/app/installations/${i.id}/access_tokens`,
      repositories_url: `${url}/installation/repositories`,
      html_url: `https://github.com/organizations/${data.org}/settings/installations/${i.id}`,
      single_file_name: null,
    };
  }

  function tokenJson(t: TokenData) {
    const { repositories: _r, ...rest } = t;
    return {
      ...rest,
      repositories_url: `${url}/orgs/${data.org}/personal-access-tokens/${t.id}/repositories`,
    };
  }

  function repoJson(r: RepoData) {
    return {
      id: r.id,
      node_id: `R_${r.id}`,
      name: r.name,
      full_name: `${data.org}/${r.name}`,
      private: r.private,
      archived: r.archived,
      fork: false,
      default_branch: r.default_branch,
      pushed_at: r.pushed_at,
      owner: { login: data.org, id: 1, type: 'Organization' },
    };
  }

  function searchCode(q: string): { repo: RepoData; path: string }[] {
    const tokens = q.match(/"[^"]*"|\S+/g) ?? [];
    let orgQ: string | undefined;
    let filename: string | undefined;
    let pathQ: string | undefined;
    let extension: string | undefined;
    const groups: string[][] = [[]];
    let or = false;
    for (const t of tokens) {
      const [k, ...v] = t.split(':');
      const value = v.join(':');
      if (k === 'org' && value) orgQ = value;
      else if (k === 'filename' && value) filename = value;
      else if (k === 'path' && value) pathQ = value;
      else if (k === 'extension' && value) extension = value;
      else if (t === 'OR') or = true;
      else groups[groups.length - 1]!.push(t.replace(/^"|"$/g, '').toLowerCase());
    }
    // Bare terms are ANDed; `OR` joins them into alternatives.
    const terms = groups[0]!;
    const hits: { repo: RepoData; path: string }[] = [];
    if (orgQ && orgQ.toLowerCase() !== data.org.toLowerCase()) return hits;
    for (const repo of data.repositories)
      for (const [path, text] of Object.entries(repo.files)) {
        const base = path.split('/').pop()!;
        if (filename && base !== filename) continue;
        if (pathQ && !path.startsWith(pathQ.replace(/^\/+/, ''))) continue;
        if (extension && !base.endsWith(`.${extension}`)) continue;
        const lower = text.toLowerCase();
        const ok = or
          ? terms.some((t) => lower.includes(t))
          : terms.every((t) => lower.includes(t));
        if (ok) hits.push({ repo, path });
      }
    return hits;
  }

  function auditPage(req: URL): Reply {
    const phrase = req.searchParams.get('phrase') ?? '';
    const since = /created:>=(\d{4}-\d{2}-\d{2})/.exec(phrase)?.[1];
    const from = since ? Date.parse(`${since}T00:00:00Z`) : Date.now() - 90 * 86_400_000;
    const events = data.auditLog.filter((e) => Number(e['@timestamp']) >= from);
    const perPage = Math.min(100, Math.max(1, Number(req.searchParams.get('per_page') ?? 30)));
    const after = Number(req.searchParams.get('after') ?? 0);
    const slice = events.slice(after, after + perPage);
    const headers: Record<string, string> = {};
    if (after + perPage < events.length) {
      const u = new URL(req.href);
      u.searchParams.set('after', String(after + perPage));
      headers.link = `<${u.href}>; rel="next"`;
    }
    return json(200, slice, headers);
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (chunks.length === 0) return {};
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  async function route(req: IncomingMessage, u: URL, caller: Caller): Promise<Reply> {
    const method = req.method ?? 'GET';
    const path = u.pathname;
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    const orgOk = (o: string | undefined) => o?.toLowerCase() === data.org.toLowerCase();
    const needApp = () =>
      caller.kind === 'jwt' ? undefined : message(401, 'A JSON web token could not be decoded');
    const needInstallationOrUser = () =>
      caller.kind === 'installation' || caller.kind === 'personal'
        ? undefined
        : message(
            caller.kind === 'jwt' ? 403 : 401,
            caller.kind === 'jwt'
              ? 'Resource not accessible by integration'
              : 'Requires authentication',
          );

    // --- the app itself (JWT)
    if (seg[0] === 'app' && seg[1] === 'installations' && seg[2]) {
      const denied = needApp();
      if (denied) return denied;
      const inst = data.installations.find((i) => i.id === Number(seg[2]));
      if (!inst || inst.app_id !== caller.appId) return notFound();
      if (seg[3] === 'access_tokens' && method === 'POST') {
        if (inst.suspended_at) return message(403, 'This installation has been suspended');
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        installationTokens.set(token, {
          installationId: inst.id,
          appId: inst.app_id,
          expires: Date.now() + 3_600_000,
        });
        issued.push(token);
        return json(201, {
          token,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: inst.permissions,
          repository_selection: inst.repository_selection,
        });
      }
      if (seg[3] === 'suspended' && method === 'PUT') {
        inst.suspended_at = new Date().toISOString();
        inst.suspended_by = { login: `${inst.app_slug}[bot]` };
        return { status: 204 };
      }
      if (seg[3] === 'suspended' && method === 'DELETE') {
        if (!inst.suspended_at) return message(404, 'Not Found');
        inst.suspended_at = null;
        inst.suspended_by = null;
        return { status: 204 };
      }
      if (!seg[3] && method === 'GET') return json(200, installationJson(inst));
      return notFound();
    }
    if (seg[0] === 'orgs' && seg[2] === 'installation' && seg.length === 3) {
      const denied = needApp();
      if (denied) return denied;
      const inst = orgOk(seg[1])
        ? data.installations.find((i) => i.app_id === caller.appId)
        : undefined;
      return inst ? json(200, installationJson(inst)) : notFound();
    }
    const denied = needInstallationOrUser();
    if (denied) return denied;
    if (caller.kind === 'installation') {
      const inst = data.installations.find((i) => i.id === caller.installationId);
      if (inst?.suspended_at) return message(403, 'This installation has been suspended');
    }

    if (seg[0] === 'installation' && seg[1] === 'repositories' && method === 'GET') {
      const inst = data.installations.find((i) => i.id === caller.installationId);
      if (!inst) return message(403, 'Resource not accessible by personal access token');
      const repos = data.repositories.filter(
        (r) => inst.repository_selection === 'all' || inst.repositories.includes(r.name),
      );
      return page(u, repos.map(repoJson), (slice) => ({
        total_count: repos.length,
        repositories: slice,
      }));
    }

    if (seg[0] === 'orgs') {
      if (!orgOk(seg[1])) return notFound();
      const rest = seg.slice(2);
      if (rest[0] === 'repos' && rest.length === 1 && method === 'GET')
        return page(u, data.repositories.map(repoJson));
      if (rest[0] === 'installations' && rest.length === 1 && method === 'GET')
        return page(u, data.installations.map(installationJson), (slice) => ({
          total_count: data.installations.length,
          installations: slice,
        }));
      if (rest[0] === 'personal-access-tokens' || rest[0] === 'personal-access-token-requests') {
        if (caller.kind !== 'installation')
          return message(403, 'Resource not accessible by personal access token');
        const list = rest[0] === 'personal-access-tokens' ? data.tokens : data.tokenRequests;
        if (rest.length === 1 && method === 'GET') return page(u, list.map(tokenJson));
        const item = list.find((t) => t.id === Number(rest[1]));
        if (!item) return notFound();
        if (rest[2] === 'repositories' && method === 'GET')
          return page(
            u,
            data.repositories.filter((r) => item.repositories.includes(r.name)).map(repoJson),
          );
        if (rest.length === 2 && method === 'POST' && rest[0] === 'personal-access-tokens') {
          const body = await readBody(req);
          if (body.action !== 'revoke')
            return message(422, 'Invalid request. action must be revoke');
          data.tokens = data.tokens.filter((t) => t.id !== item.id);
          return { status: 204 };
        }
        return notFound();
      }
      if (rest.join('/') === 'actions/oidc/customization/sub' && method === 'GET')
        return json(200, { include_claim_keys: data.oidcClaimKeys });
      if (rest[0] === 'audit-log' && method === 'GET') {
        if (data.plan !== 'enterprise') return notFound();
        return auditPage(u);
      }
      return notFound();
    }

    if (seg[0] === 'repos' && seg[3]) {
      if (!orgOk(seg[1])) return notFound();
      const repo = repoByName().get(seg[2]!);
      if (!repo) return notFound();
      const rest = seg.slice(3);
      if (rest[0] === 'keys') {
        if (rest.length === 1 && method === 'GET') return page(u, repo.keys);
        if (rest.length === 1 && method === 'POST') {
          const body = await readBody(req);
          const key = String(body.key ?? '').trim();
          if (!/^ssh-(ed25519|rsa) [A-Za-z0-9+/=]+/.test(key))
            return message(
              422,
              'Validation Failed: key is invalid. You must supply a key in OpenSSH public key format',
            );
          if (repo.keys.some((k) => k.key.split(' ')[1] === key.split(' ')[1]))
            return message(422, 'Validation Failed: key is already in use');
          const created: DeployKeyData = {
            id: nextKeyId++,
            key: key.split(' ').slice(0, 2).join(' '),
            title: String(body.title ?? ''),
            read_only: body.read_only !== false,
            created_at: new Date().toISOString(),
            last_used: null,
            added_by: caller.login ?? 'leash-scanner[bot]',
            verified: true,
            enabled: true,
          };
          repo.keys.push(created);
          return json(201, created);
        }
        const key = repo.keys.find((k) => k.id === Number(rest[1]));
        if (!key) return notFound();
        if (method === 'GET') return json(200, key);
        if (method === 'DELETE') {
          repo.keys = repo.keys.filter((k) => k.id !== key.id);
          return { status: 204 };
        }
        return notFound();
      }
      if (rest[0] === 'contents' && method === 'GET') {
        const filePath = rest.slice(1).join('/');
        const text = repo.files[filePath];
        if (text === undefined) return notFound();
        const content = Buffer.from(text, 'utf8').toString('base64');
        return json(200, {
          type: 'file',
          encoding: 'base64',
          size: Buffer.byteLength(text),
          name: filePath.split('/').pop(),
          path: filePath,
          sha: randomBytes(20).toString('hex'),
          content: content.replace(/(.{60})/g, '$1\n'),
        });
      }
      if (rest.join('/') === 'actions/oidc/customization/sub' && method === 'GET')
        return json(200, repo.oidc ?? { use_default: true });
      return notFound();
    }

    if (seg[0] === 'search' && seg[1] === 'code' && method === 'GET') {
      const q = u.searchParams.get('q') ?? '';
      if ((q.match(/\b(AND|OR|NOT)\b/g) ?? []).length > 5) return message(422, 'Validation Failed');
      const hits = searchCode(q).map((h) => ({
        name: h.path.split('/').pop(),
        path: h.path,
        sha: randomBytes(20).toString('hex'),
        url: `${url}/repos/${data.org}/${h.repo.name}/contents/${h.path}`,
        html_url: `https://github.com/${data.org}/${h.repo.name}/blob/${h.repo.default_branch}/${h.path}`,
        repository: repoJson(h.repo),
        score: 1,
      }));
      return page(u, hits, (slice) => ({
        total_count: hits.length,
        incomplete_results: false,
        items: slice,
      }));
    }
    return notFound();
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', url);
    const send = (reply: Reply, auth: LoggedRequest['auth']) => {
      requests.push({
        method: req.method ?? 'GET',
        path: u.pathname,
        query: u.search,
        status: reply.status,
        auth,
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'x-github-api-version-selected': '2022-11-28',
        ...(reply.headers ?? {}),
      };
      res.writeHead(reply.status, headers);
      res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    };
    void (async () => {
      const caller = authenticate(req.headers.authorization);
      if ('status' in caller) return send(caller, 'invalid');
      const resource = u.pathname.startsWith('/search/') ? 'search' : 'core';
      const rate = rateHeaders(caller, resource);
      const fault = applyFault(u.pathname);
      if (fault) return send({ ...fault, headers: { ...rate, ...fault.headers } }, caller.kind);
      if (
        Number(rate['x-ratelimit-remaining']) <= 0 &&
        Number(rate['x-ratelimit-used']) > Number(rate['x-ratelimit-limit'])
      )
        return send(
          message(403, 'API rate limit exceeded.', { ...rate, 'x-ratelimit-remaining': '0' }),
          caller.kind,
        );
      const reply = await route(req, u, caller);
      send({ ...reply, headers: { ...rate, ...(reply.headers ?? {}) } }, caller.kind);
    })().catch((err: unknown) => {
      send(
        message(500, `loopback server error: ${err instanceof Error ? err.message : String(err)}`),
        'none',
      );
    });
  };
  const server = options.tls
    ? createTlsServer({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get url() {
      return url;
    },
    data,
    requests,
    issuedTokens: issued,
    primaryRateLimit: (o) =>
      faults.push({
        match: matcher(o.path),
        kind: 'primary',
        remaining: o.times,
        status: o.status ?? 403,
        seconds: o.resetInSeconds ?? 1,
      }),
    secondaryRateLimit: (o) =>
      faults.push({
        match: matcher(o.path),
        kind: 'secondary',
        remaining: o.times,
        status: o.status ?? 403,
        seconds: o.retryAfterSeconds ?? 1,
      }),
    deny: (p, o) =>
      faults.push({
        match: matcher(p),
        kind: 'deny',
        remaining: o?.times ?? Number.POSITIVE_INFINITY,
        status: 403,
        seconds: 0,
      }),
    unavailable: (p, o) =>
      faults.push({
        match: matcher(p),
        kind: 'unavailable',
        remaining: o.times,
        status: o.status ?? 503,
        seconds: 0,
      }),
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
