import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { CloudTrailRecord } from '#core/cloudtrail/types.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { RULES } from '#core/engine/rules/index.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { IamIdentity } from '#core/iam/inventory.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import {
  ACCOUNT,
  aCredentialRow,
  aDocument,
  allowDocument,
  anInventory,
  aPolicy,
  aRecord,
  aRole,
  asRole,
  asUser,
  aUser,
  BEFORE_WINDOW,
  IN_WINDOW,
  policyArn,
  trustPolicy,
  userArn,
  WINDOW,
} from '#test/helpers/builders.ts';

const DAY = 86_400_000;

/**
 * Records by a principal outside the inventory at both ends of the window, so that the corpus
 * covers the whole window and holds read-only events.
 */
const BACKGROUND: CloudTrailRecord[] = [
  aRecord({
    userIdentity: asUser(userArn('observer')),
    eventTime: new Date(WINDOW.from + DAY).toISOString(),
  }),
  aRecord({
    userIdentity: asUser(userArn('observer')),
    eventTime: new Date(WINDOW.to - DAY).toISOString(),
  }),
];

/** A successful write call made by the identity. */
function callBy(identity: IamIdentity, eventSource: string, eventName: string): CloudTrailRecord {
  return aRecord({
    userIdentity: identity.type === 'role' ? asRole(identity.arn) : asUser(identity.arn),
    eventSource,
    eventName,
    readOnly: false,
  });
}

/** What one rule case analyses: an account and the identity whose findings are checked. */
interface Scenario {
  subject: IamIdentity;
  inventory: ReturnType<typeof anInventory>;
  records?: CloudTrailRecord[];
}

/** A role alone in the inventory. */
function roleAlone(role: IamIdentity & { type: 'role' }, records: CloudTrailRecord[] = []) {
  return { subject: role, inventory: anInventory({ roles: [role] }), records };
}

/** A user alone in the inventory, with a credential report row. */
function userWith(credentials: Parameters<typeof aCredentialRow>[0]): Scenario {
  const user = aUser();
  return {
    subject: user,
    inventory: anInventory({ users: [user], credentialReport: [aCredentialRow(credentials)] }),
  };
}

const busyRole = aRole({
  name: 'busy',
  inlinePolicies: [{ name: 'p', document: allowDocument('s3:CreateBucket') }],
});
const usedPolicy = aPolicy({
  name: 'used-policy',
  document: allowDocument('s3:CreateBucket', 's3:DeleteBucket'),
});
const idlePolicy = aPolicy({ name: 'idle-policy', document: allowDocument('sqs:CreateQueue') });
const agentTrust = trustPolicy({ Service: 'bedrock.amazonaws.com' });

/** For each rule id: an account where it must raise, and one where it must not. */
const CASES: Record<string, { positive: () => Scenario; negative: () => Scenario }> = {
  'LP-IAM-001': {
    positive: () => roleAlone(aRole({ name: 'idle' })),
    negative: () => roleAlone(busyRole, [callBy(busyRole, 's3.amazonaws.com', 'CreateBucket')]),
  },
  'LP-IAM-002': {
    positive: () =>
      userWith({
        accessKeys: [
          {
            slot: 1,
            active: true,
            lastRotated: '2024-01-01T00:00:00Z',
            lastUsedDate: BEFORE_WINDOW,
          },
        ],
      }),
    negative: () =>
      userWith({
        accessKeys: [
          { slot: 1, active: true, lastRotated: '2024-01-01T00:00:00Z', lastUsedDate: IN_WINDOW },
          {
            slot: 2,
            active: false,
            lastRotated: '2024-01-01T00:00:00Z',
            lastUsedDate: BEFORE_WINDOW,
          },
        ],
      }),
  },
  'LP-IAM-003': {
    positive: () => userWith({ passwordEnabled: true, passwordLastUsed: BEFORE_WINDOW }),
    negative: () => userWith({ passwordEnabled: true, passwordLastUsed: IN_WINDOW }),
  },
  'LP-IAM-004': {
    positive: () => roleAlone(aRole({ name: 'new', createDate: '2026-11-01T00:00:00Z' })),
    negative: () => roleAlone(aRole({ name: 'old', createDate: '2024-01-01T00:00:00Z' })),
  },
  'LP-IAM-005': {
    positive: () =>
      roleAlone(aRole({ inlinePolicies: [{ name: 'admin', document: allowDocument('*') }] })),
    negative: () =>
      roleAlone(
        aRole({ inlinePolicies: [{ name: 'read', document: allowDocument('s3:GetObject') }] }),
      ),
  },
  'LP-IAM-006': {
    positive: () =>
      roleAlone(
        aRole({ inlinePolicies: [{ name: 'p', document: allowDocument('iam:AttachUserPolicy') }] }),
      ),
    negative: () =>
      roleAlone(
        aRole({ inlinePolicies: [{ name: 'p', document: allowDocument('iam:ListRoles') }] }),
      ),
  },
  'LP-IAM-007': {
    positive: () => {
      const role = aRole({
        inlinePolicies: [
          { name: 'p', document: allowDocument('s3:CreateBucket', 's3:DeleteBucket') },
        ],
      });
      return roleAlone(role, [callBy(role, 's3.amazonaws.com', 'CreateBucket')]);
    },
    negative: () => roleAlone(busyRole, [callBy(busyRole, 's3.amazonaws.com', 'CreateBucket')]),
  },
  'LP-IAM-008': {
    positive: () => {
      const role = aRole({
        attachedPolicies: [
          { arn: usedPolicy.arn, name: usedPolicy.name },
          { arn: idlePolicy.arn, name: idlePolicy.name },
        ],
      });
      return {
        subject: role,
        inventory: anInventory({ roles: [role], policies: [usedPolicy, idlePolicy] }),
        records: [callBy(role, 's3.amazonaws.com', 'CreateBucket')],
      };
    },
    negative: () => {
      const role = aRole({ attachedPolicies: [{ arn: usedPolicy.arn, name: usedPolicy.name }] });
      return {
        subject: role,
        inventory: anInventory({ roles: [role], policies: [usedPolicy] }),
        records: [callBy(role, 's3.amazonaws.com', 'CreateBucket')],
      };
    },
  },
  'LP-IAM-009': {
    positive: () => {
      const role = aRole();
      return roleAlone(role, [
        { ...callBy(role, 'iam.amazonaws.com', 'CreateUser'), errorCode: 'AccessDenied' },
      ]);
    },
    negative: () => {
      const role = aRole();
      return roleAlone(role, [
        { ...callBy(role, 'iam.amazonaws.com', 'CreateUser'), errorCode: 'EntityAlreadyExists' },
      ]);
    },
  },
  'LP-AI-001': {
    positive: () =>
      roleAlone(
        aRole({
          trustPolicy: agentTrust,
          inlinePolicies: [{ name: 'invoke', document: allowDocument('bedrock:InvokeModel') }],
        }),
      ),
    negative: () =>
      roleAlone(
        aRole({
          trustPolicy: agentTrust,
          inlinePolicies: [
            {
              name: 'invoke',
              document: aDocument({
                actions: ['bedrock:InvokeModel'],
                resources: ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-*'],
              }),
            },
          ],
        }),
      ),
  },
};

