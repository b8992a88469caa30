/**
 * Runs a containment plan (or a rollback plan: both are lists of exact calls) against one
 * identity, the same way for every provider:
 *
 * 1. read the identity's state, and refuse the whole plan if any call is not one the actuator
 *    makes or names another identity (nothing has changed yet);
 * 2. make the calls in order, skipping each whose effect the state already shows (a redelivered
 *    request changes nothing twice), recording every call's outcome;
 * 3. stop at the first failure: the record then says exactly which calls took effect, which is
 *    what a rollback must undo (calls after a failure may depend on it, so none is attempted);
 * 4. read the state back and verify that every call's effect is in place.
 */

import { describeError } from '#connectors/shared/errors.ts';
import type {
  CallResult,
  ContainmentState,
  ExecutionResult,
  PlannedCall,
} from '#core/ports/containment.ts';

/** How a provider checks and makes the calls of a plan, over its state type `S`. */
export interface CallHandler<S> {
  /** Throws when the call is not one this actuator makes on the identity of `state`. */
  check(call: PlannedCall, state: S): void;
  /** True when `state` already shows the call's effect. */
  inEffect(call: PlannedCall, state: S): boolean;
  /** Makes the call, returning what a person should know of it; throws the provider's error. */
  make(call: PlannedCall, state: S): Promise<string | undefined>;
}

/** Options of {@link runPlan}. */
export interface RunPlanOptions<S> {
  plan: PlannedCall[];
  read: () => Promise<S>;
  handler: CallHandler<S>;
  /** Epoch ms, for each call's `at`. */
  now: () => number;
  notes?: string[];
}

/**
 * Makes the calls of `plan` idempotently and verifies them (see the module comment).
 * @throws what `read` or `handler.check` throws, before any call is made
 */
export async function runPlan<S extends object>(
  options: RunPlanOptions<S>,
): Promise<ExecutionResult> {
  const { plan, read, handler, now } = options;
  const start = await read();
  for (const call of plan) handler.check(call, start);
  const calls: CallResult[] = [];
  const told = [...(options.notes ?? [])];
  let failed: CallResult | undefined;
  for (const call of plan) {
    if (handler.inEffect(call, start)) {
      calls.push({ call, ok: true, outcome: 'already-applied', at: now() });
      continue;
    }
    try {
      const note = await handler.make(call, start);
      if (note && !told.includes(note)) told.push(note);
      calls.push({ call, ok: true, outcome: 'applied', at: now() });
    } catch (err) {
      failed = { call, ok: false, outcome: `error: ${describeError(err)}`, at: now() };
      calls.push(failed);
      break;
    }
  }
  const notes = told.length > 0 ? { notes: told } : {};
  let after: S;
  try {
    after = await read();
  } catch (err) {
    // The calls were made: their record must survive a failed read-back.
    return {
      calls,
      after: { readBackError: describeError(err) },
      verified: false,
      verifyDetail: `read-back failed: ${describeError(err)}`,
      ...notes,
    };
  }
  const missing = plan.filter((c) => !handler.inEffect(c, after));
  const problems: string[] = [];
  if (failed) problems.push(`${failed.call.api} failed (${failed.outcome})`);
  if (missing.length > 0)
    problems.push(`not in effect: ${missing.map((c) => c.description).join('; ')}`);
  return {
    calls,
    after: after as ContainmentState,
    verified: problems.length === 0,
    ...(problems.length > 0 ? { verifyDetail: problems.join('. ') } : {}),
    ...notes,
  };
}
