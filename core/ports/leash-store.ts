/**
 * The one store of Leash: findings with their history, the inventory of identities and grants,
 * daily usage, approval requests, the containment audit log and identity locks, each its own port so a caller
 * can ask for only what it uses. `adapters/dynamodb` keeps them all in one DynamoDB table (the
 * deployed store, and the CLI's embedded one); `adapters/memory` keeps them in maps.
 */
import type { ApprovalStore } from '#core/ports/approval-store.ts';
import type { AuditLog } from '#core/ports/audit-store.ts';
import type { FindingStore } from '#core/ports/finding-store.ts';
import type { InventoryStore } from '#core/ports/inventory-store.ts';
import type { LockStore } from '#core/ports/lock-store.ts';
import type { UsageStore } from '#core/ports/usage-store.ts';

/** Every store port in one object. */
export interface LeashStore
  extends FindingStore,
    InventoryStore,
    UsageStore,
    ApprovalStore,
    AuditLog,
    LockStore {}

/** The parts a LeashStore is made of. */
export interface LeashStoreParts {
  findings: FindingStore;
  inventory: InventoryStore;
  usage: UsageStore;
  approvals: ApprovalStore;
  audit: AuditLog;
  locks: LockStore;
}

/** One LeashStore over its parts (each method forwards to the part that owns it). */
export function composeStore(p: LeashStoreParts): LeashStore {
  return {
    recordScan: (doc, runId, at) => p.findings.recordScan(doc, runId, at),
    findingHistory: (identityId) => p.findings.findingHistory(identityId),
    openFindings: () => p.findings.openFindings(),
    scans: () => p.findings.scans(),
    recordInventory: (doc, runId, at) => p.inventory.recordInventory(doc, runId, at),
    identities: (scope) => p.inventory.identities(scope),
    identity: (identityId) => p.inventory.identity(identityId),
    grants: (identityId) => p.inventory.grants(identityId),
    grantsAddedSince: (scope, since) => p.inventory.grantsAddedSince(scope, since),
    putUsageDays: (rows) => p.usage.putUsageDays(rows),
    usageDays: (identityId, range) => p.usage.usageDays(identityId, range),
    requestApproval: (request) => p.approvals.requestApproval(request),
    decideApproval: (requestId, decision) => p.approvals.decideApproval(requestId, decision),
    expireApprovals: (at) => p.approvals.expireApprovals(at),
    approval: (requestId) => p.approvals.approval(requestId),
    pendingApprovals: () => p.approvals.pendingApprovals(),
    appendAudit: (entry) => p.audit.appendAudit(entry),
    auditChain: (requestId) => p.audit.auditChain(requestId),
    identityAudit: (identityId) => p.audit.identityAudit(identityId),
    acquireLock: (key, holder, at, until) => p.locks.acquireLock(key, holder, at, until),
    releaseLock: (key, holder) => p.locks.releaseLock(key, holder),
  };
}
