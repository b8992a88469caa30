/**
 * The containment use cases: `contain` a request, `applyApproved` once a person said yes,
 * `approve` / `deny` it, `expireApprovals`, `rollback` what was applied, and read the
 * `auditChain`. Lambdas and CLI commands are thin callers of these.
 *
 * ```
 * contain: validate ─▶ lock ─▶ chain? ─▶ guard ─▶ decide ─┬─ forbidden ─▶ stop
 *                                                         ├─ approval ──▶ store + notify ─▶ pending
 *                                                         └─ auto ──────▶ snapshot ─▶ guard again
 *                                                                         ─▶ plan ─▶ execute ─▶ read back
 * ```
 *
 * `stopAfterDecision` ends a call at the fork above (status `applying` or `awaiting-approval`),
 * so that the steps after it can run in functions of other privilege: the state machine decides
 * in a function that can change nothing outside Leash, and applies in the one function whose role
 * the containment roles trust. A later call without the option goes on from the fork.
 *
 * Rules that make it safe under at-least-once delivery:
 * - Every step is written to the request's audit chain before the next starts, and every use
 *   case first reads the chain: a redelivered or retried request goes on from where it stopped
 *   and never repeats a finished step (core/containment/chain.ts).
 * - One identity, one request at a time: each use case that writes holds the identity's lock
 *   (a lease, core/ports/lock-store.ts). A second request for the same identity gets
 *   IdentityBusyError and is retried later (by the state machine), so its snapshot is taken
 *   after the first request's calls, never between them, and each rollback undoes only its own
 *   request.
 * - Protected identities are refused before policy is asked, and again on the state read right
 *   before the first call.
 */
import type { ChainState, ContainmentStatus } from '#core/containment/chain.ts';
import { foldChain, SETTLED } from '#core/containment/chain.ts';
import {
  ContainmentStateError,
  IdentityBusyError,
  NoActuatorError,
} from '#core/containment/errors.ts';
import {
  DEFAULT_PROTECTION,
  type ProtectionSettings,
  type Refusal,
  refusalFor,
} from '#core/containment/guard.ts';
import { parseContainmentRequest } from '#core/containment/request.ts';
import type { Approval, ApprovalStore } from '#core/ports/approval-store.ts';
import type { AuditEntry, AuditLog } from '#core/ports/audit-store.ts';
import type {
  ApprovalNotifier,
  CallResult,
  ContainmentActuator,
  ContainmentKind,
  ContainmentRequest,
  ContainmentState,
  ContainmentTarget,
  ExecutionResult,
  PlannedCall,
  PolicyDecider,
  PolicyDecision,
} from '#core/ports/containment.ts';
import type { LockStore } from '#core/ports/lock-store.ts';
import { canonicalJson } from '#core/store/hash.ts';

/** Settings of containment (all have defaults). */
export interface ContainmentSettings extends ProtectionSettings {
  /** How long an approval request waits before it expires (default 24 hours). */
  approvalTtlMs: number;
  /** Lease of an identity lock: longer than any one run (default 5 minutes). */
  lockLeaseMs: number;
}

/** The defaults of {@link ContainmentSettings}. */
export const DEFAULT_CONTAINMENT_SETTINGS: ContainmentSettings = {
  ...DEFAULT_PROTECTION,
  approvalTtlMs: 24 * 60 * 60 * 1000,
  lockLeaseMs: 5 * 60 * 1000,
};

/** What the use cases need. */
export interface ContainmentDeps {
  /** Approvals, the audit log and identity locks (a LeashStore has them all). */
  store: ApprovalStore & AuditLog & LockStore;
  decider: PolicyDecider;
  /** The actuator of each kind Leash may apply; a kind without one is refused. */
  actuators: Partial<Record<ContainmentKind, ContainmentActuator>>;
  notifier: ApprovalNotifier;
  /** Epoch ms now. */
  now: () => number;
  /** Who acts, as the audit log records it (the function's role ARN, the CLI user). */
  actor: string;
  settings?: Partial<ContainmentSettings>;
}

