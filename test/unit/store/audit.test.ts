import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '#core/ports/audit-store.ts';
import {
  auditEntry,
  auditSeqKey,
  compareAuditByTime,
  MAX_AUDIT_SEQ,
  sameAuditEntry,
} from '#core/store/audit.ts';
import { InvalidAuditEntryError } from '#core/store/errors.ts';

const anEntry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  requestId: 'req-1',
  seq: 0,
  at: 1_000,
  scope: '111111111111',
  identityId: 'arn:aws:iam::111111111111:role/app',
  actor: 'leash',
  kind: 'requested',
  detail: { a: 1, b: { c: [1, 2] } },
  ...overrides,
});

describe('auditEntry', () => {
  it('copies exactly the entry fields', () => {
    const withExtra = { ...anEntry(), pk: 'x' } as AuditEntry;
    expect(auditEntry(withExtra)).toEqual(anEntry());
  });

  it.each([
    [{ seq: -1 }],
    [{ seq: 1.5 }],
    [{ seq: MAX_AUDIT_SEQ + 1 }],
    [{ requestId: '' }],
    [{ identityId: '' }],
    [{ at: Number.POSITIVE_INFINITY }],
  ])('refuses %o', (overrides) => {
    expect(() => auditEntry(anEntry(overrides))).toThrow(InvalidAuditEntryError);
  });
});

describe('sameAuditEntry, auditSeqKey, compareAuditByTime', () => {
  it('compares entries by content, not key order', () => {
    expect(sameAuditEntry(anEntry(), anEntry({ detail: { b: { c: [1, 2] }, a: 1 } }))).toBe(true);
    expect(sameAuditEntry(anEntry(), anEntry({ detail: { a: 2, b: { c: [1, 2] } } }))).toBe(false);
  });

  it('pads seq so that sort keys order like numbers', () => {
    expect(auditSeqKey(9) < auditSeqKey(10)).toBe(true);
    expect(auditSeqKey(MAX_AUDIT_SEQ)).toHaveLength(9);
  });

  it('orders by time, then request and seq', () => {
    const entries = [
      anEntry({ requestId: 'b', at: 1 }),
      anEntry({ requestId: 'a', seq: 1, at: 1 }),
      anEntry({ requestId: 'a', seq: 0, at: 1 }),
      anEntry({ at: 0, requestId: 'z' }),
    ];
    expect(entries.sort(compareAuditByTime).map((e) => `${e.requestId}${e.seq}`)).toEqual([
      'z0',
      'a0',
      'a1',
      'b0',
    ]);
  });
});
