/**
 * `send-weekly-report`: run by EventBridge Scheduler (Monday 07:00 UTC by default). Writes the
 * report of the newest scan to `reports/<yyyy-mm-dd>/` and sends the headline with a link through
 * SNS; with no scan yet it sends nothing and warns (see connectors/scan-run/weekly-report.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { sendWeeklyReport, type WeeklyReportResult } from '#connectors/scan-run/weekly-report.ts';
import { ownClient, ownClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { ENV } from '#functions/shared/contract.ts';
import { lambdaHandler, logger } from '#functions/shared/powertools.ts';

const settings = readSettings();
if (!settings.topic) throw new Error(`Leash is misconfigured: ${ENV.topic} is not set`);
const topicArn = settings.topic;
const bucket = { s3: ownClients(settings).s3(settings.region), name: settings.bucket };
const sns = ownClient(settings, SNSClient);
const store = openDynamoStore({
  client: ownClient(settings, DynamoDBClient),
  table: settings.table,
});

/** Scheduler target: the event carries nothing the report needs. */
export const handler = lambdaHandler(
  async (): Promise<WeeklyReportResult> =>
    sendWeeklyReport({ bucket, store, sns, topicArn, log: logger }),
);
