/**
 * The ContainmentActuator of every `aws.*` kind. Each reads the exact state it changes
 * (snapshot), plans the exact calls from it (pure), makes them idempotently and verifies them by
 * reading back (execute, through run-plan.ts), and plans the exact restore (rollbackPlan, pure).
 * `execute` also runs a rollback plan: the calls are the same APIs the other way round.
 *
 * The rollback of a kind takes `now` from a fresh snapshot, so that it undoes exactly what took
 * effect, including after a partial failure.
 */

import type { AwsClients } from '#connectors/aws/clients.ts';
import { awsCallHandler } from '#connectors/aws/contain/calls.ts';
import type { ContainmentClientsFactory } from '#connectors/aws/contain/clients.ts';
import { REVOKE_SESSIONS_POLICY } from '#connectors/aws/contain/documents.ts';
import { ContainmentRequestError } from '#connectors/aws/contain/errors.ts';
import {
  isRollbackPlan,
  keysToDeactivate,
  planApplyRecommendation,
  planDeactivateKeys,
  planDeleteLoginProfile,
  planDetachPolicy,
  planKillSwitch,
  planQuarantine,
  planRevokeSessions,
  policyToDetach,
  quarantineScope,
  type RollbackPlan,
  recommendationScope,
  restoreIdentity,
  rollbackKillSwitch,
  rollbackLoginProfile,
} from '#connectors/aws/contain/kinds.ts';
import { runPlan } from '#connectors/aws/contain/run-plan.ts';
import {
  type AwsState,
  type FunctionState,
  functionRef,
  type IdentityState,
  identityRef,
  readFunction,
  readIdentity,
} from '#connectors/aws/contain/state.ts';
import type {
  ContainmentActuator,
  ContainmentKind,
  ContainmentRequest,
  ContainmentState,
  PlannedCall,
} from '#core/ports/containment.ts';

/** The AWS kinds of containment. */
export type AwsContainmentKind = Extract<ContainmentKind, `aws.${string}`>;

/** Options of {@link awsActuators}. */
export interface AwsActuatorOptions {
  /** Epoch ms for each call's record (default `Date.now`). */
  now?: () => number;
}

const PROPAGATION =
  'IAM changes take effect after a short propagation delay (seconds, at most a few minutes).';

/** How one kind reads, plans and rolls back, over its state type. */
interface KindSpec<S extends AwsState> {
  read(clients: AwsClients, request: ContainmentRequest): Promise<S>;
  /** Checks that a stored state is one of this kind's target (throws otherwise). */
  accept(request: ContainmentRequest, state: ContainmentState): S;
  plan(request: ContainmentRequest, before: S): PlannedCall[];
  rollback(request: ContainmentRequest, before: S, now: S): RollbackPlan;
  notes(request: ContainmentRequest): string[];
}

function identityKind(
  types: readonly ('role' | 'user')[],
  spec: Pick<KindSpec<IdentityState>, 'plan' | 'rollback' | 'notes'>,
): KindSpec<IdentityState> {
  return {
    read: (clients, request) => readIdentity(clients, identityRef(request, types)),
    accept(request, state) {
      const ref = identityRef(request, types);
      if (state.type !== ref.type || state.arn !== ref.arn || !('inlinePolicies' in state))
        throw new ContainmentRequestError(
          `the state given is not a snapshot of ${ref.arn}`,
          request.kind,
        );
      return state as unknown as IdentityState;
    },
    ...spec,
  };
}

function killSwitch(): KindSpec<FunctionState> {
  return {
    read: (clients, request) => readFunction(clients, functionRef(request)),
    accept(request, state) {
      const ref = functionRef(request);
      if (state.type !== 'function' || state.arn !== ref.arn)
        throw new ContainmentRequestError(
          `the state given is not a snapshot of ${ref.arn}`,
          request.kind,
        );
      return state as unknown as FunctionState;
    },
    plan: (_r, before) => planKillSwitch(before),
    rollback: (_r, before, now) => rollbackKillSwitch(before, now),
    notes: () => [
      'Invocations already running finish. Asynchronous events and stream records are kept by Lambda and delivered when the function is enabled again, unless their maximum age passes first.',
    ],
  };
}

