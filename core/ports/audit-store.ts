/**
 * Port for the containment audit log: every request, decision and action of a containment,
 * append-only. An entry is never changed once written: writing the same entry again (a retried
 * call) is a no-op, writing a different entry at the same place is refused. Entries of one
 * request form its chain, numbered by `seq` (chosen by the writer, so a retry lands on the same
 * entry rather than appending a copy).
 */

/** One audit entry. */
export interface AuditEntry {
  /** The containment request the entry belongs to. */
  requestId: string;
  /** Position in the request's chain: 0, 1, 2... */
  seq: number;
  /** Epoch ms. */
  at: number;
  /** Account id or tenant id of the identity. */
  scope: string;
  identityId: string;
  /** Who or what acted (`arn:...:role/leash/leash-apply-containment`, a person). */
  actor: string;
  /** What happened (`requested`, `decided`, `api-call`, `verified`, `rolled-back`...). */
  kind: string;
  /** The facts: trigger, policy hash, API call and result, state before and after... */
  detail: Record<string, unknown>;
}

/** The append-only audit log. */
export interface AuditLog {
  /**
   * Appends an entry.
   * @returns true when written, false when the identical entry was already there
   * @throws AuditConflictError when a different entry holds the same request and seq
   * @throws InvalidAuditEntryError for a seq that is not a whole number >= 0 or an empty id
   */
  appendAudit(entry: AuditEntry): Promise<boolean>;
  /** A request's chain, in seq order. */
  auditChain(requestId: string): Promise<AuditEntry[]>;
  /** Every audit entry about an identity, by time, then request and seq. */
  identityAudit(identityId: string): Promise<AuditEntry[]>;
}
