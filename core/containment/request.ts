/**
 * Containment requests: the documented `Containment Requested` event any tool may put on the
 * Leash bus, the request a `Finding Created` event leads to, and the validation every request
 * passes before anything else happens. A request that fails here is rejected with
 * MalformedContainmentRequestError before any API call (the handler sends it to the DLQ).
 *
 * Request ids are deterministic: the same event (a redelivery, a retried CLI call) maps to the
 * same id, and the use case finds the id's audit chain and does nothing twice.
 */
import { z } from 'zod';
import { MalformedContainmentRequestError, type RequestIssue } from '#core/containment/errors.ts';
import { GITHUB_KIND_PARAMS, githubTargetRef, isGitHubKind } from '#core/containment/github.ts';
import { FindingCreatedDetailSchema } from '#core/model/events.ts';
import {
  CONTAINMENT_KINDS,
  type ContainmentKind,
  type ContainmentRequest,
  type ContainmentTarget,
} from '#core/ports/containment.ts';
import { hashValue } from '#core/store/hash.ts';

const severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);
const nonEmpty = z.string().trim().min(1);

/** Which identity types each kind applies to (a request for another type is malformed). */
export const KIND_TARGET_TYPES: Record<ContainmentKind, readonly string[]> = {
  'aws.revoke-sessions': ['role'],
  'aws.quarantine': ['role', 'user'],
  'aws.deactivate-access-keys': ['user'],
  'aws.delete-login-profile': ['user'],
  'aws.lambda-kill-switch': ['lambda-function'],
  'aws.detach-policy': ['role', 'user'],
  'aws.apply-recommendation': ['role', 'user'],
  'entra.disable-service-principal': ['service-principal', 'agent-identity'],
  'entra.remove-app-permission': ['service-principal', 'agent-identity'],
  'entra.delete-delegated-grant': ['service-principal', 'agent-identity'],
  'entra.remove-password': ['service-principal', 'agent-identity', 'application'],
  'entra.revoke-user-sessions': ['user-account', 'agent-user'],
  'github.revoke-token-access': ['access-token'],
  'github.delete-deploy-key': ['deploy-key'],
  'github.suspend-installation': ['app-installation'],
};

/** The provider of the identities each kind applies to (`github.*`: `saas`). */
export function providerOfKind(kind: ContainmentKind): ContainmentTarget['provider'] {
  if (kind.startsWith('aws.')) return 'aws';
  if (kind.startsWith('entra.')) return 'entra';
  return 'saas';
}

/**
 * The parameters each kind needs (extra members are kept and passed to the actuator). Kinds
 * absent here take none.
 */
export const KIND_PARAMS: Partial<Record<ContainmentKind, z.ZodType<Record<string, unknown>>>> = {
  /** The managed policy to detach. */
  'aws.detach-policy': z.looseObject({ policyArn: z.string().startsWith('arn:') }),
  /** Only this key (default: every active key of the user). */
  'aws.deactivate-access-keys': z.looseObject({ accessKeyId: nonEmpty.optional() }),
  /**
   * The identity's entry of the findings document: its recommended policies replace its grants
   * (connectors/aws/contain/kinds.ts checks the rest of its shape).
   */
  'aws.apply-recommendation': z.looseObject({ identity: z.looseObject({ id: nonEmpty }) }),
  /** The app role assignment to delete. */
  'entra.remove-app-permission': z.looseObject({ assignmentId: nonEmpty }),
  /** The oauth2PermissionGrant to delete. */
  'entra.delete-delegated-grant': z.looseObject({ grantId: nonEmpty }),
  /** The client secret to remove; `applicationId` when it is on the app registration. */
  'entra.remove-password': z.looseObject({
    keyId: nonEmpty,
    applicationId: nonEmpty.optional(),
  }),
  // GitHub: the grant, key or installation, when the target id does not encode it
  // (core/containment/github.ts checks the two together).
  ...GITHUB_KIND_PARAMS,
};

