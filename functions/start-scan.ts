/**
 * `start-scan`: the first step of a scan run. Fixes the run id (the execution name) and window,
 * lists the accounts to scan into `work/runs/<runId>/accounts.json` for the Distributed Map, and
 * says whether the Entra tenant is collected (see connectors/aws/steps/list-accounts.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { listScanAccounts, runWindow } from '#connectors/aws/steps/list-accounts.ts';
import { ownClients, scannerClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { StartScanInput, type StartScanOutput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const own = ownClients(settings);
const work = { s3: own.s3(settings.region), name: settings.bucket };
const scanner = (accountId: string) => scannerClients(own, settings, accountId, 'leash-start-scan');

/** Step Functions task: the execution's name, input and start time in; the run out. */
export const handler = lambdaHandler(async (event: unknown): Promise<StartScanOutput> => {
  const input = StartScanInput.parse(event);
  const run = runWindow(input, settings.lookbackDays);
  logger.appendKeys({ runId: run.runId });
  const { accounts, accountCount } = await listScanAccounts(
    run,
    { own, work, scanner, log: logger },
    {
      mode: settings.mode,
      ...(settings.managementAccount ? { managementAccount: settings.managementAccount } : {}),
      ...(settings.regions?.length ? { regions: settings.regions } : {}),
    },
  );
  metrics.addMetric('ScanAccounts', MetricUnit.Count, accountCount);
  logger.info('scan started', { accountCount, from: run.from, to: run.to });
  return { ...run, accounts, accountCount, entra: settings.entraSecret !== undefined };
});
