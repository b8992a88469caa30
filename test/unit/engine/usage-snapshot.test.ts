import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { DAY_MS } from '#core/engine/scan.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import {
  daySnapshotWindow,
  mergeSnapshots,
  parseUsageSnapshot,
  snapshotUsage,
  UNKNOWN_ACTION_REASON,
  type UsageSnapshot,
  UsageSnapshotVersionError,
  usageDays,
} from '#core/engine/usage-snapshot.ts';
import type { AccountInventory } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import {
  allowDocument,
  anInventory,
  aRecord,
  aRole,
  asRole,
  asUser,
  aUser,
  OTHER_ACCOUNT,
  roleArn,
  userArn,
  WINDOW,
} from '#test/helpers/builders.ts';

const SAMPLE = fileURLToPath(new URL('../../../examples/sample-account/', import.meta.url));
const SAMPLE_AS_OF = Date.parse('2026-11-15T00:00:00Z');

/** A record with where it came from, as a source hands it to the aggregator. */
interface Located {
  value: unknown;
  file: string;
  index: number;
  prefix: 'Records' | 'Events' | 'line' | 'item';
}

/** Folds records into a fresh aggregator. */
function aggregate(catalog: ActionCatalog, window: typeof WINDOW, records: Located[]) {
  const agg = new UsageAggregator(catalog, window);
  for (const r of records) agg.add(r.value, r.file, r.index, r.prefix);
  return agg;
}

/** Snapshot → JSON text → parsed snapshot, as stored in S3 and read back. */
function roundTrip(agg: UsageAggregator): UsageSnapshot {
  return parseUsageSnapshot(JSON.parse(JSON.stringify(snapshotUsage(agg))));
}

function analyze(
  catalog: ActionCatalog,
  inventory: AccountInventory,
  usage: UsageAggregator,
  window: typeof WINDOW,
  issues: InputIssue[] = [],
) {
  return analyzeAccount({
    inventory,
    usage,
    catalog,
    window,
    lookbackDays: Math.round((window.to - window.from) / DAY_MS),
    issues: [...issues],
    toolVersion: 'test',
  });
}

const located = (values: unknown[], file = 'trail.json'): Located[] =>
  values.map((value, index) => ({ value, file, index, prefix: 'Records' }));

