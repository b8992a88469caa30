/**
 * GitHub containment through the deployed flow, in-process: the containment state machine as
 * `cdk synth` emits it, walked by the test ASL interpreter over the exported handlers on moto.
 * The deployment holds no GitHub credential, so an approved GitHub request fails at
 * apply-containment with a message that says where to apply it (`leash contain` on a
 * workstation holding the GitHub App key), recorded in the audit chain, before any GitHub call.
 */

import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  it,
  vi,
} from 'vitest';
import { auditChain } from '#core/containment/contain.ts';
import { readSettings } from '#functions/shared/config.ts';
import { openContainmentStore } from '#functions/shared/containment.ts';
import { ENV } from '#functions/shared/contract.ts';
import type { Json } from '#test/helpers/asl.ts';
import { answerTaskTokens, prepareContainmentAws } from '#test/helpers/containment-aws.ts';
import {
  approvalRequest,
  type CallHandler,
  containmentDefinition,
  containmentRequestedEvent,
  runContainment,
  TokenDesk,
} from '#test/helpers/containment-run.ts';
import { loadHandler, motoDynamo, stubHandlerEnv } from '#test/helpers/scan-run.ts';

const endpoint = inject('motoEndpoint');
const AUDIT_TABLE = 'leash-test-audit';
const APPROVER = 'arn:aws:sts::123456789012:assumed-role/security-oncall/alice';
const KEY_ID = 'github:github.com/acme-corp/api-001/keys/50001';

let definition: Json;
let desk: TokenDesk;
let topicArn: string;
const sfn = mockClient(SFNClient);

beforeAll(() => {
  definition = containmentDefinition();
});

beforeEach(async () => {
  ({ topicArn } = await prepareContainmentAws(endpoint, AUDIT_TABLE));
  desk = new TokenDesk();
  answerTaskTokens(sfn, desk);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

afterAll(() => {
  sfn.restore();
});

function store() {
  return openContainmentStore(readSettings(), motoDynamo(endpoint));
}

describe('apply-containment, GitHub kinds', () => {
  it('fails an approved GitHub request with where to apply it, before any GitHub call', async () => {
    // Arrange
    stubHandlerEnv(endpoint, { [ENV.auditTable]: AUDIT_TABLE, [ENV.topic]: topicArn });
    const fns: Record<string, CallHandler> = {
      'decide-containment': await loadHandler(() => import('#functions/decide-containment.ts')),
      'wait-for-approval': await loadHandler(() => import('#functions/wait-for-approval.ts')),
      'apply-containment': await loadHandler(() => import('#functions/apply-containment.ts')),
      'expire-approvals': await loadHandler(() => import('#functions/expire-approvals.ts')),
    };
    const answer = await loadHandler(() => import('#functions/answer-approval.ts'));
    // Octokit speaks through fetch; the AWS SDK through node:http.
    const fetched = vi.spyOn(globalThis, 'fetch');
    const event = containmentRequestedEvent({
      kind: 'github.delete-deploy-key',
      target: {
        provider: 'saas',
        scope: 'github.com/acme-corp',
        id: KEY_ID,
        name: 'deploy-bot (api-001)',
        type: 'deploy-key',
        class: 'workload',
      },
      requester: 'arn:aws:sts::123456789012:assumed-role/soc-automation/defender',
      reason: 'key seen in a public gist',
      idempotencyKey: 'INC-github',
    });

    // Act: the default policies ask for approval; it is approved
    const running = runContainment(event, { definition, handlers: fns, desk });
    const ended = running.then((run) => {
      throw new Error(`the execution ended instead of waiting: ${JSON.stringify(run.trace)}`);
    });
    await Promise.race([desk.nextToken(), ended]);
    const [pending] = await store().pendingApprovals();
    const requestId = pending!.requestId;
    await answer(approvalRequest(APPROVER, { requestId, decision: 'approve' }));
    const run = await running;

    // Assert
    const message =
      'GitHub containment is not configured in the deployment: apply it with leash contain ... from a workstation holding the GitHub App key';
    expect(run.trace.slice(-1)).toEqual(['ApplyApproved']);
    expect(run.error).toMatchObject({
      error: 'GitHubContainmentNotConfiguredError',
      cause: message,
    });
    const chain = await auditChain(requestId, { store: store() });
    const error = chain.entries.find((e) => e.kind === 'error');
    expect(error?.detail).toMatchObject({
      stage: 'snapshot',
      message: `GitHubContainmentNotConfiguredError: ${message}`,
    });
    expect(chain.entries.some((e) => e.kind === 'api-call')).toBe(false);
    expect(fetched).not.toHaveBeenCalled();
  });
});
