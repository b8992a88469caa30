/**
 * The `publish-events` Lambda in-process against moto: a rule on the Leash bus sends every
 * Leash event to an SQS queue, which the test reads back. One `Scan Completed` per run, one
 * `Finding Created` per high or critical finding the run opened; refused entries are put again
 * and a lasting refusal fails the step (aws-sdk-client-mock stands in for EventBridge there).
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { type Bucket, putJson } from '#connectors/scan-run/bucket.ts';
import {
  EventPublishError,
  type PublishEventsResult,
  publishRunEvents,
} from '#connectors/scan-run/publish-events.ts';
import { SILENT_LOG } from '#connectors/scan-run/run-log.ts';
import {
  FindingCreatedDetailSchema,
  type ScanCompletedDetail,
  ScanCompletedDetailSchema,
} from '#core/model/events.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';
import { recordScanRun } from '#core/store/record-scan.ts';
import { type AnalyzeScanOutput, ENV } from '#functions/shared/contract.ts';
import {
  aFinding,
  aFindingsDocument,
  anIdentityResult,
  DOC_ACCOUNT,
} from '#test/helpers/findings-document.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { MotoSqs, type TestQueue } from '#test/helpers/moto-sqs.ts';
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
const BUS = 'leash';

const high = aFinding({ ruleId: 'LP-IAM-004', severity: 'high', title: 'Agent can escalate' });
const critical = aFinding({
  ruleId: 'LP-IAM-002',
  severity: 'critical',
  title: 'Admin equivalent',
});
const medium = aFinding({ severity: 'medium', title: 'Policy AppFull is unused' });

let bucket: Bucket;
let store: LeashStore;
let sqs: MotoSqs;
let queue: TestQueue;

beforeEach(async () => {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
  bucket = { s3: motoClients(endpoint).s3(REGION), name: BUCKET };
  store = openDynamoStore({ client: motoDynamo(endpoint), table: TABLE });
  // The bus, and a rule sending every Leash event to a queue the test reads.
  sqs = new MotoSqs(endpoint);
  queue = await sqs.createQueue('leash-events');
  const events = new EventBridgeClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  await events.send(
    new PutRuleCommand({
      Name: 'all-leash-events',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: ['leash'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'all-leash-events',
      EventBusName: BUS,
      Targets: [{ Id: 'queue', Arn: queue.arn }],
    }),
  );
  events.destroy();
  stubHandlerEnv(endpoint, { [ENV.eventBus]: BUS });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** What analyze-scan does for a run: write the document, record it, return its output. */
async function analyzed(runId: string, doc: FindingsDocument): Promise<AnalyzeScanOutput> {
  const key = `findings/${doc.window.asOf.slice(0, 10)}/${runId}/findings.json`;
  await putJson(bucket, key, doc);
  const recorded = await recordScanRun(store, doc, runId, Date.parse(doc.window.asOf));
  return {
    runId,
    findings: { bucket: BUCKET, key },
    identities: doc.identities.length,
    open: doc.identities.flatMap((i) => i.findings).length,
    new: recorded.diff.newFindings.length,
    resolved: recorded.diff.resolved.length,
    gaps: 0,
  };
}

async function publish(input: AnalyzeScanOutput): Promise<PublishEventsResult> {
  const handler = await loadHandler<AnalyzeScanOutput, PublishEventsResult>(
    () => import('#functions/publish-events.ts'),
  );
  return handler(input);
}

/** The events the rule delivered, by detail type. */
async function delivered() {
  const events = (await sqs.drain(queue)).map(
    (body) => JSON.parse(body) as { source: string; 'detail-type': string; detail: unknown },
  );
  expect(events.every((e) => e.source === 'leash')).toBe(true);
  return {
    completed: events
      .filter((e) => e['detail-type'] === 'Scan Completed')
      .map((e) => ScanCompletedDetailSchema.parse(e.detail)),
    created: events
      .filter((e) => e['detail-type'] === 'Finding Created')
      .map((e) => FindingCreatedDetailSchema.parse(e.detail)),
  };
}

const day1 = () =>
  aFindingsDocument(
    [
      anIdentityResult('agent', [high, medium], {
        overrides: { class: 'ai-agent', aiRole: 'agent' },
      }),
      anIdentityResult('admin', [critical]),
    ],
    { asOf: '2026-11-15T00:00:00.000Z' },
  );
const day2 = () =>
  aFindingsDocument(
    [
      anIdentityResult('agent', [high, medium], {
        overrides: { class: 'ai-agent', aiRole: 'agent' },
      }),
      anIdentityResult('newbie', [{ ...high, title: 'Newbie can escalate' }, medium]),
    ],
    { asOf: '2026-11-16T00:00:00.000Z' },
  );

