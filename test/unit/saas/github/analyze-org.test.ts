import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { IamRole } from '#core/iam/inventory.ts';
import {
  type FindingsDocument,
  FindingsDocumentSchema,
  type IdentityResult,
} from '#core/model/findings.ts';
import { renderHtml } from '#core/report/render-html.ts';
import { renderMarkdown } from '#core/report/render-markdown.ts';
import { summarizeIdentities } from '#core/report/summary.ts';
import { analyzeGitHubOrg } from '#core/saas/github/analyze-org.ts';
import { buildGitHubDocument, mergeGitHubIntoDocument } from '#core/saas/github/merge.ts';
import { aDocument, anInventory as anAwsInventory, aRole } from '#test/helpers/builders.ts';
import {
  AS_OF,
  aDeployKey,
  anEvent,
  anInstallation,
  anInventory,
  aSignal,
  aToken,
  ORG,
  SCOPE,
  WINDOW,
} from './builders.ts';

const OPTIONS = { window: WINDOW, asOf: AS_OF };
const ids = (r: IdentityResult) => r.findings.map((f) => f.ruleId);
const one = (identities: IdentityResult[], name: string) => {
  const found = identities.find((r) => r.name.startsWith(name));
  if (!found) throw new Error(`no identity ${name}`);
  return found;
};

