/**
 * The credential Entra containment acts with: an app registration of its own, separate from the
 * read-only scanner's, holding the write permissions of the `entra.*` kinds (README,
 * Containment). A deployment keeps it in its own Secrets Manager secret (same JSON and
 * placeholder as the scan credential, secret-credential.ts) that only `apply-containment` may
 * read; the CLI takes it from the same options as `leash scan --entra`.
 *
 * The credential is read when the first Entra request needs Graph, never at start-up: AWS
 * containment never depends on it, and a credential that is missing, still the placeholder,
 * malformed or refused by Entra fails that request alone, with an error that says exactly what to
 * put where. Error texts name fields and the secret, never a value.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type EntraContainmentKind, lazyEntraActuators } from '#connectors/entra/contain.ts';
import {
  createGraphClient,
  type GraphClient,
  type GraphClientOptions,
} from '#connectors/entra/graph-client.ts';
import { getJson } from '#connectors/entra/graph-fetch.ts';
import { graphOptionsFromSecret, readEntraSecret } from '#connectors/entra/secret-credential.ts';
import { NoActuatorError } from '#core/containment/errors.ts';
import type {
  ContainmentActuator,
  ContainmentKind,
  ContainmentRequest,
} from '#core/ports/containment.ts';

/**
 * Longest wait for a throttled Graph call in apply-containment: three retries stay well inside
 * the function's 2-minute timeout; Graph asking for longer fails the call, which the audit
 * chain records and a rollback or a redrive can follow.
 */
export const CONTAINMENT_MAX_RETRY_WAIT_MS = 20_000;

/** The Graph scope tokens are asked for (createGraphClient's default). */
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * The application permissions of the containment app registration, least privileged, as one
 * sentence (the error texts and the README say the same).
 */
export const ENTRA_CONTAINMENT_PERMISSIONS_TEXT =
  'Application.Read.All (every snapshot of a service principal), Application.ReadWrite.All ' +
  '(disable a service principal, remove a client secret; Application.ReadWrite.OwnedBy is ' +
  'enough for apps the containment app owns), AgentIdentity.EnableDisable.All (disable an agent ' +
  'identity), AppRoleAssignment.ReadWrite.All (remove an application permission), ' +
  'DelegatedPermissionGrant.ReadWrite.All (delete a delegated grant), User.Read.All and ' +
  "User.RevokeSessions.All (revoke a user's sessions), each with admin consent";

/**
 * What to do about the containment credential: the JSON to write, the exact command, the
 * permissions.
 * @param secretId the secret's ARN or name
 */
export function entraContainmentSecretInstructions(secretId: string): string {
  return `Put the credential of the containment app registration (not the read-only scanner's) into the secret: write {"tenantId":"<directory id>","clientId":"<application id>","clientSecret":"<client secret>"} (or "certificatePem" with the PEM private key and certificate instead of "clientSecret") to a file, run \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://entra-containment-credential.json\`, then delete the file. The app needs the application permissions ${ENTRA_CONTAINMENT_PERMISSIONS_TEXT}. The next containment request reads it.`;
}

/** The containment credential cannot be used: missing, placeholder, malformed, or refused. */
export class EntraContainmentCredentialError extends Error {
  readonly code = 'ENTRA_CONTAINMENT_CREDENTIAL';

  /**
   * @param problem what is wrong, naming the secret (or the options) but no value
   * @param instructions what to do about it
   */
  constructor(problem: string, instructions: string, options?: { cause?: unknown }) {
    super(`Entra containment cannot sign in: ${problem}. ${instructions}`, options);
    this.name = 'EntraContainmentCredentialError';
  }
}

/**
 * No credential is configured for Entra containment at all (the deployment has Entra off, the
 * CLI was given no tenant): a NoActuatorError that says how to configure one.
 */
export class EntraContainmentNotConfiguredError extends NoActuatorError {
  /**
   * @param kind the `entra.*` kind asked for
   * @param detail how to configure it
   */
  constructor(kind: string, detail: string) {
    super(kind);
    this.message = `Entra containment is not configured: ${detail}`;
    this.name = 'EntraContainmentNotConfiguredError';
  }
}

/** The request is for another tenant than the credential signs in to. */
export class EntraTenantMismatchError extends Error {
  readonly code = 'ENTRA_TENANT_MISMATCH';

  constructor(
    readonly requested: string,
    readonly signedIn: string,
  ) {
    super(
      `the request is for tenant ${requested}, but the Entra containment credential signs in to tenant ${signedIn}: nothing was changed`,
    );
    this.name = 'EntraTenantMismatchError';
  }
}

/** A signed-in Graph client and the tenant it acts in. */
export interface EntraConnection {
  client: GraphClient;
  tenantId: string;
}

/**
 * Actuators for every `entra.*` kind that sign in on first use through `connect` and keep the
 * connection for the life of the process (a Lambda container, a CLI command). A failed connect
 * is not kept: the next request tries again, so a secret put after a failure is used without a
 * redeploy. A request whose tenant (a directory id) differs from the connection's is refused
 * before any Graph call.
 * @param connect signs in (reads the credential, gets a first token)
 */
