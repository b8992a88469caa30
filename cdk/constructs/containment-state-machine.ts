/**
 * Containment as a Step Functions state machine (STANDARD, JSONPath), started by EventBridge
 * rules on the Leash bus for `Finding Created` (source `leash`) and `Containment Requested` (any
 * source). The steps and their data are those of functions/shared/contract.ts:
 *
 * ```
 * Decide ─▶ Route? applying ─────────▶ Apply ─▶ Applied? ─▶ Contained | NotApplied (fails)
 *                  awaiting-approval ─▶ WaitForApproval (.waitForTaskToken, timeout = expiry)
 *                                         ├─ answer ─▶ Answered? approved ─▶ ApplyApproved ─▶ Applied?
 *                                         │                      otherwise ─▶ NotContained
 *                                         └─ States.Timeout ─▶ ExpireApproval ─▶ NotContained
 *                  otherwise (refused, forbidden, nothing to contain, replayed) ─▶ NotContained
 * Decide fails with MalformedContainmentRequestError ─▶ RejectEvent (to the dead-letter queue) ─▶ Rejected
 * ```
 *
 * Every step is idempotent (the use cases resume a request from its audit chain), so the rules'
 * retries and EventBridge's at-least-once delivery never apply anything twice. A second request
 * for an identity another one is changing fails its step with IdentityBusyError, retried with
 * backoff until the first is done.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  DETAIL_TYPES,
  EVENT_SOURCE,
  IDENTITY_BUSY_ERROR,
  MALFORMED_EVENT_ERROR,
} from '#functions/shared/contract.ts';
import type { ContainmentHandlerName } from './leash-functions.ts';
import { LAMBDA_RETRY_ERRORS } from './scan-state-machine.ts';
import { observeStateMachine } from './state-machine-observability.ts';

/** Properties of {@link ContainmentStateMachine}. */
export interface ContainmentStateMachineProps {
  /** The containment functions, by handler name. */
  readonly functions: Readonly<Record<ContainmentHandlerName, IFunction>>;
  /** The Leash bus the rules listen on. */
  readonly eventBus: IEventBus;
  /** Where malformed events and undeliverable ones go. */
  readonly deadLetterQueue: IQueue;
  /** How long an approval request waits: the wait task's timeout. */
  readonly approvalTtl: Duration;
  /**
   * IAM path of the state machine's role.
   * @default `/`
   */
  readonly rolePath?: string;
}

/**
 * The containment state machine, its role, log group and the two rules that start it. See the
 * module comment for the flow.
 */
