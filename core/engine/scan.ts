/**
 * The scan use case: read grants, stream usage through the aggregator, analyse. Every front end
 * (CLI, Lambda) calls this with its own sources; nothing here knows where data lives.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { GrantSource } from '#core/ports/grant-source.ts';
import type { ProgressReporter } from '#core/ports/progress.ts';
import type { UsageSource } from '#core/ports/usage-source.ts';

/** What a scan reads from. */
export interface ScanSources {
  grants: GrantSource;
  usage: UsageSource;
  catalog: ActionCatalog;
  progress?: ProgressReporter;
}

/** How a scan is bounded. */
export interface ScanOptions {
  /** End of the window, epoch ms. */
  asOf: number;
  lookbackDays: number;
  toolVersion: string;
  /** File counts by kind, for coverage (the source knows them). */
  files?: () => { cloudtrail: number; iam: number; ignored: number };
  /** Calls a live source could not make, read after the scan. */
  gaps?: () => CoverageGap[];
}

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/**
 * Runs a scan end to end.
 * @returns the findings document; bad input is inside it (coverage.issues), never thrown
 */
export async function runScan(
  sources: ScanSources,
  options: ScanOptions,
): Promise<FindingsDocument> {
  const issues: InputIssue[] = [];
  const inventory = await sources.grants.loadInventory(issues);
  const window = { from: options.asOf - options.lookbackDays * DAY_MS, to: options.asOf };
  const aggregator = new UsageAggregator(sources.catalog, window);
  for await (const batch of sources.usage.batches(issues)) {
    const { file, records, firstIndex, locationPrefix, positions } = batch;
    for (let i = 0; i < records.length; i++) {
      aggregator.add(records[i], file, positions ? positions[i]! : firstIndex + i, locationPrefix);
    }
  }
  sources.progress?.({
    phase: 'analysis',
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    records: aggregator.coverage.recordsRead,
  });
  const input = {
    inventory,
    usage: aggregator,
    catalog: sources.catalog,
    window,
    lookbackDays: options.lookbackDays,
    issues,
    toolVersion: options.toolVersion,
  };
  return analyzeAccount({
    ...input,
    ...(options.files ? { files: options.files() } : {}),
    ...(options.gaps ? { gaps: options.gaps() } : {}),
  });
}
