/**
 * A generated GitHub organization for the loopback server (test/helpers/github-server.ts):
 * deterministic for a given size and seed (names, ids, permissions, dates, files, audit-log
 * events), except the apps' RSA keys, made fresh each time. `acme-corp` holds:
 *
 * - repositories `api-000`, `web-001`, … (`prefix-index`), a package.json or requirements.txt
 *   each, a CI workflow each; agent code in some `agent-*` and `ml-*` repositories (model SDKs,
 *   MCP configurations, a Claude Code workflow), and decoys that mention a model vendor without
 *   depending on it; deploy workflows naming AWS roles (`role-to-assume`);
 * - eight app installations (below, `APPS`), 40 fine-grained token grants, 5 pending requests;
 * - deploy keys on every fourth repository, with write keys on some;
 * - an audit log over the 90 days before `AS_OF`, with events of apps (`slug[bot]`), tokens
 *   (`token_id`) and people.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from '#connectors/saas/github/client.ts';
import type {
  AppData,
  DeployKeyData,
  GitHubOrgData,
  InstallationData,
  RepoData,
  TokenData,
} from '#test/helpers/github-server.ts';

/** The organization's login. */
export const ORG = 'acme-corp';
/** The end of the window the audit log is generated for (the tests' `AS_OF`). */
export const GITHUB_AS_OF = Date.parse('2026-11-15T00:00:00Z');
/** The AWS account the deploy workflows name. */
export const AWS_ACCOUNT = '111111111111';
/** The personal token the server accepts (as `token` auth). */
export const PERSONAL_TOKEN =
  'github_pat_11LEASHTESTTOKEN0000000000000000000000000000000000000000000';

const DAY = 86_400_000;
/** When most token grants were approved: before the 90-day window, within a year of `AS_OF`. */
const GRANTED_AT = Date.parse('2026-07-01T08:00:00Z');

/** The installations, by role in the tests. */
export const APPS = {
  scanner: { id: 1, appId: 100, slug: 'leash-scanner' },
  ci: { id: 2, appId: 101, slug: 'ci-runner' },
  release: { id: 3, appId: 102, slug: 'release-bot' },
  legacy: { id: 4, appId: 103, slug: 'legacy-sync' },
  claude: { id: 5, appId: 104, slug: 'claude' },
  copilot: { id: 6, appId: 105, slug: 'copilot-swe-agent' },
  dashboard: { id: 7, appId: 106, slug: 'old-dashboard' },
  deployer: { id: 8, appId: 107, slug: 'acme-deployer' },
} as const;

/** A generated organization, and the private keys of the apps the tests sign in as. */
export interface GeneratedOrg {
  data: GitHubOrgData;
  /** PEM (PKCS#1, as GitHub issues it) of `leash-scanner`'s private key. */
  scannerPrivateKey: string;
  /** PEM of `acme-deployer`'s private key: the app the organization controls. */
  deployerPrivateKey: string;
}

/** mulberry32: a small seeded PRNG, so the organization is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIXES = ['api', 'web', 'worker', 'infra', 'data', 'ml', 'agent', 'tools'] as const;

/** The name of repository `i`. */
export function repoName(i: number): string {
  return `${PREFIXES[i % PREFIXES.length]}-${String(i).padStart(3, '0')}`;
}

/** True for the repositories generated with agent code. */
export function isAgentRepo(i: number): boolean {
  return (i % 8 === 6 && i % 3 === 0) || (i % 8 === 5 && i % 5 === 0);
}

/** A deterministic ssh-ed25519 public key line. */
function sshKey(rand: () => number): string {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const len = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return `ssh-ed25519 ${Buffer.concat([len(type.length), type, len(key.length), key]).toString('base64')}`;
}

