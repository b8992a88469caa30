/**
 * Port for the finding history: every scan is recorded, and each finding carries when it was
 * first seen, last seen and resolved, so a scan can report what is new and what went away.
 *
 * The identity of a finding (its `key`) is what makes the history meaningful. It is the 128-bit
 * FNV-1a hash of `ruleId, identity id, subject` (a hash keeps DynamoDB sort keys short whatever
 * the length of an ARN; core/ stays free of node:crypto), where the subject is the finding's title with every run
 * of digits replaced by `#`. Titles name what a finding is about (`Policy AppFull is unused`,
 * `Secret deploy-key expired 2026-01-02`) and their numbers are measurements that move between
 * scans (`412 of 530 granted actions unused (78%)`), so the normalised title is stable while the
 * finding stays the same thing. No single evidence field exists across all rules, which is why
 * the title is used rather than the evidence. A finding whose subject names a set (the roles of
 * `privileged-role`, the escalation paths of `privilege-escalation`) gets a new key when the set
 * changes: the old one is reported resolved and the new one new. Two findings of the same
 * identity with the same key get `#2`, `#3`... in the order the rule emitted them.
 *
 * The diff is computed here, purely, so every adapter (DynamoDB, memory) has the same semantics.
 */
import type { Finding, FindingsDocument } from '#core/model/findings.ts';
import { fnv1a128 } from '#core/store/hash.ts';

/** Severity of a finding. */
export type Severity = Finding['severity'];

/** Severities from the most to the least severe. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** A finding as the store keeps it: the latest copy plus its history. */
export interface StoredFinding {
  /** Stable key (see the module comment). */
  key: string;
  /** Account id (AWS) or tenant id (Entra) of the identity: the scope a scan covers. */
  scope: string;
  identityId: string;
  identityName: string;
  /** The finding as last seen. */
  finding: Finding;
  status: 'open' | 'resolved';
  /** Epoch ms of the first scan that saw it. */
  firstSeen: number;
  /** Epoch ms of the last scan that saw it. */
  lastSeen: number;
  /** Epoch ms of the scan that no longer saw it; null while open. */
  resolvedAt: number | null;
  /** Run that opened (or reopened) it: a retried run recognises what it opened itself. */
  openedRunId: string;
  lastRunId: string;
  resolvedRunId: string | null;
}

/** What one scan changed. */
export interface ScanDiff {
  /** Findings not open before this scan (first seen, or reopened with first seen kept). */
  newFindings: StoredFinding[];
  /** Findings open before this scan and absent from it. */
  resolved: StoredFinding[];
  /** Findings open before and still present. */
  persisting: number;
}

/** One recorded scan, with the counts that trends are drawn from. */
export interface ScanRecord {
  runId: string;
  /** Epoch ms of the scan. */
  at: number;
  /** Accounts and tenants the scan covered. */
  scopes: string[];
  open: number;
  new: number;
  resolved: number;
  persisting: number;
  openBySeverity: Record<Severity, number>;
}

/** Stores findings with their history. */
export interface FindingStore {
  /**
   * Records a scan and returns what changed since the previous one over the same accounts and
   * tenants. Idempotent: recording the same `runId` again writes nothing new and returns the
   * same diff, even when the first attempt failed halfway.
   * @param at epoch ms of the scan (normally `doc.window.asOf` or the time it ran)
   */
  recordScan(doc: FindingsDocument, runId: string, at: number): Promise<ScanDiff>;
  /** Every finding ever recorded for an identity, open and resolved, by key. */
  findingHistory(identityId: string): Promise<StoredFinding[]>;
  /** Open findings, the most severe first. */
  openFindings(): Promise<StoredFinding[]>;
  /** Recorded scans, oldest first. */
  scans(): Promise<ScanRecord[]>;
}

/** The subject of a finding: its title without the numbers that move between scans. */
export function findingSubject(finding: Finding): string {
  return finding.title.replace(/\d+/g, '#');
}

/** The stable key of a finding of an identity (see the module comment). */
export function findingKey(ruleId: string, identityId: string, subject: string): string {
  return fnv1a128(`${ruleId}\0${identityId}\0${subject}`);
}

