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
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
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
import { AuditTable } from '../constructs/audit-table.ts';
import { ContainmentStateMachine } from '../constructs/containment-state-machine.ts';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.ts';
import { EntraCredential } from '../constructs/entra-credential.ts';
import { FailureAlarms } from '../constructs/failure-alarms.ts';
import {
  CONTAINMENT_HANDLER_NAMES,
  HANDLER_NAMES,
  type HandlerName,
  LeashFunctions,
} from '../constructs/leash-functions.ts';
import { LeashTable } from '../constructs/leash-table.ts';
import { NotificationTopic } from '../constructs/notification-topic.ts';
import { ReportBucket } from '../constructs/report-bucket.ts';
import { ScanStateMachine } from '../constructs/scan-state-machine.ts';
import { ScanSchedule, WeeklyReportSchedule } from '../constructs/schedules.ts';
import { type LeashSettings, readLeashSettings } from '../settings.ts';

/** Name of the Leash event bus (`Scan Completed`, `Finding Created`; source `leash`). */
export const EVENT_BUS_NAME = 'leash';
/** Name of the EventBridge Scheduler group holding Leash's schedules. */
export const SCHEDULE_GROUP_NAME = 'leash';
/** How long a run's work files are kept (contract.ts KEYS.runs). */
export const RUN_FILES_DAYS = 14;
/** Usage snapshots are kept this long beyond the lookback, so late scans can still reuse them. */
export const USAGE_SNAPSHOT_EXTRA_DAYS = 35;
/** Where decide-containment finds the Cedar policies bundled beside it. */
export const BUNDLED_POLICY_DIR = '/var/task/policies';
/** How often overdue approval requests are swept. */
export const APPROVAL_SWEEP_SCHEDULE = 'rate(15 minutes)';

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
 * and table under one customer-managed key, the scan state machine and its eight Lambdas, the
 * containment state machine with its five Lambdas, audit table, rules and approval endpoint, the
 * schedules, the event bus, the notification topic with its alarms, the two Entra secrets (scan
 * and containment credentials, when on), and the scanner and containment roles of this account.
 * Settings come from CDK context (cdk/settings.ts). Environment-agnostic (no `env`, no lookups),
 * so `cdk synth` works offline without credentials.
 */
