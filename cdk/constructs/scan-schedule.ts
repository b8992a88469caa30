import { Duration, TimeZone } from 'aws-cdk-lib';
import {
  ContextAttribute,
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** Properties of {@link ScanSchedule}. */
export interface ScanScheduleProps {
  readonly stateMachine: IStateMachine;
  /** A Scheduler cron or rate expression (`leash:scanSchedule`). */
  readonly expression: string;
  /** IANA time zone of the expression (`leash:scheduleTimezone`). */
  readonly timeZone: string;
  readonly scheduleGroup: IScheduleGroup;
}

/**
 * Starts a scan every day (by default): an EventBridge Scheduler schedule whose target starts an
 * execution of the scan state machine. Scheduler names each execution uniquely, and the execution
 * name becomes the run id. The input sets `asOf` to the schedule's own time, so a start that
 * Scheduler retries covers the same window. A start that still fails after the retries goes to
 * the dead-letter queue.
 */
export class ScanSchedule extends Construct {
  public readonly schedule: Schedule;
  public readonly deadLetterQueue: DeadLetterQueue;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the state machine and when to start it
   */
  constructor(scope: Construct, id: string, props: ScanScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters');
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Leash: starts the daily scan',
      scheduleGroup: props.scheduleGroup,
      schedule: ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      target: new StepFunctionsStartExecution(props.stateMachine, {
        input: ScheduleTargetInput.fromObject({ asOf: ContextAttribute.scheduledTime }),
        deadLetterQueue: this.deadLetterQueue.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }
}