/** The identity as a request names it; class, tags and environment may be left out. */
export const ContainmentTargetInputSchema = z.object({
  /** `saas` for GitHub identities. */
  provider: z.enum(['aws', 'entra', 'saas']),
  /** AWS account id (12 digits), Entra tenant id, or GitHub `HOST/ORG`. */
  scope: nonEmpty,
  /** ARN (AWS), object id (Entra), or the GitHub identity id of the findings. */
  id: nonEmpty,
  name: nonEmpty,
  /** `role`, `user`, `lambda-function`, `service-principal`, `deploy-key`... */
  type: nonEmpty,
  class: z.enum(['human', 'workload', 'ai-agent']).nullable().default(null),
  tags: z.record(z.string(), z.string()).default({}),
  /** Default: the `environment` (or `env`) tag. */
  environment: z.string().nullable().optional(),
  delegatingHuman: z.string().nullable().default(null),
});

/**
 * `Containment Requested` (source any tool, put on the Leash bus): asks Leash to contain one
 * identity in one way. Policy still decides whether it happens automatically, after approval,
 * or not at all.
 *
 * ```json
 * { "kind": "aws.revoke-sessions",
 *   "target": { "provider": "aws", "scope": "111111111111", "type": "role", "name": "agent",
 *               "id": "arn:aws:iam::111111111111:role/agent", "class": "ai-agent",
 *               "tags": { "environment": "production" } },
 *   "requester": "arn:aws:sts::111111111111:assumed-role/soc/alice",
 *   "reason": "GuardDuty: credential exfiltration", "idempotencyKey": "INC-4711" }
 * ```
 */
export const ContainmentRequestedDetailSchema = z.object({
  kind: z.enum(CONTAINMENT_KINDS),
  target: ContainmentTargetInputSchema,
  /** Who asks: an IAM principal ARN, a person, a tool. */
  requester: nonEmpty,
  reason: z.string().optional(),
  /** Kind-specific parameters (see KIND_PARAMS). */
  params: z.record(z.string(), z.unknown()).default({}),
  /** The finding behind the request, when there is one (policy sees its rule and severity). */
  finding: z.object({ key: nonEmpty, ruleId: nonEmpty, severity: severity }).optional(),
  /**
   * Makes the request id: the same key (with the same kind and identity) is the same request.
   * Default: the whole detail, so an identical event is the same request.
   */
  idempotencyKey: nonEmpty.optional(),
});
/** Detail of `Containment Requested`. */
export type ContainmentRequestedDetail = z.input<typeof ContainmentRequestedDetailSchema>;

/** The whole request, as the use case receives it (from an event, the CLI or a state machine). */
export const ContainmentRequestSchema = z.object({
  requestId: z.string().regex(/^ctn-[0-9a-f]{32}$/, 'a ctn-<32 hex> id from containmentRequestId'),
  kind: z.enum(CONTAINMENT_KINDS),
  target: ContainmentTargetInputSchema,
  trigger: z.object({
    type: z.enum(['finding', 'request']),
    findingKey: nonEmpty.optional(),
    ruleId: nonEmpty.optional(),
    severity: severity.optional(),
    requester: nonEmpty,
    reason: z.string().optional(),
  }),
  params: z.record(z.string(), z.unknown()).default({}),
  requestedAt: z.number().int().nonnegative(),
});

/**
 * The deterministic id of a request: `ctn-` and the 128-bit hash of what makes it the same
 * request (kind, identity, and the event or key that asked for it).
 */
export function containmentRequestId(parts: {
  kind: ContainmentKind;
  target: Pick<ContainmentTarget, 'provider' | 'scope' | 'id'>;
  /** What asked: the idempotency key, the whole event detail, or the finding and run. */
  origin: unknown;
}): string {
  const { kind, target, origin } = parts;
  return `ctn-${hashValue({ kind, provider: target.provider, scope: target.scope, id: target.id, origin })}`;
}

/**
 * Checks a request (from any source) and returns it normalised: defaults filled, environment
 * taken from the tags when not given, the kind fitting the identity type and its parameters.
 * @throws MalformedContainmentRequestError listing every problem
 */
