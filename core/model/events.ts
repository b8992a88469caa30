/**
 * The `detail` of every event Leash puts on its EventBridge bus (source `leash`), as zod schemas:
 * the event catalogue consumers code against. Consumers must deduplicate: a retried step may put
 * an event again, so `Scan Completed` is unique by `runId` and `Finding Created` by `runId` plus
 * `finding.key`.
 */
import { z } from 'zod';

const severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);
/** Counts by severity; every severity present (zero when none). */
const bySeverity = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  info: z.number().int(),
});
const isoTime = z.iso.datetime();
const s3Location = z.object({ bucket: z.string(), key: z.string() });

/** `Scan Completed`: a scan run finished and its findings are recorded. */
export const ScanCompletedDetailSchema = z.object({
  runId: z.string(),
  window: z.object({ asOf: isoTime, from: isoTime, to: isoTime, lookbackDays: z.number() }),
  accounts: z.array(z.string()),
  tenants: z.array(z.string()),
  identities: z.number().int(),
  /** Open findings after this run, new ones (opened by it) and resolved ones, by severity. */
  findings: z.object({
    open: bySeverity,
    new: bySeverity,
    resolved: bySeverity,
    totals: z.object({ open: z.number().int(), new: z.number().int(), resolved: z.number().int() }),
  }),
  /** Coverage gaps (calls that could not be made); the reports list them first. */
  gaps: z.number().int(),
  /** The findings document and reports. */
  location: z.object({ findings: s3Location, markdown: s3Location, html: s3Location }),
});
/** Detail of `Scan Completed`. */
export type ScanCompletedDetail = z.infer<typeof ScanCompletedDetailSchema>;

/** `Finding Created`: a run opened a high or critical finding (new, or reopened). */
export const FindingCreatedDetailSchema = z.object({
  runId: z.string(),
  finding: z.object({
    /** Stable across runs while the finding is the same thing (core/ports/finding-store.ts). */
    key: z.string(),
    ruleId: z.string(),
    severity,
    title: z.string(),
    /** The finding's evidence, with long lists cut (see `truncated`). */
    evidence: z.record(z.string(), z.unknown()),
    /** True when evidence was shortened to keep the event small; findings.json has it whole. */
    truncated: z.boolean(),
    firstSeen: isoTime,
  }),
  identity: z.object({
    id: z.string(),
    name: z.string(),
    /** `human`, `workload` or `ai-agent`; null when the identity is not in the document. */
    class: z.enum(['human', 'workload', 'ai-agent']).nullable(),
    aiRole: z.enum(['agent', 'builder', 'user']).nullable(),
    type: z.string().nullable(),
    /** AWS account id or Entra tenant id. */
    accountId: z.string(),
  }),
  findings: s3Location,
});
/** Detail of `Finding Created`. */
export type FindingCreatedDetail = z.infer<typeof FindingCreatedDetailSchema>;
