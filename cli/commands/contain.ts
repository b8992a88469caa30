/**
 * The containment commands: `leash contain`, `leash approve`, `leash deny`, `leash rollback` and
 * `leash audit`. Each is a thin caller of the use cases of core/containment/contain.ts.
 *
 * Two modes:
 * - Local (default): the store is the CLI's (`.leash/store`, or `--store memory`); containment
 *   runs in-process against live AWS with the caller's credentials (`--endpoint-url` for moto or
 *   LocalStack), and `leash approve` applies the approved request at once.
 * - Deployed (`--table NAME --audit-table NAME`): the deployment's tables. `leash approve` and
 *   `leash deny` record the answer with the caller's IAM identity (STS GetCallerIdentity) as the
 *   approver and send it through the stored task token, so the waiting execution resumes and the
 *   deployed apply-containment function applies it (with the containment role). The caller needs
 *   the table grants and states:SendTaskSuccess on the containment state machine; the approval
 *   endpoint (function URL) is the alternative for tools that sign requests.
 *
 * Entra kinds (`entra.*`) act through Microsoft Graph with the app registration the options name,
 * signed in as `leash scan --entra` signs in (--tenant-id, --client-id, and --certificate,
 * --federated-token-file / AZURE_FEDERATED_TOKEN_FILE, --client-secret-file or
 * LEASH_ENTRA_CLIENT_SECRET): it must be the containment app registration, which holds the write
 * permissions of the kinds (README, Containment), not the read-only scanner. The target is the
 * object id; its name and type are read from Graph, so protected-name patterns and policy see
 * the real name. Graph is signed in to only when an Entra request needs it.
 *
 * GitHub kinds (`github.*`) act as a GitHub App (--github-app-id, --github-private-key, and
 * --github-installation-id or its installation on the organization looked up as the app;
 * --github-base-url and --github-ca-file for a GitHub Enterprise Server): its installation for
 * token grants and deploy keys, the app itself (its JWT) for suspensions. Only an app: GitHub
 * lists and revokes fine-grained token grants only for apps. The target is the identity id of
 * the findings (`github:HOST/ORG/...`); its name is read from GitHub as the findings name it,
 * unless --name gives it. GitHub is signed in to only when a GitHub request needs it.
 *
 * The actor (requester, approver) is the caller's IAM identity from STS; in local mode, when no
 * AWS credentials answer (an Entra or GitHub containment from a workstation without AWS), it is
 * the local user (`cli:USER`), said on stderr.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CedarPolicyDecider } from '#adapters/cedar/cedar-decider.ts';
import { type EntraCredentialOptions, entraGraphClient } from '#cli/commands/entra.ts';
import {
  connectGitHub,
  type GitHubConnection,
  type GitHubCredentialOptions,
  githubAuth,
  type OptionDefinition,
} from '#cli/commands/github.ts';
import { UsageError } from '#cli/errors.ts';
import { openStore, type StoreOptions } from '#cli/store.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { awsActuators } from '#connectors/aws/contain/actuators.ts';
import { assumeContainmentRole } from '#connectors/aws/contain/clients.ts';
import {
  connectedEntraActuators,
  describeEntraTarget,
  ENTRA_CONTAINMENT_PERMISSIONS_TEXT,
  type EntraConnection,
  signIn,
  unconfiguredEntraActuators,
} from '#connectors/entra/containment-credential.ts';
import type { GitHubClient } from '#connectors/saas/github/client.ts';
import {
  connectedGitHubActuators,
  type GitHubOrganization,
  unconfiguredGitHubActuators,
} from '#connectors/saas/github/contain.ts';
import { githubStatus } from '#connectors/saas/github/errors.ts';
import {
  listDeployKeys,
  readInstallation,
  readTokenGrant,
} from '#connectors/saas/github/revoke.ts';
import {
  applyApproved,
  approve,
  auditChain,
  type ContainmentDeps,
  type ContainmentOutcome,
  contain,
  DEFAULT_CONTAINMENT_SETTINGS,
  deny,
  rollback,
} from '#core/containment/contain.ts';
import {
  type GitHubContainmentKind,
  type GitHubTargetRef,
  githubTargetRef,
  isGitHubKind,
  parseGitHubScope,
} from '#core/containment/github.ts';
import {
  containmentRequestId,
  KIND_TARGET_TYPES,
  providerOfKind,
} from '#core/containment/request.ts';
import type { AuditEntry } from '#core/ports/audit-store.ts';
import { CONTAINMENT_KINDS, type ContainmentKind } from '#core/ports/containment.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';
import { resumeWorkflow } from '#functions/shared/answer.ts';
import { openContainmentStore } from '#functions/shared/containment.ts';

/**
 * Options every containment command takes (the Entra sign-in ones for the Entra kinds, the
 * GitHub App ones for the GitHub kinds).
 */
