/**
 * The FindingStore contract, run against the DynamoDB store on dynalite (embedded, in memory and
 * persisted to a directory), the DynamoDB store on moto, and the memory store: the same scans
 * must give the same diffs and history everywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoFindingStore } from '#adapters/dynamodb/finding-store.ts';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import { MemoryFindingStore } from '#adapters/memory/finding-store.ts';
import {
  type Finding,
  type FindingsDocument,
  FindingsDocumentSchema,
  type IdentityResult,
} from '#core/model/findings.ts';
import type { FindingStore } from '#core/ports/finding-store.ts';
import { type EmbeddedDynamo, startDynalite } from '#test/helpers/dynalite.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const DAY = 86_400_000;
const T1 = Date.parse('2026-11-01T00:00:00Z');
const T2 = T1 + 7 * DAY;
const T3 = T2 + 7 * DAY;

function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'LP-IAM-001',
    rule: 'unused-permissions',
    severity: 'medium',
    title: '12 of 40 granted actions unused (30%), in 2 wholly unused services',
    explanation: 'Granted actions were not used in the window.',
    evidence: { unused: 12, granted: 40, services: ['s3', 'sqs'] },
    ...overrides,
  };
}

function anIdentity(name: string, findings: Finding[], accountId = ACCOUNT): IdentityResult {
  return {
    id: `arn:aws:iam::${accountId}:role/${name}`,
    name,
    type: 'role',
    accountId,
    path: '/',
    createDate: null,
    tags: {},
    class: 'workload',
    aiRole: null,
    classifiedBy: { rule: 'default', reason: 'test' },
    serviceLinked: false,
    confidence: 'high',
    links: {
      owners: [],
      createdBy: [],
      deployedBy: [],
      assumedBy: [],
      tools: [],
      sourceIdentities: [],
      identityCenterUsers: [],
    },
    activity: {
      events: 0,
      firstSeen: null,
      lastSeen: null,
      consoleSignIns: 0,
      lastActivityReportedByIam: null,
      crossAccountEvents: 0,
    },
    grant: {
      policies: [],
      allowedActions: 0,
      permissionsBoundary: null,
      conditionallyDeniedActions: [],
      unknownActions: [],
      missingPolicies: [],
    },
    usedActions: [],
    unusedActions: [],
    unobservableActions: [],
    deniedActions: [],
    usedNotGranted: [],
    usedServices: [],
    unusedServices: [],
    recommendation: 'rightsize',
    recommendedPolicy: null,
    findings,
  };
}

function aDocument(identities: IdentityResult[], accounts = [ACCOUNT]): FindingsDocument {
  const iso = new Date(T1).toISOString();
  return FindingsDocumentSchema.parse({
    schemaVersion: '1',
    tool: { name: 'leash', version: 'test', catalogVersion: 'test' },
    window: {
      asOf: iso,
      lookbackDays: 90,
      from: iso,
      to: iso,
      observedFrom: null,
      observedTo: null,
      observedDays: 0,
    },
    accounts,
    summary: {
      identities: identities.length,
      byClass: {},
      byAiRole: {},
      findingsBySeverity: {},
      findingsByRule: {},
      grantedActions: 0,
      unusedActions: 0,
      unobservableActions: 0,
      identitiesToRightsize: 0,
      identitiesToDecommission: 0,
    },
    coverage: {
      files: { cloudtrail: 0, iam: 0, ignored: 0, withIssues: 0 },
      records: {
        read: 0,
        inWindow: 0,
        outsideWindow: 0,
        mapped: 0,
        unmapped: 0,
        noIamAction: {},
        unattributed: {},
        skipped: {},
      },
      mappingRate: null,
      unmappedPairs: [],
      readEventsObserved: false,
      dataEventServices: [],
      gaps: [],
      accessGaps: [],
      trails: [],
      unknownPrincipals: [],
      issues: [],
    },
    identities,
    agents: [],
    functions: [],
  });
}

/** Identity `app` with an unused-permissions finding and an unused policy per name. */
function appWith(policies: string[], unused = 12): IdentityResult {
  return anIdentity('app', [
    aFinding({
      title: `${unused} of 40 granted actions unused (30%), in 2 wholly unused services`,
    }),
    ...policies.map((p) =>
      aFinding({
        ruleId: 'LP-IAM-002',
        rule: 'unused-policy',
        severity: 'high',
        title: `Policy ${p} is unused`,
        evidence: { policy: p },
      }),
    ),
  ]);
}

const titles = (findings: { finding: Finding }[]) => findings.map((f) => f.finding.title).sort();

