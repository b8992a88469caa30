/**
 * Containment end to end, in-process: the containment state machine exactly as `cdk synth` emits
 * it is walked by the test ASL interpreter, which calls the exported handlers (decide, wait for
 * approval, apply, expire) for its tasks against moto, where IAM state really changes. The
 * approval endpoint's handler answers; its SendTaskSuccess is routed to the interpreter's token
 * desk (Step Functions itself is the one piece not run here).
 */

import { GetRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { CedarPolicyDecider } from '#adapters/cedar/cedar-decider.ts';
import { main } from '#cli/index.ts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { awsActuators } from '#connectors/aws/contain/actuators.ts';
import { auditChain, rollback } from '#core/containment/contain.ts';
import { readSettings } from '#functions/shared/config.ts';
import { openContainmentStore } from '#functions/shared/containment.ts';
import { ENV } from '#functions/shared/contract.ts';
import type { Json } from '#test/helpers/asl.ts';
import { answerTaskTokens, prepareContainmentAws } from '#test/helpers/containment-aws.ts';
import {
  approvalRequest,
  type CallHandler,
  type ContainmentExecution,
  containmentDefinition,
  containmentRequestedEvent,
  findingCreatedEvent,
  runContainment,
  TokenDesk,
} from '#test/helpers/containment-run.ts';
import {
  loadHandler,
  motoClients,
  motoDynamo,
  stubHandlerEnv,
  TABLE,
} from '#test/helpers/scan-run.ts';
import { allow, callerAccount, createRole, trust } from '#test/helpers/seed-aws.ts';

const endpoint = inject('motoEndpoint');
const AUDIT_TABLE = 'leash-test-audit';
const APPROVER = 'arn:aws:sts::123456789012:assumed-role/security-oncall/alice';

let definition: Json;
let admin: AwsClients;
let accountId: string;
let desk: TokenDesk;
const sfn = mockClient(SFNClient);

beforeAll(() => {
  definition = containmentDefinition();
});

beforeEach(async () => {
  const { topicArn } = await prepareContainmentAws(endpoint, AUDIT_TABLE);
  admin = motoClients(endpoint);
  accountId = await callerAccount(admin);
  stubHandlerEnv(endpoint, { [ENV.auditTable]: AUDIT_TABLE, [ENV.topic]: topicArn });
  desk = new TokenDesk();
  answerTaskTokens(sfn, desk);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  admin.destroy();
});

/** The handlers the definition calls, loaded after the environment is stubbed. */
async function handlers(): Promise<Record<string, CallHandler>> {
  return {
    'decide-containment': await loadHandler(() => import('#functions/decide-containment.ts')),
    'wait-for-approval': await loadHandler(() => import('#functions/wait-for-approval.ts')),
    'apply-containment': await loadHandler(() => import('#functions/apply-containment.ts')),
    'expire-approvals': await loadHandler(() => import('#functions/expire-approvals.ts')),
  };
}

/** The store the functions use (the audit log in its own table). */
function store() {
  return openContainmentStore(readSettings(), motoDynamo(endpoint));
}

/** Inline policy names of a role, and their documents. */
async function inlinePolicies(role: string): Promise<Record<string, string>> {
  const iam = admin.iam();
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: role }));
  const out: Record<string, string> = {};
  for (const name of PolicyNames.sort()) {
    const doc = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }));
    out[name] = decodeURIComponent(doc.PolicyDocument ?? '');
  }
  return out;
}

async function anAgentRole(name = 'support-agent', tags: Record<string, string> = {}) {
  return createRole(admin, {
    name,
    trust: trust({ Service: 'bedrock.amazonaws.com' }),
    inline: { tools: allow('s3:GetObject', 'dynamodb:Query') },
    tags,
  });
}

