import { describe, expect, it, vi } from 'vitest';
import {
  applyApproved,
  approve,
  auditChain,
  contain,
  deny,
  expireApprovals,
  identityLockKey,
  rollback,
} from '#core/containment/contain.ts';
import {
  ContainmentStateError,
  IdentityBusyError,
  MalformedContainmentRequestError,
  NoActuatorError,
} from '#core/containment/errors.ts';
import type { ContainmentActuator } from '#core/ports/containment.ts';
import { ApprovalTransitionError } from '#core/store/errors.ts';
import {
  AGENT_ARN,
  aRequest,
  FakeActuator,
  someDeps,
  T0,
} from '#test/unit/containment/builders.ts';

const HOUR = 3_600_000;
const kinds = (entries: { kind: string }[]) => entries.map((e) => e.kind);

describe('contain', () => {
  it('applies an auto decision and records every step of the chain', async () => {
    // Arrange
    const { deps, actuator, store } = someDeps();
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps);

    // Assert
    expect(outcome.status).toBe('applied');
    expect(outcome.calls.map((c) => c.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(Object.keys(actuator.inline).sort()).toEqual(['deny-1', 'deny-2', 'deny-3', 'keep']);
    const chain = await store.auditChain(request.requestId);
    expect(kinds(chain)).toEqual([
      'requested',
      'decided',
      'snapshot',
      'api-call',
      'api-call',
      'api-call',
      'applied',
    ]);
    expect(chain.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(chain.every((e) => e.identityId === AGENT_ARN && e.scope === request.target.scope)).toBe(
      true,
    );
  });

  it('records trigger, identity, delegating human, policy version, calls and states', async () => {
    // Arrange
    const { deps } = someDeps();
    const request = aRequest();

    // Act
    await contain(request, deps);
    const { entries, status } = await auditChain(request.requestId, deps);

    // Assert
    const [requested, decided, snapshot, call, , , applied] = entries;
    expect(status).toBe('applied');
    expect(requested?.detail.request).toMatchObject({
      trigger: { type: 'finding', findingKey: 'finding-1', severity: 'critical' },
      target: { id: AGENT_ARN, delegatingHuman: 'arn:aws:iam::111111111111:user/alice' },
    });
    expect(requested?.at).toBe(T0);
    expect(decided?.detail).toEqual({
      decision: 'auto',
      matched: ['policy-auto'],
      policyVersion: 'cedar-test',
      errors: [],
    });
    expect(snapshot?.detail.before).toEqual({ inline: { keep: 'allow-s3' } });
    expect(snapshot?.detail.plan).toHaveLength(3);
    expect(call?.detail).toMatchObject({
      call: { api: 'iam:PutRolePolicy', params: { PolicyName: 'deny-1' } },
      ok: true,
      outcome: 'applied',
    });
    expect(applied?.detail).toMatchObject({ verified: true, succeeded: 3, failed: 0 });
    expect(applied?.detail.after).toMatchObject({ inline: { 'deny-1': 'deny' } });
    expect(entries.every((e) => e.actor.includes('leash-apply-containment'))).toBe(true);
  });

  it('does nothing twice when the same request is delivered again', async () => {
    // Arrange
    const { deps, actuator, decider, store } = someDeps();
    const request = aRequest();
    await contain(request, deps);

    // Act
    const again = await contain({ ...request, requestedAt: T0 + 5 }, deps);

    // Assert
    expect(again).toMatchObject({ status: 'applied', replayed: true });
    expect(actuator.executions).toBe(1);
    expect(decider.calls).toBe(1);
    expect(await store.auditChain(request.requestId)).toHaveLength(7);
  });

  it('goes on from the recorded snapshot when a run stopped halfway', async () => {
    // Arrange: the first run made its calls and then threw before recording them
    const { deps, actuator, store } = someDeps();
    const request = aRequest();
    actuator.throwOnExecute = true;
    await expect(contain(request, deps)).rejects.toThrow('connection reset');
    actuator.throwOnExecute = false;
    actuator.inline['deny-1'] = 'deny';

    // Act
    const outcome = await contain(request, deps);

    // Assert: the snapshot is the first one, not the half-contained state
    expect(outcome.status).toBe('applied');
    expect(outcome.before).toEqual({ inline: { keep: 'allow-s3' } });
    expect(outcome.calls.map((c) => c.outcome)).toEqual(['already-applied', 'applied', 'applied']);
    const chain = await store.auditChain(request.requestId);
    expect(chain.find((e) => e.kind === 'error')?.detail).toEqual({
      stage: 'execute',
      message: 'Error: connection reset',
    });
  });

  it('refuses a protected identity before asking policy, and records why', async () => {
    // Arrange
    const { deps, decider, actuator } = someDeps();
    const request = aRequest({
      target: { ...aRequest().target, tags: { 'leash:protected': 'true' } },
    });

    // Act
    const outcome = await contain(request, deps);

    // Assert
    expect(outcome.status).toBe('refused');
    expect(outcome.refusal).toEqual({
      reason: 'protected',
      detail: 'support-agent is tagged leash:protected',
    });
    expect(decider.calls).toBe(0);
    expect(actuator.executions).toBe(0);
  });

  it('refuses an identity that became protected while it waited, right before the calls', async () => {
    // Arrange: the snapshot reads the tags now on the role
    const { deps, actuator, store } = someDeps();
    actuator.tags = { 'leash:protected': '' };
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps);

    // Assert
    expect(outcome.status).toBe('refused');
    expect(actuator.executions).toBe(0);
    const last = (await store.auditChain(request.requestId)).at(-1);
    expect(last?.detail).toMatchObject({ reason: 'protected', stage: 'before-execution' });
  });

  it('refuses the identity Leash itself signs in as, as the snapshot reports it', async () => {
    // Arrange: an actuator that knows its own credential (a GitHub App installation)
    const { deps, actuator, store } = someDeps();
    const snapshot = actuator.snapshot.bind(actuator);
    actuator.snapshot = async () => ({ ...(await snapshot()), self: true });
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps);

    // Assert
    expect(outcome.status).toBe('refused');
    expect(outcome.detail).toMatch(/Leash itself signs in as/);
    expect(actuator.executions).toBe(0);
    const last = (await store.auditChain(request.requestId)).at(-1);
    expect(last?.detail).toMatchObject({ reason: 'protected', stage: 'before-execution' });
  });

  it('refuses a service-linked role with the reason', async () => {
    // Arrange
    const { deps } = someDeps();
    const request = aRequest({
      target: {
        ...aRequest().target,
        id: 'arn:aws:iam::111111111111:role/aws-service-role/bedrock.amazonaws.com/AWSServiceRoleForBedrock',
        name: 'AWSServiceRoleForBedrock',
      },
    });

    // Act
    const outcome = await contain(request, deps);

    // Assert
    expect(outcome.status).toBe('refused');
    expect(outcome.refusal?.reason).toBe('service-linked');
    expect(outcome.detail).toContain('only the service may change them');
  });

  it('stops at a forbidden decision', async () => {
    // Arrange
    const { deps, decider, actuator, store } = someDeps();
    decider.answer = 'forbidden';
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps);

    // Assert
    expect(outcome.status).toBe('forbidden');
    expect(actuator.executions).toBe(0);
    expect(kinds(await store.auditChain(request.requestId))).toEqual(['requested', 'decided']);
  });

  it('rejects a malformed request before any call', async () => {
    // Arrange
    const { deps, decider, store } = someDeps();
    const request = { ...aRequest(), kind: 'aws.quarantine', target: { provider: 'aws' } };

    // Act
    const act = contain(request, deps);

    // Assert
    await expect(act).rejects.toThrow(MalformedContainmentRequestError);
    await expect(act).rejects.toThrow(/target\.scope/);
    expect(decider.calls).toBe(0);
    expect(await store.pendingApprovals()).toEqual([]);
  });

  it('refuses an auto decision when no actuator applies the kind', async () => {
    // Arrange
    const { deps } = someDeps({ actuators: {} });

    // Act
    const act = contain(aRequest(), deps);

    // Assert
    await expect(act).rejects.toThrow(NoActuatorError);
  });

  it('returns the plan of a dry run and changes and writes nothing', async () => {
    // Arrange
    const { deps, actuator, store, notifier } = someDeps();
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps, { dryRun: true });

    // Assert
    expect(outcome.status).toBe('planned');
    expect(outcome.decision?.decision).toBe('auto');
    expect(outcome.plan?.map((c) => `${c.api} ${c.params.PolicyName}`)).toEqual([
      'iam:PutRolePolicy deny-1',
      'iam:PutRolePolicy deny-2',
      'iam:PutRolePolicy deny-3',
    ]);
    expect(actuator.executions).toBe(0);
    expect(actuator.inline).toEqual({ keep: 'allow-s3' });
    expect(await store.auditChain(request.requestId)).toEqual([]);
    expect(notifier.sent).toEqual([]);
  });

  it('says in a dry run that a protected identity would be refused', async () => {
    // Arrange
    const { deps, actuator } = someDeps();
    const protectedRole = aRequest({ target: { ...aRequest().target, name: 'break-glass-admin' } });
    actuator.tags = { 'leash:protected': 'yes' };

    // Act
    const byName = await contain(protectedRole, deps, { dryRun: true });
    const byState = await contain(aRequest(), deps, { dryRun: true });

    // Assert
    expect(byName.refusal?.detail).toContain('break-glass');
    expect(byState).toMatchObject({ status: 'refused', refusal: { reason: 'protected' } });
  });
});

