/**
 * Containment primitives for GitHub identities. Each reads the current state first, keeps in
 * `prior` what is needed to undo it (or, where nothing can be undone, what was removed), and
 * then makes one change.
 *
 * - Revoke a fine-grained token's access to the organization: POST
 *   `/orgs/{org}/personal-access-tokens/{pat_id}` with `action: revoke` (only a GitHub App may
 *   call it; organization permission "Personal access tokens: write"). GitHub offers the
 *   organization no way to restore a revoked grant: the owner must request access again.
 * - Delete a deploy key: DELETE `/repos/{owner}/{repo}/keys/{key_id}` (repository
 *   "Administration: write"). Undone by adding the same public key again with the same title
 *   and read-only flag; GitHub gives it a new id.
 * - Suspend an app installation: PUT `/app/installations/{id}/suspended`, authenticated as the
 *   app itself (its JWT), so only for an app the organization controls (owns the private key
 *   of). Undone by DELETE on the same path. Suspension blocks the app's API access and webhooks
 *   for the account at once.
 * @see https://docs.github.com/rest/orgs/personal-access-tokens
 * @see https://docs.github.com/rest/deploy-keys/deploy-keys
 * @see https://docs.github.com/rest/apps/apps#suspend-an-app-installation
 */
import type { GitHubClient } from '#connectors/saas/github/client.ts';
import { githubStatus } from '#connectors/saas/github/errors.ts';
import type { RawDeployKey, RawTokenGrant } from '#connectors/saas/github/shape.ts';

/** What a revocation did. */
export type GitHubRevocationAction =
  | 'revoke-token-access'
  | 'delete-deploy-key'
  | 'suspend-installation';

/** The outcome of one revocation primitive. */
export interface GitHubRevocationResult<P = unknown> {
  action: GitHubRevocationAction;
  /** What was changed, as an API path (`repos/acme/app/keys/12`). */
  target: string;
  /** State before the change: enough to undo it, or (irreversible ones) what was removed. */
  prior: P;
  /** False when nothing needed changing (already gone, already suspended). */
  applied: boolean;
  /** Whether {@link undoGitHubRevocation} can restore the prior state. */
  reversible: boolean;
  note: string;
}

/** The outcome of {@link undoGitHubRevocation}. */
export interface GitHubUndoResult {
  action: GitHubRevocationAction;
  target: string;
  applied: boolean;
  note: string;
}

/** A token grant as it stood before its revocation. */
export interface TokenGrantPrior {
  patId: number;
  tokenId: number;
  tokenName: string | null;
  owner: string | null;
  repositorySelection: string;
  repositories: string[];
  permissions: RawTokenGrant['permissions'];
  accessGrantedAt: string | null;
  tokenExpiresAt: string | null;
  tokenLastUsedAt: string | null;
}

/** A deploy key as it stood before its deletion: the public key, to add it again. */
export interface DeployKeyPrior {
  owner: string;
  repo: string;
  id: number;
  title: string;
  /** The public key (`ssh-ed25519 AAAA…`): public material, needed to restore the key. */
  key: string;
  readOnly: boolean;
  createdAt: string | null;
  lastUsed: string | null;
  addedBy: string | null;
}

/** An installation's suspension state before the change. */
export interface InstallationPrior {
  installationId: number;
  appSlug: string | null;
  account: string | null;
  suspendedAt: string | null;
  suspendedBy: string | null;
}

/**
 * Revokes an approved fine-grained token's access to the organization. Irreversible for the
 * organization: `prior` keeps the grant (owner, permissions, repositories) for the record and
 * for whoever approves the owner's next request.
 * @param client a client signed in as a GitHub App installation with "Personal access tokens: write"
 */
export async function revokeTokenAccess(
  client: GitHubClient,
  org: string,
  patId: number,
): Promise<GitHubRevocationResult<TokenGrantPrior | undefined>> {
  const { octokit } = client;
  const target = `orgs/${org}/personal-access-tokens/${patId}`;
  const prior = await readTokenGrant(client, org, patId);
  if (!prior)
    return {
      action: 'revoke-token-access',
      target,
      prior: undefined,
      applied: false,
      reversible: false,
      note: 'No such approved token grant; nothing changed.',
    };
  await octokit.request('POST /orgs/{org}/personal-access-tokens/{pat_id}', {
    org,
    pat_id: patId,
    action: 'revoke',
  });
  return {
    action: 'revoke-token-access',
    target,
    prior,
    applied: true,
    reversible: false,
    note: `Revoked token "${prior.tokenName ?? patId}" of ${prior.owner ?? 'its owner'}: it can no longer reach the organization's private resources (it can still read public ones, and SSH keys it created keep working). This cannot be undone by the organization: the owner must request access again, and an organization owner approve it. GitHub emails the owner.`,
  };
}

