/**
 * The rules of approval requests (see core/ports/approval-store.ts), as pure functions every
 * store applies: DynamoDB checks the same conditions in its conditional writes and uses these
 * to explain a refused one.
 */
import type { Approval, ApprovalDecision, ApprovalRequest } from '#core/ports/approval-store.ts';
import {
  ApprovalConflictError,
  ApprovalNotFoundError,
  ApprovalTransitionError,
  InvalidApprovalError,
} from '#core/store/errors.ts';
import { canonicalJson } from '#core/store/hash.ts';

/** The fields of a request, in the order they are compared. */
const REQUEST_FIELDS = [
  'requestId',
  'scope',
  'identityId',
  'summary',
  'details',
  'requestedBy',
  'requestedAt',
  'expiresAt',
] as const satisfies readonly (keyof ApprovalRequest)[];

/** The request part of an approval. */
export function requestOf(a: ApprovalRequest): ApprovalRequest {
  return Object.fromEntries(REQUEST_FIELDS.map((f) => [f, a[f]])) as unknown as ApprovalRequest;
}

/**
 * A new pending approval for a request.
 * @throws InvalidApprovalError for an empty id or an expiry not after the request
 */
export function newApproval(request: ApprovalRequest): Approval {
  if (!request.requestId) throw new InvalidApprovalError('approval request without an id');
  if (!Number.isFinite(request.requestedAt) || !Number.isFinite(request.expiresAt))
    throw new InvalidApprovalError('approval request times must be epoch ms');
  if (!(request.expiresAt > request.requestedAt))
    throw new InvalidApprovalError(
      `approval request ${request.requestId} expires before it is made`,
    );
  return {
    ...requestOf(request),
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    reason: null,
  };
}

/**
 * What storing a request that already exists means: the stored one when it is the same request
 * (a retry), else a conflict.
 * @throws ApprovalConflictError
 */
export function onExistingRequest(stored: Approval, request: ApprovalRequest): Approval {
  if (canonicalJson(requestOf(stored)) === canonicalJson(requestOf(request))) return stored;
  throw new ApprovalConflictError(request.requestId);
}

/** The outcome of a decision on a stored request. */
export type DecisionOutcome =
  /** Write this: the request was pending and in time. */
  | { kind: 'decide'; next: Approval }
  /** Nothing to write: the same decision by the same person is already stored. */
  | { kind: 'unchanged'; current: Approval }
  /** Too late: mark it expired (if still pending), then refuse. */
  | { kind: 'expire'; next: Approval }
  | { kind: 'refuse'; error: Error };

/** Applies a decision to a stored request (or null when there is none). */
export function decide(
  current: Approval | null,
  requestId: string,
  d: ApprovalDecision,
): DecisionOutcome {
  if (!current) return { kind: 'refuse', error: new ApprovalNotFoundError(requestId) };
  if (current.status === 'pending') {
    if (d.at >= current.expiresAt) return { kind: 'expire', next: expired(current) };
    return {
      kind: 'decide',
      next: {
        ...current,
        status: d.status,
        decidedBy: d.by,
        decidedAt: d.at,
        reason: d.reason ?? null,
      },
    };
  }
  if (current.status === d.status && current.decidedBy === d.by)
    return { kind: 'unchanged', current };
  return { kind: 'refuse', error: new ApprovalTransitionError(requestId, current, d.status) };
}

/** A pending request as expired: decided by no one, at its expiry. */
export function expired(current: Approval): Approval {
  return {
    ...current,
    status: 'expired',
    decidedBy: null,
    decidedAt: current.expiresAt,
    reason: null,
  };
}

/** Whether a request is pending and overdue at `at`. */
export function isOverdue(a: Approval, at: number): boolean {
  return a.status === 'pending' && a.expiresAt <= at;
}

/** Orders requests oldest first, then by id. */
export function compareApprovals(a: Approval, b: Approval): number {
  return a.requestedAt - b.requestedAt || a.requestId.localeCompare(b.requestId);
}