export interface ContainmentCommonOptions
  extends StoreOptions,
    EntraCredentialOptions,
    GitHubCredentialOptions {
  /** Deployed mode: the Leash table. */
  table?: string;
  /** Deployed mode: the audit table (stack output AuditTableName). */
  auditTable?: string;
  region?: string;
  endpointUrl?: string;
  /** Assume this role (path/name) in the target account instead of acting as the caller. */
  containmentRole?: string;
  /** Cedar policy directory (default: the policies shipped with Leash). */
  policies?: string;
  json?: boolean;
}

/** Options of `leash contain`. */
export interface ContainCommandOptions extends ContainmentCommonOptions {
  kind: string;
  dryRun?: boolean;
  reason?: string;
  /** `ai-agent`, `workload`, `human`. */
  class?: string;
  /** `key=value`, repeatable. */
  tag?: string[];
  /** Kind parameters as JSON (`{"policyArn":"arn:..."}`). */
  params?: string;
  /** GitHub kinds: the identity's name (default: read from GitHub). */
  name?: string;
}

/**
 * The options every containment command adds for the Entra kinds, in help order: the sign-in
 * options of `leash scan --entra`, for the containment app registration.
 */
export const ENTRA_CONTAINMENT_OPTIONS: readonly OptionDefinition[] = [
  {
    flags: '--tenant-id <id>',
    description: 'Entra kinds: the tenant id (the target is an object id in it)',
  },
  {
    flags: '--client-id <id>',
    description:
      'Entra kinds: the application (client) id of the containment app registration (write permissions; not the read-only scanner)',
  },
  {
    flags: '--client-secret-file <path>',
    description:
      'Entra kinds: file holding its client secret (or set LEASH_ENTRA_CLIENT_SECRET; never on the command line)',
  },
  {
    flags: '--certificate <pem>',
    description: 'Entra kinds: PEM file with its certificate and private key',
  },
  {
    flags: '--federated-token-file <path>',
    description:
      'Entra kinds: workload identity federation token file (default AZURE_FEDERATED_TOKEN_FILE)',
  },
  {
    flags: '--authority-host <url>',
    description:
      'Entra kinds: sign-in authority (default https://login.microsoftonline.com; national clouds)',
  },
  {
    flags: '--graph-url <url>',
    description: 'Entra kinds: Graph root (default https://graph.microsoft.com; national clouds)',
  },
  {
    flags: '--ca-file <pem>',
    description: 'Entra kinds: extra CA certificate to trust (a TLS-inspecting proxy)',
  },
];

/**
 * The options every containment command adds for the GitHub kinds, in help order: the GitHub
 * App sign-in options of `leash scan --github` (no token: GitHub lets only apps list and revoke
 * fine-grained token grants).
 */
export const GITHUB_CONTAINMENT_OPTIONS: readonly OptionDefinition[] = [
  {
    flags: '--github-app-id <id>',
    description:
      'GitHub kinds: the GitHub App to act as, with organization "Personal access tokens: write" and repository "Administration: write" (an app only: GitHub lets no token revoke token grants)',
  },
  {
    flags: '--github-private-key <file>',
    description: "GitHub kinds: file holding the app's private key (PEM)",
  },
  {
    flags: '--github-installation-id <id>',
    description:
      "GitHub kinds: the app's installation on the organization (default: looked up as the app)",
  },
  {
    flags: '--github-base-url <url>',
    description:
      'GitHub kinds: API root of a GitHub Enterprise Server, e.g. https://ghe.example.com/api/v3 (default https://api.github.com)',
  },
  {
    flags: '--github-ca-file <pem>',
    description: 'GitHub kinds: extra CA certificate to trust (an internal CA, a TLS proxy)',
  },
];

