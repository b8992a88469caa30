/**
 * `answer-approval`: the approval endpoint, a Lambda function URL with AWS_IAM auth. POST
 * `{"requestId", "decision": "approve"|"deny", "reason"?}` signed with SigV4; the approver is
 * the caller's IAM principal as Lambda's request context gives it (never a value from the body).
 * Records the answer (approval store and audit chain, core/containment/contain.ts) and resumes
 * the waiting execution through its task token.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { approve, deny } from '#core/containment/contain.ts';
import { ContainmentStateError } from '#core/containment/errors.ts';
import { ApprovalNotFoundError, ApprovalTransitionError } from '#core/store/errors.ts';
import { resumeWorkflow } from '#functions/shared/answer.ts';
import { ownClient } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { functionDeps, openContainmentStore } from '#functions/shared/containment.ts';
import { AnswerApprovalBody } from '#functions/shared/contract.ts';
import { lambdaHandler, logger } from '#functions/shared/powertools.ts';

const settings = readSettings();
const store = openContainmentStore(settings, ownClient(settings, DynamoDBClient));
const sfn = ownClient(settings, SFNClient);
const deps = functionDeps(settings, store, 'leash-answer-approval');

const reply = (statusCode: number, body: Record<string, unknown>): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Function URL handler. */
export const handler = lambdaHandler(
  async (event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<APIGatewayProxyResultV2> => {
    if (event.requestContext?.http?.method !== 'POST')
      return reply(405, { error: 'POST {"requestId","decision","reason"} to answer a request' });
    const approver = event.requestContext.authorizer?.iam?.userArn;
    if (!approver) return reply(403, { error: 'the request is not IAM-signed' });
    let body: unknown;
    try {
      const text = event.isBase64Encoded
        ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
        : (event.body ?? '');
      body = JSON.parse(text);
    } catch {
      return reply(400, { error: 'the body is not JSON' });
    }
    const parsed = AnswerApprovalBody.safeParse(body);
    if (!parsed.success)
      return reply(400, {
        error: 'bad request',
        issues: parsed.error.issues.map((i) => i.message),
      });
    const { requestId, decision, reason } = parsed.data;
    logger.appendKeys({ requestId });
    try {
      const answer = decision === 'approve' ? approve : deny;
      const outcome = await answer(requestId, approver, deps, reason);
      const approval = await store.approval(requestId);
      const workflow = approval ? await resumeWorkflow(sfn, approval) : 'no-workflow';
      logger.info('approval answered', { decision, status: outcome.status, workflow });
      return reply(200, { requestId, status: outcome.status, by: approver, workflow });
    } catch (error) {
      if (error instanceof ApprovalNotFoundError) return reply(404, { error: error.message });
      if (error instanceof ContainmentStateError || error instanceof ApprovalTransitionError)
        return reply(409, { error: error.message });
      throw error;
    }
  },
);
