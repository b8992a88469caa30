import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { CloudTrailRecord } from '#core/cloudtrail/types.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { AccountInventory } from '#core/iam/inventory.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import {
  aGroup,
  allowDocument,
  anInventory,
  aPolicy,
  aRecord,
  aRole,
  asRole,
  asUser,
  aUser,
  IN_WINDOW,
  policyArn,
  userArn,
  WINDOW,
} from '#test/helpers/builders.ts';

const DAY = 86_400_000;

/** Reads at both ends of the window by a principal outside the inventory. */
const BACKGROUND: CloudTrailRecord[] = [WINDOW.from + DAY, WINDOW.to - DAY].map((t) =>
  aRecord({ userIdentity: asUser(userArn('observer')), eventTime: new Date(t).toISOString() }),
);

describe('analyzeAccount', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  function analyze(inventory: AccountInventory, records: CloudTrailRecord[] = BACKGROUND) {
    const aggregator = new UsageAggregator(catalog, WINDOW);
    records.forEach((r, i) => {
      aggregator.add(r, 'trail.json', i);
    });
    return analyzeAccount({
      inventory,
      usage: aggregator,
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 'test',
    });
  }

  const identity = (doc: FindingsDocument, arn: string) => {
    const found = doc.identities.find((i) => i.id === arn);
    if (!found) throw new Error(`${arn} missing`);
    return found;
  };

  it('grants a user the inline and managed policies of its groups', () => {
    // Arrange
    const groupPolicy = aPolicy({
      name: 'group-managed',
      document: allowDocument('sqs:CreateQueue'),
    });
    const group = aGroup({
      name: 'devs',
      inlinePolicies: [{ name: 'group-inline', document: allowDocument('sns:CreateTopic') }],
      attachedPolicies: [{ arn: groupPolicy.arn, name: groupPolicy.name }],
    });
    const user = aUser({
      groups: ['devs'],
      inlinePolicies: [{ name: 'own', document: allowDocument('s3:CreateBucket') }],
    });

    // Act
    const doc = analyze(anInventory({ users: [user], groups: [group], policies: [groupPolicy] }));

    // Assert
    const result = identity(doc, user.arn);
    expect(result.grant.policies).toEqual([
      { name: 'own', arn: null, kind: 'inline', viaGroup: null },
      { name: 'group-inline', arn: null, kind: 'inline', viaGroup: 'devs' },
      {
        name: 'group-managed',
        arn: policyArn('group-managed'),
        kind: 'customer-managed',
        viaGroup: 'devs',
      },
    ]);
    expect(result.grant.allowedActions).toBe(3);
    expect(result.grant.missingPolicies).toEqual([]);
  });

  it('marks an identity with a missing group or policy as insufficient evidence', () => {
    // Arrange
    const user = aUser({
      groups: ['gone'],
      attachedPolicies: [{ arn: policyArn('absent'), name: 'absent' }],
      inlinePolicies: [{ name: 'own', document: allowDocument('s3:CreateBucket') }],
    });

    // Act
    const doc = analyze(anInventory({ users: [user] }));

    // Assert
    const result = identity(doc, user.arn);
    expect(result.grant.missingPolicies).toEqual([policyArn('absent'), 'group/gone']);
    expect(result.recommendation).toBe('insufficient-evidence');
    expect(result.confidence).toBe('low');
  });

  it('applies the permissions boundary from the inventory, and reports a missing one', () => {
    // Arrange
    const boundary = aPolicy({ name: 'boundary', document: allowDocument('s3:*') });
    const bounded = aRole({
      name: 'bounded',
      boundaryArn: boundary.arn,
      inlinePolicies: [
        { name: 'p', document: allowDocument('s3:CreateBucket', 'ec2:RunInstances') },
      ],
    });
    const unbounded = aRole({ name: 'lost-boundary', boundaryArn: policyArn('nowhere') });

    // Act
    const doc = analyze(anInventory({ roles: [bounded, unbounded], policies: [boundary] }));

    // Assert
    expect(identity(doc, bounded.arn).grant.allowedActions).toBe(1);
    expect(identity(doc, bounded.arn).grant.permissionsBoundary).toBe(boundary.arn);
    expect(identity(doc, unbounded.arn).grant.missingPolicies).toEqual([policyArn('nowhere')]);
  });

  it('recommends decommissioning an idle identity and rightsizing a partly used one', () => {
    // Arrange
    const idle = aRole({
      name: 'idle',
      inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket') }],
    });
    const busy = aRole({
      name: 'busy',
      inlinePolicies: [
        { name: 'p', document: allowDocument('s3:CreateBucket', 's3:DeleteBucket') },
      ],
    });
    const exact = aRole({
      name: 'exact',
      inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket') }],
    });
    const records = [
      ...BACKGROUND,
      ...[busy, exact].map((r) =>
        aRecord({ userIdentity: asRole(r.arn), eventName: 'CreateBucket', readOnly: false }),
      ),
    ];

    // Act
    const doc = analyze(anInventory({ roles: [idle, busy, exact] }), records);

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(identity(doc, idle.arn).recommendation).toBe('decommission');
    expect(identity(doc, busy.arn).recommendation).toBe('rightsize');
    expect(identity(doc, busy.arn).unusedActions).toEqual(['s3:DeleteBucket']);
    expect(identity(doc, exact.arn).recommendation).toBe('none-needed');
    expect(identity(doc, exact.arn).confidence).toBe('high');
    expect(doc.summary.identitiesToDecommission).toBe(1);
    expect(doc.summary.identitiesToRightsize).toBe(1);
    expect(doc.coverage.unknownPrincipals).toEqual([{ arn: userArn('observer'), events: 2 }]);
  });

  it('keeps everything of a role IAM saw used in the window when the corpus shows none of it', () => {
    // Arrange
    const role = aRole({
      name: 'elsewhere',
      lastUsed: { date: IN_WINDOW, region: 'eu-west-1' },
      inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket') }],
    });

    // Act
    const doc = analyze(anInventory({ roles: [role] }));

    // Assert
    const result = identity(doc, role.arn);
    expect(result.recommendation).toBe('insufficient-evidence');
    expect(result.unusedActions).toEqual([]);
    expect(result.unobservableActions).toEqual([
      { action: 's3:CreateBucket', reason: 'activity-outside-corpus' },
    ]);
    expect(result.activity.lastActivityReportedByIam).toBe(new Date(IN_WINDOW).toISOString());
  });

  it('names the coverage gap when no record falls in the window', () => {
    // Arrange
    const role = aRole({
      inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket') }],
    });

    // Act
    const doc = analyze(anInventory({ roles: [role] }), [
      aRecord({ eventTime: '2020-01-01T00:00:00Z' }),
    ]);

    // Assert
    expect(doc.coverage.gaps[0]).toMatch(/^No CloudTrail record fell in the window/);
    expect(identity(doc, role.arn).unusedActions).toEqual([]);
    expect(doc.window.observedFrom).toBeNull();
  });
});
