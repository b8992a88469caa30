/**
 * Entra test data builders (STYLE.md §7): each returns a valid, minimal object a test overrides
 * field by field. Ids are anonymised; the window is the one of test/helpers/builders.ts.
 */
import type {
  EntraAgentUser,
  EntraAppPermission,
  EntraCredential,
  EntraDelegatedGrant,
  EntraDirectoryRole,
  EntraInventory,
  EntraPersonRef,
  EntraServicePrincipal,
  GraphRequest,
} from '#core/entra/model.ts';

export { AS_OF, BEFORE_WINDOW, IN_WINDOW, WINDOW } from '#test/helpers/builders.ts';

/** The tenant every builder uses. */
export const TENANT = '00000000-0000-0000-0000-0000000000aa';
/** Microsoft Graph's appId. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Microsoft Services' tenant, owner of first-party apps. */
export const MICROSOFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

let seq = 0;
const next = () => String(++seq).padStart(4, '0');

/** An application service principal, enabled, made long before the window, holding nothing. */
export function aServicePrincipal(
  overrides: Partial<EntraServicePrincipal> = {},
): EntraServicePrincipal {
  const n = next();
  return {
    id: `11111111-0000-0000-0000-00000000${n}`,
    appId: `22222222-0000-0000-0000-00000000${n}`,
    displayName: `app-${n}`,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    tags: [],
    appOwnerOrganizationId: TENANT,
    createdDateTime: '2025-01-01T00:00:00Z',
    credentials: [],
    federatedCredentials: [],
    owners: [aPerson()],
    sponsors: [],
    appPermissions: [],
    delegatedGrants: [],
    directoryRoles: [],
    ...overrides,
  };
}

/** An agent identity (Entra Agent ID). */
export function anAgentIdentity(
  overrides: Partial<EntraServicePrincipal> = {},
): EntraServicePrincipal {
  return aServicePrincipal({
    servicePrincipalType: 'ServiceIdentity',
    odataType: '#microsoft.graph.agentIdentity',
    owners: [],
    sponsors: [aPerson()],
    ...overrides,
  });
}

/** An enabled agent user made long before the window, with no parent unless given. */
export function anAgentUser(overrides: Partial<EntraAgentUser> = {}): EntraAgentUser {
  const n = next();
  return {
    id: `33333333-0000-0000-0000-00000000${n}`,
    userPrincipalName: `agent-user-${n}@contoso.example`,
    displayName: `agent-user-${n}`,
    accountEnabled: true,
    createdDateTime: '2025-01-01T00:00:00Z',
    sponsors: [],
    ...overrides,
  };
}

/** Application permissions on Microsoft Graph, one per name. */
export function graphAppPermissions(...names: string[]): EntraAppPermission[] {
  return names.map((permission) => anAppPermission({ permission }));
}

/** An application permission on Microsoft Graph (Mail.Read unless overridden). */
export function anAppPermission(overrides: Partial<EntraAppPermission> = {}): EntraAppPermission {
  return {
    assignmentId: `assignment-${next()}`,
    resourceId: 'graph-sp-object-id',
    resourceName: 'Microsoft Graph',
    resourceAppId: GRAPH_APP_ID,
    appRoleId: `role-${next()}`,
    permission: 'Mail.Read',
    createdDateTime: '2025-01-01T00:00:00Z',
    ...overrides,
  };
}

/** A delegated grant on Microsoft Graph for all users. */
export function aDelegatedGrant(
  scopes: string[],
  overrides: Partial<EntraDelegatedGrant> = {},
): EntraDelegatedGrant {
  return {
    id: `grant-${next()}`,
    resourceId: 'graph-sp-object-id',
    resourceName: 'Microsoft Graph',
    resourceAppId: GRAPH_APP_ID,
    scopes,
    consentType: 'AllPrincipals',
    ...overrides,
  };
}

/** A client secret valid for 90 days from well before the window, never used. */
export function aCredential(overrides: Partial<EntraCredential> = {}): EntraCredential {
  return {
    keyId: `key-${next()}`,
    kind: 'password',
    on: 'application',
    startDateTime: '2026-10-01T00:00:00Z',
    endDateTime: '2026-12-30T00:00:00Z',
    ...overrides,
  };
}

/** An enabled user. */
export function aPerson(overrides: Partial<EntraPersonRef> = {}): EntraPersonRef {
  const n = next();
  return {
    id: `33333333-0000-0000-0000-00000000${n}`,
    type: 'user',
    displayName: `Person ${n}`,
    userPrincipalName: `person${n}@contoso.example`,
    accountEnabled: true,
    ...overrides,
  };
}

/** A directory role assignment (Global Administrator, privileged, unless overridden). */
export function aDirectoryRole(overrides: Partial<EntraDirectoryRole> = {}): EntraDirectoryRole {
  return {
    assignmentId: `role-assignment-${next()}`,
    roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
    roleName: 'Global Administrator',
    privileged: true,
    directoryScopeId: '/',
    ...overrides,
  };
}

/** A successful Graph request by `sp`, in the window. */
export function aRequest(
  sp: Pick<EntraServicePrincipal, 'id' | 'appId'>,
  overrides: Partial<GraphRequest> = {},
): GraphRequest {
  return {
    servicePrincipalId: sp.id,
    appId: sp.appId,
    method: 'GET',
    uri: 'https://graph.microsoft.com/v1.0/users/44444444-0000-0000-0000-000000000001/messages',
    status: 200,
    time: '2026-11-01T12:00:00Z',
    ...overrides,
  };
}

/** A tenant holding the service principals, with activity logs and sign-in activity read. */
export function anInventory(
  servicePrincipals: EntraServicePrincipal[],
  overrides: Partial<EntraInventory> = {},
): EntraInventory {
  return {
    tenantId: TENANT,
    servicePrincipals,
    activityLogs: true,
    credentialActivity: true,
    signInActivity: true,
    ...overrides,
  };
}