export class LeashStack extends Stack {
  /** The Leash bucket: reports, findings and work files. */
  public readonly reports: ReportBucket;
  public readonly table: LeashTable;
  public readonly functions: LeashFunctions;
  public readonly scan: ScanStateMachine;
  public readonly containment: ContainmentStateMachine;
  /** The containment audit log (append-only for Leash's roles). */
  public readonly audit: AuditTable;
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
    // Containment in the tenant needs write permissions the read-only scan credential must not
    // have: a second app registration, in a secret only apply-containment may read.
    const entraContainment = settings.entra
      ? new EntraCredential(this, 'EntraContainmentCredential', {
          encryptionKey: dataKey,
          purpose: 'containment',
        })
      : undefined;
    const slackWebhook = settings.slackWebhookSecretArn
      ? Secret.fromSecretCompleteArn(this, 'SlackWebhook', settings.slackWebhookSecretArn)
      : undefined;
    const reportDeadLetters = new DeadLetterQueue(this, 'WeeklyReportDeadLetters');
    this.audit = new AuditTable(this, 'Audit', { encryptionKey: dataKey });
    const applyContainment = this.applyContainmentRole();

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
      ...(entraContainment ? { entraContainmentSecret: entraContainment.secret } : {}),
      auditTable: this.audit,
      ...(slackWebhook ? { slackWebhookSecret: slackWebhook } : {}),
      reportDeadLetterQueue: reportDeadLetters.queue,
      roles: { 'apply-containment': applyContainment },
      bundling: {
        'decide-containment': {
          // Cedar's WebAssembly is read from its package directory at run time.
          nodeModules: ['@cedar-policy/cedar-wasm'],
          // The policies travel as files beside the bundle: a deployment ships what the
          // repository (or the customer's fork) holds in core/containment/policies.
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `cp -R "${inputDir}/core/containment/policies" "${outputDir}/policies"`,
            ],
          },
        },
      },
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

    const containmentDeadLetters = new DeadLetterQueue(this, 'ContainmentDeadLetters');
    this.containment = new ContainmentStateMachine(this, 'Containment', {
      functions: fns,
      eventBus,
      deadLetterQueue: containmentDeadLetters.queue,
      approvalTtl: Duration.minutes(settings.approvalTtlMinutes),
      rolePath: LEASH_ROLE_PATH,
    });
    const sweep = this.containmentWiring(settings, scheduleGroup, slackWebhook);

    const alarms = new FailureAlarms(this, 'Alarms', { topic: notifications.topic });
    for (const name of HANDLER_NAMES) alarms.addFunction(name, fns[name]);
    alarms.addStateMachine('scan', this.scan.stateMachine);
    alarms.addStateMachine('containment', this.containment.stateMachine);
    alarms.addDeadLetterQueue('the daily scan start', scanSchedule.deadLetterQueue.queue);
    alarms.addDeadLetterQueue('the weekly report invocation', reportSchedule.deadLetterQueue.queue);
    alarms.addDeadLetterQueue('the weekly report', reportDeadLetters.queue);
    alarms.addDeadLetterQueue('a notification', notifications.deadLetterQueue.queue);
    alarms.addDeadLetterQueue('a containment event', containmentDeadLetters.queue);
    alarms.addDeadLetterQueue('the approval expiry sweep', sweep.queue);

    // This account is scanned, and contained, like any other: through its own two roles.
    const accountRoles = new AccountRoles(this, 'AccountRoles', { leashAccountId: Aws.ACCOUNT_ID });

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
    new CfnOutput(this, 'ContainmentStateMachineArn', {
      value: this.containment.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AuditTableName', {
      description: 'The containment audit log: leash audit ID --table … --audit-table …',
      value: this.audit.table.tableName,
    });
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
    if (entraContainment) {
      new CfnOutput(this, 'EntraContainmentSecretArn', {
        description:
          "Put the Entra containment app registration's credential here: aws secretsmanager put-secret-value …",
        value: entraContainment.secret.secretArn,
      });
    }
  }

  /**
   * Settings, grants and entry points of containment: the functions' settings, the audit log
   * (append and read only, and an explicit Deny of every change for every Leash function), the
   * approval endpoint (function URL, AWS_IAM), the task-token answers, Slack, the expiry sweep.
   * @returns the sweep's dead-letter queue
   */
  private containmentWiring(
    settings: LeashSettings,
    scheduleGroup: ScheduleGroup,
    slack: ISecret | undefined,
  ): DeadLetterQueue {
    const fns = this.functions.functions;
    const audit = this.audit;
    const answer = fns['answer-approval'];
    const url = answer.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    for (const name of CONTAINMENT_HANDLER_NAMES) {
      const fn = fns[name];
      fn.addEnvironment(ENV.auditTable, audit.table.tableName);
      fn.addEnvironment(ENV.approvalTtlMinutes, String(settings.approvalTtlMinutes));
      if (settings.protectedNamePatterns.length > 0)
        fn.addEnvironment(ENV.protectedNames, settings.protectedNamePatterns.join(','));
      audit.grantAppend(fn);
    }
    fns['decide-containment'].addEnvironment(ENV.policyDir, BUNDLED_POLICY_DIR);
    fns['wait-for-approval'].addEnvironment(ENV.approvalUrl, url.url);
    for (const name of HANDLER_NAMES) audit.denyChanges(fns[name].executionRole);
    // In a policy of its own, not the roles' default policies that the functions depend on:
    // wait-for-approval names the endpoint's URL, and the state machine invokes wait-for-approval.
    new Policy(this, 'AnswerApprovalsPolicy', {
      roles: [answer.executionRole, fns['expire-approvals'].executionRole],
      statements: [
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [this.containment.stateMachine.stateMachineArn],
        }),
      ],
    });
    if (slack) {
      fns['wait-for-approval'].addEnvironment(ENV.slackSecret, slack.secretArn);
      slack.grantRead(fns['wait-for-approval']);
    }
    const deadLetters = new DeadLetterQueue(this, 'ApprovalSweepDeadLetters');
    new Schedule(this, 'ApprovalSweep', {
      description: 'Leash: expires overdue containment approval requests',
      scheduleGroup,
      schedule: ScheduleExpression.expression(APPROVAL_SWEEP_SCHEDULE),
      target: new ScheduleLambdaInvoke(fns['expire-approvals'], {
        deadLetterQueue: deadLetters.queue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(15),
      }),
    });
    new CfnOutput(this, 'ApprovalUrl', {
      description:
        'POST {"requestId","decision":"approve"|"deny","reason"} here, SigV4-signed (service lambda)',
      value: url.url,
    });
    return deadLetters;
  }

  /**
   * The execution role of the apply-containment Lambda, with a fixed name so that every
   * account's containment role trusts it by ARN. Besides the function's own grants (log group,
   * traces, table, audit log, and with Entra on the Entra containment credential) it may assume
   * that role and nothing else.
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