describe('usage snapshots', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  it('gives the sample account the same findings from two merged halves as from one pass', async () => {
    // Arrange
    const source = new ExportDirectory(SAMPLE);
    const issues: InputIssue[] = [];
    const inventory = await source.loadInventory(issues);
    const records: Located[] = [];
    for await (const b of source.batches(issues)) {
      b.records.forEach((value, i) => {
        const index = b.positions ? b.positions[i]! : b.firstIndex + i;
        records.push({ value, file: b.file, index, prefix: b.locationPrefix });
      });
    }
    const window = { from: SAMPLE_AS_OF - 90 * DAY_MS, to: SAMPLE_AS_OF };
    const half = Math.floor(records.length / 2);
    const whole = aggregate(catalog, window, records);

    // Act
    const merged = new UsageAggregator(catalog, window);
    mergeSnapshots(merged, roundTrip(aggregate(catalog, window, records.slice(0, half))));
    mergeSnapshots(merged, roundTrip(aggregate(catalog, window, records.slice(half))));

    // Assert
    expect(records.length).toBeGreaterThan(1000);
    expect(merged.principals).toEqual(whole.principals);
    expect(merged.linkages).toEqual(whole.linkages);
    expect(merged.coverage).toEqual(whole.coverage);
    expect(analyze(catalog, inventory, merged, window, issues)).toEqual(
      analyze(catalog, inventory, whole, window, issues),
    );
  });

  it('merges capped evidence, denials, skips and unmapped pairs as one aggregator would', () => {
    // Arrange: every kind of state, with each half adding to what the other started.
    const ci = roleArn('ci');
    const target = roleArn('target');
    const assume = (session: string, i: number, time: string) =>
      aRecord({
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        eventTime: time,
        eventID: `evt-${i}`,
        userIdentity: asRole(ci, {
          invokedBy: i > 2 ? 'cloudformation.amazonaws.com' : undefined,
          sessionContext: {
            sessionIssuer: { type: 'Role', principalId: 'AROA1', arn: ci, accountId: '1' },
            sourceIdentity: `person-${i % 3}`,
          },
        }),
        requestParameters: { roleArn: target, roleSessionName: `s-${session}` },
      } as never);
    const values: unknown[] = [
      ...Array.from({ length: 8 }, (_, i) =>
        assume(String(i % 4), i, `2026-11-0${1 + (i % 8)}T00:00:00Z`),
      ),
      aRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        errorCode: 'AccessDenied',
      }),
      aRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        errorCode: 'AccessDeniedException',
        eventTime: '2026-11-03T00:00:00Z',
      }),
      aRecord({ eventSource: 'made-up.amazonaws.com', eventName: 'DoThing' }),
      aRecord({ eventSource: 'made-up.amazonaws.com', eventName: 'DoThing' }),
      ...Array.from({ length: 7 }, () => ({ eventTime: '2026-11-01T00:00:00Z' })),
      aRecord({ eventTime: '2020-01-01T00:00:00Z' }),
      aRecord({
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        eventCategory: 'Data',
        userIdentity: asUser(`arn:aws:iam::${OTHER_ACCOUNT}:user/visitor`),
      }),
      aRecord({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }),
      42,
    ];
    const records = located(values);
    const whole = aggregate(catalog, WINDOW, records);

    for (const cut of [3, 9, 13, records.length - 2]) {
      // Act
      const merged = new UsageAggregator(catalog, WINDOW);
      mergeSnapshots(merged, roundTrip(aggregate(catalog, WINDOW, records.slice(0, cut))));
      mergeSnapshots(merged, roundTrip(aggregate(catalog, WINDOW, records.slice(cut))));

      // Assert
      expect(merged.principals, `cut at ${cut}`).toEqual(whole.principals);
      expect(merged.linkages, `cut at ${cut}`).toEqual(whole.linkages);
      expect(merged.coverage, `cut at ${cut}`).toEqual(whole.coverage);
    }
    expect(whole.linkages.size).toBe(1);
    expect([...whole.linkages.values()][0]!.eventIds).toHaveLength(5);
    expect(whole.coverage.skipped.get('no-user-identity')!.examples).toHaveLength(5);
  });

  it('stores actions by name, so a snapshot outlives the catalog indexes', () => {
    // Arrange
    const agg = aggregate(catalog, WINDOW, located([aRecord({ eventName: 'ListBuckets' })]));

    // Act
    const snapshot = snapshotUsage(agg);

    // Assert
    expect(snapshot.version).toBe(1);
    expect(snapshot.window).toEqual(WINDOW);
    expect(snapshot.principals[0]!.used.map((u) => u.action)).toEqual(['s3:ListAllMyBuckets']);
  });

  it('counts usage of actions the catalog does not know instead of throwing', () => {
    // Arrange
    const snapshot = roundTrip(aggregate(catalog, WINDOW, located([aRecord()])));
    const alice = snapshot.principals[0]!;
    alice.used.push({ action: 'retired:OldCall', count: 4, first: WINDOW.from, last: WINDOW.to });
    alice.denied.push({
      action: 'retired:OldCall',
      count: 1,
      first: WINDOW.from,
      last: WINDOW.from,
      errorCodes: ['AccessDenied'],
    });
    const agg = new UsageAggregator(catalog, WINDOW);

    // Act
    const result = mergeSnapshots(agg, snapshot);

    // Assert
    expect(result.unknownActions).toEqual(new Map([['retired:OldCall', 5]]));
    expect(agg.coverage.skipped.get(UNKNOWN_ACTION_REASON)?.count).toBe(5);
    expect(agg.principals.get(userArn('alice'))!.used.size).toBe(1);
  });

  it('rejects a snapshot of another format version with a clear error', () => {
    // Arrange
    const snapshot = { ...snapshotUsage(new UsageAggregator(catalog, WINDOW)), version: 2 };

    // Act
    const parse = () => parseUsageSnapshot(JSON.parse(JSON.stringify(snapshot)));
    const merge = () =>
      mergeSnapshots(new UsageAggregator(catalog, WINDOW), snapshot as unknown as UsageSnapshot);

    // Assert
    expect(parse).toThrow(UsageSnapshotVersionError);
    expect(parse).toThrow(/version 2 is not supported.*reads version 1/);
    expect(merge).toThrow(UsageSnapshotVersionError);
  });

  it('names the malformed field of a damaged snapshot', () => {
    // Arrange
    const snapshot = JSON.parse(
      JSON.stringify(snapshotUsage(new UsageAggregator(catalog, WINDOW))),
    );
    snapshot.coverage.recordsRead = 'many';

    // Act
    const parse = () => parseUsageSnapshot(snapshot);

    // Assert
    expect(parse).toThrow(/coverage\.recordsRead/);
  });

  it('clamps the observed range of a day snapshot to the window it is merged into', () => {
    // Arrange
    const day = daySnapshotWindow('2026-11-14');
    const snapshot = roundTrip(
      aggregate(
        catalog,
        day,
        located([
          aRecord({ eventTime: '2026-11-13T10:00:00Z' }),
          aRecord({ eventTime: '2026-11-15T10:00:00Z' }),
        ]),
      ),
    );
    const agg = new UsageAggregator(catalog, WINDOW);

    // Act
    mergeSnapshots(agg, snapshot);

    // Assert
    expect(agg.coverage.observedFrom).toBe(Date.parse('2026-11-13T10:00:00Z'));
    expect(agg.coverage.observedTo).toBe(WINDOW.to);
  });

  it('gives a day snapshot the day before and the day after as its window', () => {
    // Act
    const window = daySnapshotWindow('2026-11-14');

    // Assert
    expect(window).toEqual({
      from: Date.parse('2026-11-13T00:00:00Z'),
      to: Date.parse('2026-11-16T00:00:00Z') - 1,
    });
    expect(() => daySnapshotWindow('14/11/2026')).toThrow(/yyyy-mm-dd/);
  });

  it('lists one usage row per identity and used action for the store', () => {
    // Arrange
    const bob = roleArn('bob');
    const agg = aggregate(
      catalog,
      WINDOW,
      located([
        aRecord({ eventTime: '2026-11-14T01:00:00Z' }),
        aRecord({ eventTime: '2026-11-14T03:00:00Z' }),
        aRecord({ userIdentity: asRole(bob), eventName: 'GetBucketPolicy' }),
        aRecord({ eventName: 'DeleteBucket', errorCode: 'AccessDenied' }),
      ]),
    );

    // Act
    const rows = usageDays(snapshotUsage(agg), '2026-11-14');

    // Assert
    expect(rows).toEqual([
      {
        identityId: userArn('alice'),
        action: 's3:ListAllMyBuckets',
        day: '2026-11-14',
        count: 2,
        first: Date.parse('2026-11-14T01:00:00Z'),
        last: Date.parse('2026-11-14T03:00:00Z'),
      },
      expect.objectContaining({ identityId: bob, action: 's3:GetBucketPolicy', count: 1 }),
    ]);
  });

  it('keeps a merged identity analysable when it was only in the second snapshot', () => {
    // Arrange
    const role = aRole({ inlinePolicies: [{ name: 'p', document: allowDocument('s3:*') }] });
    const inventory = anInventory({ roles: [role], users: [aUser()] });
    const first = located([aRecord()]);
    const second = located([aRecord({ userIdentity: asRole(role.arn), eventName: 'ListBuckets' })]);
    const whole = aggregate(catalog, WINDOW, [...first, ...second]);
    const merged = new UsageAggregator(catalog, WINDOW);

    // Act
    mergeSnapshots(merged, roundTrip(aggregate(catalog, WINDOW, first)));
    mergeSnapshots(merged, roundTrip(aggregate(catalog, WINDOW, second)));

    // Assert
    expect(analyze(catalog, inventory, merged, WINDOW)).toEqual(
      analyze(catalog, inventory, whole, WINDOW),
    );
  });
});
