import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Policy, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_SCANNER_ROLE, ENV, KEYS } from '#functions/shared/contract.ts';
import { LEASH_ROLE_PATH, SCANNING_ROLE_NAMES } from './account-roles.ts';
import type { AuditTable } from './audit-table.ts';
import { LeashFunction } from './function-defaults.ts';
import type { ReportBucket } from './report-bucket.ts';

/** The Lambda handlers of Leash, one file each under functions/. */
export const HANDLER_NAMES = [
  'start-scan',
  'collect-account',
  'read-trail-objects',
  'read-event-history',
  'collect-entra',
  'analyze-scan',
  'publish-events',
  'send-weekly-report',
  'decide-containment',
  'wait-for-approval',
  'apply-containment',
  'answer-approval',
  'expire-approvals',
] as const;

/** The functions of containment (cdk/constructs/containment-state-machine.ts). */
export const CONTAINMENT_HANDLER_NAMES = [
  'decide-containment',
  'wait-for-approval',
  'apply-containment',
  'answer-approval',
  'expire-approvals',
] as const satisfies readonly (typeof HANDLER_NAMES)[number][];

/** A containment function's name. */
export type ContainmentHandlerName = (typeof CONTAINMENT_HANDLER_NAMES)[number];

/** A handler's name, also its file name (`functions/<name>.ts`) and its Powertools service. */
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** The handler file of each function in the deployed app. */
export const HANDLER_ENTRIES: Readonly<Record<HandlerName, string>> = Object.fromEntries(
  HANDLER_NAMES.map((name) => [name, `functions/${name}.ts`]),
) as Record<HandlerName, string>;

/** Sizing and description of one function. */
interface FunctionSpec {
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
}

/**
 * Memory and time per step. Memory also buys CPU (1,769 MB is one vCPU), which the parsing steps
 * use; the minutes are for the slowest accounts: Access Advisor jobs and credential reports are
 * polled, Event history is read at 2 requests per second per region, and analysis holds a whole
 * organization's inventory and usage in memory (`npm run bench`: 5,000 roles need about 1 GB).
 */
const SPECS: Readonly<Record<HandlerName, FunctionSpec>> = {
  'start-scan': {
    description: "Leash: fixes a scan's run id and window and lists the accounts to scan",
    memorySize: 512,
    timeout: Duration.minutes(2),
  },
  'collect-account': {
    description: "Leash: inventories one account's identities, grants and usage sources",
    memorySize: 2048,
    timeout: Duration.minutes(15),
  },
  'read-trail-objects': {
    description: 'Leash: reads CloudTrail log folders into daily usage snapshots',
    memorySize: 2048,
    timeout: Duration.minutes(15),
  },
  'read-event-history': {
    description: "Leash: reads an account's CloudTrail Event history into daily usage snapshots",
    memorySize: 1024,
    timeout: Duration.minutes(15),
  },
  'collect-entra': {
    description: 'Leash: inventories the Microsoft Entra tenant',
    memorySize: 1024,
    timeout: Duration.minutes(15),
  },
  'analyze-scan': {
    description: "Leash: joins a run's grants and usage into findings and records them",
    memorySize: 4096,
    timeout: Duration.minutes(15),
  },
  'publish-events': {
    description: "Leash: puts a scan's Scan Completed and Finding Created events on the bus",
    memorySize: 512,
    timeout: Duration.minutes(2),
  },
  'send-weekly-report': {
    description: 'Leash: writes the weekly report and tells the subscribers',
    memorySize: 1024,
    timeout: Duration.minutes(5),
  },
  // Containment is small work on one identity; memory buys the CPU that evaluating Cedar uses.
  'decide-containment': {
    description: 'Leash: validates a containment request and decides it by the Cedar policies',
    memorySize: 1024,
    timeout: Duration.seconds(30),
  },
  'wait-for-approval': {
    description: 'Leash: stores an approval request with its task token and tells the approvers',
    memorySize: 512,
    timeout: Duration.seconds(30),
  },
  'apply-containment': {
    description:
      "Leash: applies a containment through the account's containment role or Microsoft Graph",
    memorySize: 1024,
    timeout: Duration.minutes(2),
  },
  'answer-approval': {
    description: 'Leash: the approval endpoint; records an answer and resumes the workflow',
    memorySize: 512,
    timeout: Duration.seconds(30),
  },
  'expire-approvals': {
    description: 'Leash: expires overdue approval requests and ends their workflows',
    memorySize: 512,
    timeout: Duration.minutes(2),
  },
};

