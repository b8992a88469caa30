/**
 * Containment primitives for Microsoft Entra identities. Each one reads the current state first,
 * keeps in `prior` what is needed to undo it (or, where nothing can be undone, what was removed),
 * and then makes one change. None of them ends access at once: access tokens already issued
 * stay valid until they expire, about an hour (60 to 90 minutes) unless the client takes part in
 * continuous access evaluation, which a misbehaving client will not.
 * @see ../shared/reference/entra-graph.md (A.4)
 *
 * Application permissions needed, least privileged first: Application.ReadWrite.OwnedBy or
 * Application.ReadWrite.All (disable, remove credentials), AgentIdentity.EnableDisable.All
 * (disable an agent identity), AppRoleAssignment.ReadWrite.All (app permissions),
 * DelegatedPermissionGrant.ReadWrite.All (delegated grants), User.RevokeSessions.All (sessions).
 * Keep them on a separate app registration from the read-only scanner.
 */
import type {
  AppRoleAssignment,
  KeyCredential,
  OAuth2PermissionGrant,
  PasswordCredential,
} from '@microsoft/microsoft-graph-types';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import { getJson, graphRequest, graphStatus, listAll } from '#connectors/entra/graph-fetch.ts';

/** What a revocation did. */
export type RevocationAction =
  | 'disable-service-principal'
  | 'remove-app-permission'
  | 'delete-delegated-grant'
  | 'remove-password'
  | 'replace-key-credentials'
  | 'revoke-user-sessions';

/** The outcome of one revocation primitive. */
export interface RevocationResult<P = unknown> {
  action: RevocationAction;
  /** The Graph object changed, as a path (`servicePrincipals/{id}`). */
  target: string;
  /** State before the change: enough to undo it, or (irreversible ones) what was removed. */
  prior: P;
  /** False when nothing needed changing (already disabled, already gone) or could not be. */
  applied: boolean;
  /** Whether {@link undo} can restore the prior state. */
  reversible: boolean;
  note: string;
}

/** The outcome of {@link undo}. */
export interface UndoResult {
  action: RevocationAction;
  target: string;
  applied: boolean;
  note: string;
}

/** Metadata of a credential (never its secret value or key). */
export interface CredentialMetadata {
  keyId: string;
  displayName?: string;
  hint?: string;
  type?: string;
  usage?: string;
  startDateTime?: string;
  endDateTime?: string;
}

const TOKEN_LIFETIME =
  'Access tokens already issued stay valid until they expire, up to about an hour (60 to 90 minutes), unless the client uses continuous access evaluation.';

/**
 * Disables a service principal (`accountEnabled: false`): no new tokens are issued to it. Agent
 * identities are disabled through their own type (`/servicePrincipals/microsoft.graph.agentIdentity/{id}`,
 * which AgentIdentity.EnableDisable.All allows). Managed identities cannot be changed through
 * Graph; they are left alone and reported (contain them through their Azure resource or RBAC).
 */
export async function disableServicePrincipal(
  client: GraphClient,
  id: string,
): Promise<RevocationResult<{ accountEnabled: boolean; servicePrincipalType?: string }>> {
  const sp = await getJson<{
    accountEnabled?: boolean;
    servicePrincipalType?: string;
    '@odata.type'?: string;
  }>(client, `/servicePrincipals/${id}?$select=id,accountEnabled,servicePrincipalType`);
  const prior = {
    accountEnabled: sp.accountEnabled !== false,
    ...(sp.servicePrincipalType ? { servicePrincipalType: sp.servicePrincipalType } : {}),
  };
  const target = `servicePrincipals/${id}`;
  const base = { action: 'disable-service-principal' as const, target, prior, reversible: true };
  if (sp.servicePrincipalType === 'ManagedIdentity')
    return {
      ...base,
      applied: false,
      reversible: false,
      note: 'Managed identities cannot be disabled through Microsoft Graph; remove its Azure role assignments or the identity from its resource instead.',
    };
  if (!prior.accountEnabled)
    return { ...base, applied: false, note: 'Already disabled; nothing changed.' };
  await graphRequest(client, spPath(id, sp)).patch({ accountEnabled: false });
  return {
    ...base,
    applied: true,
    note: `Disabled: no new tokens will be issued. ${TOKEN_LIFETIME}`,
  };
}

/**
 * Removes an application permission (app role assignment) from a service principal. `prior`
 * holds the assignment so that {@link undo} can grant it again (under a new assignment id).
 */
