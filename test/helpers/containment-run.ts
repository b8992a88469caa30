/**
 * Running the containment state machine in-process: its definition exactly as `cdk synth` emits
 * it, walked by the test ASL interpreter (test/helpers/asl.ts), which calls the exported handlers
 * for its tasks. The approval wait is a {@link TokenDesk}: wait-for-approval's task token is held
 * there until an answer (the approval endpoint or `leash approve`, whose SendTaskSuccess the
 * caller routes to {@link TokenDesk.answer}) or a timeout releases it. No vitest here, so the
 * benchmark uses it too.
 */

import { randomUUID } from 'node:crypto';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { type Json, runStateMachine } from '#test/helpers/asl.ts';
import { scanStateMachineDefinition } from '../../cdk/constructs/scan-state-machine.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';

/** A handler called in-process. */
export type CallHandler = (event: unknown) => Promise<unknown>;

/** The containment state machine as `cdk synth` emits it, with function names for handlers. */
export function containmentDefinition(context: Record<string, unknown> = {}): Json {
  // Bundling is skipped: only the definition is wanted, not the functions' code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new LeashStack(app, 'Leash');
  const template = Template.fromStack(stack).toJSON();
  return scanStateMachineDefinition(template, {
    machine: 'Containment',
    queueUrl: 'containment-dead-letters',
  }) as unknown as Json;
}

/** An error the interpreter treats as the task's timeout. */
class TaskTimeoutError extends Error {
  constructor() {
    super('the approval wait timed out');
    this.name = 'States.Timeout';
  }
}

/** Holds task tokens until they are answered or time out. */
export class TokenDesk {
  private readonly waiting = new Map<
    string,
    { resolve: (v: Json) => void; reject: (e: Error) => void }
  >();
  private readonly arrivals: ((token: string) => void)[] = [];
  private readonly early: string[] = [];

  /** The interpreter's hook: resolves with the answer's output. */
  wait = (token: string): Promise<Json> =>
    new Promise<Json>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject });
      const next = this.arrivals.shift();
      if (next) next(token);
      else this.early.push(token);
    });

  /** The next token that starts waiting (or one already waiting). */
  nextToken(): Promise<string> {
    const token = this.early.shift();
    if (token) return Promise.resolve(token);
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  /**
   * SendTaskSuccess: resumes the execution waiting on the token.
   * @throws Error named TaskDoesNotExist for a token nothing waits on
   */
  answer(token: string, output: Json): void {
    const waiter = this.waiting.get(token);
    if (!waiter) {
      const error = new Error(`no task waits on ${token}`);
      error.name = 'TaskDoesNotExist';
      throw error;
    }
    this.waiting.delete(token);
    waiter.resolve(output);
  }

  /** Makes the wait on a token time out (its TimeoutSeconds passed). */
  timeOut(token: string): void {
    const waiter = this.waiting.get(token);
    this.waiting.delete(token);
    waiter?.reject(new TaskTimeoutError());
  }
}

/** What one execution did. */
export interface ContainmentExecution {
  trace: string[];
  /** The final state's output, or the failure. */
  output: Json | null;
  error: { error: string; cause: string } | null;
  /** Messages RejectEvent sent to the dead-letter queue. */
  deadLetters: Json[];
  /** Each function's outputs, by handler name. */
  outputs: Map<string, unknown[]>;
}

/** Options of {@link runContainment}. */
export interface RunOptions {
  definition: Json;
  handlers: Record<string, CallHandler>;
  desk: TokenDesk;
  /**
   * Called when a task fails with IdentityBusyError, before the interpreter retries it (the
   * interpreter does not wait the Retry interval; this stands in for it).
   */
  backoff?: () => Promise<void>;
}

/**
 * Runs one execution for an EventBridge event, as the rule's target would start it.
 * @returns what happened; a failed execution is returned, not thrown
 */
export async function runContainment(
  event: Json,
  options: RunOptions,
): Promise<ContainmentExecution> {
  const trace: string[] = [];
  const deadLetters: Json[] = [];
  const outputs = new Map<string, unknown[]>();
  const run: ContainmentExecution = { trace, output: null, error: null, deadLetters, outputs };
  try {
    run.output = await runStateMachine(
      options.definition as { [k: string]: Json },
      event,
      {
        trace,
        invoke: async (name, payload) => {
          const handler = options.handlers[name];
          if (!handler) throw new Error(`the definition calls an unknown function ${name}`);
          try {
            const out = await handler(payload);
            outputs.set(name, [...(outputs.get(name) ?? []), out]);
            return out as Json;
          } catch (error) {
            if ((error as Error).name === 'IdentityBusyError') await options.backoff?.();
            throw error;
          }
        },
        getObject: () => Promise.reject(new Error('containment reads no S3 item lists')),
        waitForTaskToken: (token) => options.desk.wait(token),
        sendMessage: async (_queue, body) => {
          deadLetters.push(body);
        },
      },
      { name: randomUUID(), startTime: new Date().toISOString() },
    );
  } catch (error) {
    const e = error as { error?: string; causeText?: string; message: string };
    if (e.error === undefined) throw error;
    run.error = { error: e.error, cause: e.causeText ?? e.message };
  }
  return run;
}

/** A `Finding Created` event as publish-events puts it. */
export function findingCreatedEvent(f: {
  accountId: string;
  arn: string;
  name: string;
  class: 'human' | 'workload' | 'ai-agent' | null;
  type?: string;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
  ruleId?: string;
  key?: string;
  runId?: string;
  at?: number;
}): Json {
  const time = new Date(f.at ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Finding Created',
    source: 'leash',
    account: f.accountId,
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      runId: f.runId ?? 'scan-1',
      finding: {
        key: f.key ?? `LP-AI-001|${f.arn}`,
        ruleId: f.ruleId ?? 'LP-AI-001',
        severity: f.severity ?? 'critical',
        title: `${f.name} holds far more than it uses`,
        evidence: {},
        truncated: false,
        firstSeen: time,
      },
      identity: {
        id: f.arn,
        name: f.name,
        class: f.class,
        aiRole: f.class === 'ai-agent' ? 'agent' : null,
        type: f.type ?? 'role',
        accountId: f.accountId,
      },
      findings: { bucket: 'leash-bucket', key: 'findings/x/findings.json' },
    },
  };
}

/** A `Containment Requested` event from another tool. */
export function containmentRequestedEvent(detail: Json, at = Date.now()): Json {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Containment Requested',
    source: 'soc.tooling',
    account: '123456789012',
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/** The approval endpoint's event: a function URL request signed by `approver`. */
export function approvalRequest(
  approver: string,
  body: { requestId: string; decision: 'approve' | 'deny'; reason?: string },
): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body: JSON.stringify(body),
    requestContext: {
      accountId: '123456789012',
      apiId: 'url-id',
      domainName: 'url-id.lambda-url.us-east-1.on.aws',
      domainPrefix: 'url-id',
      http: {
        method: 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      authorizer: {
        iam: {
          accessKey: 'AKIA',
          accountId: '123456789012',
          callerId: 'AROA:alice',
          cognitoIdentity: null,
          principalOrgId: '',
          userArn: approver,
          userId: 'AROA:alice',
        },
      },
    },
  };
}
