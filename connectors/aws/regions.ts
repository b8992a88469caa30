/**
 * Which regions a scan covers, and the per-region fan-out the regional collectors share: each
 * region runs on its own, and the coverage gaps it records are folded into one gap per API and
 * reason, so a role that may not call `lambda:GetPolicy` yields one gap, not one per function.
 */
import { paginateListRegions } from '@aws-sdk/client-account';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { classifyError, describeError } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';

/**
 * The region scanned when neither the Account API nor EC2 can list the enabled ones, unless the
 * clients name another home region (another partition).
 */
export const FALLBACK_REGION = 'us-east-1';

/**
 * Lists the regions enabled in an account. Tries, in order: the caller's `override`;
 * `account:ListRegions` (opt-in status `ENABLED` or `ENABLED_BY_DEFAULT`); `ec2:DescribeRegions`
 * (which returns only the regions enabled for the account unless `AllRegions` is set); and last
 * the clients' home region (`us-east-1` by default), recording a coverage gap that names both
 * failures. A failure that the next step
 * recovers from is not a gap: the region list is the same either way.
 *
 * @see https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
 * @param options.override regions given by the user (`--regions`); wins when non-empty
 * @returns region names, sorted and without duplicates
 */
export async function enabledRegions(
  clients: AwsClients,
  options: { accountId: string; gaps: GapRecorder; override?: string[] },
): Promise<string[]> {
  const { accountId, gaps, override } = options;
  if (override && override.length > 0) return sortedUnique(override);
  const home = clients.options.homeRegion ?? FALLBACK_REGION;

  const failures: { api: string; err: unknown }[] = [];
  try {
    const names: string[] = [];
    const pages = paginateListRegions(
      { client: clients.account() },
      { RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'] },
    );
    for await (const page of pages) {
      for (const r of page.Regions ?? []) if (r.RegionName) names.push(r.RegionName);
    }
    if (names.length > 0) return sortedUnique(names);
  } catch (err) {
    // Any failure falls through to EC2: the Account API is newer, absent from some partitions
    // and emulators, and often not granted; DescribeRegions answers the same question.
    failures.push({ api: 'account:ListRegions', err });
  }
  try {
    const out = await clients.ec2(home).send(new DescribeRegionsCommand({ AllRegions: false }));
    const names = (out.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : []));
    if (names.length > 0) return sortedUnique(names);
  } catch (err) {
    failures.push({ api: 'ec2:DescribeRegions', err });
  }
  const denied = failures.some((f) => classifyError(f.err) === 'access-denied');
  gaps.add({
    provider: 'aws',
    // The last call tried; the detail names every failure.
    api: 'ec2:DescribeRegions',
    account: accountId,
    reason: denied ? 'access-denied' : 'failed',
    detail: `enabled regions unknown, scanning ${home} only: ${
      failures.map((f) => `${f.api}: ${describeError(f.err)}`).join('; ') || 'no regions returned'
    }`,
  });
  return [home];
}

/**
 * The partition a region belongs to, for building ARNs the APIs do not return.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  return 'aws';
}

/** Regions collected at once: each is a separate endpoint with its own API quotas. */
const REGION_CONCURRENCY = 4;

/**
 * Runs a collection in every region and concatenates the results in region order. Each region
 * records into its own {@link GapRecorder}; its gaps are then merged into `gaps` with one gap
 * per (api, account, region, reason), the first detail kept and the number of calls appended.
 * An error that is not a gap (see {@link GapRecorder.guard}) fails the whole call.
 */
export async function forEachRegion<T>(
  regions: readonly string[],
  gaps: GapRecorder,
  collect: (region: string, regionGaps: GapRecorder) => Promise<T[]>,
): Promise<T[]> {
  const perRegion = await mapLimit(regions, REGION_CONCURRENCY, async (region) => {
    const regionGaps = new GapRecorder();
    const items = await collect(region, regionGaps);
    return { items, gaps: regionGaps.gaps };
  });
  for (const r of perRegion) for (const gap of mergeGaps(r.gaps)) gaps.add(gap);
  return perRegion.flatMap((r) => r.items);
}

/** Folds gaps with the same api, account, region and reason into one, sorted by api. */
export function mergeGaps(gaps: readonly CoverageGap[]): CoverageGap[] {
  const groups = new Map<string, { gap: CoverageGap; count: number }>();
  for (const gap of gaps) {
    const key = [gap.provider, gap.api, gap.account, gap.region, gap.reason].join('|');
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { gap, count: 1 });
  }
  // Sorted by API so that reports do not depend on which parallel call failed first.
  return [...groups.values()]
    .sort((a, b) => a.gap.api.localeCompare(b.gap.api) || a.gap.reason.localeCompare(b.gap.reason))
    .map(({ gap, count }) =>
      count === 1 ? gap : { ...gap, detail: `${gap.detail} (and ${count - 1} more calls)` },
    );
}

function sortedUnique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
