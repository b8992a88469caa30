/** A Lambda context for calling exported handlers directly. */
import type { Context } from 'aws-lambda';

/** A context as Lambda passes it, for a function of the given name. */
export function aLambdaContext(functionName = 'leash-test', remainingMs = 900_000): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: '00000000-0000-4000-8000-000000000001',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - started),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
