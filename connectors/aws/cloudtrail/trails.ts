/**
 * Finds an account's CloudTrail trails and what each records: bucket and prefix of its log
 * files, whether it is logging, and which management and data events its selectors select.
 */
import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  type GetEventSelectorsCommandOutput,
  GetTrailStatusCommand,
  type GetTrailStatusCommandOutput,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { summarizeEventSelectors } from '#connectors/aws/cloudtrail/event-selectors.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { classifyError } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';

/** Options of {@link describeTrails}. */
export interface DescribeTrailsOptions {
  /** The account whose trails are described (for gaps). */
  accountId: string;
  /** Regions to look in; a trail is found in its home region. */
  regions: readonly string[];
  /** Receives denied and unsupported calls. */
  gaps: GapRecorder;
  /** Concurrent calls (default 4). */
  parallel?: number;
}

/** A trail deleted between DescribeTrails and a later call. */
const GONE = Symbol('gone');

/**
 * Describes the trails whose home region is one of `regions`, sorted by ARN.
 *
 * DescribeTrails is called with `includeShadowTrails: false`, so each trail appears once, in
 * its home region, where GetTrailStatus and GetEventSelectors are then called. An organization
 * trail is therefore found in the management account (or a delegated administrator), not in
 * member accounts, where it is only a shadow.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
 *
 * A denied call becomes a gap: a region whose DescribeTrails is denied contributes no trails; a
 * trail whose GetEventSelectors is denied is reported as recording no management and no data
 * events, so that nothing is claimed observable that might not be.
 */
export async function describeTrails(
  clients: AwsClients,
  options: DescribeTrailsOptions,
): Promise<TrailInfo[]> {
  const { accountId: account, gaps } = options;
  const parallel = options.parallel ?? 4;
  const regions = [...new Set(options.regions)];
  const lists = await mapLimit(regions, parallel, (region) =>
    gaps.guard('cloudtrail:DescribeTrails', { account, region }, () =>
      clients.cloudtrail(region).send(new DescribeTrailsCommand({ includeShadowTrails: false })),
    ),
  );
  // Dedupe by ARN: with shadow trails excluded a trail should come once, but a multi-region
  // trail must never be read twice if a service returns it from several regions.
  const byArn = new Map<string, { trail: Trail; home: string }>();
  for (const [i, out] of lists.entries()) {
    for (const trail of out?.trailList ?? []) {
      if (!trail.TrailARN || byArn.has(trail.TrailARN)) continue;
      byArn.set(trail.TrailARN, { trail, home: trail.HomeRegion ?? regions[i]! });
    }
  }
  const found = [...byArn.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const infos = await mapLimit(found, parallel, ([arn, { trail, home }]) =>
    describeOne(clients, arn, trail, home, account, gaps),
  );
  return infos.filter((t): t is TrailInfo => t !== undefined);
}

async function describeOne(
  clients: AwsClients,
  arn: string,
  trail: Trail,
  home: string,
  account: string,
  gaps: GapRecorder,
): Promise<TrailInfo | undefined> {
  const where = { account, region: home };
  const client = clients.cloudtrail(home);
  const status = await gaps.guard('cloudtrail:GetTrailStatus', where, () =>
    orGone<GetTrailStatusCommandOutput>(() =>
      client.send(new GetTrailStatusCommand({ Name: arn })),
    ),
  );
  const selectors = await gaps.guard('cloudtrail:GetEventSelectors', where, () =>
    orGone<GetEventSelectorsCommandOutput>(() =>
      client.send(new GetEventSelectorsCommand({ TrailName: arn })),
    ),
  );
  if (status === GONE || selectors === GONE) return undefined;
  const summary = selectors
    ? summarizeEventSelectors(selectors)
    : { managementEvents: 'None' as const, dataEventServices: [] };
  const info: TrailInfo = {
    name: trail.Name ?? arn.slice(arn.lastIndexOf('/') + 1),
    arn,
    homeRegion: home,
    // The trail's owner: the management account for an organization trail.
    accountId: arn.split(':')[4] ?? account,
    isOrganizationTrail: trail.IsOrganizationTrail === true,
    isMultiRegionTrail: trail.IsMultiRegionTrail === true,
    managementEvents: summary.managementEvents,
    dataEventServices: summary.dataEventServices,
  };
  if (trail.S3BucketName) info.s3BucketName = trail.S3BucketName;
  if (trail.S3KeyPrefix) info.s3KeyPrefix = trail.S3KeyPrefix;
  if (trail.KmsKeyId) info.kmsKeyId = trail.KmsKeyId;
  if (status?.IsLogging !== undefined) info.isLogging = status.IsLogging;
  return info;
}

/** Runs a call on one trail; a trail deleted in the meantime gives GONE instead of an error. */
async function orGone<T>(fn: () => Promise<T>): Promise<T | typeof GONE> {
  try {
    return await fn();
  } catch (err) {
    if (classifyError(err) === 'not-found') return GONE;
    throw err;
  }
}
