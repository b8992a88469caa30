/**
 * SQS on the moto server, spoken in its JSON protocol over fetch: the tests read what
 * EventBridge rules and SNS subscriptions deliver, and Leash itself has no SQS client
 * (`@aws-sdk/client-sqs` is not a dependency). moto routes a request by the service named in its
 * Authorization header's credential scope and does not check the signature.
 */
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

/** A queue: its URL for the API and its ARN for rules and subscriptions. */
export interface TestQueue {
  url: string;
  arn: string;
}

/** SQS of a moto server. */
export class MotoSqs {
  constructor(
    private readonly endpoint: string,
    private readonly region = 'us-east-1',
  ) {}

  private async call<T>(action: string, body: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': `AmazonSQS.${action}`,
        Authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20260101/${this.region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`SQS ${action} failed: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Creates a queue. */
  async createQueue(name: string): Promise<TestQueue> {
    const { QueueUrl } = await this.call<{ QueueUrl: string }>('CreateQueue', { QueueName: name });
    const { Attributes } = await this.call<{ Attributes: { QueueArn: string } }>(
      'GetQueueAttributes',
      { QueueUrl, AttributeNames: ['QueueArn'] },
    );
    return { url: QueueUrl, arn: Attributes.QueueArn };
  }

  /** Receives and deletes every message waiting in the queue; their bodies, in order. */
  async drain(queue: TestQueue): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await this.call<{
        Messages?: { Body: string; ReceiptHandle: string }[];
      }>('ReceiveMessage', { QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
      if (Messages.length === 0) return bodies;
      for (const m of Messages) {
        bodies.push(m.Body);
        await this.call('DeleteMessage', { QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle });
      }
    }
  }
}
