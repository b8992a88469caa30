/** In-memory ApprovalStore: core's rules applied to a map (one process: no races to lose). */
import type {
  Approval,
  ApprovalDecision,
  ApprovalRequest,
  ApprovalStore,
} from '#core/ports/approval-store.ts';
import {
  compareApprovals,
  decide,
  expired,
  isOverdue,
  newApproval,
  onExistingRequest,
} from '#core/store/approvals.ts';
import { ApprovalTransitionError } from '#core/store/errors.ts';

/** Approval requests held in a map. */
export class MemoryApprovalStore implements ApprovalStore {
  readonly #approvals = new Map<string, Approval>();

  async requestApproval(request: ApprovalRequest): Promise<Approval> {
    const approval = newApproval(request);
    const stored = this.#approvals.get(request.requestId);
    if (stored) return structuredClone(onExistingRequest(stored, request));
    this.#approvals.set(approval.requestId, structuredClone(approval));
    return approval;
  }

  async decideApproval(requestId: string, decision: ApprovalDecision): Promise<Approval> {
    const outcome = decide(this.#get(requestId), requestId, decision);
    if (outcome.kind === 'unchanged') return outcome.current;
    if (outcome.kind === 'refuse') throw outcome.error;
    this.#approvals.set(requestId, structuredClone(outcome.next));
    if (outcome.kind === 'expire') {
      throw new ApprovalTransitionError(requestId, outcome.next, decision.status);
    }
    return outcome.next;
  }

  async expireApprovals(at: number): Promise<Approval[]> {
    const out: Approval[] = [];
    for (const a of [...this.#approvals.values()].sort(compareApprovals)) {
      if (!isOverdue(a, at)) continue;
      const next = expired(a);
      this.#approvals.set(a.requestId, next);
      out.push(structuredClone(next));
    }
    return out;
  }

  async approval(requestId: string): Promise<Approval | null> {
    return this.#get(requestId);
  }

  async pendingApprovals(): Promise<Approval[]> {
    return [...this.#approvals.values()]
      .filter((a) => a.status === 'pending')
      .sort(compareApprovals)
      .map((a) => structuredClone(a));
  }

  #get(requestId: string): Approval | null {
    const a = this.#approvals.get(requestId);
    return a ? structuredClone(a) : null;
  }
}
