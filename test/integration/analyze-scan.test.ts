/**
 * The `analyze-scan` Lambda in-process against moto (S3 and DynamoDB): the work files of a run
 * are written with the collection steps' own writers (connectors/aws/steps/work-files.ts), the
 * handler merges them into one findings document, writes it with its reports and records it.
 * A retried run changes nothing; a later run reports what is new and what was resolved; an
 * account whose activity was not read never has anything called unused.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import {
  writeAccounts,
  writeAccountWork,
  writePrefixes,
  writeRunUsage,
} from '#connectors/aws/steps/work-files.ts';
import { type Bucket, getBytes, getJson, putJson } from '#connectors/scan-run/bucket.ts';
import { type EntraRunFile, entraKey } from '#connectors/scan-run/run-files.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import { snapshotUsage } from '#core/engine/usage-snapshot.ts';
import type { AccountInventory, IamRole } from '#core/iam/inventory.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import type { AnalyzeScanOutput, RunWindow } from '#functions/shared/contract.ts';
import {
  ACCOUNT,
  AS_OF,
  allowDocument,
  anInventory,
  aRecord,
  aRole,
  asRole,
  BEFORE_WINDOW,
  IN_WINDOW,
  OTHER_ACCOUNT,
} from '#test/helpers/builders.ts';
import { anEntraIdentityResult, DOC_TENANT } from '#test/helpers/findings-document.ts';
import { resetMoto } from '#test/helpers/moto.ts';
import {
  BUCKET,
  createBucketAndTable,
  loadHandler,
  motoClients,
  motoDynamo,
  REGION,
  stubHandlerEnv,
  TABLE,
} from '#test/helpers/scan-run.ts';

const endpoint = inject('motoEndpoint');
const DAY = 86_400_000;

const run = (runId: string, asOf = AS_OF): RunWindow => ({
  runId,
  asOf: new Date(asOf).toISOString(),
  from: asOf - 90 * DAY,
  to: asOf,
});

/** A role in an account with the given actions allowed inline. */
function role(name: string, actions: string[], accountId = ACCOUNT, extra: Partial<IamRole> = {}) {
  return aRole({
    name,
    arn: `arn:aws:iam::${accountId}:role/${name}`,
    accountId,
    inlinePolicies: [{ name: 'p', document: allowDocument(...actions) }],
    ...extra,
  });
}

/** One account of a run, as collect-account and the usage steps leave it. */
interface AccountSpec {
  accountId: string;
  usage: 'trail' | 'lookup' | 'none';
  roles: IamRole[];
  /** Roles that created a bucket at both ends of the window (none: no usage part written). */
  activeRoles?: IamRole[];
  /** False: collect-account wrote nothing for it. */
  collected?: boolean;
}

let bucket: Bucket;

beforeEach(async () => {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
  bucket = { s3: motoClients(endpoint).s3(REGION), name: BUCKET };
  stubHandlerEnv(endpoint);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Writes a run's work files. */
async function writeRun(window: RunWindow, accounts: AccountSpec[], entra?: EntraRunFile) {
  const catalog = await loadCatalog();
  await writeAccounts(
    bucket,
    window.runId,
    accounts.map((a) => ({ ...window, accountId: a.accountId })),
  );
  for (const a of accounts) {
    if (a.collected === false) continue;
    const inventory: AccountInventory = {
      ...anInventory({ roles: a.roles }),
      accountIds: [a.accountId],
    };
    await writeAccountWork(bucket, {
      runId: window.runId,
      accountId: a.accountId,
      usage: a.usage,
      regions: [REGION],
      inventory,
      gaps: [],
      issues: [],
    });
    if (!a.activeRoles) continue;
    const agg = new UsageAggregator(catalog, { from: window.from, to: window.to });
    let i = 0;
    for (const r of a.activeRoles)
      for (const t of [window.from + DAY, window.to - DAY])
        agg.add(
          aRecord({
            userIdentity: asRole(r.arn),
            eventName: 'CreateBucket',
            readOnly: false,
            recipientAccountId: a.accountId,
            eventTime: new Date(t).toISOString(),
          }),
          'trail.json',
          i++,
        );
    await writeRunUsage(bucket, window.runId, 'trail-test', {
      accountId: a.accountId,
      snapshot: snapshotUsage(agg),
      gaps: [],
      issues: [],
    });
  }
  if (entra) await putJson(bucket, entraKey(window.runId), entra);
}

async function analyze(window: RunWindow): Promise<AnalyzeScanOutput> {
  const handler = await loadHandler<RunWindow, AnalyzeScanOutput>(
    () => import('#functions/analyze-scan.ts'),
  );
  return handler(window);
}

async function document(out: AnalyzeScanOutput): Promise<FindingsDocument> {
  return FindingsDocumentSchema.parse(await getJson(bucket, out.findings.key));
}

/** Every item of the table, sorted, as plain JSON. */
async function tableItems(): Promise<string[]> {
  const dynamo = motoDynamo(endpoint);
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(
      new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start as never }),
    );
    for (const item of out.Items ?? []) items.push(JSON.stringify(item));
    start = out.LastEvaluatedKey;
  } while (start);
  dynamo.destroy();
  return items.sort();
}

