/**
 * Pure shaping of Microsoft Graph JSON into the Entra model (core/entra/model.ts). No I/O: the
 * collector fetches, these functions map, and unit tests feed them recorded Graph payloads.
 * Secret values are never read: `secretText` and certificate `key` are not copied anywhere.
 */
import type {
  Application,
  AppRole,
  AppRoleAssignment,
  FederatedIdentityCredential,
  KeyCredential,
  OAuth2PermissionGrant,
  PasswordCredential,
  ServicePrincipal,
  UnifiedRoleAssignment,
  UnifiedRoleDefinition,
} from '@microsoft/microsoft-graph-types';
import { isPrivilegedRole } from '#connectors/entra/privileged-roles.ts';
import type {
  EntraAgentUser,
  EntraAppPermission,
  EntraCredential,
  EntraDelegatedGrant,
  EntraDirectoryRole,
  EntraFederatedCredential,
  EntraPersonRef,
  EntraServicePrincipal,
} from '#core/entra/model.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** A service principal as listed, including agent-identity properties (v1.0 CSDL 2026). */
export type RawServicePrincipal = ServicePrincipal & {
  '@odata.type'?: string;
  agentIdentityBlueprintId?: string | null;
  createdDateTime?: string | null;
};

/** An application as listed with `$expand=federatedIdentityCredentials`. */
export type RawApplication = Application & {
  federatedIdentityCredentials?: FederatedIdentityCredential[];
};

/** A directory object from `/owners` or `/sponsors`. */
export interface RawDirectoryObject {
  '@odata.type'?: string;
  id?: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
}

/** A role assignment with `$expand=roleDefinition`; beta definitions carry `isPrivileged`. */
export type RawRoleAssignment = UnifiedRoleAssignment & {
  roleDefinition?: (UnifiedRoleDefinition & { isPrivileged?: boolean | null }) | null;
};

/** A `signInActivity` of the beta reports. */
interface RawSignInActivity {
  lastSignInDateTime?: string | null;
  lastSignInRequestId?: string | null;
}

/** beta `servicePrincipalSignInActivity`. */
export interface RawServicePrincipalSignIn {
  id?: string;
  appId?: string;
  lastSignInActivity?: RawSignInActivity | null;
  applicationAuthenticationClientSignInActivity?: RawSignInActivity | null;
  delegatedClientSignInActivity?: RawSignInActivity | null;
}

/** beta `appCredentialSignInActivity`. */
export interface RawCredentialSignIn {
  id?: string;
  appId?: string;
  keyId?: string;
  credentialOrigin?: string;
  signInActivity?: RawSignInActivity | null;
}

/** The appRoleId meaning "default access" on an API without app roles. */
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

/** The agent identity type (`#microsoft.graph.agentIdentity`, servicePrincipalType ServiceIdentity). */
export function isAgentIdentity(
  raw: Pick<RawServicePrincipal, '@odata.type' | 'servicePrincipalType'>,
): boolean {
  return (
    raw['@odata.type'] === '#microsoft.graph.agentIdentity' ||
    raw.servicePrincipalType === 'ServiceIdentity'
  );
}

/**
 * Normalizes a Graph timestamp to ISO 8601 UTC. Graph's own samples use offsets such as `-8:00`
 * (one hour digit), which Date.parse rejects.
 * @returns undefined for null, empty or unparsable input
 */