/** What to give for the GitHub kinds, in a usage error or a refused request. */
const GITHUB_OPTIONS_NEEDED =
  'give --github-app-id and --github-private-key <file> of a GitHub App installed on the organization with organization "Personal access tokens: write" and repository "Administration: write" (plus --github-base-url and --github-ca-file for a GitHub Enterprise Server); a token cannot be used, GitHub lets only apps revoke token grants';

/** The target of each GitHub kind: the identity id of the findings. */
const GITHUB_ID_FORMS: Record<GitHubContainmentKind, string> = {
  'github.revoke-token-access': 'github:HOST/ORG/personal-access-tokens/PAT_ID',
  'github.delete-deploy-key': 'github:HOST/ORG/REPO/keys/KEY_ID',
  'github.suspend-installation': 'github:HOST/ORG/installations/INSTALLATION_ID',
};

/** What to give for the Entra kinds, in a usage error or a refused request. */
const ENTRA_OPTIONS_NEEDED =
  'give --tenant-id and --client-id of the containment app registration (not the read-only scanner) and its credential: --certificate, --federated-token-file (or AZURE_FEDERATED_TOKEN_FILE), --client-secret-file, or LEASH_ENTRA_CLIENT_SECRET, as for leash scan --entra';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd?: string };

/** The store, clients and use-case dependencies of one command. */
interface Session {
  store: LeashStore;
  deps: ContainmentDeps;
  aws: AwsClients;
  deployed: boolean;
  /** Signs in to Graph once (Entra kinds); undefined without --tenant-id and --client-id. */
  entra?: () => Promise<EntraConnection>;
  /** Signs in to an organization once (GitHub kinds); undefined without GitHub App options. */
  github?: (organization: GitHubOrganization) => Promise<GitHubConnection>;
  close(): Promise<void>;
}

/**
 * The Graph sign-in of the command's options, on first use and once: the credential is read and
 * a first token asked for, so a refused credential is one clear error.
 */
function entraConnection(
  opts: EntraCredentialOptions,
): (() => Promise<EntraConnection>) | undefined {
  if (!opts.tenantId && !opts.clientId) return undefined;
  let connection: Promise<EntraConnection> | undefined;
  return () => {
    connection ??= (async () => {
      const { client, tenantId } = await entraGraphClient(opts, process.env, 'Entra containment');
      await signIn(
        client,
        `signing in to tenant ${tenantId} as application ${opts.clientId} failed`,
        `Check --tenant-id, --client-id and the credential. The app registration needs the application permissions ${ENTRA_CONTAINMENT_PERMISSIONS_TEXT}.`,
      );
      return { client, tenantId };
    })().catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };
}

/**
 * The GitHub App of the command's options, signed in to an organization on first use and once
 * per organization: the app itself (its JWT) and its installation there (looked up as the app
 * unless --github-installation-id gives it), refused before any request when --github-base-url
 * is not the organization's GitHub.
 */
function githubConnection(
  opts: GitHubCredentialOptions,
  io: Io,
): ((organization: GitHubOrganization) => Promise<GitHubConnection>) | undefined {
  if (!opts.githubAppId && !opts.githubPrivateKey && !opts.githubInstallationId) return undefined;
  const connections = new Map<string, Promise<GitHubConnection>>();
  return ({ host, org }) => {
    const key = `${host}/${org}`.toLowerCase();
    let connection = connections.get(key);
    if (!connection) {
      connection = (async () => {
        // No environment: containment never falls back to LEASH_GITHUB_TOKEN or GITHUB_TOKEN.
        const auth = await githubAuth(opts, {});
        return connectGitHub(opts, auth, org, {
          host,
          log: (line) => io.stderr.write(`github: ${line}\n`),
        });
      })().catch((error: unknown) => {
        connections.delete(key);
        throw error;
      });
      connections.set(key, connection);
    }
    return connection;
  };
}

