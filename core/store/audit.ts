/** The rules of the audit log (see core/ports/audit-store.ts), shared by every store. */
import type { AuditEntry } from '#core/ports/audit-store.ts';
import { InvalidAuditEntryError } from '#core/store/errors.ts';
import { canonicalJson } from '#core/store/hash.ts';

/** The largest seq, so that it pads to a fixed width in sort keys. */
export const MAX_AUDIT_SEQ = 999_999_999;

/** The fields of an entry, in the order they are copied. */
export const AUDIT_FIELDS = [
  'requestId',
  'seq',
  'at',
  'scope',
  'identityId',
  'actor',
  'kind',
  'detail',
] as const satisfies readonly (keyof AuditEntry)[];

/**
 * Checks an entry and returns a copy of exactly its fields.
 * @throws InvalidAuditEntryError
 */
export function auditEntry(entry: AuditEntry): AuditEntry {
  if (!entry.requestId || !entry.identityId)
    throw new InvalidAuditEntryError('audit entry without request or identity');
  if (!Number.isInteger(entry.seq) || entry.seq < 0 || entry.seq > MAX_AUDIT_SEQ)
    throw new InvalidAuditEntryError(
      `audit seq must be a whole number from 0 to ${MAX_AUDIT_SEQ}, not ${entry.seq}`,
    );
  if (!Number.isFinite(entry.at)) throw new InvalidAuditEntryError(`audit time must be epoch ms`);
  return Object.fromEntries(AUDIT_FIELDS.map((f) => [f, entry[f]])) as unknown as AuditEntry;
}

/** Whether two entries are the same entry (as a store would keep them). */
export function sameAuditEntry(a: AuditEntry, b: AuditEntry): boolean {
  return canonicalJson(auditEntry(a)) === canonicalJson(auditEntry(b));
}

/** The seq as a fixed-width sort key part. */
export function auditSeqKey(seq: number): string {
  return String(seq).padStart(9, '0');
}

/** Orders entries by time, then request and seq. */
export function compareAuditByTime(a: AuditEntry, b: AuditEntry): number {
  return a.at - b.at || a.requestId.localeCompare(b.requestId) || a.seq - b.seq;
}
