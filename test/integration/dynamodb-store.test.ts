/**
 * The LeashStore contract (findings, inventory, usage, approvals, audit log), run against the
 * DynamoDB store on dynalite (embedded, in memory and persisted to a directory), the DynamoDB
 * store on moto, and the memory store: the same calls must give the same results everywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { StoreLockedError } from '#adapters/dynamodb/embedded.ts';
import { DynamoFindingStore } from '#adapters/dynamodb/finding-store.ts';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import { MemoryFindingStore } from '#adapters/memory/finding-store.ts';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import type { Finding, FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import type { ApprovalRequest } from '#core/ports/approval-store.ts';
import type { AuditEntry } from '#core/ports/audit-store.ts';
import type { StoredGrant } from '#core/ports/inventory-store.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';
import type { UsageDay } from '#core/ports/usage-store.ts';
import {
  ApprovalConflictError,
  ApprovalNotFoundError,
  ApprovalTransitionError,
  AuditConflictError,
  InvalidAuditEntryError,
  InvalidUsageDayError,
} from '#core/store/errors.ts';
import { type EmbeddedDynamo, startDynalite } from '#test/helpers/dynalite.ts';
import {
  aFinding,
  aFindingsDocument,
  anEntraIdentityResult,
  anIdentityResult,
  DOC_ACCOUNT,
  DOC_OTHER_ACCOUNT,
  DOC_TENANT,
} from '#test/helpers/findings-document.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const ACCOUNT = DOC_ACCOUNT;
const OTHER_ACCOUNT = DOC_OTHER_ACCOUNT;
const DAY = 86_400_000;
const T1 = Date.parse('2026-11-01T00:00:00Z');
const T2 = T1 + 7 * DAY;
const T3 = T2 + 7 * DAY;

function anIdentity(name: string, findings: Finding[], accountId = ACCOUNT): IdentityResult {
  return anIdentityResult(name, findings, { accountId });
}

function aDocument(identities: IdentityResult[], accounts = [ACCOUNT]): FindingsDocument {
  return aFindingsDocument(identities, { accounts });
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

/** Reads one raw item of the table (DynamoDB stores only). */
type RawItem = (key: { pk: string; sk: string }) => Promise<Record<string, unknown> | undefined>;

/** What a contract run opens for each test. */
interface Opened {
  store: LeashStore;
  close(): Promise<void>;
  raw?: RawItem;
}

