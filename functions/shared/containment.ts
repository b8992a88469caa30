/**
 * What the containment handlers share: the store (with the audit log in its own table when the
 * deployment has one), the decider of the steps after Decide (which never ask policy), and the
 * settings of the use cases. The state machine splits one `contain` between functions of
 * different privilege with the use case's own options (core/containment/contain.ts):
 *
 * - `decide-containment` (no actuator) calls it with `stopAfterDecision`: it records the request
 *   and the policy decision and says what comes next (`applying` or `awaiting-approval`).
 * - `apply-containment` (the only role that can assume the containment role) resumes an
 *   `applying` request; `wait-for-approval` resumes an `awaiting-approval` one with
 *   `approvalDetails: { taskToken }`, so the answer can send the token back.
 * - Each resumes the same request from its audit chain; nothing is done twice.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import {
  type ContainmentDeps,
  type ContainmentSettings,
  DEFAULT_CONTAINMENT_SETTINGS,
} from '#core/containment/contain.ts';
import type { PolicyDecider } from '#core/ports/containment.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';
import type { Settings } from '#functions/shared/config.ts';

/**
 * The LeashStore of a deployment. With `auditTable` set, the audit log lives in that table (the
 * functions hold PutItem, GetItem and Query there, never UpdateItem or DeleteItem) and
 * everything else in `table`.
 */
export function openContainmentStore(
  settings: Pick<Settings, 'table' | 'auditTable'>,
  client: DynamoDBClient,
): LeashStore {
  return openDynamoStore({ client, table: settings.table, auditTable: settings.auditTable });
}

/**
 * The decider of the steps after Decide: they resume requests already decided (the decision is
 * in the audit chain), so they never ask policy, and do not load Cedar (its WebAssembly is
 * bundled with decide-containment only).
 * @throws Error if asked all the same
 */
export const DECIDED_ALREADY: PolicyDecider = {
  decide: async (request) => {
    throw new Error(`${request.requestId} should have been decided by decide-containment`);
  },
};

/** The use cases' settings from the function settings. */
export function containmentSettings(settings: Settings): Partial<ContainmentSettings> {
  return {
    approvalTtlMs: settings.approvalTtlMinutes * 60_000,
    protectedNamePatterns: [
      ...DEFAULT_CONTAINMENT_SETTINGS.protectedNamePatterns,
      ...(settings.protectedNames ?? []),
    ],
  };
}

/** Who acts, as the audit log records it: the function (its role is fixed per function). */
export function functionActor(fallback: string): string {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return `lambda:${name && name.length > 0 ? name : fallback}`;
}

/** What a function adds to the use cases' dependencies; the rest is the same in every one. */
export type FunctionDepsParts = Partial<
  Pick<ContainmentDeps, 'decider' | 'actuators' | 'notifier'>
>;

/**
 * The use cases' dependencies in a containment function: its store, its name as the actor, the
 * deployment's containment settings, and by default no policy (the request was decided
 * already), no actuator and no notifier: each function adds only what its role may do.
 * @param name the function's name when AWS_LAMBDA_FUNCTION_NAME is unset (tests)
 */
export function functionDeps(
  settings: Settings,
  store: LeashStore,
  name: string,
  parts: FunctionDepsParts = {},
): ContainmentDeps {
  return {
    store,
    decider: parts.decider ?? DECIDED_ALREADY,
    actuators: parts.actuators ?? {},
    notifier: parts.notifier ?? { notify: async () => {} },
    now: () => Date.now(),
    actor: functionActor(name),
    settings: containmentSettings(settings),
  };
}

/** The task token stored with an approval request, if any. */
export function taskTokenOf(details: Record<string, unknown> | undefined): string | null {
  const token = details?.taskToken;
  return typeof token === 'string' && token.length > 0 ? token : null;
}
