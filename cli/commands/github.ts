/**
 * The GitHub part of `leash scan`: the `--github ORG` options, the credential (a GitHub App
 * installation from `--github-app-id`, `--github-private-key FILE` and
 * `--github-installation-id`, or a token from LEASH_GITHUB_TOKEN / GITHUB_TOKEN, never from the
 * command line), and the `scanGitHubOrg` use case. `scan.ts` merges the result into the same
 * findings document as AWS and Entra (`mergeGitHubIntoDocument`, or `buildGitHubDocument` for a
 * GitHub-only scan). A thin adapter.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '#cli/errors.ts';
import {
  createGitHubClient,
  type GitHubAuth,
  type GitHubClient,
} from '#connectors/saas/github/client.ts';
import { type GitHubOrgScan, scanGitHubOrg } from '#connectors/saas/github/scan-org.ts';
import type { AccountInventory, IamRole } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { GrantSource } from '#core/ports/grant-source.ts';

/** The GitHub sign-in options `leash scan` and `leash contain` share, as commander gives them. */
export interface GitHubCredentialOptions {
  githubAppId?: string;
  /** File holding the app's private key (PEM). */
  githubPrivateKey?: string;
  githubInstallationId?: string;
  githubBaseUrl?: string;
  githubCaFile?: string;
}

/** GitHub options of `leash scan`, as commander gives them. */
export interface GitHubScanOptions extends GitHubCredentialOptions {
  /** The organization to scan. */
  github?: string;
  /** False with --no-github-code-search. */
  githubCodeSearch?: boolean;
  githubRequestBudget?: string;
}

/** One commander option: `program.option(o.flags, o.description)` for each. */
export interface OptionDefinition {
  flags: string;
  description: string;
}

/** The options `leash scan` adds for GitHub, in help order. */
export const GITHUB_SCAN_OPTIONS: readonly OptionDefinition[] = [
  {
    flags: '--github <org>',
    description:
      'scan a GitHub organization: app installations, fine-grained tokens, deploy keys, audit log, Actions OIDC trusts, agents in code (alone, or with --from/--aws/--entra into one findings.json)',
  },
  {
    flags: '--github-app-id <id>',
    description:
      'with --github: sign in as this GitHub App (preferred; with --github-private-key). Without it, the token in LEASH_GITHUB_TOKEN or GITHUB_TOKEN is used',
  },
  {
    flags: '--github-private-key <file>',
    description: "with --github-app-id: file holding the app's private key (PEM)",
  },
  {
    flags: '--github-installation-id <id>',
    description:
      "with --github-app-id: the app's installation on the organization (default: looked up)",
  },
  {
    flags: '--github-base-url <url>',
    description:
      'with --github: API root of a GitHub Enterprise Server, e.g. https://ghe.example.com/api/v3 (default https://api.github.com)',
  },
  {
    flags: '--github-ca-file <pem>',
    description: 'with --github: extra CA certificate to trust (an internal CA, a TLS proxy)',
  },
  {
    flags: '--no-github-code-search',
    description: 'with --github: do not search code for AI agents (saves requests)',
  },
  {
    flags: '--github-request-budget <n>',
    description:
      'with --github: most API requests the scan may make (default 4000, within 5,000 an hour)',
  },
];

/** Environment the GitHub scan may read (the CLI passes process.env). */
export interface GitHubEnv {
  LEASH_GITHUB_TOKEN?: string | undefined;
  GITHUB_TOKEN?: string | undefined;
}

/** What {@link scanGitHub} needs besides the options. */
export interface GitHubScanContext {
  /** The observation window and analysis instant, epoch ms. */
  from: number;
  to: number;
  asOf: number;
  env: GitHubEnv;
  /** Progress, one line at a time; never receives a token. */
  log: (line: string) => void;
  /** AWS roles scanned in the same run, for the Actions OIDC join. */
  awsRoles?: readonly IamRole[];
  /** Client tuning for loopback tests: no pacing, no real waits. */
  client?: { pacing?: 'github' | 'none'; retryAfterBaseMs?: number };
}

/**
 * Chooses the credential: the GitHub App when --github-app-id is given, else a token from the
 * environment.
 * @throws UsageError when neither is usable
 */
export async function githubAuth(opts: GitHubScanOptions, env: GitHubEnv): Promise<GitHubAuth> {
  if (opts.githubAppId) {
    if (!opts.githubPrivateKey)
      throw new UsageError(
        '--github-app-id needs --github-private-key <file> (the app private key)',
      );
    const privateKey = (await readFile(opts.githubPrivateKey, 'utf8')).trim();
    if (!privateKey.includes('PRIVATE KEY'))
      throw new UsageError(
        `--github-private-key ${opts.githubPrivateKey} holds no PEM private key`,
      );
    const installationId = opts.githubInstallationId
      ? positiveInt(opts.githubInstallationId, '--github-installation-id')
      : undefined;
    return {
      kind: 'app',
      appId: opts.githubAppId,
      privateKey,
      ...(installationId !== undefined ? { installationId } : {}),
    };
  }
  if (opts.githubPrivateKey || opts.githubInstallationId)
    throw new UsageError('--github-private-key and --github-installation-id need --github-app-id');
  const token = env.LEASH_GITHUB_TOKEN || env.GITHUB_TOKEN;
  if (token) return { kind: 'token', token };
  throw new UsageError(
    '--github needs a credential: --github-app-id with --github-private-key (a GitHub App, preferred), or a token in LEASH_GITHUB_TOKEN or GITHUB_TOKEN. Tokens are never taken on the command line.',
  );
}

