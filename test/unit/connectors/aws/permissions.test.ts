import { describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { allScanActions, scanPolicy } from '#connectors/aws/permissions.ts';

describe('the read-only scan policy', () => {
  it('names only exact actions that exist in the IAM catalog', async () => {
    // Arrange
    const catalog = await loadCatalog();
    // Act + Assert
    for (const action of allScanActions()) {
      expect(action, action).not.toMatch(/[*?]/);
      expect(catalog.idOf(action), action).toBeDefined();
    }
  });

  it('scopes trail reads to the named buckets and member-role assumption to the named role', () => {
    // Act
    const policy = scanPolicy({
      trailBuckets: ['trail-logs'],
      org: { memberRoleName: 'LeashScan' },
    });
    // Assert
    const byId = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(byId.ReadTrailLogs!.Resource).toEqual([
      'arn:aws:s3:::trail-logs',
      'arn:aws:s3:::trail-logs/*',
    ]);
    expect(byId.AssumeMemberScanRole!.Resource).toBe('arn:aws:iam::*:role/LeashScan');
    expect(policy.Statement.flatMap((s) => s.Action).some((a) => a.includes('*'))).toBe(false);
    // Nothing that writes: every action reads, lists or (for reports) generates.
    for (const a of policy.Statement.flatMap((s) => s.Action))
      expect(a).toMatch(/:(Get|List|Describe|Lookup|Generate|AssumeRole)/);
  });
});
