/**
 * Sends an approval's answer back to the execution waiting on it: the task token stored with the
 * approval request (functions/wait-for-approval.ts) resumes the containment state machine with
 * {@link ApprovalAnswer}. Used by the approval endpoint, the expiry sweep and `leash approve`.
 */
import {
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { Approval } from '#core/ports/approval-store.ts';
import { taskTokenOf } from '#functions/shared/containment.ts';
import type { ApprovalAnswer } from '#functions/shared/contract.ts';

/** What sending the answer did. */
export type ResumeResult =
  /** The execution got the answer and goes on (applies, or ends). */
  | 'resumed'
  /** The request was made without a workflow (the CLI's local mode): nothing waits. */
  | 'no-workflow'
  /** The execution no longer waits (it timed out, or was stopped): the answer is recorded only. */
  | 'workflow-gone';

/**
 * Resumes the execution waiting on a decided approval.
 * @param approval the approval as decided (approved, denied or expired)
 * @throws the SDK's error for anything but a token that no longer waits
 */
export async function resumeWorkflow(sfn: SFNClient, approval: Approval): Promise<ResumeResult> {
  const taskToken = taskTokenOf(approval.details);
  if (!taskToken || approval.status === 'pending') return 'no-workflow';
  const answer: ApprovalAnswer = {
    requestId: approval.requestId,
    status: approval.status,
    by: approval.decidedBy,
  };
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(answer) }));
    return 'resumed';
  } catch (error) {
    if (
      error instanceof TaskTimedOut ||
      error instanceof TaskDoesNotExist ||
      error instanceof InvalidToken
    )
      return 'workflow-gone';
    throw error;
  }
}
