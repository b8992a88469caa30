/**
 * The AWS side of the containment pipeline tests: what the containment functions find on moto
 * (the bucket and table, the audit table, the notification topic), and Step Functions' answer
 * to SendTaskSuccess, which moto cannot give for the test interpreter's task tokens.
 */
import { SendTaskSuccessCommand, type SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import type { Json } from '#test/helpers/asl.ts';
import type { TokenDesk } from '#test/helpers/containment-run.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { createBucketAndTable, motoDynamo, REGION } from '#test/helpers/scan-run.ts';

/**
 * Resets moto and creates the bucket, the table, the audit table and the notification topic.
 * @returns the topic's ARN
 */
export async function prepareContainmentAws(
  endpoint: string,
  auditTable: string,
): Promise<{ topicArn: string }> {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
  const dynamo = motoDynamo(endpoint);
  await ensureTable(dynamo, auditTable);
  dynamo.destroy();
  const sns = new SNSClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'leash-notifications' }));
  sns.destroy();
  return { topicArn: TopicArn! };
}

/**
 * Makes the mocked SendTaskSuccess hand the output to the waiting task through `desk`, and
 * answer as Step Functions does for a token whose task timed out or ended (TaskTimedOut).
 */
export function answerTaskTokens(sfn: AwsClientStub<SFNClient>, desk: TokenDesk): void {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => {
    try {
      desk.answer(input.taskToken, JSON.parse(input.output) as Json);
    } catch (error) {
      throw new TaskTimedOut({ message: (error as Error).message, $metadata: {} });
    }
    return {};
  });
}
