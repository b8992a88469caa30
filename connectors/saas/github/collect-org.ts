/**
 * Inventories a GitHub organization through the REST API: repositories, app installations,
 * approved fine-grained personal access tokens and pending requests (with their repositories),
 * the Actions OIDC `sub` template, the audit log over the window (where the plan offers it),
 * every repository's deploy keys, and the AI agents in code (code search, then the contents API
 * to confirm each candidate file), all within a request budget.
 *
 * Order and cost for an organization of R repositories: R/100 pages of repositories, one page of
 * installations, the token grants and requests (plus one listing per token limited to a subset
 * of repositories), one call for the OIDC template, the audit log at 100 events a page, then R
 * deploy-key listings (bounded concurrency), then about 8 code searches and up to `filesToRead`
 * file reads. The optional parts (audit log pages beyond the cap, code search, file reads) stop
 * when the budget or the rate limit's remainder runs low, and say so.
 *
 * Permissions needed, read-only (a GitHub App installation; a token can read all but the token
 * grants, which only apps may list): organization Administration (installations, audit log,
 * OIDC template), Personal access tokens and Personal access token requests; repository
 * Administration (deploy keys), Contents (code search and file reads) and Metadata.
 * @see https://docs.github.com/rest/orgs/personal-access-tokens
 */

import type { GitHubClient } from '#connectors/saas/github/client.ts';
import {
  classifyGitHubError,
  describeGitHubError,
  GitHubCredentialsError,
  GitHubUnreachableError,
  guardGitHub,
  networkCode,
} from '#connectors/saas/github/errors.ts';
import {
  type RawAuditEvent,
  type RawDeployKey,
  type RawInstallation,
  type RawRepository,
  type RawTokenGrant,
  type RawTokenRequest,
  toAuditEvent,
  toDeployKey,
  toInstallation,
  toRepository,
  toTokenGrant,
  toTokenRequest,
} from '#connectors/saas/github/shape.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import type { TimeWindow } from '#core/engine/usage.ts';
import {
  codeSearchQueries,
  detectAgentSignals,
  roleArnsInWorkflow,
  type SearchKind,
} from '#core/saas/github/agents-in-code.ts';
import {
  type AgentSignal,
  type GitHubAuditEvent,
  type GitHubAuditLog,
  type GitHubDeployKey,
  type GitHubInventory,
  githubScope,
  type WorkflowRole,
} from '#core/saas/github/model.ts';

/** Options of {@link collectGitHubOrg}. */
export interface CollectOrgOptions {
  org: string;
  window: TimeWindow;
  gaps: GapRecorder;
  /** One line per step, for a person watching. Counts only; never tokens. */
  log?: (line: string) => void;
  /** Calls in flight at once (deploy keys, file reads). Default 8. */
  concurrency?: number;
  /**
   * Most HTTP requests the scan may make, retries included. Default 4,000: within the 5,000 per
   * hour a token gets, leaving room for whatever else uses it.
   */
  requestBudget?: number;
  /** Requests kept back from the rate limit's remainder: optional parts stop below it. Default 100. */
  reserve?: number;
  /** Most audit-log pages (100 events each). Default 500. */
  auditLogPages?: number;
  /** Search code for AI agents. Default true. */
  codeSearch?: boolean;
  /** Most pages per code search query (100 hits each). Default 3. */
  searchPages?: number;
  /** Most candidate files read to confirm agent signals. Default 200. */
  filesToRead?: number;
}

const PER_PAGE = 100;
/** GitHub's contents API serves files up to 1 MB inline; manifests are far smaller. */
const MAX_FILE_BYTES = 1_000_000;
/** Deploy-key listings denied in a row, with none allowed, before the rest are skipped. */
const DENIED_IN_A_ROW = 10;

/**
 * Collects an organization.
 * @throws ConnectorError when the credentials are rejected or a call fails in a way that is not
 *   a coverage gap
 */
