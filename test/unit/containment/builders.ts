/**
 * Builders and fakes of the containment unit tests: requests, a scripted policy decider, an
 * actuator over an in-memory identity (so snapshots, calls and rollbacks really change state),
 * and a recording notifier.
 */
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import type { ContainmentDeps } from '#core/containment/contain.ts';
import { containmentRequestId } from '#core/containment/request.ts';
import type {
  ApprovalNotifier,
  CallResult,
  ContainmentActuator,
  ContainmentRequest,
  ContainmentState,
  PlannedCall,
  PolicyDecider,
  PolicyDecision,
} from '#core/ports/containment.ts';

export const ACCOUNT = '111111111111';
export const T0 = Date.parse('2026-11-22T10:00:00Z');
export const AGENT_ARN = `arn:aws:iam::${ACCOUNT}:role/agents/support-agent`;

/** A revoke-sessions request for an AI agent role after a critical finding. */
export function aRequest(overrides: Partial<ContainmentRequest> = {}): ContainmentRequest {
  const target = {
    provider: 'aws' as const,
    scope: ACCOUNT,
    id: AGENT_ARN,
    name: 'support-agent',
    type: 'role',
    class: 'ai-agent' as const,
    tags: { team: 'support' },
    environment: null,
    delegatingHuman: 'arn:aws:iam::111111111111:user/alice',
    ...overrides.target,
  };
  const kind = overrides.kind ?? 'aws.revoke-sessions';
  return {
    requestId: containmentRequestId({ kind, target, origin: overrides.trigger ?? 'default' }),
    kind,
    target,
    trigger: {
      type: 'finding',
      findingKey: 'finding-1',
      ruleId: 'LP-AI-001',
      severity: 'critical',
      requester: 'leash',
    },
    params: {},
    requestedAt: T0,
    ...overrides,
    ...(overrides.target ? { target } : {}),
  };
}

/** A decider that answers what it is told, and counts its calls. */
export class ScriptedDecider implements PolicyDecider {
  calls = 0;
  constructor(public answer: PolicyDecision['decision'] = 'auto') {}
  async decide(): Promise<PolicyDecision> {
    this.calls++;
    return {
      decision: this.answer,
      matched: [`policy-${this.answer}`],
      policyVersion: 'cedar-test',
      errors: [],
    };
  }
}

/** A notifier that records what it was told. */
export class RecordingNotifier implements ApprovalNotifier {
  readonly sent: { requestId: string; expiresAt: number }[] = [];
  async notify(request: ContainmentRequest, _d: PolicyDecision, expiresAt: number) {
    this.sent.push({ requestId: request.requestId, expiresAt });
  }
}

/**
 * An actuator over one fake role: `inline` holds its inline policies. Applying puts three
 * inline policies (`deny-1`..`deny-3`); `failOn` makes one call fail; `gate` holds execute until
 * released (for races). Rollback deletes what is there and was not before.
 */
export class FakeActuator implements ContainmentActuator {
  inline: Record<string, string> = { keep: 'allow-s3' };
  tags: Record<string, string> | undefined;
  failOn: string | null = null;
  throwOnExecute = false;
  executions = 0;
  readonly madeCalls: string[] = [];
  gate: Promise<void> | null = null;

  async snapshot(): Promise<ContainmentState> {
    return { inline: { ...this.inline }, ...(this.tags ? { tags: { ...this.tags } } : {}) };
  }

  plan(_r: ContainmentRequest, before: ContainmentState): PlannedCall[] {
    const have = before.inline as Record<string, string>;
    return ['deny-1', 'deny-2', 'deny-3']
      .filter((n) => !have[n])
      .map((n) => ({
        api: 'iam:PutRolePolicy',
        params: { PolicyName: n },
        description: `put ${n}`,
      }));
  }

  async execute(_r: ContainmentRequest, plan: PlannedCall[]) {
    this.executions++;
    if (this.gate) await this.gate;
    if (this.throwOnExecute) throw new Error('connection reset');
    const calls: CallResult[] = [];
    for (const call of plan) {
      const name = String(call.params.PolicyName);
      this.madeCalls.push(`${call.api} ${name}`);
      if (name === this.failOn) {
        calls.push({ call, ok: false, outcome: 'AccessDenied', at: T0 + 1 });
        continue;
      }
      if (call.api === 'iam:DeleteRolePolicy') {
        delete this.inline[name];
        calls.push({ call, ok: true, outcome: 'applied', at: T0 + 2 });
        continue;
      }
      const already = name in this.inline;
      this.inline[name] = 'deny';
      calls.push({ call, ok: true, outcome: already ? 'already-applied' : 'applied', at: T0 + 1 });
    }
    const after = await this.snapshot();
    const verified = ['deny-1', 'deny-2', 'deny-3'].every((n) => n in this.inline);
    return { calls, after, verified, ...(verified ? {} : { verifyDetail: 'deny missing' }) };
  }

  rollbackPlan(_r: ContainmentRequest, before: ContainmentState, now: ContainmentState) {
    const was = before.inline as Record<string, string>;
    const is = now.inline as Record<string, string>;
    return {
      calls: Object.keys(is)
        .filter((n) => !(n in was))
        .map((n) => ({
          api: 'iam:DeleteRolePolicy',
          params: { PolicyName: n },
          description: `delete ${n}`,
        })),
    };
  }
}

/** Everything the use cases need, over the memory store, with a settable clock. */
export function someDeps(overrides: Partial<ContainmentDeps> = {}) {
  const clock = { now: T0 + 1000 };
  const actuator = new FakeActuator();
  const decider = new ScriptedDecider();
  const notifier = new RecordingNotifier();
  const store = openMemoryStore();
  const deps: ContainmentDeps = {
    store,
    decider,
    actuators: { 'aws.revoke-sessions': actuator },
    notifier,
    now: () => clock.now,
    actor: 'arn:aws:iam::999999999999:role/leash/leash-apply-containment',
    ...overrides,
  };
  return { deps, clock, actuator, decider, notifier, store };
}
