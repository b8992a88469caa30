/**
 * Bad input is never fatal: each bad file, record or field becomes an issue that names where it
 * was and why it was skipped, and the run goes on with everything else.
 */

/** One skipped or partly ignored piece of input. */
export interface InputIssue {
  /** File (or API source) the input came from. */
  file: string;
  /** Where in the file: record index, line number, or a named element such as a role ARN. */
  location?: string;
  /** Stable machine-readable reason (`corrupt-gzip`, `invalid-json`, `no-user-identity`, …). */
  reason: string;
  /** Human explanation. */
  detail: string;
}
