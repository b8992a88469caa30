import { Duration, TimeZone } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  type IScheduleGroup,
  type IScheduleTarget,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** When a schedule fires: the settings every Leash schedule takes. */
export interface ScheduleTimingProps {
  /** A Scheduler cron or rate expression (`leash:scanSchedule`, `leash:reportSchedule`). */
  readonly expression: string;
  /** IANA time zone of the expression (`leash:scheduleTimezone`). */
  readonly timeZone: string;
  readonly scheduleGroup: IScheduleGroup;
}

/** Properties of {@link LeashSchedule}. */
export interface LeashScheduleProps extends ScheduleTimingProps {
  readonly description: string;
  /** The target, given the queue a delivery Scheduler gives up on goes to. */
  readonly target: (deadLetterQueue: IQueue) => IScheduleTarget;
}

/**
 * An EventBridge Scheduler schedule with a dead-letter queue of its own (which the failure
 * alarms watch). Its target gets the schedule's own time as `asOf`, so a delivery Scheduler
 * retries covers the same window.
 */
export class LeashSchedule extends Construct {
  public readonly schedule: Schedule;
  public readonly deadLetterQueue: DeadLetterQueue;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props when to fire, and the target
   */
  constructor(scope: Construct, id: string, props: LeashScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters');
    this.schedule = new Schedule(this, 'Schedule', {
      description: props.description,
      scheduleGroup: props.scheduleGroup,
      schedule: ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      target: props.target(this.deadLetterQueue.queue),
    });
  }
}

/** The input of every Leash schedule: the scheduled time, stable across Scheduler's retries. */
const SCHEDULED_TIME_INPUT = ScheduleTargetInput.fromObject({
  asOf: ContextAttribute.scheduledTime,
});

/**
 * Starts a scan every day (by default): the target starts an execution of the scan state
 * machine. Scheduler names each execution uniquely, and the execution name becomes the run id.
 * A start that still fails after the retries goes to the dead-letter queue.
 */
export class ScanSchedule extends LeashSchedule {
  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the state machine and when to start it
   */
  constructor(
    scope: Construct,
    id: string,
    props: ScheduleTimingProps & { readonly stateMachine: IStateMachine },
  ) {
    super(scope, id, {
      ...props,
      description: 'Leash: starts the daily scan',
      target: (deadLetterQueue) =>
        new StepFunctionsStartExecution(props.stateMachine, {
          input: SCHEDULED_TIME_INPUT,
          deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
    });
  }
}

/**
 * Sends the weekly report (Monday 07:00 UTC by default): the target invokes send-weekly-report
 * asynchronously. An invocation Scheduler cannot make after its retries goes to this schedule's
 * dead-letter queue; one the function fails goes to the function's own.
 */
export class WeeklyReportSchedule extends LeashSchedule {
  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the send-weekly-report function and when to invoke it
   */
  constructor(
    scope: Construct,
    id: string,
    props: ScheduleTimingProps & { readonly fn: IFunction },
  ) {
    super(scope, id, {
      ...props,
      description: 'Leash: sends the weekly report',
      target: (deadLetterQueue) =>
        new LambdaInvoke(props.fn, {
          input: SCHEDULED_TIME_INPUT,
          deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(2),
        }),
    });
  }
}
