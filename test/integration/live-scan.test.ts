/**
 * The live scan end to end against moto: `runScan` fed by `AwsLiveSource` (real SDK clients,
 * real IAM, S3 and CloudTrail calls) must find what the offline scan finds in the same account
 * exported to files, since both feed the same engine.
 *
 * moto 5.2 limits what can be exercised here:
 * - Access Advisor (GenerateServiceLastAccessedDetails) is not implemented: HTTP 500, so the
 *   live document has one `failed` gap per principal that the offline one lacks.
 * - LookupEvents is not implemented either (HTTP 500). The Event-history path is run twice:
 *   against moto as it is (a `failed` gap after LookupEventsSource's own five retries with
 *   1 to 16 s backoff, about 31 s that AwsLiveSource offers no option to shorten), and with
 *   the CloudTrail client answering LookupEvents from the seeded records, to show that Event
 *   history and trail files give the same findings.
 * - AWS managed policies are not loaded by the shared server, so the over-privileged agent
 *   holds an inline `*` on `*` rather than AdministratorAccess.
 * - IAM is enforced only when switched on for the whole server (POST /moto-api/reset-auth);
 *   the denied-scan test does that and switches it off again afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type {
  CloudTrailClient,
  Event,
  LookupEventsCommandInput,
  LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { AwsLiveSource, type LiveScanOptions } from '#connectors/aws/live-scan.ts';
import { DAY_MS, runScan } from '#core/engine/scan.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import {
  type AgentAccount,
  exportAccount,
  seedAgentAccount,
  type TrailFile,
} from '#test/helpers/seed-aws.ts';

const endpoint = inject('motoEndpoint');
const LOOKBACK_DAYS = 7;
const REGION = 'us-east-1';

/** Sets how many requests moto serves before it enforces IAM (`inf`: never, the default). */
async function motoAuthAfter(count: number | 'inf'): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    body: String(count),
  });
  if (!res.ok) throw new Error(`reset-auth failed: ${res.status}`);
}

/** A live scan of the credentials' account in us-east-1, as `leash scan --aws` runs it. */
async function scanLive(
  clients: AwsClients,
  asOf: number,
  options: Partial<LiveScanOptions> = {},
): Promise<FindingsDocument> {
  const source = new AwsLiveSource(clients, {
    from: asOf - LOOKBACK_DAYS * DAY_MS,
    to: asOf,
    regions: [REGION],
    usage: 'trail',
    ...options,
  });
  return runScan(
    { grants: source, usage: source, catalog: await loadCatalog() },
    { asOf, lookbackDays: LOOKBACK_DAYS, toolVersion: 'test', gaps: () => source.gaps.gaps },
  );
}

/** An offline scan of an export directory. */
async function scanFiles(dir: string, asOf: number): Promise<FindingsDocument> {
  const source = new ExportDirectory(dir);
  return runScan(
    { grants: source, usage: source, catalog: await loadCatalog() },
    { asOf, lookbackDays: LOOKBACK_DAYS, toolVersion: 'test' },
  );
}

/** What both scans must agree on, identity by identity. */
function verdicts(doc: FindingsDocument) {
  return doc.identities.map((i) => ({
    id: i.id,
    class: i.class,
    aiRole: i.aiRole,
    usedActions: i.usedActions.map((u) => ({ action: u.action, count: u.count })),
    unusedActions: i.unusedActions,
    deniedActions: i.deniedActions.map((d) => ({
      action: d.action,
      count: d.count,
      errorCodes: d.errorCodes,
    })),
    recommendation: i.recommendation,
    recommendedActions:
      i.recommendedPolicy?.policies.map((p) => p.document.Statement.flatMap((s) => s.Action)) ??
      null,
    findings: i.findings.map((f) => f.ruleId).sort(),
  }));
}

function identity(doc: FindingsDocument, arn: string) {
  const found = doc.identities.find((i) => i.id === arn);
  if (!found) throw new Error(`${arn} is not in the findings`);
  return found;
}

/** The records of the trail files, as CloudTrail's Event history would return them. */
function eventHistory(files: readonly TrailFile[]): Event[] {
  const records = files.flatMap(
    (f) =>
      (JSON.parse(gunzipSync(f.body).toString('utf8')) as { Records: Record<string, unknown>[] })
        .Records,
  );
  return records
    .map((r) => ({
      EventId: String(r.eventID),
      EventName: String(r.eventName),
      EventSource: String(r.eventSource),
      EventTime: new Date(String(r.eventTime)),
      ReadOnly: String(r.readOnly),
      CloudTrailEvent: JSON.stringify(r),
    }))
    .sort((a, b) => b.EventTime.getTime() - a.EventTime.getTime());
}

