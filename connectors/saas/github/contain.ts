/**
 * The ContainmentActuator of every `github.*` kind, over the revocation primitives of revoke.ts:
 * snapshot reads exactly what the kind changes, plan lists the exact REST calls, execute makes
 * them through revoke.ts (each primitive reads before it writes, and runPlan skips a call whose
 * effect is already in place, so a redelivered request changes nothing twice) and reads back,
 * and rollbackPlan lists the calls that restore the snapshot or says why there are none.
 *
 * | Kind                          | Call                                                | Rollback                         |
 * |-------------------------------|-----------------------------------------------------|----------------------------------|
 * | `github.revoke-token-access`  | POST /orgs/{org}/personal-access-tokens/{pat_id}    | none: the owner asks again       |
 * | `github.delete-deploy-key`    | DELETE /repos/{owner}/{repo}/keys/{key_id}          | POST the same key (a new id)     |
 * | `github.suspend-installation` | PUT /app/installations/{installation_id}/suspended  | DELETE on the same path          |
 *
 * A deploy key's state is its content (public key, title, read-only), never its id: GitHub gives
 * a key added again a new id, and the rollback's read-back finds it by its public key (unique on
 * GitHub), so it equals the snapshot. Which grant, key or installation a request names is read by
 * core/containment/github.ts, from the findings' identity id or the params.
 * @see https://docs.github.com/rest/orgs/personal-access-tokens
 * @see https://docs.github.com/rest/deploy-keys/deploy-keys
 * @see https://docs.github.com/rest/apps/apps#suspend-an-app-installation
 */
import { ContainmentRequestError, UnplannedCallError } from '#connectors/aws/contain/errors.ts';
import { isRollbackPlan, ROLLBACK_PREFIX } from '#connectors/aws/contain/kinds.ts';
import { type CallHandler, runPlan } from '#connectors/aws/contain/run-plan.ts';
import type { GitHubClient } from '#connectors/saas/github/client.ts';
import { githubStatus } from '#connectors/saas/github/errors.ts';
import {
  deleteDeployKey,
  listDeployKeys,
  readInstallation,
  readTokenGrant,
  revokeTokenAccess,
  suspendInstallation,
  type TokenGrantPrior,
  undoGitHubRevocation,
} from '#connectors/saas/github/revoke.ts';
import { NoActuatorError } from '#core/containment/errors.ts';
import {
  type GitHubContainmentKind,
  type GitHubTargetRef,
  githubTargetRef,
  parseGitHubScope,
} from '#core/containment/github.ts';
import type {
  ContainmentActuator,
  ContainmentRequest,
  ContainmentState,
  PlannedCall,
} from '#core/ports/containment.ts';

export type { GitHubContainmentKind } from '#core/containment/github.ts';

/** An approved token grant's access to the organization; `grant` is null once revoked. */
export type TokenGrantState = {
  org: string;
  patId: number;
  /** What the grant gave (for the record: it cannot be restored); its last use is left out. */
  grant: Omit<TokenGrantPrior, 'patId' | 'tokenLastUsedAt'> | null;
};

/** A deploy key by content (never by id: a key added again gets a new one); null once deleted. */
export type DeployKeyState = {
  /** `owner/repo`. */
  repository: string;
  deployKey: { key: string; title: string; readOnly: boolean } | null;
};

/** An app installation's suspension. */
export type InstallationState = {
  installationId: number;
  appSlug: string | null;
  account: string | null;
  suspendedAt: string | null;
  suspendedBy: string | null;
  /** The installation the containment client signs in as: the guard refuses it. */
  self: boolean;
};

type GitHubState = TokenGrantState | DeployKeyState | InstallationState;

/** Options of {@link githubActuators}. */
export interface GitHubActuatorOptions {
  /**
   * Signed in as an installation of a GitHub App on the organization with organization
   * "Personal access tokens: write" (token grants) and repository "Administration: write"
   * (deploy keys).
   */
  client: GitHubClient;
  /**
   * Signed in as the app itself (app id and private key; its JWT), for suspensions: GitHub lets
   * only an app suspend its own installations. Without it `github.suspend-installation` is refused.
   */
  appClient?: GitHubClient;
  /** Epoch ms for each call's record (default `Date.now`). */
  now?: () => number;
}

interface Clients {
  client: GitHubClient;
  appClient: GitHubClient | undefined;
}