async function openSession(
  opts: ContainmentCommonOptions,
  io: Io,
  actor?: string,
): Promise<Session> {
  if ((opts.table === undefined) !== (opts.auditTable === undefined))
    throw new UsageError(
      '--table and --audit-table go together (the stack outputs TableName and AuditTableName)',
    );
  const region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const aws = new AwsClients({
    homeRegion: region,
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  });
  let store: LeashStore;
  let close = async () => aws.destroy();
  const deployed = opts.table !== undefined;
  if (deployed) {
    const dynamo = new DynamoDBClient({
      region,
      ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
    });
    store = openContainmentStore({ table: opts.table!, auditTable: opts.auditTable! }, dynamo);
    close = async () => {
      dynamo.destroy();
      aws.destroy();
    };
  } else {
    const opened = await openStore(opts, io.cwd);
    store = opened.store;
    close = async () => {
      await opened.close();
      aws.destroy();
    };
  }
  const clientsFor = opts.containmentRole
    ? assumeContainmentRole(aws, { roleName: opts.containmentRole, sessionName: 'leash-cli' })
    : async () => aws;
  const entra = entraConnection(opts);
  const github = githubConnection(opts, io);
  const deps: ContainmentDeps = {
    store,
    decider: CedarPolicyDecider.fromDirectory(opts.policies),
    actuators: {
      ...awsActuators(clientsFor),
      ...(entra
        ? connectedEntraActuators(entra)
        : unconfiguredEntraActuators(`${ENTRA_OPTIONS_NEEDED}.`)),
      ...(github
        ? connectedGitHubActuators(github)
        : unconfiguredGitHubActuators(
            `GitHub containment is not configured: ${GITHUB_OPTIONS_NEEDED}.`,
          )),
    },
    notifier: {
      notify: async (request, _decision, expiresAt) => {
        io.stderr.write(
          `Approval needed: leash approve ${request.requestId} (or leash deny), before ${new Date(expiresAt).toISOString()}\n`,
        );
      },
    },
    now: () => Date.now(),
    actor: actor ?? (await callerArn(opts, region, deployed, io)),
    settings: DEFAULT_CONTAINMENT_SETTINGS,
  };
  return {
    store,
    deps,
    aws,
    deployed,
    ...(entra ? { entra } : {}),
    ...(github ? { github } : {}),
    close,
  };
}

/**
 * The caller's IAM identity, or in local mode the local user (`cli:USER`) when no AWS
 * credentials are found, said on stderr. Deployed, the approver must be an IAM identity, and
 * any other STS failure (network, a refused credential) is thrown as it is.
 */