/** What a use case did, or found already done. */
export interface ContainmentOutcome {
  requestId: string;
  /**
   * Where the request stands (core/containment/chain.ts), or `planned` after a dry run. After
   * `stopAfterDecision`, `applying` and `awaiting-approval` name the step that comes next.
   */
  status: ContainmentStatus | 'planned';
  /** True when the outcome was already recorded and this call changed nothing (a redelivery). */
  replayed: boolean;
  decision: PolicyDecision | null;
  refusal: Refusal | null;
  /** Pending: when the approval request expires. */
  expiresAt: number | null;
  /** The state before and the exact calls (applied, failed and dry-run outcomes). */
  before: ContainmentState | null;
  plan: PlannedCall[] | null;
  /** Calls made by this call (apply or rollback). */
  calls: CallResult[];
  after: ContainmentState | null;
  /** One line for a person (why it failed, what a rollback could not restore). */
  detail: string | null;
}

/** Options of {@link contain}. */
export interface ContainOptions {
  /**
   * Decide, snapshot and plan, but make no change and write nothing (no audit, no approval, no
   * lock): the outcome has status `planned`, the decision, the state and the exact calls.
   */
  dryRun?: boolean;
  /**
   * Record the request and the policy decision (or the refusal), then stop before anything the
   * decision leads to: no snapshot, no actuator call, no approval request stored, nobody
   * notified. The outcome's status says what comes next: `applying` (auto, or a run that stopped
   * while applying) or `awaiting-approval`; a refused, forbidden or already settled request has
   * its status as without the option. A later call without it resumes from the chain and does the
   * rest once. No actuator is needed. Ignored with `dryRun`, which writes nothing at all.
   */
  stopAfterDecision?: boolean;
  /**
   * Fields added to the `details` of the approval request this call stores, if it stores one
   * (the state machine's task token, which an answer sends back to resume the execution). The
   * request and the decision are always the use case's own: a field of the same name here is
   * not stored.
   */
  approvalDetails?: Record<string, unknown>;
}

/**
 * Contains one identity as a request asks, as far as policy allows: refuses protected and
 * service-linked identities, applies an `auto` decision, stores and announces an `approval` one.
 * Idempotent: the same request again returns its recorded outcome, or goes on where it stopped.
 * @param input the request (validated here: anything from an event or a CLI)
 * @throws MalformedContainmentRequestError before anything else happens
 * @throws IdentityBusyError while another request holds the identity (retry later)
 * @throws NoActuatorError when the decision is auto and no actuator applies the kind (never with
 *   `stopAfterDecision`)
 */
export async function contain(
  input: unknown,
  deps: ContainmentDeps,
  options: ContainOptions = {},
): Promise<ContainmentOutcome> {
  const request = parseContainmentRequest(input);
  const settings = settingsOf(deps);
  if (options.dryRun) return dryRun(request, deps, settings);
  return withLock(request, deps, settings, async () => {
    const run = await Run.open(request.requestId, deps, request);
    if (run.state.status === 'unknown')
      await run.append('requested', { request }, request.requestedAt);
    else if (!sameRequest(run.state.request, request))
      throw new ContainmentStateError(
        request.requestId,
        'the id is already used by a different request',
      );
    if (SETTLED.has(run.state.status)) return run.outcome(true);

    let decidedNow = false;
    if (run.state.status === 'requested') {
      const refusal = refusalFor(request.target, settings);
      if (refusal) {
        await run.append('refused', { ...refusal, stage: 'before-policy' });
        return run.outcome(false);
      }
      const decision = await deps.decider.decide(request, deps.now());
      await run.append('decided', { ...decision });
      if (decision.decision === 'forbidden') return run.outcome(false);
      decidedNow = true;
    }
    // A redelivery that finds the decision already recorded changed nothing: replayed.
    if (options.stopAfterDecision) return run.outcome(!decidedNow);
    if (run.state.status === 'awaiting-approval') {
      await askApproval(run, request, deps, settings, options.approvalDetails);
      return run.outcome(false);
    }
    return execute(run, request, deps, settings);
  });
}

