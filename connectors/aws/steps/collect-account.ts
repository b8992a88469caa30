/**
 * The `collect-account` step of a scan run: one account's inventory, read through its scanner
 * role exactly as `leash scan --aws` reads it, and the plan of its usage: the day folders of the
 * trail that covers it in each region, or Event history when no readable trail does. An account
 * that cannot be entered is a coverage gap, never a failed step: the run goes on without it.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { TrailObjectsSource } from '#connectors/aws/cloudtrail/trail-source.ts';
import { forEachAccount } from '#connectors/aws/organizations/collect-org.ts';
import {
  type CollectedAccount,
  collectAccountInventory,
  deliversUsage,
} from '#connectors/aws/steps/account-inventory.ts';
import { accountLogRoot, type LocatedTrail, planTrailFolders } from '#connectors/aws/steps/plan.ts';
import {
  readOrgTrails,
  writeAccountWork,
  writePrefixes,
} from '#connectors/aws/steps/work-files.ts';
import type { Bucket } from '#connectors/scan-run/bucket.ts';
import { type RunLog, SILENT_LOG } from '#connectors/scan-run/run-log.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, classifyError, describeError } from '#connectors/shared/errors.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type {
  AccountItem,
  CollectAccountOutput,
  TrailPrefixItem,
} from '#functions/shared/contract.ts';

/** What the collection steps need from their caller. */
export interface StepDeps {
  /** The Leash bucket. */
  work: Bucket;
  /**
   * Clients acting as an account's scanner role.
   * @throws AssumeRoleError when the role cannot be assumed
   */
  scanner: (accountId: string) => Promise<AwsClients>;
  log?: RunLog;
}

/** Settings of {@link collectAccount}. */
export interface CollectAccountOptions {
  /** `auto`: trail files where a readable trail covers the account, else Event history. */
  usage: 'auto' | 'trail' | 'lookup';
  /** Regions to scan instead of the account's enabled regions. */
  regions?: string[];
  lastAccessed?: 'off' | 'service' | 'action';
  now?: () => number;
}

/**
 * Inventories one account and plans its usage; writes `inventory/<account>.json` and, when its
 * usage comes from trail files, `prefixes/<account>.json`.
 * @throws only when the Leash bucket cannot be read or written (the step is then retried)
 */
export async function collectAccount(
  item: AccountItem,
  deps: StepDeps,
  options: CollectAccountOptions,
): Promise<CollectAccountOutput> {
  const { runId, accountId } = item;
  const log = deps.log ?? SILENT_LOG;
  const now = options.now ?? Date.now;
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  // One account through the same fan-out as the CLI's organization scan: a role that cannot be
  // assumed, or an IAM failure that is no gap, becomes the account's gap.
  const [result] = await forEachAccount(
    [{ id: accountId }],
    async () => {
      const clients = await deps.scanner(accountId);
      const collected = await collectAccountInventory(clients, {
        accountId,
        gaps,
        issues,
        now,
        ...(options.regions ? { regions: options.regions } : {}),
        ...(options.lastAccessed ? { lastAccessed: options.lastAccessed } : {}),
        log: (line) => log.debug(line),
      });
      return { clients, collected };
    },
    { concurrency: 1, gaps },
  );
  if (!result?.ok) {
    log.warn('account not collected: coverage gap recorded', { accountId });
    await writeAccountWork(deps.work, {
      runId,
      accountId,
      usage: 'none',
      regions: [],
      inventory: null,
      gaps: gaps.gaps,
      issues,
    });
    return output(item, 'none', null, 0, 0, gaps.gaps.length);
  }
  const { clients, collected } = result.value;
  if (!collected.inventory.accountIds.includes(accountId))
    collected.inventory.accountIds.push(accountId);

  let folders: TrailPrefixItem[] = [];
  if (options.usage !== 'lookup') {
    const trails = await usableTrails(item, collected, clients, deps, gaps);
    folders = planTrailFolders({
      runId,
      accountId,
      regions: collected.regions,
      trails,
      from: item.from,
      to: item.to,
      now: now(),
    });
  }
  const usage = folders.length > 0 ? 'trail' : options.usage === 'trail' ? 'none' : 'lookup';
  await writeAccountWork(deps.work, {
    runId,
    accountId,
    usage,
    regions: collected.regions,
    inventory: collected.inventory,
    gaps: gaps.gaps,
    issues,
  });
  const prefixes =
    usage === 'trail' ? await writePrefixes(deps.work, runId, accountId, folders) : null;
  const identities = collected.inventory.users.length + collected.inventory.roles.length;
  log.info('account collected', { accountId, usage, folders: folders.length, identities });
  return output(item, usage, prefixes, folders.length, identities, gaps.gaps.length);
}