export function normalizeGraphDate(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const fixed = value.replace(/([+-])(\d):(\d\d)$/, '$10$2:$3');
  const ms = Date.parse(fixed);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Like {@link normalizeGraphDate}, recording an issue when a present value does not parse. */
function date(
  value: string | null | undefined,
  where: { file: string; location: string },
  issues: InputIssue[],
): string | undefined {
  const d = normalizeGraphDate(value);
  if (value && !d)
    issues.push({
      ...where,
      reason: 'invalid-date',
      detail: `unparsable timestamp ${JSON.stringify(value)}; ignored`,
    });
  return d;
}

/**
 * Maps a listed service principal to the model, with empty relationship lists the collector
 * fills later.
 * @returns undefined (and an issue) when `id` or `appId` is missing
 */
export function toServicePrincipal(
  raw: RawServicePrincipal,
  issues: InputIssue[],
): EntraServicePrincipal | undefined {
  if (!raw.id || !raw.appId) {
    issues.push({
      file: 'GET /servicePrincipals',
      location: raw.id ?? raw.displayName ?? '(no id)',
      reason: 'missing-field',
      detail: `service principal without ${raw.id ? 'appId' : 'id'}; skipped`,
    });
    return undefined;
  }
  const where = { file: 'GET /servicePrincipals', location: raw.id };
  const sp: EntraServicePrincipal = {
    id: raw.id,
    appId: raw.appId,
    displayName: raw.displayName ?? raw.appDisplayName ?? raw.appId,
    // Agent identities are ServiceIdentity; older payloads may only carry the @odata.type.
    servicePrincipalType: isAgentIdentity(raw)
      ? 'ServiceIdentity'
      : (raw.servicePrincipalType ?? 'Application'),
    accountEnabled: raw.accountEnabled !== false,
    tags: raw.tags ?? [],
    credentials: toCredentials(raw, 'servicePrincipal', where, issues),
    federatedCredentials: [],
    owners: [],
    sponsors: [],
    appPermissions: [],
    delegatedGrants: [],
    directoryRoles: [],
  };
  if (raw['@odata.type']) sp.odataType = raw['@odata.type'];
  if (raw.appOwnerOrganizationId) sp.appOwnerOrganizationId = raw.appOwnerOrganizationId;
  const created = date(raw.createdDateTime, where, issues);
  if (created) sp.createdDateTime = created;
  if (raw.agentIdentityBlueprintId) sp.agentIdentityBlueprintId = raw.agentIdentityBlueprintId;
  return sp;
}

/**
 * Maps password and certificate credentials (metadata only: never `secretText` or `key`).
 * @param on where they were read: the application object or the service principal itself
 */
export function toCredentials(
  holder: {
    passwordCredentials?: PasswordCredential[] | null;
    keyCredentials?: KeyCredential[] | null;
  },
  on: EntraCredential['on'],
  where: { file: string; location: string },
  issues: InputIssue[],
): EntraCredential[] {
  const out: EntraCredential[] = [];
  const add = (c: PasswordCredential | KeyCredential, kind: EntraCredential['kind']) => {
    if (!c.keyId) return;
    const cred: EntraCredential = { keyId: c.keyId, kind, on };
    if (c.displayName) cred.displayName = c.displayName;
    const start = date(c.startDateTime, where, issues);
    if (start) cred.startDateTime = start;
    const end = date(c.endDateTime, where, issues);
    if (end) cred.endDateTime = end;
    out.push(cred);
  };
  for (const c of holder.passwordCredentials ?? []) add(c, 'password');
  for (const c of holder.keyCredentials ?? []) add(c, 'certificate');
  return out;
}

/** Maps federated identity credentials (issuer and subject: the external trust). */
export function toFederatedCredentials(
  fics: readonly FederatedIdentityCredential[] | null | undefined,
): EntraFederatedCredential[] {
  return (fics ?? []).map((f) => ({
    name: f.name ?? '',
    issuer: f.issuer ?? '',
    subject: f.subject ?? '',
    audiences: f.audiences ?? [],
  }));
}

/** Directory object type from `@odata.type`. */
export function directoryObjectType(odataType: string | undefined): EntraPersonRef['type'] {
  switch (odataType) {
    case '#microsoft.graph.user':
    case '#microsoft.graph.agentUser':
      return 'user';
    case '#microsoft.graph.servicePrincipal':
    case '#microsoft.graph.agentIdentity':
    case '#microsoft.graph.agentIdentityBlueprintPrincipal':
      return 'servicePrincipal';
    case '#microsoft.graph.group':
      return 'group';
    default:
      return 'unknown';
  }
}

/**
 * Maps an owner or sponsor. A user's `accountEnabled` comes from a `/users/{id}` lookup: `null`
 * lookup means the user no longer exists (404), `undefined` that it could not be read.
 */
export function toPersonRef(
  obj: RawDirectoryObject & { id: string },
  lookup?: RawDirectoryObject | null,
): EntraPersonRef {
  const ref: EntraPersonRef = { id: obj.id, type: directoryObjectType(obj['@odata.type']) };
  if (lookup === null) {
    ref.deleted = true;
    return ref;
  }
  const src = { ...obj, ...lookup };
  if (src.displayName) ref.displayName = src.displayName;
  if (src.userPrincipalName) ref.userPrincipalName = src.userPrincipalName;
  if (typeof src.accountEnabled === 'boolean') ref.accountEnabled = src.accountEnabled;
  return ref;
}

/** The resource (API) side of app role assignments, read once per resource. */
export interface ResourceApi {
  id: string;
  appId?: string;
  displayName?: string;
  appRoles: Pick<AppRole, 'id' | 'value'>[];
}

/**
 * Maps an app role assignment, resolving `appRoleId` through the resource's appRoles
 * (`Mail.Read`). Unresolved ids stay as the id, with an issue.
 */
export function toAppPermission(
  a: AppRoleAssignment,
  resource: ResourceApi | undefined,
  issues: InputIssue[],
): EntraAppPermission | undefined {
  if (!a.id || !a.resourceId || !a.appRoleId) return undefined;
  let permission = resource?.appRoles.find((r) => r.id === a.appRoleId)?.value ?? undefined;
  if (!permission && a.appRoleId === DEFAULT_ACCESS) permission = 'default access';
  if (!permission) {
    permission = a.appRoleId;
    issues.push({
      file: 'GET /servicePrincipals/{id}/appRoleAssignments',
      location: `${a.principalId ?? '?'}/${a.id}`,
      reason: 'unresolved-app-role',
      detail: `appRoleId ${a.appRoleId} not found on resource ${a.resourceDisplayName ?? a.resourceId}${resource ? '' : ' (resource not readable)'}`,
    });
  }
  const out: EntraAppPermission = {
    assignmentId: a.id,
    resourceId: a.resourceId,
    resourceName: a.resourceDisplayName ?? resource?.displayName ?? a.resourceId,
    appRoleId: a.appRoleId,
    permission,
  };
  if (resource?.appId) out.resourceAppId = resource.appId;
  const created = normalizeGraphDate(
    a.createdDateTime ?? (a as { creationTimestamp?: string }).creationTimestamp,
  );
  if (created) out.createdDateTime = created;
  return out;
}

/** Splits a grant's space-separated scope string (Graph pads it with spaces at times). */
export function splitScopes(scope: string | null | undefined): string[] {
  return [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];
}

/** Maps a delegated permission grant. */
export function toDelegatedGrant(
  g: OAuth2PermissionGrant,
  resourceName: string | undefined,
): EntraDelegatedGrant | undefined {
  if (!g.id || !g.resourceId) return undefined;
  const out: EntraDelegatedGrant = {
    id: g.id,
    resourceId: g.resourceId,
    resourceName: resourceName ?? g.resourceId,
    scopes: splitScopes(g.scope),
    consentType: g.consentType === 'Principal' ? 'Principal' : 'AllPrincipals',
  };
  if (g.consentType === 'Principal' && g.principalId) out.principalId = g.principalId;
  return out;
}

/** Maps a directory role assignment (with its expanded definition when present). */
export function toDirectoryRole(a: RawRoleAssignment): EntraDirectoryRole | undefined {
  if (!a.id || !a.roleDefinitionId) return undefined;
  const def = a.roleDefinition ?? undefined;
  const role: EntraDirectoryRole = {
    assignmentId: a.id,
    roleDefinitionId: a.roleDefinitionId,
    roleName: def?.displayName ?? a.roleDefinitionId,
    privileged: isPrivilegedRole(def ?? { id: a.roleDefinitionId }),
  };
  if (a.directoryScopeId) role.directoryScopeId = a.directoryScopeId;
  return role;
}

/**
 * Maps a service principal's sign-in activity: the last sign-in of any kind, and the last as a
 * *client* app-only and delegated (the identity itself signing in, which is what rightsizing
 * cares about; the `…Resource…` activities are others calling it).
 */
export function toSignIn(
  a: RawServicePrincipalSignIn,
): NonNullable<EntraServicePrincipal['signIn']> {
  const out: NonNullable<EntraServicePrincipal['signIn']> = {};
  const last = normalizeGraphDate(a.lastSignInActivity?.lastSignInDateTime);
  if (last) out.lastSignIn = last;
  const appOnly = normalizeGraphDate(
    a.applicationAuthenticationClientSignInActivity?.lastSignInDateTime,
  );
  if (appOnly) out.lastAppOnlySignIn = appOnly;
  const delegated = normalizeGraphDate(a.delegatedClientSignInActivity?.lastSignInDateTime);
  if (delegated) out.lastDelegatedSignIn = delegated;
  return out;
}

/** The later of two ISO timestamps (either may be missing). */
export function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a >= b ? a : b;
}

