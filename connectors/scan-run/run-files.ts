/**
 * Where the analysis half of a scan run reads and writes in the Leash bucket, and the format of
 * the Entra work file. Keys derive from the run id and the window only, so a retried step writes
 * the very same objects (see functions/shared/contract.ts for the whole layout).
 */
import { z } from 'zod';
import {
  CoverageGapSchema,
  EntraCoverageSchema,
  type FindingsDocument,
  IdentityResultSchema,
  InputIssueSchema,
} from '#core/model/findings.ts';
import { SEVERITIES, type Severity } from '#core/ports/finding-store.ts';
import { KEYS } from '#functions/shared/contract.ts';

/** `yyyy-mm-dd` (UTC) of an ISO time or epoch ms. */
export function utcDay(time: string | number): string {
  return new Date(typeof time === 'number' ? time : Date.parse(time)).toISOString().slice(0, 10);
}

/**
 * The time a run is recorded at in the store: the end of its window, so that every attempt of
 * the run (and `publish-events` replaying its diff) records the same instant.
 */
export function scanTime(doc: FindingsDocument): number {
  return Date.parse(doc.window.asOf);
}

/**
 * The findings of a document by severity, every severity present: after the document is
 * recorded, exactly the open findings of its accounts and tenants.
 */
export function findingsBySeverity(doc: FindingsDocument): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const identity of doc.identities) for (const f of identity.findings) out[f.severity]++;
  return out;
}

/** The Entra work file of a run: `work/runs/<runId>/entra.json`. */
export function entraKey(runId: string): string {
  return `${KEYS.runs}${runId}/entra.json`;
}

/** The prefix of a run's findings: `findings/<yyyy-mm-dd of asOf>/<runId>/`. */
export function findingsPrefix(runId: string, asOf: string): string {
  return `${KEYS.findings}${utcDay(asOf)}/${runId}/`;
}

/** The files a run's analysis writes under {@link findingsPrefix}. */
export const FINDINGS_FILES = {
  json: 'findings.json',
  markdown: 'report.md',
  html: 'report.html',
} as const;

/** The weekly report's prefix: `reports/<yyyy-mm-dd>/`. */
export function reportPrefix(day: string): string {
  return `${KEYS.reports}${day}/`;
}

/** An Entra analysis as stored (core's `EntraAnalysis`, checked on the way back in). */
export const EntraAnalysisSchema = z.object({
  tenantId: z.string(),
  identities: z.array(IdentityResultSchema),
  coverage: EntraCoverageSchema,
  gaps: z.array(z.string()),
});

/**
 * `work/runs/<runId>/entra.json`: the analysed tenant, or none when it could not be scanned,
 * with the coverage gaps and input issues either way.
 */
export const EntraRunFileSchema = z.object({
  runId: z.string(),
  /** Null when no credential could be used. */
  tenantId: z.string().nullable(),
  analysis: EntraAnalysisSchema.nullable(),
  gaps: z.array(CoverageGapSchema),
  issues: z.array(InputIssueSchema),
});
/** The Entra work file. */
export type EntraRunFile = z.infer<typeof EntraRunFileSchema>;
