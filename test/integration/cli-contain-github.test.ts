/**
 * `leash contain`, `approve`, `rollback` and `audit` for the GitHub kinds through the whole
 * program (commander parsing included), signed in as the scanner's GitHub App against the
 * loopback GitHub server (the organization really changes), with the embedded store in a
 * temporary directory. No AWS credentials are found (the environment is cleared, shared config
 * files point nowhere, instance metadata is off, every AWS call would go to a closed loopback
 * port): the actor is the local user, and no AWS request leaves the machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitHubClient } from '#connectors/saas/github/client.ts';
import { type CliRun, runLeash } from '#test/helpers/cli.ts';
import { APPS, type GeneratedOrg, generatedOrg, ORG } from '#test/helpers/github-org.ts';
import { type GitHubServer, startGitHubServer } from '#test/helpers/github-server.ts';

let org: GeneratedOrg;
let server: GitHubServer;
let dir: string;
let keyFile: string;
/** A loopback port nothing listens on: any AWS call is refused on this machine. */
let closedPort: number;

beforeAll(async () => {
  org = generatedOrg({ repositories: 12 });
  closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
});

beforeEach(async () => {
  server = await startGitHubServer(org.data);
  dir = mkdtempSync(join(tmpdir(), 'leash-cli-contain-github-'));
  keyFile = join(dir, 'leash-app.pem');
  writeFileSync(keyFile, org.scannerPrivateKey);
  // No AWS credentials anywhere the SDK looks, and no instance metadata (169.254.169.254).
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'LEASH_GITHUB_TOKEN',
    'GITHUB_TOKEN',
  ])
    vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('USER', 'alice');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `HOST/ORG` of the loopback server, as the findings name the organization. */
const scope = () => `${new URL(server.url).host}/${ORG}`;

/** The options that sign in as the scanner app (its installation is looked up). */
const appOptions = () => [
  '--github-app-id',
  String(APPS.scanner.appId),
  '--github-private-key',
  keyFile,
  '--github-base-url',
  server.url,
];

/** Runs `leash ...args` with the local store and AWS pointed at the closed port. */
function leash(...args: string[]): Promise<CliRun> {
  return runLeash(
    ...args,
    '--store-path',
    join(dir, 'store'),
    '--endpoint-url',
    `http://127.0.0.1:${closedPort}`,
  );
}

/** Requests that change something (installation token exchanges aside). */
const writes = () =>
  server.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/access_tokens'));

/** A repository with a read-write deploy key, the key, and its findings id. */
function aWriteKey() {
  const repo = server.data.repositories.find((r) => r.keys.some((k) => !k.read_only))!;
  const key = repo.keys.find((k) => !k.read_only)!;
  return { repo, key, id: `github:${scope()}/${repo.name}/keys/${key.id}` };
}

const requestIdOf = (run: CliRun, status: string) =>
  new RegExp(`Result: (ctn-[0-9a-f]{32}) ${status}`).exec(run.stdout)?.[1];