/** The contract every FindingStore meets. */
function contract(
  name: string,
  open: () => Promise<{ store: FindingStore; close(): Promise<void> }>,
) {
  describe(name, () => {
    let store: FindingStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(() => close());

    it('reports every finding of the first scan as new', async () => {
      // Act
      const diff = await store.recordScan(aDocument([appWith(['A', 'B'])]), 'run-1', T1);

      // Assert
      expect(diff.persisting).toBe(0);
      expect(diff.resolved).toEqual([]);
      expect(titles(diff.newFindings)).toEqual([
        '12 of 40 granted actions unused (30%), in 2 wholly unused services',
        'Policy A is unused',
        'Policy B is unused',
      ]);
      expect(diff.newFindings.every((f) => f.firstSeen === T1 && f.status === 'open')).toBe(true);
    });

    it('reports resolved and new findings and keeps first seen of the persisting ones', async () => {
      // Arrange
      await store.recordScan(aDocument([appWith(['A', 'B'])]), 'run-1', T1);

      // Act: B gone, C added, the measured numbers moved
      const diff = await store.recordScan(aDocument([appWith(['A', 'C'], 15)]), 'run-2', T2);

      // Assert
      expect(titles(diff.newFindings)).toEqual(['Policy C is unused']);
      expect(titles(diff.resolved)).toEqual(['Policy B is unused']);
      expect(diff.resolved[0]).toMatchObject({ status: 'resolved', resolvedAt: T2, firstSeen: T1 });
      expect(diff.persisting).toBe(2);
      const history = await store.findingHistory(appWith([]).id);
      expect(history).toHaveLength(4);
      const unused = history.find((f) => f.finding.ruleId === 'LP-IAM-001');
      expect(unused).toMatchObject({ firstSeen: T1, lastSeen: T2, status: 'open' });
      expect(unused?.finding.title).toMatch(/^15 of 40/);
      expect(titles(await store.openFindings())).toEqual([
        '15 of 40 granted actions unused (30%), in 2 wholly unused services',
        'Policy A is unused',
        'Policy C is unused',
      ]);
    });

    it('lists open findings the most severe first', async () => {
      // Arrange
      await store.recordScan(aDocument([appWith(['A'])]), 'run-1', T1);

      // Act
      const open = await store.openFindings();

      // Assert
      expect(open.map((f) => f.finding.severity)).toEqual(['high', 'medium']);
    });

    it('writes nothing new and returns the same diff when a run is recorded again', async () => {
      // Arrange
      await store.recordScan(aDocument([appWith(['A', 'B'])]), 'run-1', T1);
      const first = await store.recordScan(aDocument([appWith(['A', 'C'])]), 'run-2', T2);

      // Act
      const retry = await store.recordScan(aDocument([appWith(['A', 'C'])]), 'run-2', T2 + 60_000);

      // Assert
      expect(retry).toEqual(first);
      expect(await store.findingHistory(appWith([]).id)).toHaveLength(4);
      expect((await store.scans()).map((s) => s.runId)).toEqual(['run-1', 'run-2']);
    });

    it('reopens a resolved finding as new and keeps its first seen', async () => {
      // Arrange
      await store.recordScan(aDocument([appWith(['A'])]), 'run-1', T1);
      await store.recordScan(aDocument([appWith([])]), 'run-2', T2);

      // Act
      const diff = await store.recordScan(aDocument([appWith(['A'])]), 'run-3', T3);

      // Assert
      expect(diff.newFindings).toHaveLength(1);
      expect(diff.newFindings[0]).toMatchObject({ firstSeen: T1, lastSeen: T3, resolvedAt: null });
    });

    it('resolves only findings of the accounts the scan covers', async () => {
      // Arrange
      const other = anIdentity('other', [aFinding()], OTHER_ACCOUNT);
      await store.recordScan(
        aDocument([appWith(['A']), other], [ACCOUNT, OTHER_ACCOUNT]),
        'r1',
        T1,
      );

      // Act: a scan of ACCOUNT alone, where app lost its findings
      const diff = await store.recordScan(aDocument([anIdentity('app', [])]), 'r2', T2);

      // Assert
      expect(diff.resolved.map((f) => f.scope)).toEqual([ACCOUNT, ACCOUNT]);
      expect((await store.openFindings()).map((f) => f.identityName)).toEqual(['other']);
    });

    it('records more findings than one batch holds and summarises every scan', async () => {
      // Arrange: 60 identities with 2 findings each (120 records, 5 batches)
      const many = (n: number) =>
        Array.from({ length: n }, (_, i) => appWithName(`role-${String(i).padStart(3, '0')}`));

      // Act
      const first = await store.recordScan(aDocument(many(60)), 'run-1', T1);
      const second = await store.recordScan(aDocument(many(50)), 'run-2', T2);

      // Assert
      expect(first.newFindings).toHaveLength(120);
      expect(second).toMatchObject({ newFindings: [], persisting: 100 });
      expect(second.resolved).toHaveLength(20);
      expect(await store.openFindings()).toHaveLength(100);
      expect(await store.scans()).toEqual([
        {
          runId: 'run-1',
          at: T1,
          scopes: [ACCOUNT],
          open: 120,
          new: 120,
          resolved: 0,
          persisting: 0,
          openBySeverity: { critical: 0, high: 60, medium: 60, low: 0, info: 0 },
        },
        {
          runId: 'run-2',
          at: T2,
          scopes: [ACCOUNT],
          open: 100,
          new: 0,
          resolved: 20,
          persisting: 100,
          openBySeverity: { critical: 0, high: 50, medium: 50, low: 0, info: 0 },
        },
      ]);
    });

    it('numbers findings of an identity whose subjects coincide', async () => {
      // Arrange: two findings that differ only in numbers
      const twins = anIdentity('twins', [
        aFinding({ title: 'Secret key expired 2026-01-01' }),
        aFinding({ title: 'Secret key expired 2026-02-01' }),
      ]);

      // Act
      const diff = await store.recordScan(aDocument([twins]), 'run-1', T1);

      // Assert
      expect(new Set(diff.newFindings.map((f) => f.key)).size).toBe(2);
    });
  });
}

