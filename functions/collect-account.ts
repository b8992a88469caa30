/**
 * `collect-account`: one account of a scan run (a Distributed Map item). Inventories it through
 * its scanner role, writes `work/runs/<runId>/inventory/<accountId>.json` and, when its usage
 * comes from trail files, the folder list `work/runs/<runId>/prefixes/<accountId>.json`. An
 * account that cannot be entered is a coverage gap and `usage: 'none'`, never a failure (see
 * connectors/aws/steps/collect-account.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { collectAccount } from '#connectors/aws/steps/collect-account.ts';
import { ownClients, scannerClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { AccountItem, type CollectAccountOutput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const own = ownClients(settings);
const work = { s3: own.s3(settings.region), name: settings.bucket };
const scanner = (accountId: string) =>
  scannerClients(own, settings, accountId, 'leash-collect-account');

/** Step Functions task: an AccountItem in; where its inventory and folders are, out. */
export const handler = lambdaHandler(async (event: unknown): Promise<CollectAccountOutput> => {
  const item = AccountItem.parse(event);
  logger.appendKeys({ runId: item.runId, accountId: item.accountId });
  const result = await collectAccount(
    item,
    { work, scanner, log: logger },
    {
      usage: settings.usage,
      ...(settings.regions?.length ? { regions: settings.regions } : {}),
    },
  );
  metrics.addMetric('Identities', MetricUnit.Count, result.identities);
  metrics.addMetric('CoverageGaps', MetricUnit.Count, result.gaps);
  metrics.addMetric('TrailFolders', MetricUnit.Count, result.prefixCount);
  return result;
});