describe('stopping after the decision', () => {
  it('records an auto decision and stops before the snapshot, without an actuator call', async () => {
    // Arrange
    const { deps, actuator, store } = someDeps();
    const snapshot = vi.spyOn(actuator, 'snapshot');
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps, { stopAfterDecision: true });

    // Assert
    expect(outcome).toMatchObject({
      status: 'applying',
      replayed: false,
      decision: { decision: 'auto' },
      before: null,
      plan: null,
      calls: [],
    });
    expect(snapshot).not.toHaveBeenCalled();
    expect(actuator.executions).toBe(0);
    expect(actuator.inline).toEqual({ keep: 'allow-s3' });
    expect(kinds(await store.auditChain(request.requestId))).toEqual(['requested', 'decided']);
  });

  it('needs no actuator for the kind', async () => {
    // Arrange
    const { deps } = someDeps({ actuators: {} });

    // Act
    const outcome = await contain(aRequest(), deps, { stopAfterDecision: true });

    // Assert
    expect(outcome.status).toBe('applying');
  });

  it('records an approval decision and neither stores an approval request nor notifies', async () => {
    // Arrange
    const { deps, decider, notifier, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps, { stopAfterDecision: true });

    // Assert
    expect(outcome).toMatchObject({
      status: 'awaiting-approval',
      replayed: false,
      decision: { decision: 'approval' },
      expiresAt: null,
    });
    expect(await store.approval(request.requestId)).toBeNull();
    expect(await store.pendingApprovals()).toEqual([]);
    expect(notifier.sent).toEqual([]);
    expect(kinds(await store.auditChain(request.requestId))).toEqual(['requested', 'decided']);
  });

  it('settles a forbidden decision as without the option', async () => {
    // Arrange
    const { deps, decider, store } = someDeps();
    decider.answer = 'forbidden';
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps, { stopAfterDecision: true });
    const later = await contain(request, deps);

    // Assert
    expect(outcome).toMatchObject({ status: 'forbidden', replayed: false });
    expect(later).toMatchObject({ status: 'forbidden', replayed: true });
    expect(kinds(await store.auditChain(request.requestId))).toEqual(['requested', 'decided']);
  });

  it('refuses a protected identity before asking policy, as without the option', async () => {
    // Arrange
    const { deps, decider, actuator } = someDeps();
    const request = aRequest({ target: { ...aRequest().target, name: 'break-glass-admin' } });

    // Act
    const outcome = await contain(request, deps, { stopAfterDecision: true });
    const later = await contain(request, deps);

    // Assert
    expect(outcome).toMatchObject({ status: 'refused', refusal: { reason: 'protected' } });
    expect(later).toMatchObject({ status: 'refused', replayed: true });
    expect(decider.calls).toBe(0);
    expect(actuator.executions).toBe(0);
  });

  it('is resumed by a later call, which applies exactly once', async () => {
    // Arrange
    const { deps, actuator, decider, store } = someDeps();
    const request = aRequest();
    await contain(request, deps, { stopAfterDecision: true });

    // Act
    const applied = await contain(request, deps);
    const redelivered = await contain(request, deps, { stopAfterDecision: true });
    const again = await contain(request, deps);

    // Assert
    expect(applied).toMatchObject({ status: 'applied', replayed: false });
    expect(redelivered).toMatchObject({ status: 'applied', replayed: true });
    expect(again).toMatchObject({ status: 'applied', replayed: true });
    expect(actuator.executions).toBe(1);
    expect(decider.calls).toBe(1);
    expect(kinds(await store.auditChain(request.requestId))).toEqual([
      'requested',
      'decided',
      'snapshot',
      'api-call',
      'api-call',
      'api-call',
      'applied',
    ]);
  });

  it('says where a redelivered request stands without deciding again', async () => {
    // Arrange
    const { deps, decider, store } = someDeps();
    const request = aRequest();
    await contain(request, deps, { stopAfterDecision: true });

    // Act
    const again = await contain({ ...request, requestedAt: T0 + 5 }, deps, {
      stopAfterDecision: true,
    });

    // Assert
    expect(again).toMatchObject({ status: 'applying', replayed: true });
    expect(decider.calls).toBe(1);
    expect(await store.auditChain(request.requestId)).toHaveLength(2);
  });

  it('stops a run that stopped while applying, without another call', async () => {
    // Arrange: the snapshot is recorded, the calls threw
    const { deps, actuator } = someDeps();
    const request = aRequest();
    actuator.throwOnExecute = true;
    await expect(contain(request, deps)).rejects.toThrow('connection reset');
    actuator.throwOnExecute = false;

    // Act
    const outcome = await contain(request, deps, { stopAfterDecision: true });

    // Assert
    expect(outcome).toMatchObject({ status: 'applying', before: { inline: { keep: 'allow-s3' } } });
    expect(actuator.executions).toBe(1);
    expect(actuator.madeCalls).toEqual([]);
  });

  it('is resumed into one stored and announced approval request', async () => {
    // Arrange
    const { deps, decider, notifier, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps, { stopAfterDecision: true });

    // Act
    const pending = await contain(request, deps);
    const again = await contain(request, deps, { stopAfterDecision: true });

    // Assert
    expect(pending).toMatchObject({ status: 'pending', expiresAt: T0 + 1000 + 24 * HOUR });
    expect(again).toMatchObject({ status: 'pending', replayed: true });
    expect(notifier.sent).toHaveLength(1);
    expect((await store.pendingApprovals()).map((a) => a.requestId)).toEqual([request.requestId]);
  });

  it('writes nothing when asked for a dry run as well', async () => {
    // Arrange
    const { deps, store } = someDeps();
    const request = aRequest();

    // Act
    const outcome = await contain(request, deps, { dryRun: true, stopAfterDecision: true });

    // Assert
    expect(outcome.status).toBe('planned');
    expect(await store.auditChain(request.requestId)).toEqual([]);
  });
});

