/**
 * The GitHub scan use case: collect an organization through the REST API and analyse it,
 * joined with the AWS roles scanned alongside. `leash scan --github` calls {@link scanGitHubOrg};
 * the front end only decides how the client signs in.
 */
import type { GitHubClient } from '#connectors/saas/github/client.ts';
import { type CollectOrgOptions, collectGitHubOrg } from '#connectors/saas/github/collect-org.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import type { IamRole } from '#core/iam/inventory.ts';
import { analyzeGitHubOrg, type GitHubAnalysis } from '#core/saas/github/analyze-org.ts';
import type { GitHubInventory } from '#core/saas/github/model.ts';

/** Options of {@link scanGitHubOrg}. */
export interface ScanGitHubOrgOptions extends Omit<CollectOrgOptions, 'gaps' | 'window'> {
  /** The observation window, epoch ms. */
  from: number;
  to: number;
  /** The analysis instant, epoch ms. */
  asOf: number;
  /** AWS roles scanned with it, for the Actions OIDC join; undefined when none were. */
  awsRoles?: readonly IamRole[];
}

/** What an organization scan produced. */
export interface GitHubOrgScan {
  analysis: GitHubAnalysis;
  inventory: GitHubInventory;
}

/**
 * Collects and analyses one organization. Denied and plan-gated calls become coverage gaps
 * (in `analysis.accessGaps`); the scan goes on.
 * @throws ConnectorError on rejected credentials or a failure that is not a gap
 */
export async function scanGitHubOrg(
  client: GitHubClient,
  options: ScanGitHubOrgOptions,
): Promise<GitHubOrgScan> {
  const { from, to, asOf, awsRoles, ...collect } = options;
  const window = { from, to };
  const inventory = await collectGitHubOrg(client, { ...collect, window, gaps: new GapRecorder() });
  // A GitHub Enterprise Server issues Actions tokens as https://HOST/_services/token.
  const providerHosts = client.host === 'github.com' ? [] : [`${client.host}/_services/token`];
  const analysis = analyzeGitHubOrg(inventory, {
    window,
    asOf,
    ...(awsRoles ? { awsRoles } : {}),
    providerHosts,
  });
  return { analysis, inventory };
}