describe('identity rules through analyzeAccount', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  function analyze(scenario: Scenario): FindingsDocument {
    const aggregator = new UsageAggregator(catalog, WINDOW);
    [...BACKGROUND, ...(scenario.records ?? [])].forEach((r, i) => {
      aggregator.add(r, 'trail.json', i);
    });
    return analyzeAccount({
      inventory: scenario.inventory,
      usage: aggregator,
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 'test',
    });
  }

  function ruleIdsOf(doc: FindingsDocument, arn: string): string[] {
    const identity = doc.identities.find((i) => i.id === arn);
    if (!identity) throw new Error(`${arn} is not in the document`);
    return identity.findings.map((f) => f.ruleId);
  }

  it('has a positive and a negative case for every registered rule', () => {
    // Arrange
    const registered = RULES.map((r) => r.id).sort();

    // Act
    const covered = Object.keys(CASES).sort();

    // Assert
    expect(covered).toEqual(registered);
  });

  it.each(RULES.map((r) => [r.id, r.name]))('%s (%s) raises on its positive case', (ruleId) => {
    // Arrange
    const scenario = CASES[ruleId]!.positive();

    // Act
    const doc = analyze(scenario);

    // Assert
    expect(ruleIdsOf(doc, scenario.subject.arn)).toContain(ruleId);
  });

  it.each(
    RULES.map((r) => [r.id, r.name]),
  )('%s (%s) stays quiet on its negative case', (ruleId) => {
    // Arrange
    const scenario = CASES[ruleId]!.negative();

    // Act
    const doc = analyze(scenario);

    // Assert
    expect(ruleIdsOf(doc, scenario.subject.arn)).not.toContain(ruleId);
  });

  it('names the wholly unused policy in the unused-policy finding', () => {
    // Arrange
    const scenario = CASES['LP-IAM-008']!.positive();

    // Act
    const doc = analyze(scenario);

    // Assert
    const findings = doc.identities[0]!.findings.filter((f) => f.ruleId === 'LP-IAM-008');
    expect(findings.map((f) => f.evidence.policy)).toEqual(['idle-policy']);
    expect(findings[0]!.evidence.arn).toBe(policyArn('idle-policy'));
  });

  it('raises admin-equivalent as critical for an AI agent', () => {
    // Arrange
    const role = aRole({
      trustPolicy: agentTrust,
      inlinePolicies: [{ name: 'admin', document: allowDocument('*') }],
    });

    // Act
    const doc = analyze(roleAlone(role));

    // Assert
    const finding = doc.identities[0]!.findings.find((f) => f.ruleId === 'LP-IAM-005')!;
    expect(finding.severity).toBe('critical');
    expect(doc.identities[0]!.findings[0]!.severity).toBe('critical');
  });

  it('raises no rule on a service-linked role, whose AWS-owned policies cannot be replaced', () => {
    // Arrange
    const role = aRole({
      name: 'AWSServiceRoleForSupport',
      serviceLinked: true,
      inlinePolicies: [{ name: 'admin', document: allowDocument('*') }],
    });

    // Act
    const doc = analyze(roleAlone(role));

    // Assert
    const result = doc.identities[0]!;
    expect(result.findings.map((f) => f.ruleId)).toEqual([]);
    expect(result.recommendation).toBe('not-applicable');
    expect(result.recommendedPolicy).toBeNull();
  });

  it('reports root user activity as its own finding', () => {
    // Arrange
    const rootCall = aRecord({
      userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
    });

    // Act
    const doc = analyze({ ...roleAlone(aRole()), records: [rootCall] });

    // Assert
    expect(ruleIdsOf(doc, `arn:aws:iam::${ACCOUNT}:root`)).toEqual(['LP-IAM-010']);
  });
});