/**
 * Applies a request a person approved (the state machine calls it when the task token comes
 * back). Records the approval, or the denial or expiry, from the approval store.
 * @throws ContainmentStateError when the request is unknown, was not waiting for approval, or is
 *   still pending before its expiry
 */
export async function applyApproved(
  requestId: string,
  deps: ContainmentDeps,
): Promise<ContainmentOutcome> {
  const settings = settingsOf(deps);
  const request = await recordedRequest(requestId, deps);
  return withLock(request, deps, settings, async () => {
    const run = await Run.open(requestId, deps, request);
    if (run.state.status === 'pending') await recordAnswer(run, deps);
    if (run.state.status === 'pending')
      throw new ContainmentStateError(requestId, 'the approval request is still pending');
    if (run.state.status !== 'approved' && run.state.status !== 'applying')
      return run.outcome(true);
    if (run.state.answer?.status !== 'approved')
      throw new ContainmentStateError(requestId, 'it was not approved');
    return execute(run, request, deps, settings);
  });
}

/**
 * Approves a pending request (the CLI and the approve endpoint); `applyApproved` then applies it.
 * @throws ApprovalTransitionError when it is no longer pending (denied, expired, or just expired)
 */
export async function approve(
  requestId: string,
  by: string,
  deps: ContainmentDeps,
  reason?: string,
): Promise<ContainmentOutcome> {
  return answer(requestId, 'approved', by, deps, reason);
}

/**
 * Denies a pending request: nothing is applied, and the chain ends.
 * @throws ApprovalTransitionError when it is no longer pending
 */
export async function deny(
  requestId: string,
  by: string,
  deps: ContainmentDeps,
  reason?: string,
): Promise<ContainmentOutcome> {
  return answer(requestId, 'denied', by, deps, reason);
}

/**
 * Expires every overdue approval request and records the expiry in each chain.
 * @returns the requests expired by this call
 */
export async function expireApprovals(deps: ContainmentDeps): Promise<ContainmentOutcome[]> {
  const settings = settingsOf(deps);
  const expired = await deps.store.expireApprovals(deps.now());
  const out: ContainmentOutcome[] = [];
  for (const a of expired) {
    const chain = await deps.store.auditChain(a.requestId);
    const request = foldChain(chain).request;
    // An approval request that no containment chain belongs to is not ours to record.
    if (!request) continue;
    try {
      out.push(
        await withLock(request, deps, settings, async () => {
          const run = await Run.open(a.requestId, deps, request);
          if (run.state.status === 'pending') await recordAnswer(run, deps, a);
          return run.outcome(false);
        }),
      );
    } catch (error) {
      // Busy identity: the store holds the expiry; applyApproved records it in the chain later.
      if (!(error instanceof IdentityBusyError)) throw error;
    }
  }
  return out;
}

/**
 * Undoes what a request applied, exactly: the actuator plans the calls that restore the
 * snapshot from the state now (so after a partial failure only what succeeded is undone), and
 * the state read afterwards is compared with the snapshot.
 * @throws ContainmentStateError when nothing was applied (no snapshot) or it is already undone
 */
