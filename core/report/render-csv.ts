/**
 * The recommendations as CSV, one row per identity with something to remove, riskiest first, for
 * spreadsheets and ticket imports. RFC 4180: comma-separated, CRLF line ends, a field quoted
 * when it holds a comma, quote, CR or LF, quotes doubled. Safe to open in a spreadsheet: a field
 * starting with `=`, `+`, `-`, `@` (or a tab or CR) is prefixed with `'` so it is never read as
 * a formula; identity names, policy names and tags are attacker-influenced text.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
import type { WeeklyReport } from '#core/report/weekly-report.ts';

/** The columns, in order. */
export const CSV_COLUMNS = [
  'rank',
  'risk_score',
  'identity_id',
  'name',
  'type',
  'provider',
  'account_or_tenant',
  'class',
  'recommendation',
  'confidence',
  'granted',
  'used',
  'unused',
  'unobservable',
  'can_go',
  'kept_actions',
  'removed_actions',
  'policies_to_attach',
  'policies_to_detach',
  'permissions_to_remove',
  'findings',
  'last_seen',
  'why',
] as const;

/** One CSV field: formula-safe, then quoted when it must be. */
export function csvField(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Renders the recommendations of a report as CSV (header row first). */
export function renderRecommendationsCsv(r: WeeklyReport): string {
  const rows: (string | number | null)[][] = [[...CSV_COLUMNS]];
  for (const i of r.identities) {
    if (i.recommendation !== 'rightsize' && i.recommendation !== 'decommission') continue;
    const rp = i.recommendedPolicy;
    rows.push([
      i.rank,
      i.risk.score,
      i.id,
      i.name,
      i.type,
      i.provider,
      i.accountId,
      i.class,
      i.recommendation,
      i.confidence,
      i.granted,
      i.used,
      i.unused,
      i.unobservable,
      i.removable,
      rp ? rp.keptActions : null,
      rp ? rp.removedActions : null,
      rp ? rp.policies.map((p) => p.name).join('; ') : '',
      rp ? rp.detach.map((d) => d.arn ?? d.policy).join('; ') : '',
      i.permissionsToRemove.map((p) => `${p.resource} ${p.permission} (${p.kind})`).join('; '),
      i.findings.map((f) => `${f.severity} ${f.ruleId} ${f.title}`).join('; '),
      i.evidence.lastSeen ?? i.evidence.lastSignIn,
      i.risk.reasons.map((x) => `+${x.points} ${x.text}`).join('; '),
    ]);
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** The report as JSON: the model without the findings document it was built from. */
export function renderReportJson(r: WeeklyReport): string {
  const { document: _document, ...rest } = r;
  return `${JSON.stringify({ schemaVersion: 'leash.report/1', ...rest }, null, 2)}\n`;
}
