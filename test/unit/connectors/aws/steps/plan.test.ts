import { describe, expect, it } from 'vitest';
import {
  accountLogRoot,
  chooseTrails,
  deliveryDays,
  type LocatedTrail,
  planTrailFolders,
} from '#connectors/aws/steps/plan.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import { ACCOUNT, OTHER_ACCOUNT } from '#test/helpers/builders.ts';

const MANAGEMENT = '999999999999';

/** A located multi-region account trail of `ACCOUNT` recording every management event. */
function aTrail(overrides: Partial<TrailInfo> = {}, located: Partial<LocatedTrail> = {}) {
  const trail: TrailInfo = {
    name: 'main',
    arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`,
    homeRegion: 'us-east-1',
    accountId: ACCOUNT,
    s3BucketName: 'trail-bucket',
    isOrganizationTrail: false,
    isMultiRegionTrail: true,
    isLogging: true,
    managementEvents: 'All',
    dataEventServices: [],
    ...overrides,
  };
  return {
    trail,
    readerAccountId: trail.accountId,
    bucketRegion: 'us-east-1',
    organizationIds: [],
    ...located,
  } satisfies LocatedTrail;
}

/** An organization trail of the management account. */
const anOrgTrail = (overrides: Partial<TrailInfo> = {}) =>
  aTrail(
    {
      name: 'org',
      arn: `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org`,
      accountId: MANAGEMENT,
      isOrganizationTrail: true,
      s3BucketName: 'org-trail-bucket',
      s3KeyPrefix: 'logs/',
      ...overrides,
    },
    { organizationIds: ['o-abcdefghij'] },
  );

describe('deliveryDays', () => {
  it('lists every day of the window and the day after, for files delivered late', () => {
    // Arrange
    const from = Date.parse('2026-11-12T03:00:00Z');
    const to = Date.parse('2026-11-14T03:00:00Z');

    // Act
    const days = deliveryDays(from, to);

    // Assert
    expect(days).toEqual(['2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15']);
  });

  it('adds the next day when the window ends at midnight, since files of 23:59 arrive after it', () => {
    // Act
    const days = deliveryDays(
      Date.parse('2026-11-13T00:00:00Z'),
      Date.parse('2026-11-14T00:00:00Z'),
    );

    // Assert
    expect(days).toEqual(['2026-11-13', '2026-11-14', '2026-11-15']);
  });

  it('leaves out days that have not begun yet', () => {
    // Arrange
    const to = Date.parse('2026-11-14T03:00:00Z');

    // Act
    const days = deliveryDays(to - 86_400_000, to, to);

    // Assert
    expect(days).toEqual(['2026-11-13', '2026-11-14']);
  });

  it('covers 91 days plus the late day for a 90-day window', () => {
    // Arrange
    const to = Date.parse('2026-11-15T03:00:00Z');

    // Act
    const days = deliveryDays(to - 90 * 86_400_000, to);

    // Assert
    expect(days).toHaveLength(92);
    expect(days[0]).toBe('2026-08-17');
    expect(days.at(-1)).toBe('2026-11-16');
  });
});

describe('chooseTrails', () => {
  it('reads a multi-region trail in every region and a single-region one in its home only', () => {
    // Arrange
    const multi = aTrail();
    const single = aTrail({
      name: 'eu',
      arn: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/eu`,
      homeRegion: 'eu-west-1',
      isMultiRegionTrail: false,
      dataEventServices: ['s3'],
    });

    // Act
    const chosen = chooseTrails(ACCOUNT, ['us-east-1', 'eu-west-1', 'us-west-2'], [multi, single]);

    // Assert
    expect([...chosen].map(([r, t]) => [r, t.trail.name])).toEqual([
      ['eu-west-1', 'eu'],
      ['us-east-1', 'main'],
      ['us-west-2', 'main'],
    ]);
  });

  it('prefers the trail recording all management events, then the own trail over the organization one', () => {
    // Arrange
    const writeOnly = aTrail({ name: 'w', arn: 'arn:w', managementEvents: 'WriteOnly' });
    const org = anOrgTrail();
    const own = aTrail({ name: 'own', arn: 'arn:z' });

    // Act
    const first = chooseTrails(ACCOUNT, ['us-east-1'], [writeOnly, org]);
    const second = chooseTrails(ACCOUNT, ['us-east-1'], [org, own, writeOnly]);

    // Assert
    expect(first.get('us-east-1')?.trail.name).toBe('org');
    expect(second.get('us-east-1')?.trail.name).toBe('own');
  });

  it("never reads another account's own trail for this account", () => {
    // Arrange
    const theirs = aTrail({ accountId: OTHER_ACCOUNT, arn: 'arn:theirs' });

    // Act
    const chosen = chooseTrails(ACCOUNT, ['us-east-1'], [theirs]);

    // Assert
    expect(chosen.size).toBe(0);
  });
});

describe('accountLogRoot', () => {
  it("puts an organization trail's accounts under its organization folder and key prefix", () => {
    // Act
    const root = accountLogRoot(anOrgTrail(), ACCOUNT);

    // Assert
    expect(root).toBe(`logs/AWSLogs/o-abcdefghij/${ACCOUNT}/`);
  });

  it('reads an organization trail without an organization folder like an account trail', () => {
    // Act
    const root = accountLogRoot({ ...anOrgTrail(), organizationIds: [] }, ACCOUNT);

    // Assert
    expect(root).toBe(`logs/AWSLogs/${ACCOUNT}/`);
  });
});

describe('planTrailFolders', () => {
  it("plans one folder per region and delivery day, read by the trail owner's role", () => {
    // Arrange
    const to = Date.parse('2026-11-14T03:00:00Z');

    // Act
    const items = planTrailFolders({
      runId: 'run-1',
      accountId: ACCOUNT,
      regions: ['us-east-1', 'eu-west-1'],
      trails: [anOrgTrail()],
      from: to - 86_400_000,
      to,
    });

    // Assert
    expect(items.map((i) => `${i.region} ${i.day}`)).toEqual([
      'eu-west-1 2026-11-13',
      'eu-west-1 2026-11-14',
      'eu-west-1 2026-11-15',
      'us-east-1 2026-11-13',
      'us-east-1 2026-11-14',
      'us-east-1 2026-11-15',
    ]);
    expect(items[1]).toEqual({
      runId: 'run-1',
      accountId: ACCOUNT,
      readerAccountId: MANAGEMENT,
      bucket: 'org-trail-bucket',
      bucketRegion: 'us-east-1',
      region: 'eu-west-1',
      day: '2026-11-14',
      prefix: `logs/AWSLogs/o-abcdefghij/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/14/`,
    });
  });

  it('plans nothing when no trail covers the account', () => {
    // Act
    const items = planTrailFolders({
      runId: 'run-1',
      accountId: ACCOUNT,
      regions: ['us-east-1'],
      trails: [],
      from: 0,
      to: 86_400_000,
    });

    // Assert
    expect(items).toEqual([]);
  });
});
