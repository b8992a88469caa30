/**
 * `read-trail-objects`: reads CloudTrail day folders of a scan run, a Distributed Map batch
 * (`Items`) or a whole folder file (`manifest`). A folder unchanged since its day snapshot was
 * taken is reused without downloading a file; the others are read and snapshotted again, and
 * their days' usage rows go to the table (see connectors/aws/steps/read-trail-folders.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { readTrailFolders } from '#connectors/aws/steps/read-trail-folders.ts';
import { readPrefixes } from '#connectors/aws/steps/work-files.ts';
import { ownClient, ownClients, scannerClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { ReadTrailObjectsInput, type ReadTrailObjectsOutput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const own = ownClients(settings);
const work = { s3: own.s3(settings.region), name: settings.bucket };
const scanner = (accountId: string) =>
  scannerClients(own, settings, accountId, 'leash-read-trail-objects');
const store = openDynamoStore({
  client: ownClient(settings, DynamoDBClient),
  table: settings.table,
});
const catalog = loadCatalog();

/** Step Functions task: folders in, counts out (the usage itself goes to the bucket). */
export const handler = lambdaHandler(async (event: unknown): Promise<ReadTrailObjectsOutput> => {
  const input = ReadTrailObjectsInput.parse(event);
  const items =
    'Items' in input
      ? input.Items
      : await readPrefixes({ ...work, name: input.manifest.bucket }, input.manifest.key);
  logger.appendKeys({ runId: items[0]?.runId });
  const result = await readTrailFolders(items, {
    work,
    scanner,
    catalog: await catalog,
    putUsageDays: (rows) => store.putUsageDays(rows),
    log: logger,
  });
  metrics.addMetric('TrailFoldersReused', MetricUnit.Count, result.reused);
  metrics.addMetric('TrailObjectsRead', MetricUnit.Count, result.objects);
  metrics.addMetric('TrailRecordsRead', MetricUnit.Count, result.records);
  return result;
});
