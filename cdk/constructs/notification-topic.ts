import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** Properties of {@link NotificationTopic}. */
export interface NotificationTopicProps {
  /** Addresses subscribed by email; each must confirm the subscription AWS mails to it. */
  readonly emails: readonly string[];
}

/**
 * The SNS topic Leash tells people through: alarms on its own failures now, the weekly report's
 * headline and approval requests later. Encrypted with its own customer-managed key (AWS-managed
 * `alias/aws/sns` cannot be used by CloudWatch alarms, which must be allowed in the key policy),
 * and its topic policy denies publishing or subscribing without TLS.
 */
export class NotificationTopic extends Construct {
  public readonly topic: Topic;
  public readonly key: Key;
  /** Notifications SNS could not deliver to a subscriber. */
  public readonly deadLetterQueue: DeadLetterQueue;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the email subscribers
   */
  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Leash: encrypts the notification topic',
      enableKeyRotation: true,
      // Deleting the key would only make undelivered messages unreadable; nothing is kept under it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Leash',
      masterKey: this.key,
      enforceSSL: true,
    });

    // CloudWatch publishes alarm state changes as a service: it needs the topic policy to let it
    // publish (the TLS-only policy replaces SNS's default one), limited to this account's alarms,
    // and the key policy to let it make and read the message's data key. The key statement has no
    // source conditions: AWS documents it without them and does not promise they are set on the
    // KMS calls SNS makes for the publisher, and a condition that is absent would silently stop
    // every alarm mail. The key encrypts only this topic's messages, and only the topic policy
    // decides who may publish (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
    const alarms = new ServicePrincipal('cloudwatch.amazonaws.com');
    const fromOwnAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
      },
    };
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowOwnAlarms',
        principals: [alarms],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOwnAlarms,
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowAlarmsToPublish',
        principals: [alarms],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        // In a key policy, `*` means this key.
        resources: ['*'],
      }),
    );

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters');
    for (const email of props.emails) {
      this.topic.addSubscription(
        new EmailSubscription(email, { deadLetterQueue: this.deadLetterQueue.queue }),
      );
    }
  }
}
