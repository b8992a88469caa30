/**
 * `analyze-scan`: merges the run's inventories, usage and Entra tenant into one findings
 * document (the engine of `leash scan`), writes it with its reports to
 * `findings/<yyyy-mm-dd>/<runId>/`, and records it in the table (connectors/scan-run/analyze-run.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { analyzeRun } from '#connectors/scan-run/analyze-run.ts';
import { ownClient, ownClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { AnalyzeScanInput, type AnalyzeScanOutput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';
import packageJson from '../package.json' with { type: 'json' };

const settings = readSettings();
const bucket = { s3: ownClients(settings).s3(settings.region), name: settings.bucket };
const store = openDynamoStore({
  client: ownClient(settings, DynamoDBClient),
  table: settings.table,
});

/** Step Functions task: RunWindow in, the findings document's location and counts out. */
export const handler = lambdaHandler(async (event: unknown): Promise<AnalyzeScanOutput> => {
  const run = AnalyzeScanInput.parse(event);
  logger.appendKeys({ runId: run.runId });
  const output = await analyzeRun(
    {
      bucket,
      store,
      catalog: await loadCatalog(),
      toolVersion: packageJson.version,
      entra: settings.entraSecret !== undefined,
      log: logger,
    },
    run,
  );
  metrics.addMetric('Identities', MetricUnit.Count, output.identities);
  metrics.addMetric('NewFindings', MetricUnit.Count, output.new);
  metrics.addMetric('CoverageGaps', MetricUnit.Count, output.gaps);
  return output;
});
