import { describe, expect, it } from 'vitest';
import { MalformedContainmentRequestError } from '#core/containment/errors.ts';
import { githubTargetRef } from '#core/containment/github.ts';
import { DEFAULT_PROTECTION, iamPathOf, refusalFor } from '#core/containment/guard.ts';
import { policyVersion } from '#core/containment/policy-version.ts';
import {
  defaultKindForFinding,
  parseContainmentRequest,
  requestFromEvent,
  requestFromFinding,
} from '#core/containment/request.ts';
import type { FindingCreatedDetail } from '#core/model/events.ts';
import { ACCOUNT, AGENT_ARN, aRequest, T0 } from '#test/unit/containment/builders.ts';

const anEvent = (overrides: Record<string, unknown> = {}) => ({
  kind: 'aws.revoke-sessions',
  target: {
    provider: 'aws',
    scope: ACCOUNT,
    id: AGENT_ARN,
    name: 'support-agent',
    type: 'role',
    class: 'ai-agent',
    tags: { Environment: 'x', environment: 'Production' },
  },
  requester: 'arn:aws:sts::111111111111:assumed-role/soc/alice',
  reason: 'GuardDuty: exfiltration',
  ...overrides,
});

const aFindingEvent = (
  finding: Partial<FindingCreatedDetail['finding']> = {},
  identity: Partial<FindingCreatedDetail['identity']> = {},
): FindingCreatedDetail => ({
  runId: 'run-1',
  finding: {
    key: 'k-1',
    ruleId: 'LP-AI-002',
    severity: 'critical',
    title: 'Agent tool holds more than the agent',
    evidence: {},
    truncated: false,
    firstSeen: '2026-11-22T09:00:00Z',
    ...finding,
  },
  identity: {
    id: AGENT_ARN,
    name: 'support-agent',
    class: 'ai-agent',
    aiRole: 'agent',
    type: 'role',
    accountId: ACCOUNT,
    ...identity,
  },
  findings: { bucket: 'b', key: 'k' },
});

describe('Containment Requested', () => {
  it('gives a redelivered event the same request id, and another event another', () => {
    // Act
    const a = requestFromEvent(anEvent(), T0);
    const again = requestFromEvent(anEvent(), T0);
    const other = requestFromEvent(anEvent({ reason: 'another incident' }), T0);
    const keyed1 = requestFromEvent(anEvent({ idempotencyKey: 'INC-1' }), T0);
    const keyed2 = requestFromEvent(anEvent({ idempotencyKey: 'INC-1', reason: 'x' }), T0 + 9);

    // Assert
    expect(a.requestId).toMatch(/^ctn-[0-9a-f]{32}$/);
    expect(again.requestId).toBe(a.requestId);
    expect(other.requestId).not.toBe(a.requestId);
    expect(keyed2.requestId).toBe(keyed1.requestId);
  });

  it('fills the environment from the tags, and the trigger from the requester', () => {
    // Act
    const r = requestFromEvent(anEvent(), T0);

    // Assert
    expect(r.target.environment).toBe('production');
    expect(r.target.delegatingHuman).toBeNull();
    expect(r.trigger).toEqual({
      type: 'request',
      requester: 'arn:aws:sts::111111111111:assumed-role/soc/alice',
      reason: 'GuardDuty: exfiltration',
    });
  });

  it('makes a finding trigger of an event that names its finding', () => {
    // Act
    const r = requestFromEvent(
      anEvent({ finding: { key: 'k', ruleId: 'LP-AI-001', severity: 'high' } }),
      T0,
    );

    // Assert
    expect(r.trigger).toMatchObject({ type: 'finding', findingKey: 'k', severity: 'high' });
  });

  it.each([
    ['an unknown kind', { kind: 'aws.delete-role' }, /kind/],
    ['no requester', { requester: '' }, /requester/],
    ['a missing target', { target: undefined }, /target/],
    [
      'a kind for another provider',
      { kind: 'entra.disable-service-principal' },
      /cannot contain a aws identity/,
    ],
    [
      'a kind for another identity type',
      { kind: 'aws.lambda-kill-switch' },
      /applies to lambda-function, not role/,
    ],
    [
      'a policy to detach that is no ARN',
      { kind: 'aws.detach-policy', params: { policyArn: 'x' } },
      /params\.policyArn/,
    ],
  ])('rejects %s with a clear error', (_name, overrides, message) => {
    // Act
    const act = () => requestFromEvent(anEvent(overrides), T0);

    // Assert
    expect(act).toThrow(MalformedContainmentRequestError);
    expect(act).toThrow(message);
  });

  it('rejects a bad account id, a non-ARN AWS id and a finding trigger without its finding', () => {
    // Arrange
    const base = aRequest();

    // Act
    const badScope = () =>
      parseContainmentRequest({ ...base, target: { ...base.target, scope: '12' } });
    const badId = () =>
      parseContainmentRequest({ ...base, target: { ...base.target, id: 'role/x' } });
    const noFinding = () =>
      parseContainmentRequest({ ...base, trigger: { type: 'finding', requester: 'leash' } });
    const notAnObject = () => parseContainmentRequest('contain everything');

    // Assert
    expect(badScope).toThrow(/target\.scope: an AWS account id has 12 digits/);
    expect(badId).toThrow(/target\.id/);
    expect(noFinding).toThrow(/trigger\.findingKey/);
    expect(notAnObject).toThrow(MalformedContainmentRequestError);
  });
});

