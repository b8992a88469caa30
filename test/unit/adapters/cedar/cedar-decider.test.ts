import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CedarPolicyDecider,
  compilePolicySet,
  DEFAULT_POLICY_DIR,
  loadPolicyDirectory,
  SCHEMA_FILE,
} from '#adapters/cedar/cedar-decider.ts';
import { PolicyLoadError } from '#core/containment/errors.ts';
import type { ContainmentRequest } from '#core/ports/containment.ts';
import { aRequest, T0 } from '#test/unit/containment/builders.ts';

const SCHEMA = readFileSync(join(DEFAULT_POLICY_DIR, SCHEMA_FILE), 'utf8');
const decider = CedarPolicyDecider.fromDirectory();

function withTarget(
  target: Partial<ContainmentRequest['target']>,
  over: Partial<ContainmentRequest> = {},
) {
  const base = aRequest();
  return { ...base, ...over, target: { ...base.target, ...target } };
}

describe('default containment policies', () => {
  it('revokes an AI agent role automatically on a critical finding', async () => {
    // Act
    const d = await decider.decide(aRequest(), T0);

    // Assert
    expect(d).toEqual({
      decision: 'auto',
      matched: ['auto-revoke-ai-agent-sessions-on-critical'],
      policyVersion: decider.version,
      errors: [],
    });
    expect(d.policyVersion).toMatch(/^cedar-[0-9a-f]{32}$/);
  });

  it('asks for approval for an AI agent tagged production, even on a critical finding', async () => {
    // Act
    const d = await decider.decide(withTarget({ environment: 'production' }), T0);

    // Assert
    expect(d.decision).toBe('approval');
    expect(d.matched).toEqual([
      'approval-for-production',
      'auto-revoke-ai-agent-sessions-on-critical',
    ]);
  });

  it('asks for approval on a high finding, a non-agent class and a manual request', async () => {
    // Arrange
    const high = { ...aRequest(), trigger: { ...aRequest().trigger, severity: 'high' as const } };
    const workload = withTarget({ class: 'workload' });
    const manual = { ...aRequest(), trigger: { type: 'request' as const, requester: 'alice' } };

    // Act
    const decisions = await Promise.all([high, workload, manual].map((r) => decider.decide(r, T0)));

    // Assert
    expect(decisions.map((d) => [d.decision, d.matched])).toEqual([
      ['approval', ['approval-by-default']],
      ['approval', ['approval-by-default']],
      ['approval', ['approval-by-default']],
    ]);
  });

  it('asks for approval for other kinds, and irreversible ones', async () => {
    // Arrange
    const quarantine = { ...aRequest(), kind: 'aws.quarantine' as const };
    const login = withTarget({ type: 'user' }, { kind: 'aws.delete-login-profile' });

    // Act
    const [q, l] = await Promise.all([decider.decide(quarantine, T0), decider.decide(login, T0)]);

    // Assert
    expect(q.decision).toBe('approval');
    expect(l.decision).toBe('approval');
  });

  it('forbids touching an identity tagged leash:protected, whatever else matches', async () => {
    // Act
    const d = await decider.decide(withTarget({ tags: { 'leash:protected': 'true' } }), T0);

    // Assert
    expect(d).toMatchObject({
      decision: 'forbidden',
      matched: ['never-touch-protected'],
      errors: [],
    });
  });

  it('evaluates GitHub requests: approval by default, forbidden when tagged protected', async () => {
    // Arrange: a critical finding on an AI agent's deploy key, as for the auto AWS policy
    const github = {
      ...aRequest(),
      kind: 'github.delete-deploy-key' as const,
      target: {
        ...aRequest().target,
        provider: 'saas' as const,
        scope: 'github.com/acme',
        id: 'github:github.com/acme/agent-006/keys/50012',
        name: 'agent-push (agent-006)',
        type: 'deploy-key',
        tags: {},
      },
    };
    const protectedKey = {
      ...github,
      target: { ...github.target, tags: { 'leash:protected': '' } },
    };
    const revoke = { ...github, kind: 'github.revoke-token-access' as const };

    // Act
    const [d, p, r] = await Promise.all([
      decider.decide(github, T0),
      decider.decide(protectedKey, T0),
      decider.decide(revoke, T0),
    ]);

    // Assert
    expect(d).toEqual({
      decision: 'approval',
      matched: ['approval-by-default'],
      policyVersion: decider.version,
      errors: [],
    });
    expect(p).toMatchObject({ decision: 'forbidden', matched: ['never-touch-protected'] });
    expect(r.decision).toBe('approval');
  });

  it('lets a policy speak of the GitHub kinds as a group, and of irreversible ones', async () => {
    // Arrange
    const set = compilePolicySet(
      [
        {
          name: 'p.cedar',
          text: `
            @id("github-auto") @decision("auto")
            permit (principal, action in Leash::Action::"github", resource)
            when { resource.provider == "saas" && resource.scope == "github.com/acme" };
            @id("no-irreversible") forbid (principal, action in Leash::Action::"irreversible", resource);
          `,
        },
      ],
      SCHEMA,
    );
    const target = {
      ...aRequest().target,
      provider: 'saas' as const,
      scope: 'github.com/acme',
      id: 'github:github.com/acme/installations/8',
      name: 'acme-deployer',
      type: 'app-installation',
    };
    const suspend = { ...aRequest(), kind: 'github.suspend-installation' as const, target };
    const revoke = {
      ...suspend,
      kind: 'github.revoke-token-access' as const,
      target: {
        ...target,
        id: 'github:github.com/acme/personal-access-tokens/7',
        type: 'access-token',
      },
    };

    // Act
    const custom = new CedarPolicyDecider(set);
    const [s, r] = await Promise.all([custom.decide(suspend, T0), custom.decide(revoke, T0)]);

    // Assert
    expect(s).toMatchObject({ decision: 'auto', matched: ['github-auto'] });
    expect(r).toMatchObject({ decision: 'forbidden', matched: ['no-irreversible'] });
  });

  it('forbids an unknown kind with the error recorded', async () => {
    // Act
    const d = await decider.decide({ ...aRequest(), kind: 'aws.delete-role' as never }, T0);

    // Assert
    expect(d.decision).toBe('forbidden');
    expect(d.errors.join()).toContain('aws.delete-role');
  });
});