function output(
  item: AccountItem,
  usage: CollectAccountOutput['usage'],
  prefixes: CollectAccountOutput['prefixes'],
  prefixCount: number,
  identities: number,
  gaps: number,
): CollectAccountOutput {
  return {
    runId: item.runId,
    accountId: item.accountId,
    usage,
    prefixes,
    prefixCount,
    identities,
    gaps,
  };
}

/**
 * The trails whose files may hold the account's records and whose account folder its reader
 * can list: the organization trails `start-scan` found, and the account's own trails.
 */
async function usableTrails(
  item: AccountItem,
  collected: CollectedAccount,
  clients: AwsClients,
  deps: StepDeps,
  gaps: GapRecorder,
): Promise<LocatedTrail[]> {
  const { accountId } = item;
  // The file's gaps (organization trails that could not be located) are the run's, reported
  // once by analyze-scan, not by every account.
  const org = await readOrgTrails(deps.work, item.runId);
  const candidates: LocatedTrail[] = [...org.trails];
  for (const trail of collected.inventory.trails) {
    if (!deliversUsage(trail) || candidates.some((c) => c.trail.arn === trail.arn)) continue;
    const located = await locateTrail(clients, trail, gaps);
    if (located) candidates.push(located);
  }
  const readers = new Map<string, Promise<AwsClients | undefined>>([
    [accountId, Promise.resolve(clients)],
  ]);
  const reader = (id: string) => {
    let r = readers.get(id);
    if (!r) {
      r = deps.scanner(id).catch((err: unknown) => {
        gaps.add({
          provider: 'aws',
          api: 'sts:AssumeRole',
          account: id,
          reason: classifyError(err) === 'access-denied' ? 'access-denied' : 'failed',
          detail: `trail logs of ${accountId} not read: ${describeError(err)}`,
        });
        return undefined;
      });
      readers.set(id, r);
    }
    return r;
  };
  const usable: LocatedTrail[] = [];
  for (const c of candidates) {
    const r = await reader(c.readerAccountId);
    if (r && (await canList(r, c, accountId, gaps))) usable.push(c);
  }
  return usable;
}

/**
 * Finds the bucket region and organization folders of one of the account's own trails.
 * @returns undefined when the bucket cannot be found or listed (a gap says why)
 */
export async function locateTrail(
  clients: AwsClients,
  trail: TrailInfo,
  gaps: GapRecorder,
): Promise<LocatedTrail | undefined> {
  const source = new TrailObjectsSource(clients, {
    trail,
    accounts: [],
    regions: [],
    from: 0,
    to: 0,
    gaps,
  });
  const where = await source.locate();
  return where
    ? {
        trail,
        readerAccountId: trail.accountId,
        bucketRegion: where.region,
        organizationIds: where.organizationIds,
      }
    : undefined;
}

/**
 * Lists one key of the account's log folder, so that a bucket Leash may not read is known now
 * (and Event history used instead) rather than after every folder has failed.
 */
async function canList(
  clients: AwsClients,
  located: LocatedTrail,
  accountId: string,
  gaps: GapRecorder,
): Promise<boolean> {
  const bucket = located.trail.s3BucketName!;
  const prefix = accountLogRoot(located, accountId);
  try {
    await clients
      .s3(located.bucketRegion)
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    return true;
  } catch (err) {
    const kind = classifyError(err);
    if (kind === 'fatal')
      throw new ConnectorError(
        `s3:ListObjectsV2 of s3://${bucket}/${prefix} failed: ${describeError(err)}`,
        's3:ListObjectsV2',
        { cause: err },
      );
    gaps.add({
      provider: 'aws',
      api: 's3:ListObjectsV2',
      account: accountId,
      region: located.bucketRegion,
      reason: kind === 'access-denied' || kind === 'unsupported' ? kind : 'failed',
      detail: `trail logs of ${accountId} in s3://${bucket}/${prefix} not read: ${describeError(err)}`,
    });
    return false;
  }
}