/** An agent user as listed from `/users/microsoft.graph.agentUser`. */
export interface RawAgentUser {
  id?: string;
  userPrincipalName?: string | null;
  displayName?: string | null;
  accountEnabled?: boolean | null;
  identityParentId?: string | null;
  createdDateTime?: string | null;
  signInActivity?: {
    lastSignInDateTime?: string | null;
    lastNonInteractiveSignInDateTime?: string | null;
    lastSuccessfulSignInDateTime?: string | null;
  } | null;
}

/**
 * Shapes a listed agent user; one without an id becomes an input issue. A missing
 * `accountEnabled` counts as enabled (Graph's default for new users).
 */
export function toAgentUser(raw: RawAgentUser, issues: InputIssue[]): EntraAgentUser | undefined {
  if (!raw.id) {
    issues.push({
      file: 'GET /users/microsoft.graph.agentUser',
      location: raw.userPrincipalName ?? '(no id)',
      reason: 'missing-field',
      detail: 'agent user without id; skipped',
    });
    return undefined;
  }
  const out: EntraAgentUser = {
    id: raw.id,
    accountEnabled: raw.accountEnabled !== false,
    sponsors: [],
  };
  if (raw.userPrincipalName) out.userPrincipalName = raw.userPrincipalName;
  if (raw.displayName) out.displayName = raw.displayName;
  if (raw.identityParentId) out.identityParentId = raw.identityParentId;
  const created = normalizeGraphDate(raw.createdDateTime);
  if (created) out.createdDateTime = created;
  const a = raw.signInActivity;
  const last = later(
    normalizeGraphDate(a?.lastSignInDateTime),
    normalizeGraphDate(a?.lastNonInteractiveSignInDateTime),
  );
  if (last) out.lastSignIn = last;
  return out;
}
