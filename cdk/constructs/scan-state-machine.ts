/**
 * The scan at organization scale, as one Step Functions state machine (STANDARD, JSONPath). The
 * steps and the data between them are those of functions/shared/contract.ts:
 *
 * ```
 * StartScan ─▶ CollectAccounts (Distributed Map over work/runs/<runId>/accounts.json)
 *                 └─ per account: CollectAccount ─▶ UsageSource?
 *                       trail, > INLINE_PREFIX_LIMIT folders ─▶ ReadTrailFolders (Distributed Map,
 *                                                                batches of 16) ─▶ AccountDone
 *                       trail                                 ─▶ ReadTrailFoldersInline ─▶ AccountDone
 *                       lookup                                ─▶ ReadEventHistory ─▶ AccountDone
 *                       none                                  ─▶ AccountDone
 *           ─▶ EntraConfigured? ─▶ [CollectEntra] ─▶ AnalyzeScan ─▶ PublishEvents ─▶ ScanSucceeded
 * ```
 *
 * The definition is kept to a small ASL subset (Task on `lambda:invoke` with Parameters,
 * ResultSelector, ResultPath and OutputPath; Map in DISTRIBUTED mode with an S3 JSON ItemReader
 * and ItemBatcher; Choice; Pass; Succeed; Fail; JSONPath only, no intrinsic functions) so that
 * an in-process interpreter can run it against the real handlers: see
 * {@link scanStateMachineDefinition}.
 */
import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnBucket, IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  ItemBatcher,
  JitterType,
  JsonPath,
  Pass,
  Result,
  S3JsonItemReader,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { INLINE_PREFIX_LIMIT, KEYS } from '#functions/shared/contract.ts';
import type { HandlerName } from './leash-functions.ts';
import { observeStateMachine } from './state-machine-observability.ts';

/** The handlers the state machine calls. */
export type ScanStep = Extract<
  HandlerName,
  | 'start-scan'
  | 'collect-account'
  | 'read-trail-objects'
  | 'read-event-history'
  | 'collect-entra'
  | 'analyze-scan'
  | 'publish-events'
>;

/** Trail folders one read-trail-objects invocation reads in the Distributed Map. */
export const TRAIL_FOLDERS_PER_BATCH = 16;

/** Lambda errors worth retrying: the service's, not the handler's. */
export const LAMBDA_RETRY_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/** Properties of {@link ScanStateMachine}. */
export interface ScanStateMachineProps {
  /** The step functions, by handler name. */
  readonly functions: Readonly<Record<ScanStep, IFunction>>;
  /** The Leash bucket holding the run's work files. */
  readonly bucket: IBucket;
  /** The bucket's customer-managed key, if any: the item readers decrypt the work files. */
  readonly bucketKey?: IKey;
  /** Accounts collected at the same time (`leash:accountConcurrency`). */
  readonly accountConcurrency: number;
  /**
   * Batches of trail folders read at the same time, per account.
   * @default 10
   */
  readonly trailReadConcurrency?: number;
  /**
   * How long a scan may run before Step Functions stops it (and the timed-out alarm fires).
   * @default 23 hours, so a daily scan never overlaps the next one
   */
  readonly timeout?: Duration;
  /**
   * IAM path of the state machine's role.
   * @default `/`
   */
  readonly rolePath?: string;
}

/**
 * An S3 JSON item reader that may read only the run work files (`work/runs/*`), where CDK's own
 * grants s3:GetObject on every object of the bucket.
 */
