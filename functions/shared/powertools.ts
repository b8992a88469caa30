/**
 * One Logger, Tracer and Metrics per function (STYLE.md §4), and the wrapper every handler goes
 * through: Lambda context on each log line, the run id appended once known, metrics flushed and
 * state cleared after every invocation whether it succeeded or threw.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/** `POWERTOOLS_SERVICE_NAME` (set per function by the stack) overrides it. */
const serviceName = 'leash';

export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: 'Leash' });

/**
 * Wraps a handler body: adds the Lambda context to the logger, logs a failure once with its
 * cause, flushes metrics and clears per-invocation log keys.
 * @param body the handler's work; it may call `logger.appendKeys({ runId })`
 */
export function lambdaHandler<I, O>(
  body: (event: I, context: Context) => Promise<O>,
): (event: I, context: Context) => Promise<O> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await body(event, context);
    } catch (err) {
      logger.error('invocation failed', err as Error);
      throw err;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