async function callerArn(
  opts: ContainmentCommonOptions,
  region: string,
  deployed: boolean,
  io: Io,
): Promise<string> {
  const localUser = `cli:${process.env.USER ?? 'unknown'}`;
  const sts = new STSClient({
    region,
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? localUser;
  } catch (err) {
    if (deployed || !noAwsCredentials(err)) throw err;
    io.stderr.write(
      `No AWS credentials found: the actor recorded in the audit log is the local user, ${localUser}.\n`,
    );
    return localUser;
  } finally {
    sts.destroy();
  }
}

/**
 * True when the SDK found no credentials at all: the default provider chain ends with a
 * CredentialsProviderError ("Could not load credentials from any providers") before any request
 * is sent.
 */
function noAwsCredentials(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'CredentialsProviderError';
}

/** An AWS identity from its ARN: account, type and name. */
export function targetFromArn(arn: string): { scope: string; type: string; name: string } {
  const iam = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (iam) return { scope: iam[1]!, type: iam[2]!, name: iam[3]! };
  const fn = /^arn:[^:]+:lambda:[^:]+:(\d{12}):function:([^:]+)$/.exec(arn);
  if (fn) return { scope: fn[1]!, type: 'lambda-function', name: fn[2]! };
  throw new UsageError(`${arn} is not the ARN of an IAM role, IAM user or Lambda function`);
}

/**
 * `leash contain TARGET --kind KIND`: decides by policy, prints the plan (the exact calls from
 * the state read now), and unless `--dry-run` applies it (auto) or stores the approval request.
 * TARGET is an ARN for the AWS kinds, an object id in `--tenant-id` for the Entra kinds, the
 * identity id of the findings (`github:HOST/ORG/...`) for the GitHub kinds.
 * @returns the exit code: 0 applied, pending or planned; 1 refused, forbidden or failed
 */
export async function containCommand(
  target: string,
  opts: ContainCommandOptions,
  io: Io,
): Promise<number> {
  if (!(CONTAINMENT_KINDS as readonly string[]).includes(opts.kind))
    throw new UsageError(`--kind must be one of ${CONTAINMENT_KINDS.join(', ')}`);
  const kind = opts.kind as ContainmentKind;
  const provider = providerOfKind(kind);
  if (opts.name !== undefined && provider !== 'saas')
    throw new UsageError(
      '--name is for the GitHub kinds: an AWS name comes from the ARN, an Entra name from Graph',
    );
  if (provider === 'entra') {
    if (!opts.tenantId || !opts.clientId) throw new UsageError(`${kind}: ${ENTRA_OPTIONS_NEEDED}`);
    if (!OBJECT_ID.test(target))
      throw new UsageError(
        `${kind}: the target is the object id (a GUID) of the service principal, agent identity or user, not ${target}`,
      );
  }
  const aws = provider === 'aws' ? targetFromArn(target) : undefined;
  const tags = Object.fromEntries(
    (opts.tag ?? []).map((t) => {
      const at = t.indexOf('=');
      if (at < 1) throw new UsageError(`--tag takes key=value, not "${t}"`);
      return [t.slice(0, at), t.slice(at + 1)];
    }),
  );
  let params: Record<string, unknown> = {};
  if (opts.params) {
    try {
      params = JSON.parse(opts.params) as Record<string, unknown>;
    } catch {
      throw new UsageError('--params takes a JSON object');
    }
  }
  const github = isGitHubKind(kind) ? githubTargetOf(kind, target, params, opts) : undefined;
  const session = await openSession(opts, io);
  try {
    const { scope, type, name } =
      aws ??
      (github
        ? await githubTarget(session, github, opts.name)
        : await entraTarget(session, kind, target));
    const requester = session.deps.actor;
    const request = {
      requestId: containmentRequestId({
        kind,
        target: { provider, scope, id: target },
        origin: {
          cli: requester,
          params,
          reason: opts.reason ?? null,
          at: Math.floor(Date.now() / 60_000),
        },
      }),
      kind,
      target: {
        provider,
        scope,
        id: target,
        name,
        type,
        class: opts.class ?? null,
        tags,
        delegatingHuman: null,
      },
      trigger: { type: 'request', requester, ...(opts.reason ? { reason: opts.reason } : {}) },
      params,
      requestedAt: Date.now(),
    };
    const plan = await contain(request, session.deps, { dryRun: true });
    print(io, opts, plan, 'Plan');
    if (opts.dryRun || plan.status === 'refused') return plan.status === 'refused' ? 1 : 0;
    if (plan.decision?.decision === 'forbidden') return 1;
    const outcome = await contain(request, session.deps);
    print(io, opts, outcome, 'Result');
    return ['applied', 'pending'].includes(outcome.status) ? 0 : 1;
  } finally {
    await session.close();
  }
}

/**
 * An Entra target as Graph has it: its display name and type, in the options' tenant. Signing in
 * here also checks the credential before anything is recorded.
 */
async function entraTarget(
  session: Session,
  kind: ContainmentKind,
  id: string,
): Promise<{ scope: string; type: string; name: string }> {
  const { client, tenantId } = await session.entra!();
  const { name, type } = await describeEntraTarget(client, kind, id);
  return { scope: tenantId, type, name };
}

/** A GitHub target as the command names it, checked before anything else happens. */
interface GitHubTarget {
  kind: GitHubContainmentKind;
  scope: string;
  ref: GitHubTargetRef;
}

/**
 * The organization and what a GitHub kind acts on, from the findings id (and `--params`).
 * @throws UsageError naming the id form of the kind, or the options to give
 */
function githubTargetOf(
  kind: GitHubContainmentKind,
  target: string,
  params: Record<string, unknown>,
  opts: GitHubCredentialOptions,
): GitHubTarget {
  const expected = `the target of ${kind} is the identity id of the findings, ${GITHUB_ID_FORMS[kind]}`;
  const scope = /^github:([^/\s]+\/[^/\s]+)\//.exec(target)?.[1];
  if (!scope || !parseGitHubScope(scope))
    throw new UsageError(`${expected} (HOST/ORG as in github.com/acme), not ${target}`);
  const { ref, issues } = githubTargetRef({
    kind,
    target: {
      provider: 'saas',
      scope,
      id: target,
      name: '',
      type: KIND_TARGET_TYPES[kind][0]!,
      class: null,
      environment: null,
      tags: {},
      delegatingHuman: null,
    },
    params,
  });
  if (!ref)
    throw new UsageError(
      `${expected}, not ${target}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  if (!opts.githubAppId) throw new UsageError(`${kind}: ${GITHUB_OPTIONS_NEEDED}`);
  return { kind, scope, ref };
}

/**
 * A GitHub target's scope, type and name: the name the findings give it
 * (core/saas/github/analyze-org.ts), read from GitHub: the app's slug for an installation,
 * `TOKEN (OWNER)` for a token grant, `TITLE (REPO)` for a deploy key, so protected-name patterns
 * and policy see it. `--name` is used only when GitHub has no such grant, key or installation
 * (the snapshot then says why); it may not rename one GitHub has, so it cannot take an identity
 * out of a protected-name pattern. Signing in here also checks the credential before anything
 * is recorded.
 * @throws UsageError when --name differs from the name GitHub gives
 */
async function githubTarget(
  session: Session,
  { kind, scope, ref }: GitHubTarget,
  given: string | undefined,
): Promise<{ scope: string; type: string; name: string }> {
  const { client, appClient } = await session.github!({ host: ref.host, org: ref.org });
  const type = KIND_TARGET_TYPES[kind][0]!;
  const named = await githubName(client, appClient, ref);
  if (named !== undefined && given !== undefined && given !== named)
    throw new UsageError(
      `--name "${given}" is not the name GitHub gives this identity ("${named}"); leave --name out: the name is read from GitHub so protected names apply`,
    );
  return { scope, type, name: named ?? given ?? unnamed(ref) };
}

/** What a GitHub request acts on, by its id's tail, when GitHub has no name for it. */
function unnamed(ref: GitHubTargetRef): string {
  switch (ref.kind) {
    case 'github.revoke-token-access':
      return `personal-access-tokens/${ref.patId}`;
    case 'github.delete-deploy-key':
      return `${ref.repo}/keys/${ref.keyId}`;
    case 'github.suspend-installation':
      return `installations/${ref.installationId}`;
  }
}

/**
 * The name of what a GitHub request acts on, or undefined when GitHub has no such grant, key or
 * installation for the client.
 */
async function githubName(
  client: GitHubClient,
  appClient: GitHubClient | undefined,
  ref: GitHubTargetRef,
): Promise<string | undefined> {
  switch (ref.kind) {
    case 'github.revoke-token-access': {
      const grant = await readTokenGrant(client, ref.org, ref.patId);
      // The findings' defaults (connectors/saas/github/shape.ts) for a missing name or owner.
      if (grant)
        return `${grant.tokenName ?? `token ${grant.tokenId}`} (${grant.owner ?? 'unknown'})`;
      return undefined;
    }
    case 'github.delete-deploy-key': {
      const keys = await listDeployKeys(client, ref.owner, ref.repo).catch((err: unknown) => {
        if (githubStatus(err) === 404) return [];
        throw err;
      });
      const key = keys.find((k) => k.id === ref.keyId);
      return key ? `${key.title} (${ref.repo})` : undefined;
    }
    case 'github.suspend-installation': {
      const found = appClient ? await readInstallation(appClient, ref.installationId) : undefined;
      return found?.appSlug ?? undefined;
    }
  }
}

/**
 * `leash approve ID` / `leash deny ID`: records the answer; locally applies an approval at once,
 * deployed resumes the waiting execution through the task token.
 */
export async function answerCommand(
  decision: 'approve' | 'deny',
  requestId: string,
  opts: ContainmentCommonOptions & { reason?: string },
  io: Io,
): Promise<number> {
  const session = await openSession(opts, io);
  try {
    const by = session.deps.actor;
    const answer = decision === 'approve' ? approve : deny;
    let outcome = await answer(requestId, by, session.deps, opts.reason);
    print(io, opts, outcome, decision === 'approve' ? 'Approved' : 'Denied');
    if (session.deployed) {
      const approval = await session.store.approval(requestId);
      const sfn = new SFNClient({
        region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
        ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
      });
      try {
        const workflow = approval ? await resumeWorkflow(sfn, approval) : 'no-workflow';
        io.stderr.write(`workflow: ${workflow}\n`);
      } finally {
        sfn.destroy();
      }
      return 0;
    }
    if (decision === 'approve' && outcome.status === 'approved') {
      outcome = await applyApproved(requestId, session.deps);
      print(io, opts, outcome, 'Result');
      return outcome.status === 'applied' ? 0 : 1;
    }
    return 0;
  } finally {
    await session.close();
  }
}

/** `leash rollback ID`: restores the state the request found, and says what it could not. */
export async function rollbackCommand(
  requestId: string,
  opts: ContainmentCommonOptions & { reason?: string },
  io: Io,
): Promise<number> {
  const session = await openSession(opts, io);
  try {
    const outcome = await rollback(requestId, session.deps.actor, session.deps, opts.reason);
    print(io, opts, outcome, 'Rollback');
    return outcome.status === 'rolled-back' ? 0 : 1;
  } finally {
    await session.close();
  }
}

/** `leash audit ID`: the whole chain, in order. */
export async function auditCommand(
  requestId: string,
  opts: ContainmentCommonOptions,
  io: Io,
): Promise<number> {
  const session = await openSession(opts, io, 'cli');
  try {
    const chain = await auditChain(requestId, session.deps);
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(chain, null, 2)}\n`);
      return chain.entries.length > 0 ? 0 : 1;
    }
    if (chain.entries.length === 0) {
      io.stderr.write(`No audit entries for ${requestId}.\n`);
      return 1;
    }
    io.stdout.write(`${requestId}: ${chain.status}\n`);
    for (const entry of chain.entries) io.stdout.write(formatEntry(entry));
    return 0;
  } finally {
    await session.close();
  }
}

