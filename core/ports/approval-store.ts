/**
 * Port for approval requests: a containment that needs a person's yes waits here as `pending`
 * until it is approved, denied, or expires. Transitions only ever leave `pending`, and stores
 * make each one a single conditional write, so two approvers (or an approver and the expiry
 * sweep) racing on one request cannot both win.
 *
 * ```
 * pending ──approve──▶ approved
 *    │ ├────deny─────▶ denied
 *    │ └──expiresAt──▶ expired
 * ```
 *
 * Repeating a call is safe: the same request stored twice, or the same decision by the same
 * person made twice, returns the stored request unchanged (a retried Lambda or CLI call).
 * Anything else on a request that is no longer pending throws ApprovalTransitionError.
 */

/** States of an approval request. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** What is asked for, by whom, until when. */
export interface ApprovalRequest {
  /** Unique id (chosen by the caller, so a retried request is recognised). */
  requestId: string;
  /** Account id or tenant id of the identity. */
  scope: string;
  identityId: string;
  /** One line for the approver (`Quarantine role prototype-agent`). */
  summary: string;
  /** What the approver needs and what the workflow resumes with (plan, finding, task token). */
  details: Record<string, unknown>;
  requestedBy: string;
  /** Epoch ms. */
  requestedAt: number;
  /** Epoch ms after which the request can no longer be approved. */
  expiresAt: number;
}

/** A request with its state. */
export interface Approval extends ApprovalRequest {
  status: ApprovalStatus;
  /** Who decided; null while pending and for an expired request. */
  decidedBy: string | null;
  /** Epoch ms of the decision, or `expiresAt` for an expired request. */
  decidedAt: number | null;
  reason: string | null;
}

/** A person's answer to a request. */
export interface ApprovalDecision {
  status: 'approved' | 'denied';
  by: string;
  /** Epoch ms of the decision: at or after `expiresAt` it is too late. */
  at: number;
  reason?: string;
}

/** Stores approval requests. */
export interface ApprovalStore {
  /**
   * Stores a new pending request. Idempotent for the same request.
   * @throws ApprovalConflictError when the id is taken by a different request
   * @throws InvalidApprovalError when it expires before it is made
   */
  requestApproval(request: ApprovalRequest): Promise<Approval>;
  /**
   * Approves or denies a pending request before its expiry.
   * @returns the request as decided
   * @throws ApprovalNotFoundError for an unknown id
   * @throws ApprovalTransitionError when it is no longer pending (or has just expired: it is
   *   then marked expired)
   */
  decideApproval(requestId: string, decision: ApprovalDecision): Promise<Approval>;
  /**
   * Marks every pending request whose expiry is at or before `at` as expired.
   * @returns the requests this call expired
   */
  expireApprovals(at: number): Promise<Approval[]>;
  /** One request, or null. */
  approval(requestId: string): Promise<Approval | null>;
  /** Pending requests, oldest first (run `expireApprovals` first to drop the overdue). */
  pendingApprovals(): Promise<Approval[]>;
}