/** Properties of {@link LeashFunctions}. */
export interface LeashFunctionsProps {
  /**
   * Handler files by name. The deployed app uses {@link HANDLER_ENTRIES}; tests may point some
   * or all at a fixture so they do not depend on the real handlers.
   * @default HANDLER_ENTRIES
   */
  readonly entries?: Partial<Record<HandlerName, string>>;
  /** The `LEASH_*` settings every handler reads (functions/shared/config.ts). */
  readonly environment: Readonly<Record<string, string>>;
  readonly bucket: ReportBucket;
  readonly table: ITable;
  readonly eventBus: IEventBus;
  readonly topic: ITopic;
  /** The Entra credential; only when Entra is on. */
  readonly entraSecret?: ISecret;
  /**
   * The Entra containment credential (write permissions); only when Entra is on. Only
   * apply-containment may read it, and only it is told its ARN.
   */
  readonly entraContainmentSecret?: ISecret;
  /** The containment audit log, which the weekly report reads (GetItem and Query only). */
  readonly auditTable: AuditTable;
  /**
   * The Slack incoming-webhook secret (`leash:slackWebhookSecretArn`); the weekly report posts its
   * headline there. Undefined: no Slack.
   */
  readonly slackWebhookSecret?: ISecret;
  /** Where send-weekly-report's failed asynchronous invocations go. */
  readonly reportDeadLetterQueue: IQueue;
  /**
   * Execution roles made elsewhere, by function (apply-containment's role exists before it, as
   * every account's containment role trusts it by ARN).
   */
  readonly roles?: Partial<Record<HandlerName, Role>>;
  /** Extra bundling per function (the Cedar policies copied beside decide-containment). */
  readonly bundling?: Partial<Record<HandlerName, BundlingOptions>>;
}

/**
 * The Leash Lambdas (eight for scanning and reporting, five for containment), each with its own
 * log group and execution role under `/leash/` (the
 * containment role may never touch that path), sized per step, and granted exactly the data it
 * uses: work files by key prefix, the table, the audit log (read only, for the weekly report),
 * the bus, the topic, the secrets (the Entra containment credential to apply-containment alone).
 *
 * The four scanning functions have fixed role names ({@link SCANNING_ROLE_NAMES}), because the
 * scanner role in every account trusts them by ARN, and may assume `leash/leash-scanner` in any
 * account; nothing else here can. `apply-containment` runs as the fixed role
 * `leash/leash-apply-containment` (made by the stack and passed in `roles`), the only one every
 * account's containment role trusts.
 */
