/**
 * Port for the inventory history: the identities each scan found, and what each was granted,
 * with when every one appeared and went away. It answers "which identities appeared this month"
 * and "which permissions were added since last week" without keeping every scan's document.
 *
 * Both are derived from a findings document by core/store/inventory.ts (pure); adapters only
 * write what it plans. A grant is one permission source of an identity (an attached or inline
 * policy, an Entra permission or directory role, and for AWS the whole effective action set)
 * keyed by a hash of what it grants: when a source starts granting something else, the old
 * grant is removed and a new one added, so a change shows as an addition.
 */
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';

/**
 * When something of the inventory was present. `firstSeen` never moves; `addedAt` is the start
 * of the current presence (later than `firstSeen` when it went away and came back).
 */
export interface Presence {
  /** Epoch ms of the first scan that saw it. */
  firstSeen: number;
  /** Epoch ms of the scan that (re)added it. */
  addedAt: number;
  addedRunId: string;
  /** Epoch ms of the last scan that saw it. */
  lastSeen: number;
  lastRunId: string;
  /** Epoch ms of the scan that no longer saw it; null while present. */
  removedAt: number | null;
  removedRunId: string | null;
}

/** The latest profile of an identity, as the last scan that saw it described it. */
export interface IdentityProfile {
  /** ARN (AWS) or object id (Entra). */
  identityId: string;
  name: string;
  /** AWS ARN; null for Entra identities. */
  arn: string | null;
  kind: IdentityResult['type'];
  class: IdentityResult['class'];
  aiRole: IdentityResult['aiRole'];
  /** Account id (AWS) or tenant id (Entra). */
  scope: string;
  path: string | null;
  createDate: string | null;
  serviceLinked: boolean;
  tags: Record<string, string>;
  /** Entra application id; null for AWS. */
  appId: string | null;
  grantedActions: number;
  usedActions: number;
  unusedActions: number;
  findings: number;
  recommendation: IdentityResult['recommendation'];
  /** Last activity in the window (ISO), if any. */
  lastActivity: string | null;
}

/** An identity as the store keeps it. */
export interface StoredIdentity extends IdentityProfile, Presence {}

/** Kinds of permission source. */
export type GrantKind =
  | 'aws-managed-policy'
  | 'customer-managed-policy'
  | 'inline-policy'
  /** Every action the identity's policies allow together (AWS): catches policy edits. */
  | 'effective-actions'
  | 'entra-application-permission'
  | 'entra-delegated-permission'
  | 'entra-directory-role';

/** One permission source of an identity, described for a person. */
export interface GrantSource {
  kind: GrantKind;
  /** Policy name, `Microsoft Graph Application.Read.All`, role name... */
  name: string;
  /** Policy ARN, resource app id, role definition id; null when there is none. */
  ref: string | null;
  /** Small facts about the source (group it comes through, action count, grant ids...). */
  detail: Record<string, string | number | boolean | null | string[]>;
}

/** A grant as the store keeps it. */
export interface StoredGrant extends Presence {
  /** Stable key: hash of the identity id and `hash`. */
  key: string;
  /** Hash of what the source grants (see core/store/inventory.ts). */
  hash: string;
  scope: string;
  identityId: string;
  identityName: string;
  source: GrantSource;
}

/** What one scan changed in the inventory. */
export interface InventoryDiff {
  identities: { added: StoredIdentity[]; removed: StoredIdentity[]; present: number };
  grants: { added: StoredGrant[]; removed: StoredGrant[]; present: number };
}

/** Stores identities and their grants with their history. */
export interface InventoryStore {
  /**
   * Records the identities and grants of a scan and returns what was added and removed since
   * the previous one over the same accounts and tenants. Idempotent: recording the same
   * `runId` again (after a failure halfway, or twice) writes the same items and returns the
   * same diff. Identities and grants of an account or tenant whose inventory could not be read
   * (see `inventoriedScopes`) are updated but never removed.
   * @param at epoch ms of the scan
   */
  recordInventory(doc: FindingsDocument, runId: string, at: number): Promise<InventoryDiff>;
  /** Every identity ever recorded in an account or tenant (present and removed), by id. */
  identities(scope: string): Promise<StoredIdentity[]>;
  /** One identity's latest record, or null. */
  identity(identityId: string): Promise<StoredIdentity | null>;
  /** Every grant ever recorded for an identity (present and removed), by kind and name. */
  grants(identityId: string): Promise<StoredGrant[]>;
  /**
   * Grants of an account or tenant added (or changed: a change is an addition) at or after
   * `since`, oldest first: "permissions added since last week".
   */
  grantsAddedSince(scope: string, since: number): Promise<StoredGrant[]>;
}