describe('leash contain, GitHub kinds', () => {
  it('prints the exact call of a deploy key deletion on a dry run, and changes nothing', async () => {
    // Arrange
    const { repo, key, id } = aWriteKey();

    // Act
    const dry = await leash(
      'contain',
      id,
      '--kind',
      'github.delete-deploy-key',
      '--dry-run',
      ...appOptions(),
    );

    // Assert
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Plan: ctn-[0-9a-f]{32} planned/);
    expect(dry.stdout).toContain('policy: approval (approval-by-default;');
    expect(dry.stdout).toContain(
      `call: github:DELETE /repos/{owner}/{repo}/keys/{key_id} {"owner":"${ORG}","repo":"${repo.name}","key_id":${key.id}}  # Delete deploy key ${key.id} "${key.title}" (read-write) of ${ORG}/${repo.name}`,
    );
    expect(dry.stderr).toContain(
      'the actor recorded in the audit log is the local user, cli:alice',
    );
    expect(writes()).toEqual([]);
  });

  it('deletes a deploy key once approved, records the local user, and the rollback adds it back', async () => {
    // Arrange
    const { repo, key, id } = aWriteKey();
    const admin = createGitHubClient({
      auth: {
        kind: 'app',
        appId: APPS.scanner.appId,
        privateKey: org.scannerPrivateKey,
        installationId: APPS.scanner.id,
      },
      baseUrl: server.url,
      pacing: 'none',
    });
    const publicKeys = async () =>
      (
        await admin.octokit.request('GET /repos/{owner}/{repo}/keys', {
          owner: ORG,
          repo: repo.name,
        })
      ).data.map((k) => k.key);

    // Act
    const asked = await leash(
      'contain',
      id,
      '--kind',
      'github.delete-deploy-key',
      '--reason',
      'key seen in a public gist',
      ...appOptions(),
    );
    const requestId = requestIdOf(asked, 'pending');
    const untouched = await publicKeys();
    const approved = await leash('approve', requestId!, '--reason', 'confirmed', ...appOptions());
    const deleted = await publicKeys();
    const rolledBack = await leash('rollback', requestId!, ...appOptions());
    const restored = await publicKeys();
    const audit = await leash('audit', requestId!, '--json');

    // Assert
    expect(asked.code).toBe(0);
    expect(requestId).toBeDefined();
    expect(untouched).toContain(key.key);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/Result: ctn-[0-9a-f]{32} applied/);
    expect(approved.stdout).toContain(
      'done: github:DELETE /repos/{owner}/{repo}/keys/{key_id} (applied)',
    );
    expect(deleted).not.toContain(key.key);
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stdout).toMatch(/Rollback: ctn-[0-9a-f]{32} rolled-back/);
    expect(restored).toContain(key.key);
    const chain = JSON.parse(audit.stdout) as {
      entries: { kind: string; actor: string; detail: Record<string, unknown> }[];
    };
    const requested = chain.entries[0]!;
    expect(requested.kind).toBe('requested');
    expect(requested.actor).toBe('cli:alice');
    // Named as the findings name it, so protected-name patterns see the real name.
    expect((requested.detail.request as { target: unknown }).target).toMatchObject({
      provider: 'saas',
      scope: scope(),
      id,
      type: 'deploy-key',
      name: `${key.title} (${repo.name})`,
    });
    expect(chain.entries.find((e) => e.kind === 'approved')?.actor).toBe('cli:alice');
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /repos/${ORG}/${repo.name}/keys/${key.id}`,
      `POST /repos/${ORG}/${repo.name}/keys`,
    ]);
  });

  it('revokes a token grant once approved, and the rollback says it cannot be restored', async () => {
    // Arrange
    const grant = server.data.tokens[0]!;
    const id = `github:${scope()}/personal-access-tokens/${grant.id}`;

    // Act
    const asked = await leash(
      'contain',
      id,
      '--kind',
      'github.revoke-token-access',
      ...appOptions(),
    );
    const requestId = requestIdOf(asked, 'pending');
    const approved = await leash('approve', requestId!, ...appOptions());
    const rolledBack = await leash('rollback', requestId!, ...appOptions());

    // Assert
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain(
      `Revoke the access of token "${grant.token_name}" of ${grant.owner.login} to ${ORG}`,
    );
    expect(approved.code).toBe(0);
    expect(server.data.tokens.some((t) => t.id === grant.id)).toBe(false);
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stdout).toMatch(/Rollback: ctn-[0-9a-f]{32} rollback-failed/);
    expect(rolledBack.stdout).toContain(
      `not restorable: GitHub offers the organization no way to restore a revoked fine-grained token grant: ${grant.owner.login} must request access for the token again`,
    );
  });

  it('refuses to suspend the installation Leash signs in as, and a --name that would hide its protected name', async () => {
    // Arrange
    const id = `github:${scope()}/installations/${APPS.scanner.id}`;

    // Act
    const byName = await leash(
      'contain',
      id,
      '--kind',
      'github.suspend-installation',
      ...appOptions(),
    );
    const renamed = await leash(
      'contain',
      id,
      '--kind',
      'github.suspend-installation',
      '--name',
      'scanner',
      ...appOptions(),
    );

    // Assert
    expect(byName.code).toBe(1);
    expect(byName.stdout).toContain(
      `refused: ${APPS.scanner.slug} matches the protected name pattern leash-*`,
    );
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toContain(
      `--name "scanner" is not the name GitHub gives this identity ("${APPS.scanner.slug}")`,
    );
    expect(writes()).toEqual([]);
    expect(
      server.data.installations.find((i) => i.id === APPS.scanner.id)?.suspended_at,
    ).toBeNull();
  });

  it('says which options the GitHub kinds need, and what their target is', async () => {
    // Arrange
    const { id } = aWriteKey();

    // Act
    const noOptions = await leash('contain', id, '--kind', 'github.delete-deploy-key');
    const badId = await leash(
      'contain',
      `github:${scope()}/installations/8`,
      '--kind',
      'github.delete-deploy-key',
      ...appOptions(),
    );
    const arn = await leash(
      'contain',
      'arn:aws:iam::111111111111:role/agent',
      '--kind',
      'github.revoke-token-access',
      ...appOptions(),
    );
    const elsewhere = await leash(
      'contain',
      id.replace(scope(), `github.com/${ORG}`),
      '--kind',
      'github.delete-deploy-key',
      ...appOptions(),
    );

    // Assert
    expect(noOptions.code).toBe(2);
    expect(noOptions.stderr).toContain(
      'github.delete-deploy-key: give --github-app-id and --github-private-key <file> of a GitHub App',
    );
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain(
      'the target of github.delete-deploy-key is the identity id of the findings, github:HOST/ORG/REPO/keys/KEY_ID',
    );
    expect(arn.code).toBe(2);
    expect(arn.stderr).toContain('github:HOST/ORG/personal-access-tokens/PAT_ID');
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`the organization is on github.com, but ${server.url}`);
    expect(server.requests).toEqual([]);
  });

  it('tells approve and rollback without GitHub options which options to give', async () => {
    // Arrange: a pending request, approved by someone without the app's key
    const { id } = aWriteKey();
    const asked = await leash('contain', id, '--kind', 'github.delete-deploy-key', ...appOptions());
    const requestId = requestIdOf(asked, 'pending');

    // Act
    const approved = await leash('approve', requestId!);

    // Assert
    expect(approved.code).toBe(1);
    expect(approved.stderr).toContain(
      'leash: GitHub containment is not configured: give --github-app-id and --github-private-key <file>',
    );
    expect(writes()).toEqual([]);
  });
});

describe('leash contain, the actor', () => {
  it('fails when AWS credentials exist but STS cannot be reached, rather than guessing the actor', async () => {
    // Arrange: credentials present, STS at the closed loopback port
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const { id } = aWriteKey();

    // Act
    const run = await leash(
      'contain',
      id,
      '--kind',
      'github.delete-deploy-key',
      '--dry-run',
      ...appOptions(),
    );

    // Assert
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`leash: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
    expect(run.stderr).not.toContain('local user');
    expect(run.stdout).toBe('');
    expect(server.requests).toEqual([]);
  });
});

describe('leash contain --help', () => {
  it('lists the Entra and GitHub sign-in options and an example of each provider', async () => {
    // Act
    const help = await runLeash('contain', '--help');

    // Assert
    expect(help.code).toBe(0);
    for (const flag of [
      '--tenant-id',
      '--client-id',
      '--github-app-id',
      '--github-private-key',
      '--name',
    ])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/leash contain arn:aws:iam::\S+ --kind aws\./);
    expect(help.stdout).toMatch(/--kind entra\./);
    expect(help.stdout).toMatch(/leash contain github:\S+ --kind github\./);
  });
});