describe('GitHub requests', () => {
  const SCOPE = 'github.com/acme';
  const gitHubEvent = (
    kind: string,
    target: Record<string, unknown>,
    params: Record<string, unknown> = {},
  ) => ({
    kind,
    target: { provider: 'saas', scope: SCOPE, class: 'workload', ...target },
    requester: 'alice@example.com',
    params,
  });
  const key = { id: `github:${SCOPE}/api/keys/51`, name: 'deploy-write (api)', type: 'deploy-key' };

  it('takes the grant, key or installation from the identity id of the findings', () => {
    // Act
    const requests = [
      gitHubEvent('github.revoke-token-access', {
        id: `github:${SCOPE}/personal-access-tokens/7001`,
        name: 'ci-script (bob)',
        type: 'access-token',
      }),
      gitHubEvent('github.delete-deploy-key', key),
      gitHubEvent('github.suspend-installation', {
        id: `github:GitHub.com/ACME/installations/8`,
        name: 'acme-deployer',
        type: 'app-installation',
      }),
    ].map((e) => requestFromEvent(e, T0));

    // Assert
    expect(requests.map((r) => githubTargetRef(r).ref)).toEqual([
      { kind: 'github.revoke-token-access', host: 'github.com', org: 'acme', patId: 7001 },
      {
        kind: 'github.delete-deploy-key',
        host: 'github.com',
        org: 'acme',
        owner: 'acme',
        repo: 'api',
        keyId: 51,
      },
      { kind: 'github.suspend-installation', host: 'github.com', org: 'acme', installationId: 8 },
    ]);
    expect(requests[0]?.target.provider).toBe('saas');
  });

  it('takes them from params when the id does not encode them', () => {
    // Act
    const r = requestFromEvent(
      gitHubEvent(
        'github.delete-deploy-key',
        { ...key, id: 'incident-4711-key' },
        { owner: 'ACME', repo: 'api', keyId: 51 },
      ),
      T0,
    );

    // Assert
    expect(githubTargetRef(r).ref).toMatchObject({ owner: 'acme', repo: 'api', keyId: 51 });
  });

  it.each([
    [
      'a GitHub kind for an AWS identity',
      { ...anEvent(), kind: 'github.delete-deploy-key' },
      /cannot contain a aws identity/,
    ],
    [
      'an AWS kind for a GitHub identity',
      gitHubEvent('aws.quarantine', key),
      /cannot contain a saas identity/,
    ],
    [
      'a scope that is no HOST/ORG',
      {
        ...gitHubEvent('github.delete-deploy-key', key),
        target: { ...key, provider: 'saas', scope: 'acme' },
      },
      /target\.scope: a GitHub scope is HOST\/ORG/,
    ],
    [
      'an id of another organization',
      gitHubEvent('github.delete-deploy-key', {
        ...key,
        id: 'github:github.com/other/api/keys/51',
      }),
      /target\.id: a GitHub identity id of github\.com\/acme starts/,
    ],
    [
      'an id of another kind without params',
      gitHubEvent('github.suspend-installation', { ...key, type: 'app-installation' }),
      /params\.installationId: needed/,
    ],
    [
      'params that contradict the id',
      gitHubEvent('github.delete-deploy-key', key, { keyId: 52 }),
      /params\.keyId: 52 differs from 51/,
    ],
    [
      "another owner's repository",
      gitHubEvent('github.delete-deploy-key', key, { owner: 'someone-else' }),
      /params\.owner: deploy keys of acme's repositories only/,
    ],
    [
      'an id that is no number',
      gitHubEvent('github.revoke-token-access', { ...key, type: 'access-token' }, { patId: '7' }),
      /params\.patId/,
    ],
    [
      'a kind for another identity type',
      gitHubEvent('github.revoke-token-access', key),
      /applies to access-token, not deploy-key/,
    ],
  ])('rejects %s with a clear error', (_name, event, message) => {
    // Act
    const act = () => requestFromEvent(event, T0);

    // Assert
    expect(act).toThrow(MalformedContainmentRequestError);
    expect(act).toThrow(message);
  });

  it('protects GitHub identities by name and id, and when the snapshot says it is Leash itself', () => {
    // Arrange
    const target = requestFromEvent(gitHubEvent('github.delete-deploy-key', key), T0).target;

    // Act
    const byName = refusalFor({ ...target, name: 'leash-scanner' }, DEFAULT_PROTECTION);
    const breakGlass = refusalFor({ ...target, name: 'break-glass (api)' }, DEFAULT_PROTECTION);
    const byId = refusalFor(target, { protectedNamePatterns: [], protectedIdentityIds: [key.id] });
    const self = refusalFor(target, DEFAULT_PROTECTION, { self: true });
    const other = refusalFor(target, DEFAULT_PROTECTION, { self: false });

    // Assert
    expect([byName, breakGlass, byId, self].map((r) => r?.reason)).toEqual([
      'protected',
      'protected',
      'protected',
      'protected',
    ]);
    expect(self?.detail).toMatch(/Leash itself signs in as/);
    expect(other).toBeNull();
  });
});

