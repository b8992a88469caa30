import { Duration, TimeZone } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** Properties of {@link WeeklyReportSchedule}. */
export interface WeeklyReportScheduleProps {
  /** The send-weekly-report function. */
  readonly fn: IFunction;
  /** A Scheduler cron or rate expression (`leash:reportSchedule`). */
  readonly expression: string;
  /** IANA time zone of the expression (`leash:scheduleTimezone`). */
  readonly timeZone: string;
  readonly scheduleGroup: IScheduleGroup;
}

/**
 * Sends the weekly report (Monday 07:00 UTC by default): an EventBridge Scheduler schedule that
 * invokes send-weekly-report asynchronously with the schedule's own time as `asOf`. An invocation
 * Scheduler cannot make after its retries goes to this schedule's dead-letter queue; one the
 * function fails goes to the function's own.
 */
export class WeeklyReportSchedule extends Construct {
  public readonly schedule: Schedule;
  public readonly deadLetterQueue: DeadLetterQueue;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the function and when to invoke it
   */
  constructor(scope: Construct, id: string, props: WeeklyReportScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters');
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Leash: sends the weekly report',
      scheduleGroup: props.scheduleGroup,
      schedule: ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      target: new LambdaInvoke(props.fn, {
        input: ScheduleTargetInput.fromObject({ asOf: ContextAttribute.scheduledTime }),
        deadLetterQueue: this.deadLetterQueue.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
      }),
    });
  }
}
