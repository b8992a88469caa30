import { Validations } from 'aws-cdk-lib';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { type CfnStateMachine, LogLevel, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * Logs a state machine's errors to `logGroup` (at ERROR, without execution data) and traces it
 * with X-Ray. Set on the L1 resource, with the "*" grants these need in a policy of their own
 * (`LogsAndTracesPolicy` under `scope`), so the acknowledgment of that "*" cannot also hide a
 * later wildcard grant in the role's default policy.
 * @param scope the construct that owns the state machine
 * @param why no execution data is logged (the cdk-nag acknowledgment's reason)
 */
export function observeStateMachine(
  scope: Construct,
  props: { stateMachine: StateMachine; role: IRole; logGroup: ILogGroup; why: string },
): void {
  const cfn = props.stateMachine.node.defaultChild as CfnStateMachine;
  cfn.loggingConfiguration = {
    level: LogLevel.ERROR,
    includeExecutionData: false,
    destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: props.logGroup.logGroupArn } }],
  };
  cfn.tracingConfiguration = { enabled: true };
  const observability = new Policy(scope, 'LogsAndTracesPolicy', {
    roles: [props.role],
    statements: [
      // CloudWatch Logs vended delivery: these actions have no resource type.
      // https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy
      new PolicyStatement({
        actions: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        resources: ['*'],
      }),
      new PolicyStatement({
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        resources: ['*'],
      }),
    ],
  });
  // Step Functions checks the log destination when it creates the state machine.
  props.stateMachine.node.addDependency(observability);
  Validations.of(observability).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Log delivery (logs:*LogDelivery*, PutResourcePolicy, Describe*) and X-Ray ' +
      '(PutTraceSegments, PutTelemetryRecords, GetSampling*) have no resource-level ' +
      'permissions; Step Functions documents these statements with "*".',
  });
  Validations.of(props.stateMachine).acknowledge(
    { id: 'AwsSolutions-SF1', reason: props.why },
    { id: 'Serverless-StepFunctionStateMachineAllLogging', reason: props.why },
  );
}
