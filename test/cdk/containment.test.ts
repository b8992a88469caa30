import { describe, expect, it } from 'vitest';
import { ENV } from '#functions/shared/contract.ts';
import {
  AUDIT_APPEND_ACTIONS,
  AUDIT_FORBIDDEN_ACTIONS,
  AUDIT_READ_ACTIONS,
} from '../../cdk/constructs/audit-table.ts';
import { scanStateMachineDefinition } from '../../cdk/constructs/scan-state-machine.ts';
import { BUNDLED_POLICY_DIR } from '../../cdk/stacks/leash-stack.ts';
import { aLeashStack, type CfnJson, resourcesOf } from './leash-app.ts';

const standard = aLeashStack();
const slack = aLeashStack({
  'leash:approvalTtlMinutes': 60,
  'leash:slackWebhookSecretArn':
    'arn:aws:secretsmanager:us-east-1:111111111111:secret:leash/slack-AbCdEf',
  'leash:protectedNamePatterns': 'prod-admin-*,*-root',
});

/** Functions of a template by handler name, with their logical ids. */
function functionsByName(template = standard.template): Record<string, CfnJson> {
  return Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).map(([id, fn]) => [
      fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
      { id, ...fn },
    ]),
  );
}

/** Every statement of the IAM policies attached to a function's role. */
function statementsOf(template: typeof standard.template, fn: CfnJson): CfnJson[] {
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const auditTableId = () =>
  Object.keys(resourcesOf(standard.template, 'AWS::DynamoDB::Table')).find((id) =>
    id.startsWith('AuditTable'),
  )!;

describe('containment deployment', () => {
  it('keeps the audit log in its own table: recoverable, protected, retained, never expiring', () => {
    // Act
    const table = resourcesOf(standard.template, 'AWS::DynamoDB::Table')[auditTableId()]!;

    // Assert
    expect(table.Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('lets no Leash function change or delete an audit item, and denies it explicitly', () => {
    // Arrange
    const onAudit = (st: CfnJson) => JSON.stringify(st.Resource).includes(auditTableId());

    // Act / Assert
    for (const [name, fn] of Object.entries(functionsByName())) {
      const statements = statementsOf(standard.template, fn).filter(onAudit);
      const allowed = statements
        .filter((st) => st.Effect === 'Allow')
        .flatMap((st) => [st.Action].flat());
      const denied = statements
        .filter((st) => st.Effect === 'Deny')
        .flatMap((st) => [st.Action].flat());
      expect(denied.sort(), name).toEqual([...AUDIT_FORBIDDEN_ACTIONS].sort());
      for (const action of AUDIT_FORBIDDEN_ACTIONS) expect(allowed, name).not.toContain(action);
      if (
        [
          'decide-containment',
          'wait-for-approval',
          'apply-containment',
          'answer-approval',
          'expire-approvals',
        ].includes(name)
      )
        expect(allowed.sort(), name).toEqual([...AUDIT_APPEND_ACTIONS].sort());
      // The weekly report reads the week's containment requests.
      else if (name === 'send-weekly-report')
        expect(allowed.sort(), name).toEqual([...AUDIT_READ_ACTIONS].sort());
      else expect(allowed, name).toEqual([]);
    }
  });

  it('starts the state machine on Finding Created from Leash and Containment Requested from anyone', () => {
    // Act
    const rules = Object.values(resourcesOf(standard.template, 'AWS::Events::Rule')).map(
      (r) => r.Properties,
    );

    // Assert
    expect(
      rules
        .map((r) => r.EventPattern)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { 'detail-type': ['Containment Requested'] },
      { 'detail-type': ['Finding Created'], source: ['leash'] },
    ]);
    for (const rule of rules) {
      expect(rule.EventBusName).toEqual({ Ref: expect.stringMatching(/^EventBus/) });
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: { Ref: expect.stringMatching(/^ContainmentStateMachine/) },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ContainmentDeadLetters/), 'Arn'] },
          },
          RetryPolicy: { MaximumRetryAttempts: 12, MaximumEventAgeInSeconds: 86_400 },
        }),
      ]);
    }
  });

  it('waits for approval with a task token that times out at the expiry', () => {
    // Act
    const definition = scanStateMachineDefinition(slack.template.toJSON(), {
      machine: 'Containment',
    }) as CfnJson;

    // Assert
    const wait = definition.States.WaitForApproval;
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.TimeoutSeconds).toBe(3600);
    expect(wait.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(wait.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'ExpireApproval' },
    ]);
    expect(definition.States.Decide.Catch[0]).toMatchObject({
      ErrorEquals: ['MalformedContainmentRequestError'],
      Next: 'RejectEvent',
    });
    expect(definition.States.RejectEvent.Resource).toBe('arn:aws:states:::sqs:sendMessage');
    expect(Object.keys(definition.States).sort()).toEqual(
      [
        'Apply',
        'ApplyApproved',
        'Applied',
        'Answered',
        'Contained',
        'Decide',
        'ExpireApproval',
        'NotApplied',
        'NotContained',
        'RejectEvent',
        'Rejected',
        'Route',
        'WaitForApproval',
      ].sort(),
    );
  });

  it('serves the approval endpoint as a function URL that requires IAM-signed requests', () => {
    // Act
    const urls = Object.values(resourcesOf(standard.template, 'AWS::Lambda::Url'));
    const answer = functionsByName()['answer-approval'];

    // Assert
    expect(urls).toHaveLength(1);
    expect(urls[0]!.Properties).toMatchObject({
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [answer.id, 'Arn'] },
    });
    const tokens = statementsOf(standard.template, answer).filter((st) =>
      [st.Action].flat().includes('states:SendTaskSuccess'),
    );
    expect(tokens).toEqual([
      expect.objectContaining({
        Resource: { Ref: expect.stringMatching(/^ContainmentStateMachine/) },
      }),
    ]);
  });

  it('gives the containment functions their settings; the decide function its bundled policies', () => {
    // Act
    const fns = functionsByName(slack.template);

    // Assert
    for (const name of [
      'decide-containment',
      'wait-for-approval',
      'apply-containment',
      'answer-approval',
      'expire-approvals',
    ]) {
      expect(fns[name].Properties.Environment.Variables, name).toMatchObject({
        [ENV.auditTable]: { Ref: expect.stringMatching(/^AuditTable/) },
        [ENV.approvalTtlMinutes]: '60',
        [ENV.protectedNames]: 'prod-admin-*,*-root',
      });
    }
    expect(fns['decide-containment'].Properties.Environment.Variables[ENV.policyDir]).toBe(
      BUNDLED_POLICY_DIR,
    );
    expect(fns['wait-for-approval'].Properties.Environment.Variables[ENV.slackSecret]).toBe(
      'arn:aws:secretsmanager:us-east-1:111111111111:secret:leash/slack-AbCdEf',
    );
    const reads = statementsOf(slack.template, fns['wait-for-approval']).filter((st) =>
      [st.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    expect(reads).toHaveLength(1);
  });

  it('sweeps overdue approvals every 15 minutes, with a dead-letter queue', () => {
    // Act
    const schedules = Object.values(resourcesOf(standard.template, 'AWS::Scheduler::Schedule'))
      .map((s) => s.Properties)
      .filter((p) => p.ScheduleExpression === 'rate(15 minutes)');

    // Assert
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.Target).toMatchObject({
      Arn: { 'Fn::GetAtt': [functionsByName()['expire-approvals'].id, 'Arn'] },
      DeadLetterConfig: {
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ApprovalSweepDeadLetters/), 'Arn'] },
      },
    });
  });
});