export class LeashFunctions extends Construct {
  public readonly functions: Readonly<Record<HandlerName, LeashFunction>>;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props entries, settings and the resources the functions use
   */
  constructor(scope: Construct, id: string, props: LeashFunctionsProps) {
    super(scope, id);
    const entries = { ...HANDLER_ENTRIES, ...props.entries };
    const scanning = new Set<string>(SCANNING_ROLE_NAMES);
    const make = (name: HandlerName): LeashFunction => {
      const roleName = `leash-${name}`;
      const { description, memorySize, timeout } = SPECS[name];
      return new LeashFunction(this, toId(name), {
        entry: entries[name],
        description,
        memorySize,
        timeout,
        rolePath: LEASH_ROLE_PATH,
        ...(scanning.has(roleName) ? { roleName } : {}),
        ...(props.roles?.[name] ? { executionRole: props.roles[name] } : {}),
        ...(props.bundling?.[name] ? { bundling: props.bundling[name] } : {}),
        environment: {
          ...props.environment,
          POWERTOOLS_SERVICE_NAME: name,
          POWERTOOLS_METRICS_NAMESPACE: 'Leash',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
        ...(name === 'send-weekly-report'
          ? {
              // Scheduler invokes it asynchronously: Lambda retries twice, then sends the event,
              // with the error, to the on-failure destination (richer than a classic DLQ record).
              onFailure: new SqsDestination(props.reportDeadLetterQueue),
              retryAttempts: 2,
              maxEventAge: Duration.hours(6),
            }
          : {}),
      });
    };
    const fns = Object.fromEntries(HANDLER_NAMES.map((n) => [n, make(n)])) as Record<
      HandlerName,
      LeashFunction
    >;
    this.functions = fns;

    const { bucket, table } = props;
    const { runs, usage, findings, reports } = KEYS;
    // Each step reads what earlier steps wrote and writes what later ones read (contract.ts and
    // connectors/aws/steps/work-files.ts name the keys).
    // start-scan: accounts.json and org-trails.json of the run.
    bucket.grantReadObjects(fns['start-scan'], runs);
    bucket.grantWriteObjects(fns['start-scan'], runs);
    // collect-account: reads org-trails.json; writes the account's inventory and folder file.
    bucket.grantReadObjects(fns['collect-account'], runs);
    bucket.grantWriteObjects(fns['collect-account'], runs);
    // read-trail-objects: reads the folder file and the day snapshots, writes new snapshots
    // (work/usage/) and the days' usage rows to the table.
    bucket.grantReadObjects(fns['read-trail-objects'], runs, usage);
    bucket.grantWriteObjects(fns['read-trail-objects'], usage);
    table.grantWriteData(fns['read-trail-objects']);
    // read-event-history: reads the account's inventory, writes the run's usage of the account.
    bucket.grantReadObjects(fns['read-event-history'], runs);
    bucket.grantWriteObjects(fns['read-event-history'], runs);
    // collect-entra: the credential in, entra.json out.
    bucket.grantWriteObjects(fns['collect-entra'], runs);
    if (props.entraSecret) props.entraSecret.grantRead(fns['collect-entra']);
    // analyze-scan: everything the run collected in, the findings out, recorded in the table.
    bucket.grantReadObjects(fns['analyze-scan'], runs, usage);
    bucket.grantWriteObjects(fns['analyze-scan'], findings);
    table.grantReadWriteData(fns['analyze-scan']);
    // publish-events: the findings document in; the run's diff replayed from the table (and
    // recorded there, should analyze-scan not have), events out.
    bucket.grantReadObjects(fns['publish-events'], findings);
    table.grantReadWriteData(fns['publish-events']);
    props.eventBus.grantPutEventsTo(fns['publish-events']);
    // send-weekly-report: the newest findings and the scan history in, the report out (and read
    // back through the presigned link it mails), the headline to the topic.
    bucket.grantReadObjects(fns['send-weekly-report'], findings, reports);
    bucket.grantWriteObjects(fns['send-weekly-report'], reports);
    table.grantReadData(fns['send-weekly-report']);
    props.topic.grantPublish(fns['send-weekly-report']);
    // ... the containment requests of the week from the audit log (read only), and the headline
    // to Slack when a webhook is configured.
    fns['send-weekly-report'].addEnvironment(ENV.auditTable, props.auditTable.table.tableName);
    props.auditTable.grantRead(fns['send-weekly-report']);
    if (props.slackWebhookSecret) {
      fns['send-weekly-report'].addEnvironment(ENV.slackSecret, props.slackWebhookSecret.secretArn);
      props.slackWebhookSecret.grantRead(fns['send-weekly-report']);
    }
    // apply-containment: the Entra containment credential, which no other function may read.
    if (props.entraContainmentSecret) {
      fns['apply-containment'].addEnvironment(
        ENV.entraContainmentSecret,
        props.entraContainmentSecret.secretArn,
      );
      props.entraContainmentSecret.grantRead(fns['apply-containment']);
    }
    // Containment: identity profiles (decide), approval requests and identity locks in the
    // table. The audit log is in its own table, granted by the containment construct.
    for (const name of CONTAINMENT_HANDLER_NAMES) table.grantReadWriteData(fns[name]);
    // wait-for-approval tells the subscribers.
    props.topic.grantPublish(fns['wait-for-approval']);

    for (const name of HANDLER_NAMES) {
      if (scanning.has(`leash-${name}`)) this.allowScannerRole(fns[name]);
      Validations.of(fns[name]).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: DLQ_REASONS[name] ?? SYNCHRONOUS_REASON,
      });
    }
    const tableId = Stack.of(this).getLogicalId(props.table.node.defaultChild as CfnTable);
    for (const name of [
      'read-trail-objects',
      'analyze-scan',
      'publish-events',
      ...CONTAINMENT_HANDLER_NAMES,
    ] as const) {
      acknowledgeTableGrant(fns[name], tableId, true, name === 'wait-for-approval');
    }
    acknowledgeTableGrant(fns['send-weekly-report'], tableId, false);
    Validations.of(fns['send-weekly-report'].executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: TOPIC_KEY_REASON,
    });
  }

  /** Lets a scanning function assume the scanner role in any account, in its own policy. */
  private allowScannerRole(fn: LeashFunction): void {
    const policy = new Policy(fn, 'AssumeScannerRole', {
      roles: [fn.executionRole],
      statements: [
        new PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: [`arn:${Aws.PARTITION}:iam::*:role/${DEFAULT_SCANNER_ROLE}`],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/leash/leash-scanner]',
      reason:
        'The accounts to scan are listed at run time (organization members come and go), so ' +
        'the account in the ARN is open; the role name is exact, and each scanner role trusts ' +
        "only the four scanning functions' roles in the Leash account.",
    });
  }
}

