/**
 * The ContainmentActuator of every `entra.*` kind, over the revocation primitives of revoke.ts:
 * snapshot reads exactly what the kind changes, plan lists the exact Graph calls, execute makes
 * them through revoke.ts (each primitive reads before it writes, so a redelivered call changes
 * nothing) and reads back, and rollbackPlan lists the calls that restore the snapshot, through
 * revoke.ts `undo`. A removed secret and revoked sessions cannot be restored: their rollback
 * says so.
 *
 * None of these ends access at once: access tokens already issued stay valid until they expire,
 * about an hour; every result carries that note.
 * @see ../shared/reference/entra-graph.md (A.4)
 */
import type {
  AppRoleAssignment,
  OAuth2PermissionGrant,
  PasswordCredential,
} from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import { ContainmentRequestError, UnplannedCallError } from '#connectors/aws/contain/errors.ts';
import { isRollbackPlan } from '#connectors/aws/contain/kinds.ts';
import { type CallHandler, runPlan } from '#connectors/aws/contain/run-plan.ts';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import { getJson, listAll } from '#connectors/entra/graph-fetch.ts';
import {
  deleteDelegatedGrant,
  disableServicePrincipal,
  type RevocationResult,
  removeAppPermission,
  removePassword,
  revokeUserSessions,
  undo,
} from '#connectors/entra/revoke.ts';
import type {
  ContainmentActuator,
  ContainmentKind,
  ContainmentRequest,
  ContainmentState,
  PlannedCall,
} from '#core/ports/containment.ts';
import { canonicalJson } from '#core/store/hash.ts';

/** The Entra kinds of containment. */
export type EntraContainmentKind = Extract<ContainmentKind, `entra.${string}`>;

/** Said of every Entra containment: Graph cannot recall a token already issued. */
export const TOKEN_LIFETIME_NOTE =
  'Access tokens already issued stay valid until they expire, up to about an hour (60 to 90 minutes), unless the client uses continuous access evaluation.';

/** A service principal's enablement. */
export type ServicePrincipalState = {
  id: string;
  accountEnabled: boolean;
  servicePrincipalType: string | null;
};

/** An app role assignment, as needed to find it or grant it again. */
type Assignment = { id: string; principalId: string; resourceId: string; appRoleId: string };

/** A service principal's application permissions. */
export type AppPermissionsState = { servicePrincipalId: string; assignments: Assignment[] };

/** A delegated permission grant, as needed to find it or create it again. */
type Grant = {
  id: string;
  clientId: string;
  consentType: string;
  principalId: string | null;
  resourceId: string;
  scope: string;
};

/** The delegated grants a client service principal holds. */
export type DelegatedGrantsState = { clientId: string; grants: Grant[] };

/** The client secrets (metadata only) of an application or service principal. */
export type PasswordsState = {
  owner: 'applications' | 'servicePrincipals';
  ownerId: string;
  credentials: {
    keyId: string;
    displayName: string | null;
    hint: string | null;
    endDateTime: string | null;
  }[];
};

/** When a user's sessions were last revoked. */
export type UserSessionsState = { userId: string; signInSessionsValidFromDateTime: string | null };

type EntraState =
  | ServicePrincipalState
  | AppPermissionsState
  | DelegatedGrantsState
  | PasswordsState
  | UserSessionsState;

/** Options of {@link entraActuators}. */
export interface EntraActuatorOptions {
  /** Epoch ms for each call's record (default `Date.now`). */
  now?: () => number;
}

interface KindSpec<S extends EntraState> {
  read(client: GraphClient, request: ContainmentRequest): Promise<S>;
  plan(request: ContainmentRequest, before: S): PlannedCall[];
  rollback(
    request: ContainmentRequest,
    before: S,
    now: S,
  ): { calls: PlannedCall[]; irreversible?: string };
  check(request: ContainmentRequest, call: PlannedCall, state: S): boolean;
  inEffect(request: ContainmentRequest, call: PlannedCall, state: S): boolean;
  make(client: GraphClient, call: PlannedCall, state: S): Promise<unknown>;
  /** The state without the ids Graph gives anew to what a rollback re-creates. */
  comparable?(state: S): S;
}