const busy = role('busy', ['s3:CreateBucket', 's3:DeleteBucket']);
const idle = role('idle', ['s3:CreateBucket']);
const blind = role('blind', ['s3:CreateBucket', 's3:DeleteBucket'], OTHER_ACCOUNT, {
  lastUsed: { date: IN_WINDOW },
});

/** An Entra tenant analysed by collect-entra, with a gap of its own. */
const entraFile = (runId: string): EntraRunFile => ({
  runId,
  tenantId: DOC_TENANT,
  analysis: {
    tenantId: DOC_TENANT,
    identities: [anEntraIdentityResult('mail-agent', ['Mail.Read'])],
    coverage: {
      tenantId: DOC_TENANT,
      servicePrincipals: 1,
      activityLogs: false,
      signInActivityKnown: 0,
      credentialActivity: false,
      requests: {
        read: 0,
        inWindow: 0,
        outsideWindow: 0,
        invalid: 0,
        attributed: 0,
        unattributed: 0,
        mapped: 0,
        unmapped: 0,
        exempt: 0,
        denied: 0,
      },
      unmappedCalls: [],
      permissionMap: { source: 'built-in', entries: 1 },
    },
    gaps: ['No Graph activity logs were read.'],
  },
  gaps: [
    {
      provider: 'entra',
      api: 'GET /reports/servicePrincipalSignInActivities',
      reason: 'access-denied',
      detail: 'HTTP 403',
    },
  ],
  issues: [],
});

