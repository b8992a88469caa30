/**
 * The GitHub containment actuators through the real Octokit client (with @octokit/auth-app)
 * against the loopback GitHub server: each kind changes the organization, a redelivered plan
 * writes nothing, and the rollback restores the snapshot (a deploy key comes back under a new id
 * and equals the snapshot by content; a suspension is lifted) or says why it cannot (a revoked
 * token grant). Then the use case end to end, with the memory store and Cedar: the approval
 * flow, the irreversible record, a refused call, and Leash's own installation left alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CedarPolicyDecider,
  compilePolicySet,
  DEFAULT_POLICY_DIR,
  SCHEMA_FILE,
} from '#adapters/cedar/cedar-decider.ts';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import { ContainmentRequestError } from '#connectors/aws/contain/errors.ts';
import { type GitHubActuatorOptions, githubActuators } from '#connectors/saas/github/contain.ts';
import {
  applyApproved,
  approve,
  auditChain,
  type ContainmentDeps,
  contain,
  rollback,
} from '#core/containment/contain.ts';
import { requestFromEvent } from '#core/containment/request.ts';
import type {
  ContainmentKind,
  ContainmentRequest,
  PolicyDecider,
} from '#core/ports/containment.ts';
import {
  APPS,
  type GeneratedOrg,
  generatedOrg,
  ORG,
  orgClients,
} from '#test/helpers/github-org.ts';
import { type GitHubServer, startGitHubServer } from '#test/helpers/github-server.ts';

const REQUESTED_AT = Date.parse('2026-11-15T10:00:00Z');

let org: GeneratedOrg;
let server: GitHubServer;

beforeAll(() => {
  org = generatedOrg({ repositories: 40 });
});

beforeEach(async () => {
  server = await startGitHubServer(org.data);
});

afterEach(async () => {
  await server.close();
});

const { client, scanner, deployerApp } = orgClients(
  () => org,
  () => server.url,
);

/** `HOST/ORG` of the loopback server, as the findings name the organization. */
const scope = () => `${new URL(server.url).host}/${ORG}`;

/** Requests that change something (installation token exchanges aside). */
const writes = (pathEnd?: RegExp) =>
  server.requests.filter(
    (r) =>
      r.method !== 'GET' &&
      !r.path.endsWith('/access_tokens') &&
      (pathEnd === undefined || pathEnd.test(r.path)),
  );

function aRequest(
  kind: ContainmentKind,
  target: { id: string; type: string; name: string },
  params: Record<string, unknown> = {},
): ContainmentRequest {
  return {
    requestId: `req-${kind}`,
    kind,
    target: {
      provider: 'saas',
      scope: scope(),
      class: 'ai-agent',
      tags: {},
      environment: null,
      delegatingHuman: null,
      ...target,
    },
    trigger: { type: 'request', requester: 'analyst@example.com' },
    params,
    requestedAt: REQUESTED_AT,
  };
}

/** A repository with a read-write deploy key, and the key. */
function aWriteKey() {
  const repo = server.data.repositories.find((r) => r.keys.some((k) => !k.read_only))!;
  const key = repo.keys.find((k) => !k.read_only)!;
  const target = {
    id: `github:${scope()}/${repo.name}/keys/${key.id}`,
    type: 'deploy-key',
    name: `${key.title} (${repo.name})`,
  };
  return { repo, key, target };
}

const deployerTarget = () => ({
  id: `github:${scope()}/installations/${APPS.deployer.id}`,
  type: 'app-installation',
  name: APPS.deployer.slug,
});

