/**
 * `decide-containment`: the first step of the containment state machine. Takes the EventBridge
 * event (`Finding Created` from Leash, or `Containment Requested` from any tool), turns it into
 * a containment request, records it and the policy decision in the audit log, and says what
 * comes next (`contain` with `stopAfterDecision`: this function holds no actuator and stores no
 * approval request; functions/shared/containment.ts). A malformed event throws
 * MalformedContainmentRequestError before any API call; the state machine sends it, with the
 * error, to the dead-letter queue.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { CedarPolicyDecider } from '#adapters/cedar/cedar-decider.ts';
import { contain } from '#core/containment/contain.ts';
import { MalformedContainmentRequestError } from '#core/containment/errors.ts';
import { requestFromEvent, requestFromFinding } from '#core/containment/request.ts';
import { FindingCreatedDetailSchema } from '#core/model/events.ts';
import { ownClient } from '#functions/shared/clients.ts';
import { readSettings } from '#functions/shared/config.ts';
import { functionDeps, openContainmentStore } from '#functions/shared/containment.ts';
import {
  DETAIL_TYPES,
  type DecideContainmentOutput,
  EVENT_SOURCE,
} from '#functions/shared/contract.ts';
import { lambdaHandler, logger, metrics } from '#functions/shared/powertools.ts';

const settings = readSettings();
const store = openContainmentStore(settings, ownClient(settings, DynamoDBClient));
// The deployed policy directory (LEASH_POLICY_DIR), or the repository's: a broken policy file
// fails here, at cold start, never at decision time.
const decider = CedarPolicyDecider.fromDirectory(settings.policyDir);
const deps = functionDeps(settings, store, 'leash-decide-containment', { decider });

/** The envelope of an EventBridge event (only what a request needs). */
const EventEnvelope = z.object({
  'detail-type': z.enum([DETAIL_TYPES.findingCreated, DETAIL_TYPES.containmentRequested]),
  source: z.string().min(1),
  time: z.iso.datetime(),
  detail: z.unknown(),
});

/** Step Functions task: the event in, where its request stands out. */
export const handler = lambdaHandler(async (event: unknown): Promise<DecideContainmentOutput> => {
  const envelope = EventEnvelope.safeParse(event);
  if (!envelope.success)
    throw new MalformedContainmentRequestError(
      envelope.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      { cause: envelope.error },
    );
  const { detail, time, source } = envelope.data;
  const at = Date.parse(time);
  let request: unknown;
  if (envelope.data['detail-type'] === DETAIL_TYPES.containmentRequested) {
    request = requestFromEvent(detail, at);
  } else {
    if (source !== EVENT_SOURCE)
      throw new MalformedContainmentRequestError([
        { path: 'source', message: `Finding Created is put by ${EVENT_SOURCE} only` },
      ]);
    // Validated before the inventory is read: a malformed event makes no call at all.
    requestFromFinding(detail, null, at);
    const id = FindingCreatedDetailSchema.parse(detail).identity.id;
    const known = await store.identity(id);
    request = requestFromFinding(detail, known ? { tags: known.tags } : null, at);
  }
  if (!request) {
    logger.info('the finding calls for no containment');
    return { requestId: null, status: 'ignored', decision: null, replayed: false };
  }
  const outcome = await contain(request, deps, { stopAfterDecision: true });
  const out: DecideContainmentOutput = {
    requestId: outcome.requestId,
    status: outcome.status,
    decision: outcome.decision?.decision ?? null,
    replayed: outcome.replayed,
  };
  logger.appendKeys({ requestId: out.requestId });
  logger.info('containment decided', { status: out.status, decision: out.decision });
  metrics.addMetric(`Containment_${out.status}`, MetricUnit.Count, 1);
  return out;
});