export function parseContainmentRequest(input: unknown): ContainmentRequest {
  const parsed = ContainmentRequestSchema.safeParse(input);
  if (!parsed.success) throw malformed(parsed.error);
  const r = parsed.data;
  const request: ContainmentRequest = {
    requestId: r.requestId,
    kind: r.kind,
    target: normaliseTarget(r.target),
    trigger: dropUndefined(r.trigger),
    params: r.params,
    requestedAt: r.requestedAt,
  };
  if (request.trigger.type === 'finding' && !request.trigger.findingKey)
    throw new MalformedContainmentRequestError([
      { path: 'trigger.findingKey', message: 'a finding trigger names its finding' },
    ]);
  checkKindFits(request);
  return request;
}

/**
 * The request a `Containment Requested` event asks for.
 * @param detail the event's detail (unknown: it is validated here)
 * @param requestedAt epoch ms of the event (its `time`), so a redelivery gives the same request
 * @throws MalformedContainmentRequestError
 */
export function requestFromEvent(detail: unknown, requestedAt: number): ContainmentRequest {
  const parsed = ContainmentRequestedDetailSchema.safeParse(detail);
  if (!parsed.success) throw malformed(parsed.error);
  const d = parsed.data;
  const origin = d.idempotencyKey ? { idempotencyKey: d.idempotencyKey } : { detail: d };
  return parseContainmentRequest({
    requestId: containmentRequestId({ kind: d.kind, target: d.target, origin }),
    kind: d.kind,
    target: d.target,
    trigger: {
      type: d.finding ? 'finding' : 'request',
      findingKey: d.finding?.key,
      ruleId: d.finding?.ruleId,
      severity: d.finding?.severity,
      requester: d.requester,
      reason: d.reason,
    },
    params: d.params,
    requestedAt,
  });
}

/** What the inventory knows of the identity a finding is about (tags decide policy). */
export interface KnownIdentity {
  tags: Record<string, string>;
  /** The human who deployed or owns it, from the agent graph or the owners. */
  delegatingHuman?: string | null;
}

/**
 * The default containment for a finding, or null when the finding calls for none (rightsizing
 * findings are handled by recommendations, not containment). First match wins:
 *
 * | Finding                                   | Identity                          | Kind                              |
 * |-------------------------------------------|-----------------------------------|-----------------------------------|
 * | any rule, critical                        | AWS role, ai-agent                | aws.revoke-sessions               |
 * | LP-AI-*, critical or high                 | AWS role, ai-agent                | aws.revoke-sessions               |
 * | any rule, critical                        | AWS user                          | aws.quarantine                    |
 * | LP-IAM-002 (unused access key)            | AWS user                          | aws.deactivate-access-keys        |
 * | any rule, critical                        | Entra service principal or agent  | entra.disable-service-principal   |
 * | LP-ENTRA-010 (orphaned agent user)        | Entra agent user                  | entra.revoke-user-sessions        |
 *
 * Whether the containment then happens automatically, after approval, or not at all is for the
 * Cedar policies to say (the default set makes only the first row automatic).
 */
export function defaultKindForFinding(f: {
  ruleId: string;
  severity: z.infer<typeof severity>;
  identityType: string | null;
  identityClass: 'human' | 'workload' | 'ai-agent' | null;
  provider: 'aws' | 'entra';
}): ContainmentKind | null {
  const { ruleId, severity: sev, identityType: type, identityClass: cls, provider } = f;
  if (provider === 'aws') {
    if (type === 'role' && cls === 'ai-agent') {
      if (sev === 'critical') return 'aws.revoke-sessions';
      if (ruleId.startsWith('LP-AI-') && sev === 'high') return 'aws.revoke-sessions';
    }
    if (type === 'user' && sev === 'critical') return 'aws.quarantine';
    if (type === 'user' && ruleId === 'LP-IAM-002') return 'aws.deactivate-access-keys';
    return null;
  }
  if ((type === 'service-principal' || type === 'agent-identity') && sev === 'critical')
    return 'entra.disable-service-principal';
  if (type === 'agent-user' && ruleId === 'LP-ENTRA-010') return 'entra.revoke-user-sessions';
  return null;
}

