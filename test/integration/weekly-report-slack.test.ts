/**
 * The weekly report's Slack post, through the real fetch against a loopback HTTP server that
 * plays the incoming webhook: the headline with the link arrives as JSON; a webhook that fails
 * is reported in the result and never stops the SNS delivery that already happened.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import { type Bucket, putJson } from '#connectors/scan-run/bucket.ts';
import { SILENT_LOG } from '#connectors/scan-run/run-log.ts';
import { sendWeeklyReport } from '#connectors/scan-run/weekly-report.ts';
import { recordScanRun } from '#core/store/record-scan.ts';
import { aFinding, aFindingsDocument, anIdentityResult } from '#test/helpers/findings-document.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { BUCKET, createBucketAndTable, motoClients, REGION } from '#test/helpers/scan-run.ts';

const endpoint = inject('motoEndpoint');
const NOW = Date.parse('2026-11-16T07:00:00Z');

let server: Server;
let received: { path: string; type: string; body: string }[];
let status: number;
let bucket: Bucket;
let sns: SNSClient;
let topicArn: string;

beforeEach(async () => {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
  bucket = { s3: motoClients(endpoint).s3(REGION), name: BUCKET };
  sns = new SNSClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'leash-notifications' }))).TopicArn!;
  received = [];
  status = 200;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        type: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'no_service');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  sns.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function send() {
  const store = openMemoryStore();
  const doc = aFindingsDocument(
    [
      anIdentityResult('agent <b>', [aFinding({ severity: 'high', ruleId: 'LP-IAM-005' })], {
        actions: ['s3:GetObject', 's3:PutObject'],
        used: 1,
      }),
    ],
    { asOf: '2026-11-15T03:00:00.000Z' },
  );
  await putJson(bucket, 'findings/2026-11-15/run-1/findings.json', doc);
  await recordScanRun(store, doc, 'run-1', Date.parse(doc.window.asOf));
  const { port } = server.address() as AddressInfo;
  return sendWeeklyReport({
    bucket,
    store,
    sns,
    topicArn,
    log: SILENT_LOG,
    now: () => NOW,
    slackWebhook: async () => `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
  });
}

describe('the weekly report on Slack', () => {
  it('posts the headline and the link to the incoming webhook', async () => {
    // Act
    const result = await send();

    // Assert
    if (result.status !== 'sent') throw new Error('expected a report');
    expect(result.slack).toEqual({ status: 'sent' });
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/services/T000/B000/XXXX');
    expect(received[0]!.type).toBe('application/json');
    const text = (JSON.parse(received[0]!.body) as { text: string }).text;
    expect(text).toContain('*Leash weekly report, 2026-11-16*');
    expect(text).toContain('Attack surface that can go: 1 of 2 granted permissions (50%)');
    // Slack mrkdwn is escaped; the link is Slack's <url|label> form.
    expect(text).toContain('Riskiest identity: agent &lt;b&gt;');
    expect(text).toMatch(/<http:\/\/[^|>]+report\.html[^|>]*\|Open the report>/);
  });

  it('reports a webhook that fails without failing the delivery', async () => {
    // Arrange
    status = 404;

    // Act
    const result = await send();

    // Assert
    if (result.status !== 'sent') throw new Error('expected a report');
    expect(result.messageId).toBeTruthy();
    expect(result.slack).toEqual({ status: 'failed', detail: 'Slack answered 404: no_service' });
  });
});
