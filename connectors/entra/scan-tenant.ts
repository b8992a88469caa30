/**
 * The Entra scan use case: collect a tenant through Microsoft Graph, optionally read its Graph
 * activity logs, and analyse it. `leash scan --entra` and the `collect-entra` Lambda both call
 * {@link scanTenant}; each front end only decides how the Graph client signs in and where the
 * permission map and first-party app list come from.
 */
import { LOGS_QUERY_API, readGraphActivityLogs } from '#connectors/entra/activity-logs.ts';
import { collectTenant } from '#connectors/entra/collect-tenant.ts';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { analyzeTenant, type EntraAnalysis } from '#core/entra/analyze-tenant.ts';
import type { GraphRequest } from '#core/entra/model.ts';
import type { GraphPermissionMap } from '#core/entra/permission-map.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** Options of {@link scanTenant}. */
export interface ScanTenantOptions {
  tenantId: string;
  /** The observation window, epoch ms. */
  from: number;
  to: number;
  /** The analysis instant (credential expiry), epoch ms. */
  asOf: number;
  /** The request → permission map (built-in, possibly extended by an imported catalog). */
  map: GraphPermissionMap;
  /** Also read 30 days of service principal sign-in logs (see `collectTenant`). */
  signInLogs?: boolean;
  /** Read Microsoft Graph activity logs from this Log Analytics workspace. */
  logAnalytics?: { workspaceId: string; endpoint?: string };
  /** Extra CA (PEM) trusted for the Log Analytics endpoint, as for Graph. */
  ca?: string;
  /** App ids of Microsoft first-party apps: reported, never recommended for removal. */
  firstPartyAppIds?: ReadonlySet<string>;
  /** One line per step, for a person watching. Counts and ids only; never secrets. */
  log?: (line: string) => void;
}

/** What a tenant scan produced. */
export interface TenantScan {
  analysis: EntraAnalysis;
  /** Calls that could not be made (denied, unsupported, given up). */
  gaps: CoverageGap[];
  /** Records that were skipped, with where and why. */
  issues: InputIssue[];
}

/**
 * Collects and analyses one tenant. Denied calls become coverage gaps; the scan goes on.
 * @throws ConnectorError on a Graph failure that is not a gap (see `collectTenant`)
 */
export async function scanTenant(
  client: GraphClient,
  options: ScanTenantOptions,
): Promise<TenantScan> {
  const log = options.log ?? (() => {});
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  log(`Scanning Entra tenant ${options.tenantId} through Microsoft Graph`);
  const inventory = await collectTenant(client, {
    tenantId: options.tenantId,
    gaps,
    issues,
    log,
    ...(options.signInLogs ? { signInLogs: true } : {}),
  });
  let requests: GraphRequest[] | undefined;
  if (options.logAnalytics) {
    // Graph activity logs, summarized per app, method and path by the query itself, so what is
    // held here is small whatever the log volume.
    const { workspaceId, endpoint } = options.logAnalytics;
    log(`Reading Microsoft Graph activity logs from Log Analytics workspace ${workspaceId}`);
    const before = gaps.gaps.length;
    const read: GraphRequest[] = [];
    for await (const r of readGraphActivityLogs({
      workspaceId,
      credential: client.credential,
      from: options.from,
      to: options.to,
      gaps,
      ...(endpoint ? { endpoint } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      log,
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
  const analysis = analyzeTenant(inventory, requests, {
    window: { from: options.from, to: options.to },
    asOf: options.asOf,
    map: options.map,
    ...(options.firstPartyAppIds ? { firstPartyAppIds: options.firstPartyAppIds } : {}),
  });
  log(
    `Entra tenant ${options.tenantId}: ${inventory.servicePrincipals.length} service principals, ${gaps.gaps.length} coverage gaps`,
  );
  return { analysis, gaps: gaps.gaps, issues };
}
