/**
 * The in-memory LeashStore: the throwaway store of `leash scan --store memory` and the fake of
 * unit tests. Same semantics as the DynamoDB store; gone when the process ends.
 */
import { MemoryApprovalStore } from '#adapters/memory/approval-store.ts';
import { MemoryAuditLog } from '#adapters/memory/audit-log.ts';
import { MemoryFindingStore } from '#adapters/memory/finding-store.ts';
import { MemoryInventoryStore } from '#adapters/memory/inventory-store.ts';
import { MemoryLockStore } from '#adapters/memory/lock-store.ts';
import { MemoryUsageStore } from '#adapters/memory/usage-store.ts';
import { composeStore, type LeashStore } from '#core/ports/leash-store.ts';

/** Opens an empty in-memory LeashStore. */
export function openMemoryStore(options: { usageRetentionDays?: number } = {}): LeashStore {
  return composeStore({
    findings: new MemoryFindingStore(),
    inventory: new MemoryInventoryStore(),
    usage: new MemoryUsageStore(options.usageRetentionDays),
    approvals: new MemoryApprovalStore(),
    audit: new MemoryAuditLog(),
    locks: new MemoryLockStore(),
  });
}