describe('publish-events', () => {
  it('puts one Scan Completed and one Finding Created per new high or critical finding', async () => {
    // Arrange
    const input = await analyzed('run-1', day1());

    // Act
    const result = await publish(input);

    // Assert
    expect(result).toMatchObject({ runId: 'run-1', scanCompleted: 1, findingCreated: 2, calls: 1 });
    const { completed, created } = await delivered();
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject<Partial<ScanCompletedDetail>>({
      runId: 'run-1',
      accounts: [DOC_ACCOUNT],
      identities: 2,
    });
    expect(completed[0]?.findings.open).toEqual({
      critical: 1,
      high: 1,
      medium: 1,
      low: 0,
      info: 0,
    });
    expect(completed[0]?.findings.new).toEqual({
      critical: 1,
      high: 1,
      medium: 1,
      low: 0,
      info: 0,
    });
    expect(completed[0]?.location.html).toEqual({
      bucket: BUCKET,
      key: 'findings/2026-11-15/run-1/report.html',
    });
    expect(created.map((c) => [c.identity.name, c.finding.severity]).sort()).toEqual([
      ['admin', 'critical'],
      ['agent', 'high'],
    ]);
    const agent = created.find((c) => c.identity.name === 'agent')!;
    expect(agent).toMatchObject({
      runId: 'run-1',
      identity: {
        id: `arn:aws:iam::${DOC_ACCOUNT}:role/agent`,
        class: 'ai-agent',
        accountId: DOC_ACCOUNT,
      },
      finding: {
        ruleId: 'LP-IAM-004',
        title: 'Agent can escalate',
        truncated: false,
        firstSeen: '2026-11-15T00:00:00.000Z',
      },
    });
    expect(agent.finding.evidence).toEqual(high.evidence);
  });

  it('puts Finding Created only for what a later run opened, and counts what it resolved', async () => {
    // Arrange
    await analyzed('run-1', day1());
    const input = await analyzed('run-2', day2());

    // Act
    await publish(input);

    // Assert
    const { completed, created } = await delivered();
    expect(created.map((c) => c.identity.name)).toEqual(['newbie']);
    expect(completed[0]?.findings.new).toEqual({
      critical: 0,
      high: 1,
      medium: 1,
      low: 0,
      info: 0,
    });
    expect(completed[0]?.findings.resolved).toEqual({
      critical: 1,
      high: 0,
      medium: 0,
      low: 0,
      info: 0,
    });
    expect(completed[0]?.findings.totals).toEqual({ open: 4, new: 2, resolved: 1 });
  });

  it('puts the same events again when the step is retried, for consumers to deduplicate', async () => {
    // Arrange
    const input = await analyzed('run-1', day1());
    await publish(input);
    const first = await delivered();

    // Act
    await publish(input);

    // Assert
    const again = await delivered();
    expect(again.completed).toEqual(first.completed);
    expect(again.created.map((c) => `${c.runId}/${c.finding.key}`).sort()).toEqual(
      first.created.map((c) => `${c.runId}/${c.finding.key}`).sort(),
    );
  });

  it('puts again the entries PutEvents refused', async () => {
    // Arrange: the first call refuses the second entry
    const input = await analyzed('run-1', day1());
    const events = mockClient(EventBridgeClient);
    events
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'e-1' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          { EventId: 'e-3' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });

    try {
      // Act
      const result = await publish(input);

      // Assert
      expect(result.calls).toBe(2);
      const calls = events.commandCalls(PutEventsCommand);
      expect(calls[0]?.args[0].input.Entries).toHaveLength(3);
      const retried = calls[1]?.args[0].input.Entries ?? [];
      expect(retried).toEqual([calls[0]?.args[0].input.Entries?.[1]]);
      expect(retried[0]?.EventBusName).toBe(BUS);
    } finally {
      events.restore();
    }
  });

  it('fails the step when entries are still refused after the last attempt', async () => {
    // Arrange
    const input = await analyzed('run-1', day1());
    const events = mockClient(EventBridgeClient);
    events.on(PutEventsCommand).callsFake((cmd: { Entries: unknown[] }) => ({
      FailedEntryCount: cmd.Entries.length,
      Entries: cmd.Entries.map(() => ({ ErrorCode: 'InternalFailure' })),
    }));
    const sleeps: number[] = [];

    try {
      // Act
      const act = publishRunEvents(
        {
          s3: bucket.s3,
          store,
          events: new EventBridgeClient({ region: REGION }),
          busName: BUS,
          log: SILENT_LOG,
          maxAttempts: 4,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
        input,
      );

      // Assert
      await expect(act).rejects.toThrow(EventPublishError);
      await expect(act).rejects.toThrow(
        /refused 3 of 3 entries after 4 attempts \(InternalFailure\)/,
      );
      expect(events.commandCalls(PutEventsCommand)).toHaveLength(4);
      // Exponential backoff between attempts.
      expect(sleeps).toHaveLength(3);
      expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
      expect(sleeps[2]!).toBeGreaterThan(sleeps[1]!);
    } finally {
      events.restore();
    }
  });
});