/**
 * Deletes a deploy key. `prior` keeps its public key, title and read-only flag so that
 * {@link undoGitHubRevocation} can add it again (under a new id).
 * @param client a client with repository "Administration: write"
 */
export async function deleteDeployKey(
  client: GitHubClient,
  owner: string,
  repo: string,
  keyId: number,
): Promise<GitHubRevocationResult<DeployKeyPrior | undefined>> {
  const { octokit } = client;
  const target = `repos/${owner}/${repo}/keys/${keyId}`;
  const found = await getOrUndefined(() =>
    octokit.request('GET /repos/{owner}/{repo}/keys/{key_id}', { owner, repo, key_id: keyId }),
  );
  if (!found)
    return {
      action: 'delete-deploy-key',
      target,
      prior: undefined,
      applied: false,
      reversible: false,
      note: 'No such deploy key; nothing changed.',
    };
  const prior = toDeployKeyPrior(owner, repo, found.data as RawDeployKey);
  const gone = await deleteTolerant(() =>
    octokit.request('DELETE /repos/{owner}/{repo}/keys/{key_id}', { owner, repo, key_id: keyId }),
  );
  return {
    action: 'delete-deploy-key',
    target,
    prior,
    applied: !gone,
    reversible: true,
    note: `Deleted deploy key "${prior.title}" (${prior.readOnly ? 'read-only' : 'read-write'}) from ${owner}/${repo}: Git over SSH with it now fails. Undo adds the same public key again with the same title and access; GitHub gives it a new id, and its creation date and "added by" change.`,
  };
}

/**
 * Suspends an installation of an app the organization controls: the client must be signed in
 * as that app (app id and private key, no installation id), since GitHub accepts only the app's
 * own JWT on this route. Apps owned by others are suspended or uninstalled by an organization
 * owner in the organization's settings, not through the API.
 * @throws Error when the installation is not the app's (GitHub answers 404)
 */
export async function suspendInstallation(
  appClient: GitHubClient,
  installationId: number,
): Promise<GitHubRevocationResult<InstallationPrior>> {
  const { octokit } = appClient;
  const target = `app/installations/${installationId}/suspended`;
  let current: {
    app_slug?: string;
    account?: { login?: string } | null;
    suspended_at?: string | null;
    suspended_by?: { login?: string } | null;
  };
  try {
    current = (
      await octokit.request('GET /app/installations/{installation_id}', {
        installation_id: installationId,
      })
    ).data as typeof current;
  } catch (err) {
    if (githubStatus(err) === 404)
      throw new Error(
        `installation ${installationId} is not one of this app's: only the app that owns an installation can suspend it through the API; an organization owner can suspend or uninstall other apps in the organization's settings`,
        { cause: err },
      );
    throw err;
  }
  const prior: InstallationPrior = {
    installationId,
    appSlug: current.app_slug ?? null,
    account: current.account?.login ?? null,
    suspendedAt: current.suspended_at ?? null,
    suspendedBy: current.suspended_by?.login ?? null,
  };
  if (prior.suspendedAt)
    return {
      action: 'suspend-installation',
      target,
      prior,
      applied: false,
      reversible: true,
      note: `Already suspended since ${prior.suspendedAt}; nothing changed.`,
    };
  await octokit.request('PUT /app/installations/{installation_id}/suspended', {
    installation_id: installationId,
  });
  return {
    action: 'suspend-installation',
    target,
    prior,
    applied: true,
    reversible: true,
    note: `Suspended ${prior.appSlug ?? 'the app'} on ${prior.account ?? 'the account'}: its API access and webhooks for the account are blocked now. Undo lifts the suspension; nothing else changes (permissions and repository selection are kept).`,
  };
}

/**
 * Restores what a reversible revocation changed: adds a deleted deploy key again (new id), or
 * lifts a suspension. A revoked token grant cannot be restored by the organization.
 * @param client for a suspension, a client signed in as the app (as for the suspension)
 */
