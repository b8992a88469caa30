import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { buildObservationIndex, type Evidence, joinUsage } from '#core/engine/join-usage.ts';
import {
  MANAGED_POLICY_MAX_CHARS,
  type PolicyJson,
  policySize,
  type Recommendation,
  recommendPolicy,
} from '#core/engine/recommend.ts';
import type { CorpusCoverage } from '#core/engine/usage.ts';
import { ActionSet } from '#core/policy/action-set.ts';
import type { NormalizedStatement } from '#core/policy/document.ts';
import { type EffectiveGrant, GrantCalculator, type PolicySource } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';
import {
  aCoverage,
  aDocument,
  allowDocument,
  aPrincipalUsage,
  IN_WINDOW,
  policyArn,
  WINDOW,
} from '#test/helpers/builders.ts';

/** A trail with management writes only: reads are unobservable, writes observable. */
const WRITE_ONLY_TRAIL: Partial<CorpusCoverage> = { recordsInWindow: 50, writeEvents: 50 };
/** A trail with management reads and writes. */
const FULL_TRAIL: Partial<CorpusCoverage> = {
  recordsInWindow: 50,
  readOnlyEvents: 20,
  writeEvents: 30,
};

const REGION_CONDITION = { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } };

describe('recommendPolicy', () => {
  let catalog: ActionCatalog;
  let calculator: GrantCalculator;

  beforeAll(async () => {
    catalog = await loadCatalog();
    calculator = new GrantCalculator(new ActionMatcher(catalog));
  });

  const id = (qualified: string) => {
    const found = catalog.idOf(qualified);
    if (found === undefined) throw new Error(`catalog has no ${qualified}`);
    return found;
  };

  /** Grant, evidence and recommendation for the sources, used actions and trail. */
  function recommend(
    sources: PolicySource[],
    used: string[],
    coverage: Partial<CorpusCoverage> = FULL_TRAIL,
  ): { grant: EffectiveGrant; evidence: Evidence; recommendation: Recommendation } {
    const grant = calculator.compute(sources);
    const time = Date.parse(IN_WINDOW);
    const usage = aPrincipalUsage({
      used: new Map(used.map((u) => [id(u), { count: 1, first: time, last: time }])),
    });
    const index = buildObservationIndex(catalog, aCoverage(coverage), WINDOW);
    const evidence = joinUsage(grant, usage, undefined, index, false);
    return { grant, evidence, recommendation: recommendPolicy('app', grant, evidence, catalog) };
  }

  function inline(name: string, ...statements: Partial<NormalizedStatement>[]): PolicySource {
    return { kind: 'inline', name, document: aDocument(...statements) };
  }

  function managed(name: string, actions: string[], viaGroup?: string): PolicySource {
    const source: PolicySource = {
      kind: 'customer-managed',
      name,
      arn: policyArn(name),
      document: allowDocument(...actions),
    };
    if (viaGroup) source.viaGroup = viaGroup;
    return source;
  }

  /** Every action across the recommended policies. */
  function keptActions(recommendation: Recommendation): string[] {
    return recommendation.policies.flatMap((p) => p.document.Statement.flatMap((s) => s.Action));
  }

  it('keeps used and unobservable actions under their original Resource and Condition', () => {
    // Arrange
    const sources = [
      inline(
        'app',
        {
          actions: ['s3:CreateBucket', 's3:DeleteBucket'],
          resources: ['arn:aws:s3:::app-*'],
          condition: REGION_CONDITION,
        },
        { actions: ['ec2:RunInstances', 'ec2:DescribeInstances', 'ec2:TerminateInstances'] },
      ),
    ];

    // Act
    const { recommendation } = recommend(
      sources,
      ['s3:CreateBucket', 'ec2:RunInstances'],
      WRITE_ONLY_TRAIL,
    );

    // Assert
    expect(recommendation.policies).toHaveLength(1);
    expect(recommendation.policies[0]!.name).toBe('leash-app-1');
    expect(recommendation.policies[0]!.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Used1',
          Effect: 'Allow',
          Action: ['s3:CreateBucket'],
          Resource: ['arn:aws:s3:::app-*'],
          Condition: REGION_CONDITION,
        },
        { Sid: 'Used2', Effect: 'Allow', Action: ['ec2:RunInstances'], Resource: ['*'] },
        {
          Sid: 'KeptUnobservable3',
          Effect: 'Allow',
          Action: ['ec2:DescribeInstances'],
          Resource: ['*'],
        },
      ],
    });
    expect(recommendation.keptActions).toBe(3);
    expect(recommendation.keptUnobservable).toBe(1);
    expect(recommendation.removedActions).toBe(2);
  });

  it('keeps NotResource scoping as written', () => {
    // Arrange
    const sources = [
      inline('app', {
        actions: ['s3:CreateBucket', 's3:DeleteBucket'],
        resources: undefined,
        notResources: ['arn:aws:s3:::prod-*'],
      }),
    ];

    // Act
    const { recommendation } = recommend(sources, ['s3:CreateBucket']);

    // Assert
    expect(recommendation.policies[0]!.document.Statement).toEqual([
      {
        Sid: 'Used1',
        Effect: 'Allow',
        Action: ['s3:CreateBucket'],
        NotResource: ['arn:aws:s3:::prod-*'],
      },
    ]);
  });

  it('writes an action kept under an unconditional all-resource statement only there', () => {
    // Arrange
    const sources = [
      inline(
        'app',
        { actions: ['s3:CreateBucket', 'sqs:CreateQueue'] },
        {
          actions: ['s3:CreateBucket', 's3:PutBucketPolicy'],
          resources: ['arn:aws:s3:::x'],
          condition: REGION_CONDITION,
        },
      ),
    ];

    // Act
    const { recommendation } = recommend(sources, ['s3:CreateBucket', 's3:PutBucketPolicy']);

    // Assert
    const statements = recommendation.policies[0]!.document.Statement;
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [['s3:CreateBucket'], ['*']],
      [['s3:PutBucketPolicy'], ['arn:aws:s3:::x']],
    ]);
  });

  it('never includes an unused action', () => {
    // Arrange
    const sources = [
      managed('broad', ['ec2:*', 's3:*', 'iam:*']),
      inline('more', { actions: ['sqs:*'], resources: ['arn:aws:sqs:*:*:q'] }),
    ];

    // Act
    const { evidence, recommendation } = recommend(sources, [
      'ec2:RunInstances',
      's3:CreateBucket',
      'sqs:CreateQueue',
    ]);

    // Assert
    const unused = new Set([...evidence.unused.ids()].map((i) => catalog.actions[i]!.qualified));
    const kept = keptActions(recommendation);
    expect(kept.filter((a) => unused.has(a))).toEqual([]);
    const keep = evidence.used.clone().unionWith(evidence.unobservableAll);
    expect(new Set(kept)).toEqual(
      new Set([...keep.ids()].map((i) => catalog.actions[i]!.qualified)),
    );
    expect(unused.has('ec2:TerminateInstances')).toBe(true);
  });

  it('splits many kept actions into policies that each fit the managed policy size limit', () => {
    // Arrange
    const size = catalog.actions.length;
    const grant = calculator.compute([managed('admin', ['*'])]);
    const kept = ActionSet.of(
      size,
      Array.from({ length: 1500 }, (_, i) => i * 7),
    );
    const evidence: Evidence = {
      used: kept,
      unused: grant.allowed.clone().subtract(kept),
      unobservable: new Map(),
      unobservableAll: new ActionSet(size),
      usedNotGranted: new ActionSet(size),
      denied: new ActionSet(size),
      unusedServices: [],
      usedServices: [],
    };

    // Act
    const recommendation = recommendPolicy('admin-role', grant, evidence, catalog);

    // Assert
    expect(recommendation.policies.length).toBeGreaterThan(1);
    for (const p of recommendation.policies) {
      expect(JSON.stringify(p.document).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
      expect(p.size).toBe(JSON.stringify(p.document).length);
    }
    const actions = keptActions(recommendation);
    expect(actions).toHaveLength(1500);
    expect(new Set(actions)).toEqual(
      new Set([...kept.ids()].map((i) => catalog.actions[i]!.qualified)),
    );
    const sids = recommendation.policies.flatMap((p) => p.document.Statement.map((s) => s.Sid));
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids.every((s) => /^[A-Za-z0-9]+$/.test(s))).toBe(true);
    expect(recommendation.policies.map((p) => p.name)).toEqual(
      recommendation.policies.map((_, i) => `leash-admin-role-${i + 1}`),
    );
    expect(recommendation.exceedsManagedPolicyQuota).toBe(recommendation.policies.length > 10);
    expect(recommendation.fitsRoleInlineLimit).toBe(false);
  });

  it('measures policy size as minified JSON', () => {
    // Arrange
    const doc: PolicyJson = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'A', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }],
    };

    // Act
    const size = policySize(doc);

    // Assert
    expect(size).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}'
        .length,
    );
  });

  it('advises detaching or deleting wholly unused policies, and only those', () => {
    // Arrange
    const sources = [
      managed('used-policy', ['s3:CreateBucket', 's3:DeleteBucket']),
      managed('unused-policy', ['sqs:CreateQueue']),
      inline('unused-inline', { actions: ['sns:CreateTopic'] }),
      managed('group-policy', ['kinesis:CreateStream'], 'devs'),
      managed('pass-role-only', ['iam:PassRole']),
    ];

    // Act
    const { recommendation } = recommend(sources, ['s3:CreateBucket']);

    // Assert
    expect(recommendation.detach).toEqual([
      {
        policy: 'unused-policy',
        arn: policyArn('unused-policy'),
        kind: 'customer-managed',
        reason: 'nothing it grants was used or is unobservable: detach the policy',
      },
      {
        policy: 'unused-inline',
        kind: 'inline',
        reason: 'nothing it grants was used or is unobservable: delete the inline policy',
      },
      {
        policy: 'group-policy',
        arn: policyArn('group-policy'),
        kind: 'customer-managed',
        viaGroup: 'devs',
        reason: expect.stringContaining('through group devs'),
      },
    ]);
  });

  it('describes the change in a diff of removed and kept actions per policy', () => {
    // Arrange
    const sources = [
      managed('app-policy', ['s3:CreateBucket', 's3:DeleteBucket', 'ec2:DescribeInstances']),
    ];

    // Act
    const { recommendation } = recommend(sources, ['s3:CreateBucket'], WRITE_ONLY_TRAIL);

    // Assert
    expect(recommendation.diff.split('\n')).toEqual([
      '--- app-policy (customer-managed): 3 actions',
      '- s3:DeleteBucket',
      '  ec2:DescribeInstances   (kept: use not observable)',
      '  s3:CreateBucket',
      expect.stringMatching(/^\+\+\+ leash-app-1: 2 statements, 2 actions, \d+ characters$/),
    ]);
  });

  it('summarises long action lists by service in the diff', () => {
    // Arrange
    const sources = [managed('ec2-full', ['ec2:*'])];

    // Act
    const { recommendation } = recommend(sources, ['ec2:RunInstances'], WRITE_ONLY_TRAIL);

    // Assert
    expect(recommendation.diff).toMatch(/^- removes \d+ actions in 1 services \(ec2: \d+\)$/m);
  });
});