describe('approval details', () => {
  it('stores the given fields with the approval request', async () => {
    // Arrange
    const { deps, decider, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();

    // Act
    await contain(request, deps, { approvalDetails: { taskToken: 'token-1', ticket: 'INC-7' } });

    // Assert
    const stored = await store.approval(request.requestId);
    expect(stored?.details).toEqual({
      taskToken: 'token-1',
      ticket: 'INC-7',
      request,
      decision: {
        decision: 'approval',
        matched: ['policy-approval'],
        policyVersion: 'cedar-test',
        errors: [],
      },
    });
  });

  it('keeps the recorded request and decision over fields of the same name', async () => {
    // Arrange
    const { deps, decider, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();

    // Act
    await contain(request, deps, {
      approvalDetails: { taskToken: 'token-1', request: 'forged', decision: 'auto' },
    });

    // Assert
    const details = (await store.approval(request.requestId))?.details;
    expect(details?.request).toEqual(request);
    expect(details?.decision).toMatchObject({ decision: 'approval' });
    expect(details?.taskToken).toBe('token-1');
  });

  it('stores them when a request stopped after its decision is resumed', async () => {
    // Arrange
    const { deps, decider, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps, {
      stopAfterDecision: true,
      approvalDetails: { taskToken: 'not-stored' },
    });

    // Act
    const outcome = await contain(request, deps, { approvalDetails: { taskToken: 'token-2' } });

    // Assert
    expect(outcome.status).toBe('pending');
    expect((await store.approval(request.requestId))?.details.taskToken).toBe('token-2');
  });
});

describe('approval', () => {
  it('stores and announces a request that needs approval, then applies it once approved', async () => {
    // Arrange
    const { deps, decider, notifier, actuator, clock, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();

    // Act
    const pending = await contain(request, deps);
    clock.now += HOUR;
    await approve(request.requestId, 'bob@example.com', deps, 'confirmed with the team');
    const applied = await applyApproved(request.requestId, deps);

    // Assert
    expect(pending).toMatchObject({ status: 'pending', expiresAt: T0 + 1000 + 24 * HOUR });
    expect(notifier.sent).toEqual([
      { requestId: request.requestId, expiresAt: T0 + 1000 + 24 * HOUR },
    ]);
    expect(applied.status).toBe('applied');
    expect(actuator.executions).toBe(1);
    const chain = await store.auditChain(request.requestId);
    const approved = chain.find((e) => e.kind === 'approved');
    expect(approved).toMatchObject({
      actor: 'bob@example.com',
      detail: { by: 'bob@example.com', reason: 'confirmed with the team' },
    });
    expect(kinds(chain).slice(0, 4)).toEqual([
      'requested',
      'decided',
      'approval-requested',
      'approved',
    ]);
  });

  it('does not store or notify twice when a pending request is delivered again', async () => {
    // Arrange
    const { deps, decider, notifier } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps);

    // Act
    const again = await contain(request, deps);

    // Assert
    expect(again).toMatchObject({ status: 'pending', replayed: true });
    expect(notifier.sent).toHaveLength(1);
  });

  it('applies nothing after a denial, and refuses to apply it', async () => {
    // Arrange
    const { deps, decider, actuator } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps);

    // Act
    const denied = await deny(request.requestId, 'bob@example.com', deps, 'false positive');
    const after = await applyApproved(request.requestId, deps);

    // Assert
    expect(denied.status).toBe('denied');
    expect(after).toMatchObject({ status: 'denied', replayed: true });
    expect(actuator.executions).toBe(0);
    await expect(deny(request.requestId, 'eve', deps)).rejects.toThrow(ContainmentStateError);
  });

  it('expires an unanswered request: a late approval is refused and recorded as expired', async () => {
    // Arrange
    const { deps, decider, actuator, clock, store } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps);
    clock.now += 25 * HOUR;

    // Act
    const late = approve(request.requestId, 'bob@example.com', deps);

    // Assert
    await expect(late).rejects.toThrow(ApprovalTransitionError);
    expect((await auditChain(request.requestId, deps)).status).toBe('expired');
    expect((await store.approval(request.requestId))?.status).toBe('expired');
    expect((await applyApproved(request.requestId, deps)).status).toBe('expired');
    expect(actuator.executions).toBe(0);
  });

  it('records expiry in each chain when the sweep runs, and applyApproved then applies nothing', async () => {
    // Arrange
    const { deps, decider, clock, actuator } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps);
    clock.now += 24 * HOUR + 1000;

    // Act
    const swept = await expireApprovals(deps);
    const again = await expireApprovals(deps);

    // Assert
    expect(swept.map((o) => [o.requestId, o.status])).toEqual([[request.requestId, 'expired']]);
    expect(again).toEqual([]);
    expect((await applyApproved(request.requestId, deps)).status).toBe('expired');
    expect(actuator.executions).toBe(0);
  });

  it('records an overdue request as expired when applyApproved finds it unswept', async () => {
    // Arrange
    const { deps, decider, clock } = someDeps();
    decider.answer = 'approval';
    const request = aRequest();
    await contain(request, deps);

    // Act
    const early = applyApproved(request.requestId, deps);
    await expect(early).rejects.toThrow(/still pending/);
    clock.now += 48 * HOUR;
    const late = await applyApproved(request.requestId, deps);

    // Assert
    expect(late.status).toBe('expired');
  });

  it('refuses to apply or roll back a request nobody made', async () => {
    // Arrange
    const { deps } = someDeps();

    // Act
    const apply = applyApproved('ctn-00000000000000000000000000000000', deps);
    const undo = rollback('ctn-00000000000000000000000000000000', 'bob', deps);

    // Assert
    await expect(apply).rejects.toThrow(/no such containment request/);
    await expect(undo).rejects.toThrow(ContainmentStateError);
  });
});

