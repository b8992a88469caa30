/**
 * `leash scan --github`'s own code (cli/commands/github.ts): options, credentials from flags
 * and the environment, the scan, and the document it merges into, against the loopback server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  captureAwsRoles,
  GITHUB_SCAN_OPTIONS,
  type GitHubScanContext,
  type GitHubScanOptions,
  githubAuth,
  scanGitHub,
} from '#cli/commands/github.ts';
import { UsageError } from '#cli/errors.ts';
import { GitHubUnreachableError } from '#connectors/saas/github/errors.ts';
import { FindingsDocumentSchema } from '#core/model/findings.ts';
import { buildGitHubDocument } from '#core/saas/github/merge.ts';
import { aDocument, anInventory, aRole } from '#test/helpers/builders.ts';
import {
  APPS,
  type GeneratedOrg,
  GITHUB_AS_OF,
  generatedOrg,
  ORG,
  PERSONAL_TOKEN,
} from '#test/helpers/github-org.ts';
import { type GitHubServer, startGitHubServer } from '#test/helpers/github-server.ts';
import { selfSignedCertificate } from '#test/helpers/graph-server.ts';

const DAY = 86_400_000;
let org: GeneratedOrg;
let server: GitHubServer | undefined;
let dir: string;
let keyFile: string;

beforeAll(async () => {
  org = generatedOrg({ repositories: 30 });
  dir = await mkdtemp(join(tmpdir(), 'leash-github-'));
  keyFile = join(dir, 'app.pem');
  await writeFile(keyFile, org.scannerPrivateKey);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function context(lines: string[], env: GitHubScanContext['env'] = {}): GitHubScanContext {
  return {
    from: GITHUB_AS_OF - 90 * DAY,
    to: GITHUB_AS_OF,
    asOf: GITHUB_AS_OF,
    env,
    log: (l) => lines.push(l),
    client: { pacing: 'none', retryAfterBaseMs: 1 },
  };
}

describe('scanGitHub', () => {
  it('scans with the token from LEASH_GITHUB_TOKEN into a valid GitHub-only document, never logging it', async () => {
    // Arrange
    server = await startGitHubServer(org.data);
    const lines: string[] = [];

    // Act
    const { analysis } = await scanGitHub(
      { github: ORG, githubBaseUrl: server.url },
      context(lines, { LEASH_GITHUB_TOKEN: PERSONAL_TOKEN, GITHUB_TOKEN: 'ignored' }),
    );
    const doc = buildGitHubDocument(analysis, {
      toolVersion: 'test',
      window: { from: GITHUB_AS_OF - 90 * DAY, to: GITHUB_AS_OF },
      lookbackDays: 90,
    });

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.github?.[0]).toMatchObject({ org: ORG, auth: 'token', repositories: 30 });
    expect(lines.join('\n')).not.toContain(PERSONAL_TOKEN);
    expect(JSON.stringify(doc)).not.toContain(PERSONAL_TOKEN);
    expect(server.requests.every((r) => r.auth === 'personal')).toBe(true);
  });

  it('falls back to GITHUB_TOKEN', async () => {
    // Arrange
    server = await startGitHubServer(org.data);

    // Act
    const { inventory } = await scanGitHub(
      { github: ORG, githubBaseUrl: server.url, githubCodeSearch: false },
      context([], { GITHUB_TOKEN: PERSONAL_TOKEN }),
    );

    // Assert
    expect(inventory.auth).toBe('token');
    expect(inventory.codeSearch).toMatchObject({
      complete: false,
      detail: 'code search turned off',
    });
    expect(server.requests.some((r) => r.path.startsWith('/search/'))).toBe(false);
  });

  it('signs in as the GitHub App from its key file, looking up its installation on the organization', async () => {
    // Arrange
    server = await startGitHubServer(org.data);

    // Act
    const { inventory } = await scanGitHub(
      {
        github: ORG,
        githubBaseUrl: server.url,
        githubAppId: String(APPS.scanner.appId),
        githubPrivateKey: keyFile,
      },
      context([]),
    );

    // Assert
    expect(inventory.auth).toBe('app');
    expect(inventory.tokens).toHaveLength(40);
    expect(inventory.installations?.find((i) => i.self)?.id).toBe(APPS.scanner.id);
    expect(server.requests.find((r) => r.path === `/orgs/${ORG}/installation`)?.auth).toBe('jwt');
  });

  it('reaches a server behind an internal CA given --github-ca-file, and only then', async () => {
    // Arrange
    const tls = selfSignedCertificate('ghe.internal');
    server = await startGitHubServer(org.data, { tls });
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, tls.certificatePem);
    const opts = { github: ORG, githubBaseUrl: server.url, githubCodeSearch: false };
    const env = { LEASH_GITHUB_TOKEN: PERSONAL_TOKEN };

    // Act
    const untrusted = await scanGitHub(opts, context([], env)).catch((e: unknown) => e);
    const { inventory } = await scanGitHub({ ...opts, githubCaFile: caFile }, context([], env));

    // Assert
    expect(untrusted).toBeInstanceOf(GitHubUnreachableError);
    expect((untrusted as Error).message).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT.*--github-ca-file/);
    expect(inventory.repositories).toHaveLength(30);
    expect(inventory.host).toBe(new URL(server.url).host);
  });

  it('joins the AWS roles a captured grant source loaded', async () => {
    // Arrange
    server = await startGitHubServer(org.data);
    const role = aRole({
      name: 'ci',
      trustPolicy: aDocument({
        actions: ['sts:AssumeRoleWithWebIdentity'],
        resources: undefined,
        principal: {
          Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
        },
        condition: { StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${ORG}/*` } },
      }),
    });
    const captured = captureAwsRoles({ loadInventory: async () => anInventory({ roles: [role] }) });
    const before = captured.roles();
    await captured.source.loadInventory([]);

    // Act
    const { analysis } = await scanGitHub(
      { github: ORG, githubBaseUrl: server.url, githubCodeSearch: false },
      { ...context([], { LEASH_GITHUB_TOKEN: PERSONAL_TOKEN }), awsRoles: captured.roles()! },
    );

    // Assert
    expect(before).toBeUndefined();
    expect(analysis.organization.oidc.joined).toBe(true);
    expect(analysis.roleFindings[0]).toMatchObject({ roleArn: role.arn });
  });
});

describe('GitHub credentials and options', () => {
  it('refuses to scan without a credential, and never takes a token as an argument', async () => {
    await expect(githubAuth({ github: ORG }, {})).rejects.toThrow(UsageError);
    expect(GITHUB_SCAN_OPTIONS.some((o) => /token/.test(o.flags))).toBe(false);
  });

  it('refuses app flags that do not go together, a key file without a key, and bad numbers', async () => {
    await expect(githubAuth({ github: ORG, githubPrivateKey: keyFile }, {})).rejects.toThrow(
      /need --github-app-id/,
    );
    await expect(githubAuth({ github: ORG, githubAppId: '1' }, {})).rejects.toThrow(
      /--github-private-key/,
    );
    const empty = join(dir, 'empty.pem');
    await writeFile(empty, 'not a key');
    await expect(githubAuth({ githubAppId: '1', githubPrivateKey: empty }, {})).rejects.toThrow(
      /no PEM private key/,
    );
    await expect(
      githubAuth({ githubAppId: '1', githubPrivateKey: keyFile, githubInstallationId: 'x' }, {}),
    ).rejects.toThrow(/positive whole number/);
    await expect(scanGitHub({ github: 'not an org!' }, context([]))).rejects.toThrow(
      /organization login/,
    );
  });

  it('defines commander options that parse into GitHubScanOptions', () => {
    // Arrange
    const program = new Command('leash').exitOverride();
    for (const o of GITHUB_SCAN_OPTIONS) program.option(o.flags, o.description);

    // Act
    program.parse(
      [
        '--github',
        ORG,
        '--github-app-id',
        '12',
        '--github-private-key',
        'k.pem',
        '--github-installation-id',
        '34',
        '--github-base-url',
        'https://ghe.example.com/api/v3',
        '--github-ca-file',
        'ca.pem',
        '--no-github-code-search',
        '--github-request-budget',
        '900',
      ],
      { from: 'user' },
    );

    // Assert
    const expected: GitHubScanOptions = {
      github: ORG,
      githubAppId: '12',
      githubPrivateKey: 'k.pem',
      githubInstallationId: '34',
      githubBaseUrl: 'https://ghe.example.com/api/v3',
      githubCaFile: 'ca.pem',
      githubCodeSearch: false,
      githubRequestBudget: '900',
    };
    expect(program.opts()).toEqual(expected);
  });
});
