/**
 * GitHub revocation primitives against the loopback server: each change is checked in the
 * server's state, and so is its undo (or the statement that there is none).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteDeployKey,
  revokeTokenAccess,
  suspendInstallation,
  undoGitHubRevocation,
} from '#connectors/saas/github/revoke.ts';
import {
  APPS,
  type GeneratedOrg,
  generatedOrg,
  ORG,
  orgClients,
  PERSONAL_TOKEN,
} from '#test/helpers/github-org.ts';
import { type GitHubServer, startGitHubServer } from '#test/helpers/github-server.ts';

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

describe('revokeTokenAccess', () => {
  it('revokes a token grant, keeps the grant as prior state, and says it cannot be undone', async () => {
    // Arrange
    const c = scanner();
    const grant = server.data.tokens.find((t) => t.repository_selection === 'subset')!;

    // Act
    const result = await revokeTokenAccess(c, ORG, grant.id);
    const undo = await undoGitHubRevocation(c, result);

    // Assert
    expect(server.data.tokens.some((t) => t.id === grant.id)).toBe(false);
    expect(result).toMatchObject({
      action: 'revoke-token-access',
      applied: true,
      reversible: false,
      prior: {
        patId: grant.id,
        tokenId: grant.token_id,
        owner: grant.owner.login,
        repositories: expect.arrayContaining(grant.repositories),
        permissions: grant.permissions,
      },
    });
    expect(result.note).toMatch(/owner must request access again/);
    expect(undo).toMatchObject({
      applied: false,
      note: expect.stringMatching(/^Cannot be undone/),
    });
    const again = await revokeTokenAccess(c, ORG, grant.id);
    expect(again).toMatchObject({ applied: false, note: expect.stringMatching(/No such/) });
  });

  it('is refused to anything but a GitHub App installation', async () => {
    // Act
    const attempt = revokeTokenAccess(client({ kind: 'token', token: PERSONAL_TOKEN }), ORG, 7001);

    // Assert
    await expect(attempt).rejects.toMatchObject({ status: 403 });
    expect(server.data.tokens.some((t) => t.id === 7001)).toBe(true);
  });
});

describe('deleteDeployKey', () => {
  it('deletes a key, and undo adds the same public key again under a new id', async () => {
    // Arrange
    const c = scanner();
    const repo = server.data.repositories.find((r) => r.keys.some((k) => !k.read_only))!;
    const key = repo.keys.find((k) => !k.read_only)!;

    // Act
    const result = await deleteDeployKey(c, ORG, repo.name, key.id);
    const afterDelete = repo.keys.map((k) => k.id);
    const undo = await undoGitHubRevocation(c, result);

    // Assert
    expect(afterDelete).not.toContain(key.id);
    expect(result).toMatchObject({
      applied: true,
      reversible: true,
      prior: { id: key.id, key: key.key, title: key.title, readOnly: false },
    });
    expect(result.note).toMatch(/new id/);
    const restored = server.data.repositories
      .find((r) => r.name === repo.name)!
      .keys.find((k) => k.key === key.key);
    expect(restored).toMatchObject({ title: key.title, read_only: false });
    expect(restored!.id).not.toBe(key.id);
    expect(undo.note).toContain(`was ${key.id}`);
  });

  it('changes nothing for a key that is already gone', async () => {
    // Act
    const result = await deleteDeployKey(scanner(), ORG, server.data.repositories[0]!.name, 1);

    // Assert
    expect(result).toMatchObject({ applied: false, prior: undefined });
  });
});

describe('suspendInstallation', () => {
  it("suspends the organization's own app as the app, blocking its tokens, and undo lifts it", async () => {
    // Arrange
    const app = deployerApp();
    const installed = client({
      kind: 'app',
      appId: APPS.deployer.appId,
      privateKey: org.deployerPrivateKey,
      installationId: APPS.deployer.id,
    });
    await installed.octokit.request('GET /orgs/{org}/repos', { org: ORG });

    // Act
    const result = await suspendInstallation(app, APPS.deployer.id);
    const blocked = await installed.octokit
      .request('GET /orgs/{org}/repos', { org: ORG })
      .catch((e: { status: number }) => e.status);
    const undo = await undoGitHubRevocation(app, result);

    // Assert
    expect(result).toMatchObject({
      action: 'suspend-installation',
      applied: true,
      reversible: true,
      prior: { installationId: APPS.deployer.id, suspendedAt: null, appSlug: APPS.deployer.slug },
    });
    expect(blocked).toBe(403);
    expect(undo.applied).toBe(true);
    expect(
      server.data.installations.find((i) => i.id === APPS.deployer.id)?.suspended_at,
    ).toBeNull();
    const back = await installed.octokit.request('GET /orgs/{org}/repos', { org: ORG });
    expect(back.status).toBe(200);
  });

  it("refuses another app's installation with a clear statement", async () => {
    // Act
    const attempt = suspendInstallation(deployerApp(), APPS.legacy.id);

    // Assert
    await expect(attempt).rejects.toThrow(/only the app that owns an installation can suspend it/);
    expect(server.data.installations.find((i) => i.id === APPS.legacy.id)?.suspended_at).toBeNull();
  });

  it('changes nothing when already suspended', async () => {
    // Arrange
    const app = deployerApp();
    await suspendInstallation(app, APPS.deployer.id);

    // Act
    const again = await suspendInstallation(app, APPS.deployer.id);

    // Assert
    expect(again).toMatchObject({
      applied: false,
      note: expect.stringMatching(/Already suspended/),
    });
    expect((await undoGitHubRevocation(app, again)).applied).toBe(false);
  });
});