describe('Finding Created', () => {
  it('revokes the sessions of an AI agent role on a critical finding, with the inventory tags', () => {
    // Act
    const r = requestFromFinding(
      aFindingEvent(),
      { tags: { environment: 'staging' }, delegatingHuman: 'alice' },
      T0,
    );

    // Assert
    expect(r).toMatchObject({
      kind: 'aws.revoke-sessions',
      target: { environment: 'staging', delegatingHuman: 'alice', class: 'ai-agent' },
      trigger: { type: 'finding', findingKey: 'k-1', ruleId: 'LP-AI-002', requester: 'leash' },
    });
    expect(requestFromFinding(aFindingEvent(), null, T0 + 5)?.requestId).toBe(r?.requestId);
  });

  it('makes a reopened finding (another run) a new request', () => {
    // Act
    const first = requestFromFinding(aFindingEvent(), null, T0);
    const reopened = requestFromFinding({ ...aFindingEvent(), runId: 'run-2' }, null, T0);

    // Assert
    expect(reopened?.requestId).not.toBe(first?.requestId);
  });

  it.each([
    [
      { ruleId: 'LP-AI-001', severity: 'high' },
      { type: 'role', class: 'ai-agent' },
      'aws.revoke-sessions',
    ],
    [{ ruleId: 'LP-IAM-005', severity: 'high' }, { type: 'role', class: 'ai-agent' }, null],
    [{ ruleId: 'LP-IAM-005', severity: 'critical' }, { type: 'role', class: 'workload' }, null],
    [
      { ruleId: 'LP-IAM-005', severity: 'critical' },
      { type: 'user', class: 'human' },
      'aws.quarantine',
    ],
    [
      { ruleId: 'LP-IAM-002', severity: 'high' },
      { type: 'user', class: 'human' },
      'aws.deactivate-access-keys',
    ],
    [{ ruleId: 'LP-IAM-007', severity: 'medium' }, { type: 'user', class: 'human' }, null],
  ] as const)('maps %o on %o to %s', (finding, identity, kind) => {
    // Act
    const r = requestFromFinding(aFindingEvent(finding, identity), null, T0);

    // Assert
    expect(r?.kind ?? null).toBe(kind);
  });

  it('maps Entra findings, and leaves SaaS identities alone', () => {
    // Arrange
    const sp = '00000000-0000-0000-0000-0000000000aa';

    // Act
    const disable = requestFromFinding(
      aFindingEvent({ ruleId: 'LP-ENTRA-007' }, { id: sp, type: 'agent-identity' }),
      null,
      T0,
    );
    const saas = requestFromFinding(aFindingEvent({}, { id: 'github/org/app' }), null, T0);

    // Assert
    expect(disable?.kind).toBe('entra.disable-service-principal');
    expect(disable?.target.provider).toBe('entra');
    expect(saas).toBeNull();
    expect(
      defaultKindForFinding({
        ruleId: 'LP-ENTRA-010',
        severity: 'medium',
        identityType: 'agent-user',
        identityClass: 'ai-agent',
        provider: 'entra',
      }),
    ).toBe('entra.revoke-user-sessions');
    expect(
      defaultKindForFinding({
        ruleId: 'LP-ENTRA-001',
        severity: 'medium',
        identityType: 'service-principal',
        identityClass: 'workload',
        provider: 'entra',
      }),
    ).toBeNull();
  });

  it('rejects a malformed finding event', () => {
    // Act
    const act = () => requestFromFinding({ runId: 'r' }, null, T0);

    // Assert
    expect(act).toThrow(MalformedContainmentRequestError);
  });
});