/** `Containment Requested` for a role's sessions, from the SOC's tooling. */
function requestSessionsRevoked(
  role: { arn: string; name: string },
  tags: Record<string, string>,
): Json {
  return containmentRequestedEvent({
    kind: 'aws.revoke-sessions',
    target: {
      provider: 'aws',
      scope: accountId,
      id: role.arn,
      name: role.name,
      type: 'role',
      class: 'ai-agent',
      tags,
    },
    requester: 'arn:aws:sts::123456789012:assumed-role/soc-automation/guardduty',
    reason: 'GuardDuty: credential exfiltration',
    idempotencyKey: `INC-${role.name}`,
  });
}

/** The request id of an execution (decide's output). */
function requestIdOf(run: ContainmentExecution): string {
  const out = run.outputs.get('decide-containment')?.[0] as { requestId: string };
  return out.requestId;
}

/**
 * Waits until the approval request with the token is stored, and returns its request id.
 * @throws when the execution ends first (it should be waiting)
 */
async function pendingRequest(running: Promise<ContainmentExecution>): Promise<string> {
  const ended = running.then((run) => {
    throw new Error(
      `the execution ended instead of waiting: ${JSON.stringify(run.error ?? run.trace)}`,
    );
  });
  await Promise.race([desk.nextToken(), ended]);
  const pending = await store().pendingApprovals();
  expect(pending).toHaveLength(1);
  return pending[0]!.requestId;
}