function appKeys(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Builds the organization.
 * @param options.repositories how many repositories (default 500)
 * @param options.plan `enterprise` (audit log API) or `team` (404 on it)
 */
export function generatedOrg(
  options: { repositories?: number; seed?: number; plan?: 'enterprise' | 'team' } = {},
): GeneratedOrg {
  const count = options.repositories ?? 500;
  const rand = prng(options.seed ?? 8);
  const repositories: RepoData[] = [];
  let keyId = 50_000;
  for (let i = 0; i < count; i++) {
    const name = repoName(i);
    const files: Record<string, string> = {
      '.github/workflows/ci.yml': `name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n`,
    };
    const agent = isAgentRepo(i);
    if (i % 2 === 0) {
      const deps: Record<string, string> = { express: '^4.21.0', zod: '^3.23.0' };
      if (agent) {
        deps['@anthropic-ai/sdk'] = '^0.40.0';
        deps['@modelcontextprotocol/sdk'] = '^1.10.0';
        if (i % 3 === 0) deps.langchain = '^0.3.0';
      }
      files['package.json'] = JSON.stringify(
        {
          name,
          version: '1.0.0',
          // Decoys: the word is in the manifest, the dependency is not.
          ...(i % 50 === 8 ? { description: 'Dashboard; not an openai client' } : {}),
          dependencies: deps,
        },
        null,
        2,
      );
    } else {
      const lines = ['requests==2.32.3', 'pydantic>=2'];
      if (agent) lines.push('openai>=1.40', 'langgraph==0.2.0', 'crewai  # agents');
      if (i % 50 === 7) lines.push('# evaluate anthropic later');
      files['requirements.txt'] = `${lines.join('\n')}\n`;
    }
    if (agent && i % 4 === 2)
      files['.mcp.json'] = JSON.stringify({
        mcpServers: {
          github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] },
          docs: { url: 'https://mcp.example.com/sse' },
        },
      });
    if (agent && i % 2 === 0)
      files['.github/workflows/claude.yml'] =
        `name: claude\non: [issue_comment]\njobs:\n  claude:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: anthropics/claude-code-action@v1\n        with:\n          anthropic_api_key: \${{ secrets.ANTHROPIC_API_KEY }}\n`;
    if (agent || i % 8 === 3)
      files['.github/workflows/deploy.yml'] =
        `name: deploy\non:\n  push:\n    branches: [main]\npermissions:\n  id-token: write\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: prod\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::${AWS_ACCOUNT}:role/${agent ? 'agent-deployer' : 'infra-deployer'}\n          aws-region: us-east-1\n`;
    const keys: DeployKeyData[] = [];
    if (i % 4 === 0)
      keys.push({
        id: keyId++,
        key: sshKey(rand),
        title: 'ci-readonly',
        read_only: true,
        created_at: '2025-03-01T10:00:00Z',
        last_used: i % 12 === 0 ? null : iso(GITHUB_AS_OF - (1 + (i % 40)) * DAY),
        added_by: 'alice-admin',
        verified: true,
        enabled: true,
      });
    if (i % 20 === 0)
      keys.push({
        id: keyId++,
        key: sshKey(rand),
        title: 'deploy-write',
        read_only: false,
        created_at: '2025-02-01T10:00:00Z',
        last_used: i % 40 === 0 ? '2026-03-01T00:00:00Z' : iso(GITHUB_AS_OF - 3 * DAY),
        added_by: 'bob-ops',
        verified: true,
        enabled: true,
      });
    if (agent && i % 8 === 6 && i % 9 === 0)
      keys.push({
        id: keyId++,
        key: sshKey(rand),
        title: 'agent-push',
        read_only: false,
        created_at: '2026-01-05T10:00:00Z',
        last_used: iso(GITHUB_AS_OF - 2 * DAY),
        added_by: 'carol-ml',
        verified: true,
        enabled: true,
      });
    repositories.push({
      id: 10_000 + i,
      name,
      private: i % 5 !== 0,
      archived: i % 37 === 36,
      default_branch: 'main',
      pushed_at: iso(GITHUB_AS_OF - (i % 100) * DAY),
      files,
      keys,
    });
  }
  const names = repositories.map((r) => r.name);
  const agentNames = repositories.filter((_r, i) => isAgentRepo(i)).map((r) => r.name);

  const scanner = appKeys();
  const deployer = appKeys();
  const otherKey = appKeys().publicKeyPem;
  const apps: AppData[] = Object.values(APPS).map((a) => ({
    id: a.appId,
    slug: a.slug,
    publicKeyPem:
      a.slug === APPS.scanner.slug
        ? scanner.publicKeyPem
        : a.slug === APPS.deployer.slug
          ? deployer.publicKeyPem
          : otherKey,
  }));
  const inst = (
    a: (typeof APPS)[keyof typeof APPS],
    permissions: Record<string, string>,
    selection: 'all' | 'selected',
    repos: string[] = [],
    extra: Partial<InstallationData> = {},
  ): InstallationData => ({
    id: a.id,
    app_id: a.appId,
    app_slug: a.slug,
    permissions: { metadata: 'read', ...permissions },
    repository_selection: selection,
    repositories: repos,
    events: ['push', 'pull_request'],
    created_at: '2025-06-01T09:00:00Z',
    updated_at: '2025-06-01T09:00:00Z',
    suspended_at: null,
    suspended_by: null,
    ...extra,
  });
  const installations: InstallationData[] = [
    inst(
      APPS.scanner,
      {
        administration: 'read',
        contents: 'read',
        members: 'read',
        organization_administration: 'read',
        organization_personal_access_tokens: 'write',
        organization_personal_access_token_requests: 'read',
        actions: 'read',
      },
      'all',
    ),
    inst(
      APPS.ci,
      {
        contents: 'write',
        checks: 'write',
        statuses: 'write',
        actions: 'write',
        pull_requests: 'write',
      },
      'all',
    ),
    inst(
      APPS.release,
      { contents: 'write', administration: 'write' },
      'selected',
      names.slice(0, 12),
    ),
    inst(
      APPS.legacy,
      { contents: 'write', issues: 'write', administration: 'write', members: 'write' },
      'all',
    ),
    inst(
      APPS.claude,
      { contents: 'write', pull_requests: 'write', issues: 'write' },
      'selected',
      agentNames.slice(0, 6),
      { created_at: '2026-09-01T12:00:00Z', updated_at: '2026-09-01T12:00:00Z' },
    ),
    inst(APPS.copilot, { contents: 'write', pull_requests: 'write', workflows: 'write' }, 'all'),
    inst(APPS.dashboard, { contents: 'read' }, 'selected', names.slice(20, 22), {
      suspended_at: '2026-06-01T00:00:00Z',
      suspended_by: { login: 'alice-admin' },
    }),
    inst(
      APPS.deployer,
      { contents: 'read', deployments: 'write', secrets: 'write', environments: 'write' },
      'selected',
      agentNames.slice(0, 3),
    ),
  ];

  const tokenNames = [
    'ci-script',
    'release-tool',
    'mcp-github-server',
    'claude-agent',
    'backup-job',
    'migration',
    'terraform',
    'local-dev',
  ];
  const tokens: TokenData[] = [];
  for (let i = 0; i < 40; i++) {
    const repo: Record<string, string> = { contents: 'read', metadata: 'read' };
    if (i % 4 === 1) Object.assign(repo, { contents: 'write', pull_requests: 'write' });
    if (i % 5 === 2) repo.administration = 'write';
    if (i % 7 === 3) repo.secrets = 'write';
    if (i % 8 === 2 || i % 8 === 3) Object.assign(repo, { contents: 'write', issues: 'write' });
    const organization: Record<string, string> = i % 10 === 4 ? { members: 'write' } : {};
    const subset = i % 3 !== 0;
    const repos = subset
      ? [
          ...new Set([
            names[(i * 7) % count]!,
            names[(i * 11) % count]!,
            ...(i % 8 === 2 || i % 8 === 3 ? [agentNames[i % agentNames.length]!] : []),
          ]),
        ]
      : [];
    const lastUsed =
      i % 6 === 5
        ? null
        : i % 6 === 4
          ? '2026-05-01T00:00:00Z'
          : iso(GITHUB_AS_OF - (1 + (i % 30)) * DAY);
    tokens.push({
      id: 7000 + i,
      owner: { login: `dev-${String(i % 15).padStart(2, '0')}`, id: 3000 + (i % 15), type: 'User' },
      repository_selection: subset ? 'subset' : 'all',
      permissions: {
        repository: repo,
        ...(Object.keys(organization).length ? { organization } : {}),
      },
      token_id: 9000 + i,
      token_name: tokenNames[i % tokenNames.length]!,
      token_expired: false,
      token_expires_at:
        i % 5 === 0 ? null : iso(GRANTED_AT + (i === 13 ? 500 : 150 + ((i * 17) % 210)) * DAY),
      token_last_used_at: lastUsed,
      access_granted_at: i === 38 ? iso(GITHUB_AS_OF - 10 * DAY) : iso(GRANTED_AT),
      repositories: repos,
    });
  }
  const tokenRequests: TokenData[] = [
    'agent-sandbox',
    'scraper',
    'docs-bot',
    'ops',
    'codex-runner',
  ].map((token_name, i) => ({
    id: 8000 + i,
    owner: { login: `new-dev-${i}`, id: 4000 + i, type: 'User' },
    repository_selection: i === 3 ? 'all' : 'subset',
    permissions: {
      repository: {
        contents: 'read',
        metadata: 'read',
        ...(i === 3 ? { administration: 'write' } : {}),
      },
    },
    token_id: 9500 + i,
    token_name,
    token_expired: false,
    token_expires_at: iso(GITHUB_AS_OF + 60 * DAY),
    token_last_used_at: null,
    reason: i === 0 ? 'Prototype agent for triage' : null,
    created_at: iso(GITHUB_AS_OF - (i + 1) * DAY),
    repositories: i === 3 ? [] : [names[i]!],
  }));

  const auditLog = generateAuditLog(rand, tokens, names, agentNames);
  return {
    data: {
      org: ORG,
      plan: options.plan ?? 'enterprise',
      repositories,
      apps,
      installations,
      tokens,
      tokenRequests,
      auditLog,
      oidcClaimKeys: ['repo', 'context'],
      personalTokens: { [PERSONAL_TOKEN]: 'alice-admin' },
    },
    scannerPrivateKey: scanner.privateKeyPem,
    deployerPrivateKey: deployer.privateKeyPem,
  };
}

