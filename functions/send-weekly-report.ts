/**
 * `send-weekly-report`: run by EventBridge Scheduler (Monday 07:00 UTC by default). Writes the
 * report of the newest scan to `reports/<yyyy-mm-dd>/` (HTML, Markdown, CSV, JSON) and sends the
 * headline with a link through SNS, and to Slack when `LEASH_SLACK_SECRET_ARN` names the
 * incoming-webhook secret; with no scan yet it sends nothing and warns (see
 * connectors/scan-run/weekly-report.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { sendWeeklyReport, type WeeklyReportResult } from '#connectors/scan-run/weekly-report.ts';
import { ownClient, ownClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { ENV } from '#functions/shared/contract.ts';
import { slackWebhookFrom } from '#functions/shared/notifier.ts';
import { lambdaHandler, logger } from '#functions/shared/powertools.ts';

const settings = readSettings();
if (!settings.topic) throw new Error(`Leash is misconfigured: ${ENV.topic} is not set`);
const topicArn = settings.topic;
const bucket = { s3: ownClients(settings).s3(settings.region), name: settings.bucket };
const sns = ownClient(settings, SNSClient);
const dynamo = ownClient(settings, DynamoDBClient);
const tableStore = openDynamoStore({ client: dynamo, table: settings.table });
// Containment keeps its audit log in a table of its own when LEASH_AUDIT_TABLE_NAME is set.
const auditLog = settings.auditTable
  ? new DynamoAuditLog(
      DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
      settings.auditTable,
    )
  : tableStore;
const store = { ...tableStore, identityAudit: (id: string) => auditLog.identityAudit(id) };
const slackSecret = settings.slackSecret;

/** The webhook URL from the secret, read on each run so a rotated URL is used at once. */
async function slackWebhook(): Promise<string> {
  const out = await ownClient(settings, SecretsManagerClient).send(
    new GetSecretValueCommand({ SecretId: slackSecret }),
  );
  const url = slackWebhookFrom(out.SecretString);
  if (!url)
    throw new Error(
      `the secret ${ENV.slackSecret} names holds no https URL (the webhook URL itself, or JSON with "url")`,
    );
  return url;
}

/** Scheduler target: the event carries nothing the report needs. */
export const handler = lambdaHandler(
  async (): Promise<WeeklyReportResult> =>
    sendWeeklyReport({
      bucket,
      store,
      sns,
      topicArn,
      log: logger,
      catalog: await loadCatalog(),
      ...(slackSecret ? { slackWebhook } : {}),
    }),
);
