/**
 * The logger the scan-run use cases write to: the Lambdas pass their Powertools logger, tests a
 * silent or recording one. Messages carry ids and counts as attributes, never secrets or whole
 * documents (STYLE.md §6).
 */

/** Structured log lines at the levels the use cases need. */
export interface RunLog {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** A logger that drops everything. */
export const SILENT_LOG: RunLog = { debug() {}, info() {}, warn() {} };
