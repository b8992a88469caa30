/**
 * `leash scan`: scans exported AWS files (--from), a live AWS account or organization (--aws),
 * a Microsoft Entra tenant (--entra) and a GitHub organization (--github), records the scan in the store (`.leash/store` unless
 * --store/--store-path say otherwise) and writes findings.json and the reports, which show what
 * changed since the previous scan. A thin adapter: it parses options, wires sources to the use
 * cases (`runScan`, `analyzeTenant`, `scanGitHubOrg`, `recordScanRun`), writes.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { type EntraScanOptions, scanEntra } from '#cli/commands/entra.ts';
import { captureAwsRoles, type GitHubScanOptions, scanGitHub } from '#cli/commands/github.ts';
import { UsageError } from '#cli/errors.ts';
import { createProgressBar } from '#cli/progress.ts';
import { newRunId, type OpenedStore, openStore, type StoreOptions } from '#cli/store.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { AwsLiveSource } from '#connectors/aws/live-scan.ts';
import { DAY_MS, runScan } from '#core/engine/scan.ts';
import { buildEntraDocument, mergeEntraIntoDocument } from '#core/entra/analyze-tenant.ts';
import type { IamRole } from '#core/iam/inventory.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { renderHtml } from '#core/report/render-html.ts';
import { renderMarkdown } from '#core/report/render-markdown.ts';
import { buildGitHubDocument, mergeGitHubIntoDocument } from '#core/saas/github/merge.ts';
import { type RecordedScan, recordScanRun } from '#core/store/record-scan.ts';

/** Options of `leash scan`, as commander gives them. */
export interface ScanCommandOptions extends EntraScanOptions, GitHubScanOptions, StoreOptions {
  from?: string;
  aws?: boolean;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  regions?: string;
  org?: boolean;
  orgRole?: string;
  usage?: string;
  endpointUrl?: string;
  entra?: boolean;
  out: string;
  asOf?: string;
  lookback: string;
  format: string;
  progress: boolean;
}

const FORMATS = ['json', 'md', 'html'] as const;

/** Parses `90d`, `12w` or `30` (days) into days. */
export function parseLookback(text: string): number {
  const m = /^(\d+)\s*([dw]?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--lookback must look like 90d or 12w, not "${text}"`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'w' ? 7 : 1);
  if (n < 1 || n > 3650) throw new UsageError('--lookback must be between 1 day and 10 years');
  return n;
}

/** Parses --as-of: a date (end of that day, UTC) or a date-time. */
export function parseAsOf(text: string | undefined, now: number): number {
  if (text === undefined) return now;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T23:59:59.999Z` : text);
  if (Number.isNaN(ms))
    throw new UsageError(
      `--as-of must be an ISO date or date-time such as 2026-11-15 or 2026-11-15T00:00:00Z, not "${text}"`,
    );
  return ms;
}

/** Parses --format into a list of known formats (json is always written). */
export function parseFormats(text: string): Set<(typeof FORMATS)[number]> {
  const out = new Set<(typeof FORMATS)[number]>(['json']);
  for (const part of text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    if (!(FORMATS as readonly string[]).includes(part))
      throw new UsageError(`--format accepts ${FORMATS.join(', ')}; "${part}" is not one of them`);
    out.add(part as (typeof FORMATS)[number]);
  }
  return out;
}

/**
 * Runs the command.
 * @returns the exit code
 */
export async function scanCommand(
  opts: ScanCommandOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; version: string },
): Promise<number> {
  const lookbackDays = parseLookback(opts.lookback);
  const asOf = parseAsOf(opts.asOf, Date.now());
  const formats = parseFormats(opts.format);
  if (opts.from && opts.aws) {
    throw new UsageError('give --from <dir> (exported files) or --aws (live account), not both');
  }
  if (!opts.from && !opts.aws && !opts.entra && !opts.github) {
    throw new UsageError(
      'say what to scan: --from <dir> (exported AWS files), --aws (live AWS), --entra (a Microsoft Entra tenant), --github <org> (a GitHub organization), or several of them into one findings.json',
    );
  }
  // Opened before the scan, so a store another scan holds fails fast rather than after it.
  const opened = await openStore(opts);
  try {
    return await scanInto(opened, opts, { ...io, lookbackDays, asOf, formats });
  } finally {
    await opened.close();
  }
}