describe('github.revoke-token-access', () => {
  it('revokes a grant once, and the rollback says the owner must request access again', async () => {
    // Arrange
    const actuator = githubActuators({ client: scanner() })['github.revoke-token-access'];
    const grant = server.data.tokens.find((t) => t.repository_selection === 'subset')!;
    const request = aRequest('github.revoke-token-access', {
      id: `github:${scope()}/personal-access-tokens/${grant.id}`,
      type: 'access-token',
      name: `${grant.token_name} (${grant.owner.login})`,
    });
    const before = await actuator.snapshot(request);
    const plan = actuator.plan(request, before);

    // Act
    const applied = await actuator.execute(request, plan);
    const redelivered = await actuator.execute(request, plan);
    const now = await actuator.snapshot(request, before);
    const undo = actuator.rollbackPlan(request, before, now);

    // Assert
    expect(before).toMatchObject({
      org: ORG,
      patId: grant.id,
      grant: {
        tokenId: grant.token_id,
        owner: grant.owner.login,
        repositories: expect.arrayContaining(grant.repositories),
      },
    });
    expect(plan.map((c) => [c.api, c.params])).toEqual([
      [
        'github:POST /orgs/{org}/personal-access-tokens/{pat_id}',
        { org: ORG, pat_id: grant.id, action: 'revoke' },
      ],
    ]);
    expect(applied).toMatchObject({ verified: true, after: { grant: null } });
    expect(applied.calls.map((c) => c.outcome)).toEqual(['applied']);
    expect(applied.notes?.[0]).toMatch(/GitHub emails its owner/);
    expect(server.data.tokens.some((t) => t.id === grant.id)).toBe(false);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes(/personal-access-tokens/)).toHaveLength(1);
    expect(undo.calls).toEqual([]);
    expect(undo.irreversible).toContain(
      `${grant.owner.login} must request access for the token again`,
    );
  });

  it('is refused to a client that is not a GitHub App installation, before any call', async () => {
    // Arrange
    const tokenClient = client({ kind: 'token', token: 'github_pat_unused' });
    const actuator = githubActuators({ client: tokenClient })['github.revoke-token-access'];
    const request = aRequest('github.revoke-token-access', {
      id: `github:${scope()}/personal-access-tokens/7001`,
      type: 'access-token',
      name: 'ci-script (bob)',
    });

    // Act
    const act = actuator.snapshot(request);

    // Assert
    await expect(act).rejects.toThrow(ContainmentRequestError);
    await expect(act).rejects.toThrow(/only for apps/);
    expect(server.requests).toEqual([]);
  });
});

