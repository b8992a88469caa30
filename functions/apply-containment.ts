/**
 * `apply-containment`: the only function whose role (`leash/leash-apply-containment`) every
 * account's containment role trusts. Applies a request the policy allowed automatically (the use
 * case resumes it from its audit chain) or a person approved: snapshot, the exact calls, read-back,
 * every step in the audit log. Another request holding the identity throws IdentityBusyError,
 * which the state machine retries with backoff.
 *
 * Entra kinds act with the containment credential in `LEASH_ENTRA_CONTAINMENT_SECRET_ARN` (an
 * app registration with write permissions, separate from the scanner's), read on the first Entra
 * request and kept while the function stays warm. A credential that cannot be used fails that
 * request with EntraContainmentCredentialError, naming the `aws secretsmanager put-secret-value`
 * command; the audit chain records it, and AWS requests are never affected. Without the variable
 * (Entra off), an Entra request fails with EntraContainmentNotConfiguredError.
 *
 * GitHub kinds are applied from a workstation with `leash contain` and the GitHub App's key: the
 * deployment holds no GitHub credential, so an approved GitHub request fails here with
 * GitHubContainmentNotConfiguredError saying so, before any GitHub call.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsActuators } from '#connectors/aws/contain/actuators.ts';
import { assumeContainmentRole } from '#connectors/aws/contain/clients.ts';
import { partitionOf } from '#connectors/aws/regions.ts';
import {
  connectedEntraActuators,
  connectWithSecret,
  unconfiguredEntraActuators,
} from '#connectors/entra/containment-credential.ts';
import { unconfiguredGitHubActuators } from '#connectors/saas/github/contain.ts';
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
import { ApplyContainmentInput, ENV } from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const store = openContainmentStore(settings, ownClient(settings, DynamoDBClient));
const entraSecret = settings.entraContainmentSecret;
// Building the client makes no call: the secret is read by the first Entra request.
const secrets = entraSecret ? ownClient(settings, SecretsManagerClient) : undefined;
const entra = entraSecret
  ? connectedEntraActuators(() =>
      connectWithSecret({ secrets: secrets!, secretId: entraSecret, reader: 'apply-containment' }),
    )
  : unconfiguredEntraActuators(
      `${ENV.entraContainmentSecret} is not set. Deploy with -c leash:entra=true, which creates the containment credential's secret (stack output EntraContainmentSecretArn), and put the containment app registration's credential there (README, Containment).`,
    );
const deps = {
  store,
  decider: DECIDED_ALREADY,
  actuators: {
    ...awsActuators(
      assumeContainmentRole(ownClients(settings), {
        roleName: settings.containmentRoleName,
        sessionName: 'leash-apply-containment',
        partition: partitionOf(settings.region),
      }),
    ),
    ...entra,
    ...unconfiguredGitHubActuators(
      'GitHub containment is not configured in the deployment: apply it with leash contain ... from a workstation holding the GitHub App key',
    ),
  },
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
