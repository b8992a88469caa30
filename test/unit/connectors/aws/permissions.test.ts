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

describe('the scan policy and the connectors', () => {
  it('grants every API the connectors name, so a real scan is never denied by its own policy', async () => {
    // Arrange: every 'service:Operation' string the connectors use for calls and gaps.
    const { readdir, readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const root = new URL('../../../../connectors/aws', import.meta.url).pathname;
    const files = (await readdir(root, { recursive: true })).filter(
      // Containment (contain/) writes through its own role, checked by the CDK role tests.
      (f) => f.endsWith('.ts') && !f.endsWith('permissions.ts') && !f.startsWith('contain'),
    );
    const named = new Set<string>();
    for (const f of files) {
      const text = await readFile(join(root, f), 'utf8');
      for (const m of text.matchAll(
        /'((?:iam|cloudtrail|s3|lambda|bedrock|bedrock-agentcore|organizations|sts|account|ec2|kms):[A-Z][A-Za-z]+)'/g,
      ))
        named.add(m[1]!);
    }
    // sts:GetCallerIdentity needs no permission; kms:ViaService is a condition key, not a call.
    named.delete('sts:GetCallerIdentity');
    named.delete('kms:ViaService');
    // Act + Assert
    expect(named.size).toBeGreaterThan(30);
    expect([...named].filter((a) => !allScanActions().includes(a))).toEqual([]);
  });
});