export async function rollback(
  requestId: string,
  by: string,
  deps: ContainmentDeps,
  reason?: string,
): Promise<ContainmentOutcome> {
  const settings = settingsOf(deps);
  const request = await recordedRequest(requestId, deps);
  return withLock(request, deps, settings, async () => {
    const run = await Run.open(requestId, deps, request);
    if (run.state.status === 'rolled-back') return run.outcome(true);
    const before = run.state.before;
    if (!before)
      throw new ContainmentStateError(
        requestId,
        `nothing was applied (${run.state.status}): there is nothing to roll back`,
      );
    const actuator = actuatorOf(request.kind, deps);
    await run.append('rollback-requested', { by, reason: reason ?? null });
    // Both reads get the snapshot being restored: a part restored under a new provider id (a
    // deploy key added again) is found by what the snapshot recorded, not by its old id.
    const now = await actuator.snapshot(request, before);
    const { calls, irreversible } = actuator.rollbackPlan(request, before, now);
    await run.append('rollback-planned', { now, calls, irreversible: irreversible ?? null });
    const result =
      calls.length > 0 ? await run.step('rollback', () => actuator.execute(request, calls)) : null;
    for (const call of result?.calls ?? []) await run.append('rollback-call', { ...call }, call.at);
    const after = await actuator.snapshot(request, before);
    const comparable = (s: ContainmentState) => actuator.comparable?.(s) ?? s;
    const differences = differingKeys(comparable(before), comparable(after));
    const failedCalls = (result?.calls ?? []).filter((c) => !c.ok).length;
    const restored = differences.length === 0;
    const detail =
      failedCalls > 0
        ? `${failedCalls} rollback call(s) failed`
        : irreversible
          ? `not restorable: ${irreversible}`
          : restored
            ? null
            : `the state differs from the snapshot in ${differences.join(', ')}`;
    await run.append(restored && failedCalls === 0 ? 'rolled-back' : 'rollback-failed', {
      after,
      restored,
      differences,
      irreversible: irreversible ?? null,
      detail,
    });
    return { ...run.outcome(false), calls: result?.calls ?? [], detail };
  });
}

/** A request's audit chain and where it stands (`leash audit ID`). */
export async function auditChain(
  requestId: string,
  deps: Pick<ContainmentDeps, 'store'>,
): Promise<{ requestId: string; status: ContainmentStatus; entries: AuditEntry[] }> {
  const entries = await deps.store.auditChain(requestId);
  return { requestId, status: foldChain(entries).status, entries };
}

/** The identity lock key of a target. */
export function identityLockKey(target: Pick<ContainmentTarget, 'provider' | 'scope' | 'id'>) {
  return `${target.provider}:${target.scope}:${target.id}`;
}

// --- steps -------------------------------------------------------------------------------------

async function dryRun(
  request: ContainmentRequest,
  deps: ContainmentDeps,
  settings: ContainmentSettings,
): Promise<ContainmentOutcome> {
  const base = emptyOutcome(request.requestId, 'planned');
  const refusal = refusalFor(request.target, settings);
  if (refusal) return { ...base, status: 'refused', refusal, detail: refusal.detail };
  const decision = await deps.decider.decide(request, deps.now());
  const actuator = actuatorOf(request.kind, deps);
  const before = await actuator.snapshot(request);
  const late = refusalFor(request.target, settings, before);
  if (late) return { ...base, status: 'refused', decision, refusal: late, before };
  return { ...base, decision, before, plan: actuator.plan(request, before) };
}

async function askApproval(
  run: Run,
  request: ContainmentRequest,
  deps: ContainmentDeps,
  settings: ContainmentSettings,
  extraDetails: Record<string, unknown> = {},
): Promise<void> {
  const decision = run.state.decision!;
  // Derived from the recorded decision, so a retry stores the identical approval request.
  const requestedAt = run.decidedAt();
  const expiresAt = requestedAt + settings.approvalTtlMs;
  const summary = `${request.kind} on ${request.target.type} ${request.target.name} (${request.target.scope})`;
  await deps.store.requestApproval({
    requestId: request.requestId,
    scope: request.target.scope,
    identityId: request.target.id,
    summary,
    // The caller's fields first, so the request and decision stored are always the recorded ones.
    details: { ...extraDetails, request, decision },
    requestedBy: request.trigger.requester,
    requestedAt,
    expiresAt,
  });
  await deps.notifier.notify(request, decision, expiresAt);
  await run.append('approval-requested', { expiresAt, summary, notified: true });
}

