import {
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import {
  DEFAULT_CONTAINMENT_ROLE,
  DEFAULT_SCANNER_ROLE,
  ENV,
  EVENT_SOURCE,
  KEYS,
} from '#functions/shared/contract.ts';
import {
  AccountRoles,
  APPLY_CONTAINMENT_ROLE_NAME,
  LEASH_ROLE_PATH,
  PROTECTED_TAG,
} from '../constructs/account-roles.ts';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.ts';
import { EntraCredential } from '../constructs/entra-credential.ts';
import { FailureAlarms } from '../constructs/failure-alarms.ts';
import { HANDLER_NAMES, type HandlerName, LeashFunctions } from '../constructs/leash-functions.ts';
import { LeashTable } from '../constructs/leash-table.ts';
import { NotificationTopic } from '../constructs/notification-topic.ts';
import { ReportBucket } from '../constructs/report-bucket.ts';
import { ScanSchedule } from '../constructs/scan-schedule.ts';
import { ScanStateMachine } from '../constructs/scan-state-machine.ts';
import { WeeklyReportSchedule } from '../constructs/weekly-report-schedule.ts';
import { type LeashSettings, readLeashSettings } from '../settings.ts';

/** Name of the Leash event bus (`Scan Completed`, `Finding Created`; source `leash`). */
export const EVENT_BUS_NAME = 'leash';
/** Name of the EventBridge Scheduler group holding Leash's schedules. */
export const SCHEDULE_GROUP_NAME = 'leash';
/** How long a run's work files are kept (contract.ts KEYS.runs). */
export const RUN_FILES_DAYS = 14;
/** Usage snapshots are kept this long beyond the lookback, so late scans can still reuse them. */
export const USAGE_SNAPSHOT_EXTRA_DAYS = 35;

/** Properties of {@link LeashStack}. */
export interface LeashStackProps extends StackProps {
  /**
   * Handler files by name, overriding functions/<name>.ts. Only tests set this, to synthesize
   * the stack without depending on the real handlers; the app never does.
   * @default the real handler files
   */
  readonly entries?: Partial<Record<HandlerName, string>>;
}

/**
 * Everything Leash deploys into the account it runs in (the security account): the Leash bucket
 * and table under one customer-managed key, the scan state machine and its eight Lambdas, the two
 * schedules, the event bus, the notification topic with its alarms, the Entra secret (when on),
 * and the scanner and containment roles of this account. Settings come from CDK context
 * (cdk/settings.ts). Environment-agnostic (no `env`, no lookups), so `cdk synth` works offline
 * without credentials.
 */
export class LeashStack extends Stack {
  /** The Leash bucket: reports, findings and work files. */
  public readonly reports: ReportBucket;
  public readonly table: LeashTable;
  public readonly functions: LeashFunctions;
  public readonly scan: ScanStateMachine;
  public readonly settings: LeashSettings;

  /**
   * @param scope the app
   * @param id the construct id, also the CloudFormation stack name unless `props.stackName` is set
   * @param props standard stack properties, plus handler entries for tests
   * @throws LeashSettingsError when a `leash:*` context value is invalid
   */
  constructor(scope: Construct, id: string, props: LeashStackProps = {}) {
    const { entries, ...stackProps } = props;
    super(scope, id, {
      description: 'Leash: discovers identities, observes their usage, rightsizes and revokes.',
      ...stackProps,
    });
    const settings = readLeashSettings(this.node);
    this.settings = settings;
    // Tagged here rather than in app.ts so that every instance, including the tests', carries it.
    // leash:protected puts every Leash role and function out of the containment role's reach.
    Tags.of(this).add('app', 'leash');
    Tags.of(this).add(PROTECTED_TAG, 'true');

    // One key for the data at rest (bucket, table, secret). Retained: without it the retained
    // bucket and table could never be read again.
    const dataKey = new Key(this, 'DataKey', {
      description: 'Leash: encrypts the Leash bucket, table and Entra secret',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reports = new ReportBucket(this, 'Reports', {
      encryptionKey: dataKey,
      expirations: [
        { prefix: KEYS.runs, expiration: Duration.days(RUN_FILES_DAYS) },
        {
          prefix: KEYS.usage,
          expiration: Duration.days(settings.lookbackDays + USAGE_SNAPSHOT_EXTRA_DAYS),
        },
      ],
    });
    this.table = new LeashTable(this, 'Store', { encryptionKey: dataKey });

    const eventBus = new EventBus(this, 'EventBus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'Leash: Scan Completed and Finding Created events',
    });
    if (settings.eventArchiveDays > 0) {
      eventBus.archive('Archive', {
        description: "Leash's own events, for replay",
        eventPattern: { source: [EVENT_SOURCE] },
        retention: Duration.days(settings.eventArchiveDays),
      });
    }
    const notifications = new NotificationTopic(this, 'Notifications', {
      emails: settings.notificationEmails,
    });
    const entra = settings.entra
      ? new EntraCredential(this, 'EntraCredential', { encryptionKey: dataKey })
      : undefined;
    const reportDeadLetters = new DeadLetterQueue(this, 'WeeklyReportDeadLetters');

    this.functions = new LeashFunctions(this, 'Functions', {
      ...(entries ? { entries } : {}),
      environment: {
        [ENV.table]: this.table.table.tableName,
        [ENV.bucket]: this.reports.bucket.bucketName,
        [ENV.eventBus]: eventBus.eventBusName,
        [ENV.topic]: notifications.topic.topicArn,
        [ENV.mode]: settings.mode,
        [ENV.scannerRoleName]: DEFAULT_SCANNER_ROLE,
        [ENV.lookbackDays]: String(settings.lookbackDays),
        ...(settings.mode === 'organization' && settings.managementAccountId
          ? { [ENV.managementAccount]: settings.managementAccountId }
          : {}),
        ...(settings.regions.length > 0 ? { [ENV.regions]: settings.regions.join(',') } : {}),
        ...(entra ? { [ENV.entraSecret]: entra.secret.secretArn } : {}),
      },
      bucket: this.reports,
      table: this.table.table,
      eventBus,
      topic: notifications.topic,
      ...(entra ? { entraSecret: entra.secret } : {}),
      reportDeadLetterQueue: reportDeadLetters.queue,
    });
    const fns = this.functions.functions;

    this.scan = new ScanStateMachine(this, 'Scan', {
      functions: fns,
      bucket: this.reports.bucket,
      bucketKey: dataKey,
      accountConcurrency: settings.accountConcurrency,
      rolePath: LEASH_ROLE_PATH,
    });

    const scheduleGroup = new ScheduleGroup(this, 'Schedules', {
      scheduleGroupName: SCHEDULE_GROUP_NAME,
      // Schedules are configuration, rebuilt by the next deployment.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const scanSchedule = new ScanSchedule(this, 'ScanSchedule', {
      stateMachine: this.scan.stateMachine,
      expression: settings.scanSchedule,
      timeZone: settings.scheduleTimezone,
      scheduleGroup,
    });
    const reportSchedule = new WeeklyReportSchedule(this, 'WeeklyReportSchedule', {
      fn: fns['send-weekly-report'],
      expression: settings.reportSchedule,
      timeZone: settings.scheduleTimezone,
      scheduleGroup,
    });

    const alarms = new FailureAlarms(this, 'Alarms', { topic: notifications.topic });
    for (const name of HANDLER_NAMES) alarms.addFunction(name, fns[name]);
    alarms.addStateMachine('scan', this.scan.stateMachine);
    alarms.addDeadLetterQueue('the daily scan start', scanSchedule.deadLetterQueue.queue);
    alarms.addDeadLetterQueue('the weekly report invocation', reportSchedule.deadLetterQueue.queue);
    alarms.addDeadLetterQueue('the weekly report', reportDeadLetters.queue);
    alarms.addDeadLetterQueue('a notification', notifications.deadLetterQueue.queue);

    // This account is scanned, and contained, like any other: through its own two roles.
    const accountRoles = new AccountRoles(this, 'AccountRoles', { leashAccountId: Aws.ACCOUNT_ID });
    const applyContainment = this.applyContainmentRole();

    new CfnOutput(this, 'ReportBucketName', {
      description: 'S3 bucket that receives the weekly report, the findings and the work files.',
      value: this.reports.bucket.bucketName,
    });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'ScanStateMachineArn', {
      description: 'Start a scan by hand: aws stepfunctions start-execution --state-machine-arn …',
      value: this.scan.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'EventBusName', { value: eventBus.eventBusName });
    new CfnOutput(this, 'NotificationTopicArn', { value: notifications.topic.topicArn });
    new CfnOutput(this, 'ScannerRoleArn', { value: accountRoles.scanner.roleArn });
    new CfnOutput(this, 'ContainmentRoleArn', { value: accountRoles.containment.roleArn });
    new CfnOutput(this, 'ApplyContainmentRoleArn', { value: applyContainment.roleArn });
    if (entra) {
      new CfnOutput(this, 'EntraSecretArn', {
        description: 'Put the Entra credential here: aws secretsmanager put-secret-value …',
        value: entra.secret.secretArn,
      });
    }
  }

  /**
   * The execution role of the containment Lambda (issue 6), created now so that every account's
   * containment role can already trust it by ARN. It may assume that role and nothing else yet.
   */
  private applyContainmentRole(): Role {
    const role = new Role(this, 'ApplyContainmentRole', {
      roleName: APPLY_CONTAINMENT_ROLE_NAME,
      path: LEASH_ROLE_PATH,
      description: 'Leash: execution role of the containment Lambda',
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    const policy = new Policy(this, 'ApplyContainmentAssumePolicy', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: [`arn:${Aws.PARTITION}:iam::*:role/${DEFAULT_CONTAINMENT_ROLE}`],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-containment]',
      reason:
        'Containment acts in whichever account a finding names, listed at run time; the role ' +
        'name is exact, and each containment role trusts only this role.',
    });
    return role;
  }
}
