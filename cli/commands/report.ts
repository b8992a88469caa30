/**
 * `leash report`: the weekly rightsizing report of a findings document, with what the store
 * remembers (what changed over the period, the weekly trend, containment and approvals), as
 * report.html (self-contained), report.md, report.csv (the recommendations) and report.json.
 * The same use case as the weekly Lambda: `loadReportHistory` + `buildWeeklyReport` + renderers.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { UsageError } from '#cli/errors.ts';
import { openExistingStore, resolveStore, type StoreOptions } from '#cli/store.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import { REPORT_FILES, type ReportFormat, renderReport } from '#core/report/formats.ts';
import { loadReportHistory, type ReportHistory } from '#core/report/history.ts';
import { buildWeeklyReport } from '#core/report/weekly-report.ts';

/** Options of `leash report`, as commander gives them. */
export interface ReportCommandOptions extends StoreOptions {
  out: string;
  since?: string;
  format: string;
}

/**
 * Parses --since: a period before the document's `asOf` (`7d`, `2w`) or an ISO date or
 * date-time.
 * @returns epoch ms
 * @throws UsageError when it is neither
 */
export function parseSince(text: string, asOf: number): number {
  const period = /^(\d+)\s*([dw])$/i.exec(text.trim());
  if (period) {
    const days = Number(period[1]) * (period[2]!.toLowerCase() === 'w' ? 7 : 1);
    return asOf - days * 86_400_000;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(
      `--since must be a period such as 7d or 2w, or an ISO date, not "${text}"`,
    );
  return ms;
}

/** Parses --format into the formats to write. */
export function parseReportFormats(text: string): ReportFormat[] {
  const out = new Set<ReportFormat>();
  for (const part of text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    if (!(part in REPORT_FILES))
      throw new UsageError(
        `--format accepts ${Object.keys(REPORT_FILES).join(', ')}; "${part}" is not one of them`,
      );
    out.add(part as ReportFormat);
  }
  if (out.size === 0) throw new UsageError('--format names no format');
  return [...out];
}

/** Reads and checks a findings document (a file, or a folder holding findings.json). */
async function readFindings(path: string): Promise<FindingsDocument> {
  let file = resolve(path);
  const info = await stat(file).catch(() => null);
  if (!info) throw new UsageError(`no findings document at ${path}`);
  if (info.isDirectory()) file = join(file, 'findings.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `${file} is not a findings document (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const parsed = FindingsDocumentSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `${file} does not match the findings document schema: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}

/**
 * Runs the command.
 * @param findings path of findings.json (or of the folder `leash scan --out` wrote)
 * @returns the exit code
 */
export async function reportCommand(
  findings: string,
  opts: ReportCommandOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd?: string },
): Promise<number> {
  const formats = parseReportFormats(opts.format);
  const label = resolveStore(opts, io.cwd).label;
  const doc = await readFindings(resolve(io.cwd ?? process.cwd(), findings));
  const asOf = Date.parse(doc.window.asOf);
  const since = opts.since === undefined ? undefined : parseSince(opts.since, asOf);
  const opened = await openExistingStore(opts, io.cwd);
  let history: ReportHistory | undefined;
  if (opened) {
    try {
      history = await loadReportHistory(opened.store, doc, since === undefined ? {} : { since });
    } finally {
      await opened.close();
    }
  } else {
    io.stderr.write(
      `No store at ${label}: the report has no history (what changed, trend, containment). \`leash scan\` records each scan there.\n`,
    );
  }
  const report = buildWeeklyReport(doc, {
    catalog: await loadCatalog(),
    ...(history ? { history } : {}),
  });
  const out = resolve(io.cwd ?? process.cwd(), opts.out);
  await mkdir(out, { recursive: true });
  for (const format of formats) {
    const path = join(out, REPORT_FILES[format]);
    await writeFile(path, renderReport(report, format));
    io.stdout.write(`${path}\n`);
  }
  const h = report.headline;
  const c = report.changes;
  io.stderr.write(
    `${h.identities} identities; ${h.removable} of ${h.granted} granted permissions can go; ${h.findings.critical} critical, ${h.findings.high} high findings${c?.state === 'compared' ? `; since ${c.label}: ${c.newFindings.length} new, ${c.resolvedFindings.length} resolved` : ''}.\n`,
  );
  return 0;
}
