/**
 * `wait-for-approval`: called by the state machine with a task token (`.waitForTaskToken`).
 * Stores the approval request with the token, tells the subscribers (SNS; Slack when a webhook
 * is configured) and returns; the execution then waits until an answer (approval endpoint,
 * `leash approve`/`leash deny`, or the expiry sweep) sends the token back, or the task times out
 * at the request's expiry.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { foldChain } from '#core/containment/chain.ts';
import { contain } from '#core/containment/contain.ts';
import { ContainmentStateError } from '#core/containment/errors.ts';
import { ownClient } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { functionDeps, openContainmentStore } from '#functions/shared/containment.ts';
import { WaitForApprovalInput } from '#functions/shared/contract.ts';
import { approvalNotifier, slackWebhookFrom } from '#functions/shared/notifier.ts';
import { lambdaHandler, logger } from '#functions/shared/powertools.ts';

const settings = readSettings();
const store = openContainmentStore(settings, ownClient(settings, DynamoDBClient));
let slack: Promise<string | null> | undefined;
const notifier = approvalNotifier({
  ...(settings.topic
    ? { sns: { client: ownClient(settings, SNSClient), topicArn: settings.topic } }
    : {}),
  ...(settings.approvalUrl ? { approvalUrl: settings.approvalUrl } : {}),
  slackWebhook: () => {
    const arn = settings.slackSecret;
    if (!arn) return Promise.resolve(null);
    slack ??= ownClient(settings, SecretsManagerClient)
      .send(new GetSecretValueCommand({ SecretId: arn }))
      .then((out) => slackWebhookFrom(out.SecretString));
    return slack;
  },
  warn: (message, extra) => logger.warn(message, extra),
});

const deps = functionDeps(settings, store, 'leash-wait-for-approval', { notifier });

/** Step Functions task (.waitForTaskToken): the request id and token in; its status out. */
export const handler = lambdaHandler(async (event: unknown) => {
  const { requestId, taskToken } = WaitForApprovalInput.parse(event);
  logger.appendKeys({ requestId });
  const request = foldChain(await store.auditChain(requestId)).request;
  if (!request) throw new ContainmentStateError(requestId, 'no such containment request');
  // The answer (endpoint, CLI, expiry sweep) reads the token from the approval request to
  // resume the execution.
  const outcome = await contain(request, deps, { approvalDetails: { taskToken } });
  logger.info('approval requested', { status: outcome.status, expiresAt: outcome.expiresAt });
  return { requestId, status: outcome.status, expiresAt: outcome.expiresAt };
});
