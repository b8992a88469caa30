import { describe, expect, it, vi } from 'vitest';
import type { ContainmentRequest, PolicyDecision } from '#core/ports/containment.ts';
import { readSettings } from '#functions/shared/config.ts';
import { ENV } from '#functions/shared/contract.ts';
import { approvalMessage, approvalNotifier, slackWebhookFrom } from '#functions/shared/notifier.ts';

const request: ContainmentRequest = {
  requestId: `ctn-${'a'.repeat(32)}`,
  kind: 'aws.quarantine',
  target: {
    provider: 'aws',
    scope: '111111111111',
    id: 'arn:aws:iam::111111111111:role/orders-agent',
    name: 'orders-agent',
    type: 'role',
    class: 'ai-agent',
    tags: { environment: 'production' },
    environment: 'production',
    delegatingHuman: null,
  },
  trigger: { type: 'request', requester: 'arn:aws:sts::111111111111:assumed-role/soc/alice' },
  params: {},
  requestedAt: 0,
};
const decision: PolicyDecision = {
  decision: 'approval',
  matched: ['approval-for-production'],
  policyVersion: 'f'.repeat(64),
  errors: [],
};

describe('containment settings', () => {
  it('reads the containment variables, with defaults', () => {
    // Act
    const bare = readSettings({ [ENV.table]: 't', [ENV.bucket]: 'b' });
    const set = readSettings({
      [ENV.table]: 't',
      [ENV.bucket]: 'b',
      [ENV.auditTable]: 'audit',
      [ENV.approvalTtlMinutes]: '60',
      [ENV.protectedNames]: 'prod-admin-*, *-root',
    });

    // Assert
    expect(bare).toMatchObject({
      approvalTtlMinutes: 1440,
      containmentRoleName: 'leash/leash-containment',
    });
    expect(bare.auditTable).toBeUndefined();
    expect(set).toMatchObject({
      auditTable: 'audit',
      approvalTtlMinutes: 60,
      protectedNames: ['prod-admin-*', '*-root'],
    });
  });

  it('names an approval TTL below five minutes as misconfigured', () => {
    // Act / Assert
    expect(() =>
      readSettings({ [ENV.table]: 't', [ENV.bucket]: 'b', [ENV.approvalTtlMinutes]: '1' }),
    ).toThrow(/LEASH_APPROVAL_TTL_MINUTES/);
  });
});

describe('approval notifications', () => {
  it('say what, on whom, why, until when and how to answer, and never carry a token', () => {
    // Act
    const { subject, text } = approvalMessage(
      request,
      decision,
      Date.UTC(2026, 10, 23),
      'https://x.lambda-url.us-east-1.on.aws/',
    );

    // Assert
    expect(subject).toBe('Leash: approve aws.quarantine on orders-agent?');
    expect(text).toContain(`leash approve ${request.requestId}`);
    expect(text).toContain('approval-for-production');
    expect(text).toContain('2026-11-23T00:00:00.000Z');
    expect(text).toContain('https://x.lambda-url.us-east-1.on.aws/');
    expect(text).not.toMatch(/token/i);
  });

  it('reads the Slack webhook from the secret value, plain or JSON, and nothing else', () => {
    // Act / Assert
    expect(slackWebhookFrom('https://hooks.slack.com/services/T/B/X')).toBe(
      'https://hooks.slack.com/services/T/B/X',
    );
    expect(slackWebhookFrom('{"url":"https://hooks.slack.com/services/T/B/X"}')).toBe(
      'https://hooks.slack.com/services/T/B/X',
    );
    expect(slackWebhookFrom('{"webhookUrl":"http://insecure"}')).toBeNull();
    expect(slackWebhookFrom('REPLACE_ME')).toBeNull();
    expect(slackWebhookFrom(undefined)).toBeNull();
  });

  it('warns and goes on when Slack fails (the topic is the channel of record)', async () => {
    // Arrange
    const fetch = vi.fn().mockResolvedValue(new Response('no', { status: 500 }));
    vi.stubGlobal('fetch', fetch);
    const warn = vi.fn();
    const notifier = approvalNotifier({
      slackWebhook: async () => 'https://hooks.slack.com/services/T/B/X',
      warn,
    });

    // Act
    await notifier.notify(request, decision, 0);

    // Assert
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('Slack notification failed', {
      requestId: request.requestId,
      error: 'Slack answered 500',
    });
    vi.unstubAllGlobals();
  });
});
