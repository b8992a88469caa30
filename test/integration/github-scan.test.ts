/**
 * The GitHub connector end to end: the real Octokit client (throttling, retry, app auth) against
 * the loopback GitHub server serving a generated organization.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { createGitHubClient, type GitHubAuth } from '#connectors/saas/github/client.ts';
import { GitHubCredentialsError } from '#connectors/saas/github/errors.ts';
import { scanGitHubOrg } from '#connectors/saas/github/scan-org.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { IamRole } from '#core/iam/inventory.ts';
import { FindingsDocumentSchema, type IdentityResult } from '#core/model/findings.ts';
import { mergeGitHubIntoDocument } from '#core/saas/github/merge.ts';
import { aDocument, anInventory, aRole } from '#test/helpers/builders.ts';
import {
  APPS,
  type GeneratedOrg,
  GITHUB_AS_OF,
  generatedOrg,
  isAgentRepo,
  ORG,
  PERSONAL_TOKEN,
} from '#test/helpers/github-org.ts';
import { type GitHubServer, startGitHubServer } from '#test/helpers/github-server.ts';

const DAY = 86_400_000;
const WINDOW = { from: GITHUB_AS_OF - 90 * DAY, to: GITHUB_AS_OF };

let big: GeneratedOrg;
let small: GeneratedOrg;
let server: GitHubServer | undefined;

beforeAll(() => {
  big = generatedOrg({ repositories: 500 });
  small = generatedOrg({ repositories: 40 });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function appAuth(org: GeneratedOrg): GitHubAuth {
  return {
    kind: 'app',
    appId: APPS.scanner.appId,
    privateKey: org.scannerPrivateKey,
    installationId: APPS.scanner.id,
  };
}

async function scan(
  org: GeneratedOrg,
  options: {
    auth?: GitHubAuth;
    awsRoles?: IamRole[];
    plan?: 'team';
    setup?: (s: GitHubServer) => void;
  } = {},
) {
  server = await startGitHubServer(options.plan ? { ...org.data, plan: options.plan } : org.data);
  options.setup?.(server);
  const lines: string[] = [];
  const client = createGitHubClient({
    auth: options.auth ?? appAuth(org),
    baseUrl: server.url,
    pacing: 'none',
    retryAfterBaseMs: 1,
    log: (l) => lines.push(l),
  });
  const result = await scanGitHubOrg(client, {
    org: ORG,
    from: WINDOW.from,
    to: WINDOW.to,
    asOf: GITHUB_AS_OF,
    log: (l) => lines.push(l),
    ...(options.awsRoles ? { awsRoles: options.awsRoles } : {}),
  });
  return { ...result, client, lines, server };
}

const byName = (identities: IdentityResult[], name: string) => {
  const r = identities.find((i) => i.name === name);
  if (!r) throw new Error(`no identity named ${name}`);
  return r;
};

describe('GitHub organization scan', () => {
  it('inventories a 500-repository organization as an app installation, following every Link page', async () => {
    // Act
    const { inventory, analysis, server: s, client } = await scan(big);

    // Assert
    expect(inventory.repositories).toHaveLength(500);
    expect(inventory.installations).toHaveLength(8);
    expect(inventory.installations?.find((i) => i.id === APPS.scanner.id)?.self).toBe(true);
    expect(inventory.tokens).toHaveLength(40);
    expect(inventory.tokenRequests).toHaveLength(5);
    const keys = big.data.repositories.reduce((n, r) => n + r.keys.length, 0);
    expect(inventory.deployKeys).toHaveLength(keys);
    expect(inventory.deployKeysRead).toBe(500);
    expect(inventory.auditLog.read && inventory.auditLog.events.length).toBe(
      big.data.auditLog.filter((e) => Number(e['@timestamp']) >= Date.parse('2026-08-17T00:00:00Z'))
        .length,
    );
    const agentRepos = big.data.repositories.filter((_r, i) => isAgentRepo(i)).map((r) => r.name);
    expect(analysis.organization.agentRepositories.map((a) => a.repository)).toEqual(
      agentRepos.sort(),
    );
    expect(analysis.organization.codeSearch).toMatchObject({ complete: true, queries: 8 });
    expect(analysis.identities).toHaveLength(8 + 40 + keys);
    // One installation token, then everything else with it; repositories over five pages.
    expect(s.issuedTokens).toHaveLength(1);
    expect(s.requests.filter((r) => r.auth === 'jwt')).toHaveLength(1);
    expect(
      s.requests
        .filter((r) => r.path === `/orgs/${ORG}/repos`)
        .map((r) => new URLSearchParams(r.query).get('page') ?? '1'),
    ).toEqual(['1', '2', '3', '4', '5']);
    expect(s.requests.filter((r) => r.path === `/orgs/${ORG}/audit-log`).length).toBeGreaterThan(
      10,
    );
    expect(client.stats.total).toBe(s.requests.length);
    expect(client.stats.rateLimitLimit).toBe(5000);
  });

  it('honours primary and secondary rate limits, retrying each call until it succeeds', async () => {
    // Act
    const {
      inventory,
      client,
      lines,
      server: s,
    } = await scan(small, {
      setup: (srv) => {
        srv.primaryRateLimit({ times: 2, path: `/orgs/${ORG}/repos`, status: 403 });
        srv.secondaryRateLimit({ times: 2, path: `/orgs/${ORG}/installations`, status: 429 });
        srv.secondaryRateLimit({
          times: 1,
          path: `/orgs/${ORG}/personal-access-tokens`,
          status: 403,
        });
      },
    });

    // Assert
    expect(inventory.repositories).toHaveLength(40);
    expect(inventory.installations).toHaveLength(8);
    expect(inventory.tokens).toHaveLength(40);
    expect(inventory.gaps).toEqual([]);
    const statuses = (path: string) =>
      s.requests.filter((r) => r.path === path).map((r) => r.status);
    expect(statuses(`/orgs/${ORG}/repos`)).toEqual([403, 403, 200]);
    expect(statuses(`/orgs/${ORG}/installations`).slice(0, 2)).toEqual([429, 429]);
    expect(statuses(`/orgs/${ORG}/installations`).at(-1)).toBe(200);
    expect(statuses(`/orgs/${ORG}/personal-access-tokens`)).toEqual([403, 200]);
    expect(client.stats.rateLimited).toBe(5);
    expect(
      lines.filter(
        (l) => l === `GitHub primary rate limit on GET /orgs/${ORG}/repos: retrying in 2 s`,
      ),
    ).toHaveLength(2);
  });

  it('records a failed gap when a rate limit outlasts the retries, and goes on', async () => {
    // Act
    const { inventory, analysis } = await scan(small, {
      setup: (srv) => srv.primaryRateLimit({ times: 10, path: `/orgs/${ORG}/installations` }),
    });

    // Assert
    expect(inventory.installations).toBeUndefined();
    expect(analysis.accessGaps).toContainEqual(
      expect.objectContaining({
        api: 'GET /orgs/{org}/installations',
        reason: 'failed',
        provider: 'saas',
      }),
    );
    expect(inventory.tokens).toHaveLength(40);
  });

  it('marks usage unobservable, with the reason, where the plan has no audit log API (404)', async () => {
    // Act
    const { analysis, inventory } = await scan(small, { plan: 'team' });

    // Assert
    expect(inventory.auditLog).toMatchObject({
      read: false,
      reason: expect.stringMatching(/GitHub Enterprise Cloud/),
    });
    expect(analysis.accessGaps).toContainEqual(
      expect.objectContaining({
        api: 'GET /orgs/{org}/audit-log',
        reason: 'unsupported',
        account: analysis.scope,
      }),
    );
    const legacy = byName(analysis.identities, APPS.legacy.slug);
    expect(
      legacy.unobservableActions.every(
        (a) => a.reason === 'no-audit-log' || a.reason === 'needed-for-every-call',
      ),
    ).toBe(true);
    expect(legacy.findings.map((f) => f.ruleId)).not.toContain('LP-GH-004');
    expect(analysis.gaps[0]).toMatch(/audit log was not read/);
    // Unused tokens are still found from token_last_used_at.
    expect(analysis.identities.some((r) => r.findings.some((f) => f.ruleId === 'LP-GH-001'))).toBe(
      true,
    );
  });

  it('records a denied audit log as access-denied', async () => {
    // Act
    const { analysis } = await scan(small, { setup: (srv) => srv.deny(`/orgs/${ORG}/audit-log`) });

    // Assert
    expect(analysis.organization.auditLog).toMatchObject({
      read: false,
      reason: expect.stringMatching(/^access denied/),
    });
    expect(analysis.accessGaps).toContainEqual(
      expect.objectContaining({ api: 'GET /orgs/{org}/audit-log', reason: 'access-denied' }),
    );
  });

  it('scans with a token, recording the token grants only an app may list as a gap', async () => {
    // Act
    const {
      inventory,
      analysis,
      server: s,
    } = await scan(small, { auth: { kind: 'token', token: PERSONAL_TOKEN } });

    // Assert
    expect(inventory.auth).toBe('token');
    expect(inventory.tokens).toBeUndefined();
    expect(inventory.installations).toHaveLength(8);
    expect(analysis.accessGaps).toContainEqual(
      expect.objectContaining({
        api: 'GET /orgs/{org}/personal-access-tokens',
        reason: 'access-denied',
        detail: expect.stringMatching(/personal access token/),
      }),
    );
    expect(analysis.gaps.join(' ')).toMatch(/only a GitHub App installation may list them/);
    expect(s.requests.every((r) => r.auth === 'personal')).toBe(true);
  });

  it('stops listing deploy keys when every listing is denied, and says so once', async () => {
    // Act
    const {
      inventory,
      analysis,
      server: s,
    } = await scan(small, {
      setup: (srv) => srv.deny(/^\/repos\/[^/]+\/[^/]+\/keys$/),
    });

    // Assert
    expect(inventory.deployKeys).toEqual([]);
    expect(s.requests.filter((r) => r.path.endsWith('/keys')).length).toBeLessThan(20);
    expect(analysis.accessGaps.filter((g) => g.api === 'GET /repos/{owner}/{repo}/keys')).toEqual([
      expect.objectContaining({
        reason: 'access-denied',
        detail: expect.stringMatching(/^denied for \d+ of 40/),
      }),
      expect.objectContaining({
        reason: 'failed',
        detail: expect.stringMatching(/every listing denied/),
      }),
    ]);
  });

  it('finds the generated risks', async () => {
    // Act
    const { analysis } = await scan(big);
    const ids = analysis.identities;
    const rules = (name: string) => byName(ids, name).findings.map((f) => f.ruleId);

    // Assert
    expect(rules(APPS.legacy.slug)).toEqual(expect.arrayContaining(['LP-GH-003', 'LP-GH-004']));
    expect(byName(ids, APPS.legacy.slug).recommendation).toBe('decommission');
    expect(byName(ids, APPS.ci.slug).findings.map((f) => f.ruleId)).not.toContain('LP-GH-004');
    expect(byName(ids, APPS.release.slug).usedActions.map((u) => u.action)).toEqual([
      'administration:write',
    ]);
    expect(byName(ids, APPS.claude.slug)).toMatchObject({
      class: 'ai-agent',
      links: expect.objectContaining({ owners: ['alice-admin'] }),
    });
    // Token 4 was last used before the window, token 5 never; 0 never expires; 13 lives 500 days.
    expect(rules('backup-job (dev-04)')).toContain('LP-GH-001');
    expect(rules('migration (dev-05)')).toContain('LP-GH-001');
    expect(rules('ci-script (dev-00)')).toContain('LP-GH-002');
    expect(
      byName(ids, 'migration (dev-13)').findings.find((f) => f.ruleId === 'LP-GH-002')?.title,
    ).toMatch(/500 days/);
    expect(rules('mcp-github-server (dev-02)')).toContain('LP-GH-003');
    expect(byName(ids, 'mcp-github-server (dev-02)')).toMatchObject({
      class: 'ai-agent',
      aiRole: 'agent',
    });
    const writeKeys = ids.filter(
      (r) => r.type === 'deploy-key' && r.findings.some((f) => f.ruleId === 'LP-GH-005'),
    );
    expect(writeKeys.length).toBe(
      big.data.repositories.flatMap((r) => r.keys).filter((k) => !k.read_only).length,
    );
    expect(analysis.organization.pendingTokenRequests).toHaveLength(5);
    expect(analysis.organization.pendingTokenRequests.filter((r) => r.highRisk)).toHaveLength(1);
  });

  it('joins AWS roles trusting GitHub Actions, ties them to repositories, and merges into one document', async () => {
    // Arrange
    const federated = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
    const oidcRole = (name: string, condition: Record<string, Record<string, unknown>>) =>
      aRole({
        name,
        trustPolicy: aDocument({
          actions: ['sts:AssumeRoleWithWebIdentity'],
          resources: undefined,
          principal: { Federated: federated },
          condition,
        }),
      });
    const roles = [
      oidcRole('agent-deployer', {
        StringLike: {
          'token.actions.githubusercontent.com:sub': `repo:${ORG}/agent-*:environment:prod`,
        },
      }),
      oidcRole('infra-deployer', {
        StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${ORG}/*` },
      }),
      oidcRole('open-door', {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      }),
      aRole({ name: 'worker' }),
    ];
    const catalog = await loadCatalog();
    const awsDoc = analyzeAccount({
      inventory: anInventory({ roles }),
      usage: new UsageAggregator(catalog, WINDOW),
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 'test',
    });

    // Act
    const { analysis } = await scan(big, { awsRoles: roles });
    const doc = mergeGitHubIntoDocument(awsDoc, analysis);

    // Assert
    const trusts = new Map(
      analysis.organization.oidc.trusts.map((t) => [t.roleArn.split('/').pop(), t]),
    );
    expect(trusts.get('agent-deployer')).toMatchObject({ anyRepository: false, anyRef: false });
    expect(trusts.get('agent-deployer')?.repositories.every((r) => r.startsWith('agent-'))).toBe(
      true,
    );
    expect(trusts.get('agent-deployer')?.workflowRepositories.length).toBeGreaterThan(0);
    expect(trusts.get('infra-deployer')).toMatchObject({ anyRepository: true, anyOwner: false });
    expect(trusts.get('open-door')).toMatchObject({ anyOwner: true });
    const role = (name: string) =>
      doc.identities.find((r) => r.id === roles.find((x) => x.name === name)!.arn)!;
    expect(role('open-door').findings.find((f) => f.ruleId === 'LP-GH-006')?.severity).toBe(
      'critical',
    );
    expect(role('infra-deployer').findings.find((f) => f.ruleId === 'LP-GH-006')?.severity).toBe(
      'high',
    );
    expect(
      role('agent-deployer')
        .findings.map((f) => f.ruleId)
        .filter((id) => id.startsWith('LP-GH-')),
    ).toEqual(['LP-GH-009']);
    expect(role('worker').findings.some((f) => f.ruleId.startsWith('LP-GH-'))).toBe(false);
    const agent006 = analysis.organization.agentRepositories.find(
      (a) => a.repository === 'agent-006',
    );
    expect(agent006?.deployRoles).toEqual(
      expect.arrayContaining([role('agent-deployer').id, role('open-door').id]),
    );
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.accounts).toEqual(['111111111111']);
  });

  it('never writes a token, the private key or an installation token to a log or the results', async () => {
    // Act
    const withApp = await scan(small);
    const appOutput = JSON.stringify(withApp.analysis) + withApp.lines.join('\n');
    const minted = [...withApp.server.issuedTokens];
    await server?.close();
    server = undefined;
    const withToken = await scan(small, { auth: { kind: 'token', token: PERSONAL_TOKEN } });
    const tokenOutput = JSON.stringify(withToken.analysis) + withToken.lines.join('\n');

    // Assert
    expect(minted).toHaveLength(1);
    for (const secret of [...minted, PERSONAL_TOKEN, small.scannerPrivateKey.split('\n')[1]!])
      expect(appOutput + tokenOutput).not.toContain(secret);
  });

  it('fails loudly for an organization the credential cannot see', async () => {
    // Arrange
    server = await startGitHubServer(small.data);
    const client = createGitHubClient({
      auth: { kind: 'token', token: PERSONAL_TOKEN },
      baseUrl: server.url,
      pacing: 'none',
    });

    // Act
    const attempt = scanGitHubOrg(client, { org: 'no-such-org', ...WINDOW, asOf: GITHUB_AS_OF });

    // Assert
    await expect(attempt).rejects.toThrow(/no-such-org was not found/);
  });

  it('fails loudly on rejected credentials without repeating the token', async () => {
    // Arrange
    const bad = 'github_pat_11WRONGTOKEN000000000000000000000000000000000000000000000';

    // Act
    const attempt = scan(small, { auth: { kind: 'token', token: bad } });

    // Assert
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubCredentialsError);
    expect(String((err as Error).message)).not.toContain(bad);
    expect(String(((err as Error).cause as Error).message)).not.toContain(bad);
  });
});
