/**
 * Ports of containment: what the use case (core/containment/contain.ts) needs from the policy
 * engine (Cedar), from the provider connectors that change IAM, Lambda, Entra and GitHub, and from
 * whoever tells people about a pending approval. The flow they serve:
 *
 * ```
 * request ─▶ validate ─▶ protected? ─▶ decide (policy) ─┬─ forbidden ─▶ audit, stop
 *                                                       ├─ approval ──▶ store + notify, wait
 *                                                       └─ auto ──────▶ snapshot ─▶ plan ─▶ execute ─▶ verify
 * ```
 *
 * Every step is written to the audit log (core/ports/audit-store.ts) before the next starts.
 */

/** The kinds of containment Leash can apply; each has an exact rollback or says it has none. */
export const CONTAINMENT_KINDS = [
  // AWS
  'aws.revoke-sessions',
  'aws.quarantine',
  'aws.deactivate-access-keys',
  'aws.delete-login-profile',
  'aws.lambda-kill-switch',
  'aws.detach-policy',
  'aws.apply-recommendation',
  // Entra
  'entra.disable-service-principal',
  'entra.remove-app-permission',
  'entra.delete-delegated-grant',
  'entra.remove-password',
  'entra.revoke-user-sessions',
  // GitHub (provider `saas`)
  'github.revoke-token-access',
  'github.delete-deploy-key',
  'github.suspend-installation',
] as const;

/** One kind of containment. */
export type ContainmentKind = (typeof CONTAINMENT_KINDS)[number];

/** The identity to contain, as the policy and the connectors see it. */
export interface ContainmentTarget {
  /** `saas` for GitHub identities, as the findings name them. */
  provider: 'aws' | 'entra' | 'saas';
  /** AWS account id, Entra tenant id, or GitHub `HOST/ORG` (`github.com/acme`). */
  scope: string;
  /**
   * ARN (AWS), object id (Entra), or the GitHub identity id of the findings
   * (`github:github.com/acme/installations/8`; core/containment/github.ts).
   */
  id: string;
  name: string;
  /**
   * `role`, `user`, `lambda-function`, `service-principal`, `agent-identity`, `user-account`,
   * `app-installation`, `access-token`, `deploy-key`...
   */
  type: string;
  /** `human`, `workload`, `ai-agent` when known (from the findings). */
  class: 'human' | 'workload' | 'ai-agent' | null;
  tags: Record<string, string>;
  /** From the `environment` (or `env`) tag when present: `production`, `staging`... */
  environment: string | null;
  /** The human who deployed, owns or delegates to it, when known (agent graph, owners). */
  delegatingHuman: string | null;
}

/** Who or what asked for a containment. */
export interface ContainmentTrigger {
  type: 'finding' | 'request';
  /** Finding key and rule (type `finding`). */
  findingKey?: string;
  ruleId?: string;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** The requester: an IAM principal ARN, a CLI user, `leash` for automatic findings. */
  requester: string;
  reason?: string;
}

/** A request to contain one identity in one way. */
export interface ContainmentRequest {
  /**
   * Deterministic id (from the trigger, kind and target): a redelivered event maps to the same
   * request, so nothing is applied twice.
   */
  requestId: string;
  kind: ContainmentKind;
  target: ContainmentTarget;
  trigger: ContainmentTrigger;
  /** Kind-specific parameters (`policyArn` to detach, `permissionId` to remove...). */
  params: Record<string, unknown>;
  /** Epoch ms. */
  requestedAt: number;
}

/** What policy decided, and on what grounds. */
export interface PolicyDecision {
  decision: 'auto' | 'approval' | 'forbidden';
  /** Ids of the policies that determined the decision. */
  matched: string[];
  /** Hash of the policy set evaluated (the version the audit log records). */
  policyVersion: string;
  /** Errors the policy engine reported (a policy that errored never allows). */
  errors: string[];
}

/** Decides a containment request by policy. */
export interface PolicyDecider {
  decide(request: ContainmentRequest, now: number): Promise<PolicyDecision>;
}

/** One exact API call of a plan or a rollback. */
export interface PlannedCall {
  /** `iam:PutRolePolicy`, `graph:PATCH /servicePrincipals/{id}`... */
  api: string;
  /** The call's parameters, as sent (no secret values). */
  params: Record<string, unknown>;
  /** One line for a person. */
  description: string;
}

/**
 * The state of the identity that a kind of containment changes, before or after. The guard
 * (core/containment/guard.ts) reads three members when an actuator reports them: `tags`, `path`
 * (IAM) and `self: true` (the identity Leash itself signs in as).
 */
export type ContainmentState = Record<string, unknown>;

/** The result of one call made. */
export interface CallResult {
  call: PlannedCall;
  ok: boolean;
  /** `applied`, `already-applied` (idempotent no-op), or the error. */
  outcome: string;
  at: number;
}

/** What executing a plan did. */
export interface ExecutionResult {
  calls: CallResult[];
  /** State read back after the calls. */
  after: ContainmentState;
  /** True when the read-back shows the intended effect. */
  verified: boolean;
  /** Why verification failed, when it did. */
  verifyDetail?: string;
  /**
   * What a person should know about the effect (Entra: tokens already issued live on for about an
   * hour; AWS: policy changes take seconds to propagate).
   */
  notes?: string[];
}

/** Applies one kind of containment through a provider's API. */
export interface ContainmentActuator {
  /**
   * Reads the state the containment will change (the snapshot rollback restores).
   * @param restoring during a rollback, the snapshot being restored: a kind whose restore gives
   *   the identity's part a new provider id (a deploy key added again) finds it by what the
   *   snapshot recorded (its public key), so the state read after the rollback can equal it
   */
  snapshot(request: ContainmentRequest, restoring?: ContainmentState): Promise<ContainmentState>;
  /** The exact calls that would apply it from that state (a dry run makes none of them). */
  plan(request: ContainmentRequest, before: ContainmentState): PlannedCall[];
  /** Makes the calls, skipping those whose effect is already in place, then reads back. */
  execute(request: ContainmentRequest, plan: PlannedCall[]): Promise<ExecutionResult>;
  /**
   * The calls that restore `before` exactly, from the state now; an empty list with
   * `irreversible` when the provider allows no restore (the reason says what to do instead).
   */
  rollbackPlan(
    request: ContainmentRequest,
    before: ContainmentState,
    now: ContainmentState,
  ): { calls: PlannedCall[]; irreversible?: string };
  /**
   * The part of a state a rollback must restore, to compare the snapshot with the state after a
   * rollback: without the ids a provider gives anew to what it re-creates (an Entra app role
   * assignment or delegated grant comes back as a new object). Default: the whole state.
   */
  comparable?(state: ContainmentState): ContainmentState;
}

/** Tells people a request waits for them (SNS email, Slack). */
export interface ApprovalNotifier {
  notify(request: ContainmentRequest, decision: PolicyDecision, expiresAt: number): Promise<void>;
}
