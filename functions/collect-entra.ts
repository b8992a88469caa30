/**
 * `collect-entra`: scans the Microsoft Entra tenant of the credential in Secrets Manager into
 * `work/runs/<runId>/entra.json`. A missing or unusable credential is a coverage gap, never a
 * failure of the run (see connectors/scan-run/collect-entra.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type CollectEntraResult, collectEntraRun } from '#connectors/scan-run/collect-entra.ts';
import { ownClient, ownClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { CollectEntraInput, ENV } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const bucket = { s3: ownClients(settings).s3(settings.region), name: settings.bucket };
const secrets = ownClient(settings, SecretsManagerClient);

/** Step Functions task: RunWindow in, the Entra work file's location and counts out. */
export const handler = lambdaHandler(async (event: unknown): Promise<CollectEntraResult> => {
  const run = CollectEntraInput.parse(event);
  logger.appendKeys({ runId: run.runId });
  if (!settings.entraSecret)
    throw new Error(
      `${ENV.entraSecret} is not set: the stack sets it when Entra is on, and only then runs this step`,
    );
  const result = await collectEntraRun(
    { bucket, secrets, secretId: settings.entraSecret, log: logger },
    run,
  );
  metrics.addMetric('EntraIdentities', MetricUnit.Count, result.identities);
  metrics.addMetric('EntraCoverageGaps', MetricUnit.Count, result.gaps);
  logger.info('Entra collected', { ...result });
  return result;
});
