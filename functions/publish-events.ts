/**
 * `publish-events`: puts `Scan Completed` and a `Finding Created` per new high or critical
 * finding of the run on the Leash bus. At least once: consumers deduplicate on `runId` (+ the
 * finding's `key`), because a retried step puts the run's events again (see
 * connectors/scan-run/publish-events.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { type PublishEventsResult, publishRunEvents } from '#connectors/scan-run/publish-events.ts';
import { ownClient, ownClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { ENV, PublishEventsInput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
if (!settings.eventBus) throw new Error(`Leash is misconfigured: ${ENV.eventBus} is not set`);
const busName = settings.eventBus;
const s3 = ownClients(settings).s3(settings.region);
const events = ownClient(settings, EventBridgeClient);
const store = openDynamoStore({
  client: ownClient(settings, DynamoDBClient),
  table: settings.table,
});

/** Step Functions task: analyze-scan's output in, what was put out. */
export const handler = lambdaHandler(async (event: unknown): Promise<PublishEventsResult> => {
  const input = PublishEventsInput.parse(event);
  logger.appendKeys({ runId: input.runId });
  const result = await publishRunEvents({ s3, store, events, busName, log: logger }, input);
  metrics.addMetric('FindingCreatedEvents', MetricUnit.Count, result.findingCreated);
  return result;
});
