/**
 * `leash scan --github ORG` through the whole command (cli/index.ts, cli/commands/scan.ts)
 * against the loopback GitHub server: a GitHub-only scan, a scan of AWS exports and GitHub into
 * one findings.json with the Actions OIDC trusts joined to the exported roles, and the usage
 * errors a person sees.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import { runLeash as leash } from '#test/helpers/cli.ts';
import { type GeneratedOrg, generatedOrg, ORG, PERSONAL_TOKEN } from '#test/helpers/github-org.ts';
import { type GitHubServer, startGitHubServer } from '#test/helpers/github-server.ts';

const SAMPLE_IAM = new URL('../../examples/sample-account/iam', import.meta.url).pathname;
const AS_OF = '2026-11-15T00:00:00Z';

async function findings(out: string): Promise<FindingsDocument> {
  return FindingsDocumentSchema.parse(
    JSON.parse(await readFile(join(out, 'findings.json'), 'utf8')),
  );
}

/** A role in the exports that any workflow of any repository of the organization can assume. */
async function addGitHubDeployRole(dir: string): Promise<string> {
  const file = join(dir, 'authorization-details-1.json');
  const page = JSON.parse(await readFile(file, 'utf8')) as {
    RoleDetailList: Record<string, unknown>[];
  };
  const arn = 'arn:aws:iam::111122223333:role/github-deploy';
  page.RoleDetailList.push({
    Path: '/',
    RoleName: 'github-deploy',
    RoleId: 'AROAYFAGWTTWGITHUBDEP',
    Arn: arn,
    CreateDate: '2025-03-01T10:00:00+00:00',
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            Federated:
              'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: { 'token.actions.githubusercontent.com:sub': `repo:${ORG}/*` },
          },
        },
      ],
    },
    InstanceProfileList: [],
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    Tags: [],
    RoleLastUsed: {},
  });
  await writeFile(file, JSON.stringify(page));
  return arn;
}

describe('leash scan --github', () => {
  let org: GeneratedOrg;
  let server: GitHubServer;
  let dir: string;

  beforeAll(async () => {
    org = generatedOrg({ repositories: 20 });
    server = await startGitHubServer(org.data);
    dir = await mkdtemp(join(tmpdir(), 'leash-cli-github-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const githubArgs = () => [
    '--github',
    ORG,
    '--github-base-url',
    server.url,
    '--no-github-code-search',
    '--as-of',
    AS_OF,
    '--store',
    'memory',
    '--no-progress',
  ];

  it('scans an organization alone into findings.json and the reports, never printing the token', async () => {
    // Arrange
    vi.stubEnv('LEASH_GITHUB_TOKEN', PERSONAL_TOKEN);
    vi.stubEnv('GITHUB_TOKEN', undefined);
    const out = join(dir, 'github-only');

    // Act
    const run = await leash('scan', ...githubArgs(), '--out', out);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    const doc = await findings(out);
    expect(doc.github?.map((o) => o.org)).toEqual([ORG]);
    expect(doc.identities.length).toBeGreaterThan(0);
    expect(doc.identities.every((i) => i.provider === 'saas')).toBe(true);
    expect(doc.summary.identities).toBe(doc.identities.length);
    expect(doc.github?.[0]?.oidc.joined).toBe(false);
    expect((await readdir(out)).sort()).toEqual(['findings.json', 'report.html', 'report.md']);
    const header = (await readFile(join(out, 'report.md'), 'utf8')).split('\n')[2];
    expect(header).toMatch(
      new RegExp(`^GitHub \\S+/${ORG} · window 2026-08-17 to 2026-11-15 \\(90 days requested\\)`),
    );
    expect(run.stderr).not.toContain('records');
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(
      new RegExp(
        `GitHub \\S+/${ORG} \\(signed in as a token\\): 20 repositories, 8 app installations, fine-grained tokens not listed`,
      ),
    );
    expect(markdown).not.toContain('Records read');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('(signed in as a token): 20 repositories');
    expect(html).not.toContain('Records read');
    expect(run.stdout + run.stderr).not.toContain(PERSONAL_TOKEN);
  });

  it('joins the Actions OIDC trusts to the roles of the AWS exports scanned with it', async () => {
    // Arrange
    vi.stubEnv('LEASH_GITHUB_TOKEN', PERSONAL_TOKEN);
    const input = join(dir, 'iam');
    await cp(SAMPLE_IAM, input, { recursive: true });
    const roleArn = await addGitHubDeployRole(input);
    const out = join(dir, 'aws-and-github');

    // Act
    const run = await leash('scan', '--from', input, ...githubArgs(), '--out', out);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    const doc = await findings(out);
    expect(doc.accounts.length).toBeGreaterThan(0);
    expect(doc.github?.[0]?.oidc.joined).toBe(true);
    expect(doc.github?.[0]?.oidc.trusts.map((t) => t.roleArn)).toContain(roleArn);
    const role = doc.identities.find((i) => i.id === roleArn);
    expect(role?.findings.some((f) => f.ruleId.startsWith('LP-GH-'))).toBe(true);
    expect(doc.identities.some((i) => i.provider === 'saas')).toBe(true);
    expect(doc.identities.some((i) => (i.provider ?? 'aws') === 'aws')).toBe(true);
  });

  it('says how to give a credential when there is none, and exits 2', async () => {
    // Arrange
    vi.stubEnv('LEASH_GITHUB_TOKEN', undefined);
    vi.stubEnv('GITHUB_TOKEN', undefined);

    // Act
    const run = await leash('scan', ...githubArgs(), '--out', join(dir, 'no-credential'));

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--github-app-id.*LEASH_GITHUB_TOKEN/s);
  });

  it('names --github among what it can scan when given nothing to scan', async () => {
    const run = await leash('scan', '--out', join(dir, 'nothing'), '--store', 'memory');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--github <org>');
  });
});