async function execute(
  run: Run,
  request: ContainmentRequest,
  deps: ContainmentDeps,
  settings: ContainmentSettings,
): Promise<ContainmentOutcome> {
  const actuator = actuatorOf(request.kind, deps);
  // A resumed run keeps the first snapshot: re-reading now would take a half-contained state
  // for the state before, and a rollback would then restore that.
  let { before, plan } = run.state;
  if (!before || !plan) {
    const snap = await run.step('snapshot', () => actuator.snapshot(request));
    const refusal = refusalFor(request.target, settings, snap);
    if (refusal) {
      await run.append('refused', { ...refusal, stage: 'before-execution', state: snap });
      return run.outcome(false);
    }
    before = snap;
    plan = actuator.plan(request, snap);
    await run.append('snapshot', { before, plan });
  }
  const result: ExecutionResult = await run.step('execute', () => actuator.execute(request, plan));
  for (const call of result.calls) await run.append('api-call', { ...call }, call.at);
  const failed = result.calls.filter((c) => !c.ok);
  const ok = failed.length === 0 && result.verified;
  const detail =
    failed.length > 0
      ? `${failed.length} of ${result.calls.length} calls failed: ${failed.map((c) => `${c.call.api} (${c.outcome})`).join(', ')}`
      : result.verified
        ? null
        : `read-back did not show the effect${result.verifyDetail ? `: ${result.verifyDetail}` : ''}`;
  await run.append(ok ? 'applied' : 'failed', {
    after: result.after,
    verified: result.verified,
    verifyDetail: result.verifyDetail ?? null,
    succeeded: result.calls.length - failed.length,
    failed: failed.length,
    notes: result.notes ?? [],
    detail,
  });
  return { ...run.outcome(false), calls: result.calls, detail };
}

async function answer(
  requestId: string,
  status: 'approved' | 'denied',
  by: string,
  deps: ContainmentDeps,
  reason?: string,
): Promise<ContainmentOutcome> {
  const settings = settingsOf(deps);
  const request = await recordedRequest(requestId, deps);
  return withLock(request, deps, settings, async () => {
    const run = await Run.open(requestId, deps, request);
    if (run.state.status !== 'pending')
      throw new ContainmentStateError(
        requestId,
        `it is ${run.state.status}, not waiting for approval`,
      );
    let decided: Approval;
    try {
      decided = await deps.store.decideApproval(requestId, {
        status,
        by,
        at: deps.now(),
        ...(reason === undefined ? {} : { reason }),
      });
    } catch (error) {
      // Too late (or answered by someone else): record what the store holds, then say so.
      await recordAnswer(run, deps);
      throw error;
    }
    await recordAnswer(run, deps, decided);
    return run.outcome(false);
  });
}

/** Records the approval store's answer in the chain, if there is one. */
async function recordAnswer(run: Run, deps: ContainmentDeps, known?: Approval): Promise<void> {
  const requestId = run.requestId;
  let approval = known ?? (await deps.store.approval(requestId));
  if (approval?.status === 'pending' && approval.expiresAt <= deps.now()) {
    // Overdue but not swept yet: sweep, so the store and the chain agree it expired.
    await deps.store.expireApprovals(deps.now());
    approval = await deps.store.approval(requestId);
  }
  if (!approval || approval.status === 'pending') return;
  await run.append(
    approval.status,
    { by: approval.decidedBy, at: approval.decidedAt, reason: approval.reason },
    approval.decidedAt ?? deps.now(),
    approval.decidedBy ?? deps.actor,
  );
}

// --- helpers -----------------------------------------------------------------------------------

/** A request's chain being written: appends at the next seq and keeps the folded state. */
class Run {
  private constructor(
    readonly requestId: string,
    private readonly deps: ContainmentDeps,
    private readonly target: ContainmentTarget,
    private entries: AuditEntry[],
    public state: ChainState,
  ) {}

