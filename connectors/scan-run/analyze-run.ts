/**
 * The `analyze-scan` step of a scan run: joins what the collection steps left in the Leash
 * bucket into one findings document, with the same engine as `leash scan`, and records it.
 *
 * 1. The inventories of the run's accounts (`work/runs/<runId>/inventory/<account>.json`) are
 *    read one at a time and merged into one inventory, as a live organization scan merges them.
 * 2. The run's usage parts (`work/runs/<runId>/usage/<account>/*.json.gz`: the day snapshots of
 *    the window's trail folders, or Event history) are streamed one at a time into one
 *    aggregator over the window, so memory grows with identities and actions, not with days.
 * 3. An account whose activity was not read (no usage source, its usage step wrote nothing, or
 *    none of its records fell in the window) is analysed as unobserved: none of its identities'
 *    actions is called unused on the strength of the other accounts' logs.
 * 4. The Entra tenant analysed by `collect-entra` (`work/runs/<runId>/entra.json`) is merged in.
 * 5. The document is validated, recorded in the store (findings with their history, and the
 *    inventory), and written to `findings/<yyyy-mm-dd>/<runId>/` with its Markdown and HTML
 *    reports, which show what changed since the previous scan.
 *
 * Idempotent: every input is the run's, every key derives from the run id, and the store replays
 * a run it has recorded, so a retry writes the same objects and returns the same output.
 */
import {
  type AccountWork,
  readAccounts,
  readAccountUsage,
  readAccountWork,
  readOrgTrails,
  workKeys,
} from '#connectors/aws/steps/work-files.ts';
import { type Bucket, getJson, putJson, putText } from '#connectors/scan-run/bucket.ts';
import {
  EntraRunFileSchema,
  entraKey,
  FINDINGS_FILES,
  findingsBySeverity,
  findingsPrefix,
  scanTime,
} from '#connectors/scan-run/run-files.ts';
import type { RunLog } from '#connectors/scan-run/run-log.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { DAY_MS } from '#core/engine/scan.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import { mergeSnapshots } from '#core/engine/usage-snapshot.ts';
import { mergeEntraIntoDocument } from '#core/entra/analyze-tenant.ts';
import { type AccountInventory, emptyInventory } from '#core/iam/inventory.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { FindingStore } from '#core/ports/finding-store.ts';
import type { InventoryStore } from '#core/ports/inventory-store.ts';
import { renderHtml } from '#core/report/render-html.ts';
import { renderMarkdown } from '#core/report/render-markdown.ts';
import { recordScanRun } from '#core/store/record-scan.ts';
import type { AnalyzeScanOutput, RunWindow } from '#functions/shared/contract.ts';

/** What {@link analyzeRun} needs. */
export interface AnalyzeRunDeps {
  bucket: Bucket;
  store: FindingStore & InventoryStore;
  catalog: ActionCatalog;
  toolVersion: string;
  /** True when the run collected Entra: a missing `entra.json` is then a gap. */
  entra: boolean;
  log: RunLog;
}

/** A gap's `api` for a step of the run that left nothing behind. */
export const STEP_APIS = {
  collectAccount: 'leash:CollectAccount',
  readUsage: 'leash:ReadUsage',
  collectEntra: 'leash:CollectEntra',
} as const;

/**
 * Analyses the run and records it.
 * @returns the step's output: where the document is, and its counts
 * @throws Error when a work file is of another format, or the document fails its schema (a bug)
 */