describe('github.delete-deploy-key', () => {
  it('deletes a key once, and the rollback adds it back equal to the snapshot', async () => {
    // Arrange
    const actuator = githubActuators({ client: scanner() })['github.delete-deploy-key'];
    const { repo, key, target } = aWriteKey();
    const request = aRequest('github.delete-deploy-key', target);
    const before = await actuator.snapshot(request);
    const plan = actuator.plan(request, before);

    // Act
    const applied = await actuator.execute(request, plan);
    const redelivered = await actuator.execute(request, plan);
    const byIdOnly = await actuator.snapshot(request);
    const now = await actuator.snapshot(request, before);
    const undo = actuator.rollbackPlan(request, before, now);
    const rolledBack = await actuator.execute(request, undo.calls);
    const undoneAgain = await actuator.execute(request, undo.calls);
    const restored = await actuator.snapshot(request, before);

    // Assert
    expect(before).toEqual({
      repository: `${ORG}/${repo.name}`,
      deployKey: { key: key.key, title: key.title, readOnly: false },
    });
    expect(plan.map((c) => [c.api, c.params])).toEqual([
      [
        'github:DELETE /repos/{owner}/{repo}/keys/{key_id}',
        { owner: ORG, repo: repo.name, key_id: key.id },
      ],
    ]);
    expect(applied.calls.map((c) => c.outcome)).toEqual(['applied']);
    expect(applied.verified).toBe(true);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes(/\/keys\/\d+$/)).toHaveLength(1);
    expect(byIdOnly.deployKey).toBeNull();
    expect(now.deployKey).toBeNull();
    expect(undo.calls.map((c) => [c.api, c.params])).toEqual([
      [
        'github:POST /repos/{owner}/{repo}/keys',
        { owner: ORG, repo: repo.name, title: key.title, key: key.key, read_only: false },
      ],
    ]);
    expect(rolledBack.verified).toBe(true);
    expect(undoneAgain.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes(/\/keys$/)).toHaveLength(1);
    expect(restored).toEqual(before);
    const back = server.data.repositories
      .find((r) => r.name === repo.name)!
      .keys.find((k) => k.key === key.key);
    expect(back).toMatchObject({ title: key.title, read_only: false });
    expect(back!.id).not.toBe(key.id);
  });

  it('records the refused call, changes nothing, and leaves nothing to roll back', async () => {
    // Arrange: GitHub refuses the key's path (the repository's listing still answers)
    const actuator = githubActuators({ client: scanner() })['github.delete-deploy-key'];
    const { repo, key, target } = aWriteKey();
    const request = aRequest('github.delete-deploy-key', target);
    const before = await actuator.snapshot(request);
    server.deny(`/repos/${ORG}/${repo.name}/keys/${key.id}`);

    // Act
    const result = await actuator.execute(request, actuator.plan(request, before));
    const undo = actuator.rollbackPlan(request, before, await actuator.snapshot(request, before));

    // Assert
    expect(result.calls).toEqual([
      expect.objectContaining({
        ok: false,
        outcome: expect.stringMatching(/^error: .*Resource not accessible by integration/),
      }),
    ]);
    expect(result.verified).toBe(false);
    expect(result.verifyDetail).toMatch(/failed/);
    expect(result.after).toEqual(before);
    expect(server.data.repositories.find((r) => r.name === repo.name)!.keys).toContainEqual(key);
    expect(undo).toEqual({ calls: [] });
  });

  it('refuses a target on another GitHub host before any call', async () => {
    // Arrange
    const actuator = githubActuators({ client: scanner() })['github.delete-deploy-key'];
    const { target } = aWriteKey();
    const request = {
      ...aRequest('github.delete-deploy-key', target),
      target: {
        ...aRequest('github.delete-deploy-key', target).target,
        scope: `github.com/${ORG}`,
        id: target.id.replace(scope(), `github.com/${ORG}`),
      },
    };

    // Act
    const act = actuator.snapshot(request);

    // Assert
    await expect(act).rejects.toThrow(/the target is on github\.com, but the GitHub client/);
    expect(server.requests).toEqual([]);
  });
});

describe('github.suspend-installation', () => {
  it("suspends the organization's own app as the app, and the rollback lifts it", async () => {
    // Arrange
    const actuator = githubActuators({ client: scanner(), appClient: deployerApp() })[
      'github.suspend-installation'
    ];
    const installed = client({
      kind: 'app',
      appId: APPS.deployer.appId,
      privateKey: org.deployerPrivateKey,
      installationId: APPS.deployer.id,
    });
    const request = aRequest('github.suspend-installation', deployerTarget());
    const before = await actuator.snapshot(request);
    const plan = actuator.plan(request, before);

    // Act
    const applied = await actuator.execute(request, plan);
    const blocked = await installed.octokit
      .request('GET /orgs/{org}/repos', { org: ORG })
      .catch((e: { status: number }) => e.status);
    const redelivered = await actuator.execute(request, plan);
    const undo = actuator.rollbackPlan(request, before, await actuator.snapshot(request, before));
    const rolledBack = await actuator.execute(request, undo.calls);
    const restored = await actuator.snapshot(request, before);

    // Assert
    expect(before).toEqual({
      installationId: APPS.deployer.id,
      appSlug: APPS.deployer.slug,
      account: ORG,
      suspendedAt: null,
      suspendedBy: null,
      self: false,
    });
    expect(plan.map((c) => [c.api, c.params])).toEqual([
      [
        'github:PUT /app/installations/{installation_id}/suspended',
        { installation_id: APPS.deployer.id },
      ],
    ]);
    expect(applied.calls.map((c) => c.outcome)).toEqual(['applied']);
    expect(applied.after).toMatchObject({ suspendedAt: expect.any(String) });
    expect(blocked).toBe(403);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes(/\/suspended$/).map((r) => r.method)).toEqual(['PUT', 'DELETE']);
    expect(undo.calls.map((c) => c.api)).toEqual([
      'github:DELETE /app/installations/{installation_id}/suspended',
    ]);
    expect(rolledBack.verified).toBe(true);
    expect(restored).toEqual(before);
    const back = await installed.octokit.request('GET /orgs/{org}/repos', { org: ORG });
    expect(back.status).toBe(200);
  });

  it.each<[string, () => GitHubActuatorOptions, number, RegExp]>([
    [
      'without a client signed in as the app',
      () => ({ client: scanner() }),
      APPS.deployer.id,
      /No client signed in as the app is configured: only an app the organization controls can be suspended via the API/,
    ],
    [
      "for another app's installation",
      () => ({ client: scanner(), appClient: deployerApp() }),
      APPS.legacy.id,
      /is not one of the configured app's .*any other app is suspended or uninstalled by an organization owner in the organization's settings/,
    ],
  ])('is refused %s, with what to do instead', async (_name, options, installationId, message) => {
    // Arrange
    const actuator = githubActuators(options())['github.suspend-installation'];
    const request = aRequest('github.suspend-installation', {
      id: `github:${scope()}/installations/${installationId}`,
      type: 'app-installation',
      name: 'some-app',
    });

    // Act
    const act = actuator.snapshot(request);

    // Assert
    await expect(act).rejects.toThrow(ContainmentRequestError);
    await expect(act).rejects.toThrow(message);
    expect(writes()).toEqual([]);
    expect(server.data.installations.find((i) => i.id === installationId)?.suspended_at).toBeNull();
  });
});

