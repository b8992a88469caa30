import { type CfnResource, Validations } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { aLeashStack, aMemberStack, FULL_CONTEXT } from './leash-app.ts';

/** Every acknowledgment under `scope`: construct path, rule id and reason. */
function acknowledgmentsOf(scope: IConstruct) {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** True for what every LeashFunction acknowledges itself (function-defaults.test.ts covers it). */
function isFunctionDefault({ path, id }: { path: string; id: string }): boolean {
  return (
    id === 'AwsSolutions-L1' ||
    id === 'Serverless-LambdaLatestVersion' ||
    path.endsWith('/XRayPolicy')
  );
}

/**
 * The reviewed acknowledgments of the Leash stack with every option on, logical ids replaced by
 * names. A new acknowledgment must be added here on purpose, after review.
 */
const LEASH_ACKNOWLEDGMENTS = [
  'Notifications/DeadLetters/Queue AwsSolutions-SQS3',
  'Notifications/DeadLetters/Queue Serverless-SQSRedrivePolicy',
  'EntraCredential/Secret AwsSolutions-SMG4',
  'EntraContainmentCredential/Secret AwsSolutions-SMG4',
  'WeeklyReportDeadLetters/Queue AwsSolutions-SQS3',
  'WeeklyReportDeadLetters/Queue Serverless-SQSRedrivePolicy',
  'Functions/StartScanRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Functions/StartScan Serverless-LambdaDLQ',
  'Functions/StartScan/AssumeScannerRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-scanner]',
  'Functions/CollectAccountRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Functions/CollectAccount Serverless-LambdaDLQ',
  'Functions/CollectAccount/AssumeScannerRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-scanner]',
  'Functions/ReadTrailObjectsRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Functions/ReadTrailObjectsRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/usage/*]',
  'Functions/ReadTrailObjectsRole AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
  'Functions/ReadTrailObjectsRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  'Functions/ReadTrailObjectsRole AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  'Functions/ReadTrailObjects Serverless-LambdaDLQ',
  'Functions/ReadTrailObjects/AssumeScannerRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-scanner]',
  'Functions/ReadEventHistoryRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Functions/ReadEventHistory Serverless-LambdaDLQ',
  'Functions/ReadEventHistory/AssumeScannerRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-scanner]',
  'Functions/CollectEntraRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Functions/CollectEntra Serverless-LambdaDLQ',
  'Functions/AnalyzeScanRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Functions/AnalyzeScanRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/usage/*]',
  'Functions/AnalyzeScanRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/findings/*]',
  'Functions/AnalyzeScanRole AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
  'Functions/AnalyzeScanRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  'Functions/AnalyzeScanRole AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  'Functions/AnalyzeScan Serverless-LambdaDLQ',
  'Functions/PublishEventsRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/findings/*]',
  'Functions/PublishEventsRole AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
  'Functions/PublishEventsRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  'Functions/PublishEventsRole AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  'Functions/PublishEvents Serverless-LambdaDLQ',
  'Functions/SendWeeklyReportRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/findings/*]',
  'Functions/SendWeeklyReportRole AwsSolutions-IAM5[Resource::<Bucket.Arn>/reports/*]',
  'Functions/SendWeeklyReportRole AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
  'Functions/SendWeeklyReportRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  'Functions/SendWeeklyReport Serverless-LambdaDLQ',
  'Scan/Role AwsSolutions-IAM5[Resource::<Bucket.Arn>/work/runs/*]',
  'Scan/StateMachine AwsSolutions-SF1',
  'Scan/StateMachine Serverless-StepFunctionStateMachineAllLogging',
  'Scan/StateMachine/DistributedMapPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<StateMachineName>:*]',
  'Scan/StateMachine/DistributedMapPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<StateMachineName>/CollectAccounts:*]',
  'Scan/StateMachine/DistributedMapPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<StateMachineName>/ReadTrailFolders:*]',
  'Scan/LogsAndTracesPolicy AwsSolutions-IAM5[Resource::*]',
  'ScanSchedule/DeadLetters/Queue AwsSolutions-SQS3',
  'ScanSchedule/DeadLetters/Queue Serverless-SQSRedrivePolicy',
  'WeeklyReportSchedule/DeadLetters/Queue AwsSolutions-SQS3',
  'WeeklyReportSchedule/DeadLetters/Queue Serverless-SQSRedrivePolicy',
  'AccountRoles/Scanner AwsSolutions-IAM5[Resource::*]',
  'AccountRoles/Containment AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
  'AccountRoles/Containment AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
  'AccountRoles/Containment AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:function:*]',
  'AccountRoles/Containment AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:event-source-mapping:*]',
  'AccountRoles/Containment AwsSolutions-IAM5[Resource::*]',
  'ApplyContainmentAssumePolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-containment]',
  // Containment (issue 6): the five functions' table grants (approvals, locks; the audit log is
  // in its own table with exact actions), their state machine and queues.
  ...['DecideContainment', 'WaitForApproval', 'AnswerApproval', 'ExpireApprovals'].flatMap((fn) => [
    `Functions/${fn}Role AwsSolutions-IAM5[Action::kms:GenerateDataKey*]`,
    `Functions/${fn}Role AwsSolutions-IAM5[Action::kms:ReEncrypt*]`,
    `Functions/${fn}Role AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]`,
  ]),
  'ApplyContainmentRole AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  'ApplyContainmentRole AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  'ApplyContainmentRole AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
  ...[
    'DecideContainment',
    'WaitForApproval',
    'ApplyContainment',
    'AnswerApproval',
    'ExpireApprovals',
  ].map((fn) => `Functions/${fn} Serverless-LambdaDLQ`),
  'Containment/LogsAndTracesPolicy AwsSolutions-IAM5[Resource::*]',
  'Containment/StateMachine AwsSolutions-SF1',
  'Containment/StateMachine Serverless-StepFunctionStateMachineAllLogging',
  'ContainmentDeadLetters/Queue AwsSolutions-SQS3',
  'ContainmentDeadLetters/Queue Serverless-SQSRedrivePolicy',
  'ApprovalSweepDeadLetters/Queue AwsSolutions-SQS3',
  'ApprovalSweepDeadLetters/Queue Serverless-SQSRedrivePolicy',
];

describe('cdk-nag acknowledgments', () => {
  it('are only the reviewed ones in the Leash stack', () => {
    // Arrange
    const { app, stack } = aLeashStack(FULL_CONTEXT);
    const bucketId = stack.getLogicalId(stack.reports.bucket.node.defaultChild as CfnBucket);
    const tableId = stack.getLogicalId(stack.table.table.node.defaultChild as CfnTable);
    const machineId = stack.getLogicalId(stack.scan.stateMachine.node.defaultChild as CfnResource);

    // Act
    const found = acknowledgmentsOf(app)
      .filter((ack) => !isFunctionDefault(ack))
      .map(({ path, id }) => `${path.replace(/^Leash\//, '')} ${id}`)
      .map((entry) =>
        entry
          .replaceAll(`<${bucketId}.Arn>`, '<Bucket.Arn>')
          .replaceAll(`<${tableId}.Arn>`, '<Table.Arn>')
          .replaceAll(
            `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}`,
            '<StateMachineName>',
          ),
      );

    // Assert
    expect(found.sort()).toEqual([...LEASH_ACKNOWLEDGMENTS].sort());
  });

  it('are the account roles ones only in the member stack', () => {
    // Arrange
    const { app } = aMemberStack();

    // Act
    const found = acknowledgmentsOf(app).map(
      ({ path, id }) => `${path.replace(/^LeashMember\//, '')} ${id}`,
    );

    // Assert
    expect(found.sort()).toEqual(
      LEASH_ACKNOWLEDGMENTS.filter((a) => a.startsWith('AccountRoles/')).sort(),
    );
  });

  it('each carry a specific reason', () => {
    // Arrange
    const { app } = aLeashStack(FULL_CONTEXT);

    // Act
    const acknowledgments = acknowledgmentsOf(app);

    // Assert
    expect(acknowledgments.length).toBeGreaterThan(LEASH_ACKNOWLEDGMENTS.length);
    for (const { path, id, reason } of acknowledgments) {
      expect(reason.length, `${path} ${id}`).toBeGreaterThan(60);
    }
  });
});