/** Sorted copies of `list` without their `id`: what a rollback restores is the objects, not ids. */
function withoutIds<T extends { id: string }>(list: T[]): (T & { id: '' })[] {
  return list
    .map((x) => ({ ...x, id: '' as const }))
    .sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b)));
}

const PATCH_SP = 'graph:PATCH /servicePrincipals/{id}';
const DELETE_ASSIGNMENT = 'graph:DELETE /servicePrincipals/{id}/appRoleAssignments/{assignmentId}';
const POST_ASSIGNMENT = 'graph:POST /servicePrincipals/{id}/appRoleAssignments';
const DELETE_GRANT = 'graph:DELETE /oauth2PermissionGrants/{id}';
const POST_GRANT = 'graph:POST /oauth2PermissionGrants';
const REMOVE_PASSWORD = 'graph:POST /{owner}/{id}/removePassword';
const REVOKE_SESSIONS = 'graph:POST /users/{id}/revokeSignInSessions';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function params<T extends z.ZodType>(schema: T, request: ContainmentRequest): z.infer<T> {
  const parsed = schema.safeParse(request.params);
  if (!parsed.success)
    throw new ContainmentRequestError(
      `${request.kind}: invalid params: ${z.prettifyError(parsed.error)}`,
      request.kind,
      { cause: parsed.error },
    );
  return parsed.data;
}

/** Builds the revoke.ts result `undo` restores from. */
function undoable(
  action: RevocationResult['action'],
  target: string,
  prior: unknown,
): RevocationResult {
  return { action, target, prior, applied: true, reversible: true, note: '' };
}

const disableSp: KindSpec<ServicePrincipalState> = {
  async read(client, request) {
    const sp = await getJson<{
      id: string;
      accountEnabled?: boolean;
      servicePrincipalType?: string;
    }>(
      client,
      `/servicePrincipals/${request.target.id}?$select=id,accountEnabled,servicePrincipalType`,
    );
    return {
      id: request.target.id,
      accountEnabled: sp.accountEnabled !== false,
      servicePrincipalType: sp.servicePrincipalType ?? null,
    };
  },
  plan(request, before) {
    if (before.servicePrincipalType === 'ManagedIdentity')
      throw new ContainmentRequestError(
        'Managed identities cannot be disabled through Microsoft Graph; remove its Azure role assignments or the identity from its resource instead.',
        request.kind,
      );
    if (!before.accountEnabled) return [];
    return [
      {
        api: PATCH_SP,
        params: { id: before.id, accountEnabled: false },
        description: `Disable service principal ${before.id}: no new tokens are issued to it`,
      },
    ];
  },
  rollback(_request, before, now) {
    if (!before.accountEnabled || now.accountEnabled) return { calls: [] };
    return {
      calls: [
        {
          api: PATCH_SP,
          params: { id: before.id, accountEnabled: true },
          description: `Rollback: enable service principal ${before.id} again`,
        },
      ],
    };
  },
  check: (_r, call, state) => call.api === PATCH_SP && call.params.id === state.id,
  inEffect: (_r, call, state) => state.accountEnabled === call.params.accountEnabled,
  async make(client, call, state) {
    if (call.params.accountEnabled === false) {
      const result = await disableServicePrincipal(client, state.id);
      if (!result.applied && !result.reversible) throw new Error(result.note);
      return result;
    }
    return undo(
      client,
      undoable('disable-service-principal', `servicePrincipals/${state.id}`, {
        accountEnabled: true,
        ...(state.servicePrincipalType ? { servicePrincipalType: state.servicePrincipalType } : {}),
      }) as RevocationResult,
    );
  },
};

const AssignmentParams = z.object({ assignmentId: z.string().min(1) });

const sameAssignment = (a: Assignment, b: Record<string, unknown>) =>
  a.principalId === b.principalId && a.resourceId === b.resourceId && a.appRoleId === b.appRoleId;

