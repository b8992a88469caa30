/**
 * `expire-approvals`: the scheduled sweep (and the state machine's step after a wait timed out).
 * Marks every overdue approval request expired, records it in its audit chain, and ends the
 * executions still waiting on them.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { expireApprovals } from '#core/containment/contain.ts';
import { resumeWorkflow } from '#functions/shared/answer.ts';
import { ownClient } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { functionDeps, openContainmentStore } from '#functions/shared/containment.ts';
import { ExpireApprovalsInput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const store = openContainmentStore(settings, ownClient(settings, DynamoDBClient));
const sfn = ownClient(settings, SFNClient);
const deps = functionDeps(settings, store, 'leash-expire-approvals');

/** Scheduler target or Step Functions task: the requests expired by this call out. */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = ExpireApprovalsInput.parse(event ?? {});
  if (input.requestId) logger.appendKeys({ requestId: input.requestId });
  const expired = await expireApprovals(deps);
  let resumed = 0;
  for (const outcome of expired) {
    const approval = await store.approval(outcome.requestId);
    if (approval && (await resumeWorkflow(sfn, approval)) === 'resumed') resumed++;
  }
  metrics.addMetric('ApprovalsExpired', MetricUnit.Count, expired.length);
  logger.info('approvals expired', { expired: expired.length, resumed });
  return { expired: expired.map((o) => o.requestId), resumed };
});