/** The contract every LeashStore meets. */
function contract(name: string, open: () => Promise<Opened>) {
  describe(name, () => {
    let store: LeashStore;
    let close: () => Promise<void>;
    let raw: RawItem | undefined;
    beforeEach(async () => {
      ({ store, close, raw } = await open());
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

    describe('inventory', () => {
      const id = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
      const role = (name: string, policies: string[], actions: string[] = [], account = ACCOUNT) =>
        anIdentityResult(name, [], { accountId: account, policies, actions, used: 1 });
      const sources = (grants: StoredGrant[]) => grants.map((g) => g.source.name).sort();

      it('records every identity and grant of the first scan as added', async () => {
        // Act
        const diff = await store.recordInventory(
          aDocument([role('app', ['A', 'B'], ['s3:GetObject', 's3:PutObject']), role('etl', [])]),
          'run-1',
          T1,
        );

        // Assert
        expect(diff.identities.added.map((i) => i.name)).toEqual(['app', 'etl']);
        expect(diff.identities).toMatchObject({ removed: [], present: 2 });
        expect(sources(diff.grants.added)).toEqual(['A', 'B', 'every action granted']);
        const app = await store.identity(id('app'));
        expect(app).toMatchObject({
          identityId: id('app'),
          arn: id('app'),
          name: 'app',
          kind: 'role',
          class: 'workload',
          scope: ACCOUNT,
          firstSeen: T1,
          lastSeen: T1,
          lastRunId: 'run-1',
          removedAt: null,
          grantedActions: 2,
        });
        expect(await store.identity(id('nobody'))).toBeNull();
      });

      it('removes grants that went away, adds new ones, and answers "added since"', async () => {
        // Arrange
        await store.recordInventory(
          aDocument([role('app', ['A', 'B'], ['s3:GetObject'])]),
          'run-1',
          T1,
        );

        // Act: B detached, C attached, and one more action granted
        const diff = await store.recordInventory(
          aDocument([role('app', ['A', 'C'], ['s3:GetObject', 'iam:PassRole'])]),
          'run-2',
          T2,
        );

        // Assert
        expect(sources(diff.grants.added)).toEqual(['C', 'every action granted']);
        expect(sources(diff.grants.removed)).toEqual(['B', 'every action granted']);
        expect(diff.grants.present).toBe(3);
        const grants = await store.grants(id('app'));
        expect(grants).toHaveLength(5);
        const b = grants.find((g) => g.source.name === 'B');
        expect(b).toMatchObject({
          firstSeen: T1,
          lastSeen: T1,
          removedAt: T2,
          removedRunId: 'run-2',
        });
        expect(grants.find((g) => g.source.name === 'A')).toMatchObject({
          firstSeen: T1,
          addedAt: T1,
          lastSeen: T2,
          removedAt: null,
        });
        const since = await store.grantsAddedSince(ACCOUNT, T2 - DAY);
        expect(since.map((g) => g.source.name).sort()).toEqual(['C', 'every action granted']);
        expect(since.find((g) => g.source.kind === 'effective-actions')?.source.detail).toEqual({
          actions: 2,
          services: ['iam', 's3'],
        });
      });

      it('removes an identity and its grants, and re-adds it keeping first seen', async () => {
        // Arrange
        await store.recordInventory(
          aDocument([role('app', ['A']), role('old', ['O'])]),
          'run-1',
          T1,
        );

        // Act
        const gone = await store.recordInventory(aDocument([role('app', ['A'])]), 'run-2', T2);
        const back = await store.recordInventory(
          aDocument([role('app', ['A']), role('old', ['O'])]),
          'run-3',
          T3,
        );

        // Assert
        expect(gone.identities.removed.map((i) => i.name)).toEqual(['old']);
        expect(sources(gone.grants.removed)).toEqual(['O']);
        expect(back.identities.added.map((i) => i.name)).toEqual(['old']);
        expect(back.identities.added[0]).toMatchObject({
          firstSeen: T1,
          addedAt: T3,
          removedAt: null,
        });
        expect(back.grants.added[0]).toMatchObject({ firstSeen: T1, addedAt: T3, removedAt: null });
        expect((await store.identities(ACCOUNT)).map((i) => [i.name, i.removedAt])).toEqual([
          ['app', null],
          ['old', null],
        ]);
      });

      it('writes the same items and returns the same diff when a run is recorded again', async () => {
        // Arrange
        await store.recordInventory(aDocument([role('app', ['A', 'B'])]), 'run-1', T1);
        const doc = aDocument([role('app', ['A', 'C'])]);
        const first = await store.recordInventory(doc, 'run-2', T2);

        // Act
        const retry = await store.recordInventory(doc, 'run-2', T2);

        // Assert
        expect(retry).toEqual(first);
        expect(await store.grants(id('app'))).toHaveLength(3);
      });

      it('removes nothing from an account whose inventory could not be read', async () => {
        // Arrange
        await store.recordInventory(
          aDocument([role('app', ['A']), role('old', ['O'])]),
          'run-1',
          T1,
        );
        const denied = aFindingsDocument([role('app', [])], {
          accessGaps: [
            {
              provider: 'aws',
              api: 'iam:GetAccountAuthorizationDetails',
              account: ACCOUNT,
              reason: 'access-denied',
              detail: 'denied',
            },
          ],
        });

        // Act
        const diff = await store.recordInventory(denied, 'run-2', T2);

        // Assert
        expect(diff.identities.removed).toEqual([]);
        expect(diff.grants.removed).toEqual([]);
        expect((await store.identity(id('old')))?.removedAt).toBeNull();
      });

      it('records Entra permissions and directory roles as grants', async () => {
        // Arrange
        const sp = anEntraIdentityResult(
          'mail-bot',
          ['Mail.Send', 'User.Read.All'],
          ['Global Administrator'],
        );

        // Act
        const diff = await store.recordInventory(
          aFindingsDocument([sp], { accounts: [], tenants: [DOC_TENANT] }),
          'run-1',
          T1,
        );

        // Assert
        expect(diff.grants.added.map((g) => [g.source.kind, g.source.name])).toEqual([
          ['entra-application-permission', 'Microsoft Graph Mail.Send'],
          ['entra-application-permission', 'Microsoft Graph User.Read.All'],
          ['entra-directory-role', 'Global Administrator'],
        ]);
        expect(await store.identity(sp.id)).toMatchObject({
          scope: DOC_TENANT,
          kind: 'service-principal',
          arn: null,
          appId: 'app-mail-bot',
        });
      });
    });

    describe('usage', () => {
      const who = 'arn:aws:iam::111111111111:role/app';
      const row = (day: string, action: string, count: number): UsageDay => ({
        identityId: who,
        action,
        day,
        count,
        first: Date.parse(`${day}T01:00:00Z`),
        last: Date.parse(`${day}T02:00:00Z`) + count,
      });

      it('sets a day again rather than adding to it, and stamps the ttl', async () => {
        // Arrange
        const rows = [row('2026-11-02', 's3:GetObject', 5), row('2026-11-01', 's3:GetObject', 3)];
        await store.putUsageDays(rows);

        // Act: the same write retried
        const written = await store.putUsageDays(rows);

        // Assert
        expect(written).toBe(2);
        const days = await store.usageDays(who);
        expect(days.map((d) => [d.day, d.count])).toEqual([
          ['2026-11-01', 3],
          ['2026-11-02', 5],
        ]);
        const ttl = (Date.parse('2026-11-01T00:00:00Z') + 400 * DAY) / 1000;
        expect(days[0]?.ttl).toBe(ttl);
        if (raw) {
          const item = await raw({ pk: `USAGE#${who}`, sk: 'DAY#2026-11-01#s3:GetObject' });
          expect(item?.ttl).toBe(ttl);
        }
      });

      it('sums the parts of one day given in one call, and replaces them in a later call', async () => {
        // Arrange: two regions' parts of the same day
        await store.putUsageDays([
          row('2026-11-01', 'sqs:SendMessage', 2),
          row('2026-11-01', 'sqs:SendMessage', 7),
        ]);

        // Act
        const before = await store.usageDays(who);
        await store.putUsageDays([row('2026-11-01', 'sqs:SendMessage', 4)]);

        // Assert
        expect(before.map((d) => d.count)).toEqual([9]);
        expect(before[0]?.last).toBe(Date.parse('2026-11-01T02:00:00Z') + 7);
        expect((await store.usageDays(who)).map((d) => d.count)).toEqual([4]);
      });

      it('reads a day range by day and action', async () => {
        // Arrange: more than one batch of rows
        const rows = Array.from({ length: 30 }, (_, i) =>
          row(`2026-11-${String(i + 1).padStart(2, '0')}`, i % 2 ? 'b:Act' : 'a:Act', i + 1),
        );
        await store.putUsageDays(rows);

        // Act
        const week = await store.usageDays(who, { from: '2026-11-08', to: '2026-11-14' });

        // Assert
        expect(week.map((d) => d.day)).toEqual([
          '2026-11-08',
          '2026-11-09',
          '2026-11-10',
          '2026-11-11',
          '2026-11-12',
          '2026-11-13',
          '2026-11-14',
        ]);
        expect(await store.usageDays(who)).toHaveLength(30);
        expect(await store.usageDays('arn:aws:iam::111111111111:role/other')).toEqual([]);
      });

      it('refuses a malformed day', async () => {
        await expect(store.putUsageDays([row('2026-11-1', 'a:B', 1)])).rejects.toThrow(
          InvalidUsageDayError,
        );
      });
    });

    describe('approvals', () => {
      const request = (requestId: string, requestedAt = T1): ApprovalRequest => ({
        requestId,
        scope: ACCOUNT,
        identityId: 'arn:aws:iam::111111111111:role/app',
        summary: 'Quarantine role app',
        details: { plan: { calls: ['iam:PutRolePolicy'] }, finding: 'abc' },
        requestedBy: 'leash',
        requestedAt,
        expiresAt: requestedAt + DAY,
      });
      const approve = (by = 'alice', at = T1 + 60_000) => ({ status: 'approved' as const, by, at });

      it('stores a pending request once, and refuses the id for another request', async () => {
        // Act
        const first = await store.requestApproval(request('req-1'));
        const again = await store.requestApproval(request('req-1'));

        // Assert
        expect(first).toMatchObject({ status: 'pending', decidedBy: null, decidedAt: null });
        expect(again).toEqual(first);
        await expect(
          store.requestApproval({ ...request('req-1'), summary: 'Delete role app' }),
        ).rejects.toThrow(ApprovalConflictError);
        expect(await store.approval('req-1')).toEqual(first);
      });

      it('approves a pending request once; the same approval again changes nothing', async () => {
        // Arrange
        await store.requestApproval(request('req-1'));

        // Act
        const approved = await store.decideApproval('req-1', { ...approve(), reason: 'ok' });
        const retried = await store.decideApproval('req-1', approve('alice', T1 + 120_000));

        // Assert
        expect(approved).toMatchObject({
          status: 'approved',
          decidedBy: 'alice',
          decidedAt: T1 + 60_000,
          reason: 'ok',
        });
        expect(retried).toEqual(approved);
        const second = store.decideApproval('req-1', approve('bob'));
        await expect(second).rejects.toThrow(ApprovalTransitionError);
        await expect(second).rejects.toThrow(/is approved \(by alice\)/);
        expect(await store.pendingApprovals()).toEqual([]);
      });

      it('refuses to approve a denied request', async () => {
        // Arrange
        await store.requestApproval(request('req-1'));
        await store.decideApproval('req-1', { status: 'denied', by: 'bob', at: T1 + 1 });

        // Act
        const late = store.decideApproval('req-1', approve());

        // Assert
        await expect(late).rejects.toThrow(ApprovalTransitionError);
        expect(await store.approval('req-1')).toMatchObject({ status: 'denied', decidedBy: 'bob' });
      });

      it('expires a request: a late approval is refused and marks it expired', async () => {
        // Arrange
        await store.requestApproval(request('req-1'));

        // Act
        const late = store.decideApproval('req-1', approve('alice', T1 + DAY));

        // Assert
        await expect(late).rejects.toThrow(/is expired/);
        expect(await store.approval('req-1')).toMatchObject({
          status: 'expired',
          decidedBy: null,
          decidedAt: T1 + DAY,
        });
      });

      it('expires only overdue pending requests, once, and lists the pending oldest first', async () => {
        // Arrange
        await store.requestApproval(request('req-c', T1 + 2 * DAY));
        await store.requestApproval(request('req-a', T1));
        await store.requestApproval(request('req-b', T1 + DAY));
        await store.requestApproval(request('req-d', T1 + 3 * DAY));
        await store.decideApproval('req-d', approve('alice', T1 + 3 * DAY + 1));

        // Act
        const expired = await store.expireApprovals(T1 + 2 * DAY);
        const again = await store.expireApprovals(T1 + 2 * DAY);

        // Assert
        expect(expired.map((a) => [a.requestId, a.status])).toEqual([
          ['req-a', 'expired'],
          ['req-b', 'expired'],
        ]);
        expect(again).toEqual([]);
        expect((await store.pendingApprovals()).map((a) => a.requestId)).toEqual(['req-c']);
        await expect(store.decideApproval('req-nope', approve())).rejects.toThrow(
          ApprovalNotFoundError,
        );
      });
    });

    describe('audit log', () => {
      const entry = (
        requestId: string,
        seq: number,
        at: number,
        kind = 'api-call',
      ): AuditEntry => ({
        requestId,
        seq,
        at,
        scope: ACCOUNT,
        identityId: 'arn:aws:iam::111111111111:role/app',
        actor: 'arn:aws:iam::999999999999:role/leash/leash-apply-containment',
        kind,
        detail: { call: 'iam:PutRolePolicy', result: 'ok', before: { policies: [] } },
      });

      it('lists a chain in seq order whatever the order of writing', async () => {
        // Arrange: seq 10 after 9 checks the padding of the sort key
        for (const seq of [2, 0, 10, 1, 9]) await store.appendAudit(entry('req-1', seq, T1 + seq));

        // Act
        const chain = await store.auditChain('req-1');

        // Assert
        expect(chain.map((e) => e.seq)).toEqual([0, 1, 2, 9, 10]);
        expect(chain[0]).toEqual(entry('req-1', 0, T1));
      });

      it('is append-only: the same entry again is a no-op, a different one is refused', async () => {
        // Arrange
        expect(await store.appendAudit(entry('req-1', 0, T1))).toBe(true);

        // Act
        const same = await store.appendAudit(entry('req-1', 0, T1));
        const other = store.appendAudit({ ...entry('req-1', 0, T1), detail: { result: 'forged' } });

        // Assert
        expect(same).toBe(false);
        await expect(other).rejects.toThrow(AuditConflictError);
        expect(await store.auditChain('req-1')).toEqual([entry('req-1', 0, T1)]);
        if (raw) {
          const item = await raw({ pk: 'AUDIT#req-1', sk: 'ENTRY#000000000' });
          expect(item?.detail).toEqual(entry('req-1', 0, T1).detail);
        }
      });

      it("lists an identity's entries across requests by time", async () => {
        // Arrange
        await store.appendAudit(entry('req-2', 0, T2, 'requested'));
        await store.appendAudit(entry('req-1', 1, T1 + 5, 'decided'));
        await store.appendAudit(entry('req-1', 0, T1, 'requested'));
        await store.appendAudit({ ...entry('req-3', 0, T1), identityId: 'someone-else' });

        // Act
        const entries = await store.identityAudit('arn:aws:iam::111111111111:role/app');

        // Assert
        expect(entries.map((e) => `${e.requestId}/${e.seq}`)).toEqual([
          'req-1/0',
          'req-1/1',
          'req-2/0',
        ]);
        await expect(store.appendAudit(entry('req-1', -1, T1))).rejects.toThrow(
          InvalidAuditEntryError,
        );
      });
    });

    describe('identity locks', () => {
      const KEY = 'aws:111111111111:arn:aws:iam::111111111111:role/app';

      it('lets one of two racing holders take a lock, the same holder renew it', async () => {
        // Act
        const [a, b] = await Promise.all([
          store.acquireLock(KEY, 'req-a', T1, T1 + 1000),
          store.acquireLock(KEY, 'req-b', T1, T1 + 1000),
        ]);
        const winner = a.holder === 'req-a' && b.holder === 'req-a' ? 'req-a' : 'req-b';
        const renewed = await store.acquireLock(KEY, winner, T1 + 10, T1 + 2000);

        // Assert
        expect(a.holder).toBe(winner);
        expect(b.holder).toBe(winner);
        expect(renewed).toEqual({ key: KEY, holder: winner, until: T1 + 2000 });
        if (raw) expect((await raw({ pk: `LOCK#${KEY}`, sk: 'LOCK' }))?.holder).toBe(winner);
      });

      it('gives an expired lock to another holder and releases only its own', async () => {
        // Arrange
        await store.acquireLock(KEY, 'req-a', T1, T1 + 1000);

        // Act
        const early = await store.acquireLock(KEY, 'req-b', T1 + 999, T1 + 2000);
        const late = await store.acquireLock(KEY, 'req-b', T1 + 1000, T1 + 3000);
        const releasedByOld = await store.releaseLock(KEY, 'req-a');
        const releasedByHolder = await store.releaseLock(KEY, 'req-b');
        const again = await store.acquireLock(KEY, 'req-c', T1 + 1001, T1 + 4000);

        // Assert
        expect(early).toEqual({ key: KEY, holder: 'req-a', until: T1 + 1000 });
        expect(late).toEqual({ key: KEY, holder: 'req-b', until: T1 + 3000 });
        expect(releasedByOld).toBe(false);
        expect(releasedByHolder).toBe(true);
        expect(again.holder).toBe('req-c');
        expect(await store.releaseLock('free-key', 'req-c')).toBe(false);
      });
    });

    it('keeps finding history apart from the other items of an identity', async () => {
      // Arrange: findings, a profile and grants of the same identity
      const doc = aDocument([appWith(['A'])]);
      await store.recordInventory(doc, 'run-1', T1);
      await store.recordScan(doc, 'run-1', T1);

      // Act
      const history = await store.findingHistory(appWith([]).id);

      // Assert
      expect(history).toHaveLength(2);
      expect(history.every((f) => f.finding !== null && f.finding !== undefined)).toBe(true);
    });
  });
}

function appWithName(name: string): IdentityResult {
  return anIdentity(name, [
    aFinding(),
    aFinding({ ruleId: 'LP-IAM-002', severity: 'high', title: 'Policy X is unused' }),
  ]);
}

/** The raw item reader of a document client. */
function rawReader(doc: DynamoDBDocumentClient, table: string): RawItem {
  return async (Key) => (await doc.send(new GetCommand({ TableName: table, Key }))).Item;
}

contract('memory store', async () => ({
  store: openMemoryStore(),
  close: async () => {},
}));

describe('DynamoDB store on dynalite', () => {
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
    return {
      store: openDynamoStore({ documentClient: dynalite.doc, table }),
      close: async () => {},
      raw: rawReader(dynalite.doc, table),
    };
  });
});