export class ContainmentStateMachine extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly logGroup: LogGroup;
  public readonly role: Role;
  /** `Finding Created` and `Containment Requested`. */
  public readonly rules: readonly Rule[];

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the functions, the bus, the dead-letter queue and the approval expiry
   */
  constructor(scope: Construct, id: string, props: ContainmentStateMachineProps) {
    super(scope, id);
    const fns = props.functions;
    const invoke = (
      name: string,
      fn: ContainmentHandlerName,
      payload: TaskInput,
      options: { comment?: string; outputPath?: string; resultPath?: string } = {},
    ): LambdaInvoke => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: fns[fn],
        payload,
        retryOnServiceExceptions: false,
        ...options,
      });
      task.addRetry({
        errors: [...LAMBDA_RETRY_ERRORS],
        interval: Duration.seconds(1),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(30),
        jitterStrategy: JitterType.FULL,
      });
      return task;
    };
    const byRequest = (approved: boolean) =>
      TaskInput.fromObject({ requestId: JsonPath.stringAt('$.requestId'), approved });
    /** Another request holds the identity's lock: wait for it, with backoff, up to ~10 minutes. */
    const retryBusy = (task: LambdaInvoke) =>
      task.addRetry({
        errors: [IDENTITY_BUSY_ERROR],
        interval: Duration.seconds(1),
        maxAttempts: 12,
        backoffRate: 1.5,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      });

    const notContained = new Succeed(this, 'NotContained', {
      comment: 'Refused, forbidden, denied, expired, nothing to contain, or already handled.',
    });
    const contained = new Succeed(this, 'Contained');
    const applied = new Choice(this, 'Applied')
      .when(Condition.stringEquals('$.status', 'applied'), contained)
      .when(Condition.stringEquals('$.status', 'refused'), notContained)
      .otherwise(
        new Fail(this, 'NotApplied', {
          error: 'Leash.ContainmentFailed',
          cause: 'A call failed or the read-back did not show the effect: see `leash audit ID`.',
        }),
      );

    const decide = invoke('Decide', 'decide-containment', TaskInput.fromJsonPathAt('$'), {
      comment: 'The EventBridge event in; the request id and where it stands out.',
      outputPath: '$.Payload',
    });
    retryBusy(decide);
    const reject = new SqsSendMessage(this, 'RejectEvent', {
      comment: 'A malformed event, with the reason, for a person to read (the queue alarms).',
      queue: props.deadLetterQueue,
      messageBody: TaskInput.fromObject({
        error: JsonPath.stringAt('$.rejected.Error'),
        cause: JsonPath.stringAt('$.rejected.Cause'),
        event: JsonPath.objectAt('$$.Execution.Input'),
      }),
      resultPath: JsonPath.DISCARD,
    });
    reject.next(
      new Fail(this, 'Rejected', {
        error: MALFORMED_EVENT_ERROR,
        causePath: '$.rejected.Cause',
      }),
    );
    decide.addCatch(reject, { errors: [MALFORMED_EVENT_ERROR], resultPath: '$.rejected' });

    const apply = invoke('Apply', 'apply-containment', byRequest(false), {
      outputPath: '$.Payload',
    });
    retryBusy(apply);
    const applyApproved = invoke('ApplyApproved', 'apply-containment', byRequest(true), {
      outputPath: '$.Payload',
    });
    retryBusy(applyApproved);
    const expire = invoke(
      'ExpireApproval',
      'expire-approvals',
      TaskInput.fromObject({ requestId: JsonPath.stringAt('$.requestId') }),
      { resultPath: JsonPath.DISCARD },
    );
    retryBusy(expire);
    const wait = new LambdaInvoke(this, 'WaitForApproval', {
      comment:
        'Stores the approval request with the task token and tells the approvers; an answer ' +
        '(endpoint, CLI, expiry sweep) sends the token back with {requestId, status, by}.',
      lambdaFunction: fns['wait-for-approval'],
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        requestId: JsonPath.stringAt('$.requestId'),
        taskToken: JsonPath.taskToken,
      }),
      taskTimeout: Timeout.duration(props.approvalTtl),
      retryOnServiceExceptions: false,
      resultPath: '$.answer',
    });
    // Only errors that mean the function did not run: a retry makes a new task token, and the
    // approval request stored by a run that did is kept with the first one.
    wait.addRetry({
      errors: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'],
      interval: Duration.seconds(1),
      maxAttempts: 4,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });
    retryBusy(wait);
    wait.addCatch(expire, { errors: ['States.Timeout'], resultPath: '$.timedOut' });
    expire.next(notContained);
    const answered = new Choice(this, 'Answered')
      .when(Condition.stringEquals('$.answer.status', 'approved'), applyApproved.next(applied))
      .otherwise(notContained);
    wait.next(answered);
    apply.next(applied);

    const route = new Choice(this, 'Route')
      .when(Condition.stringEquals('$.status', 'applying'), apply)
      .when(Condition.stringEquals('$.status', 'awaiting-approval'), wait)
      .otherwise(notContained);
    const definition = decide.next(route);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      path: props.rolePath ?? '/',
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      role: this.role,
      // The longest path: the approval wait, then the apply with its retries.
      timeout: props.approvalTtl.plus(Duration.hours(1)),
      comment: 'Leash: decides, approves, applies and records one containment request.',
    });

    const loggingReason =
      'Logged at ERROR without execution data on purpose: state inputs name identities and ' +
      'hold task tokens, which do not belong in a log group; every step is in the audit log, ' +
      'and failures are logged and alarmed.';
    observeStateMachine(this, {
      stateMachine: this.stateMachine,
      role: this.role,
      logGroup: this.logGroup,
      why: loggingReason,
    });

    // EventBridge delivers at least once and retries a failed StartExecution for up to a day;
    // what it cannot deliver goes to the dead-letter queue.
    const target = () =>
      new SfnStateMachine(this.stateMachine, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 12,
        maxEventAge: Duration.hours(24),
      });
    this.rules = [
      new Rule(this, 'FindingCreated', {
        description: 'Leash: a new high or critical finding may call for containment',
        eventBus: props.eventBus,
        eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPES.findingCreated] },
        targets: [target()],
      }),
      new Rule(this, 'ContainmentRequested', {
        description: 'Leash: any tool asks for a containment (policy still decides)',
        eventBus: props.eventBus,
        eventPattern: { detailType: [DETAIL_TYPES.containmentRequested] },
        targets: [target()],
      }),
    ];
  }
}