/** About 30 events a day for 90 days, newest first. */
function generateAuditLog(
  rand: () => number,
  tokens: TokenData[],
  names: string[],
  agentNames: string[],
): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  let doc = 0;
  const push = (at: number, fields: Record<string, unknown>) =>
    events.push({
      '@timestamp': at,
      created_at: at,
      _document_id: `doc-${++doc}`,
      org: ORG,
      operation_type: 'modify',
      ...fields,
    });
  const app = (slug: string) => ({
    actor: `${slug}[bot]`,
    programmatic_access_type: 'GitHub App server-to-server token',
  });
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  // Tokens with administration write that use it, and secrets holders that use theirs.
  // Only tokens GitHub reports as used in the window have events: the two sources agree.
  const usedInWindow = (t: TokenData) =>
    t.token_last_used_at !== null && Date.parse(t.token_last_used_at) >= GITHUB_AS_OF - 90 * DAY;
  const adminUsers = tokens.filter(
    (t, i) =>
      t.permissions.repository?.administration === 'write' && i % 10 === 7 && usedInWindow(t),
  );
  const secretUsers = tokens.filter(
    (t, i) => t.permissions.repository?.secrets === 'write' && i % 2 === 1 && usedInWindow(t),
  );
  for (let d = 1; d <= 90; d++) {
    const day = GITHUB_AS_OF - d * DAY;
    const at = () => day + Math.floor(rand() * DAY);
    for (let k = 0; k < 12; k++)
      push(at(), {
        action: 'pull_request.merge',
        repo: `${ORG}/${pick(names)}`,
        ...app('ci-runner'),
      });
    for (let k = 0; k < 8; k++)
      push(at(), {
        action: 'repo.access',
        actor: pick(['alice-admin', 'bob-ops', 'carol-ml']),
        repo: `${ORG}/${pick(names)}`,
      });
    if (d % 3 === 0)
      push(at(), {
        action: 'protected_branch.update',
        repo: `${ORG}/${names[d % 12]}`,
        ...app('release-bot'),
      });
    if (d <= 60 && d % 2 === 0)
      push(at(), {
        action: 'pull_request.create',
        repo: `${ORG}/${pick(agentNames)}`,
        ...app('claude'),
      });
    if (d % 4 === 0)
      push(at(), {
        action: 'pull_request.create',
        repo: `${ORG}/${pick(names)}`,
        ...app('copilot-swe-agent'),
      });
    if (d % 10 === 0)
      push(at(), {
        action: 'environment.create_actions_secret',
        repo: `${ORG}/${agentNames[0]}`,
        ...app('acme-deployer'),
      });
    for (const t of adminUsers)
      if (d % 7 === 0)
        push(at(), {
          action: 'repo.update_default_branch',
          actor: t.owner.login,
          token_id: t.token_id,
          programmatic_access_type: 'Fine-grained personal access token',
          repo: `${ORG}/${t.repositories[0] ?? names[0]}`,
        });
    for (const t of secretUsers)
      if (d % 9 === 0)
        push(at(), {
          action: 'repo.create_actions_secret',
          actor: t.owner.login,
          token_id: t.token_id,
          programmatic_access_type: 'Fine-grained personal access token',
          repo: `${ORG}/${t.repositories[0] ?? names[0]}`,
        });
    if (d % 5 === 0)
      push(at(), { action: 'team.add_member', actor: 'alice-admin', team: `${ORG}/devs` });
  }
  push(Date.parse('2026-09-01T12:00:00Z'), {
    action: 'integration_installation.create',
    actor: 'alice-admin',
    integration: 'claude',
    name: 'claude',
  });
  return events.sort((a, b) => Number(b['@timestamp']) - Number(a['@timestamp']));
}