describe('DynamoDB store on moto', () => {
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
    return {
      store: openDynamoStore({ documentClient: doc }),
      close: async () => client.destroy(),
      raw: rawReader(doc, 'leash'),
    };
  });
});

describe('DynamoDB store with the audit log in its own table', () => {
  let dynalite: EmbeddedDynamo;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.stop());

  /** Every item of a table. */
  async function scan(table: string): Promise<Record<string, unknown>[]> {
    return (await dynalite.doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
  }

  const entry = (seq: number, detail: Record<string, unknown> = {}): AuditEntry => ({
    requestId: 'req-1',
    seq,
    at: T1 + seq,
    scope: ACCOUNT,
    identityId: 'arn:aws:iam::111111111111:role/app',
    actor: 'lambda:leash-decide-containment',
    kind: seq === 0 ? 'requested' : 'decided',
    detail,
  });

  it('writes and reads audit entries in the audit table and keeps the rest in the table', async () => {
    // Arrange
    await ensureTable(dynalite.client, 'leash-split');
    await ensureTable(dynalite.client, 'leash-split-audit');
    const store = openDynamoStore({
      documentClient: dynalite.doc,
      table: 'leash-split',
      auditTable: 'leash-split-audit',
    });
    await store.requestApproval({
      requestId: 'req-1',
      scope: ACCOUNT,
      identityId: 'arn:aws:iam::111111111111:role/app',
      summary: 's',
      details: {},
      requestedBy: 'leash',
      requestedAt: T1,
      expiresAt: T2,
    });
    await store.acquireLock('aws:111111111111:app', 'req-1', T1, T2);

    // Act
    await store.appendAudit(entry(0));
    await store.appendAudit(entry(1));
    const forged = store.appendAudit(entry(1, { result: 'forged' }));

    // Assert
    await expect(forged).rejects.toThrow(AuditConflictError);
    expect(await store.auditChain('req-1')).toEqual([entry(0), entry(1)]);
    expect(
      (await store.identityAudit('arn:aws:iam::111111111111:role/app')).map((e) => e.seq),
    ).toEqual([0, 1]);
    const audit = await scan('leash-split-audit');
    expect(audit.map((i) => [i.type, i.pk, i.sk])).toEqual([
      ['audit', 'AUDIT#req-1', 'ENTRY#000000000'],
      ['audit', 'AUDIT#req-1', 'ENTRY#000000001'],
    ]);
    const main = await scan('leash-split');
    expect(main.map((i) => i.type).sort()).toEqual(['approval', 'lock']);
    const mainOnly = openDynamoStore({ documentClient: dynalite.doc, table: 'leash-split' });
    expect(await mainOnly.auditChain('req-1')).toEqual([]);
  });
});