interface KindSpec<S extends GitHubState, R extends GitHubTargetRef> {
  /** Reads the state; `restoring` is the snapshot a rollback restores, when there is one. */
  read(c: Clients, ref: R, restoring?: ContainmentState): Promise<S>;
  plan(ref: R, before: S): PlannedCall[];
  rollback(ref: R, before: S, now: S): { calls: PlannedCall[]; irreversible?: string };
  check(ref: R, call: PlannedCall, state: S): boolean;
  inEffect(ref: R, call: PlannedCall, state: S): boolean;
  make(c: Clients, ref: R, call: PlannedCall): Promise<unknown>;
  /** What a person should know once the containment (not its rollback) is applied. */
  note: string;
  /** The state a plan restores, for `read` (deploy keys are found by content). */
  restoring?(plan: PlannedCall[]): ContainmentState | undefined;
}

type TokenRef = Extract<GitHubTargetRef, { kind: 'github.revoke-token-access' }>;
type KeyRef = Extract<GitHubTargetRef, { kind: 'github.delete-deploy-key' }>;
type InstallationRef = Extract<GitHubTargetRef, { kind: 'github.suspend-installation' }>;

const REVOKE_TOKEN = 'github:POST /orgs/{org}/personal-access-tokens/{pat_id}';
const DELETE_KEY = 'github:DELETE /repos/{owner}/{repo}/keys/{key_id}';
const ADD_KEY = 'github:POST /repos/{owner}/{repo}/keys';
const SUSPEND = 'github:PUT /app/installations/{installation_id}/suspended';
const UNSUSPEND = 'github:DELETE /app/installations/{installation_id}/suspended';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const sameName = (a: string | null | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();

/** What a revoked grant leaves to do (GitHub has no restore for the organization). */
function tokenIrreversible(owner: string | null): string {
  return `GitHub offers the organization no way to restore a revoked fine-grained token grant: ${owner ?? 'the owner'} must request access for the token again, and an organization owner approve the request.`;
}

const TOKEN_NOTE =
  "The token's requests to the organization's private resources fail from now on; it can still read public ones, and GitHub emails its owner.";

const revokeTokenSpec: KindSpec<TokenGrantState, TokenRef> = {
  async read({ client }, ref) {
    if (client.auth !== 'app')
      throw new ContainmentRequestError(
        'github.revoke-token-access needs a GitHub App installation with organization "Personal access tokens: write": GitHub lists and revokes fine-grained token grants only for apps, not for a token.',
        ref.kind,
      );
    const grant = await readTokenGrant(client, ref.org, ref.patId);
    if (!grant) return { org: ref.org, patId: ref.patId, grant: null };
    const { patId: _patId, tokenLastUsedAt: _lastUsed, ...rest } = grant;
    return { org: ref.org, patId: ref.patId, grant: rest };
  },
  plan(_ref, before) {
    if (!before.grant) return [];
    const { tokenName, owner } = before.grant;
    return [
      {
        api: REVOKE_TOKEN,
        params: { org: before.org, pat_id: before.patId, action: 'revoke' },
        description: `Revoke the access of token "${tokenName ?? before.patId}" of ${owner ?? 'its owner'} to ${before.org} (grant ${before.patId}; cannot be undone: the owner must request access again)`,
      },
    ];
  },
  rollback(_ref, before, now) {
    if (!before.grant || now.grant) return { calls: [] };
    return { calls: [], irreversible: tokenIrreversible(before.grant.owner) };
  },
  check: (_ref, call, state) =>
    call.api === REVOKE_TOKEN &&
    call.params.org === state.org &&
    call.params.pat_id === state.patId &&
    call.params.action === 'revoke',
  inEffect: (_ref, _call, state) => state.grant === null,
  make: ({ client }, ref) => revokeTokenAccess(client, ref.org, ref.patId),
  note: TOKEN_NOTE,
};

/** `ssh-ed25519 AAAA…` without any comment: how GitHub stores and compares a public key. */
const keyOf = (key: string) => key.trim().split(/\s+/).slice(0, 2).join(' ');

const deleteKeySpec: KindSpec<DeployKeyState, KeyRef> = {
  async read({ client }, ref, restoring) {
    let keys: Awaited<ReturnType<typeof listDeployKeys>>;
    try {
      keys = await listDeployKeys(client, ref.owner, ref.repo);
    } catch (err) {
      if (githubStatus(err) === 404)
        throw new ContainmentRequestError(
          `no repository ${ref.owner}/${ref.repo} that the client can see (GitHub answered 404)`,
          ref.kind,
          { cause: err },
        );
      throw err;
    }
    // By id first; a key a rollback added again has a new id, and is found by its public key.
    const wanted = (restoring?.deployKey as { key?: unknown } | null | undefined)?.key;
    const found =
      keys.find((k) => k.id === ref.keyId) ??
      (typeof wanted === 'string' ? keys.find((k) => keyOf(k.key) === keyOf(wanted)) : undefined);
    return {
      repository: `${ref.owner}/${ref.repo}`,
      deployKey: found
        ? { key: keyOf(found.key), title: found.title, readOnly: found.readOnly }
        : null,
    };
  },
  plan(ref, before) {
    if (!before.deployKey) return [];
    const { title, readOnly } = before.deployKey;
    return [
      {
        api: DELETE_KEY,
        params: { owner: ref.owner, repo: ref.repo, key_id: ref.keyId },
        description: `Delete deploy key ${ref.keyId} "${title}" (${readOnly ? 'read-only' : 'read-write'}) of ${before.repository}`,
      },
    ];
  },
  rollback(ref, before, now) {
    // Nothing deleted, or the key is there (again): nothing to add. GitHub has no update, so a
    // key there with another title is left for the comparison to report.
    if (!before.deployKey || now.deployKey) return { calls: [] };
    const { key, title, readOnly } = before.deployKey;
    return {
      calls: [
        {
          api: ADD_KEY,
          params: { owner: ref.owner, repo: ref.repo, title, key, read_only: readOnly },
          description: `${ROLLBACK_PREFIX}add deploy key "${title}" (${readOnly ? 'read-only' : 'read-write'}) to ${before.repository} again, with the same public key (GitHub gives it a new id)`,
        },
      ],
    };
  },
  check: (ref, call, _state) =>
    (call.api === DELETE_KEY || call.api === ADD_KEY) &&
    sameName(str(call.params.owner), ref.owner) &&
    sameName(str(call.params.repo), ref.repo) &&
    (call.api === ADD_KEY || call.params.key_id === ref.keyId),
  inEffect: (_ref, call, state) =>
    call.api === DELETE_KEY
      ? state.deployKey === null
      : state.deployKey !== null && state.deployKey.key === keyOf(str(call.params.key)),
  async make({ client }, ref, call) {
    if (call.api === DELETE_KEY) return deleteDeployKey(client, ref.owner, ref.repo, ref.keyId);
    return undoGitHubRevocation(client, {
      action: 'delete-deploy-key',
      target: `repos/${ref.owner}/${ref.repo}/keys/${ref.keyId}`,
      prior: {
        owner: ref.owner,
        repo: ref.repo,
        id: ref.keyId,
        title: str(call.params.title),
        key: str(call.params.key),
        readOnly: call.params.read_only !== false,
        createdAt: null,
        lastUsed: null,
        addedBy: null,
      },
      applied: true,
      reversible: true,
      note: '',
    });
  },
  note: 'Git over SSH with the key fails from now on.',
  restoring(plan) {
    const add = plan.find((c) => c.api === ADD_KEY);
    return add ? { deployKey: { key: str(add.params.key) } } : undefined;
  },
};

/** Why a suspension cannot be made through the API, and what to do instead. */
function onlyOwnApp(installationId: number, why: string): string {
  return `${why}: only an app the organization controls can be suspended via the API, signed in as the app itself (its JWT, from the app id and the private key the organization holds). To suspend installation ${installationId} of such an app, give Leash that app's id and private key; any other app is suspended or uninstalled by an organization owner in the organization's settings (Third-party Access, GitHub Apps, Configure).`;
}

const suspendSpec: KindSpec<InstallationState, InstallationRef> = {
  async read({ client, appClient }, ref) {
    if (!appClient)
      throw new ContainmentRequestError(
        onlyOwnApp(ref.installationId, 'No client signed in as the app is configured'),
        ref.kind,
      );
    const found = await readInstallation(appClient, ref.installationId);
    if (!found)
      throw new ContainmentRequestError(
        onlyOwnApp(
          ref.installationId,
          `Installation ${ref.installationId} is not one of the configured app's (GitHub answered 404)`,
        ),
        ref.kind,
      );
    if (!sameName(found.account, ref.org))
      throw new ContainmentRequestError(
        `installation ${ref.installationId} is on ${found.account ?? 'another account'}, not on ${ref.org}`,
        ref.kind,
      );
    return {
      installationId: ref.installationId,
      appSlug: found.appSlug,
      account: found.account,
      suspendedAt: found.suspendedAt,
      suspendedBy: found.suspendedBy,
      self: client.installationId === ref.installationId,
    };
  },
  plan(ref, before) {
    if (before.suspendedAt) return [];
    return [
      {
        api: SUSPEND,
        params: { installation_id: ref.installationId },
        description: `Suspend ${before.appSlug ?? 'the app'}'s installation ${ref.installationId} on ${ref.org}: its API access and webhooks stop at once`,
      },
    ];
  },
  rollback(ref, before, now) {
    if (before.suspendedAt || !now.suspendedAt) return { calls: [] };
    return {
      calls: [
        {
          api: UNSUSPEND,
          params: { installation_id: ref.installationId },
          description: `${ROLLBACK_PREFIX}lift the suspension of ${before.appSlug ?? 'the app'}'s installation ${ref.installationId} on ${ref.org}`,
        },
      ],
    };
  },
  check: (ref, call) =>
    (call.api === SUSPEND || call.api === UNSUSPEND) &&
    call.params.installation_id === ref.installationId,
  inEffect: (_ref, call, state) =>
    call.api === SUSPEND ? state.suspendedAt !== null : state.suspendedAt === null,
  make({ appClient }, ref, call) {
    // read() has refused a request without the app client before any call is planned.
    const app = appClient!;
    if (call.api === SUSPEND) return suspendInstallation(app, ref.installationId);
    return undoGitHubRevocation(app, {
      action: 'suspend-installation',
      target: `app/installations/${ref.installationId}/suspended`,
      prior: { installationId: ref.installationId },
      applied: true,
      reversible: true,
      note: '',
    });
  },
  note: "The app's API access and webhooks for the organization are blocked at once; its permissions and repository selection are kept.",
};

type AnySpec = KindSpec<GitHubState, GitHubTargetRef>;

const KINDS: { [K in GitHubContainmentKind]: AnySpec } = {
  'github.revoke-token-access': revokeTokenSpec as unknown as AnySpec,
  'github.delete-deploy-key': deleteKeySpec as unknown as AnySpec,
  'github.suspend-installation': suspendSpec as unknown as AnySpec,
};

/** The GitHub kinds, in the order of the port's list. */
export const GITHUB_CONTAINMENT_KINDS = Object.keys(KINDS) as GitHubContainmentKind[];

/**
 * One actuator per `github.*` kind, acting on the organization of the request's scope
 * (`HOST/ORG`, whose host must be the one the clients sign in to).
 * @param options.client an installation of a GitHub App holding the containment permissions
 *   (organization "Personal access tokens: write", repository "Administration: write")
 * @param options.appClient the app itself (its JWT), needed only to suspend its installations
 */
export function githubActuators(
  options: GitHubActuatorOptions,
): Record<GitHubContainmentKind, ContainmentActuator> {
  const now = options.now ?? Date.now;
  const clients: Clients = { client: options.client, appClient: options.appClient };
  const out = {} as Record<GitHubContainmentKind, ContainmentActuator>;
  for (const kind of GITHUB_CONTAINMENT_KINDS) {
    const spec = KINDS[kind];
    const refOf = (request: ContainmentRequest): GitHubTargetRef => {
      if (request.kind !== kind)
        throw new ContainmentRequestError(
          `the ${kind} actuator got a ${request.kind} request`,
          kind,
        );
      const { ref, issues } = githubTargetRef(request);
      if (!ref)
        throw new ContainmentRequestError(
          `${kind}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          kind,
        );
      // The scope names the GitHub it lives on: never act on a namesake elsewhere.
      const signedIn =
        kind === 'github.suspend-installation' && clients.appClient
          ? clients.appClient
          : clients.client;
      if (ref.host.toLowerCase() !== signedIn.host.toLowerCase())
        throw new ContainmentRequestError(
          `${kind}: the target is on ${ref.host}, but the GitHub client signs in to ${signedIn.host}`,
          kind,
        );
      return ref;
    };
    const state = (s: ContainmentState) => s as unknown as GitHubState;
    out[kind] = {
      async snapshot(request, restoring) {
        const ref = refOf(request);
        return (await spec.read(clients, ref, restoring)) as unknown as ContainmentState;
      },
      plan(request, before) {
        return spec.plan(refOf(request), state(before));
      },
      async execute(request, plan) {
        const ref = refOf(request);
        const restoring = spec.restoring?.(plan);
        const handler: CallHandler<GitHubState> = {
          check(call, s) {
            if (!spec.check(ref, call, s))
              throw new UnplannedCallError(
                `${call.api} is not a ${kind} call on ${request.target.id}`,
                call.api,
              );
          },
          inEffect: (call, s) => spec.inEffect(ref, call, s),
          async make(call) {
            // A primitive that finds nothing to change (a race with another writer) is fine:
            // the read-back verifies the effect either way.
            await spec.make(clients, ref, call);
            return undefined;
          },
        };
        return runPlan<GitHubState>({
          plan,
          read: () => spec.read(clients, ref, restoring),
          handler,
          now,
          notes: plan.length === 0 || isRollbackPlan(plan) ? [] : [spec.note],
        });
      },
      rollbackPlan(request, before, current) {
        return spec.rollback(refOf(request), state(before), state(current));
      },
    };
  }
  return out;
}

/**
 * No GitHub credential is configured where the request is applied (the deployment holds none;
 * the CLI was given no GitHub App): a NoActuatorError whose message says how to apply it.
 */
export class GitHubContainmentNotConfiguredError extends NoActuatorError {
  /**
   * @param kind the `github.*` kind asked for
   * @param message the whole message: that it is not configured here, and what to do instead
   */
  constructor(kind: string, message: string) {
    super(kind);
    this.message = message;
    this.name = 'GitHubContainmentNotConfiguredError';
  }
}

/** The GitHub an organization is on, as a request's scope (`HOST/ORG`) names it. */
export interface GitHubOrganization {
  host: string;
  org: string;
}

/**
 * The actuators of {@link githubActuators}, signing in only when a request needs GitHub:
 * `connect` is called by `snapshot` and `execute` with the organization of the request's scope,
 * once per organization for the life of the process (a failed connect is not kept, so the next
 * request tries again). `plan` and `rollbackPlan` are pure and use the clients the request's
 * snapshot connected, as the use case always takes a snapshot first.
 * @param connect the clients to act with on an organization (a lookup of the app's installation
 *   on it, typically)
 */
export function connectedGitHubActuators(
  connect: (
    organization: GitHubOrganization,
    request: ContainmentRequest,
  ) => Promise<GitHubActuatorOptions>,
): Record<GitHubContainmentKind, ContainmentActuator> {
  const connecting = new Map<string, Promise<Record<GitHubContainmentKind, ContainmentActuator>>>();
  const connected = new Map<string, Record<GitHubContainmentKind, ContainmentActuator>>();
  const keyOf = (request: ContainmentRequest) => {
    const organization = parseGitHubScope(request.target.scope);
    if (!organization)
      throw new ContainmentRequestError(
        `${request.kind}: target.scope: a GitHub scope is HOST/ORG (github.com/acme), not ${request.target.scope}`,
        request.kind,
      );
    // Hosts and logins are case-insensitive on GitHub.
    return { organization, key: request.target.scope.toLowerCase() };
  };
  const actuatorsFor = (request: ContainmentRequest) => {
    const { organization, key } = keyOf(request);
    let pending = connecting.get(key);
    if (!pending) {
      pending = connect(organization, request).then(
        (options) => {
          const actuators = githubActuators(options);
          connected.set(key, actuators);
          return actuators;
        },
        (error: unknown) => {
          connecting.delete(key);
          throw error;
        },
      );
      connecting.set(key, pending);
    }
    return pending;
  };
  const signedIn = (request: ContainmentRequest, kind: GitHubContainmentKind) => {
    const actuators = connected.get(keyOf(request).key);
    if (!actuators)
      throw new ContainmentRequestError(
        `${kind}: not signed in to ${request.target.scope} yet (a plan follows the request's snapshot)`,
        kind,
      );
    return actuators[kind];
  };
  const out = {} as Record<GitHubContainmentKind, ContainmentActuator>;
  for (const kind of GITHUB_CONTAINMENT_KINDS) {
    out[kind] = {
      snapshot: async (request, restoring) =>
        (await actuatorsFor(request))[kind].snapshot(request, restoring),
      plan: (request, before) => signedIn(request, kind).plan(request, before),
      execute: async (request, plan) => (await actuatorsFor(request))[kind].execute(request, plan),
      rollbackPlan: (request, before, current) =>
        signedIn(request, kind).rollbackPlan(request, before, current),
    };
  }
  return out;
}

/**
 * Actuators for every `github.*` kind that refuse each request with
 * GitHubContainmentNotConfiguredError, before any GitHub call: where no GitHub credential is
 * configured, a GitHub request is told how to apply it rather than "no actuator".
 * @param message the error's whole message (`GitHub containment is not configured ...: ...`)
 */
export function unconfiguredGitHubActuators(
  message: string,
): Record<GitHubContainmentKind, ContainmentActuator> {
  return connectedGitHubActuators(async (_organization, request) => {
    throw new GitHubContainmentNotConfiguredError(request.kind, message);
  });
}
