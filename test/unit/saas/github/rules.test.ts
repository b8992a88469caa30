import { describe, expect, it } from 'vitest';
import type { GitHubClassification } from '#core/saas/github/classify.ts';
import { GITHUB_OIDC_RULES, GITHUB_RULES } from '#core/saas/github/rules/index.ts';
import type {
  GitHubRuleContext,
  GitHubSubject,
  HeldGitHubPermission,
  OidcRuleContext,
} from '#core/saas/github/rules/rule.ts';
import { AS_OF, aDeployKey, anInstallation, aSignal, aToken, ORG, WINDOW } from './builders.ts';

const WORKLOAD: GitHubClassification = {
  class: 'workload',
  aiRole: null,
  rule: 'test',
  reason: 'test',
};

function ctx(
  subject: GitHubSubject,
  overrides: Partial<GitHubRuleContext> = {},
): GitHubRuleContext {
  return {
    subject,
    org: ORG,
    window: WINDOW,
    asOf: AS_OF,
    classification: WORKLOAD,
    permissions: [],
    auditLog: { read: true, complete: true },
    activity: { events: 0 },
    agentRepositories: [],
    ...overrides,
  };
}

const held = (
  name: string,
  access: string,
  extra: Partial<HeldGitHubPermission> = {},
): HeldGitHubPermission => ({
  name,
  access,
  scope: 'repository',
  status: 'unobservable',
  events: 0,
  highRisk: false,
  ...extra,
});

const rule = (id: string) => GITHUB_RULES.find((r) => r.id === id)!;
const oidcRule = (id: string) => GITHUB_OIDC_RULES.find((r) => r.id === id)!;