/**
 * The request a `Finding Created` event leads to, or null when the finding calls for no
 * containment (see defaultKindForFinding) or is about a SaaS identity (GitHub containment is
 * asked for explicitly: `Containment Requested` or `leash contain`).
 * @param detail the event's detail (validated here)
 * @param known what the inventory knows of the identity (tags, delegating human), or null
 * @param requestedAt epoch ms of the event (its `time`)
 * @throws MalformedContainmentRequestError
 */
export function requestFromFinding(
  detail: unknown,
  known: KnownIdentity | null,
  requestedAt: number,
): ContainmentRequest | null {
  const parsed = FindingCreatedDetailSchema.safeParse(detail);
  if (!parsed.success) throw malformed(parsed.error);
  const { finding, identity, runId } = parsed.data;
  const provider = providerOf(identity.id);
  if (!provider) return null;
  const kind = defaultKindForFinding({
    ruleId: finding.ruleId,
    severity: finding.severity,
    identityType: identity.type,
    identityClass: identity.class,
    provider,
  });
  if (!kind) return null;
  const target = {
    provider,
    scope: identity.accountId,
    id: identity.id,
    name: identity.name,
    type: identity.type ?? 'unknown',
    class: identity.class,
    tags: known?.tags ?? {},
    delegatingHuman: known?.delegatingHuman ?? null,
  };
  return parseContainmentRequest({
    // `Finding Created` is unique by run and finding key: a reopened finding is a new request.
    requestId: containmentRequestId({ kind, target, origin: { runId, findingKey: finding.key } }),
    kind,
    target,
    trigger: {
      type: 'finding',
      findingKey: finding.key,
      ruleId: finding.ruleId,
      severity: finding.severity,
      requester: 'leash',
      reason: finding.title,
    },
    params: {},
    requestedAt,
  });
}

function providerOf(id: string): 'aws' | 'entra' | null {
  if (id.startsWith('arn:')) return 'aws';
  // Entra object ids are GUIDs. SaaS identities (`github:...`) have no default kind: their
  // containment is asked for explicitly.
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    ? 'entra'
    : null;
}

function normaliseTarget(t: z.infer<typeof ContainmentTargetInputSchema>): ContainmentTarget {
  const environment = t.environment ?? t.tags.environment ?? t.tags.env ?? null;
  return {
    provider: t.provider,
    scope: t.scope,
    id: t.id,
    name: t.name,
    type: t.type,
    class: t.class,
    tags: t.tags,
    environment: environment ? environment.toLowerCase() : null,
    delegatingHuman: t.delegatingHuman,
  };
}

function checkKindFits(request: ContainmentRequest): void {
  const issues: RequestIssue[] = [];
  const { kind, target } = request;
  if (providerOfKind(kind) !== target.provider)
    issues.push({ path: 'kind', message: `${kind} cannot contain a ${target.provider} identity` });
  if (!KIND_TARGET_TYPES[kind].includes(target.type))
    issues.push({
      path: 'target.type',
      message: `${kind} applies to ${KIND_TARGET_TYPES[kind].join(', ')}, not ${target.type}`,
    });
  if (target.provider === 'aws' && !/^\d{12}$/.test(target.scope))
    issues.push({ path: 'target.scope', message: 'an AWS account id has 12 digits' });
  if (target.provider === 'aws' && !target.id.startsWith('arn:'))
    issues.push({ path: 'target.id', message: 'an AWS identity is named by its ARN' });
  const params = KIND_PARAMS[kind]?.safeParse(request.params);
  if (params && !params.success) issues.push(...issuesOf(params.error, 'params'));
  // GitHub: the scope is HOST/ORG, and the id or params name one grant, key or installation.
  else if (isGitHubKind(kind) && target.provider === 'saas')
    issues.push(...githubTargetRef(request).issues);
  if (issues.length > 0) throw new MalformedContainmentRequestError(issues);
}

function malformed(error: z.ZodError): MalformedContainmentRequestError {
  return new MalformedContainmentRequestError(issuesOf(error), { cause: error });
}

function issuesOf(error: z.ZodError, prefix = ''): RequestIssue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