describe('analyzeGitHubOrg: apps', () => {
  it('credits audited writes to the permission they exercise and calls the others unused', () => {
    // Arrange
    const app = anInstallation({
      appSlug: 'release-bot',
      permissions: [
        { name: 'administration', access: 'write', scope: 'repository' },
        { name: 'members', access: 'write', scope: 'organization' },
        { name: 'contents', access: 'write', scope: 'repository' },
        { name: 'metadata', access: 'read', scope: 'repository' },
      ],
      repositorySelection: 'selected',
      repositories: ['app'],
    });
    const inventory = anInventory({
      installations: [app],
      auditLog: {
        read: true,
        events: [anEvent({ action: 'protected_branch.update', actor: 'release-bot[bot]' })],
        from: WINDOW.from,
        to: WINDOW.to,
        truncated: false,
      },
    });

    // Act
    const [r] = analyzeGitHubOrg(inventory, OPTIONS).identities;

    // Assert
    expect(r).toMatchObject({
      type: 'app-installation',
      provider: 'saas',
      accountId: SCOPE,
      recommendation: 'rightsize',
      confidence: 'high',
      usedActions: [expect.objectContaining({ action: 'administration:write', count: 1 })],
      unusedActions: ['members:write'],
      unobservableActions: [
        { action: 'contents:write', reason: 'not-recorded-by-audit-log' },
        { action: 'metadata:read', reason: 'needed-for-every-call' },
      ],
    });
    expect(ids(r!)).toEqual(['LP-GH-003', 'LP-GH-008']);
    expect(r!.permissionsToRemove).toEqual([
      expect.objectContaining({
        permission: 'members:write',
        kind: 'organization',
        grantIds: [String(app.id)],
      }),
    ]);
  });

  it('flags an app with write on every repository and no audited activity for decommissioning', () => {
    // Arrange
    const app = anInstallation({
      appSlug: 'legacy-sync',
      permissions: [{ name: 'contents', access: 'write', scope: 'repository' }],
    });

    // Act
    const [r] = analyzeGitHubOrg(anInventory({ installations: [app] }), OPTIONS).identities;

    // Assert
    expect(ids(r!)).toContain('LP-GH-004');
    expect(r!.recommendation).toBe('decommission');
    expect(r!.permissionsToRemove?.[0]?.reason).toMatch(/uninstall or suspend/);
  });

  it('keeps every permission unobservable, and judges no app idle, without the audit log', () => {
    // Arrange
    const app = anInstallation({
      permissions: [{ name: 'administration', access: 'write', scope: 'repository' }],
    });
    const inventory = anInventory({
      installations: [app],
      auditLog: { read: false, reason: 'not available: needs GitHub Enterprise Cloud' },
    });

    // Act
    const analysis = analyzeGitHubOrg(inventory, OPTIONS);
    const [r] = analysis.identities;

    // Assert
    expect(r!.unobservableActions).toEqual([
      { action: 'administration:write', reason: 'no-audit-log' },
    ]);
    expect(ids(r!)).toEqual(['LP-GH-003']);
    expect(r!.recommendation).toBe('insufficient-evidence');
    expect(r!.saas?.gaps.join(' ')).toMatch(/audit log was not read/);
    expect(analysis.gaps[0]).toMatch(/audit log was not read \(not available/);
    expect(analysis.organization.auditLog).toMatchObject({ read: false, truncated: false });
  });

  it('calls nothing unused when the audit log was read only in part', () => {
    // Arrange
    const app = anInstallation({
      permissions: [{ name: 'administration', access: 'write', scope: 'repository' }],
      repositorySelection: 'selected',
      repositories: ['app'],
    });
    const inventory = anInventory({
      installations: [app],
      auditLog: {
        read: true,
        events: [],
        from: Date.parse('2026-10-01T00:00:00Z'),
        to: WINDOW.to,
        truncated: true,
      },
    });

    // Act
    const [r] = analyzeGitHubOrg(inventory, OPTIONS).identities;

    // Assert
    expect(r!.unobservableActions).toEqual([
      { action: 'administration:write', reason: 'audit-log-partial' },
    ]);
    expect(ids(r!)).not.toContain('LP-GH-008');
  });

  it('classifies known coding-agent apps as agents, names the installer, and skips suspended apps', () => {
    // Arrange
    const claude = anInstallation({
      appSlug: 'claude',
      permissions: [{ name: 'workflows', access: 'write', scope: 'repository' }],
    });
    const suspended = anInstallation({
      appSlug: 'old-tool',
      suspendedAt: '2026-06-01T00:00:00Z',
      permissions: [{ name: 'secrets', access: 'write', scope: 'repository' }],
    });
    const inventory = anInventory({
      installations: [claude, suspended],
      auditLog: {
        read: true,
        events: [
          anEvent({
            action: 'integration_installation.create',
            actor: 'alice',
            integration: 'claude',
          }),
        ],
        from: WINDOW.from,
        to: WINDOW.to,
        truncated: false,
      },
    });

    // Act
    const { identities } = analyzeGitHubOrg(inventory, OPTIONS);

    // Assert
    const c = one(identities, 'claude');
    expect(c).toMatchObject({
      class: 'ai-agent',
      aiRole: 'agent',
      links: expect.objectContaining({ owners: ['alice'] }),
    });
    expect(c.findings.find((f) => f.ruleId === 'LP-GH-003')?.severity).toBe('critical');
    expect(ids(one(identities, 'old-tool'))).not.toContain('LP-GH-003');
  });
});

describe('analyzeGitHubOrg: tokens', () => {
  it('finds tokens unused in the window from token_last_used_at, also without the audit log', () => {
    // Arrange
    const stale = aToken({ tokenName: 'backup', tokenLastUsedAt: '2026-05-01T00:00:00Z' });
    const never = aToken({ tokenName: 'migration', tokenLastUsedAt: null });
    const young = aToken({
      tokenName: 'new',
      tokenLastUsedAt: null,
      accessGrantedAt: '2026-11-10T00:00:00Z',
    });
    const inventory = anInventory({
      tokens: [stale, never, young],
      auditLog: { read: false, reason: 'not available' },
    });

    // Act
    const { identities } = analyzeGitHubOrg(inventory, OPTIONS);

    // Assert
    expect(ids(one(identities, 'backup'))).toContain('LP-GH-001');
    expect(one(identities, 'backup').recommendation).toBe('decommission');
    expect(one(identities, 'migration').findings[0]?.title).toMatch(/never been used/);
    expect(ids(one(identities, 'new'))).not.toContain('LP-GH-001');
    expect(one(identities, 'new').confidence).toBe('low');
  });

  it('flags tokens without expiry or living over a year, and high-risk writes on agents as critical', () => {
    // Arrange
    const forever = aToken({ tokenName: 'ops', tokenExpiresAt: null });
    const long = aToken({ tokenName: 'long', tokenExpiresAt: '2027-12-01T00:00:00Z' });
    const agent = aToken({
      tokenName: 'mcp-github-server',
      permissions: [
        { name: 'secrets', access: 'write', scope: 'repository' },
        { name: 'contents', access: 'write', scope: 'repository' },
      ],
    });

    // Act
    const { identities } = analyzeGitHubOrg(
      anInventory({ tokens: [forever, long, agent] }),
      OPTIONS,
    );

    // Assert
    expect(one(identities, 'ops').findings.find((f) => f.ruleId === 'LP-GH-002')?.title).toMatch(
      /never expires/,
    );
    expect(one(identities, 'long').findings.find((f) => f.ruleId === 'LP-GH-002')?.title).toMatch(
      /valid for 518 days/,
    );
    const a = one(identities, 'mcp-github-server');
    expect(a).toMatchObject({
      class: 'ai-agent',
      classifiedBy: expect.objectContaining({ rule: 'token-named-for-agent' }),
    });
    expect(a.findings[0]).toMatchObject({ ruleId: 'LP-GH-003', severity: 'critical' });
  });

  it('attributes token events by token_id, not by actor', () => {
    // Arrange
    const t = aToken({
      owner: 'dev',
      permissions: [{ name: 'secrets', access: 'write', scope: 'repository' }],
    });
    const inventory = anInventory({
      tokens: [t],
      auditLog: {
        read: true,
        events: [
          anEvent({
            action: 'repo.create_actions_secret',
            actor: 'dev',
            tokenId: t.tokenId,
            programmaticAccessType: 'Fine-grained personal access token',
          }),
          anEvent({ action: 'repo.create_actions_secret', actor: 'dev' }),
        ],
        from: WINDOW.from,
        to: WINDOW.to,
        truncated: false,
      },
    });

    // Act
    const [r] = analyzeGitHubOrg(inventory, OPTIONS).identities;

    // Assert
    expect(r!.usedActions).toEqual([
      expect.objectContaining({ action: 'secrets:write', count: 1 }),
    ]);
    expect(r!.activity.events).toBe(1);
  });
});

describe('analyzeGitHubOrg: deploy keys', () => {
  it('flags write keys, and unused keys when GitHub reports their last use', () => {
    // Arrange
    const write = aDeployKey({ title: 'push', readOnly: false });
    const idle = aDeployKey({ title: 'idle', lastUsed: null });
    const unknown = aDeployKey({ title: 'ghes' });
    delete unknown.lastUsed;

    // Act
    const { identities } = analyzeGitHubOrg(
      anInventory({ deployKeys: [write, idle, unknown] }),
      OPTIONS,
    );

    // Assert
    expect(one(identities, 'push').findings[0]).toMatchObject({
      ruleId: 'LP-GH-005',
      severity: 'medium',
    });
    expect(ids(one(identities, 'idle'))).toEqual(['LP-GH-010']);
    expect(one(identities, 'idle').recommendation).toBe('decommission');
    expect(ids(one(identities, 'ghes'))).toEqual([]);
    expect(one(identities, 'push').unobservableActions).toEqual([
      { action: 'contents:write', reason: 'git-events-not-read' },
    ]);
  });
});

describe('analyzeGitHubOrg: agents in code and OIDC', () => {
  const oidcRole = (name: string, sub: string | undefined): IamRole =>
    aRole({
      name,
      trustPolicy: aDocument({
        actions: ['sts:AssumeRoleWithWebIdentity'],
        resources: undefined,
        principal: {
          Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
        },
        condition: sub
          ? { StringLike: { 'token.actions.githubusercontent.com:sub': sub } }
          : { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
      }),
    });

  it('marks writers of an agent repository as AI builders and lists them with the repository', () => {
    // Arrange
    const writer = aToken({
      tokenName: 'release',
      repositories: ['agent'],
      permissions: [{ name: 'contents', access: 'write', scope: 'repository' }],
    });
    const reader = aToken({ tokenName: 'reader', repositories: ['agent'] });
    const key = aDeployKey({ title: 'push', repository: 'agent', readOnly: false });
    const inventory = anInventory({
      tokens: [writer, reader],
      deployKeys: [key],
      agentSignals: [aSignal('agent')],
    });

    // Act
    const analysis = analyzeGitHubOrg(inventory, OPTIONS);

    // Assert
    const w = one(analysis.identities, 'release');
    expect(w).toMatchObject({
      aiRole: 'builder',
      classifiedBy: expect.objectContaining({ rule: 'writes-agent-repository' }),
    });
    expect(ids(w)).toContain('LP-GH-009');
    expect(w.saas?.agentRepositories).toEqual(['agent']);
    expect(one(analysis.identities, 'reader').aiRole).toBeNull();
    expect(one(analysis.identities, 'push').findings[0]).toMatchObject({
      ruleId: 'LP-GH-005',
      severity: 'high',
    });
    expect(analysis.organization.agentRepositories).toEqual([
      expect.objectContaining({
        repository: 'agent',
        writers: [one(analysis.identities, 'push').id, w.id].sort(),
      }),
    ]);
  });

  it('joins AWS roles trusting the organization: findings for the roles, reach for the writers', () => {
    // Arrange
    const wide = oidcRole('org-wide', `repo:${ORG}/*`);
    const anyBranch = oidcRole('agent-any-branch', `repo:${ORG}/agent:*`);
    const open = oidcRole('open', undefined);
    const pinned = oidcRole('pinned', `repo:${ORG}/app:environment:prod`);
    const writer = aToken({
      tokenName: 'release',
      repositories: ['agent'],
      permissions: [{ name: 'contents', access: 'write', scope: 'repository' }],
    });
    const inventory = anInventory({ tokens: [writer], agentSignals: [aSignal('agent')] });

    // Act
    const analysis = analyzeGitHubOrg(inventory, {
      ...OPTIONS,
      awsRoles: [wide, anyBranch, open, pinned],
    });

    // Assert
    const byRole = new Map(
      analysis.roleFindings.map((r) => [r.roleArn.split('/').pop(), r.findings]),
    );
    expect(byRole.get('open')?.map((f) => [f.ruleId, f.severity])).toEqual([
      ['LP-GH-006', 'critical'],
      ['LP-GH-009', 'info'],
    ]);
    expect(byRole.get('org-wide')?.[0]).toMatchObject({ ruleId: 'LP-GH-006', severity: 'high' });
    expect(byRole.get('agent-any-branch')?.map((f) => f.ruleId)).toEqual([
      'LP-GH-007',
      'LP-GH-009',
    ]);
    expect(byRole.has('pinned')).toBe(false);
    expect(analysis.organization.oidc).toMatchObject({
      joined: true,
      subjectClaimKeys: ['repo', 'context'],
    });
    expect(analysis.organization.oidc.trusts).toHaveLength(4);
    expect(analysis.organization.agentRepositories[0]?.deployRoles).toEqual(
      [wide.arn, anyBranch.arn, open.arn].sort(),
    );
    const tools = one(analysis.identities, 'release').links.tools;
    expect(tools.map((t) => [t.arn.split('/').pop(), t.reach])).toEqual([
      ['agent-any-branch', 'granted'],
      ['open', 'granted'],
      ['org-wide', 'granted'],
    ]);
  });

  it('says the OIDC join was not done when no AWS inventory came with it', () => {
    // Act
    const analysis = analyzeGitHubOrg(anInventory(), OPTIONS);

    // Assert
    expect(analysis.organization.oidc.joined).toBe(false);
    expect(analysis.gaps.join(' ')).toMatch(/OIDC trusts of AWS roles were not joined/);
  });
});

describe('mergeGitHubIntoDocument', () => {
  let catalog: ActionCatalog;
  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  const githubRole = aRole({
    name: 'deployer',
    trustPolicy: aDocument({
      actions: ['sts:AssumeRoleWithWebIdentity'],
      resources: undefined,
      principal: {
        Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
      },
      condition: { StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${ORG}/*` } },
    }),
  });

  function awsDocument(): FindingsDocument {
    return analyzeAccount({
      inventory: anAwsInventory({ roles: [aRole({ name: 'worker' }), githubRole] }),
      usage: new UsageAggregator(catalog, WINDOW),
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 'test',
    });
  }

  function analysis() {
    return analyzeGitHubOrg(
      anInventory({
        installations: [
          anInstallation({
            appSlug: 'legacy',
            permissions: [{ name: 'contents', access: 'write', scope: 'repository' }],
          }),
        ],
        tokens: [aToken({ tokenName: 'ops', tokenExpiresAt: null })],
        deployKeys: [aDeployKey({ readOnly: false })],
        deployKeysRead: 1,
        gaps: [
          {
            provider: 'saas',
            api: 'GET /orgs/{org}/audit-log',
            account: SCOPE,
            reason: 'unsupported',
            detail: '404 Not Found',
          },
        ],
      }),
      { ...OPTIONS, awsRoles: [githubRole] },
    );
  }

  it('adds the organization to an AWS document, with the OIDC findings on the AWS role', () => {
    // Arrange
    const doc = awsDocument();

    // Act
    const merged = mergeGitHubIntoDocument(doc, analysis());

    // Assert
    const parsed = FindingsDocumentSchema.safeParse(merged);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(merged.identities.filter((r) => r.provider === 'saas')).toHaveLength(3);
    const role = merged.identities.find((r) => r.id === githubRole.arn)!;
    expect(role.findings.map((f) => f.ruleId)).toContain('LP-GH-006');
    expect(merged.summary).toEqual(summarizeIdentities(merged.identities));
    expect(merged.github?.[0]).toMatchObject({ org: ORG, scope: SCOPE });
    expect(merged.coverage.accessGaps).toContainEqual(
      expect.objectContaining({ provider: 'saas', api: 'GET /orgs/{org}/audit-log' }),
    );
    expect(merged.coverage.gaps.some((g) => g.startsWith(`GitHub ${SCOPE}: `))).toBe(true);
  });

  it('replaces what an earlier merge of the same organization put in', () => {
    // Arrange
    const once = mergeGitHubIntoDocument(awsDocument(), analysis());

    // Act
    const twice = mergeGitHubIntoDocument(once, analysis());

    // Assert
    expect(twice.identities).toHaveLength(once.identities.length);
    expect(twice.summary).toEqual(once.summary);
    expect(twice.github).toHaveLength(1);
    expect(twice.coverage.accessGaps).toHaveLength(once.coverage.accessGaps.length);
    const role = twice.identities.find((r) => r.id === githubRole.arn)!;
    expect(role.findings.filter((f) => f.ruleId === 'LP-GH-006')).toHaveLength(1);
  });

  it('builds a GitHub-only document that validates and renders', () => {
    // Act
    const doc = buildGitHubDocument(analysis(), {
      toolVersion: 'test',
      window: WINDOW,
      lookbackDays: 90,
    });

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.accounts).toEqual([]);
    expect(doc.summary.identities).toBe(3);
    expect(doc.coverage.gaps.join(' ')).toMatch(/role/);
    expect(renderMarkdown(doc)).toContain('legacy');
    expect(renderHtml(doc)).toContain('legacy');
  });
});
