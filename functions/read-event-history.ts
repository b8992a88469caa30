/**
 * `read-event-history`: reads the CloudTrail Event history (LookupEvents) of an account no
 * readable trail covers, over the run's window, into `work/runs/<runId>/usage/<accountId>/
 * event-history.json.gz`. It stops a minute before the function's time limit, with a coverage
 * gap saying how far back it got (see connectors/aws/steps/read-event-history.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import {
  type ReadEventHistoryResult,
  readEventHistory,
} from '#connectors/aws/steps/read-event-history.ts';
import { ownClients, scannerClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { ReadEventHistoryInput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const own = ownClients(settings);
const work = { s3: own.s3(settings.region), name: settings.bucket };
const scanner = (accountId: string) =>
  scannerClients(own, settings, accountId, 'leash-read-event-history');
const catalog = loadCatalog();

/** Step Functions task: the account and window in; what was read, out. */
export const handler = lambdaHandler(
  async (event: unknown, context: Context): Promise<ReadEventHistoryResult> => {
    const input = ReadEventHistoryInput.parse(event);
    logger.appendKeys({ runId: input.runId, accountId: input.accountId });
    const result = await readEventHistory(
      input,
      { work, scanner, catalog: await catalog, log: logger },
      {
        remainingMs: () => context.getRemainingTimeInMillis(),
        ...(settings.regions?.length ? { regions: settings.regions } : {}),
      },
    );
    metrics.addMetric('EventHistoryRecords', MetricUnit.Count, result.records);
    if (!result.complete) metrics.addMetric('EventHistoryStopped', MetricUnit.Count, 1);
    return result;
  },
);
