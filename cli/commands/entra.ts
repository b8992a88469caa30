/**
 * The Entra part of `leash scan`: builds the Graph client from the command's options, collects
 * the tenant, and analyses it with the same rules as every other front end would. A thin adapter.
 */
import { readFile } from 'node:fs/promises';
import { loadGraphPermissionMap } from '#cli/commands/graph-permissions.ts';
import { UsageError } from '#cli/errors.ts';
import { LOGS_QUERY_API, readGraphActivityLogs } from '#connectors/entra/activity-logs.ts';
import { collectTenant } from '#connectors/entra/collect-tenant.ts';
import { createGraphClient, type GraphAuth } from '#connectors/entra/graph-client.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { analyzeTenant, type EntraAnalysis } from '#core/entra/analyze-tenant.ts';
import { firstPartyAppIdsFrom } from '#core/entra/classify.ts';
import type { GraphRequest } from '#core/entra/model.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** Entra options of `leash scan`. */
export interface EntraScanOptions {
  tenantId?: string;
  clientId?: string;
  clientSecretFile?: string;
  certificate?: string;
  federatedTokenFile?: string;
  authorityHost?: string;
  graphUrl?: string;
  caFile?: string;
  firstPartyApps?: string;
  graphPermissions?: string;
  logAnalyticsWorkspace?: string;
  logAnalyticsEndpoint?: string;
  signInLogs?: boolean;
}

/** Environment the Entra scan may read (the CLI passes process.env). */
export interface EntraEnv {
  LEASH_ENTRA_CLIENT_SECRET?: string | undefined;
  AZURE_FEDERATED_TOKEN_FILE?: string | undefined;
}

/** Chooses the credential: certificate, federated token file, secret file, or secret from the environment. */
export async function entraAuth(opts: EntraScanOptions, env: EntraEnv): Promise<GraphAuth> {
  if (opts.certificate) return { kind: 'certificate', certificatePath: opts.certificate };
  const tokenFile = opts.federatedTokenFile ?? env.AZURE_FEDERATED_TOKEN_FILE;
  if (tokenFile) {
    // Workload identity federation: the token file is rotated by the platform, so read it anew.
    return {
      kind: 'assertion',
      getAssertion: async () => (await readFile(tokenFile, 'utf8')).trim(),
    };
  }
  if (opts.clientSecretFile) {
    const secret = (await readFile(opts.clientSecretFile, 'utf8')).trim();
    if (!secret) throw new UsageError(`--client-secret-file ${opts.clientSecretFile} is empty`);
    return { kind: 'secret', secret };
  }
  if (env.LEASH_ENTRA_CLIENT_SECRET)
    return { kind: 'secret', secret: env.LEASH_ENTRA_CLIENT_SECRET };
  throw new UsageError(
    '--entra needs a credential: --certificate <pem>, --federated-token-file <path> (or AZURE_FEDERATED_TOKEN_FILE), --client-secret-file <path>, or LEASH_ENTRA_CLIENT_SECRET. Secrets are never taken on the command line.',
  );
}

/**
 * Collects and analyses a tenant.
 * @returns the analysis, and the calls that could not be made
 */
export async function scanEntra(
  opts: EntraScanOptions,
  ctx: { from: number; to: number; asOf: number; env: EntraEnv; log: (line: string) => void },
): Promise<{ analysis: EntraAnalysis; gaps: CoverageGap[]; issues: InputIssue[] }> {
  if (!opts.tenantId || !opts.clientId)
    throw new UsageError(
      '--entra needs --tenant-id and --client-id (the app registration Leash signs in as)',
    );
  const auth = await entraAuth(opts, ctx.env);
  const ca = opts.caFile ? await readFile(opts.caFile, 'utf8') : undefined;
  const client = createGraphClient({
    tenantId: opts.tenantId,
    clientId: opts.clientId,
    auth,
    ...(opts.authorityHost ? { authorityHost: opts.authorityHost } : {}),
    ...(opts.graphUrl ? { graphBaseUrl: opts.graphUrl } : {}),
    ...(ca ? { ca } : {}),
  });
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  ctx.log(`Scanning Entra tenant ${opts.tenantId} through Microsoft Graph`);
  const inventory = await collectTenant(client, {
    tenantId: opts.tenantId,
    gaps,
    issues,
    log: ctx.log,
    ...(opts.signInLogs ? { signInLogs: true } : {}),
  });
  const map = await loadGraphPermissionMap(
    opts.graphPermissions ? { file: opts.graphPermissions } : {},
  );
  let requests: GraphRequest[] | undefined;
  if (opts.logAnalyticsWorkspace) {
    // Graph activity logs, summarized per app, method and path by the query itself, so what is
    // held here is small whatever the log volume.
    ctx.log(
      `Reading Microsoft Graph activity logs from Log Analytics workspace ${opts.logAnalyticsWorkspace}`,
    );
    const before = gaps.gaps.length;
    const read: GraphRequest[] = [];
    for await (const r of readGraphActivityLogs({
      workspaceId: opts.logAnalyticsWorkspace,
      credential: client.credential,
      from: ctx.from,
      to: ctx.to,
      gaps,
      ...(opts.logAnalyticsEndpoint ? { endpoint: opts.logAnalyticsEndpoint } : {}),
      ...(ca ? { ca } : {}),
      log: ctx.log,
    })) {
      read.push(r);
    }
    // Logs that could not be read at all leave every permission unobservable, as without them.
    const stopped = gaps.gaps
      .slice(before)
      .some((g) => g.api === LOGS_QUERY_API && g.reason !== 'failed');
    if (!stopped) {
      requests = read;
      inventory.activityLogs = true;
    }
  }
  const firstPartyAppIds = opts.firstPartyApps
    ? firstPartyAppIdsFrom(await readFile(opts.firstPartyApps, 'utf8'))
    : undefined;
  const analysis = analyzeTenant(inventory, requests, {
    window: { from: ctx.from, to: ctx.to },
    asOf: ctx.asOf,
    map,
    ...(firstPartyAppIds ? { firstPartyAppIds } : {}),
  });
  ctx.log(
    `Entra tenant ${opts.tenantId}: ${inventory.servicePrincipals.length} service principals, ${gaps.gaps.length} coverage gaps`,
  );
  return { analysis, gaps: gaps.gaps, issues };
}