export function connectedEntraActuators(
  connect: () => Promise<EntraConnection>,
): Record<EntraContainmentKind, ContainmentActuator> {
  let connection: Promise<EntraConnection> | undefined;
  const connected = () => {
    connection ??= connect().catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };
  return lazyEntraActuators(async (request: ContainmentRequest) => {
    const { client, tenantId } = await connected();
    // Tenants may be named by a verified domain too; only two directory ids can be compared.
    const requested = request.target.scope;
    if (
      GUID.test(requested) &&
      GUID.test(tenantId) &&
      requested.toLowerCase() !== tenantId.toLowerCase()
    )
      throw new EntraTenantMismatchError(requested, tenantId);
    return client;
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Signs in with the containment credential in Secrets Manager: reads and checks the secret,
 * builds the Graph client, and gets a first token, so that a credential Entra refuses is one
 * clear error rather than a failed snapshot.
 * @param deps.reader the function reading the secret, named when access is denied
 * @throws EntraContainmentCredentialError naming the secret and the exact put-secret-value command
 * @throws the SDK error when the secret cannot be read for a transient reason
 */
export async function connectWithSecret(deps: {
  secrets: SecretsManagerClient;
  secretId: string;
  reader: string;
  /** Retry tuning of the Graph client (tests shorten the waits). */
  graph?: Pick<GraphClientOptions, 'sleep' | 'maxRetries' | 'maxRetryWaitMs'>;
}): Promise<EntraConnection> {
  const instructions = entraContainmentSecretInstructions(deps.secretId);
  const read = await readEntraSecret(deps.secrets, deps.secretId, deps.reader);
  if (!read.ok) throw new EntraContainmentCredentialError(read.problem, instructions);
  const { secret } = read;
  const client = createGraphClient({
    ...graphOptionsFromSecret(secret),
    maxRetryWaitMs: CONTAINMENT_MAX_RETRY_WAIT_MS,
    ...deps.graph,
  });
  await signIn(
    client,
    `signing in to tenant ${secret.tenantId} as application ${secret.clientId} with the credential in the secret ${deps.secretId} failed`,
    instructions,
  );
  return { client, tenantId: secret.tenantId };
}

/**
 * Gets a first token, turning a refusal by Entra (an AADSTS error, a credential that cannot be
 * built) into EntraContainmentCredentialError; anything else (the token endpoint unreachable
 * after MSAL's retries) is thrown as it is.
 * @param what `signing in to tenant ... failed`
 * @param instructions what to do about a refused credential
 */
export async function signIn(
  client: GraphClient,
  what: string,
  instructions: string,
): Promise<void> {
  try {
    await client.credential.getToken(GRAPH_SCOPE);
  } catch (err) {
    // @azure/identity messages carry the AADSTS code and text, never the secret itself.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    const name = (err as { name?: unknown } | null)?.name;
    const refused =
      /AADSTS\d+/.test(message) ||
      name === 'AuthenticationError' ||
      name === 'AuthenticationRequiredError' ||
      name === 'CredentialUnavailableError';
    if (!refused) throw err;
    const short = message.length > 400 ? `${message.slice(0, 397)}...` : message;
    throw new EntraContainmentCredentialError(`${what} (${short})`, instructions, { cause: err });
  }
}

/**
 * Actuators for every `entra.*` kind that refuse each request with
 * EntraContainmentNotConfiguredError: where no credential is configured, an Entra request is
 * told how to configure one rather than "no actuator".
 * @param detail how to configure Entra containment here
 */
export function unconfiguredEntraActuators(
  detail: string,
): Record<EntraContainmentKind, ContainmentActuator> {
  return lazyEntraActuators(async (request) => {
    throw new EntraContainmentNotConfiguredError(request.kind, detail);
  });
}

/** The identity behind an object id, as a containment target names it. */
export interface EntraTargetDescription {
  name: string;
  /** `service-principal`, `agent-identity`, `user-account` or `agent-user`. */
  type: string;
}

/**
 * Reads the display name and type of the identity a kind acts on (a service principal or agent
 * identity, or a user), so that the protected-name patterns and policy see its real name.
 * @param kind an `entra.*` kind; `entra.revoke-user-sessions` acts on a user
 * @throws the Graph error (404 when there is no such object)
 */
export async function describeEntraTarget(
  client: GraphClient,
  kind: ContainmentKind,
  id: string,
): Promise<EntraTargetDescription> {
  if (kind === 'entra.revoke-user-sessions') {
    const user = await getJson<{
      displayName?: string | null;
      userPrincipalName?: string | null;
      '@odata.type'?: string;
    }>(client, `/users/${id}?$select=id,displayName,userPrincipalName`);
    // Graph names the derived type of an agent user; a plain user carries none.
    const agentUser = user['@odata.type'] === '#microsoft.graph.agentUser';
    return {
      name: user.userPrincipalName ?? user.displayName ?? id,
      type: agentUser ? 'agent-user' : 'user-account',
    };
  }
  const sp = await getJson<{
    displayName?: string | null;
    servicePrincipalType?: string | null;
    '@odata.type'?: string;
  }>(client, `/servicePrincipals/${id}?$select=id,displayName,servicePrincipalType`);
  const agent =
    sp.servicePrincipalType === 'ServiceIdentity' ||
    sp['@odata.type'] === '#microsoft.graph.agentIdentity';
  return { name: sp.displayName ?? id, type: agent ? 'agent-identity' : 'service-principal' };
}