/** Scans, records the scan in the store, and writes the document and the reports. */
async function scanInto(
  opened: OpenedStore,
  opts: ScanCommandOptions,
  io: {
    stdout: NodeJS.WriteStream;
    stderr: NodeJS.WriteStream;
    version: string;
    lookbackDays: number;
    asOf: number;
    formats: Set<(typeof FORMATS)[number]>;
  },
): Promise<number> {
  const { lookbackDays, asOf, formats } = io;
  const started = Date.now();
  const progress = opts.progress ? createProgressBar(io.stderr, started) : undefined;
  const catalog = await loadCatalog();
  const ctx: ScanContext = {
    asOf,
    lookbackDays,
    catalog,
    version: io.version,
    stderr: io.stderr,
    progress,
    awsRoles: () => undefined,
  };
  const window = { from: asOf - lookbackDays * DAY_MS, to: asOf };
  const entra = opts.entra
    ? await scanEntra(opts, {
        ...window,
        asOf,
        env: process.env,
        log: (line) => io.stderr.write(`${line}\n`),
      })
    : undefined;
  const documentOptions = {
    toolVersion: io.version,
    catalogVersion: catalog.version,
    window,
    lookbackDays,
  };
  let doc: FindingsDocument | undefined;
  if (opts.aws || opts.from) {
    doc = opts.aws ? await scanLive(opts, ctx) : await scanFiles(opts.from!, ctx);
    if (entra)
      doc = mergeEntraIntoDocument(doc, entra.analysis, { tenantId: entra.analysis.tenantId });
  } else if (entra) {
    doc = buildEntraDocument(entra.analysis, documentOptions);
  }
  if (doc && entra) {
    doc.coverage.accessGaps.push(...entra.gaps);
    doc.coverage.issues.push(...entra.issues);
  }
  if (opts.github) {
    // After AWS, so the Actions OIDC trusts join the roles this scan just read.
    const roles = ctx.awsRoles();
    const { analysis } = await scanGitHub(opts, {
      ...window,
      asOf,
      env: process.env,
      log: (line) => io.stderr.write(`${line}\n`),
      ...(roles ? { awsRoles: roles } : {}),
    });
    doc = doc
      ? mergeGitHubIntoDocument(doc, analysis)
      : buildGitHubDocument(analysis, documentOptions);
  }
  if (!doc) throw new Error('internal error: nothing was scanned');
  progress?.done();
  const parsed = FindingsDocumentSchema.safeParse(doc);
  if (!parsed.success)
    throw new Error(
      `internal error: the findings document does not match its schema: ${parsed.error.message}`,
    );

  const recorded = await recordScanRun(opened.store, doc, newRunId(), asOf);

  const out = resolve(opts.out);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    await writeFile(join(out, name), text);
    written.push(join(out, name));
  };
  await write('findings.json', `${JSON.stringify(doc, null, 2)}\n`);
  if (formats.has('md'))
    await write('report.md', renderMarkdown(doc, { changes: recorded, catalog }));
  if (formats.has('html'))
    await write('report.html', renderHtml(doc, { changes: recorded, catalog }));

  const secs = (Date.now() - started) / 1000;
  summarize(doc, secs, io.stderr);
  for (const line of describeChanges(recorded, opened.label)) io.stderr.write(`${line}\n`);
  for (const w of written) io.stdout.write(`${w}\n`);
  return 0;
}

interface ScanContext {
  asOf: number;
  lookbackDays: number;
  catalog: Awaited<ReturnType<typeof loadCatalog>>;
  version: string;
  stderr: NodeJS.WriteStream;
  progress: ReturnType<typeof createProgressBar> | undefined;
  /** The AWS roles the scan read, once it has (the GitHub scan joins its OIDC trusts to them). */
  awsRoles: () => readonly IamRole[] | undefined;
}