describe('custom policies', () => {
  const compile = (text: string) => compilePolicySet([{ name: 'p.cedar', text }], SCHEMA);

  it('forbids when no permit matches', async () => {
    // Arrange
    const set = compile(
      '@id("entra-only") @decision("auto") permit (principal, action in Leash::Action::"entra", resource);',
    );

    // Act
    const d = await new CedarPolicyDecider(set).decide(aRequest(), T0);

    // Assert
    expect(d).toMatchObject({ decision: 'forbidden', matched: [], errors: [] });
  });

  it('never allows when a policy errors: an erroring forbid does not let a permit through', async () => {
    // Arrange: a Long overflow is an evaluation error (validation cannot see it)
    const set = compile(`
      @id("all") @decision("auto") permit (principal, action, resource);
      @id("overflow") forbid (principal, action, resource)
      when { context.epochSeconds * 100000000000 > 0 };
    `);

    // Act
    const d = await new CedarPolicyDecider(set).decide(aRequest(), T0);

    // Assert
    expect(d.decision).toBe('forbidden');
    expect(d.errors[0]).toMatch(/^policy overflow: /);
  });

  it('sees tags, the time and the requester', async () => {
    // Arrange
    const set = compile(`
      @id("office-hours") @decision("auto")
      permit (principal == Leash::Requester::"soc", action, resource)
      when {
        resource.hasTag("team") && resource.getTag("team") == "support" &&
        context.hourUtc >= 9 && context.hourUtc < 17
      };
    `);
    const fromSoc = { ...aRequest(), trigger: { type: 'request' as const, requester: 'soc' } };

    // Act
    const inHours = await new CedarPolicyDecider(set).decide(fromSoc, T0);
    const atNight = await new CedarPolicyDecider(set).decide(
      fromSoc,
      Date.parse('2026-11-22T23:00:00Z'),
    );

    // Assert
    expect(inHours.decision).toBe('auto');
    expect(atNight.decision).toBe('forbidden');
  });

  it.each([
    [
      'a syntax error',
      'permit (principal, action, resource) when { ;',
      /p.cedar: .*unexpected token/,
    ],
    ['a permit without @decision', 'permit (principal, action, resource);', /needs @decision/],
    [
      'an unknown @decision',
      '@decision("maybe") permit (principal, action, resource);',
      /needs @decision/,
    ],
    [
      'an attribute the schema lacks',
      '@decision("auto") permit (principal, action, resource) when { resource.owner == "x" };',
      /p.cedar: policy p.cedar#0: /,
    ],
    [
      'a reused id',
      '@id("a") forbid (principal, action, resource); @id("a") forbid (principal, action, resource);',
      /the id is used twice/,
    ],
    [
      'a template',
      '@decision("auto") permit (principal == ?principal, action, resource);',
      /templates are not supported/,
    ],
  ])('refuses to load %s with a clear error', (_name, text, message) => {
    // Act
    const act = () => compile(text);

    // Assert
    expect(act).toThrow(PolicyLoadError);
    expect(act).toThrow(message);
  });

  it('refuses a schema that does not parse, and an empty policy set', () => {
    // Act
    const badSchema = () => compilePolicySet([{ name: 'p.cedar', text: '' }], 'namespace {');
    const none = () => compilePolicySet([], SCHEMA);

    // Assert
    expect(badSchema).toThrow(/the Cedar schema does not parse/);
    expect(none).toThrow('no *.cedar file');
  });
});

describe('loading a policy directory', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the files of a directory, and its version follows their text', () => {
    // Arrange
    dir = mkdtempSync(join(tmpdir(), 'leash-cedar-'));
    writeFileSync(join(dir, SCHEMA_FILE), SCHEMA);
    writeFileSync(
      join(dir, 'a.cedar'),
      '@id("all") @decision("approval") permit (principal, action, resource);',
    );
    writeFileSync(join(dir, 'README.md'), 'not a policy');

    // Act
    const first = loadPolicyDirectory(dir);
    writeFileSync(
      join(dir, 'b.cedar'),
      '@id("none") forbid (principal, action, resource) when { false };',
    );
    const second = loadPolicyDirectory(dir);

    // Assert
    expect(Object.keys(first.policies)).toEqual(['all']);
    expect(Object.keys(second.policies).sort()).toEqual(['all', 'none']);
    expect(second.version).not.toBe(first.version);
  });

  it('says which file is broken, and when the schema or directory is missing', () => {
    // Arrange
    dir = mkdtempSync(join(tmpdir(), 'leash-cedar-'));
    writeFileSync(join(dir, 'broken.cedar'), 'permit (principal, action, resource');

    // Act + Assert
    expect(() => loadPolicyDirectory(dir)).toThrow(/leash\.cedarschema is missing/);
    writeFileSync(join(dir, SCHEMA_FILE), SCHEMA);
    expect(() => loadPolicyDirectory(dir)).toThrow(/broken\.cedar: /);
    expect(() => loadPolicyDirectory(join(dir, 'nope'))).toThrow(/cannot read policy directory/);
  });
});
