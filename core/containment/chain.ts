/**
 * The audit chain of a containment request, read back as state. The chain is the request's
 * only record of progress: a redelivered event, a retried Lambda or a crashed run finds what is
 * done in it and goes on from there (never repeating a finished step), so every step is written
 * before the next starts.
 *
 * Entry kinds, in the order they can occur:
 *
 * | kind                 | detail                                                          | ends the request? |
 * |----------------------|-----------------------------------------------------------------|-------------------|
 * | requested            | request (trigger, identity, delegating human, kind, params)     |                   |
 * | refused              | reason (protected, service-linked), detail, stage               | yes               |
 * | decided              | decision, matched policy ids, policy version, errors            | forbidden: yes    |
 * | approval-requested   | expiresAt, summary, notified                                    |                   |
 * | approved             | by, at, reason                                                  |                   |
 * | denied / expired     | by, at, reason                                                  | yes               |
 * | snapshot             | before (state), plan (the exact calls)                          |                   |
 * | api-call             | call, ok, outcome, at                                           |                   |
 * | error                | stage, message (the step threw; a retry goes on from here)      |                   |
 * | applied / failed     | after (state), verified, verifyDetail, succeeded, failed        | yes               |
 * | rollback-requested   | by, reason                                                      |                   |
 * | rollback-planned     | now (state), calls, irreversible                                |                   |
 * | rollback-call        | call, ok, outcome, at                                           |                   |
 * | rolled-back / rollback-failed | after (state), restored, differences                   | rolled-back: yes  |
 */
import type { Refusal } from '#core/containment/guard.ts';
import type { AuditEntry } from '#core/ports/audit-store.ts';
import type {
  CallResult,
  ContainmentRequest,
  ContainmentState,
  PlannedCall,
  PolicyDecision,
} from '#core/ports/containment.ts';

/** Where a request stands. */
export type ContainmentStatus =
  /** Nothing recorded (no such request). */
  | 'unknown'
  /** Recorded, not decided yet (a run stopped between steps). */
  | 'requested'
  | 'refused'
  | 'forbidden'
  /** Decided auto, or approved: being applied. */
  | 'applying'
  /** Decided approval: the approval request is being stored. */
  | 'awaiting-approval'
  | 'pending'
  | 'approved'
  | 'denied'
  | 'expired'
  | 'applied'
  | 'failed'
  | 'rolling-back'
  | 'rolled-back'
  | 'rollback-failed';

/** A request's chain, folded. */
export interface ChainState {
  status: ContainmentStatus;
  request: ContainmentRequest | null;
  refusal: (Refusal & { stage: string }) | null;
  decision: PolicyDecision | null;
  expiresAt: number | null;
  answer: { status: 'approved' | 'denied' | 'expired'; by: string | null; at: number } | null;
  before: ContainmentState | null;
  plan: PlannedCall[] | null;
  /** Calls made to apply it (every attempt), in order. */
  calls: CallResult[];
  after: ContainmentState | null;
  verified: boolean | null;
  rollbackCalls: CallResult[];
  /** The seq the next entry takes. */
  nextSeq: number;
}

/** Folds a chain (in seq order) into the request's state. */
export function foldChain(entries: readonly AuditEntry[]): ChainState {
  const s: ChainState = {
    status: 'unknown',
    request: null,
    refusal: null,
    decision: null,
    expiresAt: null,
    answer: null,
    before: null,
    plan: null,
    calls: [],
    after: null,
    verified: null,
    rollbackCalls: [],
    nextSeq: entries.length === 0 ? 0 : entries[entries.length - 1]!.seq + 1,
  };
  for (const e of entries) {
    const d = e.detail;
    switch (e.kind) {
      case 'requested':
        s.request = d.request as ContainmentRequest;
        s.status = 'requested';
        break;
      case 'refused':
        s.refusal = d as unknown as Refusal & { stage: string };
        s.status = 'refused';
        break;
      case 'decided':
        s.decision = d as unknown as PolicyDecision;
        s.status =
          s.decision.decision === 'forbidden'
            ? 'forbidden'
            : s.decision.decision === 'auto'
              ? 'applying'
              : 'awaiting-approval';
        break;
      case 'approval-requested':
        s.expiresAt = d.expiresAt as number;
        s.status = 'pending';
        break;
      case 'approved':
      case 'denied':
      case 'expired':
        s.answer = { status: e.kind, by: (d.by as string | null) ?? null, at: d.at as number };
        s.status = e.kind === 'approved' ? 'approved' : e.kind;
        break;
      case 'snapshot':
        s.before = d.before as ContainmentState;
        s.plan = d.plan as PlannedCall[];
        s.status = 'applying';
        break;
      case 'api-call':
        s.calls.push(d as unknown as CallResult);
        break;
      case 'applied':
      case 'failed':
        s.after = d.after as ContainmentState;
        s.verified = d.verified as boolean;
        s.status = e.kind;
        break;
      case 'rollback-requested':
      case 'rollback-planned':
        s.status = 'rolling-back';
        break;
      case 'rollback-call':
        s.rollbackCalls.push(d as unknown as CallResult);
        break;
      case 'rolled-back':
      case 'rollback-failed':
        s.after = d.after as ContainmentState;
        s.status = e.kind;
        break;
      // `error` entries record a step that threw; the status stays where the step started.
    }
  }
  return s;
}

/** Statuses after which `contain` has nothing left to do. */
export const SETTLED: ReadonlySet<ContainmentStatus> = new Set([
  'refused',
  'forbidden',
  'pending',
  'approved',
  'denied',
  'expired',
  'applied',
  'failed',
  'rolling-back',
  'rolled-back',
  'rollback-failed',
]);