/** Why a function invoked synchronously needs no dead-letter queue. */
const SYNCHRONOUS_REASON =
  'Invoked synchronously by a Leash state machine, which retries it and records a failure in ' +
  'the execution history (and alarms); a dead-letter queue only ever receives asynchronous ' +
  'invocations, which this function never gets.';

/** Functions that are not (only) state machine steps. */
const DLQ_REASONS: Partial<Record<HandlerName, string>> = {
  'send-weekly-report':
    'Failed asynchronous invocations go to an SQS on-failure destination (encrypted, TLS ' +
    'only, alarmed), which records the error with the event; a dead-letter queue as well ' +
    'would receive the same events twice.',
  'answer-approval':
    'Invoked synchronously through its function URL: the caller gets the error in the HTTP ' +
    'response and answers again; there is no asynchronous event to keep.',
  'expire-approvals':
    'A sweep with no input of its own: Scheduler retries and dead-letters the invocation, and ' +
    'a failed sweep is repeated by the next one a quarter of an hour later (errors alarm).',
};

/** Why Topic.grantPublish's key grant is acceptable. */
const TOPIC_KEY_REASON =
  "Topic.grantPublish adds kms:GenerateDataKey* on the notification topic's own key (and only " +
  'that key) so the function can publish to the encrypted topic; it covers the GenerateDataKey ' +
  'variants SNS may call.';

/**
 * Acknowledges what `Table.grant*Data` adds beyond exact actions: the table's indexes (`/index/*`,
 * which holds only gsi1 and gsi2), and for writers kms:GenerateDataKey* and kms:ReEncrypt* on the
 * table's own key.
 */
function acknowledgeTableGrant(
  fn: LeashFunction,
  tableId: string,
  writes: boolean,
  publishes = false,
): void {
  const reasons = [
    {
      id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason:
        "Table grants cover the Leash table's own indexes, gsi1 (open findings, scans) and " +
        'gsi2 (identity history), which CDK names with /index/*; no other table.',
    },
  ];
  if (writes) {
    const keyReason =
      "Table.grantWriteData adds these on the table's own customer-managed key (one key ARN): " +
      'DynamoDB needs them to encrypt items it writes for the function.';
    reasons.push(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: publishes ? `${keyReason} Also: ${TOPIC_KEY_REASON}` : keyReason,
      },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: keyReason },
    );
  }
  Validations.of(fn.executionRole).acknowledge(...reasons);
}

/** `collect-account` → `CollectAccount`, the construct id. */
function toId(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());
}
