/**
 * Microsoft Entra ID inventory and usage as the engine sees them: service principals of every
 * type (applications, managed identities, agent identities), their credentials, owners and
 * sponsors, the application permissions and delegated grants they hold, their directory roles,
 * and what they were seen doing. Pure data, filled by connectors/entra (live Graph) or tests.
 * @see ../shared/reference/entra-graph.md (A.1 to A.3)
 */

/** A password or certificate credential (secret values are never read). */
export interface EntraCredential {
  keyId: string;
  kind: 'password' | 'certificate';
  displayName?: string;
  startDateTime?: string;
  endDateTime?: string;
  /** Where the credential lives: on the application object or the service principal itself. */
  on: 'application' | 'servicePrincipal';
  /** Last sign-in with this credential (appCredentialSignInActivities), if known. */
  lastSignIn?: string;
}

/** A federated identity credential: trust in an external token issuer, no secret. */
export interface EntraFederatedCredential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

/** An application permission (app role) granted to a service principal. */
export interface EntraAppPermission {
  /** appRoleAssignment id. */
  assignmentId: string;
  resourceId: string;
  /** Resource display name (`Microsoft Graph`). */
  resourceName: string;
  /** The resource's appId (`00000003-0000-0000-c000-000000000000` for Graph). */
  resourceAppId?: string;
  appRoleId: string;
  /** Permission name resolved through the resource's appRoles (`Mail.Read`), or the id if unresolved. */
  permission: string;
  createdDateTime?: string;
}

/** A delegated permission grant (oauth2PermissionGrant). */
export interface EntraDelegatedGrant {
  id: string;
  resourceId: string;
  resourceName: string;
  /** The resource's appId, when known (`00000003-0000-0000-c000-000000000000` for Graph). */
  resourceAppId?: string;
  scopes: string[];
  consentType: 'AllPrincipals' | 'Principal';
  /** The user the grant is for, when consentType is Principal. */
  principalId?: string;
}

/** A directory role held by a principal. */
export interface EntraDirectoryRole {
  assignmentId: string;
  roleDefinitionId: string;
  roleName: string;
  /** True for roles Microsoft marks privileged (or that Leash's table knows as such). */
  privileged: boolean;
  directoryScopeId?: string;
}

/** A person (or object) who owns, sponsors or manages an identity. */
export interface EntraPersonRef {
  id: string;
  type: 'user' | 'servicePrincipal' | 'group' | 'unknown';
  displayName?: string;
  userPrincipalName?: string;
  /** False when the account is disabled; undefined when not known. */
  accountEnabled?: boolean;
  /** True when the directory object no longer exists. */
  deleted?: boolean;
  /** For owners: whether they own the application registration, the service principal, or both. */
  ownerOf?: ('application' | 'servicePrincipal')[];
}

/** A service principal of any type. */
export interface EntraServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  /** `Application`, `ManagedIdentity`, `Legacy`, `SocialIdp`, or `ServiceIdentity` (agent identities). */
  servicePrincipalType: string;
  /** The Graph @odata.type, e.g. `#microsoft.graph.agentIdentity`. */
  odataType?: string;
  accountEnabled: boolean;
  tags: string[];
  appOwnerOrganizationId?: string;
  createdDateTime?: string;
  /** Object id of the application registration, when the app is registered in this tenant. */
  applicationId?: string;
  /** The agent identity blueprint an agent identity was created from. */
  agentIdentityBlueprintId?: string;
  credentials: EntraCredential[];
  federatedCredentials: EntraFederatedCredential[];
  owners: EntraPersonRef[];
  sponsors: EntraPersonRef[];
  appPermissions: EntraAppPermission[];
  delegatedGrants: EntraDelegatedGrant[];
  directoryRoles: EntraDirectoryRole[];
  /** From servicePrincipalSignInActivities (beta report). */
  signIn?: {
    lastSignIn?: string;
    lastAppOnlySignIn?: string;
    lastDelegatedSignIn?: string;
  };
}

/**
 * An Entra Agent ID agent user: a `user` (`#microsoft.graph.agentUser`) that an agent identity
 * acts as where a user account is needed (mailbox, Teams). `identityParentId` names its agent
 * identity (1:1); agent users are not deleted with their agent identity or blueprint, so they can
 * be left orphaned. Listed by `GET /users/microsoft.graph.agentUser`.
 */
export interface EntraAgentUser {
  id: string;
  userPrincipalName?: string;
  displayName?: string;
  accountEnabled: boolean;
  /** Object id of the parent agent identity (a service principal). */
  identityParentId?: string;
  createdDateTime?: string;
  /** Latest interactive or non-interactive sign-in (user `signInActivity`), if known. */
  lastSignIn?: string;
  /** Not read yet by the collector: empty. */
  sponsors: EntraPersonRef[];
}

/** One Microsoft Graph request seen in Graph activity logs, or with `count` a group of identical ones. */
export interface GraphRequest {
  servicePrincipalId?: string;
  appId: string;
  method: string;
  /** Request URI as logged (absolute or path). */
  uri: string;
  status: number;
  time: string;
  /**
   * How the token was issued, when the log says (the `Roles` column is set for app-only tokens,
   * `Scopes` for delegated ones). Unknown requests credit both schemes.
   */
  scheme?: 'application' | 'delegated';
  /**
   * How many identical requests this one stands for (at least 1; default 1). A summarized
   * activity-log row (connectors/entra/activity-logs.ts) carries the count of its group, with
   * `time` the group's latest request.
   */
  count?: number;
}

/** Everything known about a tenant's non-human identities. */
export interface EntraInventory {
  tenantId: string;
  servicePrincipals: EntraServicePrincipal[];
  /** True when Graph activity logs were read for the window: only then can permissions be called unused. */
  activityLogs: boolean;
  /**
   * True when credential sign-in activity (appCredentialSignInActivities) was read: only then
   * does a credential without `lastSignIn` count as never used.
   */
  credentialActivity?: boolean;
  /**
   * True when service-principal sign-in activity (servicePrincipalSignInActivities) was read:
   * only then does a service principal without `signIn` count as never signed in. Without it, a
   * missing `signIn` means unknown.
   */
  signInActivity?: boolean;
  /** Agent users; undefined when they were not read (denied, or Agent ID unsupported). */
  agentUsers?: EntraAgentUser[];
  /**
   * True when the agent users' `signInActivity` was read (AuditLog.Read.All): only then does an
   * agent user without `lastSignIn` count as never signed in.
   */
  agentUserSignInActivity?: boolean;
}
