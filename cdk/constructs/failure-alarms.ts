import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Properties of {@link FailureAlarms}. */
export interface FailureAlarmsProps {
  /** Where every alarm is sent (not the return to OK, which would double the mail). */
  readonly topic: ITopic;
}

/** How long one alarm looks at its metric. */
const PERIOD = Duration.minutes(5);

/**
 * CloudWatch alarms on Leash's own failures, each sending its state changes to the notification
 * topic. Every alarm fires on the first failure (Sum >= 1 over five minutes): Leash runs a few
 * times a day, so there is no background error rate to tolerate, and a missing data point means
 * nothing ran, which is not a failure.
 */
export class FailureAlarms extends Construct {
  public readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the topic the alarms notify
   */
  constructor(scope: Construct, id: string, props: FailureAlarmsProps) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
  }

  /**
   * Alarms when the function reports an error (a thrown handler, a timeout, out of memory).
   * @param name the function's Leash name, e.g. `collect-account`
   */
  addFunction(name: string, fn: IFunction): void {
    this.add(`${name}-errors`, `Leash ${name} failed`, fn.metricErrors({ period: PERIOD }));
  }

  /** Alarms when an execution of the state machine fails, and when one times out. */
  addStateMachine(name: string, stateMachine: IStateMachine): void {
    this.add(
      `${name}-failed`,
      `A Leash ${name} execution failed: open it in the Step Functions console`,
      stateMachine.metricFailed({ period: PERIOD }),
    );
    this.add(
      `${name}-timed-out`,
      `A Leash ${name} execution timed out`,
      stateMachine.metricTimedOut({ period: PERIOD }),
    );
  }

  /** Alarms when a dead-letter queue holds a message. */
  addDeadLetterQueue(name: string, queue: IQueue): void {
    this.add(
      `${name}-dead-letters`,
      `Leash could not deliver ${name}: read the message in its dead-letter queue`,
      queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
    );
  }

  private add(id: string, description: string, metric: IMetric): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}
