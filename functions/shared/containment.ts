/**
 * What the containment handlers share: the store (with the audit log in its own table when the
 * deployment has one), the Cedar decider, the settings of the use cases, and the two ways the
 * state machine splits `contain` between functions of different privilege:
 *
 * - `decide-containment` holds no actuator and may not store an approval request: it records the
 *   request and the policy decision, then stops where the use case would apply (NoActuatorError,
 *   by construction) or ask for approval ({@link ApprovalDeferredError}). The state machine then
 *   runs `apply-containment` (the only role that can assume the containment role) or
 *   `wait-for-approval` (which has the task token to store with the approval request).
 * - Both resume the same request from its audit chain; nothing is done twice.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { foldChain } from '#core/containment/chain.ts';
import {
  type ContainmentDeps,
  type ContainmentSettings,
  contain,
  DEFAULT_CONTAINMENT_SETTINGS,
} from '#core/containment/contain.ts';
import { NoActuatorError } from '#core/containment/errors.ts';
import { parseContainmentRequest } from '#core/containment/request.ts';
import type { ApprovalRequest } from '#core/ports/approval-store.ts';
import type { PolicyDecider } from '#core/ports/containment.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';
import type { Settings } from '#functions/shared/config.ts';
import type { DecideContainmentOutput } from '#functions/shared/contract.ts';

/**
 * The LeashStore of a deployment. With `auditTable` set, the audit log lives in that table (the
 * functions hold PutItem, GetItem and Query there, never UpdateItem or DeleteItem) and
 * everything else in `table`.
 */
export function openContainmentStore(
  settings: Pick<Settings, 'table' | 'auditTable'>,
  client: DynamoDBClient,
): LeashStore {
  const store = openDynamoStore({ client, table: settings.table });
  if (!settings.auditTable) return store;
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const audit = new DynamoAuditLog(doc, settings.auditTable);
  return {
    ...store,
    appendAudit: (entry) => audit.appendAudit(entry),
    auditChain: (requestId) => audit.auditChain(requestId),
    identityAudit: (identityId) => audit.identityAudit(identityId),
  };
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

/** Thrown by the decide step's store in place of storing an approval request. */
export class ApprovalDeferredError extends Error {
  constructor(readonly requestId: string) {
    super(`approval of ${requestId} is asked by the wait-for-approval step`);
    this.name = 'ApprovalDeferredError';
  }
}

/**
 * Runs `contain` up to the policy decision: validates (MalformedContainmentRequestError before
 * anything else), records the request, refuses protected identities, decides, and stops.
 * @param input the request (unvalidated)
 * @param deps the use cases' dependencies; `actuators` is ignored (none are given)
 * @returns where the request stands: `applying`, `awaiting-approval`, or a settled status
 */
export async function decideOnly(
  input: unknown,
  deps: ContainmentDeps,
): Promise<DecideContainmentOutput> {
  const request = parseContainmentRequest(input);
  const store = deps.store;
  const deferring: ContainmentDeps['store'] = {
    ...(store as LeashStore),
    requestApproval: async (a: ApprovalRequest) => {
      throw new ApprovalDeferredError(a.requestId);
    },
  };
  let status: string;
  let replayed = false;
  try {
    const outcome = await contain(request, { ...deps, store: deferring, actuators: {} });
    status = outcome.status;
    replayed = outcome.replayed;
  } catch (error) {
    if (error instanceof NoActuatorError) status = 'applying';
    else if (error instanceof ApprovalDeferredError) status = 'awaiting-approval';
    else throw error;
  }
  const state = foldChain(await store.auditChain(request.requestId));
  return {
    requestId: request.requestId,
    status,
    decision: state.decision?.decision ?? null,
    replayed,
  };
}

/**
 * The store of the wait step: the approval request it stores carries the task token, so the
 * answer (endpoint, CLI, expiry sweep) can resume the execution.
 */
export function withTaskToken(
  store: ContainmentDeps['store'],
  taskToken: string,
): ContainmentDeps['store'] {
  return {
    ...(store as LeashStore),
    requestApproval: (a: ApprovalRequest) =>
      store.requestApproval({ ...a, details: { ...a.details, taskToken } }),
  };
}

/** The task token stored with an approval request, if any. */
export function taskTokenOf(details: Record<string, unknown> | undefined): string | null {
  const token = details?.taskToken;
  return typeof token === 'string' && token.length > 0 ? token : null;
}