const KINDS: { [K in AwsContainmentKind]: KindSpec<IdentityState> | KindSpec<FunctionState> } = {
  'aws.revoke-sessions': identityKind(['role', 'user'], {
    plan: planRevokeSessions,
    rollback: (_r, before, now) => ({
      calls: restoreIdentity(before, now, { inline: [REVOKE_SESSIONS_POLICY] }),
    }),
    notes: (request) => [
      `Sessions issued before ${new Date(request.requestedAt).toISOString()} are denied every action. ${PROPAGATION}`,
      'New sessions are not affected: a workload that assumes the role again (Lambda, ECS, an agent runtime) gets working credentials; quarantine or remove the trust to stop it.',
    ],
  }),
  'aws.quarantine': identityKind(['role', 'user'], {
    plan: (_r, before) => planQuarantine(before),
    rollback: (_r, before, now) => ({
      calls: restoreIdentity(before, now, quarantineScope(before)),
    }),
    notes: () => [PROPAGATION],
  }),
  'aws.deactivate-access-keys': identityKind(['user'], {
    plan: planDeactivateKeys,
    rollback: (request, before, now) => ({
      calls: restoreIdentity(before, now, { keys: keysToDeactivate(request, before) }),
    }),
    notes: () => [
      `Inactive keys are kept and can be activated again; delete them once the owner has rotated. ${PROPAGATION}`,
    ],
  }),
  'aws.delete-login-profile': identityKind(['user'], {
    plan: (_r, before) => planDeleteLoginProfile(before),
    rollback: (_r, before, now) => rollbackLoginProfile(before, now),
    notes: () => [
      'The console password is gone for good; console sessions already open last until they expire.',
    ],
  }),
  'aws.lambda-kill-switch': killSwitch(),
  'aws.detach-policy': identityKind(['role', 'user'], {
    plan: planDetachPolicy,
    rollback: (request, before, now) => ({
      calls: restoreIdentity(before, now, { attached: [policyToDetach(request)] }),
    }),
    notes: () => [PROPAGATION],
  }),
  'aws.apply-recommendation': identityKind(['role', 'user'], {
    plan: planApplyRecommendation,
    rollback: (request, before, now) => ({
      calls: restoreIdentity(before, now, recommendationScope(request, before)),
    }),
    notes: () => [
      `The identity now holds only the recommended policies (and what its groups grant). ${PROPAGATION}`,
    ],
  }),
};

/** The AWS kinds, in the order of the port's list. */
export const AWS_CONTAINMENT_KINDS = Object.keys(KINDS) as AwsContainmentKind[];

/**
 * One actuator per `aws.*` kind, acting in the target account (`request.target.scope`) through
 * the clients `clientsFor` returns (production: {@link assumeContainmentRole}; tests: moto).
 *
 * @param clientsFor clients of an account
 * @returns the actuators by kind
 */
export function awsActuators(
  clientsFor: ContainmentClientsFactory,
  options: AwsActuatorOptions = {},
): Record<AwsContainmentKind, ContainmentActuator> {
  const now = options.now ?? Date.now;
  const out = {} as Record<AwsContainmentKind, ContainmentActuator>;
  for (const kind of AWS_CONTAINMENT_KINDS)
    out[kind] = actuator(kind, KINDS[kind] as KindSpec<AwsState>, clientsFor, now);
  return out;
}

function actuator(
  kind: AwsContainmentKind,
  spec: KindSpec<AwsState>,
  clientsFor: ContainmentClientsFactory,
  now: () => number,
): ContainmentActuator {
  const own = (request: ContainmentRequest) => {
    if (request.kind !== kind)
      throw new ContainmentRequestError(`the ${kind} actuator got a ${request.kind} request`, kind);
  };
  return {
    async snapshot(request) {
      own(request);
      const clients = await clientsFor(request.target.scope);
      return (await spec.read(clients, request)) as unknown as ContainmentState;
    },
    plan(request, before) {
      own(request);
      return spec.plan(request, spec.accept(request, before));
    },
    async execute(request, plan) {
      own(request);
      const clients = await clientsFor(request.target.scope);
      return runPlan<AwsState>({
        plan,
        read: () => spec.read(clients, request),
        handler: awsCallHandler(clients),
        now,
        notes: isRollbackPlan(plan) ? [] : spec.notes(request),
      });
    },
    rollbackPlan(request, before, current) {
      own(request);
      return spec.rollback(request, spec.accept(request, before), spec.accept(request, current));
    },
  };
}