export async function collectGitHubOrg(
  client: GitHubClient,
  options: CollectOrgOptions,
): Promise<GitHubInventory> {
  const { org, gaps } = options;
  const { octokit } = client;
  const log = options.log ?? (() => {});
  const scope = githubScope(client.host, org);
  const concurrency = options.concurrency ?? 8;
  const budget = options.requestBudget ?? 4000;
  const reserve = options.reserve ?? 100;
  const guard = <T>(api: string, fn: () => Promise<T>, notFoundIsGap = true) =>
    guardGitHub(gaps, api, scope, fn, { notFoundIsGap });
  /** Whether an optional step may still spend `n` requests. */
  const affordable = (n = 1) =>
    client.stats.total + n <= budget &&
    (client.stats.rateLimitRemaining === null || client.stats.rateLimitRemaining - n >= reserve);

  log(`Scanning GitHub organization ${org} on ${client.host}`);
  const before = gaps.gaps.length;
  const repositories = await guard(
    'GET /orgs/{org}/repos',
    () => octokit.paginate('GET /orgs/{org}/repos', { org, type: 'all', per_page: PER_PAGE }),
    false,
  );
  // Not found, and not denied or given up on: there is no such organization for this
  // credential, and every other call would say the same.
  if (repositories === undefined && gaps.gaps.length === before)
    throw new ConnectorError(
      `GitHub organization ${org} was not found on ${client.host}, or this credential cannot see it`,
      'GET /orgs/{org}/repos',
    );
  const repos = ((repositories ?? []) as RawRepository[]).map(toRepository);

  const rawInstallations = await guard('GET /orgs/{org}/installations', () =>
    octokit.paginate('GET /orgs/{org}/installations', { org, per_page: PER_PAGE }),
  );
  const installations = (rawInstallations as RawInstallation[] | undefined)?.map((i) =>
    toInstallation(i, client.installationId),
  );
  // GitHub lists an installation's selected repositories only to the app itself.
  const self = installations?.find((i) => i.self && i.repositorySelection === 'selected');
  if (self) {
    const mine = await guard('GET /installation/repositories', () =>
      octokit.paginate('GET /installation/repositories', { per_page: PER_PAGE }),
    );
    if (mine) self.repositories = (mine as { name: string }[]).map((r) => r.name).sort();
  }

  // Only a GitHub App installation may list token grants; a token is answered 403 and the
  // scan goes on without them (a gap says so).
  const rawGrants = await guard('GET /orgs/{org}/personal-access-tokens', () =>
    octokit.paginate('GET /orgs/{org}/personal-access-tokens', { org, per_page: PER_PAGE }),
  );
  const tokens = rawGrants
    ? await mapLimit(rawGrants as RawTokenGrant[], concurrency, async (g) =>
        toTokenGrant(
          g,
          g.repository_selection === 'subset'
            ? await repositoryNames(
                'GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories',
                {
                  org,
                  pat_id: g.id,
                },
              )
            : undefined,
        ),
      )
    : undefined;
  const rawRequests = await guard('GET /orgs/{org}/personal-access-token-requests', () =>
    octokit.paginate('GET /orgs/{org}/personal-access-token-requests', { org, per_page: PER_PAGE }),
  );
  const tokenRequests = rawRequests
    ? await mapLimit(rawRequests as RawTokenRequest[], concurrency, async (r) =>
        toTokenRequest(
          r,
          r.repository_selection === 'subset'
            ? await repositoryNames(
                'GET /orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories',
                { org, pat_request_id: r.id },
              )
            : undefined,
        ),
      )
    : undefined;
  log(
    `GitHub ${org}: ${repos.length} repositories, ${installations?.length ?? '?'} app installations, ${tokens?.length ?? '?'} fine-grained tokens, ${tokenRequests?.length ?? '?'} pending token requests`,
  );

  const template = await guard('GET /orgs/{org}/actions/oidc/customization/sub', () =>
    octokit.request('GET /orgs/{org}/actions/oidc/customization/sub', { org }),
  );
  const oidcSubjectClaimKeys =
    (template?.data as { include_claim_keys?: string[] } | undefined)?.include_claim_keys ?? null;

  // The audit log before the deploy keys: usage matters more than one more listing per
  // repository when the budget is tight.
  const auditLog = await readAuditLog();
  const { keys, read: keysRead } = await readDeployKeys();
  const code =
    options.codeSearch === false
      ? {
          signals: [],
          workflowRoles: [],
          codeSearch: {
            complete: false,
            detail: 'code search turned off',
            queries: 0,
            filesRead: 0,
          },
        }
      : await searchAgentsInCode();

  log(
    `GitHub ${org}: ${keys.length} deploy keys, audit log ${auditLog.read ? `${auditLog.events.length} events` : 'not read'}, ${new Set(code.signals.map((s) => s.repository)).size} repositories with agent code; ${client.stats.total} requests (${client.stats.rateLimited} rate limited)`,
  );
  return {
    host: client.host,
    org,
    auth: client.auth,
    repositories: repos,
    ...(installations ? { installations } : {}),
    ...(tokens ? { tokens } : {}),
    ...(tokenRequests ? { tokenRequests } : {}),
    deployKeys: keys,
    deployKeysRead: keysRead,
    auditLog,
    agentSignals: code.signals,
    workflowRoles: code.workflowRoles,
    codeSearch: code.codeSearch,
    oidcSubjectClaimKeys,
    gaps: gaps.gaps.filter((g) => g.provider === 'saas' && g.account === scope),
    requests: { ...client.stats },
  };

  /** Names of the repositories a token (or request) lists; undefined when they could not be read. */
  async function repositoryNames(
    route:
      | 'GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories'
      | 'GET /orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories',
    params: Record<string, string | number>,
  ): Promise<string[] | undefined> {
    const list = await guard(route, () =>
      octokit.paginate(route, { ...params, per_page: PER_PAGE } as never),
    );
    return list ? (list as { name: string }[]).map((r) => r.name) : undefined;
  }

  /**
   * The audit log over the window, newest first, filtered by `created:>=` so every page is in
   * the window. Plan-gated: without GitHub Enterprise Cloud the endpoint answers 404; without
   * the permission, 403. Either leaves usage unobservable, with the reason.
   */
  async function readAuditLog(): Promise<GitHubAuditLog> {
    const api = 'GET /orgs/{org}/audit-log';
    const since = new Date(options.window.from).toISOString().slice(0, 10);
    const maxPages = options.auditLogPages ?? 500;
    const events: GitHubAuditEvent[] = [];
    let pages = 0;
    let truncated = false;
    try {
      // Not in the api.github.com description (GitHub Enterprise Cloud only): an untyped route.
      for await (const page of octokit.paginate.iterator('GET /orgs/{org}/audit-log', {
        org,
        phrase: `created:>=${since}`,
        include: 'web',
        order: 'desc',
        per_page: PER_PAGE,
      })) {
        pages++;
        for (const raw of (page as { data: RawAuditEvent[] }).data) {
          const e = toAuditEvent(raw);
          if (e) events.push(e);
        }
        const more = /rel="next"/.test((page as { headers: { link?: string } }).headers.link ?? '');
        if (more && (pages >= maxPages || !affordable())) {
          truncated = true;
          break;
        }
      }
    } catch (err) {
      const kind = classifyGitHubError(err);
      const detail = describeGitHubError(err);
      if (kind === 'not-found' || kind === 'access-denied' || kind === 'unsupported') {
        gaps.add({
          provider: 'saas',
          api,
          account: scope,
          reason: kind === 'access-denied' ? 'access-denied' : 'unsupported',
          detail,
        });
        const reason =
          kind === 'access-denied'
            ? `access denied: the app needs organization Administration read, or the token admin:org (${detail})`
            : `not available: the organization audit log API needs GitHub Enterprise Cloud (${detail})`;
        log(`GitHub ${org}: audit log not read (${kind})`);
        return { read: false, reason };
      }
      if (kind === 'throttled' || kind === 'transient') {
        // Part of a log is not enough to judge disuse: usage stays unobservable.
        gaps.add({
          provider: 'saas',
          api,
          account: scope,
          reason: 'failed',
          detail: `gave up after retries: ${detail}`,
        });
        return { read: false, reason: `failed after retries: ${detail}` };
      }
      if (kind === 'bad-credentials') throw new GitHubCredentialsError(api, { cause: err });
      if (kind === 'unreachable')
        throw new GitHubUnreachableError(api, networkCode(err), { cause: err });
      throw new ConnectorError(`${api} failed: ${detail}`, api, { cause: err });
    }
    const oldest = events.length > 0 ? Math.min(...events.map((e) => e.at)) : options.window.from;
    return {
      read: true,
      events,
      from: truncated ? oldest : options.window.from,
      to: options.window.to,
      truncated,
    };
  }

  /** Every repository's deploy keys, a bounded number of listings at once. */
  async function readDeployKeys(): Promise<{ keys: GitHubDeployKey[]; read: number }> {
    const api = 'GET /repos/{owner}/{repo}/keys';
    let allowed = 0;
    let denied = 0;
    let skipped = 0;
    let firstDenial = '';
    let failed = 0;
    const lists = await mapLimit(repos, concurrency, async (repo) => {
      // A scanner without repository Administration is denied everywhere: stop asking.
      if ((denied >= DENIED_IN_A_ROW && allowed === 0) || !affordable()) {
        skipped++;
        return [];
      }
      try {
        const raw = (await octokit.paginate('GET /repos/{owner}/{repo}/keys', {
          owner: org,
          repo: repo.name,
          per_page: PER_PAGE,
        })) as RawDeployKey[];
        allowed++;
        return raw.map((k) => toDeployKey(k, repo.name));
      } catch (err) {
        const kind = classifyGitHubError(err);
        if (kind === 'not-found') return [];
        if (kind === 'access-denied') {
          denied++;
          firstDenial ||= `${repo.name}: ${describeGitHubError(err)}`;
          return [];
        }
        if (kind === 'throttled' || kind === 'transient') {
          failed++;
          return [];
        }
        if (kind === 'bad-credentials') throw new GitHubCredentialsError(api, { cause: err });
        if (kind === 'unreachable')
          throw new GitHubUnreachableError(api, networkCode(err), { cause: err });
        throw new ConnectorError(`${api} failed: ${describeGitHubError(err)}`, api, { cause: err });
      }
    });
    if (denied > 0)
      gaps.add({
        provider: 'saas',
        api,
        account: scope,
        reason: 'access-denied',
        detail: `denied for ${denied} of ${repos.length} repositories (first ${firstDenial})`,
      });
    if (failed > 0 || skipped > 0)
      gaps.add({
        provider: 'saas',
        api,
        account: scope,
        reason: 'failed',
        detail: `${failed} repositories failed after retries, ${skipped} not read (${denied >= DENIED_IN_A_ROW && allowed === 0 ? 'every listing denied' : 'request budget or rate limit reserve reached'})`,
      });
    return { keys: lists.flat(), read: allowed };
  }

  /**
   * Code search for candidate files, then the contents API to confirm each: package manifests,
   * MCP configurations and workflows that show an agent; workflows naming cloud roles.
   */
  async function searchAgentsInCode(): Promise<{
    signals: AgentSignal[];
    workflowRoles: WorkflowRole[];
    codeSearch: GitHubInventory['codeSearch'];
  }> {
    const maxFiles = options.filesToRead ?? 200;
    const maxPages = options.searchPages ?? 3;
    const candidates = new Map<string, { repo: string; path: string; kinds: Set<SearchKind> }>();
    let queries = 0;
    let incomplete: string | null = null;
    // Code search has its own budget (10 requests a minute); the throttling plugin paces and
    // retries it. Each query may cost up to `maxPages` requests.
    for (const query of codeSearchQueries(org)) {
      if (!affordable(maxPages)) {
        incomplete ??= 'request budget or rate limit reserve reached before every query ran';
        break;
      }
      queries++;
      let pages = 0;
      const items = await guard('GET /search/code', () =>
        octokit.paginate('GET /search/code', { q: query.q, per_page: PER_PAGE }, (res, done) => {
          pages++;
          if ((res.data as { incomplete_results?: boolean }).incomplete_results)
            incomplete ??= 'GitHub returned incomplete results for a query (search timed out)';
          if (pages >= maxPages) done();
          return res.data;
        }),
      );
      if (!items) {
        incomplete ??= 'a code search was refused (coverage.accessGaps says why)';
        continue;
      }
      for (const it of items as {
        path: string;
        repository: { name: string; owner?: { login?: string } };
      }[]) {
        // `org:` scopes the search already; a hit elsewhere (a transferred repository) is dropped.
        if (
          it.repository.owner?.login &&
          it.repository.owner.login.toLowerCase() !== org.toLowerCase()
        )
          continue;
        const key = `${it.repository.name}\0${it.path}`;
        const c = candidates.get(key) ?? {
          repo: it.repository.name,
          path: it.path,
          kinds: new Set(),
        };
        c.kinds.add(query.kind);
        candidates.set(key, c);
      }
    }
    // Read one file per repository before a second one anywhere: under a file budget, cover as
    // many repositories as possible.
    const byRepo = new Map<string, { repo: string; path: string; kinds: Set<SearchKind> }[]>();
    for (const c of candidates.values()) {
      const list = byRepo.get(c.repo) ?? [];
      list.push(c);
      byRepo.set(c.repo, list);
    }
    const ordered: { repo: string; path: string; kinds: Set<SearchKind> }[] = [];
    for (let round = 0; ordered.length < candidates.size; round++)
      for (const list of byRepo.values()) if (list[round]) ordered.push(list[round]!);
    const chosen = ordered.slice(0, maxFiles);
    if (ordered.length > maxFiles)
      incomplete ??= `${ordered.length - maxFiles} of ${ordered.length} candidate files not read (file budget ${maxFiles})`;
    const signals: AgentSignal[] = [];
    const workflowRoles: WorkflowRole[] = [];
    let filesRead = 0;
    await mapLimit(chosen, concurrency, async (c) => {
      if (!affordable()) {
        incomplete ??= 'request budget or rate limit reserve reached while reading files';
        return;
      }
      const file = await guard(
        'GET /repos/{owner}/{repo}/contents/{path}',
        () =>
          octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
            owner: org,
            repo: c.repo,
            path: c.path,
          }),
        false,
      );
      const data = file?.data as
        | { type?: string; content?: string; encoding?: string; size?: number }
        | undefined;
      if (data?.type !== 'file' || !data.content || (data.size ?? 0) > MAX_FILE_BYTES) return;
      filesRead++;
      const text = Buffer.from(
        data.content,
        data.encoding === 'base64' ? 'base64' : 'utf8',
      ).toString('utf8');
      // The search only nominated the file; its text decides (a README mentioning a vendor, or
      // a commented-out dependency, shows nothing).
      const signal = detectAgentSignals(c.repo, c.path, text);
      if (signal) signals.push(signal);
      const arns = roleArnsInWorkflow(text);
      if (arns.length > 0) workflowRoles.push({ repository: c.repo, path: c.path, roleArns: arns });
    });
    const byKey = (
      a: { repository: string; path: string },
      b: { repository: string; path: string },
    ) => a.repository.localeCompare(b.repository) || a.path.localeCompare(b.path);
    return {
      signals: signals.sort(byKey),
      workflowRoles: workflowRoles.sort(byKey),
      codeSearch: { complete: incomplete === null, detail: incomplete, queries, filesRead },
    };
  }
}