  static async open(requestId: string, deps: ContainmentDeps, request: ContainmentRequest) {
    const entries = await deps.store.auditChain(requestId);
    return new Run(requestId, deps, request.target, entries, foldChain(entries));
  }

  async append(
    kind: string,
    detail: Record<string, unknown>,
    at = this.deps.now(),
    actor = this.deps.actor,
  ): Promise<void> {
    const entry: AuditEntry = {
      requestId: this.requestId,
      seq: this.state.nextSeq,
      at,
      scope: this.target.scope,
      identityId: this.target.id,
      actor,
      kind,
      // Through JSON so the chain holds exactly what a store returns (no undefined members).
      detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>,
    };
    await this.deps.store.appendAudit(entry);
    this.entries = [...this.entries, entry];
    this.state = foldChain(this.entries);
  }

  /** Runs a step that talks to a provider; when it throws, records the error and rethrows. */
  async step<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      await this.append('error', { stage, message: messageOf(error) });
      throw error;
    }
  }

  decidedAt(): number {
    return this.entries.find((e) => e.kind === 'decided')!.at;
  }

  outcome(replayed: boolean): ContainmentOutcome {
    const s = this.state;
    const last = this.entries[this.entries.length - 1];
    const detail = typeof last?.detail.detail === 'string' ? last.detail.detail : null;
    return {
      ...emptyOutcome(this.requestId, s.status),
      replayed,
      decision: s.decision,
      refusal: s.refusal ? { reason: s.refusal.reason, detail: s.refusal.detail } : null,
      expiresAt: s.expiresAt,
      before: s.before,
      plan: s.plan,
      after: s.after,
      detail: s.refusal?.detail ?? detail,
    };
  }
}

async function withLock<T>(
  request: ContainmentRequest,
  deps: ContainmentDeps,
  settings: ContainmentSettings,
  fn: () => Promise<T>,
): Promise<T> {
  const key = identityLockKey(request.target);
  const at = deps.now();
  // One holder per call, not per request: two deliveries of one request must not both run.
  const holder = `${request.requestId}/${at}/${Math.random().toString(36).slice(2, 10)}`;
  const lock = await deps.store.acquireLock(key, holder, at, at + settings.lockLeaseMs);
  if (lock.holder !== holder)
    throw new IdentityBusyError(key, lock.holder.split('/')[0]!, Math.max(1000, lock.until - at));
  try {
    return await fn();
  } finally {
    await deps.store.releaseLock(key, holder);
  }
}

async function recordedRequest(
  requestId: string,
  deps: ContainmentDeps,
): Promise<ContainmentRequest> {
  const request = foldChain(await deps.store.auditChain(requestId)).request;
  if (!request) throw new ContainmentStateError(requestId, 'no such containment request');
  return request;
}

function actuatorOf(kind: ContainmentKind, deps: ContainmentDeps): ContainmentActuator {
  const actuator = deps.actuators[kind];
  if (!actuator) throw new NoActuatorError(kind);
  return actuator;
}

function settingsOf(deps: ContainmentDeps): ContainmentSettings {
  return { ...DEFAULT_CONTAINMENT_SETTINGS, ...deps.settings };
}

/** Same request apart from when it was made (a CLI retry gives a new time, the same id). */
function sameRequest(a: ContainmentRequest | null, b: ContainmentRequest): boolean {
  const strip = (r: ContainmentRequest) => ({ ...r, requestedAt: 0 });
  return a !== null && canonicalJson(strip(a)) === canonicalJson(strip(b));
}

function differingKeys(a: ContainmentState, b: ContainmentState): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}

function emptyOutcome(requestId: string, status: ContainmentOutcome['status']): ContainmentOutcome {
  return {
    requestId,
    status,
    replayed: false,
    decision: null,
    refusal: null,
    expiresAt: null,
    before: null,
    plan: null,
    calls: [],
    after: null,
    detail: null,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
