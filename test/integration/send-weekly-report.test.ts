/**
 * The `send-weekly-report` Lambda in-process against moto: the newest findings document and the
 * recorded scans in, the report under `reports/<day>/` and a headline with a presigned link on
 * the SNS topic out (read back through an SQS subscription). No scan yet: nothing is published.
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { type Bucket, getBytes, getJson, putJson } from '#connectors/scan-run/bucket.ts';
import type { WeeklyReportResult } from '#connectors/scan-run/weekly-report.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import { recordScanRun } from '#core/store/record-scan.ts';
import { ENV } from '#functions/shared/contract.ts';
import { aFinding, aFindingsDocument, anIdentityResult } from '#test/helpers/findings-document.ts';
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
/** Monday 2026-11-16, 07:00 UTC: when the schedule runs. */
const NOW = Date.parse('2026-11-16T07:00:00Z');

const high = aFinding({ ruleId: 'LP-IAM-004', severity: 'high', title: 'Agent can escalate' });
const critical = aFinding({
  ruleId: 'LP-IAM-002',
  severity: 'critical',
  title: 'Admin equivalent',
});
const medium = aFinding({ severity: 'medium', title: 'Policy AppFull is unused' });

let bucket: Bucket;
let sqs: MotoSqs;
let queue: TestQueue;

beforeEach(async () => {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
  bucket = { s3: motoClients(endpoint).s3(REGION), name: BUCKET };
  sqs = new MotoSqs(endpoint);
  queue = await sqs.createQueue('leash-subscribers');
  const sns = new SNSClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'leash-notifications' }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  sns.destroy();
  stubHandlerEnv(endpoint, { [ENV.topic]: TopicArn! });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** What analyze-scan leaves for a run: the document in the bucket and the scan in the store. */
async function scanned(runId: string, doc: FindingsDocument): Promise<void> {
  await putJson(bucket, `findings/${doc.window.asOf.slice(0, 10)}/${runId}/findings.json`, doc);
  const store = openDynamoStore({ client: motoDynamo(endpoint), table: TABLE });
  await recordScanRun(store, doc, runId, Date.parse(doc.window.asOf));
}

async function send(): Promise<WeeklyReportResult> {
  const handler = await loadHandler<unknown, WeeklyReportResult>(
    () => import('#functions/send-weekly-report.ts'),
  );
  return handler({ source: 'aws.scheduler' });
}

/** SNS notifications the subscription delivered: subject and message. */
async function notifications(): Promise<{ Subject: string; Message: string }[]> {
  return (await sqs.drain(queue)).map((b) => JSON.parse(b) as { Subject: string; Message: string });
}

describe('send-weekly-report', () => {
  it('writes the report of the newest scan and sends the headline with a link', async () => {
    // Arrange: two scans this week; the second opened one high and resolved the critical
    await scanned(
      'run-1',
      aFindingsDocument(
        [anIdentityResult('agent', [high, medium]), anIdentityResult('admin', [critical])],
        { asOf: '2026-11-14T03:00:00.000Z' },
      ),
    );
    await scanned(
      'run-2',
      aFindingsDocument(
        [
          anIdentityResult('agent', [high, medium]),
          anIdentityResult('newbie', [{ ...high, title: 'Newbie can escalate' }]),
        ],
        { asOf: '2026-11-15T03:00:00.000Z' },
      ),
    );

    // Act
    const result = await send();

    // Assert
    if (result.status !== 'sent') throw new Error('expected a report');
    expect(result.source.key).toBe('findings/2026-11-15/run-2/findings.json');
    expect(result.headline).toMatchObject({
      day: '2026-11-16',
      runId: 'run-2',
      open: { critical: 0, high: 2, medium: 1, low: 0, info: 0 },
      openTotal: 3,
      newThisWeek: 4,
      resolvedThisWeek: 1,
      scansThisWeek: 2,
    });
    const md = await getBytes(bucket, 'reports/2026-11-16/report.md');
    const html = await getBytes(bucket, 'reports/2026-11-16/report.html');
    const json = (await getJson(bucket, 'reports/2026-11-16/report.json')) as {
      headline: unknown;
      trend: { runId: string }[];
      findings: FindingsDocument;
    };
    expect(md?.toString()).toContain('# Leash rightsizing report');
    expect(html?.toString()).toContain('<html');
    expect(json.headline).toEqual(result.headline);
    expect(json.trend.map((s) => s.runId)).toEqual(['run-1', 'run-2']);
    expect(json.findings.identities.map((i) => i.name).sort()).toEqual(['agent', 'newbie']);
    const csv = await getBytes(bucket, 'reports/2026-11-16/report.csv');
    expect(csv?.toString().split('\r\n')[0]).toMatch(/^rank,risk_score,identity_id,/);
    expect(result.report.csv.key).toBe('reports/2026-11-16/report.csv');
    // What changed over the week comes from the store: admin's critical finding went away.
    expect(md?.toString()).toMatch(/\| resolved \| critical \| LP-IAM-002 \| admin \|/);
    expect(result.slack).toEqual({ status: 'not-configured' });

    const [note, ...more] = await notifications();
    expect(more).toEqual([]);
    expect(note?.Subject).toBe('Leash weekly report 2026-11-16: 0 critical, 2 high open');
    expect(note?.Message).toContain(
      'Open findings: 0 critical, 2 high, 1 medium, 0 low, 0 info (3 in all)',
    );
    expect(note?.Message).toContain('Since last week: 4 new, 1 resolved, over 2 scan(s)');
    const link = /Report: (\S+)/.exec(note?.Message ?? '')?.[1] ?? '';
    const url = new URL(link);
    expect(url.pathname).toBe(`/${BUCKET}/reports/2026-11-16/report.html`);
    // Static test credentials never expire, so the link gets SigV4's full 7 days, and says so.
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(note?.Message).toMatch(/The link works until \d{4}-\d{2}-\d{2}T/);
    // The link opens the report.
    vi.useRealTimers();
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(html?.toString());
  });

  it('publishes nothing and warns to check the schedule when no scan has run', async () => {
    // Arrange
    stubHandlerEnv(endpoint, { POWERTOOLS_LOG_LEVEL: 'WARN' });
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });

    // Act
    const result = await send();

    // Assert
    vi.restoreAllMocks();
    expect(result).toEqual({ status: 'no-scan' });
    expect(await notifications()).toEqual([]);
    expect(lines.join('')).toContain('Check the scan schedule');
    expect(await getBytes(bucket, 'reports/2026-11-16/report.html')).toBeUndefined();
  });
});