describe('containment, step by step', () => {
  it('revokes an AI agent role’s sessions automatically on a critical Finding Created', async () => {
    // Arrange
    const role = await anAgentRole();
    const before = await inlinePolicies(role.name);
    const fns = await handlers();

    // Act
    const run = await runContainment(
      findingCreatedEvent({ accountId, arn: role.arn, name: role.name, class: 'ai-agent' }),
      { definition, handlers: fns, desk },
    );

    // Assert
    expect(run.error).toBeNull();
    expect(run.trace).toEqual(['Decide', 'Route', 'Apply', 'Applied', 'Contained']);
    const after = await inlinePolicies(role.name);
    expect(Object.keys(after).sort()).toEqual(
      [...Object.keys(before), 'LeashRevokeOlderSessions'].sort(),
    );
    expect(after.LeashRevokeOlderSessions).toContain('aws:TokenIssueTime');
    const chain = await auditChain(requestIdOf(run), { store: store() });
    expect(chain.status).toBe('applied');
    expect(chain.entries.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['requested', 'decided', 'snapshot', 'api-call', 'applied']),
    );
    const decided = chain.entries.find((e) => e.kind === 'decided')!;
    expect(decided.detail).toMatchObject({
      decision: 'auto',
      matched: ['auto-revoke-ai-agent-sessions-on-critical'],
      policyVersion: expect.any(String),
    });

    // A redelivered event changes nothing twice.
    const again = await runContainment(
      findingCreatedEvent({ accountId, arn: role.arn, name: role.name, class: 'ai-agent' }),
      { definition, handlers: fns, desk },
    );
    expect(again.trace).toEqual(['Decide', 'Route', 'NotContained']);
    expect(again.outputs.get('decide-containment')?.[0]).toMatchObject({
      status: 'applied',
      replayed: true,
    });
    expect(await inlinePolicies(role.name)).toEqual(after);
    expect((await auditChain(requestIdOf(run), { store: store() })).entries).toEqual(chain.entries);

    // Rollback restores exactly.
    const settings = readSettings();
    const restored = await rollback(requestIdOf(run), 'alice', {
      store: store(),
      decider: CedarPolicyDecider.fromDirectory(),
      actuators: awsActuators(async () => motoClients(endpoint)),
      notifier: { notify: async () => {} },
      now: Date.now,
      actor: 'test',
      settings: { approvalTtlMs: settings.approvalTtlMinutes * 60_000 },
    });
    expect(restored.status).toBe('rolled-back');
    expect(await inlinePolicies(role.name)).toEqual(before);
  });

  it('waits for approval on a production identity, then applies what was approved', async () => {
    // Arrange
    const role = await anAgentRole('orders-agent', { environment: 'production' });
    const fns = await handlers();
    const answer = await loadHandler(() => import('#functions/answer-approval.ts'));

    // Act
    const running = runContainment(requestSessionsRevoked(role, { environment: 'production' }), {
      definition,
      handlers: fns,
      desk,
    });
    const requestId = await pendingRequest(running);
    const untouched = await inlinePolicies(role.name);
    const response = (await answer(
      approvalRequest(APPROVER, { requestId, decision: 'approve', reason: 'agent leaked a key' }),
    )) as { statusCode: number; body: string };
    const run = await running;

    // Assert
    expect(Object.keys(untouched)).toEqual(['tools']);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'approved', workflow: 'resumed' });
    expect(run.trace).toEqual([
      'Decide',
      'Route',
      'WaitForApproval',
      'Answered',
      'ApplyApproved',
      'Applied',
      'Contained',
    ]);
    expect(Object.keys(await inlinePolicies(role.name))).toEqual([
      'LeashRevokeOlderSessions',
      'tools',
    ]);
    const chain = await auditChain(requestId, { store: store() });
    const approved = chain.entries.find((e) => e.kind === 'approved')!;
    expect(approved.actor).toBe(APPROVER);
    expect(chain.entries.find((e) => e.kind === 'decided')?.detail.matched).toContain(
      'approval-for-production',
    );
  });

  it('resumes the workflow when `leash approve` answers against the deployment', async () => {
    // Arrange
    const role = await anAgentRole('catalog-agent', { environment: 'production' });
    const fns = await handlers();
    const running = runContainment(requestSessionsRevoked(role, { environment: 'production' }), {
      definition,
      handlers: fns,
      desk,
    });
    const requestId = await pendingRequest(running);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await main([
      'node',
      'leash',
      'approve',
      requestId,
      '--table',
      TABLE,
      '--audit-table',
      AUDIT_TABLE,
      '--endpoint-url',
      endpoint,
      '--reason',
      'confirmed by the SOC',
    ]);
    out.mockRestore();
    err.mockRestore();
    const run = await running;

    // Assert: the CLI answered with the caller's identity; the deployment applied it
    expect(code).toBe(0);
    expect(run.trace.slice(-4)).toEqual(['Answered', 'ApplyApproved', 'Applied', 'Contained']);
    expect(Object.keys(await inlinePolicies(role.name))).toEqual([
      'LeashRevokeOlderSessions',
      'tools',
    ]);
    const approved = (await auditChain(requestId, { store: store() })).entries.find(
      (e) => e.kind === 'approved',
    )!;
    expect(approved.actor).toMatch(/^arn:aws:(sts|iam)::/);
  });

  it('applies nothing when the approver denies', async () => {
    // Arrange
    const role = await anAgentRole('billing-agent', { environment: 'production' });
    const fns = await handlers();
    const answer = await loadHandler(() => import('#functions/answer-approval.ts'));

    // Act
    const running = runContainment(requestSessionsRevoked(role, { environment: 'production' }), {
      definition,
      handlers: fns,
      desk,
    });
    const requestId = await pendingRequest(running);
    await answer(
      approvalRequest(APPROVER, { requestId, decision: 'deny', reason: 'false positive' }),
    );
    const run = await running;

    // Assert
    expect(run.trace).toEqual(['Decide', 'Route', 'WaitForApproval', 'Answered', 'NotContained']);
    expect(Object.keys(await inlinePolicies(role.name))).toEqual(['tools']);
    expect((await auditChain(requestId, { store: store() })).status).toBe('denied');
  });

  it('expires an approval nobody answered and applies nothing', async () => {
    // Arrange
    const role = await anAgentRole('ledger-agent', { environment: 'production' });
    const fns = await handlers();

    // Act: the wait times out; by then the request is overdue
    const running = runContainment(requestSessionsRevoked(role, { environment: 'production' }), {
      definition,
      handlers: fns,
      desk,
    });
    const token = await desk.nextToken();
    const requestId = (await store().pendingApprovals())[0]!.requestId;
    const later = Date.now() + 25 * 3600_000;
    vi.spyOn(Date, 'now').mockReturnValue(later);
    desk.timeOut(token);
    const run = await running;

    // Assert
    expect(run.error).toBeNull();
    expect(run.trace).toEqual([
      'Decide',
      'Route',
      'WaitForApproval',
      'ExpireApproval',
      'NotContained',
    ]);
    expect(Object.keys(await inlinePolicies(role.name))).toEqual(['tools']);
    expect((await store().approval(requestId))?.status).toBe('expired');
    expect((await auditChain(requestId, { store: store() })).status).toBe('expired');
  });

  it('never touches a protected identity', async () => {
    // Arrange
    const role = await anAgentRole('break-glass-admin');
    const tagged = await anAgentRole('payments-agent', { 'leash:protected': 'true' });
    const fns = await handlers();

    // Act
    const runs = [
      await runContainment(
        findingCreatedEvent({ accountId, arn: role.arn, name: role.name, class: 'ai-agent' }),
        { definition, handlers: fns, desk },
      ),
      await runContainment(
        containmentRequestedEvent({
          kind: 'aws.quarantine',
          target: {
            provider: 'aws',
            scope: accountId,
            id: tagged.arn,
            name: tagged.name,
            type: 'role',
            tags: { 'leash:protected': 'true' },
          },
          requester: APPROVER,
        }),
        { definition, handlers: fns, desk },
      ),
    ];

    // Assert
    for (const run of runs) {
      expect(run.trace).toEqual(['Decide', 'Route', 'NotContained']);
      expect((await auditChain(requestIdOf(run), { store: store() })).status).toBe('refused');
    }
    expect(Object.keys(await inlinePolicies(role.name))).toEqual(['tools']);
    expect(Object.keys(await inlinePolicies(tagged.name))).toEqual(['tools']);
  });

  it('rejects a malformed event before any API call, to the dead-letter queue', async () => {
    // Arrange: every AWS call would fail to connect
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    const fns = await handlers();
    const event = containmentRequestedEvent({
      kind: 'aws.revoke-sessions',
      target: { provider: 'aws', scope: 'not-an-account', id: 'role/x', name: 'x', type: 'role' },
      requester: APPROVER,
    });

    // Act
    const run = await runContainment(event, { definition, handlers: fns, desk });

    // Assert
    expect(run.trace).toEqual(['Decide', 'RejectEvent', 'Rejected']);
    expect(run.error?.error).toBe('MalformedContainmentRequestError');
    expect(run.error?.cause).toMatch(/target\.scope: an AWS account id has 12 digits/);
    expect(run.deadLetters).toEqual([
      expect.objectContaining({ error: 'MalformedContainmentRequestError', event }),
    ]);
  });

  it('serialises two concurrent requests for one identity, each applied once', async () => {
    // Arrange
    const role = await anAgentRole('triage-agent');
    const fns = await handlers();
    const event = (key: string) =>
      findingCreatedEvent({ accountId, arn: role.arn, name: role.name, class: 'ai-agent', key });

    // Act
    const runs = await Promise.all(
      ['LP-AI-001|a', 'LP-AI-002|b'].map((key) =>
        runContainment(event(key), {
          definition,
          handlers: fns,
          desk,
          backoff: () => new Promise((r) => setTimeout(r, 25)),
        }),
      ),
    );

    // Assert: both applied, one after the other (no call of one between the other's)
    for (const run of runs) expect(run.trace.at(-1)).toBe('Contained');
    const chains = await Promise.all(
      runs.map((r) => auditChain(requestIdOf(r), { store: store() })),
    );
    const spans = chains.map((c) => {
      const times = c.entries
        .filter((e) => ['snapshot', 'api-call', 'applied'].includes(e.kind))
        .map((e) => e.at);
      return [Math.min(...times), Math.max(...times)] as const;
    });
    const [a, b] = spans.sort((x, y) => x[0] - y[0]);
    expect(a![1]).toBeLessThanOrEqual(b![0]);
    expect(Object.keys(await inlinePolicies(role.name))).toEqual([
      'LeashRevokeOlderSessions',
      'tools',
    ]);
  });
});
