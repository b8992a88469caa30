/**
 * Reads the IAM credential report (CSV, as `aws iam get-credential-report` returns it once
 * base64-decoded). Values `N/A`, `no_information` and `not_supported` mean "no date".
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
 */
import type { CredentialReportRow } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

const REQUIRED = ['user', 'arn', 'password_enabled', 'access_key_1_active'];

/** True when the text starts with the credential report header. */
export function isCredentialReport(text: string): boolean {
  return /^\uFEFF?user,arn,user_creation_time/.test(text);
}

/**
 * Parses the report. Rows with the wrong column count are skipped with an issue.
 * @param text the CSV text
 * @param file where it came from, for issues
 */
export function parseCredentialReport(
  text: string,
  file: string,
  issues: InputIssue[],
): CredentialReportRow[] {
  // Keep blank lines in the list so that reported line numbers match the file.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    issues.push({
      file,
      reason: 'invalid-credential-report',
      detail: `missing columns: ${missing.join(', ')}`,
    });
    return [];
  }
  const rows: CredentialReportRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    // The report never quotes: user names and ARNs cannot contain commas.
    const cells = lines[i]!.split(',');
    if (cells.length !== header.length) {
      issues.push({
        file,
        location: `line ${i + 1}`,
        reason: 'invalid-csv-row',
        detail: `expected ${header.length} columns, found ${cells.length}; skipped`,
      });
      continue;
    }
    const get = (c: string) => cells[header.indexOf(c)] ?? '';
    const row: CredentialReportRow = {
      user: get('user'),
      arn: get('arn'),
      passwordEnabled: get('password_enabled') === 'true',
      mfaActive: get('mfa_active') === 'true',
      accessKeys: [],
    };
    const created = date(get('user_creation_time'));
    if (created) row.userCreationTime = created;
    const pwUsed = date(get('password_last_used'));
    if (pwUsed) row.passwordLastUsed = pwUsed;
    const pwChanged = date(get('password_last_changed'));
    if (pwChanged) row.passwordLastChanged = pwChanged;
    for (const slot of [1, 2] as const) {
      const active = get(`access_key_${slot}_active`) === 'true';
      const lastRotated = date(get(`access_key_${slot}_last_rotated`));
      const lastUsedDate = date(get(`access_key_${slot}_last_used_date`));
      const svc = get(`access_key_${slot}_last_used_service`);
      // A slot that never held a key has no rotation date; skip it.
      if (!active && !lastRotated) continue;
      const key: CredentialReportRow['accessKeys'][number] = { slot, active };
      if (lastRotated) key.lastRotated = lastRotated;
      if (lastUsedDate) key.lastUsedDate = lastUsedDate;
      if (svc && svc !== 'N/A') key.lastUsedService = svc;
      row.accessKeys.push(key);
    }
    rows.push(row);
  }
  return rows;
}

function date(v: string): string | undefined {
  if (!v || v === 'N/A' || v === 'no_information' || v === 'not_supported') return undefined;
  return Number.isNaN(Date.parse(v)) ? undefined : v;
}
