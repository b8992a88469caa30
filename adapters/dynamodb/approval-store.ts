/**
 * ApprovalStore over DynamoDB. A request is one item (pk APPROVAL#<requestId>); every write is
 * conditional: the first on the item not existing, each transition on the status still being
 * `pending`, so of two racing decisions exactly one is stored. A refused write is explained by
 * reading the item again and applying core's rules to it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, pick, queryAll } from '#adapters/dynamodb/query.ts';
import { GSI1 } from '#adapters/dynamodb/table.ts';
import type {
  Approval,
  ApprovalDecision,
  ApprovalRequest,
  ApprovalStore,
} from '#core/ports/approval-store.ts';
import {
  compareApprovals,
  decide,
  expired,
  isOverdue,
  newApproval,
  onExistingRequest,
} from '#core/store/approvals.ts';
import { ApprovalTransitionError } from '#core/store/errors.ts';

const APPROVAL_FIELDS = [
  'requestId',
  'scope',
  'identityId',
  'summary',
  'details',
  'requestedBy',
  'requestedAt',
  'expiresAt',
  'status',
  'decidedBy',
  'decidedAt',
  'reason',
] as const satisfies readonly (keyof Approval)[];

/** Attempts at a decision when other writers keep changing the request under it. */
const MAX_DECIDE_ATTEMPTS = 3;

/** An ApprovalStore in the Leash table. */
export class DynamoApprovalStore implements ApprovalStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async requestApproval(request: ApprovalRequest): Promise<Approval> {
    const approval = newApproval(request);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: approvalItem(approval),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return approval;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const stored = await this.approval(request.requestId);
      if (!stored) throw error;
      return onExistingRequest(stored, request);
    }
  }

  async decideApproval(requestId: string, decision: ApprovalDecision): Promise<Approval> {
    for (let attempt = 1; attempt <= MAX_DECIDE_ATTEMPTS; attempt++) {
      const outcome = decide(await this.approval(requestId), requestId, decision);
      if (outcome.kind === 'unchanged') return outcome.current;
      if (outcome.kind === 'refuse') throw outcome.error;
      // Lost a race (it is no longer pending): decide again on what the winner left.
      if (!(await this.#transition(outcome.next))) continue;
      if (outcome.kind === 'expire') {
        throw new ApprovalTransitionError(requestId, outcome.next, decision.status);
      }
      return outcome.next;
    }
    // Unreachable in practice: a lost race leaves a request that is no longer pending.
    throw new Error(`approval request ${requestId} kept changing; the decision was not stored`);
  }

  async expireApprovals(at: number): Promise<Approval[]> {
    const out: Approval[] = [];
    for (const a of await this.pendingApprovals()) {
      if (!isOverdue(a, at)) continue;
      const next = expired(a);
      if (await this.#transition(next)) out.push(next);
    }
    return out;
  }

  async approval(requestId: string): Promise<Approval | null> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `APPROVAL#${requestId}`, sk: 'APPROVAL' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? pick<Approval>(out.Item, APPROVAL_FIELDS) : null;
  }

  async pendingApprovals(): Promise<Approval[]> {
    const items = await queryAll(this.doc, this.table, {
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'APPROVALS#pending' },
    });
    return items.map((i) => pick<Approval>(i, APPROVAL_FIELDS)).sort(compareApprovals);
  }

  /**
   * Writes a request's next state if it is still pending.
   * @returns false when it no longer was
   */
  async #transition(next: Approval): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: approvalItem(next),
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

/** The item of a request; it sits in GSI1 under its status (pending ones are listed). */
function approvalItem(a: Approval): Record<string, unknown> {
  return {
    pk: `APPROVAL#${a.requestId}`,
    sk: 'APPROVAL',
    type: 'approval',
    gsi1pk: `APPROVALS#${a.status}`,
    gsi1sk: `${new Date(a.requestedAt).toISOString()}#${a.requestId}`,
    ...a,
  };
}