function appWithName(name: string): IdentityResult {
  return anIdentity(name, [
    aFinding(),
    aFinding({ ruleId: 'LP-IAM-002', severity: 'high', title: 'Policy X is unused' }),
  ]);
}

contract('MemoryFindingStore', async () => ({
  store: new MemoryFindingStore(),
  close: async () => {},
}));

describe('DynamoFindingStore on dynalite', () => {
  let dynalite: EmbeddedDynamo;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.stop());
  let n = 0;
  contract('in memory', async () => {
    // A fresh table per test: dynalite has no reset.
    const table = `leash-${++n}`;
    await ensureTable(dynalite.client, table);
    return { store: new DynamoFindingStore(dynalite.doc, { table }), close: async () => {} };
  });
});

describe('DynamoFindingStore on moto', () => {
  const endpoint = inject('motoEndpoint');
  contract('moto', async () => {
    await resetMoto(endpoint);
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
    await ensureTable(client, 'leash');
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    return { store: new DynamoFindingStore(doc), close: async () => client.destroy() };
  });
});

describe('DynamoFindingStore recovery and persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leash-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same diff when a run that failed halfway is retried', async () => {
    // Arrange: a client whose second BatchWrite fails, after the first 25 items were written
    const dynalite = await startDynalite();
    try {
      const many = Array.from({ length: 30 }, (_, i) => appWithName(`role-${i}`));
      await new DynamoFindingStore(dynalite.doc).recordScan(aDocument(many.slice(0, 20)), 'r1', T1);
      const memory = new MemoryFindingStore();
      await memory.recordScan(aDocument(many.slice(0, 20)), 'r1', T1);
      let batches = 0;
      const flaky = Object.create(dynalite.doc) as DynamoDBDocumentClient;
      flaky.send = ((command: unknown) => {
        if (command instanceof BatchWriteCommand && ++batches === 2) {
          return Promise.reject(new Error('connection reset'));
        }
        return dynalite.doc.send(command as never);
      }) as DynamoDBDocumentClient['send'];
      const doc = aDocument(many.slice(10));
      await expect(new DynamoFindingStore(flaky).recordScan(doc, 'r2', T2)).rejects.toThrow(
        'connection reset',
      );

      // Act
      const retry = await new DynamoFindingStore(dynalite.doc).recordScan(doc, 'r2', T2);

      // Assert
      expect(retry).toEqual(await memory.recordScan(doc, 'r2', T2));
      expect(retry).toMatchObject({ persisting: 20 });
      expect(retry.newFindings).toHaveLength(20);
      expect(retry.resolved).toHaveLength(20);
    } finally {
      await dynalite.stop();
    }
  });

  it('keeps history across restarts when persisted to a directory', async () => {
    // Arrange
    const path = join(dir, 'store');
    const first = await startDynalite({ path });
    await new DynamoFindingStore(first.doc).recordScan(aDocument([appWith(['A'])]), 'r1', T1);
    await first.stop();

    // Act
    const second = await startDynalite({ path });
    try {
      const diff = await new DynamoFindingStore(second.doc).recordScan(
        aDocument([appWith(['B'])]),
        'r2',
        T2,
      );

      // Assert
      expect(titles(diff.newFindings)).toEqual(['Policy B is unused']);
      expect(titles(diff.resolved)).toEqual(['Policy A is unused']);
      expect((await new DynamoFindingStore(second.doc).scans()).map((s) => s.runId)).toEqual([
        'r1',
        'r2',
      ]);
    } finally {
      await second.stop();
    }
  });
});