describe('the use case', () => {
  const SCHEMA = readFileSync(join(DEFAULT_POLICY_DIR, SCHEMA_FILE), 'utf8');
  /** Applies every GitHub kind automatically, so a test reaches the actuator at once. */
  const autoForGitHub = () =>
    new CedarPolicyDecider(
      compilePolicySet(
        [
          {
            name: 'github-auto.cedar',
            text: '@id("github-auto") @decision("auto") permit (principal, action in Leash::Action::"github", resource);',
          },
        ],
        SCHEMA,
      ),
    );

  function depsWith(decider: PolicyDecider, options: Partial<GitHubActuatorOptions> = {}) {
    const notified: string[] = [];
    const deps: ContainmentDeps = {
      store: openMemoryStore(),
      decider,
      actuators: githubActuators({ client: scanner(), appClient: deployerApp(), ...options }),
      notifier: { notify: async (r) => void notified.push(r.requestId) },
      now: Date.now,
      actor: 'test',
    };
    return { deps, notified };
  }

  /** The request a `Containment Requested` event for a GitHub identity makes. */
  const requested = (kind: ContainmentKind, target: { id: string; type: string; name: string }) =>
    requestFromEvent(
      {
        kind,
        target: { provider: 'saas', scope: scope(), class: 'ai-agent', ...target },
        requester: 'alice@example.com',
        reason: 'key seen in a public gist',
      },
      Date.now(),
    );

  it('deletes a deploy key after approval by the default policies, once, and rolls it back', async () => {
    // Arrange
    const { deps, notified } = depsWith(CedarPolicyDecider.fromDirectory());
    const { repo, key, target } = aWriteKey();
    const request = requested('github.delete-deploy-key', target);

    // Act
    const pending = await contain(request, deps);
    const redelivered = await contain(request, deps);
    await approve(request.requestId, 'bob@example.com', deps, 'confirmed');
    const applied = await applyApproved(request.requestId, deps);
    const appliedAgain = await applyApproved(request.requestId, deps);
    const undone = await rollback(request.requestId, 'carol@example.com', deps, 'false alarm');
    const chain = await auditChain(request.requestId, deps);

    // Assert
    expect(pending).toMatchObject({
      status: 'pending',
      decision: { decision: 'approval', matched: ['approval-by-default'] },
    });
    expect(redelivered.status).toBe('pending');
    expect(notified).toEqual([request.requestId]);
    expect(applied.status).toBe('applied');
    expect(applied.calls.map((c) => [c.call.api, c.outcome])).toEqual([
      ['github:DELETE /repos/{owner}/{repo}/keys/{key_id}', 'applied'],
    ]);
    expect(appliedAgain).toMatchObject({ status: 'applied', replayed: true });
    expect(writes(/\/keys\/\d+$/)).toHaveLength(1);
    expect(undone.status).toBe('rolled-back');
    expect(chain.entries.at(-1)?.detail).toMatchObject({ restored: true, differences: [] });
    expect(
      server.data.repositories.find((r) => r.name === repo.name)!.keys.map((k) => k.key),
    ).toContain(key.key);
  });

  it('records a revoked token grant as not restorable, saying what the owner must do', async () => {
    // Arrange
    const { deps } = depsWith(autoForGitHub());
    const grant = server.data.tokens[0]!;
    const request = requested('github.revoke-token-access', {
      id: `github:${scope()}/personal-access-tokens/${grant.id}`,
      type: 'access-token',
      name: `${grant.token_name} (${grant.owner.login})`,
    });

    // Act
    const applied = await contain(request, deps);
    const undone = await rollback(request.requestId, 'carol@example.com', deps);
    const chain = await auditChain(request.requestId, deps);

    // Assert
    expect(applied).toMatchObject({ status: 'applied', decision: { matched: ['github-auto'] } });
    expect(undone.status).toBe('rollback-failed');
    expect(undone.detail).toMatch(/^not restorable: GitHub offers the organization no way/);
    expect(chain.entries.at(-1)).toMatchObject({
      kind: 'rollback-failed',
      detail: {
        irreversible: expect.stringContaining(`${grant.owner.login} must request access`),
        differences: ['grant'],
      },
    });
  });

  it('suspends an installation and lifts the suspension on rollback', async () => {
    // Arrange
    const { deps } = depsWith(autoForGitHub());
    const request = requested('github.suspend-installation', deployerTarget());

    // Act
    const applied = await contain(request, deps);
    const suspended = server.data.installations.find((i) => i.id === APPS.deployer.id)!;
    const whileSuspended = suspended.suspended_at;
    const undone = await rollback(request.requestId, 'carol@example.com', deps);

    // Assert
    expect(applied.status).toBe('applied');
    expect(whileSuspended).not.toBeNull();
    expect(undone.status).toBe('rolled-back');
    expect(suspended.suspended_at).toBeNull();
  });

  it('records a refused call as failed, and its rollback restores without a call', async () => {
    // Arrange
    const { deps } = depsWith(autoForGitHub());
    const { repo, key, target } = aWriteKey();
    server.deny(`/repos/${ORG}/${repo.name}/keys/${key.id}`);
    const request = requested('github.delete-deploy-key', target);

    // Act
    const failed = await contain(request, deps);
    const undone = await rollback(request.requestId, 'carol@example.com', deps);

    // Assert
    expect(failed.status).toBe('failed');
    expect(failed.detail).toMatch(
      /^1 of 1 calls failed: github:DELETE \/repos\/\{owner\}\/\{repo\}\/keys\/\{key_id\} \(error: /,
    );
    expect(undone).toMatchObject({ status: 'rolled-back', calls: [] });
    expect(server.data.repositories.find((r) => r.name === repo.name)!.keys).toContainEqual(key);
  });

  it("leaves Leash's own installation and protected names alone", async () => {
    // Arrange: the containment client is the deployer's own installation
    const installed = client({
      kind: 'app',
      appId: APPS.deployer.appId,
      privateKey: org.deployerPrivateKey,
      installationId: APPS.deployer.id,
    });
    const { deps } = depsWith(autoForGitHub(), { client: installed });
    const self = requested('github.suspend-installation', deployerTarget());
    const scannerApp = requested('github.suspend-installation', {
      id: `github:${scope()}/installations/${APPS.scanner.id}`,
      type: 'app-installation',
      name: APPS.scanner.slug,
    });

    // Act
    const own = await contain(self, deps);
    const byName = await contain(scannerApp, deps);

    // Assert
    expect(own).toMatchObject({ status: 'refused', refusal: { reason: 'protected' } });
    expect(own.detail).toMatch(/Leash itself signs in as/);
    expect(byName.detail).toMatch(/protected name pattern leash-\*/);
    expect(writes()).toEqual([]);
  });
});
