/**
 * Planning the usage half of a scan run, without I/O: which trail's files hold an account's
 * records in each region, and which day folders of the window to read. Each folder becomes one
 * {@link TrailPrefixItem} of the run's prefixes file, read by `read-trail-objects` and kept as a
 * day snapshot at `work/usage/<account>/<day>/<region>.json.gz`. A snapshot is keyed by account,
 * day and region only, so exactly one trail is read per account and region.
 */
import type { TrailInfo } from '#core/iam/inventory.ts';
import type { TrailPrefixItem } from '#functions/shared/contract.ts';

const DAY_MS = 86_400_000;

/** A trail whose bucket has been found: where its files are, and who may read them. */
export interface LocatedTrail {
  trail: TrailInfo;
  /** The account whose scanner role reads the bucket: the trail's owner. */
  readerAccountId: string;
  bucketRegion: string;
  /** `o-…` folders of an organization trail's bucket (none for an account trail). */
  organizationIds: string[];
}

/**
 * The delivery days whose folders can hold records of `[from, to]`: every UTC day of the window
 * and the day after it, since CloudTrail files a record under the day it delivers the file, a
 * few minutes after the call. Days that have not begun at `now` are left out (no folder yet).
 * @returns `yyyy-mm-dd` days in order
 */
export function deliveryDays(from: number, to: number, now = Number.POSITIVE_INFINITY): string[] {
  const days: string[] = [];
  const last = Math.floor(to / DAY_MS) * DAY_MS + DAY_MS;
  for (let t = Math.floor(from / DAY_MS) * DAY_MS; t <= last && t <= now; t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** True when the trail records the account's calls in the region. */
export function trailCovers(trail: TrailInfo, accountId: string, region: string): boolean {
  return (
    (trail.isOrganizationTrail || trail.accountId === accountId) &&
    (trail.isMultiRegionTrail || trail.homeRegion === region)
  );
}

/**
 * Picks, for each region, the one trail to read the account's records from: the one recording
 * the most (all management events before read-only or write-only ones, then the most data event
 * services), then the account's own trail before an organization trail (no other account's role
 * is needed), then the lowest ARN so that the choice never changes between runs.
 * @returns region → trail, for the regions some trail covers
 */
export function chooseTrails(
  accountId: string,
  regions: readonly string[],
  trails: readonly LocatedTrail[],
): Map<string, LocatedTrail> {
  const rank = (t: LocatedTrail) => [
    t.trail.managementEvents === 'All' ? 0 : 1,
    -t.trail.dataEventServices.length,
    t.readerAccountId === accountId ? 0 : 1,
  ];
  const better = (a: LocatedTrail, b: LocatedTrail) => {
    const [ra, rb] = [rank(a), rank(b)];
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]!;
    return a.trail.arn < b.trail.arn;
  };
  const chosen = new Map<string, LocatedTrail>();
  for (const region of [...new Set(regions)].sort()) {
    for (const t of trails) {
      if (!trailCovers(t.trail, accountId, region)) continue;
      const current = chosen.get(region);
      if (!current || better(t, current)) chosen.set(region, t);
    }
  }
  return chosen;
}

/**
 * The folder of an account's log files: `<prefix>/AWSLogs/<account>/` for an account trail,
 * `<prefix>/AWSLogs/<o-…>/<account>/` for an organization trail.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 */
export function accountLogRoot(located: LocatedTrail, accountId: string): string {
  const prefix = located.trail.s3KeyPrefix?.replace(/\/+$/, '');
  const base = prefix ? `${prefix}/` : '';
  // A bucket shared by several organizations has several `o-…` folders; ids sort, and only one
  // folder per account and region can back a day snapshot, so the first is read. An
  // organization trail whose bucket has none yet is read like an account trail.
  const org = located.trail.isOrganizationTrail ? located.organizationIds[0] : undefined;
  return org ? `${base}AWSLogs/${org}/${accountId}/` : `${base}AWSLogs/${accountId}/`;
}

/** Options of {@link planTrailFolders}. */
export interface PlanTrailFoldersOptions {
  runId: string;
  accountId: string;
  /** The account's regions. */
  regions: readonly string[];
  /** Trails that may cover it, located. */
  trails: readonly LocatedTrail[];
  /** Window, epoch ms. */
  from: number;
  to: number;
  /** Current time: day folders not begun yet are not planned. */
  now?: number;
}

/**
 * The day folders to read for an account: for each region some trail covers, the folder of
 * each delivery day of the window (see {@link deliveryDays}), in region then day order.
 */
export function planTrailFolders(options: PlanTrailFoldersOptions): TrailPrefixItem[] {
  const { runId, accountId, from, to } = options;
  const days = deliveryDays(from, to, options.now);
  const items: TrailPrefixItem[] = [];
  for (const [region, located] of chooseTrails(accountId, options.regions, options.trails)) {
    const root = `${accountLogRoot(located, accountId)}CloudTrail/${region}/`;
    for (const day of days) {
      items.push({
        runId,
        accountId,
        readerAccountId: located.readerAccountId,
        bucket: located.trail.s3BucketName!,
        bucketRegion: located.bucketRegion,
        region,
        day,
        prefix: `${root}${day.replaceAll('-', '/')}/`,
      });
    }
  }
  return items;
}