export async function analyzeRun(deps: AnalyzeRunDeps, run: RunWindow): Promise<AnalyzeScanOutput> {
  const { bucket, log } = deps;
  const window = { from: run.from, to: run.to };
  const lookbackDays = Math.round((run.to - run.from) / DAY_MS);
  const gaps: CoverageGap[] = [];
  const issues: InputIssue[] = [];
  const unobserved = new Map<string, string>();

  const orgTrails = await readOrgTrails(bucket, run.runId);
  gaps.push(...orgTrails.gaps);
  const accountIds = [...new Set((await readAccounts(bucket, run.runId)).map((a) => a.accountId))];
  accountIds.sort();

  // Inventories, one account at a time.
  const inventory = emptyInventory();
  const works = new Map<string, AccountWork['usage']>();
  for (const accountId of accountIds) {
    const work = await readAccountWork(bucket, run.runId, accountId);
    if (!work) {
      // The account's iteration failed before writing (the Map tolerates failed accounts).
      gaps.push({
        provider: 'aws',
        api: STEP_APIS.collectAccount,
        account: accountId,
        reason: 'failed',
        detail: `collect-account wrote no inventory for ${accountId}: its iteration of the scan's Map failed (see the Map run of execution ${run.runId}); the account is left out of this scan`,
      });
      continue;
    }
    gaps.push(...work.gaps);
    issues.push(...work.issues);
    if (!work.inventory) continue;
    mergeInventory(inventory, work.inventory);
    if (!inventory.accountIds.includes(accountId)) inventory.accountIds.push(accountId);
    works.set(accountId, work.usage);
  }

  // Usage, one part at a time, per account so that each account's own observation is known.
  const aggregator = new UsageAggregator(deps.catalog, window);
  for (const accountId of accountIds) {
    let parts = 0;
    let inWindow = 0;
    const read = new Set<string>();
    for await (const part of readAccountUsage(bucket, run.runId, accountId)) {
      mergeSnapshots(aggregator, part.snapshot);
      gaps.push(...part.gaps);
      issues.push(...part.issues);
      parts++;
      inWindow += part.snapshot.coverage.recordsInWindow;
      for (const prefix of part.prefixes ?? []) read.add(prefix);
    }
    const usage = works.get(accountId);
    if (usage === undefined) continue; // not inventoried: nothing of it is analysed
    // A batch of folders whose step failed leaves days that would look idle: the account's
    // usage is then incomplete, and incomplete usage must never make an action look unused.
    const missing =
      usage === 'trail' && parts > 0
        ? (await readPlannedPrefixes(bucket, run.runId, accountId)).filter((p) => !read.has(p))
        : [];
    if (missing.length > 0) {
      unobserved.set(accountId, `${missing.length} of its trail folders were not read`);
      gaps.push({
        provider: 'aws',
        api: STEP_APIS.readUsage,
        account: accountId,
        reason: 'failed',
        detail: `read-trail-objects did not read ${missing.length} planned trail folder(s) of ${accountId} (first: ${missing[0]}); its batch failed (see execution ${run.runId}), so the account's actions are kept as unobservable`,
      });
    } else if (usage === 'none') {
      unobserved.set(accountId, 'no readable trail covers it and Event history was not read');
    } else if (parts === 0) {
      const step = usage === 'lookup' ? 'read-event-history' : 'read-trail-objects';
      unobserved.set(accountId, `${step} wrote no usage for it`);
      gaps.push({
        provider: 'aws',
        api: STEP_APIS.readUsage,
        account: accountId,
        reason: 'failed',
        detail: `${step} wrote no usage for ${accountId}: its step failed (see execution ${run.runId}); the account's actions are kept as unobservable`,
      });
    } else if (inWindow === 0) {
      unobserved.set(accountId, 'none of its CloudTrail records fell in the window');
    }
  }
  for (const [account, reason] of unobserved)
    log.warn('account analysed without activity', { account, reason });

  let doc = analyzeAccount({
    inventory,
    usage: aggregator,
    catalog: deps.catalog,
    window,
    lookbackDays,
    issues,
    files: { cloudtrail: aggregator.coverage.files, iam: 0, ignored: 0 },
    gaps,
    unobservedAccounts: unobserved,
    toolVersion: deps.toolVersion,
  });
  doc = await withEntra(deps, run.runId, doc);

  const parsed = FindingsDocumentSchema.safeParse(doc);
  if (!parsed.success)
    throw new Error(
      `internal error: the findings document of run ${run.runId} does not match its schema: ${parsed.error.message}`,
    );

  // Recorded first: the reports show what changed since the previous scan, and a document in
  // the bucket is always one the store knows (publish-events replays its diff from the store).
  const recorded = await recordScanRun(deps.store, doc, run.runId, scanTime(doc));
  const changes = { previous: recorded.previous, diff: recorded.diff };
  const prefix = findingsPrefix(run.runId, run.asOf);
  const key = `${prefix}${FINDINGS_FILES.json}`;
  await putJson(bucket, key, doc);
  await putText(
    bucket,
    `${prefix}${FINDINGS_FILES.markdown}`,
    renderMarkdown(doc, { changes }),
    'text/markdown; charset=utf-8',
  );
  await putText(
    bucket,
    `${prefix}${FINDINGS_FILES.html}`,
    renderHtml(doc, { changes }),
    'text/html; charset=utf-8',
  );
  const open = Object.values(findingsBySeverity(doc)).reduce((a, b) => a + b, 0);
  const output: AnalyzeScanOutput = {
    runId: run.runId,
    findings: { bucket: bucket.name, key },
    identities: doc.summary.identities,
    open,
    new: recorded.diff.newFindings.length,
    resolved: recorded.diff.resolved.length,
    gaps: doc.coverage.accessGaps.length,
  };
  log.info('scan analysed', {
    ...output,
    accounts: doc.accounts.length,
    tenants: doc.tenants?.length ?? 0,
    unobservedAccounts: unobserved.size,
    identitiesAdded: recorded.inventory.identities.added.length,
    grantsAdded: recorded.inventory.grants.added.length,
  });
  return output;
}