/** A current finding of a scan, keyed. */
interface CurrentFinding {
  key: string;
  scope: string;
  identityId: string;
  identityName: string;
  finding: Finding;
}

/** Keys every finding of a document, numbering duplicates within an identity. */
export function keyFindings(doc: FindingsDocument): CurrentFinding[] {
  const out: CurrentFinding[] = [];
  for (const identity of doc.identities) {
    const seen = new Map<string, number>();
    for (const finding of identity.findings) {
      const subject = findingSubject(finding);
      const base = `${finding.ruleId}\0${subject}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      out.push({
        key: findingKey(finding.ruleId, identity.id, n === 1 ? subject : `${subject}#${n}`),
        scope: identity.accountId,
        identityId: identity.id,
        identityName: identity.name,
        finding,
      });
    }
  }
  return out;
}

/**
 * The accounts, tenants and GitHub organizations a document covers: findings there that it lacks
 * are resolved.
 */
export function scanScopes(doc: FindingsDocument): string[] {
  const scopes = new Set([
    ...doc.accounts,
    ...(doc.tenants ?? []),
    ...(doc.github ?? []).map((o) => o.scope),
  ]);
  for (const identity of doc.identities) scopes.add(identity.accountId);
  return [...scopes].sort();
}

/** What a store writes for one scan. */
export interface ScanPlan {
  /** Finding records to put (every current finding, plus those resolved now). */
  records: StoredFinding[];
  diff: ScanDiff;
  summary: ScanRecord;
}

/** Orders findings by scope, identity and key so diffs are deterministic. */
export function compareStored(a: StoredFinding, b: StoredFinding): number {
  return (
    a.scope.localeCompare(b.scope) ||
    a.identityId.localeCompare(b.identityId) ||
    a.key.localeCompare(b.key)
  );
}

/**
 * Plans the writes of a scan from the records already stored for its scopes. Pure and
 * deterministic: a retry after a partial write plans the same records and the same diff, because
 * a record this run already touched is recognised by `openedRunId` / `resolvedRunId`.
 * @param prior every stored record (open or resolved) whose scope is in `scanScopes(doc)`
 */
export function planScan(
  doc: FindingsDocument,
  runId: string,
  at: number,
  prior: readonly StoredFinding[],
): ScanPlan {
  const byKey = new Map(prior.map((p) => [p.key, p]));
  const records: StoredFinding[] = [];
  const newFindings: StoredFinding[] = [];
  const resolved: StoredFinding[] = [];
  let persisting = 0;
  const current = new Set<string>();
  for (const c of keyFindings(doc)) {
    current.add(c.key);
    const p = byKey.get(c.key);
    // Open before this run: open and not opened by it, or resolved by it (a partial attempt).
    const wasOpen =
      p !== undefined &&
      ((p.status === 'open' && p.openedRunId !== runId) || p.resolvedRunId === runId);
    const record: StoredFinding = {
      ...c,
      status: 'open',
      firstSeen: p?.firstSeen ?? at,
      lastSeen: at,
      resolvedAt: null,
      openedRunId: wasOpen && p ? p.openedRunId : runId,
      lastRunId: runId,
      resolvedRunId: null,
    };
    records.push(record);
    if (wasOpen) persisting++;
    else newFindings.push(record);
  }
  for (const p of prior) {
    if (current.has(p.key)) continue;
    if (p.status === 'open') {
      const record: StoredFinding = {
        ...p,
        status: 'resolved',
        resolvedAt: at,
        resolvedRunId: runId,
      };
      records.push(record);
      resolved.push(record);
    } else if (p.resolvedRunId === runId) {
      // Resolved by a partial attempt of this run: still part of its diff.
      resolved.push(p);
    }
  }
  newFindings.sort(compareStored);
  resolved.sort(compareStored);
  const openBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<
    Severity,
    number
  >;
  for (const r of records) if (r.status === 'open') openBySeverity[r.finding.severity]++;
  return {
    records,
    diff: { newFindings, resolved, persisting },
    summary: {
      runId,
      at,
      scopes: scanScopes(doc),
      open: current.size,
      new: newFindings.length,
      resolved: resolved.length,
      persisting,
      openBySeverity,
    },
  };
}