const removeAppPermissionSpec: KindSpec<AppPermissionsState> = {
  async read(client, request) {
    const all = await listAll<AppRoleAssignment>(
      client,
      `/servicePrincipals/${request.target.id}/appRoleAssignments`,
    );
    return {
      servicePrincipalId: request.target.id,
      assignments: all
        .map((a) => ({
          id: a.id ?? '',
          principalId: a.principalId ?? '',
          resourceId: a.resourceId ?? '',
          appRoleId: a.appRoleId ?? '',
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    };
  },
  plan(request, before) {
    const { assignmentId } = params(AssignmentParams, request);
    if (!before.assignments.some((a) => a.id === assignmentId)) return [];
    return [
      {
        api: DELETE_ASSIGNMENT,
        params: { servicePrincipalId: before.servicePrincipalId, assignmentId },
        description: `Remove application permission (app role assignment ${assignmentId}) of ${before.servicePrincipalId}`,
      },
    ];
  },
  rollback(request, before, now) {
    const { assignmentId } = params(AssignmentParams, request);
    const was = before.assignments.find((a) => a.id === assignmentId);
    if (!was || now.assignments.some((a) => sameAssignment(a, was))) return { calls: [] };
    return {
      calls: [
        {
          api: POST_ASSIGNMENT,
          params: {
            servicePrincipalId: was.principalId,
            principalId: was.principalId,
            resourceId: was.resourceId,
            appRoleId: was.appRoleId,
          },
          description: `Rollback: grant app role ${was.appRoleId} of ${was.resourceId} again (Graph gives the assignment a new id)`,
        },
      ],
    };
  },
  check: (_r, call, state) =>
    (call.api === DELETE_ASSIGNMENT || call.api === POST_ASSIGNMENT) &&
    call.params.servicePrincipalId === state.servicePrincipalId,
  inEffect: (_r, call, state) =>
    call.api === DELETE_ASSIGNMENT
      ? !state.assignments.some((a) => a.id === call.params.assignmentId)
      : state.assignments.some((a) => sameAssignment(a, call.params)),
  make(client, call, state) {
    if (call.api === DELETE_ASSIGNMENT)
      return removeAppPermission(client, state.servicePrincipalId, str(call.params.assignmentId));
    return undo(client, undoable('remove-app-permission', '', call.params));
  },
  // Graph gives a re-created assignment a new id.
  comparable: (state) => ({ ...state, assignments: withoutIds(state.assignments) }),
};

const GrantParams = z.object({ grantId: z.string().min(1) });

const scopes = (s: string) => [...new Set(s.split(' ').filter(Boolean))].sort().join(' ');
const sameGrant = (g: Grant, b: Record<string, unknown>) =>
  g.clientId === b.clientId &&
  g.consentType === b.consentType &&
  (g.principalId ?? null) === (b.principalId ?? null) &&
  g.resourceId === b.resourceId &&
  scopes(g.scope) === scopes(str(b.scope));

const deleteGrantSpec: KindSpec<DelegatedGrantsState> = {
  async read(client, request) {
    const all = await listAll<OAuth2PermissionGrant>(
      client,
      `/servicePrincipals/${request.target.id}/oauth2PermissionGrants`,
    );
    return {
      clientId: request.target.id,
      grants: all
        .map((g) => ({
          id: g.id ?? '',
          clientId: g.clientId ?? '',
          consentType: g.consentType ?? '',
          principalId: g.principalId ?? null,
          resourceId: g.resourceId ?? '',
          scope: g.scope ?? '',
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    };
  },
  plan(request, before) {
    const { grantId } = params(GrantParams, request);
    const grant = before.grants.find((g) => g.id === grantId);
    if (!grant) return [];
    return [
      {
        api: DELETE_GRANT,
        params: { grantId },
        description: `Delete the delegated grant ${grantId} ("${grant.scope.trim()}", ${grant.consentType}) of ${before.clientId}`,
      },
    ];
  },
  rollback(request, before, now) {
    const { grantId } = params(GrantParams, request);
    const was = before.grants.find((g) => g.id === grantId);
    if (!was || now.grants.some((g) => sameGrant(g, was))) return { calls: [] };
    const { id: _id, ...body } = was;
    return {
      calls: [
        {
          api: POST_GRANT,
          params: body,
          description: `Rollback: create the delegated grant "${was.scope.trim()}" again (Graph gives it a new id)`,
        },
      ],
    };
  },
  // A grant id not among the client's grants is never deleted: inEffect counts it as gone.
  check: (_r, call, state) =>
    call.api === DELETE_GRANT ||
    (call.api === POST_GRANT && call.params.clientId === state.clientId),
  inEffect: (_r, call, state) =>
    call.api === DELETE_GRANT
      ? !state.grants.some((g) => g.id === call.params.grantId)
      : state.grants.some((g) => sameGrant(g, call.params)),
  make(client, call) {
    if (call.api === DELETE_GRANT) return deleteDelegatedGrant(client, str(call.params.grantId));
    return undo(client, undoable('delete-delegated-grant', '', call.params));
  },
  // Graph gives a re-created grant a new id; scopes compare as a set.
  comparable: (state) => ({
    ...state,
    grants: withoutIds(state.grants.map((g) => ({ ...g, scope: scopes(g.scope) }))),
  }),
};

/**
 * `keyId` of the secret; `applicationId` (object id) when the secret is on the target's
 * application registration rather than on the service principal itself.
 */
const PasswordParams = z.object({
  keyId: z.string().min(1),
  applicationId: z.string().min(1).optional(),
});

const PASSWORD_IRREVERSIBLE =
  'A removed client secret cannot be restored (Graph never returns a secret value): add a new secret and hand it to the application owners if it still needs one.';

const removePasswordSpec: KindSpec<PasswordsState> = {
  async read(client, request) {
    const { applicationId } = params(PasswordParams, request);
    const owner = applicationId ? 'applications' : 'servicePrincipals';
    const ownerId = applicationId ?? request.target.id;
    const holder = await getJson<{ passwordCredentials?: PasswordCredential[] }>(
      client,
      `/${owner}/${ownerId}?$select=id,passwordCredentials`,
    );
    return {
      owner,
      ownerId,
      credentials: (holder.passwordCredentials ?? [])
        .map((c) => ({
          keyId: c.keyId ?? '',
          displayName: c.displayName ?? null,
          hint: c.hint ?? null,
          endDateTime: c.endDateTime ?? null,
        }))
        .sort((a, b) => a.keyId.localeCompare(b.keyId)),
    };
  },
  plan(request, before) {
    const { keyId } = params(PasswordParams, request);
    if (!before.credentials.some((c) => c.keyId === keyId)) return [];
    return [
      {
        api: REMOVE_PASSWORD,
        params: { owner: before.owner, id: before.ownerId, keyId },
        description: `Remove client secret ${keyId} of ${before.owner}/${before.ownerId} (cannot be restored)`,
      },
    ];
  },
  rollback(request, before, now) {
    const { keyId } = params(PasswordParams, request);
    const removed =
      before.credentials.some((c) => c.keyId === keyId) &&
      !now.credentials.some((c) => c.keyId === keyId);
    return removed ? { calls: [], irreversible: PASSWORD_IRREVERSIBLE } : { calls: [] };
  },
  check: (_r, call, state) =>
    call.api === REMOVE_PASSWORD &&
    call.params.owner === state.owner &&
    call.params.id === state.ownerId,
  inEffect: (_r, call, state) => !state.credentials.some((c) => c.keyId === call.params.keyId),
  make(client, call, state) {
    const owner =
      state.owner === 'applications'
        ? { application: state.ownerId }
        : { servicePrincipal: state.ownerId };
    return removePassword(client, owner, str(call.params.keyId));
  },
};

const SESSIONS_IRREVERSIBLE =
  'Revoked sessions cannot be restored: the user signs in again (and passes MFA again) to get new ones.';

const revokeSessionsSpec: KindSpec<UserSessionsState> = {
  async read(client, request) {
    const user = await getJson<{ signInSessionsValidFromDateTime?: string | null }>(
      client,
      `/users/${request.target.id}?$select=id,signInSessionsValidFromDateTime`,
    );
    return {
      userId: request.target.id,
      signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime ?? null,
    };
  },
  plan(request, before) {
    if (revokedSince(before, request.requestedAt)) return [];
    return [
      {
        api: REVOKE_SESSIONS,
        params: { id: before.userId },
        description: `Revoke the refresh tokens and session cookies of user ${before.userId} (cannot be undone)`,
      },
    ];
  },
  rollback(request, before, now) {
    const revoked =
      !revokedSince(before, request.requestedAt) && revokedSince(now, request.requestedAt);
    return revoked ? { calls: [], irreversible: SESSIONS_IRREVERSIBLE } : { calls: [] };
  },
  check: (_r, call, state) => call.api === REVOKE_SESSIONS && call.params.id === state.userId,
  // A revocation at or after the request covers it: a redelivered request revokes nothing again.
  inEffect: (request, _call, state) => revokedSince(state, request.requestedAt),
  make: (client, call) => revokeUserSessions(client, str(call.params.id)),
};

function revokedSince(state: UserSessionsState, at: number): boolean {
  const since = state.signInSessionsValidFromDateTime;
  return since !== null && Date.parse(since) >= at;
}

const KINDS: { [K in EntraContainmentKind]: KindSpec<EntraState> } = {
  'entra.disable-service-principal': disableSp as unknown as KindSpec<EntraState>,
  'entra.remove-app-permission': removeAppPermissionSpec as unknown as KindSpec<EntraState>,
  'entra.delete-delegated-grant': deleteGrantSpec as unknown as KindSpec<EntraState>,
  'entra.remove-password': removePasswordSpec as unknown as KindSpec<EntraState>,
  'entra.revoke-user-sessions': revokeSessionsSpec as unknown as KindSpec<EntraState>,
};

/** The Entra kinds, in the order of the port's list. */
export const ENTRA_CONTAINMENT_KINDS = Object.keys(KINDS) as EntraContainmentKind[];

/**
 * One actuator per `entra.*` kind, acting in the tenant `client` is signed in to (an app
 * registration holding the containment permissions listed in revoke.ts, not the scanner's).
 * `request.target.id` is the object id of the service principal (or agent identity) or user.
 */
export function entraActuators(
  client: GraphClient,
  options: EntraActuatorOptions = {},
): Record<EntraContainmentKind, ContainmentActuator> {
  return lazyEntraActuators(async () => client, options);
}

/**
 * The actuators of {@link entraActuators}, signing in only when a request needs Graph: `connect`
 * is called by `snapshot` and `execute` (never by the pure `plan` and `rollbackPlan`), so a
 * deployment or a CLI session that never sees an Entra request never reads a credential, and a
 * credential that cannot be used fails that request alone, with connect's error.
 * @param connect the Graph client to act with for a request (it may check the request's tenant);
 *   the caller caches it
 */
export function lazyEntraActuators(
  connect: (request: ContainmentRequest) => Promise<GraphClient>,
  options: EntraActuatorOptions = {},
): Record<EntraContainmentKind, ContainmentActuator> {
  const now = options.now ?? Date.now;
  const out = {} as Record<EntraContainmentKind, ContainmentActuator>;
  for (const kind of ENTRA_CONTAINMENT_KINDS) {
    const spec = KINDS[kind];
    const own = (request: ContainmentRequest) => {
      if (request.kind !== kind)
        throw new ContainmentRequestError(
          `the ${kind} actuator got a ${request.kind} request`,
          kind,
        );
    };
    const state = (s: ContainmentState) => s as unknown as EntraState;
    out[kind] = {
      async snapshot(request) {
        own(request);
        const client = await connect(request);
        return (await spec.read(client, request)) as unknown as ContainmentState;
      },
      plan(request, before) {
        own(request);
        return spec.plan(request, state(before));
      },
      async execute(request, plan) {
        own(request);
        const client = await connect(request);
        const handler: CallHandler<EntraState> = {
          check(call, s) {
            if (!spec.check(request, call, s))
              throw new UnplannedCallError(
                `${call.api} is not a ${kind} call on ${request.target.id}`,
                call.api,
              );
          },
          inEffect: (call, s) => spec.inEffect(request, call, s),
          async make(call, s) {
            // A primitive that finds nothing to change (a race with another writer) is fine:
            // the read-back verifies the effect either way.
            await spec.make(client, call, s);
            return undefined;
          },
        };
        return runPlan<EntraState>({
          plan,
          read: () => spec.read(client, request),
          handler,
          now,
          notes: isRollbackPlan(plan) ? [] : [TOKEN_LIFETIME_NOTE],
        });
      },
      rollbackPlan(request, before, current) {
        own(request);
        return spec.rollback(request, state(before), state(current));
      },
      comparable: (s) =>
        (spec.comparable ? spec.comparable(state(s)) : state(s)) as unknown as ContainmentState,
    };
  }
  return out;
}
