/**
 * One account's inventory, read exactly one way whoever asks: `leash scan --aws` (live-scan.ts)
 * for each account it scans, and the `collect-account` step of the scan state machine. IAM comes
 * first and must complete (an account whose identities are known must also have its usage read);
 * Lambda, Bedrock and CloudTrail's trail descriptions follow, each of which may fail on its own
 * without costing the account its identities.
 */
import { collectAgents } from '#connectors/aws/bedrock/collect-agents.ts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { describeTrails } from '#connectors/aws/cloudtrail/trails.ts';
import { collectIam } from '#connectors/aws/iam/collect-iam.ts';
import { collectFunctions } from '#connectors/aws/lambda/collect-functions.ts';
import { enabledRegions } from '#connectors/aws/regions.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, describeError } from '#connectors/shared/errors.ts';
import { type AccountInventory, emptyInventory, type TrailInfo } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** Options of {@link collectAccountInventory}. */
export interface AccountInventoryOptions {
  accountId: string;
  gaps: GapRecorder;
  issues: InputIssue[];
  now: () => number;
  /** Regions to scan instead of the account's enabled regions. */
  regions?: string[];
  lastAccessed?: 'off' | 'service' | 'action';
  /** Writes one line per step, for a person watching. */
  log?: (line: string) => void;
}

/** An account's inventory and the regions it was read in. */
export interface CollectedAccount {
  accountId: string;
  regions: string[];
  /** IAM (users, roles, groups, policies, credentials, last accessed), functions, agents, trails. */
  inventory: AccountInventory;
}

/**
 * Reads one account: its enabled regions, its IAM inventory, then its Lambda functions, AI agents
 * and the trails whose home region is one of its regions.
 * @throws ConnectorError when IAM fails in a way that is not a coverage gap (the caller records
 *   the account as failed: see `forEachAccount`)
 */
export async function collectAccountInventory(
  clients: AwsClients,
  options: AccountInventoryOptions,
): Promise<CollectedAccount> {
  const { accountId, gaps, issues, now } = options;
  const log = options.log ?? (() => {});
  const regions = await enabledRegions(clients, {
    accountId,
    gaps,
    ...(options.regions ? { override: options.regions } : {}),
  });
  log(`Account ${accountId}: ${regions.length} regions`);
  const inventory = emptyInventory();
  await collectIam(
    clients,
    { accountId, gaps, issues, now, lastAccessed: options.lastAccessed ?? 'action' },
    inventory,
  );
  const [functions, agents, trails] = await Promise.all([
    inventoryPart(accountId, gaps, 'lambda:ListFunctions', () =>
      collectFunctions(clients, { accountId, regions, gaps }),
    ),
    inventoryPart(accountId, gaps, 'bedrock:ListAgents', () =>
      collectAgents(clients, { accountId, regions, gaps }),
    ),
    inventoryPart(accountId, gaps, 'cloudtrail:DescribeTrails', () =>
      describeTrails(clients, { accountId, regions, gaps }),
    ),
  ]);
  inventory.functions.push(...functions);
  inventory.agents.push(...agents);
  inventory.trails.push(...trails);
  log(
    `Account ${accountId}: ${inventory.users.length} users, ${inventory.roles.length} roles, ${functions.length} functions, ${agents.length} agents, ${trails.length} trails`,
  );
  return { accountId, regions, inventory };
}

/**
 * Runs one non-IAM part of an account's inventory. A failure that is not a gap already (a
 * service error the connector could not classify) becomes a `failed` gap: the account's
 * identities and usage are still scanned without it.
 */
async function inventoryPart<T>(
  account: string,
  gaps: GapRecorder,
  api: string,
  fn: () => Promise<T[]>,
): Promise<T[]> {
  try {
    return await fn();
  } catch (err) {
    gaps.add({
      provider: 'aws',
      api,
      account,
      reason: 'failed',
      detail: describeError(err instanceof ConnectorError && err.cause ? err.cause : err),
    });
    return [];
  }
}

/**
 * True when a trail's S3 files can hold an account's usage: it is logging (or its status is
 * unknown), delivers to S3, and records management events.
 */
export function deliversUsage(trail: TrailInfo): boolean {
  return trail.isLogging !== false && !!trail.s3BucketName && trail.managementEvents !== 'None';
}

/**
 * Adds one account's inventory to a scan's (organization scans: the inventories of the run's
 * accounts, one by one). Managed policies (AWS managed ones recur in every account), trails (an
 * organization trail may be described by more than one account) and account ids are kept once.
 */
export function mergeAccountInventory(into: AccountInventory, from: AccountInventory): void {
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
