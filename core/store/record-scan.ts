/**
 * The use case that records a finished scan in the store: its findings (with their history) and
 * its inventory, and what changed since the previous scan of the same accounts and tenants.
 * `leash scan` and the analyze-scan Lambda both call it.
 */
import type { FindingsDocument } from '#core/model/findings.ts';
import {
  type FindingStore,
  type ScanDiff,
  type ScanRecord,
  scanScopes,
} from '#core/ports/finding-store.ts';
import type { InventoryDiff, InventoryStore } from '#core/ports/inventory-store.ts';

/** What changed since the previous scan; what the reports show. */
export interface ScanChanges {
  /** The previous scan of any of the same accounts or tenants; null on the first one. */
  previous: ScanRecord | null;
  diff: ScanDiff;
}

/** What recording a scan returns. */
export interface RecordedScan extends ScanChanges {
  inventory: InventoryDiff;
}

/**
 * The latest recorded scan, other than `runId`, sharing an account or tenant with `scopes`.
 * @param scans recorded scans, oldest first
 */
export function previousScan(
  scans: readonly ScanRecord[],
  scopes: readonly string[],
  runId: string,
): ScanRecord | null {
  const wanted = new Set(scopes);
  for (let i = scans.length - 1; i >= 0; i--) {
    const s = scans[i]!;
    if (s.runId !== runId && s.scopes.some((x) => wanted.has(x))) return s;
  }
  return null;
}

/**
 * Records a scan: the previous scan is looked up first, then the findings and the inventory
 * are written. Idempotent for the same `runId` (both stores are).
 * @param at epoch ms of the scan (the window's end, `doc.window.asOf`, for a scan of exports)
 */
export async function recordScanRun(
  store: FindingStore & InventoryStore,
  doc: FindingsDocument,
  runId: string,
  at: number,
): Promise<RecordedScan> {
  const previous = previousScan(await store.scans(), scanScopes(doc), runId);
  // Inventory first: the finding summary marks a run complete, so it is written last.
  const inventory = await store.recordInventory(doc, runId, at);
  const diff = await store.recordScan(doc, runId, at);
  return { previous, diff, inventory };
}
