import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import {
  buildObservationIndex,
  type Evidence,
  joinUsage,
  UNOBSERVABLE_EXPLANATIONS,
  type UnobservableReason,
} from '#core/engine/join-usage.ts';
import type { ActionUsage, CorpusCoverage } from '#core/engine/usage.ts';
import type { ServiceLastAccessed } from '#core/iam/inventory.ts';
import { ActionSet } from '#core/policy/action-set.ts';
import { type EffectiveGrant, GrantCalculator } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';
import {
  aCoverage,
  allowDocument,
  aPrincipalUsage,
  BEFORE_WINDOW,
  IN_WINDOW,
  roleArn,
  WINDOW,
} from '#test/helpers/builders.ts';

/** A trail that held management reads and writes but no data events. */
const MANAGEMENT_TRAIL: Partial<CorpusCoverage> = {
  recordsRead: 100,
  recordsInWindow: 100,
  readOnlyEvents: 60,
  writeEvents: 40,
};

describe('joinUsage', () => {
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
  const names = (set: ActionSet) => [...set.ids()].map((i) => catalog.actions[i]!.qualified);

  function grantOf(...actions: string[]): EffectiveGrant {
    return calculator.compute([
      { kind: 'inline', name: 'grant', document: allowDocument(...actions) },
    ]);
  }

  function usageOf(...used: string[]) {
    const time = Date.parse(IN_WINDOW);
    const entry = (): ActionUsage => ({ count: 1, first: time, last: time });
    return aPrincipalUsage({ used: new Map(used.map((u) => [id(u), entry()])) });
  }

  /** Joins with a corpus of the given coverage. */
  function join(
    grant: EffectiveGrant,
    options: {
      used?: string[];
      coverage?: Partial<CorpusCoverage>;
      lastAccessed?: ServiceLastAccessed;
      activityOutsideCorpus?: boolean;
    } = {},
  ): Evidence {
    const index = buildObservationIndex(
      catalog,
      aCoverage(options.coverage ?? MANAGEMENT_TRAIL),
      WINDOW,
    );
    const usage = options.used ? usageOf(...options.used) : undefined;
    return joinUsage(
      grant,
      usage,
      options.lastAccessed,
      index,
      options.activityOutsideCorpus ?? false,
    );
  }

  /** The reason an action is unobservable, `unused`, `used`, or undefined when not granted. */
  function stateOf(evidence: Evidence, qualified: string): string | undefined {
    const i = id(qualified);
    if (evidence.used.has(i)) return 'used';
    if (evidence.unused.has(i)) return 'unused';
    for (const [reason, set] of evidence.unobservable) if (set.has(i)) return reason;
    return undefined;
  }

  function advisor(namespace: string, lastAuthenticated?: string): ServiceLastAccessed {
    const service: ServiceLastAccessed['services'][number] = { namespace };
    if (lastAuthenticated) service.lastAuthenticated = lastAuthenticated;
    return { principalArn: roleArn('app-role'), services: [service] };
  }

  const BROAD = [
    's3:*',
    'ec2:Describe*',
    'ec2:RunInstances',
    'iam:PassRole',
    'dynamodb:*',
    'lambda:InvokeFunction',
  ];

  it.each<[string, Partial<CorpusCoverage>]>([
    ['a management trail', MANAGEMENT_TRAIL],
    ['a write-only trail', { recordsInWindow: 5, writeEvents: 5 }],
    ['a trail with data events', { ...MANAGEMENT_TRAIL, dataEventServices: new Map([['s3', 3]]) }],
    ['no trail in the window', { recordsRead: 5, recordsOutsideWindow: 5 }],
  ])('partitions the grant into disjoint used, unused and unobservable sets with %s', (_l, coverage) => {
    // Arrange
    const grant = grantOf(...BROAD);
    const used = ['ec2:RunInstances', 's3:CreateBucket', 'sqs:SendMessage'];

    // Act
    const evidence = join(grant, { used, coverage });

    // Assert
    const sets = [evidence.used, evidence.unused, ...evidence.unobservable.values()];
    for (const [i, a] of sets.entries()) {
      for (const b of sets.slice(i + 1)) expect(a.intersects(b)).toBe(false);
    }
    const union = new ActionSet(catalog.actions.length);
    for (const s of sets) union.unionWith(s);
    expect(union.words).toEqual(grant.allowed.words);
    expect(evidence.unobservableAll.count()).toBe(
      [...evidence.unobservable.values()].reduce((n, s) => n + s.count(), 0),
    );
    expect(names(evidence.usedNotGranted)).toEqual(['sqs:SendMessage']);
  });

  it('keeps the used actions that the grant allows', () => {
    // Arrange
    const grant = grantOf(...BROAD);

    // Act
    const evidence = join(grant, { used: ['ec2:RunInstances', 's3:CreateBucket'] });

    // Assert
    expect(names(evidence.used).sort()).toEqual(['ec2:RunInstances', 's3:CreateBucket']);
    expect(evidence.usedServices).toEqual(['ec2', 's3']);
  });

  it('never calls a permission-only action such as iam:PassRole unused', () => {
    // Arrange
    const grant = grantOf('iam:PassRole', 'iam:CreateRole');
    const everything: Partial<CorpusCoverage> = {
      ...MANAGEMENT_TRAIL,
      dataEventServices: new Map(catalog.services().map((s) => [s, 1])),
    };

    // Act
    const evidence = join(grant, { coverage: everything });

    // Assert
    expect(stateOf(evidence, 'iam:PassRole')).toBe('permission-only');
    expect(stateOf(evidence, 'iam:CreateRole')).toBe('unused');
  });

  it('calls data-event actions unobservable when the corpus has no data events for the service', () => {
    // Arrange
    const grant = grantOf('dynamodb:GetItem', 'dynamodb:CreateTable', 's3:GetObject');

    // Act
    const evidence = join(grant, {
      coverage: { ...MANAGEMENT_TRAIL, dataEventServices: new Map([['lambda', 4]]) },
    });

    // Assert
    expect(stateOf(evidence, 'dynamodb:GetItem')).toBe('data-events-not-logged');
    expect(stateOf(evidence, 's3:GetObject')).toBe('data-events-not-logged');
    expect(stateOf(evidence, 'dynamodb:CreateTable')).toBe('unused');
  });

  it('calls data-event actions unused when the corpus has data events for their service', () => {
    // Arrange
    const grant = grantOf('dynamodb:GetItem', 's3:GetObject');

    // Act
    const evidence = join(grant, {
      coverage: { ...MANAGEMENT_TRAIL, dataEventServices: new Map([['dynamodb', 4]]) },
    });

    // Assert
    expect(stateOf(evidence, 'dynamodb:GetItem')).toBe('unused');
    expect(stateOf(evidence, 's3:GetObject')).toBe('data-events-not-logged');
  });

  it('calls reads unobservable when the corpus holds no read-only event', () => {
    // Arrange
    const grant = grantOf('ec2:DescribeInstances', 'ec2:RunInstances');

    // Act
    const writeOnly = join(grant, { coverage: { recordsInWindow: 5, writeEvents: 5 } });
    const withReads = join(grant, { coverage: MANAGEMENT_TRAIL });

    // Assert
    expect(stateOf(writeOnly, 'ec2:DescribeInstances')).toBe('read-events-not-logged');
    expect(stateOf(writeOnly, 'ec2:RunInstances')).toBe('unused');
    expect(stateOf(withReads, 'ec2:DescribeInstances')).toBe('unused');
  });

  it('calls every action of a service unobservable when Access Advisor saw it used in the window', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances', 'ec2:TerminateInstances', 's3:CreateBucket');

    // Act
    const evidence = join(grant, { lastAccessed: advisor('EC2', '2026-10-01T00:00:00Z') });

    // Assert
    expect(stateOf(evidence, 'ec2:RunInstances')).toBe('service-used-per-access-advisor');
    expect(stateOf(evidence, 'ec2:TerminateInstances')).toBe('service-used-per-access-advisor');
    expect(stateOf(evidence, 's3:CreateBucket')).toBe('unused');
    expect(evidence.unusedServices).toEqual(['s3']);
  });

  it('ignores Access Advisor when the trail already shows an action of the service', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances', 'ec2:TerminateInstances');

    // Act
    const evidence = join(grant, {
      used: ['ec2:RunInstances'],
      lastAccessed: advisor('ec2', '2026-10-01T00:00:00Z'),
    });

    // Assert
    expect(stateOf(evidence, 'ec2:TerminateInstances')).toBe('unused');
  });

  it('ignores Access Advisor use from before the window', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances');

    // Act
    const evidence = join(grant, { lastAccessed: advisor('ec2', BEFORE_WINDOW) });

    // Assert
    expect(stateOf(evidence, 'ec2:RunInstances')).toBe('unused');
  });

  it('calls everything unobservable when no trail record falls in the window', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances', 's3:CreateBucket', 'iam:PassRole');

    // Act
    const evidence = join(grant, { coverage: { recordsRead: 10, recordsOutsideWindow: 10 } });

    // Assert
    expect(evidence.unused.isEmpty()).toBe(true);
    expect([...evidence.unobservable.keys()]).toEqual(['no-activity-data']);
    expect(evidence.unobservableAll.words).toEqual(grant.allowed.words);
  });

  it('without a trail, keeps only the services Access Advisor saw used', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances', 's3:CreateBucket', 'iam:PassRole');

    // Act
    const evidence = join(grant, {
      coverage: { recordsRead: 10, recordsOutsideWindow: 10 },
      lastAccessed: advisor('ec2', '2026-10-01T00:00:00Z'),
    });

    // Assert
    expect(stateOf(evidence, 'ec2:RunInstances')).toBe('service-used-per-access-advisor');
    expect(stateOf(evidence, 's3:CreateBucket')).toBe('unused');
    expect(stateOf(evidence, 'iam:PassRole')).toBe('permission-only');
  });

  it('calls everything unobservable when IAM reports activity the corpus does not hold', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances', 'iam:PassRole');

    // Act
    const evidence = join(grant, { activityOutsideCorpus: true });

    // Assert
    expect([...evidence.unobservable.keys()]).toEqual(['activity-outside-corpus']);
    expect(evidence.unused.isEmpty()).toBe(true);
  });

  it('reports denied attempts beside usage, never as usage', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances');
    const time = Date.parse(IN_WINDOW);
    const usage = aPrincipalUsage({
      denied: new Map([
        [id('ec2:RunInstances'), { count: 1, first: time, last: time, errorCodes: new Set(['x']) }],
      ]),
    });
    const index = buildObservationIndex(catalog, aCoverage(MANAGEMENT_TRAIL), WINDOW);

    // Act
    const evidence = joinUsage(grant, usage, undefined, index, false);

    // Assert
    expect(names(evidence.denied)).toEqual(['ec2:RunInstances']);
    expect(stateOf(evidence, 'ec2:RunInstances')).toBe('unused');
  });

  it('lists wholly unused services, leaving out those with anything kept', () => {
    // Arrange
    const grant = grantOf('ec2:RunInstances', 'sqs:CreateQueue', 'iam:PassRole', 'iam:CreateRole');

    // Act
    const evidence = join(grant, { used: ['ec2:RunInstances'] });

    // Assert
    expect(evidence.unusedServices).toEqual(['sqs']);
    expect(evidence.usedServices).toEqual(['ec2']);
  });

  it('explains every unobservable reason', () => {
    // Arrange
    const reasons: UnobservableReason[] = [
      'permission-only',
      'data-events-not-logged',
      'read-events-not-logged',
      'service-used-per-access-advisor',
      'activity-outside-corpus',
      'no-activity-data',
    ];

    // Act
    const missing = reasons.filter((r) => !UNOBSERVABLE_EXPLANATIONS[r]);

    // Assert
    expect(missing).toEqual([]);
  });
});

describe('buildObservationIndex', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  it('marks the trail unobserved when no record fell in the window', () => {
    // Arrange
    const coverage = aCoverage({ recordsRead: 3, recordsOutsideWindow: 3 });

    // Act
    const index = buildObservationIndex(catalog, coverage, WINDOW);

    // Assert
    expect(index.trailObserved).toBe(false);
  });

  it('leaves reads observable once any read-only event was seen', () => {
    // Arrange
    const coverage = aCoverage({ recordsInWindow: 1, readOnlyEvents: 1 });

    // Act
    const index = buildObservationIndex(catalog, coverage, WINDOW);

    // Assert
    expect(index.trailObserved).toBe(true);
    expect(index.readsNotLogged.isEmpty()).toBe(true);
    expect(index.permissionOnly.has(catalog.idOf('iam:PassRole')!)).toBe(true);
  });
});