describe('analyze-scan', () => {
  it('merges the accounts, their usage and the tenant into one recorded findings document', async () => {
    // Arrange
    const window = run('run-1');
    await writeRun(
      window,
      [
        { accountId: ACCOUNT, usage: 'trail', roles: [busy, idle], activeRoles: [busy] },
        { accountId: OTHER_ACCOUNT, usage: 'none', roles: [blind] },
      ],
      entraFile('run-1'),
    );

    // Act
    const out = await analyze(window);

    // Assert
    const doc = await document(out);
    expect(out.findings).toEqual({
      bucket: BUCKET,
      key: `findings/2026-11-15/run-1/findings.json`,
    });
    expect(doc.accounts).toEqual([ACCOUNT, OTHER_ACCOUNT]);
    expect(doc.tenants).toEqual([DOC_TENANT]);
    expect(out.identities).toBe(4);
    const byName = (name: string) => doc.identities.find((i) => i.name === name)!;
    expect(byName('busy').unusedActions).toEqual(['s3:DeleteBucket']);
    expect(byName('idle').recommendation).toBe('decommission');
    // The account without a usage source: nothing unused, nothing recommended.
    expect(byName('blind').unusedActions).toEqual([]);
    expect(byName('blind').recommendation).toBe('insufficient-evidence');
    expect(
      doc.coverage.gaps.some((g) => g.startsWith(`Account ${OTHER_ACCOUNT}: no activity`)),
    ).toBe(true);
    expect(doc.coverage.accessGaps.map((g) => g.api)).toContain(
      'GET /reports/servicePrincipalSignInActivities',
    );
    expect(out.gaps).toBe(doc.coverage.accessGaps.length);
    expect(out.open).toBe(doc.identities.flatMap((i) => i.findings).length);
    expect(out.new).toBe(out.open);
    expect(out.resolved).toBe(0);
    for (const file of ['report.md', 'report.html'])
      expect((await getBytes(bucket, `findings/2026-11-15/run-1/${file}`))?.length).toBeGreaterThan(
        0,
      );
    const store = openDynamoStore({ client: motoDynamo(endpoint), table: TABLE });
    const scans = await store.scans();
    expect(scans.map((s) => s.runId)).toEqual(['run-1']);
    expect(scans[0]?.scopes).toEqual([ACCOUNT, OTHER_ACCOUNT, DOC_TENANT].sort());
    expect((await store.identities(ACCOUNT)).map((i) => i.name).sort()).toEqual(['busy', 'idle']);
  });

  it('gives the same output and the same table when the same run is analysed again', async () => {
    // Arrange
    const window = run('run-retry');
    await writeRun(window, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy, idle], activeRoles: [busy] },
    ]);
    const first = await analyze(window);
    const firstDoc = await getBytes(bucket, first.findings.key);
    const firstItems = await tableItems();

    // Act
    const second = await analyze(window);

    // Assert
    expect(second).toEqual(first);
    expect((await getBytes(bucket, second.findings.key))?.toString()).toBe(firstDoc?.toString());
    expect(await tableItems()).toEqual(firstItems);
  });

  it('reports new and resolved findings of a later run', async () => {
    // Arrange: the idle role goes, a new idle one comes
    const day1 = run('run-day-1');
    const day2 = run('run-day-2', AS_OF + DAY);
    const fresh = role('fresh', ['s3:DeleteBucket']);
    await writeRun(day1, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy, idle], activeRoles: [busy] },
    ]);
    await writeRun(day2, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy, fresh], activeRoles: [busy] },
    ]);
    const first = await analyze(day1);

    // Act
    const second = await analyze(day2);

    // Assert
    const store = openDynamoStore({ client: motoDynamo(endpoint), table: TABLE });
    const idleFindings = await store.findingHistory(idle.arn);
    const freshFindings = await store.findingHistory(fresh.arn);
    expect(idleFindings.length).toBeGreaterThan(0);
    expect(
      idleFindings.every((f) => f.status === 'resolved' && f.resolvedRunId === 'run-day-2'),
    ).toBe(true);
    expect(freshFindings.every((f) => f.status === 'open' && f.openedRunId === 'run-day-2')).toBe(
      true,
    );
    expect(second.resolved).toBe(idleFindings.length);
    expect(second.new).toBe(freshFindings.length);
    // busy's findings persist: neither new nor resolved.
    expect(second.open).toBe(first.open - idleFindings.length + freshFindings.length);
    expect((await store.scans()).map((s) => s.runId)).toEqual(['run-day-1', 'run-day-2']);
    const report = await getBytes(bucket, 'findings/2026-11-16/run-day-2/report.md');
    expect(report?.toString()).toContain('Since the previous scan');
  });

  it('keeps an account unobserved, with a gap, when its usage step wrote nothing', async () => {
    // Arrange: a trail account whose read-trail-objects failed, beside one that was read
    const window = run('run-no-usage');
    const lost = role('lost', ['s3:CreateBucket'], OTHER_ACCOUNT, {
      lastUsed: { date: IN_WINDOW },
    });
    await writeRun(window, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy], activeRoles: [busy] },
      { accountId: OTHER_ACCOUNT, usage: 'trail', roles: [lost] },
    ]);

    // Act
    const out = await analyze(window);

    // Assert
    const doc = await document(out);
    const result = doc.identities.find((i) => i.name === 'lost')!;
    expect(result.unusedActions).toEqual([]);
    expect(result.recommendation).toBe('insufficient-evidence');
    expect(doc.coverage.accessGaps).toContainEqual(
      expect.objectContaining({ api: 'leash:ReadUsage', account: OTHER_ACCOUNT, reason: 'failed' }),
    );
  });

  it('keeps an account unobserved when one batch of its planned trail folders was not read', async () => {
    // Arrange: two folders planned; the part written covers only the first
    const window = run('run-lost-batch');
    await writeRun(window, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy, idle], activeRoles: [busy] },
    ]);
    const folder = (day: string) => ({
      runId: window.runId,
      accountId: ACCOUNT,
      readerAccountId: ACCOUNT,
      bucket: 'trail-bucket',
      region: REGION,
      day,
      prefix: `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day.replaceAll('-', '/')}/`,
    });
    const planned = [folder('2026-11-01'), folder('2026-11-02')];
    await writePrefixes(bucket, window.runId, ACCOUNT, planned);
    const catalog = await loadCatalog();
    await writeRunUsage(bucket, window.runId, 'trail-test', {
      accountId: ACCOUNT,
      prefixes: [planned[0]!.prefix],
      snapshot: snapshotUsage(new UsageAggregator(catalog, { from: window.from, to: window.to })),
      gaps: [],
      issues: [],
    });

    // Act
    const out = await analyze(window);

    // Assert: nothing is called unused on half the evidence
    const doc = await document(out);
    const idleResult = doc.identities.find((i) => i.name === 'idle')!;
    expect(idleResult.unusedActions).toEqual([]);
    expect(idleResult.recommendation).toBe('insufficient-evidence');
    expect(doc.coverage.accessGaps).toContainEqual(
      expect.objectContaining({
        api: 'leash:ReadUsage',
        account: ACCOUNT,
        reason: 'failed',
        detail: expect.stringContaining('did not read 1 planned trail folder'),
      }),
    );
  });

  it('leaves out, with a gap, an account whose collection wrote nothing, and resolves none of its findings', async () => {
    // Arrange: the other account was scanned once, then its collection fails
    const day1 = run('run-a');
    const day2 = run('run-b', AS_OF + DAY);
    // Idle by IAM's own record, so it has a finding even though its account shows no records.
    const other = role('other-idle', ['s3:CreateBucket'], OTHER_ACCOUNT, {
      lastUsed: { date: BEFORE_WINDOW },
    });
    await writeRun(day1, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy], activeRoles: [busy] },
      { accountId: OTHER_ACCOUNT, usage: 'trail', roles: [other], activeRoles: [] },
    ]);
    await writeRun(day2, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy], activeRoles: [busy] },
      { accountId: OTHER_ACCOUNT, usage: 'trail', roles: [], collected: false },
    ]);
    await analyze(day1);

    // Act
    const out = await analyze(day2);

    // Assert
    const doc = await document(out);
    expect(doc.accounts).toEqual([ACCOUNT]);
    expect(doc.coverage.accessGaps).toContainEqual(
      expect.objectContaining({ api: 'leash:CollectAccount', account: OTHER_ACCOUNT }),
    );
    const store = openDynamoStore({ client: motoDynamo(endpoint), table: TABLE });
    const history = await store.findingHistory(other.arn);
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((f) => f.status === 'open')).toBe(true);
    expect(out.resolved).toBe(0);
  });

  it('records a gap when Entra was on but collect-entra wrote nothing', async () => {
    // Arrange
    stubHandlerEnv(endpoint, {
      LEASH_ENTRA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:leash/entra',
    });
    const window = run('run-no-entra');
    await writeRun(window, [
      { accountId: ACCOUNT, usage: 'trail', roles: [busy], activeRoles: [busy] },
    ]);

    // Act
    const out = await analyze(window);

    // Assert
    const doc = await document(out);
    expect(doc.tenants ?? []).toEqual([]);
    expect(doc.coverage.accessGaps).toContainEqual(
      expect.objectContaining({ provider: 'entra', api: 'leash:CollectEntra', reason: 'failed' }),
    );
  });
});