/** One audit entry for a person: seq, time, kind, actor, then the facts. */
export function formatEntry(e: AuditEntry): string {
  const head = `#${e.seq} ${new Date(e.at).toISOString()} ${e.kind} by ${e.actor}`;
  const detail = JSON.stringify(e.detail, null, 2).replace(/\n/g, '\n    ');
  return `${head}\n    ${detail}\n`;
}

function print(io: Io, opts: { json?: boolean }, o: ContainmentOutcome, label: string): void {
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ [label.toLowerCase()]: o }, null, 2)}\n`);
    return;
  }
  const lines = [`${label}: ${o.requestId} ${o.status}${o.replayed ? ' (already recorded)' : ''}`];
  if (o.decision)
    lines.push(
      `  policy: ${o.decision.decision} (${o.decision.matched.join(', ') || 'no policy matched'}; version ${o.decision.policyVersion.slice(0, 12)})`,
    );
  if (o.refusal) lines.push(`  refused: ${o.refusal.detail}`);
  if (o.expiresAt) lines.push(`  expires: ${new Date(o.expiresAt).toISOString()}`);
  for (const call of o.plan ?? [])
    lines.push(`  call: ${call.api} ${JSON.stringify(call.params)}  # ${call.description}`);
  for (const c of o.calls)
    lines.push(`  ${c.ok ? 'done' : 'FAILED'}: ${c.call.api} (${c.outcome})`);
  if (o.detail) lines.push(`  ${o.detail}`);
  io.stdout.write(`${lines.join('\n')}\n`);
}