/** Clients of a generated organization on a loopback server, unpaced for tests. */
export interface OrgClients {
  /** A client with the given credential. */
  client(auth: GitHubClientOptions['auth']): GitHubClient;
  /** Leash's app installation: "Personal access tokens: write", deploy keys. */
  scanner(): GitHubClient;
  /** The app the organization controls, signed in as itself (JWT), for suspensions. */
  deployerApp(): GitHubClient;
}

/**
 * The clients tests of revocation and containment sign in with.
 * @param org the organization (read when a client is made: tests generate it in beforeAll)
 * @param baseUrl the server's URL (read when a client is made: tests start a server each)
 */
export function orgClients(org: () => GeneratedOrg, baseUrl: () => string): OrgClients {
  const client = (auth: GitHubClientOptions['auth']) =>
    createGitHubClient({ auth, baseUrl: baseUrl(), pacing: 'none', retryAfterBaseMs: 1 });
  return {
    client,
    scanner: () =>
      client({
        kind: 'app',
        appId: APPS.scanner.appId,
        privateKey: org().scannerPrivateKey,
        installationId: APPS.scanner.id,
      }),
    deployerApp: () =>
      client({ kind: 'app', appId: APPS.deployer.appId, privateKey: org().deployerPrivateKey }),
  };
}
