import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { aLeashStack, FULL_CONTEXT, resourcesOf } from './leash-app.ts';

const standard = aLeashStack();
const custom = aLeashStack(FULL_CONTEXT);

/** The schedules by description, with the template's resources. */
function schedules(template: Template) {
  const resources = template.toJSON().Resources;
  const byDescription = Object.fromEntries(
    Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).map((s) => [
      s.Properties.Description,
      s.Properties,
    ]),
  );
  return {
    resources,
    scan: byDescription['Leash: starts the daily scan']!,
    report: byDescription['Leash: sends the weekly report']!,
  };
}

/** Logical id of the Lambda whose Powertools service is `name`. */
function functionId(template: Template, name: string): string {
  const [id] = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(
    ([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === name,
  )!;
  return id;
}

describe('schedules', () => {
  it('scan every day at 03:00 and report on Mondays at 07:00 UTC by default', () => {
    // Act
    const { scan, report } = schedules(standard.template);

    // Assert
    expect(scan).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      GroupName: 'leash',
    });
    expect(report).toMatchObject({
      ScheduleExpression: 'cron(0 7 ? * MON *)',
      ScheduleExpressionTimezone: 'UTC',
      GroupName: 'leash',
    });
  });

  it('take their expressions and time zone from the settings', () => {
    // Act
    const { scan, report } = schedules(custom.template);

    // Assert
    expect(scan).toMatchObject({
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    expect(report).toMatchObject({
      ScheduleExpression: 'cron(0 8 ? * FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
  });

  it('start the scan state machine with the scheduled time as the end of the window', () => {
    // Arrange
    const { template } = standard;
    const [machineId] = Object.keys(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));

    // Act
    const { scan } = schedules(template);

    // Assert
    expect(scan.Target.Arn).toEqual({ Ref: machineId });
    expect(JSON.parse(scan.Target.Input)).toEqual({ asOf: '<aws.scheduler.scheduled-time>' });
  });

  it('invoke send-weekly-report with the scheduled time', () => {
    // Arrange
    const { template } = standard;

    // Act
    const { report } = schedules(template);

    // Assert
    expect(report.Target.Arn).toEqual({
      'Fn::GetAtt': [functionId(template, 'send-weekly-report'), 'Arn'],
    });
    expect(JSON.parse(report.Target.Input)).toEqual({ asOf: '<aws.scheduler.scheduled-time>' });
  });

  it('retry, then park undeliverable starts in their own encrypted, TLS-only queues', () => {
    // Act
    const { resources, scan, report } = schedules(standard.template);

    // Assert
    expect(scan.Target.RetryPolicy).toEqual({
      MaximumRetryAttempts: 3,
      MaximumEventAgeInSeconds: 3600,
    });
    expect(report.Target.RetryPolicy).toEqual({
      MaximumRetryAttempts: 3,
      MaximumEventAgeInSeconds: 7200,
    });
    const queues = [scan, report].map((s) => s.Target.DeadLetterConfig.Arn['Fn::GetAtt'][0]);
    expect(new Set(queues).size).toBe(2);
    for (const id of queues) {
      expect(resources[id].Type).toBe('AWS::SQS::Queue');
      expect(resources[id].Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it("run as roles that only the schedule group's schedules may assume, each with one target", () => {
    // Arrange
    const { template } = standard;
    const { resources, scan, report } = schedules(template);
    const [groupId] = Object.keys(resourcesOf(template, 'AWS::Scheduler::ScheduleGroup'));

    // Act
    const roles = [scan, report].map((s) => s.Target.RoleArn['Fn::GetAtt'][0]);
    const actionsOf = (roleId: string) =>
      Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
        .flatMap((p) =>
          p.Properties.PolicyDocument.Statement.map((s: { Action: string }) => s.Action),
        );

    // Assert
    for (const roleId of roles) {
      expect(resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] },
            },
          },
        },
      ]);
    }
    expect(actionsOf(roles[0]!).sort()).toEqual(['sqs:SendMessage', 'states:StartExecution']);
    expect(actionsOf(roles[1]!).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });
});