describe('GitHub rules at their edges', () => {
  it('has a unique id, a name and human text for every rule', () => {
    const all = [...GITHUB_RULES, ...GITHUB_OIDC_RULES];
    for (const r of all) {
      expect(r.id).toMatch(/^LP-GH-\d{3}$/);
      expect(r.info.length).toBeGreaterThan(20);
      expect(r.explanation.length).toBeGreaterThan(40);
    }
    expect(new Set(GITHUB_RULES.map((r) => r.id)).size).toBe(GITHUB_RULES.length);
  });

  it('LP-GH-001: counts audit-log events with the token id as use, whatever the last-use date says', () => {
    const token = { kind: 'fine-grained-token' as const, token: aToken({ tokenLastUsedAt: null }) };
    const seen = {
      events: 1,
      first: Date.parse('2026-11-01T00:00:00Z'),
      last: Date.parse('2026-11-01T00:00:00Z'),
    };
    expect(rule('LP-GH-001').evaluate(ctx(token, { activity: seen }))).toBe('Compliant');
    expect(rule('LP-GH-001').evaluate(ctx(token))).toEqual([
      expect.objectContaining({ title: expect.stringMatching(/never been used/) }),
    ]);
  });

  it('LP-GH-002: leaves expired tokens alone and accepts a lifetime under a year', () => {
    const expired = aToken({ tokenExpired: true, tokenExpiresAt: null });
    const yearly = aToken({
      accessGrantedAt: '2026-07-01T00:00:00Z',
      tokenExpiresAt: '2027-06-01T00:00:00Z',
    });
    const unknownStart = aToken({ accessGrantedAt: null, tokenExpiresAt: '2030-01-01T00:00:00Z' });
    expect(rule('LP-GH-002').evaluate(ctx({ kind: 'fine-grained-token', token: expired }))).toBe(
      'NotApplicable',
    );
    expect(rule('LP-GH-002').evaluate(ctx({ kind: 'fine-grained-token', token: yearly }))).toBe(
      'Compliant',
    );
    expect(
      rule('LP-GH-002').evaluate(ctx({ kind: 'fine-grained-token', token: unknownStart })),
    ).toBe('Compliant');
    expect(rule('LP-GH-002').evaluate(ctx({ kind: 'deploy-key', key: aDeployKey() }))).toBe(
      'NotApplicable',
    );
  });

  it('LP-GH-004: judges only org-wide, unsuspended, older installations with write, when the log is whole', () => {
    const write = [held('contents', 'write')];
    const app = (o = {}) => ({
      kind: 'app-installation' as const,
      installation: anInstallation(o),
    });
    const evaluate = (s: GitHubSubject, o: Partial<GitHubRuleContext> = {}) =>
      rule('LP-GH-004').evaluate(ctx(s, { permissions: write, ...o }));
    expect(evaluate(app({ repositorySelection: 'selected' }))).toBe('NotApplicable');
    expect(evaluate(app({ self: true }))).toBe('NotApplicable');
    expect(evaluate(app(), { permissions: [held('contents', 'read')] })).toBe('NotApplicable');
    expect(evaluate(app(), { auditLog: { read: true, complete: false } })).toBe('NotApplicable');
    expect(evaluate(app({ createdAt: '2026-10-01T00:00:00Z' }))).toBe('NotApplicable');
    expect(evaluate(app(), { activity: { events: 3 } })).toBe('Compliant');
    expect(evaluate({ kind: 'fine-grained-token', token: aToken() })).toBe('NotApplicable');
  });

  it('LP-GH-003: names the reach of a token on all repositories and skips reads', () => {
    const token = aToken({ repositorySelection: 'all' });
    const hit = rule('LP-GH-003').evaluate(
      ctx(
        { kind: 'fine-grained-token', token },
        { permissions: [held('secrets', 'write', { highRisk: true })] },
      ),
    );
    expect(hit).toEqual([
      expect.objectContaining({
        title: expect.stringMatching(/on all repositories$/),
        severity: 'high',
      }),
    ]);
    expect(
      rule('LP-GH-003').evaluate(
        ctx({ kind: 'fine-grained-token', token }, { permissions: [held('secrets', 'read')] }),
      ),
    ).toBe('Compliant');
    const org = rule('LP-GH-003').evaluate(
      ctx(
        { kind: 'fine-grained-token', token: aToken() },
        { permissions: [held('members', 'write', { highRisk: true, scope: 'organization' })] },
      ),
    );
    expect(org).toEqual([
      expect.objectContaining({
        title: expect.stringMatching(/members:write on the organization$/),
      }),
    ]);
    const selected = anInstallation({ repositorySelection: 'selected' });
    expect(
      rule('LP-GH-003').evaluate(
        ctx(
          { kind: 'app-installation', installation: selected },
          { permissions: [held('workflows', 'write', { highRisk: true })] },
        ),
      ),
    ).toEqual([expect.objectContaining({ title: expect.stringMatching(/selected repositories/) })]);
  });

  it('LP-GH-005 and LP-GH-010: compliant read-only and recently used keys, young keys unjudged', () => {
    const key = (o = {}) => ({ kind: 'deploy-key' as const, key: aDeployKey(o) });
    expect(rule('LP-GH-005').evaluate(ctx(key()))).toBe('Compliant');
    expect(rule('LP-GH-010').evaluate(ctx(key()))).toBe('Compliant');
    expect(
      rule('LP-GH-010').evaluate(ctx(key({ lastUsed: null, createdAt: '2026-11-01T00:00:00Z' }))),
    ).toBe('NotApplicable');
    const old = rule('LP-GH-010').evaluate(
      ctx(key({ lastUsed: '2026-01-01T00:00:00Z', readOnly: false })),
    );
    expect(old).toEqual([
      expect.objectContaining({
        severity: 'medium',
        title: expect.stringMatching(/not used in 90 days/),
      }),
    ]);
    expect(rule('LP-GH-005').evaluate(ctx({ kind: 'fine-grained-token', token: aToken() }))).toBe(
      'NotApplicable',
    );
  });

  it('LP-GH-008: nothing to say without the audit log, compliant with it', () => {
    const token = { kind: 'fine-grained-token' as const, token: aToken() };
    expect(
      rule('LP-GH-008').evaluate(ctx(token, { auditLog: { read: false, complete: false } })),
    ).toBe('NotApplicable');
    expect(rule('LP-GH-008').evaluate(ctx(token))).toBe('Compliant');
    const hit = rule('LP-GH-008').evaluate(
      ctx(token, {
        permissions: [held('administration', 'write', { status: 'unused', highRisk: true })],
      }),
    );
    expect(hit).toEqual([expect.objectContaining({ severity: 'medium' })]);
  });

  it('LP-GH-009: titles one repository by name, several by count', () => {
    const token = { kind: 'fine-grained-token' as const, token: aToken() };
    const two = rule('LP-GH-009').evaluate(
      ctx(token, {
        agentRepositories: [
          { repository: 'a', signals: [aSignal('a')] },
          { repository: 'b', signals: [aSignal('b')] },
        ],
      }),
    );
    expect(two).toEqual([
      expect.objectContaining({ title: 'Can change AI agent code in 2 repositories' }),
    ]);
  });

  it('LP-GH-006/007/009 on a trust: compliant when pinned, one title per breadth', () => {
    const trust: OidcRuleContext['trust'] = {
      roleArn: 'arn:aws:iam::111111111111:role/x',
      accountId: '111111111111',
      provider: 'token.actions.githubusercontent.com',
      statement: 0,
      audiences: [],
      subjects: [`repo:${ORG}/app:environment:prod`],
      repositories: ['app'],
      otherOwners: [],
      anyOwner: false,
      anyRepository: false,
      anyRef: false,
      workflowRepositories: [],
    };
    const c = (t: Partial<typeof trust>, agents: OidcRuleContext['agentRepositories'] = []) => ({
      trust: { ...trust, ...t },
      org: ORG,
      agentRepositories: agents,
    });
    expect(oidcRule('LP-GH-006').evaluate(c({}))).toBe('Compliant');
    expect(oidcRule('LP-GH-007').evaluate(c({}))).toBe('Compliant');
    expect(oidcRule('LP-GH-007').evaluate(c({ anyRef: true, anyRepository: true }))).toBe(
      'NotApplicable',
    );
    expect(oidcRule('LP-GH-006').evaluate(c({ anyOwner: true, subjects: ['repo:*'] }))).toEqual([
      expect.objectContaining({
        title: 'Trusts GitHub Actions of any owner (repo:*)',
        severity: 'critical',
      }),
    ]);
    expect(
      oidcRule('LP-GH-009').evaluate(
        c({}, [
          { repository: 'a', signals: [aSignal('a')] },
          { repository: 'b', signals: [aSignal('b')] },
        ]),
      ),
    ).toEqual([
      expect.objectContaining({ title: expect.stringMatching(/in 2 repositories of acme/) }),
    ]);
  });
});