export async function removeAppPermission(
  client: GraphClient,
  spId: string,
  assignmentId: string,
): Promise<RevocationResult<AppRoleAssignment | undefined>> {
  // Listing (not GET by id) is what the read permission documents for this relationship.
  const all = await listAll<AppRoleAssignment>(
    client,
    `/servicePrincipals/${spId}/appRoleAssignments`,
  );
  const prior = all.find((a) => a.id === assignmentId);
  const base = {
    action: 'remove-app-permission' as const,
    target: `servicePrincipals/${spId}/appRoleAssignments/${assignmentId}`,
    prior,
  };
  if (!prior)
    return {
      ...base,
      applied: false,
      reversible: false,
      note: 'No such assignment; nothing changed.',
    };
  const gone = await deleteTolerant(
    client,
    `/servicePrincipals/${spId}/appRoleAssignments/${assignmentId}`,
  );
  return {
    ...base,
    applied: !gone,
    reversible: true,
    note: `Removed ${prior.resourceDisplayName ?? prior.resourceId} app role ${prior.appRoleId}. New tokens no longer carry it. ${TOKEN_LIFETIME}`,
  };
}

/** Deletes a delegated permission grant. `prior` holds the grant so {@link undo} can re-create it. */
export async function deleteDelegatedGrant(
  client: GraphClient,
  id: string,
): Promise<RevocationResult<OAuth2PermissionGrant | undefined>> {
  const target = `oauth2PermissionGrants/${id}`;
  const prior = await getOrUndefined<OAuth2PermissionGrant>(
    client,
    `/oauth2PermissionGrants/${id}`,
  );
  if (!prior)
    return {
      action: 'delete-delegated-grant',
      target,
      prior,
      applied: false,
      reversible: false,
      note: 'No such grant; nothing changed.',
    };
  const gone = await deleteTolerant(client, `/oauth2PermissionGrants/${id}`);
  return {
    action: 'delete-delegated-grant',
    target,
    prior,
    applied: !gone,
    reversible: true,
    note: `Deleted consent for "${prior.scope?.trim() ?? ''}". Refresh tokens can no longer get these scopes; ${TOKEN_LIFETIME} A user-level (Principal) grant may also exist for the same client.`,
  };
}

/**
 * Removes a client secret from an application or from a service principal itself. Irreversible:
 * a removed secret cannot be restored, only replaced by a new one that must be handed out again,
 * so `prior` holds its metadata only.
 */
export async function removePassword(
  client: GraphClient,
  owner: { application: string } | { servicePrincipal: string },
  keyId: string,
): Promise<RevocationResult<CredentialMetadata | undefined>> {
  const path =
    'application' in owner
      ? `/applications/${owner.application}`
      : `/servicePrincipals/${owner.servicePrincipal}`;
  const holder = await getJson<{ passwordCredentials?: PasswordCredential[] }>(
    client,
    `${path}?$select=id,passwordCredentials`,
  );
  const found = holder.passwordCredentials?.find((c) => c.keyId === keyId);
  const prior = found ? metadata(found) : undefined;
  const base = {
    action: 'remove-password' as const,
    target: `${path.slice(1)}/passwordCredentials/${keyId}`,
    prior,
    reversible: false,
  };
  if (!prior)
    return { ...base, applied: false, note: 'No secret with this keyId; nothing changed.' };
  await graphRequest(client, `${path}/removePassword`).post({ keyId });
  return {
    ...base,
    applied: true,
    note: `Secret removed; this cannot be undone (add a new secret and hand it out if the app still needs one). ${TOKEN_LIFETIME}`,
  };
}

/**
 * Rewrites an application's certificate credentials keeping only `keepKeyIds`. Graph's
 * `removeKey` needs a proof-of-possession JWT signed by an existing key, useless against a key
 * someone else holds, so the collection is replaced with `PATCH` instead; Graph wants the public
 * `key` of every credential kept, which only a single-object `$select` returns.
 * `prior` holds the removed credentials' metadata; not reversible through {@link undo}.
 * @param applicationId object id of the application (not its appId)
 */
export async function replaceKeyCredentials(
  client: GraphClient,
  applicationId: string,
  keepKeyIds: readonly string[],
): Promise<RevocationResult<CredentialMetadata[]>> {
  const app = await getJson<{ keyCredentials?: KeyCredential[] }>(
    client,
    `/applications/${applicationId}?$select=id,keyCredentials`,
  );
  const all = app.keyCredentials ?? [];
  const keep = new Set(keepKeyIds);
  const removed = all.filter((k) => !k.keyId || !keep.has(k.keyId));
  const prior = removed.map(metadata);
  const base = {
    action: 'replace-key-credentials' as const,
    target: `applications/${applicationId}/keyCredentials`,
    prior,
    reversible: false,
  };
  if (removed.length === 0)
    return { ...base, applied: false, note: 'No certificate to remove; nothing changed.' };
  const kept = all
    .filter((k) => k.keyId && keep.has(k.keyId))
    .map((k) => ({
      keyId: k.keyId,
      type: k.type,
      usage: k.usage,
      key: k.key,
      ...(k.displayName ? { displayName: k.displayName } : {}),
      ...(k.startDateTime ? { startDateTime: k.startDateTime } : {}),
      ...(k.endDateTime ? { endDateTime: k.endDateTime } : {}),
      ...(k.customKeyIdentifier ? { customKeyIdentifier: k.customKeyIdentifier } : {}),
    }));
  await graphRequest(client, `/applications/${applicationId}`).patch({ keyCredentials: kept });
  return {
    ...base,
    applied: true,
    note: `Removed ${removed.length} certificate credential(s); not undone automatically (re-adding a certificate must be a deliberate step). ${TOKEN_LIFETIME}`,
  };
}