/**
 * Scans the organization with the command's options (the `scanGitHubOrg` use case).
 * @returns the analysis (gaps inside) and the inventory read
 */
export async function scanGitHub(
  opts: GitHubScanOptions,
  ctx: GitHubScanContext,
): Promise<GitHubOrgScan> {
  const org = opts.github;
  if (!org || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(org))
    throw new UsageError(`--github needs an organization login, not "${org ?? ''}"`);
  const { client } = await connectGitHub(opts, await githubAuth(opts, ctx.env), org, {
    ...ctx.client,
    log: ctx.log,
  });
  const budget = opts.githubRequestBudget
    ? positiveInt(opts.githubRequestBudget, '--github-request-budget')
    : undefined;
  return scanGitHubOrg(client, {
    org,
    from: ctx.from,
    to: ctx.to,
    asOf: ctx.asOf,
    log: ctx.log,
    ...(opts.githubCodeSearch === false ? { codeSearch: false } : {}),
    ...(budget !== undefined ? { requestBudget: budget } : {}),
    ...(ctx.awsRoles ? { awsRoles: ctx.awsRoles } : {}),
  });
}

/** Client tuning of {@link connectGitHub}. */
export interface GitHubConnectTuning {
  /** `none` for loopback tests (default: GitHub's pacing of searches and writes). */
  pacing?: 'github' | 'none';
  retryAfterBaseMs?: number;
  /** One line per notable event; never receives a token. */
  log: (line: string) => void;
  /**
   * The host the organization is on, as identities name it (`github.com`, a server's host):
   * refused before any request when the base URL signs in elsewhere.
   */
  host?: string;
}

/** The clients of one credential for one organization. */
export interface GitHubConnection {
  /** The installation on the organization (app), or the token's client. */
  client: GitHubClient;
  /** The app itself (its JWT), for `/app/...` routes; only with app auth. */
  appClient?: GitHubClient;
}

/**
 * Builds the clients of the options' credential for an organization: for a GitHub App, the app
 * itself (its JWT) and its installation on the organization, looked up as the app unless
 * `--github-installation-id` gives it; for a token, the token's client. Only the lookup makes a
 * request.
 * @throws UsageError when the base URL is not on `tuning.host`, or the app is not installed on
 *   the organization
 */
export async function connectGitHub(
  opts: GitHubCredentialOptions,
  auth: GitHubAuth,
  org: string,
  tuning: GitHubConnectTuning,
): Promise<GitHubConnection> {
  const ca = opts.githubCaFile ? await readFile(opts.githubCaFile, 'utf8') : undefined;
  const common = {
    ...(opts.githubBaseUrl ? { baseUrl: opts.githubBaseUrl } : {}),
    ...(ca ? { ca } : {}),
    ...(tuning.pacing ? { pacing: tuning.pacing } : {}),
    ...(tuning.retryAfterBaseMs !== undefined ? { retryAfterBaseMs: tuning.retryAfterBaseMs } : {}),
    log: tuning.log,
  };
  if (auth.kind === 'token') {
    const client = createGitHubClient({ auth, ...common });
    checkHost(client, tuning.host);
    return { client };
  }
  // The app itself: no installation, so only its own routes (`/app/...`, the lookup).
  const { installationId: _given, ...app } = auth;
  const appClient = createGitHubClient({ auth: app, ...common });
  checkHost(appClient, tuning.host);
  let installationId = auth.installationId;
  if (installationId === undefined) {
    const found = await appClient.octokit
      .request('GET /orgs/{org}/installation', { org })
      .catch((err: unknown) => {
        throw new UsageError(
          `GitHub App ${auth.appId} is not installed on ${org} (or the key is not the app's): ${err instanceof Error ? err.message : String(err)}. Give --github-installation-id.`,
        );
      });
    installationId = found.data.id;
  }
  const client = createGitHubClient({ auth: { ...app, installationId }, ...common });
  return { client, appClient };
}

function checkHost(client: GitHubClient, host: string | undefined): void {
  if (host !== undefined && host.toLowerCase() !== client.host.toLowerCase())
    throw new UsageError(
      `the organization is on ${host}, but ${client.baseUrl} is on ${client.host}: give --github-base-url with the API root of ${host} (https://${host}/api/v3 for a GitHub Enterprise Server, nothing for github.com)`,
    );
}

/**
 * Wraps a grant source so the AWS inventory it loads stays readable afterwards: the GitHub
 * scan joins its roles' trust policies with Actions OIDC. `roles()` is undefined until the
 * source has loaded.
 */
export function captureAwsRoles(source: GrantSource): {
  source: GrantSource;
  roles: () => IamRole[] | undefined;
} {
  let loaded: AccountInventory | undefined;
  return {
    source: {
      loadInventory: async (issues: InputIssue[]) => {
        loaded = await source.loadInventory(issues);
        return loaded;
      },
    },
    roles: () => loaded?.roles,
  };
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive whole number, not "${text}"`);
  return n;
}
