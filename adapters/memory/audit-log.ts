/** In-memory AuditLog: append-only by the same rules as the DynamoDB one. */
import type { AuditEntry, AuditLog } from '#core/ports/audit-store.ts';
import { auditEntry, auditSeqKey, compareAuditByTime, sameAuditEntry } from '#core/store/audit.ts';
import { AuditConflictError } from '#core/store/errors.ts';

/** Audit entries held in a map, never replaced. */
export class MemoryAuditLog implements AuditLog {
  readonly #entries = new Map<string, AuditEntry>();

  async appendAudit(input: AuditEntry): Promise<boolean> {
    const entry = auditEntry(input);
    const key = `${entry.requestId}\0${auditSeqKey(entry.seq)}`;
    const stored = this.#entries.get(key);
    if (stored) {
      if (sameAuditEntry(stored, entry)) return false;
      throw new AuditConflictError(entry.requestId, entry.seq);
    }
    this.#entries.set(key, structuredClone(entry));
    return true;
  }

  async auditChain(requestId: string): Promise<AuditEntry[]> {
    return [...this.#entries.values()]
      .filter((e) => e.requestId === requestId)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => structuredClone(e));
  }

  async identityAudit(identityId: string): Promise<AuditEntry[]> {
    return [...this.#entries.values()]
      .filter((e) => e.identityId === identityId)
      .sort(compareAuditByTime)
      .map((e) => structuredClone(e));
  }
}