/**
 * Revokes a user's (or agent user's) refresh tokens and session cookies by resetting
 * `signInSessionsValidFromDateTime`; takes effect within minutes. Irreversible, and access
 * tokens already issued are not revoked.
 */
export async function revokeUserSessions(
  client: GraphClient,
  userId: string,
): Promise<RevocationResult<{ signInSessionsValidFromDateTime?: string }>> {
  const user = await getJson<{ signInSessionsValidFromDateTime?: string | null }>(
    client,
    `/users/${userId}?$select=id,signInSessionsValidFromDateTime`,
  );
  const prior = user.signInSessionsValidFromDateTime
    ? { signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime }
    : {};
  await graphRequest(client, `/users/${userId}/revokeSignInSessions`).post({});
  return {
    action: 'revoke-user-sessions',
    target: `users/${userId}`,
    prior,
    applied: true,
    reversible: false,
    note: `Refresh tokens and session cookies revoked (within a few minutes); this cannot be undone. ${TOKEN_LIFETIME}`,
  };
}

/**
 * Restores what a reversible revocation changed: re-enables the service principal, grants the
 * app role again, or re-creates the delegated grant (the latter two under new ids).
 * Irreversible or not-applied results are returned with `applied: false` and the reason.
 */
export async function undo(client: GraphClient, result: RevocationResult): Promise<UndoResult> {
  const base = { action: result.action, target: result.target };
  if (!result.applied)
    return { ...base, applied: false, note: 'Nothing was changed, so nothing to undo.' };
  if (!result.reversible)
    return { ...base, applied: false, note: `Cannot be undone: ${result.note}` };
  switch (result.action) {
    case 'disable-service-principal': {
      const prior = result.prior as { accountEnabled: boolean; servicePrincipalType?: string };
      const id = result.target.split('/')[1]!;
      await graphRequest(client, spPath(id, prior)).patch({ accountEnabled: prior.accountEnabled });
      return { ...base, applied: true, note: 'Re-enabled.' };
    }
    case 'remove-app-permission': {
      const a = result.prior as AppRoleAssignment;
      const created = (await graphRequest(
        client,
        `/servicePrincipals/${a.principalId}/appRoleAssignments`,
      ).post({
        principalId: a.principalId,
        resourceId: a.resourceId,
        appRoleId: a.appRoleId,
      })) as { id?: string };
      return {
        ...base,
        applied: true,
        note: `App role granted again as assignment ${created.id ?? '(unknown id)'}.`,
      };
    }
    case 'delete-delegated-grant': {
      const g = result.prior as OAuth2PermissionGrant;
      const created = (await graphRequest(client, '/oauth2PermissionGrants').post({
        clientId: g.clientId,
        consentType: g.consentType,
        ...(g.consentType === 'Principal' ? { principalId: g.principalId } : {}),
        resourceId: g.resourceId,
        scope: g.scope,
      })) as { id?: string };
      return {
        ...base,
        applied: true,
        note: `Grant re-created as ${created.id ?? '(unknown id)'}.`,
      };
    }
    default:
      return { ...base, applied: false, note: `Cannot be undone: ${result.note}` };
  }
}

/** Agent identities are updated through their own type's path. */
function spPath(id: string, sp: { servicePrincipalType?: string; '@odata.type'?: string }): string {
  const agent =
    sp.servicePrincipalType === 'ServiceIdentity' ||
    sp['@odata.type'] === '#microsoft.graph.agentIdentity';
  return agent
    ? `/servicePrincipals/microsoft.graph.agentIdentity/${id}`
    : `/servicePrincipals/${id}`;
}

function metadata(c: PasswordCredential | KeyCredential): CredentialMetadata {
  const m: CredentialMetadata = { keyId: c.keyId ?? '' };
  if (c.displayName) m.displayName = c.displayName;
  if ('hint' in c && c.hint) m.hint = c.hint;
  if ('type' in c && c.type) m.type = c.type;
  if ('usage' in c && c.usage) m.usage = c.usage;
  if (c.startDateTime) m.startDateTime = c.startDateTime;
  if (c.endDateTime) m.endDateTime = c.endDateTime;
  return m;
}

/** GET, with 404 as undefined. */
async function getOrUndefined<T>(client: GraphClient, path: string): Promise<T | undefined> {
  try {
    return await getJson<T>(client, path);
  } catch (err) {
    if (graphStatus(err) === 404) return undefined;
    throw err;
  }
}

/** DELETE; true when the object was already gone (404), as replication may race us. */
async function deleteTolerant(client: GraphClient, path: string): Promise<boolean> {
  try {
    await graphRequest(client, path).delete();
    return false;
  } catch (err) {
    if (graphStatus(err) === 404) return true;
    throw err;
  }
}