describe('concurrency', () => {
  it('serialises two requests for one identity: the second waits and snapshots after the first', async () => {
    // Arrange: the first request is held inside execute
    const { deps, actuator } = someDeps();
    let release = () => {};
    actuator.gate = new Promise<void>((r) => {
      release = r;
    });
    const first = aRequest();
    const second = aRequest({
      trigger: { type: 'request', requester: 'soc', reason: 'incident 7' },
    });

    // Act
    const running = contain(first, deps);
    await new Promise((r) => setTimeout(r, 5));
    const busy = contain(second, deps);
    await expect(busy).rejects.toThrow(IdentityBusyError);
    actuator.gate = null;
    release();
    const firstOutcome = await running;
    const secondOutcome = await contain(second, deps);

    // Assert
    expect(firstOutcome.status).toBe('applied');
    expect(secondOutcome.status).toBe('applied');
    expect(secondOutcome.plan).toEqual([]);
    expect(secondOutcome.before).toMatchObject({ inline: { 'deny-1': 'deny' } });
    await expect(busy).rejects.toMatchObject({
      holder: first.requestId,
      identityKey: identityLockKey(first.target),
    });
  });

  it('lets only one of two simultaneous deliveries of one request apply it', async () => {
    // Arrange
    const { deps, actuator } = someDeps();
    const request = aRequest();

    // Act
    const results = await Promise.allSettled([contain(request, deps), contain(request, deps)]);

    // Assert: one applies it; the other finds the identity busy (and, retried, the request done)
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: expect.any(IdentityBusyError),
    });
    expect(await contain(request, deps)).toMatchObject({ status: 'applied', replayed: true });
    expect(actuator.executions).toBe(1);
  });
});

