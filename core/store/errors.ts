/**
 * Errors of the stores, shared by every adapter so callers can tell them apart whatever store
 * they talk to.
 */
import type { Approval, ApprovalStatus } from '#core/ports/approval-store.ts';

/** A usage day that cannot be stored (bad day, bad count). */
export class InvalidUsageDayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidUsageDayError';
  }
}

/** No approval request with this id. */
export class ApprovalNotFoundError extends Error {
  constructor(readonly requestId: string) {
    super(`no approval request ${requestId}`);
    this.name = 'ApprovalNotFoundError';
  }
}

/** An approval request id reused for a different request. */
export class ApprovalConflictError extends Error {
  constructor(readonly requestId: string) {
    super(`approval request ${requestId} already exists with different content`);
    this.name = 'ApprovalConflictError';
  }
}

/** A transition that is not allowed: only a pending request can be decided or expire. */
export class ApprovalTransitionError extends Error {
  constructor(
    readonly requestId: string,
    /** The state the request is in. */
    readonly current: Approval,
    readonly wanted: ApprovalStatus,
  ) {
    super(
      `approval request ${requestId} is ${current.status}${current.decidedBy ? ` (by ${current.decidedBy})` : ''}: it cannot become ${wanted}`,
    );
    this.name = 'ApprovalTransitionError';
  }
}

/** A request that is not valid (expiry before the request, empty id). */
export class InvalidApprovalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidApprovalError';
  }
}

/** An audit entry written again with different content: the log is append-only. */
export class AuditConflictError extends Error {
  constructor(
    readonly requestId: string,
    readonly seq: number,
  ) {
    super(`audit entry ${seq} of ${requestId} already exists with different content`);
    this.name = 'AuditConflictError';
  }
}

/** An audit entry that cannot be stored (bad sequence number, empty id). */
export class InvalidAuditEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAuditEntryError';
  }
}