/**
 * Makes the client answer LookupEvents (which moto lacks) from `events`, newest first, 50 a
 * page, within StartTime and EndTime, as CloudTrail does. Every other call goes to moto.
 * @returns the number of LookupEvents calls answered
 */
function answerLookupEvents(client: CloudTrailClient, events: Event[]): { calls: number } {
  const counter = { calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'LookupEventsCommand') return next(args);
      counter.calls++;
      const input = args.input as LookupEventsCommandInput;
      const from = input.StartTime?.getTime() ?? 0;
      const to = input.EndTime?.getTime() ?? Number.POSITIVE_INFINITY;
      const matching = events.filter(
        (e) => e.EventTime!.getTime() >= from && e.EventTime!.getTime() <= to,
      );
      const offset = Number(input.NextToken ?? 0);
      const size = input.MaxResults ?? 50;
      const output: LookupEventsCommandOutput = {
        Events: matching.slice(offset, offset + size),
        ...(offset + size < matching.length ? { NextToken: String(offset + size) } : {}),
        $metadata: { httpStatusCode: 200 },
      };
      return { output } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'leashTestEventHistory' },
  );
  return counter;
}

describe('live AWS scan against moto', () => {
  let clients: AwsClients;
  let dir: string;
  let seeded: AgentAccount;
  let asOf: number;

  beforeEach(async () => {
    await resetMoto(endpoint);
    // One attempt: moto's HTTP 500 for Access Advisor would otherwise be retried 8 times.
    clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'leash-live-scan-'));
    seeded = await seedAgentAccount(clients, Date.now());
    // A 7-day window ending a day after the last record: every record in, every creation out.
    asOf = seeded.last + DAY_MS;
  });

  afterEach(async () => {
    await motoAuthAfter('inf');
    clients.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds what the offline scan of the same account exported to files finds', async () => {
    // Arrange
    await exportAccount(clients, dir, seeded.files);

    // Act
    const live = await scanLive(clients, asOf);
    const offline = await scanFiles(dir, asOf);

    // Assert
    expect(FindingsDocumentSchema.safeParse(live).success).toBe(true);
    expect(verdicts(live)).toEqual(verdicts(offline));
    expect(live.accounts).toEqual([seeded.accountId]);
    expect(live.coverage.records).toEqual(offline.coverage.records);
    expect(live.coverage.records).toMatchObject({ read: 206, inWindow: 206, mapped: 204 });
    expect(live.coverage.issues).toEqual([]);
    expect(offline.coverage.issues).toEqual([]);
    expect(live.coverage.gaps).toEqual(offline.coverage.gaps);
    // Only the live scan knows the trail...
    expect(live.coverage.trails).toEqual([
      {
        name: 'management-events',
        arn: seeded.trailArn,
        homeRegion: REGION,
        isLogging: true,
        managementEvents: 'All',
        dataEventServices: [],
      },
    ]);
    expect(offline.coverage.trails).toEqual([]);
    // ...and what it could not read: Access Advisor, once per user and role.
    expect(offline.coverage.accessGaps).toEqual([]);
    expect(live.coverage.accessGaps.map((g) => `${g.api} ${g.reason} ${g.account}`)).toEqual(
      Array(5).fill(`iam:GenerateServiceLastAccessedDetails failed ${seeded.accountId}`),
    );
    for (const arn of [seeded.agent, seeded.ci, seeded.unused, seeded.alice, seeded.reporting].map(
      (x) => x.arn,
    )) {
      expect(live.coverage.accessGaps.some((g) => g.detail.startsWith(`${arn}:`))).toBe(true);
    }

    // The story the seeded account tells.
    const agent = identity(live, seeded.agent.arn);
    expect(agent).toMatchObject({
      class: 'ai-agent',
      aiRole: 'agent',
      recommendation: 'rightsize',
    });
    expect(agent.usedActions.map((u) => [u.action, u.count])).toEqual([
      ['bedrock:InvokeModel', 80],
      ['s3:ListAllMyBuckets', 20],
      ['secretsmanager:GetSecretValue', 10],
    ]);
    expect(agent.deniedActions.map((d) => [d.action, d.count])).toEqual([
      ['iam:CreateAccessKey', 3],
    ]);
    expect(agent.findings.map((f) => f.ruleId)).toContain('LP-IAM-005');
    const ci = identity(live, seeded.ci.arn);
    expect(ci.recommendation).toBe('rightsize');
    // v1 of ci-deploy is in force; the broader v2 is history and grants nothing.
    expect(ci.unusedActions).toEqual([
      'cloudformation:DeleteStack',
      'cloudformation:DescribeStackEvents',
    ]);
    expect(ci.grant.allowedActions).toBe(7);
    expect(identity(live, seeded.unused.arn).recommendation).toBe('decommission');
    const alice = identity(live, seeded.alice.arn);
    expect(alice).toMatchObject({ class: 'human', recommendation: 'rightsize' });
    expect(alice.activity.consoleSignIns).toBe(2);
    expect(alice.deniedActions.map((d) => d.errorCodes)).toEqual([
      ['Client.UnauthorizedOperation'],
    ]);
    const bot = identity(live, seeded.reporting.arn);
    expect(bot.recommendation).toBe('decommission');
    expect(bot.findings.map((f) => f.ruleId)).toContain('LP-IAM-002');
  });

  it('reads the same usage from Event history as from the trail files', async () => {
    // Arrange
    const viaTrail = await scanLive(clients, asOf, { lastAccessed: 'off' });
    const lookups = answerLookupEvents(clients.cloudtrail(REGION), eventHistory(seeded.files));

    // Act
    const viaLookup = await scanLive(clients, asOf, { lastAccessed: 'off', usage: 'lookup' });

    // Assert
    expect(verdicts(viaLookup)).toEqual(verdicts(viaTrail));
    expect(viaLookup.coverage.records).toEqual(viaTrail.coverage.records);
    expect(viaLookup.coverage.accessGaps).toEqual([]);
    expect(viaLookup.coverage.issues).toEqual([]);
    // 206 events, 50 a page.
    expect(lookups.calls).toBe(5);
  });

  it('completes with a failed LookupEvents gap and no usage when Event history cannot be read', {
    timeout: 120_000,
  }, async () => {
    // Arrange: moto answers LookupEvents with HTTP 500 (not implemented).

    // Act
    const doc = await scanLive(clients, asOf, { lastAccessed: 'off', usage: 'lookup' });

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.coverage.records).toMatchObject({ read: 0, inWindow: 0, mapped: 0 });
    expect(doc.coverage.accessGaps).toEqual([
      expect.objectContaining({
        api: 'cloudtrail:LookupEvents',
        account: seeded.accountId,
        region: REGION,
        reason: 'failed',
        detail: expect.stringMatching(/^gave up after 5 retries and 0 events/),
      }),
    ]);
    expect(doc.coverage.gaps[0]).toMatch(/^No CloudTrail record fell in the window/);
    // The inventory is read all the same; the trail is described but not read.
    expect(doc.identities).toHaveLength(5);
    expect(doc.coverage.trails.map((t) => t.arn)).toEqual([seeded.trailArn]);
    expect(doc.identities.every((i) => i.usedActions.length === 0)).toBe(true);
  });

  it('records calls the scanning user may not make as access gaps and scans the rest', async () => {
    // Arrange
    const iam = clients.iam();
    await iam.send(new CreateUserCommand({ UserName: 'scanner' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'scanner',
        PolicyName: 'scan',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: ['s3:GetObject', 'lambda:ListFunctions'], Resource: '*' },
          ],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'scanner' }))).AccessKey!;
    const scanner = new AwsClients({
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
    });
    await motoAuthAfter(0);

    // Act
    let doc: FindingsDocument;
    try {
      doc = await scanLive(scanner, asOf, { lastAccessed: 'off' });
    } finally {
      await motoAuthAfter('inf');
      scanner.destroy();
    }

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    const gaps = doc.coverage.accessGaps.map((g) => ({
      api: g.api,
      account: g.account,
      region: g.region,
      reason: g.reason,
    }));
    expect(gaps).toEqual([
      {
        api: 'lambda:ListFunctions',
        account: seeded.accountId,
        region: REGION,
        reason: 'access-denied',
      },
      { api: 's3:GetObject', account: seeded.accountId, region: REGION, reason: 'access-denied' },
    ]);
    // IAM was readable: every identity (the scanner too) is there, with no usage to judge by.
    expect(doc.identities.map((i) => i.name).sort()).toEqual([
      'alice',
      'ci-deploy',
      'legacy-etl',
      'reporting-bot',
      'scanner',
      'support-agent',
    ]);
    expect(doc.coverage.records.read).toBe(0);
    expect(doc.coverage.trails.map((t) => t.arn)).toEqual([seeded.trailArn]);
  });
});