describe('partial failure and rollback', () => {
  it('records exactly which call failed and rolls back only what succeeded', async () => {
    // Arrange
    const { deps, actuator, store } = someDeps();
    actuator.failOn = 'deny-2';
    const request = aRequest();

    // Act
    const failed = await contain(request, deps);
    const undone = await rollback(request.requestId, 'bob@example.com', deps, 'partial');

    // Assert
    expect(failed.status).toBe('failed');
    expect(failed.detail).toBe('1 of 3 calls failed: iam:PutRolePolicy (AccessDenied)');
    expect(failed.calls.map((c) => [c.call.params.PolicyName, c.ok])).toEqual([
      ['deny-1', true],
      ['deny-2', false],
      ['deny-3', true],
    ]);
    expect(undone.status).toBe('rolled-back');
    expect(undone.calls.map((c) => c.call.params.PolicyName)).toEqual(['deny-1', 'deny-3']);
    expect(actuator.inline).toEqual({ keep: 'allow-s3' });
    const chain = await store.auditChain(request.requestId);
    expect(kinds(chain).slice(-5)).toEqual([
      'rollback-requested',
      'rollback-planned',
      'rollback-call',
      'rollback-call',
      'rolled-back',
    ]);
    expect(chain.at(-1)?.detail).toMatchObject({ restored: true, differences: [] });
  });

  it('gives the rollback reads the snapshot they restore, and a plain read to the contain', async () => {
    // Arrange: an actuator that finds a restored part by content needs the snapshot
    const fake = new FakeActuator();
    const reads: unknown[] = [];
    const recording: ContainmentActuator = {
      snapshot: async (_r, restoring) => {
        reads.push(restoring);
        return fake.snapshot();
      },
      plan: (r, before) => fake.plan(r, before),
      execute: (r, plan) => fake.execute(r, plan),
      rollbackPlan: (r, before, now) => fake.rollbackPlan(r, before, now),
    };
    const { deps } = someDeps({ actuators: { 'aws.revoke-sessions': recording } });
    const request = aRequest();
    const applied = await contain(request, deps);

    // Act
    await rollback(request.requestId, 'bob', deps);

    // Assert
    expect(reads).toEqual([undefined, applied.before, applied.before]);
  });

  it('rolls back once: a second rollback changes nothing', async () => {
    // Arrange
    const { deps, actuator } = someDeps();
    const request = aRequest();
    await contain(request, deps);
    await rollback(request.requestId, 'bob', deps);

    // Act
    const again = await rollback(request.requestId, 'bob', deps);

    // Assert
    expect(again).toMatchObject({ status: 'rolled-back', replayed: true });
    expect(actuator.madeCalls.filter((c) => c.startsWith('iam:Delete'))).toHaveLength(3);
  });

  it('says a rollback failed when the state does not come back', async () => {
    // Arrange: a rollback call is refused
    const { deps, actuator } = someDeps();
    const request = aRequest();
    await contain(request, deps);
    actuator.failOn = 'deny-3';

    // Act
    const outcome = await rollback(request.requestId, 'bob', deps);

    // Assert
    expect(outcome.status).toBe('rollback-failed');
    expect(outcome.detail).toBe('1 rollback call(s) failed');
  });

  it('reports an irreversible kind and what differs', async () => {
    // Arrange
    const { deps, actuator } = someDeps();
    actuator.rollbackPlan = () => ({
      calls: [],
      irreversible: 'a deleted login profile cannot be restored: the user must reset it',
    });
    const request = aRequest();
    await contain(request, deps);

    // Act
    const outcome = await rollback(request.requestId, 'bob', deps);

    // Assert
    expect(outcome.status).toBe('rollback-failed');
    expect(outcome.detail).toContain('not restorable');
  });

  it('refuses to roll back a request that applied nothing', async () => {
    // Arrange
    const { deps, decider } = someDeps();
    decider.answer = 'forbidden';
    const request = aRequest();
    await contain(request, deps);

    // Act
    const act = rollback(request.requestId, 'bob', deps);

    // Assert
    await expect(act).rejects.toThrow(/nothing was applied \(forbidden\)/);
  });

  it('refuses a request id reused for a different request', async () => {
    // Arrange
    const { deps } = someDeps();
    const request = aRequest();
    await contain(request, deps);

    // Act
    const act = contain({ ...request, params: { extra: true } }, deps);

    // Assert
    await expect(act).rejects.toThrow(/already used by a different request/);
  });

  it('marks an unverified read-back as failed', async () => {
    // Arrange
    const actuator = new FakeActuator();
    actuator.execute = async () => ({
      calls: [],
      after: {},
      verified: false,
      verifyDetail: 'deny-1 missing',
    });
    const { deps } = someDeps({ actuators: { 'aws.revoke-sessions': actuator } });

    // Act
    const outcome = await contain(aRequest(), deps);

    // Assert
    expect(outcome.status).toBe('failed');
    expect(outcome.detail).toBe('read-back did not show the effect: deny-1 missing');
  });
});