class RunFileItemReader extends S3JsonItemReader {
  override providePolicyStatements(): PolicyStatement[] {
    return [
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${KEYS.runs}*`)],
      }),
    ];
  }
}

/**
 * The scan state machine, its role and its log group. See the module comment for the flow.
 *
 * Logging is at level ERROR without execution data: states' inputs and outputs name accounts and
 * identities, and the execution history in Step Functions keeps them for those allowed to read it.
 */
export class ScanStateMachine extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly logGroup: LogGroup;
  public readonly role: Role;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the step functions, the bucket and the concurrency limits
   */
  constructor(scope: Construct, id: string, props: ScanStateMachineProps) {
    super(scope, id);
    const fns = props.functions;
    const invoke = (
      stateId: string,
      step: ScanStep,
      options: {
        payload?: TaskInput;
        resultSelector?: Record<string, unknown>;
        resultPath?: string;
        outputPath?: string;
        comment?: string;
      } = {},
    ) => {
      const task = new LambdaInvoke(this, stateId, {
        lambdaFunction: fns[step],
        payload: options.payload ?? TaskInput.fromJsonPathAt('$'),
        // The default retry lacks TooManyRequestsException, which a Distributed Map's fan-out
        // meets first; the explicit one below covers it and spreads retries with jitter.
        retryOnServiceExceptions: false,
        ...(options.comment ? { comment: options.comment } : {}),
        ...(options.resultSelector ? { resultSelector: options.resultSelector } : {}),
        ...(options.resultPath ? { resultPath: options.resultPath } : {}),
        ...(options.outputPath ? { outputPath: options.outputPath } : {}),
      });
      task.addRetry({
        errors: [...LAMBDA_RETRY_ERRORS],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      });
      return task;
    };
    const runWindow = TaskInput.fromObject({
      runId: JsonPath.stringAt('$.runId'),
      asOf: JsonPath.stringAt('$.asOf'),
      from: JsonPath.numberAt('$.from'),
      to: JsonPath.numberAt('$.to'),
    });

    // --- Per account (a child execution of CollectAccounts; its input is one AccountItem). ---
    const accountDone = new Pass(this, 'AccountDone', {
      comment:
        "Ends an account with an empty output: the map collects every child's output, and " +
        'those of thousands of accounts must stay far below the 256 KiB state limit.',
      result: Result.fromObject({}),
    });
    const collectAccount = invoke('CollectAccount', 'collect-account', {
      resultSelector: {
        usage: JsonPath.stringAt('$.Payload.usage'),
        prefixes: JsonPath.objectAt('$.Payload.prefixes'),
        prefixCount: JsonPath.numberAt('$.Payload.prefixCount'),
      },
      resultPath: '$.collected',
    });
    const readTrailBatch = invoke('ReadTrailBatch', 'read-trail-objects', {
      comment: 'Input: {Items: TrailPrefixItem[]} from the ItemBatcher.',
      outputPath: '$.Payload',
    });
    const readTrailFolders = new DistributedMap(this, 'ReadTrailFolders', {
      comment: "Reads the account's trail log folders in batches, from the folder file.",
      label: 'ReadTrailFolders',
      itemReader: new RunFileItemReader({
        bucket: props.bucket,
        key: JsonPath.stringAt('$.collected.prefixes.key'),
      }),
      itemBatcher: new ItemBatcher({ maxItemsPerBatch: TRAIL_FOLDERS_PER_BATCH }),
      maxConcurrency: props.trailReadConcurrency ?? 10,
      mapExecutionType: StateMachineType.STANDARD,
      resultPath: JsonPath.DISCARD,
    });
    readTrailFolders.itemProcessor(readTrailBatch);
    const readTrailInline = invoke('ReadTrailFoldersInline', 'read-trail-objects', {
      comment: 'Few folders: one invocation reads the whole folder file.',
      payload: TaskInput.fromObject({ manifest: JsonPath.objectAt('$.collected.prefixes') }),
      resultPath: JsonPath.DISCARD,
    });
    const readEventHistory = invoke('ReadEventHistory', 'read-event-history', {
      payload: TaskInput.fromObject({
        runId: JsonPath.stringAt('$.runId'),
        asOf: JsonPath.stringAt('$.asOf'),
        from: JsonPath.numberAt('$.from'),
        to: JsonPath.numberAt('$.to'),
        accountId: JsonPath.stringAt('$.accountId'),
      }),
      resultPath: JsonPath.DISCARD,
    });
    const usageSource = new Choice(this, 'UsageSource', {
      comment: 'Where the account\'s usage comes from; "none" leaves its actions unobservable.',
    })
      .when(
        Condition.and(
          Condition.stringEquals('$.collected.usage', 'trail'),
          Condition.numberGreaterThan('$.collected.prefixCount', INLINE_PREFIX_LIMIT),
        ),
        readTrailFolders.next(accountDone),
      )
      .when(Condition.stringEquals('$.collected.usage', 'trail'), readTrailInline.next(accountDone))
      .when(
        Condition.stringEquals('$.collected.usage', 'lookup'),
        readEventHistory.next(accountDone),
      )
      .when(Condition.stringEquals('$.collected.usage', 'none'), accountDone)
      .otherwise(
        new Fail(this, 'UnknownUsageSource', {
          error: 'Leash.UnknownUsageSource',
          cause: 'collect-account returned a usage source the state machine does not know',
        }),
      );

    const collectAccounts = new DistributedMap(this, 'CollectAccounts', {
      comment:
        "Collects every account of accounts.json; a failed account becomes a gap in the run's " +
        'findings, never a failed run.',
      label: 'CollectAccounts',
      itemReader: new RunFileItemReader({
        bucket: props.bucket,
        key: JsonPath.stringAt('$.accounts.key'),
      }),
      maxConcurrency: props.accountConcurrency,
      toleratedFailurePercentage: 100,
      mapExecutionType: StateMachineType.STANDARD,
      resultPath: JsonPath.DISCARD,
    });
    collectAccounts.itemProcessor(collectAccount.next(usageSource));

    // --- The run. ---
    const startScan = invoke('StartScan', 'start-scan', {
      payload: TaskInput.fromObject({
        executionName: JsonPath.executionName,
        input: JsonPath.executionInput,
        startTime: JsonPath.executionStartTime,
      }),
      outputPath: '$.Payload',
    });
    const analyzeScan = invoke('AnalyzeScan', 'analyze-scan', {
      payload: runWindow,
      outputPath: '$.Payload',
    });
    const collectEntra = invoke('CollectEntra', 'collect-entra', {
      payload: runWindow,
      resultPath: JsonPath.DISCARD,
    });
    const publishEvents = invoke('PublishEvents', 'publish-events', {
      resultPath: JsonPath.DISCARD,
    });
    const entraConfigured = new Choice(this, 'EntraConfigured')
      .when(Condition.booleanEquals('$.entra', true), collectEntra.next(analyzeScan))
      .otherwise(analyzeScan);
    analyzeScan.next(publishEvents).next(new Succeed(this, 'ScanSucceeded'));

    const definition = startScan.next(collectAccounts).next(entraConfigured);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      // Under Leash's path, which the containment role may never touch.
      path: props.rolePath ?? '/',
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      role: this.role,
      timeout: props.timeout ?? Duration.hours(23),
      comment: 'Leash: scans the accounts and the Entra tenant, analyses, records, publishes.',
    });
    if (props.bucketKey) {
      // The item readers get the run files through S3, which decrypts them with the bucket key.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.bucketKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }

    const loggingReason =
      'Logged at ERROR without execution data on purpose: state inputs and outputs name ' +
      'accounts and identities, which do not belong in a log group with a wider audience than ' +
      "the state machine's execution history; failures are logged and alarmed.";
    observeStateMachine(this, {
      stateMachine: this.stateMachine,
      role: this.role,
      logGroup: this.logGroup,
      why: loggingReason,
    });
    this.acknowledgeWildcards(props.bucket);
  }

  /**
   * Acknowledges the state machine's resource wildcards. The Distributed Maps need it to start,
   * describe, stop and redrive its own child executions, whose ids exist only at run time: CDK
   * grants those on execution ARNs ending in `*` (per map label for redrive). The item readers
   * read the run files under `work/runs/`.
   */
  private acknowledgeWildcards(bucket: IBucket): void {
    const stack = Stack.of(this);
    const mapPolicy = this.stateMachine.node.findChild('DistributedMapPolicy');
    const reason =
      'Child executions of the Distributed Maps are named at run time; the ARN is exact up to ' +
      'this state machine (and map label), as Step Functions documents for Distributed Map.';
    // cdk-nag names a finding after the resolved ARN, tokens included; CDK's grant takes the
    // name out of the state machine's ARN (its seventh `:` field).
    const arnName = Fn.select(6, Fn.split(':', this.stateMachine.stateMachineArn));
    const name = JSON.stringify(stack.resolve(arnName));
    const execution = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}`;
    Validations.of(mapPolicy).acknowledge(
      ...['', '/CollectAccounts', '/ReadTrailFolders'].map((label) => ({
        id: `AwsSolutions-IAM5[Resource::${execution}${label}:*]`,
        reason,
      })),
    );
    const bucketId = stack.getLogicalId(bucket.node.defaultChild as CfnBucket);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${KEYS.runs}*]`,
      reason:
        "The Distributed Maps' item readers read a run's accounts and folder files, whose keys " +
        'hold the run id and account made at run time; only objects under work/runs/.',
    });
  }
}

/** One state of the scan definition (the ASL subset the module comment lists). */
export interface AslState {
  readonly Type: 'Task' | 'Map' | 'Choice' | 'Pass' | 'Succeed' | 'Fail';
  readonly [field: string]: unknown;
}

/** The scan state machine's Amazon States Language definition. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
}

/** A synthesized CloudFormation template, as `Template.toJSON()` or cdk.out returns it. */
export interface CfnTemplateJson {
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** What {@link scanStateMachineDefinition} puts where the template holds a reference. */
export interface DefinitionRefs {
  /** The Leash bucket's name in `ItemReader.Parameters.Bucket`. @default `leash-bucket` */
  readonly bucketName?: string;
  /** `AWS::Partition` in the integration ARNs. @default `aws` */
  readonly partition?: string;
  /**
   * Which state machine: the construct id under the stack (`Scan`, `Containment`).
   * @default `Scan`
   */
  readonly machine?: string;
  /** A queue's URL (SqsSendMessage's `QueueUrl`). @default `dead-letters` */
  readonly queueUrl?: string;
}

/**
 * The scan state machine's definition, out of a synthesized LeashStack template, ready for an
 * in-process interpreter: every `FunctionName` is the handler's name (`start-scan`, …, i.e. the
 * file functions/<name>.ts, read from the function's POWERTOOLS_SERVICE_NAME), the bucket is
 * `refs.bucketName`, and `arn:<partition>:states:::lambda:invoke` / `s3:getObject` name the
 * integrations. Works on any template of the stack, whichever handler entries it was built with.
 *
 * @param template `Template.fromStack(stack).toJSON()`, or cdk.out/Leash.template.json parsed
 * @param refs values for the references the definition holds
 * @returns the parsed definition
 * @throws Error when the template has no or several state machines, or a reference the helper
 *   cannot resolve (a new one belongs in this function)
 */
export function scanStateMachineDefinition(
  template: CfnTemplateJson | { readonly Resources?: unknown },
  refs: DefinitionRefs = {},
): AslDefinition {
  const resources = (template.Resources ?? {}) as CfnTemplateJson['Resources'];
  const prefix = `${refs.machine ?? 'Scan'}StateMachine`;
  const machines = Object.entries(resources)
    .filter(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith(prefix))
    .map(([, r]) => r);
  if (machines.length !== 1) {
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  }
  const definition = machines[0]!.Properties?.DefinitionString as
    | string
    | { 'Fn::Join': [string, unknown[]] };
  if (typeof definition === 'string') return JSON.parse(definition) as AslDefinition;

  const resolve = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const ref = (part as { Ref?: string }).Ref;
    if (ref === 'AWS::Partition') return refs.partition ?? 'aws';
    if (ref && resources[ref]?.Type === 'AWS::S3::Bucket') return refs.bucketName ?? 'leash-bucket';
    if (ref && resources[ref]?.Type === 'AWS::SQS::Queue') return refs.queueUrl ?? 'dead-letters';
    const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt && getAtt[1] === 'Arn' && resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') {
      const env = resources[getAtt[0]]!.Properties?.Environment as
        | { Variables?: Record<string, string> }
        | undefined;
      const name = env?.Variables?.POWERTOOLS_SERVICE_NAME;
      if (name) return name;
    }
    throw new Error(`cannot resolve ${JSON.stringify(part)} in the scan definition`);
  };
  const [separator, parts] = definition['Fn::Join'];
  return JSON.parse(parts.map(resolve).join(separator)) as AslDefinition;
}
