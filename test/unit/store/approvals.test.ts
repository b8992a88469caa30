import { describe, expect, it } from 'vitest';
import type { Approval, ApprovalRequest } from '#core/ports/approval-store.ts';
import {
  compareApprovals,
  decide,
  expired,
  isOverdue,
  newApproval,
  onExistingRequest,
} from '#core/store/approvals.ts';
import {
  ApprovalConflictError,
  ApprovalNotFoundError,
  ApprovalTransitionError,
  InvalidApprovalError,
} from '#core/store/errors.ts';

const T = Date.parse('2026-11-01T00:00:00Z');

const aRequest = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  requestId: 'req-1',
  scope: '111111111111',
  identityId: 'arn:aws:iam::111111111111:role/app',
  summary: 'Quarantine role app',
  details: { taskToken: 't' },
  requestedBy: 'leash',
  requestedAt: T,
  expiresAt: T + 1000,
  ...overrides,
});

describe('newApproval', () => {
  it('makes a pending approval of exactly the request fields', () => {
    const extra = { ...aRequest(), status: 'approved' } as ApprovalRequest;
    expect(newApproval(extra)).toEqual({
      ...aRequest(),
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      reason: null,
    });
  });

  it.each([
    [{ requestId: '' }, /without an id/],
    [{ expiresAt: T }, /expires before it is made/],
    [{ requestedAt: Number.NaN }, /epoch ms/],
  ])('refuses %o', (overrides, message) => {
    expect(() => newApproval(aRequest(overrides))).toThrow(InvalidApprovalError);
    expect(() => newApproval(aRequest(overrides))).toThrow(message);
  });
});

describe('onExistingRequest', () => {
  it('returns the stored request for the same request, whatever its key order', () => {
    // Arrange
    const stored: Approval = { ...newApproval(aRequest()), status: 'approved', decidedBy: 'a' };
    const reordered = Object.fromEntries(Object.entries(aRequest()).reverse()) as ApprovalRequest;

    // Act + Assert
    expect(onExistingRequest(stored, reordered)).toBe(stored);
    expect(() => onExistingRequest(stored, aRequest({ details: {} }))).toThrow(
      ApprovalConflictError,
    );
  });
});

describe('decide', () => {
  const pending = newApproval(aRequest());

  it('decides a pending request in time', () => {
    expect(decide(pending, 'req-1', { status: 'denied', by: 'bob', at: T + 1 })).toEqual({
      kind: 'decide',
      next: { ...pending, status: 'denied', decidedBy: 'bob', decidedAt: T + 1, reason: null },
    });
  });

  it('expires a pending request decided at or after its expiry', () => {
    expect(decide(pending, 'req-1', { status: 'approved', by: 'a', at: T + 1000 })).toEqual({
      kind: 'expire',
      next: expired(pending),
    });
    expect(expired(pending)).toMatchObject({ status: 'expired', decidedAt: T + 1000 });
  });

  it('leaves the same decision by the same person unchanged, and refuses anything else', () => {
    // Arrange
    const approved: Approval = { ...pending, status: 'approved', decidedBy: 'alice', decidedAt: T };

    // Act
    const same = decide(approved, 'req-1', { status: 'approved', by: 'alice', at: T + 5 });
    const other = decide(approved, 'req-1', { status: 'approved', by: 'bob', at: T + 5 });
    const flip = decide(approved, 'req-1', { status: 'denied', by: 'alice', at: T + 5 });

    // Assert
    expect(same).toEqual({ kind: 'unchanged', current: approved });
    expect(other.kind === 'refuse' && other.error).toBeInstanceOf(ApprovalTransitionError);
    expect(flip.kind === 'refuse' && flip.error.message).toBe(
      'approval request req-1 is approved (by alice): it cannot become denied',
    );
  });

  it('refuses an unknown request', () => {
    const outcome = decide(null, 'nope', { status: 'approved', by: 'a', at: T });
    expect(outcome.kind === 'refuse' && outcome.error).toBeInstanceOf(ApprovalNotFoundError);
  });
});

describe('isOverdue and compareApprovals', () => {
  it('finds pending requests past their expiry and orders requests oldest first', () => {
    const older = newApproval(aRequest({ requestId: 'b', requestedAt: T - 10 }));
    const newer = newApproval(aRequest({ requestId: 'a' }));
    expect(isOverdue(newer, T + 1000)).toBe(true);
    expect(isOverdue(newer, T + 999)).toBe(false);
    expect(isOverdue(expired(newer), T + 5000)).toBe(false);
    expect([newer, older].sort(compareApprovals).map((a) => a.requestId)).toEqual(['b', 'a']);
  });
});