describe('DynamoDB store recovery and persistence', () => {
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

  it('gives the same inventory diff when a run that failed halfway is retried', async () => {
    // Arrange: 30 roles with one policy each (60 items, 3 batches); the second batch fails
    const dynalite = await startDynalite();
    try {
      const roles = (from: number, to: number, policy: string) =>
        Array.from({ length: to - from }, (_, i) =>
          anIdentityResult(`role-${from + i}`, [], { policies: [policy] }),
        );
      const first = aDocument(roles(0, 20, 'P'));
      await openDynamoStore({ documentClient: dynalite.doc }).recordInventory(first, 'r1', T1);
      const memory = openMemoryStore();
      await memory.recordInventory(first, 'r1', T1);
      let batches = 0;
      const flaky = Object.create(dynalite.doc) as DynamoDBDocumentClient;
      flaky.send = ((command: unknown) => {
        if (command instanceof BatchWriteCommand && ++batches === 2) {
          return Promise.reject(new Error('connection reset'));
        }
        return dynalite.doc.send(command as never);
      }) as DynamoDBDocumentClient['send'];
      const doc = aDocument([...roles(5, 20, 'Q'), ...roles(20, 30, 'P')]);
      await expect(
        openDynamoStore({ documentClient: flaky }).recordInventory(doc, 'r2', T2),
      ).rejects.toThrow('connection reset');

      // Act
      const retry = await openDynamoStore({ documentClient: dynalite.doc }).recordInventory(
        doc,
        'r2',
        T2,
      );

      // Assert
      expect(retry).toEqual(await memory.recordInventory(doc, 'r2', T2));
      expect(retry.identities.added).toHaveLength(10);
      expect(retry.identities.removed).toHaveLength(5);
      expect(retry.grants.added).toHaveLength(25);
      expect(retry.grants.removed).toHaveLength(20);
    } finally {
      await dynalite.stop();
    }
  });

  it('keeps every item type across restarts when persisted to a directory', async () => {
    // Arrange
    const path = join(dir, 'store');
    const first = await startDynalite({ path });
    const before = openDynamoStore({ documentClient: first.doc });
    await before.recordInventory(aDocument([appWith(['A'])]), 'r1', T1);
    await before.putUsageDays([
      { identityId: 'x', action: 'a:B', day: '2026-11-01', count: 1, first: T1, last: T1 },
    ]);
    await before.requestApproval({
      requestId: 'q',
      scope: ACCOUNT,
      identityId: 'x',
      summary: 's',
      details: {},
      requestedBy: 'leash',
      requestedAt: T1,
      expiresAt: T2,
    });
    await before.appendAudit({
      requestId: 'q',
      seq: 0,
      at: T1,
      scope: ACCOUNT,
      identityId: 'x',
      actor: 'leash',
      kind: 'requested',
      detail: {},
    });
    await first.stop();

    // Act
    const second = await startDynalite({ path });
    try {
      const after = openDynamoStore({ documentClient: second.doc });

      // Assert
      expect(await after.identities(ACCOUNT)).toHaveLength(1);
      expect(await after.usageDays('x')).toHaveLength(1);
      expect((await after.pendingApprovals()).map((a) => a.requestId)).toEqual(['q']);
      expect(await after.auditChain('q')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('says the store is in use when its directory is open elsewhere', async () => {
    // Arrange
    const path = join(dir, 'store');
    const holder = await startDynalite({ path });
    try {
      // Act
      const second = startDynalite({ path });

      // Assert
      await expect(second).rejects.toThrow(StoreLockedError);
    } finally {
      await holder.stop();
    }
  });
});
