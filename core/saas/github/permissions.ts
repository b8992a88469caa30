/**
 * What GitHub permissions mean for Leash: which are high risk, which audit-log actions exercise
 * which permission, and which permissions' use the organization audit log records at all.
 *
 * The audit log records administrative writes (repository settings, branch protection, secrets,
 * webhooks, membership) made with a token, attributed by `actor` (`slug[bot]` for an app) and
 * `token_id` (fine-grained tokens). It does not record reads, nor content writes made through
 * the API; Git pushes only appear among Git events, kept for 7 days and exported rather than
 * listed. So a permission is only ever called unused when it is one whose writes the audit log
 * records for the whole window (`AUDITED_PERMISSIONS`); every other one is kept as unobservable.
 * @see https://docs.github.com/organizations/keeping-your-organization-secure/managing-security-settings-for-your-organization/audit-log-events-for-your-organization
 */
import type { GitHubPermission } from '#core/saas/github/model.ts';

/**
 * Permissions whose write access lets the holder take over a repository or the organization:
 * change settings and protection (administration), read or replace secrets, change workflows
 * (which run with the repository's secrets and its cloud OIDC trusts), manage members.
 */
export const HIGH_RISK_PERMISSIONS: ReadonlySet<string> = new Set([
  'administration',
  'secrets',
  'workflows',
  'organization_administration',
  'organization_secrets',
  'members',
  'organization_personal_access_tokens',
]);

/** Permissions whose writes the organization audit log records for the whole window. */
export const AUDITED_PERMISSIONS: ReadonlySet<string> = new Set([
  'administration',
  'secrets',
  'organization_secrets',
  'organization_administration',
  'members',
  'repository_hooks',
  'organization_hooks',
  'environments',
  'organization_personal_access_tokens',
]);

/** Granted to every installation and token, needed for any call: never called unused. */
const ALWAYS_NEEDED = new Set(['metadata']);

/**
 * Audit-log actions → the permission they exercise. Order matters: the first match wins, so
 * the secret rules come before the generic `repo.` and `org.` ones.
 */
const ACTION_PERMISSIONS: readonly { match: RegExp; permissions: readonly string[] }[] = [
  { match: /^git\.(push|clone|fetch)$/, permissions: ['contents'] },
  {
    match: /(actions|dependabot|codespaces)_secret/,
    permissions: ['secrets', 'organization_secrets'],
  },
  { match: /^environment\./, permissions: ['environments'] },
  { match: /^hook\./, permissions: ['repository_hooks', 'organization_hooks'] },
  {
    match:
      /^(repo\.|protected_branch\.|repository_ruleset\.|public_key\.|repository_vulnerability_alerts\.|repository_branch_protection)/,
    permissions: ['administration'],
  },
  {
    match:
      /^(team\.|org\.(add_member|remove_member|update_member|invite_member|cancel_invitation))/,
    permissions: ['members'],
  },
  {
    match: /^personal_access_token\./,
    permissions: ['organization_personal_access_tokens'],
  },
  { match: /^org\./, permissions: ['organization_administration'] },
  { match: /^pull_request(_review)?(_comment)?\./, permissions: ['pull_requests'] },
  { match: /^(issue|issue_comment|issues)\./, permissions: ['issues'] },
  { match: /^(workflows|actions_cache)\./, permissions: ['actions'] },
  { match: /^packages\./, permissions: ['packages'] },
];

/**
 * The permissions an audit-log action exercises (empty when Leash does not know the action).
 * @param action the event's `action` (`protected_branch.update`)
 */
export function permissionsOfAction(action: string): readonly string[] {
  for (const rule of ACTION_PERMISSIONS) if (rule.match.test(action)) return rule.permissions;
  return [];
}

/** True for `write` and `admin` access. */
export function isWrite(access: string): boolean {
  return access === 'write' || access === 'admin';
}

/** True when the permission gives write to something in {@link HIGH_RISK_PERMISSIONS}. */
export function isHighRisk(p: GitHubPermission): boolean {
  return isWrite(p.access) && HIGH_RISK_PERMISSIONS.has(p.name);
}

/**
 * Why a held permission's use cannot be judged from the audit log, or undefined when it can.
 * @param auditLogRead false when the audit log could not be read at all
 */
export function unobservableReason(p: GitHubPermission, auditLogRead: boolean): string | undefined {
  if (ALWAYS_NEEDED.has(p.name)) return 'needed-for-every-call';
  if (!auditLogRead) return 'no-audit-log';
  if (!isWrite(p.access)) return 'reads-not-in-audit-log';
  if (!AUDITED_PERMISSIONS.has(p.name)) return 'not-recorded-by-audit-log';
  return undefined;
}

/** The name a permission goes by in `usedActions` / `unusedActions`: `contents:write`. */
export function permissionLabel(p: Pick<GitHubPermission, 'name' | 'access'>): string {
  return `${p.name}:${p.access}`;
}

/** A flat `{ name: access }` map, as apps list permissions, into permissions with their scope. */
export function flatPermissions(map: Readonly<Record<string, string>>): GitHubPermission[] {
  return Object.entries(map)
    .filter(([, access]) => typeof access === 'string')
    .map(([name, access]) => ({ name, access, scope: scopeOf(name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Organization-level permissions among the names apps use; the rest are repository ones. */
const ORGANIZATION_PERMISSIONS = new Set([
  'members',
  'organization_administration',
  'organization_secrets',
  'organization_hooks',
  'organization_plan',
  'organization_projects',
  'organization_packages',
  'organization_self_hosted_runners',
  'organization_user_blocking',
  'organization_personal_access_tokens',
  'organization_personal_access_token_requests',
  'organization_custom_roles',
  'organization_custom_org_roles',
  'organization_custom_properties',
  'organization_announcement_banners',
  'organization_events',
  'organization_copilot_seat_management',
  'organization_copilot_agent_settings',
  'team_discussions',
  'custom_properties_for_organizations',
]);

const ACCOUNT_PERMISSIONS = new Set([
  'email_addresses',
  'followers',
  'gpg_keys',
  'git_ssh_keys',
  'interaction_limits',
  'profile',
  'starring',
  'blocking',
  'codespaces_user_secrets',
  'plan',
]);

/** The scope of a permission name as apps list them (flat). */
export function scopeOf(name: string): GitHubPermission['scope'] {
  if (ORGANIZATION_PERMISSIONS.has(name) || name.startsWith('organization_')) return 'organization';
  if (ACCOUNT_PERMISSIONS.has(name)) return 'account';
  return 'repository';
}
