/**
 * Tells people that a containment waits for their answer: the notification topic (email
 * subscribers) and, when a webhook is configured, Slack. The topic is the channel of record: a
 * failed publish throws (the step is retried, and the approval request stays listed by
 * `leash approve`); Slack is best effort: a failure is logged and counted, never thrown.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type {
  ApprovalNotifier,
  ContainmentRequest,
  PolicyDecision,
} from '#core/ports/containment.ts';

/** Where the notifier sends, and how it reports Slack failures. */
export interface NotifierOptions {
  sns?: { client: SNSClient; topicArn: string };
  /** Resolves the Slack incoming-webhook URL (read from Secrets Manager once), or null. */
  slackWebhook?: () => Promise<string | null>;
  /** The approval endpoint (function URL), named in the message. */
  approvalUrl?: string;
  warn: (message: string, extra: Record<string, unknown>) => void;
}

/** The text of a notification: ids and names only, never a policy document or a token. */
export function approvalMessage(
  request: ContainmentRequest,
  decision: PolicyDecision,
  expiresAt: number,
  approvalUrl?: string,
): { subject: string; text: string } {
  const { target, trigger } = request;
  const subject = `Leash: approve ${request.kind} on ${target.name}?`.slice(0, 100);
  const lines = [
    `Leash asks for approval to apply ${request.kind} to ${target.type} ${target.name}.`,
    '',
    `Request:   ${request.requestId}`,
    `Identity:  ${target.id} (${target.provider} ${target.scope}${target.environment ? `, ${target.environment}` : ''})`,
    `Trigger:   ${trigger.type === 'finding' ? `finding ${trigger.ruleId ?? ''} (${trigger.severity ?? 'unknown'})` : 'request'} by ${trigger.requester}`,
    ...(trigger.reason ? [`Reason:    ${trigger.reason}`] : []),
    `Policy:    ${decision.matched.join(', ') || 'none'} (version ${decision.policyVersion.slice(0, 12)})`,
    `Expires:   ${new Date(expiresAt).toISOString()}`,
    '',
    `Answer:    leash approve ${request.requestId}   or   leash deny ${request.requestId}`,
    ...(approvalUrl
      ? [
          `           or POST {"requestId":"${request.requestId}","decision":"approve"|"deny"} to ${approvalUrl} (IAM-signed)`,
        ]
      : []),
  ];
  return { subject, text: lines.join('\n') };
}

/** An ApprovalNotifier over SNS and Slack. */
export function approvalNotifier(options: NotifierOptions): ApprovalNotifier {
  return {
    async notify(request, decision, expiresAt) {
      const { subject, text } = approvalMessage(request, decision, expiresAt, options.approvalUrl);
      if (options.sns) {
        await options.sns.client.send(
          new PublishCommand({ TopicArn: options.sns.topicArn, Subject: subject, Message: text }),
        );
      }
      const url = options.slackWebhook ? await options.slackWebhook() : null;
      if (!url) return;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `*${subject}*\n\`\`\`${text}\`\`\`` }),
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) throw new Error(`Slack answered ${res.status}`);
      } catch (error) {
        options.warn('Slack notification failed', {
          requestId: request.requestId,
          error: (error as Error).message,
        });
      }
    },
  };
}

/**
 * The webhook URL from a Secrets Manager secret value: the URL itself, or JSON with `url` or
 * `webhookUrl`. Null for a placeholder or anything that is not an https URL.
 */
export function slackWebhookFrom(secretValue: string | undefined): string | null {
  if (!secretValue) return null;
  let url = secretValue.trim();
  if (url.startsWith('{')) {
    try {
      const parsed = JSON.parse(url) as { url?: unknown; webhookUrl?: unknown };
      url = String(parsed.url ?? parsed.webhookUrl ?? '');
    } catch {
      return null;
    }
  }
  return /^https:\/\/\S+$/.test(url) ? url : null;
}