async function scanFiles(fromArg: string, ctx: ScanContext): Promise<FindingsDocument> {
  const from = resolve(fromArg);
  const st = await stat(from).catch(() => undefined);
  if (!st)
    throw new UsageError(
      `--from ${fromArg} does not exist; point it at a folder of AWS exports (see README, "Scanning your own account")`,
    );
  const source = new ExportDirectory(from, ctx.progress ? { onProgress: ctx.progress.report } : {});
  const captured = captureAwsRoles(source);
  ctx.awsRoles = captured.roles;
  const listIssues: InputIssue[] = [];
  const files = await source.list(listIssues);
  const count = (k: string) => files.filter((f) => f.kind === k).length;
  ctx.stderr.write(
    `Scanning ${from}: ${count('cloudtrail')} CloudTrail files, ${files.length - count('cloudtrail') - count('ignored')} IAM files, window ${ctx.lookbackDays} days to ${new Date(ctx.asOf).toISOString()}\n`,
  );
  const doc = await runScan(
    {
      grants: captured.source,
      usage: source,
      catalog: ctx.catalog,
      ...(ctx.progress ? { progress: ctx.progress.report } : {}),
    },
    {
      asOf: ctx.asOf,
      lookbackDays: ctx.lookbackDays,
      toolVersion: ctx.version,
      files: () => ({
        cloudtrail: count('cloudtrail'),
        iam: files.length - count('cloudtrail') - count('ignored'),
        ignored: count('ignored'),
      }),
    },
  );
  doc.coverage.issues.unshift(...listIssues);
  return doc;
}

async function scanLive(opts: ScanCommandOptions, ctx: ScanContext): Promise<FindingsDocument> {
  const usage = opts.usage ?? 'auto';
  if (usage !== 'auto' && usage !== 'trail' && usage !== 'lookup')
    throw new UsageError(`--usage accepts auto, trail or lookup, not "${usage}"`);
  const regions = opts.regions
    ?.split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const base = fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {});
  const credentials = opts.roleArn
    ? fromTemporaryCredentials({
        masterCredentials: base,
        params: {
          RoleArn: opts.roleArn,
          RoleSessionName: 'leash-scan',
          ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
        },
        ...(opts.endpointUrl
          ? { clientConfig: { endpoint: opts.endpointUrl, region: 'us-east-1' } }
          : {}),
      })
    : base;
  const clients = new AwsClients({
    credentials,
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  });
  const window = { from: ctx.asOf - ctx.lookbackDays * DAY_MS, to: ctx.asOf };
  const source = new AwsLiveSource(clients, {
    ...window,
    usage,
    ...(regions?.length ? { regions } : {}),
    ...(opts.org
      ? {
          org: {
            roleName: opts.orgRole ?? 'LeashScanRole',
            ...(opts.externalId ? { externalId: opts.externalId } : {}),
          },
        }
      : {}),
    ...(ctx.progress ? { onProgress: ctx.progress.report } : {}),
    log: (line) => ctx.stderr.write(`${line}\n`),
  });
  const captured = captureAwsRoles(source);
  ctx.awsRoles = captured.roles;
  ctx.stderr.write(
    `Scanning AWS${opts.org ? ' organization' : ''} live, window ${ctx.lookbackDays} days to ${new Date(ctx.asOf).toISOString()}\n`,
  );
  try {
    return await runScan(
      {
        grants: captured.source,
        usage: source,
        catalog: ctx.catalog,
        ...(ctx.progress ? { progress: ctx.progress.report } : {}),
      },
      {
        asOf: ctx.asOf,
        lookbackDays: ctx.lookbackDays,
        toolVersion: ctx.version,
        gaps: () => source.gaps.gaps,
      },
    );
  } finally {
    clients.destroy();
  }
}

