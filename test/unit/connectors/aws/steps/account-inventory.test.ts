import { describe, expect, it } from 'vitest';
import { deliversUsage, mergeAccountInventory } from '#connectors/aws/steps/account-inventory.ts';
import type { TrailInfo } from '#core/iam/inventory.ts';
import { ACCOUNT, anInventory, aPolicy, aRole, OTHER_ACCOUNT } from '#test/helpers/builders.ts';

const trail = (overrides: Partial<TrailInfo> = {}): TrailInfo => ({
  name: 'org',
  arn: 'arn:aws:cloudtrail:us-east-1:999999999999:trail/org',
  homeRegion: 'us-east-1',
  accountId: '999999999999',
  s3BucketName: 'logs',
  isOrganizationTrail: true,
  isMultiRegionTrail: true,
  managementEvents: 'All',
  dataEventServices: [],
  ...overrides,
});

describe('mergeAccountInventory', () => {
  it('adds identities and keeps shared policies, trails and account ids once', () => {
    // Arrange
    const shared = aPolicy({ name: 'shared' });
    const into = anInventory({ roles: [aRole()], policies: [shared], trails: [trail()] });
    const from = anInventory({
      roles: [aRole({ name: 'other', arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/other` })],
      policies: [shared, aPolicy({ name: 'own' })],
      trails: [trail()],
    });
    from.accountIds = [OTHER_ACCOUNT, ACCOUNT];

    // Act
    mergeAccountInventory(into, from);

    // Assert
    expect(into.roles.map((r) => r.name)).toEqual(['app-role', 'other']);
    expect([...into.policies.keys()]).toHaveLength(2);
    expect(into.trails).toHaveLength(1);
    expect(into.accountIds).toEqual([ACCOUNT, OTHER_ACCOUNT]);
  });
});

describe('deliversUsage', () => {
  it.each([
    ['a logging trail with an S3 bucket', trail(), true],
    ['a trail of unknown status', trail({ isLogging: undefined }), true],
    ['a stopped trail', trail({ isLogging: false }), false],
    ['a trail without a bucket', trail({ s3BucketName: undefined }), false],
    ['a trail recording no management events', trail({ managementEvents: 'None' }), false],
  ])('says %s delivers usage: %s', (_, t, expected) => {
    // Act
    const delivers = deliversUsage(t);

    // Assert
    expect(delivers).toBe(expected);
  });
});
