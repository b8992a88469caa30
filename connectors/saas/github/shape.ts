/**
 * Shapes GitHub REST responses into the core model (core/saas/github/model.ts). Pure apart from
 * hashing a public key into its fingerprint: fetching is in collect-org.ts, and these are unit
 * tested with recorded-style payloads. Raw types name only the fields Leash reads.
 */
import { createHash } from 'node:crypto';
import type {
  GitHubAppInstallation,
  GitHubAuditEvent,
  GitHubDeployKey,
  GitHubPermission,
  GitHubRepository,
  GitHubTokenGrant,
  GitHubTokenRequest,
} from '#core/saas/github/model.ts';
import { flatPermissions } from '#core/saas/github/permissions.ts';

/** `GET /orgs/{org}/repos` item. */
export interface RawRepository {
  id: number;
  name: string;
  private?: boolean;
  archived?: boolean;
  fork?: boolean;
  default_branch?: string | null;
  pushed_at?: string | null;
}

/** `GET /orgs/{org}/installations` item. */
export interface RawInstallation {
  id: number;
  app_id: number;
  app_slug: string;
  permissions?: Record<string, string>;
  repository_selection: 'all' | 'selected';
  events?: string[];
  created_at?: string | null;
  updated_at?: string | null;
  suspended_at?: string | null;
  suspended_by?: { login?: string } | null;
}

/** Permissions of a token grant or request, by category. */
export interface RawTokenPermissions {
  organization?: Record<string, string>;
  repository?: Record<string, string>;
  other?: Record<string, string>;
}

/** `GET /orgs/{org}/personal-access-tokens` item. */
export interface RawTokenGrant {
  id: number;
  owner?: { login?: string } | null;
  repository_selection: 'none' | 'all' | 'subset';
  permissions?: RawTokenPermissions;
  access_granted_at?: string | null;
  token_id: number;
  token_name?: string | null;
  token_expired?: boolean;
  token_expires_at?: string | null;
  token_last_used_at?: string | null;
}

/** `GET /orgs/{org}/personal-access-token-requests` item. */
export interface RawTokenRequest extends Omit<RawTokenGrant, 'access_granted_at'> {
  reason?: string | null;
  created_at?: string | null;
}

/** `GET /repos/{owner}/{repo}/keys` item. */
export interface RawDeployKey {
  id: number;
  key: string;
  title?: string | null;
  read_only?: boolean;
  created_at?: string | null;
  last_used?: string | null;
  added_by?: string | null;
  verified?: boolean;
  enabled?: boolean;
}

/** `GET /orgs/{org}/audit-log` item (GitHub Enterprise Cloud). */
export interface RawAuditEvent {
  '@timestamp'?: number;
  created_at?: number | string;
  action?: string;
  actor?: string | null;
  programmatic_access_type?: string | null;
  token_id?: number | null;
  repo?: string | null;
  integration?: string | null;
  name?: string | null;
}

/** A repository. */
export function toRepository(r: RawRepository): GitHubRepository {
  return {
    id: r.id,
    name: r.name,
    private: r.private === true,
    archived: r.archived === true,
    fork: r.fork === true,
    defaultBranch: r.default_branch ?? null,
    pushedAt: r.pushed_at ?? null,
  };
}

/**
 * An app installation.
 * @param selfId the installation Leash signs in as, marked `self`
 */
export function toInstallation(r: RawInstallation, selfId?: number): GitHubAppInstallation {
  const out: GitHubAppInstallation = {
    id: r.id,
    appId: r.app_id,
    appSlug: r.app_slug,
    permissions: flatPermissions(r.permissions ?? {}),
    repositorySelection: r.repository_selection,
    events: [...(r.events ?? [])].sort(),
    createdAt: r.created_at ?? null,
    updatedAt: r.updated_at ?? null,
    suspendedAt: r.suspended_at ?? null,
    suspendedBy: r.suspended_by?.login ?? null,
  };
  if (selfId !== undefined && r.id === selfId) out.self = true;
  return out;
}

/** A token's permissions, each with the scope GitHub files it under. */
export function tokenPermissions(p: RawTokenPermissions | undefined): GitHubPermission[] {
  const out: GitHubPermission[] = [];
  const add = (map: Record<string, string> | undefined, scope: GitHubPermission['scope']) => {
    for (const [name, access] of Object.entries(map ?? {}))
      if (typeof access === 'string') out.push({ name, access, scope });
  };
  add(p?.repository, 'repository');
  add(p?.organization, 'organization');
  add(p?.other, 'account');
  return out.sort((a, b) => a.scope.localeCompare(b.scope) || a.name.localeCompare(b.name));
}

/**
 * An approved fine-grained token.
 * @param repositories the subset's repository names, when listed
 */
export function toTokenGrant(r: RawTokenGrant, repositories?: string[]): GitHubTokenGrant {
  const out: GitHubTokenGrant = {
    patId: r.id,
    tokenId: r.token_id,
    tokenName: r.token_name ?? `token ${r.token_id}`,
    owner: r.owner?.login ?? 'unknown',
    repositorySelection: r.repository_selection,
    permissions: tokenPermissions(r.permissions),
    accessGrantedAt: r.access_granted_at ?? null,
    tokenExpired: r.token_expired === true,
    tokenExpiresAt: r.token_expires_at ?? null,
    tokenLastUsedAt: r.token_last_used_at ?? null,
  };
  if (repositories) out.repositories = [...repositories].sort();
  return out;
}

/** A pending token request. */
export function toTokenRequest(r: RawTokenRequest, repositories?: string[]): GitHubTokenRequest {
  const out: GitHubTokenRequest = {
    requestId: r.id,
    tokenId: r.token_id,
    tokenName: r.token_name ?? `token ${r.token_id}`,
    owner: r.owner?.login ?? 'unknown',
    reason: r.reason ?? null,
    repositorySelection: r.repository_selection,
    permissions: tokenPermissions(r.permissions),
    createdAt: r.created_at ?? null,
    tokenExpiresAt: r.token_expires_at ?? null,
  };
  if (repositories) out.repositories = [...repositories].sort();
  return out;
}

/**
 * A deploy key. The public key is reduced to its fingerprint; `lastUsed` stays undefined when
 * the response has no `last_used` field at all.
 * @param repository the repository's name
 */
export function toDeployKey(r: RawDeployKey, repository: string): GitHubDeployKey {
  const out: GitHubDeployKey = {
    id: r.id,
    repository,
    title: r.title ?? `key ${r.id}`,
    readOnly: r.read_only !== false,
    createdAt: r.created_at ?? null,
    addedBy: r.added_by ?? null,
    verified: r.verified === true,
    enabled: typeof r.enabled === 'boolean' ? r.enabled : null,
    fingerprint: fingerprint(r.key),
  };
  if ('last_used' in r) out.lastUsed = r.last_used ?? null;
  return out;
}

/** OpenSSH's SHA256 fingerprint of a public key line (`ssh-ed25519 AAAA… comment`). */
export function fingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1] ?? publicKey;
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** An audit-log event, or undefined when it has no usable time or action. */
export function toAuditEvent(r: RawAuditEvent): GitHubAuditEvent | undefined {
  const raw = r['@timestamp'] ?? r.created_at;
  const at = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(at) || !r.action) return undefined;
  return {
    at,
    action: r.action,
    actor: r.actor ?? null,
    programmaticAccessType: r.programmatic_access_type ?? null,
    tokenId: typeof r.token_id === 'number' ? r.token_id : null,
    repository: r.repo ?? null,
    integration:
      r.integration ?? (r.action.startsWith('integration_installation.') ? (r.name ?? null) : null),
  };
}