function summarize(doc: FindingsDocument, secs: number, stderr: NodeJS.WriteStream): void {
  const s = doc.summary;
  const c = doc.coverage;
  const sev = ['critical', 'high', 'medium', 'low', 'info']
    .filter((k) => s.findingsBySeverity[k])
    .map((k) => `${s.findingsBySeverity[k]} ${k}`);
  // CloudTrail figures only when AWS was scanned: an Entra or GitHub scan reads no records.
  if (doc.accounts.length > 0 || c.records.read > 0)
    stderr.write(
      `Read ${c.records.read.toLocaleString('en-US')} records in ${secs.toFixed(1)} s; ${c.records.inWindow.toLocaleString('en-US')} in the window, mapping rate ${c.mappingRate === null ? 'n/a' : `${(c.mappingRate * 100).toFixed(2)}%`}.\n`,
    );
  else stderr.write(`Scanned in ${secs.toFixed(1)} s.\n`);
  stderr.write(
    `${s.identities} identities (${Object.entries(s.byClass)
      .map(([k, v]) => `${v} ${k}`)
      .join(
        ', ',
      )}); findings: ${sev.join(', ') || 'none'}; ${s.unusedActions} unused actions to remove, ${s.unobservableActions} kept as unobservable.\n`,
  );
  for (const g of c.accessGaps.slice(0, 10))
    stderr.write(
      `gap: ${g.reason} ${g.api}${g.account ? ` in ${g.account}` : ''}${g.region ? `/${g.region}` : ''}: ${g.detail}\n`,
    );
  if (c.accessGaps.length > 10)
    stderr.write(
      `gap: and ${c.accessGaps.length - 10} more (coverage.accessGaps in findings.json)\n`,
    );
  for (const g of c.gaps) stderr.write(`note: ${g}\n`);
  if (c.issues.length > 0) {
    const first = c.issues[0]!;
    stderr.write(
      `warning: ${c.issues.length} input problems were skipped and recorded in findings.json (coverage.issues); first: ${first.file}${first.location ? ` ${first.location}` : ''}: ${first.detail}\n`,
    );
  }
}

/** `1 finding`, `2 findings`. */
function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Most new and resolved findings named on stderr; the reports list more. */
const MAX_CHANGES_PRINTED = 10;

/**
 * What the scan changed, for stderr: counts since the previous scan of the same accounts and
 * tenants (or that this is the first), the inventory's changes, and the first few findings.
 * @param store how to name the store (`.leash/store`, `memory`)
 */
export function describeChanges(recorded: RecordedScan, store: string): string[] {
  const { diff, previous, inventory } = recorded;
  const ids = inventory.identities;
  const grants = inventory.grants;
  if (!previous) {
    const kept = store === 'memory' ? 'memory store, kept for this run only' : `store ${store}`;
    return [
      `First recorded scan of these accounts and tenants (${kept}): ${count(diff.newFindings.length, 'finding')}, ${count(ids.present, 'identity', 'identities')} and ${count(grants.present, 'grant')} recorded.`,
    ];
  }
  const lines = [
    `Since the previous scan (${new Date(previous.at).toISOString()}, run ${previous.runId}; store ${store}): ${diff.newFindings.length} new, ${diff.resolved.length} resolved, ${diff.persisting} persisting.`,
    `Inventory: ${count(ids.added.length, 'identity', 'identities')} added, ${ids.removed.length} removed; ${count(grants.added.length, 'grant')} added, ${grants.removed.length} removed.`,
  ];
  const named = [
    ...diff.newFindings.map((f) => ({ change: 'new', f })),
    ...diff.resolved.map((f) => ({ change: 'resolved', f })),
  ];
  for (const { change, f } of named.slice(0, MAX_CHANGES_PRINTED))
    lines.push(
      `  ${change}: ${f.finding.severity} ${f.finding.ruleId} ${f.identityName}: ${f.finding.title}`,
    );
  if (named.length > MAX_CHANGES_PRINTED)
    lines.push(`  and ${named.length - MAX_CHANGES_PRINTED} more (see the report)`);
  return lines;
}
