import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * An SQS queue that keeps what a schedule, an asynchronous invocation or an email subscription
 * could not deliver, for 14 days (the SQS maximum) so someone can look at it after the alarm on
 * it fires. Encrypted with SQS-managed keys (SSE-SQS): the senders (EventBridge Scheduler,
 * Lambda, SNS) then need no KMS permission, and the messages hold run inputs and notifications,
 * not credentials. Requests without TLS are denied.
 */
export class DeadLetterQueue extends Construct {
  public readonly queue: Queue;

  /**
   * @param scope the parent construct
   * @param id the construct id
   */
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const reason =
      'This queue is itself a dead-letter queue (of a Scheduler target, asynchronous Lambda ' +
      'invocations or an SNS subscription); a dead-letter queue of a dead-letter queue would ' +
      'only move the same messages, and an alarm on its depth tells the operator instead.';
    Validations.of(this.queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
    );
  }
}
