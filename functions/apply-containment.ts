/**
 * `apply-containment`: the only function whose role (`leash/leash-apply-containment`) every
 * account's containment role trusts. Applies a request the policy allowed automatically (the use
 * case resumes it from its audit chain) or a person approved: snapshot, the exact calls, read-back,
 * every step in the audit log. Another request holding the identity throws IdentityBusyError,
 * which the state machine retries with backoff.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsActuators } from '#connectors/aws/contain/actuators.ts';
import { assumeContainmentRole } from '#connectors/aws/contain/clients.ts';
import { partitionOf } from '#connectors/aws/regions.ts';
import { foldChain } from '#core/containment/chain.ts';
import { applyApproved, contain } from '#core/containment/contain.ts';
import { ContainmentStateError } from '#core/containment/errors.ts';
import { ownClient, ownClients } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import {
  containmentSettings,
  DECIDED_ALREADY,
  functionActor,
  openContainmentStore,
} from '#functions/shared/containment.ts';
import { ApplyContainmentInput } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const store = openContainmentStore(settings, ownClient(settings, DynamoDBClient));
const deps = {
  store,
  decider: DECIDED_ALREADY,
  actuators: awsActuators(
    assumeContainmentRole(ownClients(settings), {
      roleName: settings.containmentRoleName,
      sessionName: 'leash-apply-containment',
      partition: partitionOf(settings.region),
    }),
  ),
  notifier: { notify: async () => {} },
  now: () => Date.now(),
  actor: functionActor('leash-apply-containment'),
  settings: containmentSettings(settings),
};

/** Step Functions task: the request id in; the outcome (status, calls, detail) out. */
export const handler = lambdaHandler(async (event: unknown) => {
  const { requestId, approved } = ApplyContainmentInput.parse(event);
  logger.appendKeys({ requestId });
  let outcome: Awaited<ReturnType<typeof contain>>;
  if (approved) {
    outcome = await applyApproved(requestId, deps);
  } else {
    const request = foldChain(await store.auditChain(requestId)).request;
    if (!request) throw new ContainmentStateError(requestId, 'no such containment request');
    outcome = await contain(request, deps);
  }
  const failed = outcome.calls.filter((c) => !c.ok).length;
  logger.info('containment applied', {
    status: outcome.status,
    calls: outcome.calls.length,
    failed,
  });
  metrics.addMetric(`Containment_${outcome.status}`, MetricUnit.Count, 1);
  return {
    requestId,
    status: outcome.status,
    replayed: outcome.replayed,
    calls: outcome.calls.length,
    failed,
    detail: outcome.detail,
  };
});
