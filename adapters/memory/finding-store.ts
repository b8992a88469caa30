/**
 * In-memory FindingStore: the throwaway store of `--store memory` and the fake of unit tests.
 * Same semantics as the DynamoDB store (the diff is planned by core's `planScan`).
 */
import type { FindingsDocument } from '#core/model/findings.ts';
import {
  compareStored,
  type FindingStore,
  planScan,
  type ScanDiff,
  type ScanRecord,
  SEVERITIES,
  type StoredFinding,
  scanScopes,
} from '#core/ports/finding-store.ts';

/** A FindingStore held in maps; gone when the process ends. */
export class MemoryFindingStore implements FindingStore {
  /** Finding records by key. */
  readonly #findings = new Map<string, StoredFinding>();
  /** Recorded runs with the diff they returned, by run id. */
  readonly #runs = new Map<string, { summary: ScanRecord; diff: ScanDiff }>();

  async recordScan(doc: FindingsDocument, runId: string, at: number): Promise<ScanDiff> {
    const done = this.#runs.get(runId);
    if (done) return structuredClone(done.diff);
    const scopes = new Set(scanScopes(doc));
    const prior = [...this.#findings.values()].filter((f) => scopes.has(f.scope));
    const plan = planScan(doc, runId, at, prior);
    for (const record of plan.records) this.#findings.set(record.key, structuredClone(record));
    this.#runs.set(runId, structuredClone({ summary: plan.summary, diff: plan.diff }));
    return plan.diff;
  }

  async findingHistory(identityId: string): Promise<StoredFinding[]> {
    return [...this.#findings.values()]
      .filter((f) => f.identityId === identityId)
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((f) => structuredClone(f));
  }

  async openFindings(): Promise<StoredFinding[]> {
    const rank = (f: StoredFinding) => SEVERITIES.indexOf(f.finding.severity);
    return [...this.#findings.values()]
      .filter((f) => f.status === 'open')
      .sort((a, b) => rank(a) - rank(b) || compareStored(a, b))
      .map((f) => structuredClone(f));
  }

  async scans(): Promise<ScanRecord[]> {
    return [...this.#runs.values()]
      .map((r) => structuredClone(r.summary))
      .sort((a, b) => a.at - b.at || a.runId.localeCompare(b.runId));
  }
}