export async function undoGitHubRevocation(
  client: GitHubClient,
  result: GitHubRevocationResult,
): Promise<GitHubUndoResult> {
  const base = { action: result.action, target: result.target };
  if (!result.applied)
    return { ...base, applied: false, note: 'Nothing was changed, so nothing to undo.' };
  if (!result.reversible)
    return { ...base, applied: false, note: `Cannot be undone: ${result.note}` };
  const { octokit } = client;
  switch (result.action) {
    case 'delete-deploy-key': {
      const k = result.prior as DeployKeyPrior;
      const created = await octokit.request('POST /repos/{owner}/{repo}/keys', {
        owner: k.owner,
        repo: k.repo,
        title: k.title,
        key: k.key,
        read_only: k.readOnly,
      });
      return {
        ...base,
        applied: true,
        note: `Deploy key "${k.title}" added again to ${k.owner}/${k.repo} as key ${(created.data as { id: number }).id} (was ${k.id}).`,
      };
    }
    case 'suspend-installation': {
      const p = result.prior as InstallationPrior;
      await octokit.request('DELETE /app/installations/{installation_id}/suspended', {
        installation_id: p.installationId,
      });
      return { ...base, applied: true, note: 'Suspension lifted.' };
    }
    default:
      return { ...base, applied: false, note: `Cannot be undone: ${result.note}` };
  }
}

/**
 * Reads one approved fine-grained token grant as {@link revokeTokenAccess} records it (GitHub
 * has no GET for one grant: it is found in the listing; a subset's repositories are listed
 * too), or undefined when the organization holds no such grant (never approved, or revoked).
 * @param client a client signed in as a GitHub App installation (GitHub lists grants only to apps)
 */
export async function readTokenGrant(
  client: GitHubClient,
  org: string,
  patId: number,
): Promise<TokenGrantPrior | undefined> {
  const { octokit } = client;
  const grants = (await octokit.paginate('GET /orgs/{org}/personal-access-tokens', {
    org,
    per_page: 100,
  })) as RawTokenGrant[];
  const grant = grants.find((g) => g.id === patId);
  if (!grant) return undefined;
  const repositories =
    grant.repository_selection === 'subset'
      ? (
          (await octokit.paginate('GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories', {
            org,
            pat_id: patId,
            per_page: 100,
          })) as { name: string }[]
        ).map((r) => r.name)
      : [];
  return {
    patId,
    tokenId: grant.token_id,
    tokenName: grant.token_name ?? null,
    owner: grant.owner?.login ?? null,
    repositorySelection: grant.repository_selection,
    repositories,
    permissions: grant.permissions,
    accessGrantedAt: grant.access_granted_at ?? null,
    tokenExpiresAt: grant.token_expires_at ?? null,
    tokenLastUsedAt: grant.token_last_used_at ?? null,
  };
}

/**
 * Lists a repository's deploy keys with their public keys, as {@link deleteDeployKey} records
 * one.
 * @param client a client with repository "Administration: read"
 * @throws the GitHub error (404 when the repository is not there or not visible)
 */
export async function listDeployKeys(
  client: GitHubClient,
  owner: string,
  repo: string,
): Promise<DeployKeyPrior[]> {
  const keys = (await client.octokit.paginate('GET /repos/{owner}/{repo}/keys', {
    owner,
    repo,
    per_page: 100,
  })) as RawDeployKey[];
  return keys.map((k) => toDeployKeyPrior(owner, repo, k));
}

/** A deploy key from the REST API, as a revocation records it. */
function toDeployKeyPrior(owner: string, repo: string, k: RawDeployKey): DeployKeyPrior {
  return {
    owner,
    repo,
    id: k.id,
    title: k.title ?? '',
    key: k.key,
    readOnly: k.read_only !== false,
    createdAt: k.created_at ?? null,
    lastUsed: k.last_used ?? null,
    addedBy: k.added_by ?? null,
  };
}

/**
 * Reads an installation's suspension state as {@link suspendInstallation} records it, or
 * undefined when it is not an installation of the app `appClient` signs in as (GitHub answers
 * 404: only the app itself sees it on this route).
 * @param appClient a client signed in as the app (its JWT)
 */
export async function readInstallation(
  appClient: GitHubClient,
  installationId: number,
): Promise<InstallationPrior | undefined> {
  const found = await getOrUndefined(() =>
    appClient.octokit.request('GET /app/installations/{installation_id}', {
      installation_id: installationId,
    }),
  );
  if (!found) return undefined;
  const current = found.data as {
    app_slug?: string;
    account?: { login?: string } | null;
    suspended_at?: string | null;
    suspended_by?: { login?: string } | null;
  };
  return {
    installationId,
    appSlug: current.app_slug ?? null,
    account: current.account?.login ?? null,
    suspendedAt: current.suspended_at ?? null,
    suspendedBy: current.suspended_by?.login ?? null,
  };
}

/** GET, with 404 as undefined. */
async function getOrUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (githubStatus(err) === 404) return undefined;
    throw err;
  }
}

/** DELETE; true when it was already gone (404). */
async function deleteTolerant(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch (err) {
    if (githubStatus(err) === 404) return true;
    throw err;
  }
}