/**
 * Adds one account's inventory to the run's (as a live organization scan does): AWS managed
 * policies appear in every account and are kept once; trails are kept once by ARN.
 */
export function mergeInventory(into: AccountInventory, from: AccountInventory): void {
  into.users.push(...from.users);
  into.roles.push(...from.roles);
  into.groups.push(...from.groups);
  for (const [arn, p] of from.policies) if (!into.policies.has(arn)) into.policies.set(arn, p);
  into.credentialReport.push(...from.credentialReport);
  into.lastAccessed.push(...from.lastAccessed);
  into.functions.push(...from.functions);
  into.agents.push(...from.agents);
  for (const t of from.trails) if (!into.trails.some((x) => x.arn === t.arn)) into.trails.push(t);
  for (const id of from.accountIds) if (!into.accountIds.includes(id)) into.accountIds.push(id);
}

/** Merges the run's Entra analysis, or records why there is none. */
async function withEntra(
  deps: AnalyzeRunDeps,
  runId: string,
  doc: FindingsDocument,
): Promise<FindingsDocument> {
  const raw = await getJson(deps.bucket, entraKey(runId));
  if (raw === undefined) {
    if (deps.entra)
      doc.coverage.accessGaps.push({
        provider: 'entra',
        api: STEP_APIS.collectEntra,
        reason: 'failed',
        detail: `collect-entra wrote nothing for run ${runId}: its step failed (see the execution); the Entra tenant is left out of this scan`,
      });
    return doc;
  }
  const file = EntraRunFileSchema.parse(raw);
  const merged = file.analysis
    ? mergeEntraIntoDocument(doc, file.analysis, { tenantId: file.analysis.tenantId })
    : doc;
  merged.coverage.accessGaps.push(...file.gaps);
  merged.coverage.issues.push(...file.issues);
  return merged;
}

/** The folders collect-account planned for an account; none when it planned no file. */
async function readPlannedPrefixes(
  bucket: Bucket,
  runId: string,
  accountId: string,
): Promise<string[]> {
  const value = await getJson(bucket, workKeys.prefixes(runId, accountId));
  if (value === undefined) return [];
  return (value as { prefix: string }[]).map((p) => p.prefix);
}