describe('protected identities', () => {
  const target = aRequest().target;

  it.each([
    [
      'Leash own path',
      { id: 'arn:aws:iam::111111111111:role/leash/leash-containment', name: 'x' },
      /Leash's own/,
    ],
    ['a break-glass name', { name: 'BreakGlass-Admin' }, /break-glass/],
    ['a leash- name', { name: 'leash-scanner' }, /leash-\*/],
    ['the protected tag', { tags: { 'Leash:Protected': 'TRUE' } }, /tagged/],
  ])('protects %s', (_name, overrides, detail) => {
    // Act
    const refusal = refusalFor({ ...target, ...overrides }, DEFAULT_PROTECTION);

    // Assert
    expect(refusal).toMatchObject({ reason: 'protected', detail: expect.stringMatching(detail) });
  });

  it('protects listed ids, ignores leash:protected=false, and reads the current path', () => {
    // Act
    const listed = refusalFor(target, {
      protectedNamePatterns: [],
      protectedIdentityIds: [AGENT_ARN],
    });
    const unprotected = refusalFor(
      { ...target, tags: { 'leash:protected': 'false' } },
      DEFAULT_PROTECTION,
    );
    const moved = refusalFor(target, DEFAULT_PROTECTION, { path: '/leash/' });

    // Assert
    expect(listed?.detail).toContain('by id');
    expect(unprotected).toBeNull();
    expect(moved?.reason).toBe('protected');
  });

  it('reads IAM paths from ARNs', () => {
    // Assert
    expect(iamPathOf('arn:aws:iam::111111111111:role/app')).toBe('/');
    expect(iamPathOf('arn:aws:iam::111111111111:user/a/b/bob')).toBe('/a/b/');
    expect(iamPathOf('arn:aws:lambda:eu-west-1:111111111111:function:f')).toBeNull();
  });
});

describe('policy version', () => {
  it('is the same for the same files in any order and changes with any text', () => {
    // Arrange
    const a = { name: 'a.cedar', text: 'permit(principal, action, resource);' };
    const b = { name: 'b.cedar', text: 'forbid(principal, action, resource);' };

    // Act
    const v1 = policyVersion([a, b], 'schema');
    const v2 = policyVersion([b, a], 'schema');
    const v3 = policyVersion([a, { ...b, text: `${b.text} ` }], 'schema');
    const v4 = policyVersion([a, b], 'schema2');

    // Assert
    expect(v1).toMatch(/^cedar-[0-9a-f]{32}$/);
    expect(v2).toBe(v1);
    expect(new Set([v1, v3, v4]).size).toBe(3);
  });
});
