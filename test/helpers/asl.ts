/**
 * A small Amazon States Language interpreter for tests: it walks the scan state machine exactly as
 * CDK synthesized it and calls the real handlers in-process, so the tests prove that the
 * definition's paths, choices, maps and the handlers' inputs and outputs fit together.
 *
 * It covers the subset Leash's definitions use (JSONPath query language): Task (`lambda:invoke`,
 * with `Payload`/`Payload.$`, Retry and Catch; `lambda:invoke.waitForTaskToken`, which hands the
 * wait to the test through `waitForTaskToken`; `sqs:sendMessage` through `sendMessage`), Map (INLINE and DISTRIBUTED, `ItemReader` of a
 * JSON array in S3, `ItemsPath`, `ItemSelector`/`Parameters`, `ItemBatcher`,
 * `ToleratedFailurePercentage`), Choice, Pass, Wait (skipped), Succeed and Fail; paths `$...` and
 * `$$...` with dotted names and `[n]`; the intrinsics States.Format, States.JsonMerge,
 * States.StringToJson and States.ArrayGetItem. Anything else throws, so an unsupported feature
 * is a test failure and never a silent skip.
 *
 * See https://states-language.net/spec.html and
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** Calls one Lambda function by the ARN found in the definition. */
export type Invoke = (functionArn: string, payload: Json) => Promise<Json>;

/** What the interpreter needs from outside. */
export interface AslRuntime {
  invoke: Invoke;
  /** Reads an S3 object's body (Distributed Map ItemReader). */
  getObject(bucket: string, key: string): Promise<string>;
  /** Every state entered, in order, with its name: the tests assert the path taken. */
  trace?: string[];
  /**
   * `lambda:invoke.waitForTaskToken`: after the function returns, the execution waits here for
   * the token's answer (the test resolves it, e.g. from a mocked SendTaskSuccess). Reject with an
   * error named `States.Timeout` for a task that timed out, or `States.TaskFailed` & co.
   * @param token the task token (`$$.Task.Token`) the function was given
   * @param timeoutSeconds the state's TimeoutSeconds
   */
  waitForTaskToken?(token: string, timeoutSeconds: number | undefined): Promise<Json>;
  /** `sqs:sendMessage`: the queue URL and the message body (a string, or JSON as sent). */
  sendMessage?(queueUrl: string, body: Json): Promise<void>;
}

let tokenCounter = 0;

/** A state machine failure (a Fail state, or an error no Catch handled). */
export class ExecutionFailedError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
    this.name = 'ExecutionFailedError';
  }
}

/** An error a task raised, with its States error name. */
class TaskError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'TaskError';
  }
}

interface Ctx {
  Execution: Obj;
  State?: Obj;
  Map?: Obj;
  Task?: Obj;
}

/**
 * Runs a state machine definition to its end.
 * @returns the output of the final state
 * @throws ExecutionFailedError when the execution fails
 */
export async function runStateMachine(
  definition: Obj,
  input: Json,
  runtime: AslRuntime,
  execution: { name: string; startTime: string },
): Promise<Json> {
  const ctx: Ctx = {
    Execution: {
      Id: `arn:aws:states:us-east-1:000000000000:execution:test:${execution.name}`,
      Name: execution.name,
      StartTime: execution.startTime,
      Input: input,
    },
  };
  return runStates(definition, input, ctx, runtime);
}

async function runStates(machine: Obj, input: Json, ctx: Ctx, rt: AslRuntime): Promise<Json> {
  const states = machine.States as Obj;
  let name = machine.StartAt as string;
  let data = input;
  for (let steps = 0; steps < 10_000; steps++) {
    const state = states[name] as Obj | undefined;
    if (!state) throw new Error(`state ${name} is not defined`);
    rt.trace?.push(name);
    const stateCtx: Ctx = { ...ctx, State: { Name: name, EnteredTime: new Date().toISOString() } };
    const type = state.Type as string;
    if (type === 'Succeed') return filterPath(state.OutputPath, filterPath(state.InputPath, data));
    if (type === 'Fail')
      throw new ExecutionFailedError(
        String(state.Error ?? 'States.Fail'),
        String(
          state.Cause ??
            (state.CausePath ? readPath(state.CausePath as string, data, { Execution: {} }) : ''),
        ),
      );
    if (type === 'Choice') {
      const effective = filterPath(state.InputPath, data);
      const next = choose(state, effective);
      data = filterPath(state.OutputPath, effective);
      name = next;
      continue;
    }
    let result: Json;
    const effective = filterPath(state.InputPath, data);
    try {
      if (type === 'Pass') {
        result =
          state.Result !== undefined
            ? state.Result
            : state.Parameters !== undefined
              ? resolveTemplate(state.Parameters, effective, stateCtx)
              : effective;
      } else if (type === 'Wait') {
        result = effective;
      } else if (type === 'Task') {
        result = await withRetry(state, () => runTask(state, effective, stateCtx, rt));
      } else if (type === 'Map') {
        result = await withRetry(state, () => runMap(state, effective, stateCtx, rt));
      } else {
        throw new Error(
          `state type ${type} (state ${name}) is not supported by the test interpreter`,
        );
      }
    } catch (err) {
      if (!(err instanceof TaskError)) throw err;
      const handler = ((state.Catch as Obj[] | undefined) ?? []).find((c) =>
        matches(c.ErrorEquals as string[], err.errorName),
      );
      if (!handler) throw new ExecutionFailedError(err.errorName, err.message);
      data = applyResultPath(handler.ResultPath, data, {
        Error: err.errorName,
        Cause: err.message,
      });
      name = handler.Next as string;
      continue;
    }
    if (state.ResultSelector !== undefined)
      result = resolveTemplate(state.ResultSelector, result, stateCtx);
    data = filterPath(state.OutputPath, applyResultPath(state.ResultPath, data, result));
    if (state.End === true) return data;
    name = state.Next as string;
  }
  throw new Error('state machine did not finish within 10,000 transitions');
}

function matches(errorEquals: string[], errorName: string): boolean {
  return errorEquals.some(
    (e) =>
      e === 'States.ALL' ||
      e === errorName ||
      (e === 'States.TaskFailed' && errorName !== 'States.Timeout'),
  );
}

/** Retries a state per its Retry rules (no waiting: the interval is irrelevant in-process). */
async function withRetry(state: Obj, run: () => Promise<Json>): Promise<Json> {
  const rules = (state.Retry as Obj[] | undefined) ?? [];
  const attempts = new Map<Obj, number>();
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof TaskError)) throw err;
      const rule = rules.find((r) => matches(r.ErrorEquals as string[], err.errorName));
      if (!rule) throw err;
      const used = attempts.get(rule) ?? 0;
      if (used >= ((rule.MaxAttempts as number | undefined) ?? 3)) throw err;
      attempts.set(rule, used + 1);
    }
  }
}

async function runTask(state: Obj, input: Json, ctx: Ctx, rt: AslRuntime): Promise<Json> {
  const resource = state.Resource as string;
  if (/^arn:[^:]+:states:::lambda:invoke\.waitForTaskToken$/.test(resource))
    return runCallbackTask(state, input, ctx, rt);
  if (/^arn:[^:]+:states:::sqs:sendMessage$/.test(resource)) {
    if (!rt.sendMessage) throw new Error('the runtime has no sendMessage for sqs:sendMessage');
    const p = resolveTemplate(state.Parameters as Json, input, ctx) as Obj;
    await rt.sendMessage(String(p.QueueUrl), p.MessageBody ?? null);
    return { MessageId: `message-${++tokenCounter}` };
  }
  const params =
    state.Parameters !== undefined ? (resolveTemplate(state.Parameters, input, ctx) as Obj) : null;
  let functionArn: string;
  let payload: Json;
  let wrap: boolean;
  if (/^arn:[^:]+:states:::lambda:invoke$/.test(resource)) {
    if (!params) throw new Error('lambda:invoke without Parameters');
    functionArn = String(params.FunctionName);
    payload = params.Payload === undefined ? input : params.Payload;
    wrap = true;
  } else if (/^arn:[^:]+:lambda:/.test(resource)) {
    functionArn = resource;
    payload = params ?? input;
    wrap = false;
  } else {
    throw new Error(`task resource ${resource} is not supported by the test interpreter`);
  }
  let out: Json;
  try {
    // A round trip through JSON, as Lambda's serialisation does: no shared objects.
    out = JSON.parse(
      JSON.stringify((await rt.invoke(functionArn, JSON.parse(JSON.stringify(payload)))) ?? null),
    ) as Json;
  } catch (err) {
    const e = err as Error;
    throw new TaskError(e.name && e.name !== 'Error' ? e.name : 'Error', e.message);
  }
  return wrap ? { Payload: out, StatusCode: 200, ExecutedVersion: '$LATEST' } : out;
}

/**
 * A Lambda task with a callback: the function is invoked with the task token in its payload,
 * then the execution waits for the token's answer (SendTaskSuccess output, unwrapped).
 */
async function runCallbackTask(state: Obj, input: Json, ctx: Ctx, rt: AslRuntime): Promise<Json> {
  if (!rt.waitForTaskToken)
    throw new Error('the runtime has no waitForTaskToken for lambda:invoke.waitForTaskToken');
  // Each attempt gets a new token, as in Step Functions.
  const token = `task-token-${++tokenCounter}`;
  const taskCtx: Ctx = { ...ctx, Task: { Token: token } };
  const params = resolveTemplate(state.Parameters as Json, input, taskCtx) as Obj;
  try {
    await rt.invoke(
      String(params.FunctionName),
      JSON.parse(JSON.stringify(params.Payload ?? input)),
    );
  } catch (err) {
    const e = err as Error;
    throw new TaskError(e.name && e.name !== 'Error' ? e.name : 'Error', e.message);
  }
  try {
    return JSON.parse(
      JSON.stringify(await rt.waitForTaskToken(token, state.TimeoutSeconds as number | undefined)),
    ) as Json;
  } catch (err) {
    const e = err as Error;
    throw new TaskError(e.name.startsWith('States.') ? e.name : 'States.TaskFailed', e.message);
  }
}

async function runMap(state: Obj, input: Json, ctx: Ctx, rt: AslRuntime): Promise<Json> {
  let items: Json[];
  const reader = state.ItemReader as Obj | undefined;
  if (reader) {
    if (!/^arn:[^:]+:states:::s3:getObject$/.test(String(reader.Resource)))
      throw new Error(`ItemReader ${String(reader.Resource)} is not supported`);
    const config = (reader.ReaderConfig as Obj | undefined) ?? {};
    if (config.InputType !== 'JSON') throw new Error('only JSON ItemReader input is supported');
    const p = resolveTemplate(reader.Parameters as Json, input, ctx) as Obj;
    const body = JSON.parse(await rt.getObject(String(p.Bucket), String(p.Key))) as Json;
    if (!Array.isArray(body)) throw new TaskError('States.ItemReaderFailed', 'not a JSON array');
    items = body;
    const max = config.MaxItems as number | undefined;
    if (max !== undefined) items = items.slice(0, max);
  } else {
    const path = (state.ItemsPath as string | undefined) ?? '$';
    const value = readPath(path, input, ctx);
    if (!Array.isArray(value)) throw new TaskError('States.Runtime', `${path} is not an array`);
    items = value;
  }
  const selector = (state.ItemSelector ?? state.Parameters) as Json | undefined;
  const selected = items.map((value, index) =>
    selector === undefined
      ? value
      : resolveTemplate(selector, input, { ...ctx, Map: { Item: { Index: index, Value: value } } }),
  );
  const batcher = state.ItemBatcher as Obj | undefined;
  let units: Json[] = selected;
  if (batcher) {
    const size = (batcher.MaxItemsPerBatch as number | undefined) ?? selected.length;
    const batchInput =
      batcher.BatchInput !== undefined
        ? resolveTemplate(batcher.BatchInput, input, ctx)
        : undefined;
    units = [];
    for (let i = 0; i < selected.length; i += size) {
      units.push({
        ...(batchInput && typeof batchInput === 'object' && !Array.isArray(batchInput)
          ? batchInput
          : {}),
        Items: selected.slice(i, i + size),
      });
    }
  }
  const processor = (state.ItemProcessor ?? state.Iterator) as Obj;
  const concurrency = Math.max(1, Math.min(4, (state.MaxConcurrency as number | undefined) || 4));
  const results: Json[] = new Array(units.length).fill(null);
  let failures = 0;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= units.length) return;
      try {
        results[i] = await runStates(processor, units[i]!, ctx, rt);
      } catch (err) {
        failures++;
        results[i] =
          err instanceof ExecutionFailedError
            ? { Error: err.error, Cause: err.causeText }
            : { Error: (err as Error).name, Cause: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, units.length) }, worker));
  const tolerated = (state.ToleratedFailurePercentage as number | undefined) ?? 0;
  const toleratedCount = state.ToleratedFailureCount as number | undefined;
  if (
    failures > 0 &&
    failures * 100 > tolerated * units.length &&
    (toleratedCount === undefined || failures > toleratedCount)
  ) {
    throw new TaskError(
      'States.ExceedToleratedFailureThreshold',
      `${failures} of ${units.length} items failed`,
    );
  }
  // A ResultWriter sends results to S3 and leaves a small summary in the state's output.
  if (state.ResultWriter !== undefined) return { ProcessedItemCount: units.length };
  return results;
}

function choose(state: Obj, input: Json): string {
  for (const rule of state.Choices as Obj[]) if (evaluate(rule, input)) return rule.Next as string;
  if (state.Default) return state.Default as string;
  throw new TaskError('States.NoChoiceMatched', 'no choice matched and no Default');
}

function evaluate(rule: Obj, input: Json): boolean {
  if (rule.And) return (rule.And as Obj[]).every((r) => evaluate(r, input));
  if (rule.Or) return (rule.Or as Obj[]).some((r) => evaluate(r, input));
  if (rule.Not) return !evaluate(rule.Not as Obj, input);
  const path = rule.Variable as string;
  const present = hasPath(path, input);
  if (rule.IsPresent !== undefined) return present === rule.IsPresent;
  const value = present ? readPath(path, input, { Execution: {} }) : undefined;
  if (rule.IsNull !== undefined) return (value === null) === rule.IsNull;
  if (rule.IsBoolean !== undefined) return (typeof value === 'boolean') === rule.IsBoolean;
  if (rule.IsNumeric !== undefined) return (typeof value === 'number') === rule.IsNumeric;
  if (rule.IsString !== undefined) return (typeof value === 'string') === rule.IsString;
  const ops: [string, (a: Json | undefined, b: Json) => boolean][] = [
    ['StringEquals', (a, b) => a === b],
    ['BooleanEquals', (a, b) => a === b],
    ['NumericEquals', (a, b) => a === b],
    ['NumericGreaterThan', (a, b) => typeof a === 'number' && a > (b as number)],
    ['NumericGreaterThanEquals', (a, b) => typeof a === 'number' && a >= (b as number)],
    ['NumericLessThan', (a, b) => typeof a === 'number' && a < (b as number)],
    ['NumericLessThanEquals', (a, b) => typeof a === 'number' && a <= (b as number)],
  ];
  for (const [op, fn] of ops) {
    if (rule[op] !== undefined) return fn(value, rule[op] as Json);
    if (rule[`${op}Path`] !== undefined)
      return fn(value, readPath(rule[`${op}Path`] as string, input, { Execution: {} }));
  }
  throw new Error(`choice rule ${JSON.stringify(rule)} is not supported by the test interpreter`);
}

/** Applies InputPath/OutputPath: absent means `$`, null means `{}`. */
function filterPath(path: Json | undefined, data: Json): Json {
  if (path === undefined) return data;
  if (path === null) return {};
  return readPath(path as string, data, { Execution: {} });
}

/** Places a result per ResultPath: absent replaces with the result, null keeps the input. */
function applyResultPath(path: Json | undefined, data: Json, result: Json): Json {
  if (path === undefined || path === '$') return result;
  if (path === null) return data;
  const parts = parsePath(path as string).slice(1);
  const root = JSON.parse(JSON.stringify(data)) as Obj;
  let cursor: Obj = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    if (typeof cursor[key] !== 'object' || cursor[key] === null) cursor[key] = {};
    cursor = cursor[key] as Obj;
  }
  cursor[parts[parts.length - 1]!] = result;
  return root;
}

/** Resolves a Parameters/ItemSelector/ResultSelector template. */
function resolveTemplate(template: Json, input: Json, ctx: Ctx): Json {
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, ctx));
  if (template === null || typeof template !== 'object') return template;
  const out: Obj = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      const expr = value as string;
      out[key.slice(0, -2)] = expr.startsWith('States.')
        ? intrinsic(expr, input, ctx)
        : readPath(expr, input, ctx);
    } else {
      out[key] = resolveTemplate(value, input, ctx);
    }
  }
  return out;
}

function intrinsic(expr: string, input: Json, ctx: Ctx): Json {
  const m = /^(States\.[A-Za-z]+)\((.*)\)$/s.exec(expr);
  if (!m) throw new Error(`malformed intrinsic ${expr}`);
  const args = splitArgs(m[2]!).map((a) => {
    if (a.startsWith("'")) return a.slice(1, -1).replace(/\\'/g, "'");
    if (a.startsWith('$')) return readPath(a, input, ctx);
    if (a.startsWith('States.')) return intrinsic(a, input, ctx);
    return JSON.parse(a) as Json;
  });
  switch (m[1]) {
    case 'States.Format': {
      let i = 1;
      return String(args[0]).replace(/\{\}/g, () => {
        const v = args[i++];
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
    }
    case 'States.JsonMerge':
      return { ...(args[0] as Obj), ...(args[1] as Obj) };
    case 'States.StringToJson':
      return JSON.parse(String(args[0])) as Json;
    case 'States.ArrayGetItem':
      return (args[0] as Json[])[args[1] as number] ?? null;
    default:
      throw new Error(`intrinsic ${m[1]} is not supported by the test interpreter`);
  }
}

function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && c === '(') depth++;
    if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && c === ',') {
      out.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function parsePath(path: string): string[] {
  const m = /^(\$\$?)(.*)$/.exec(path);
  if (!m) throw new Error(`path ${path} does not start with $`);
  const parts = [m[1]!];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g;
  let consumed = 0;
  for (let x = re.exec(m[2]!); x; x = re.exec(m[2]!)) {
    parts.push(x[1] ?? x[2] ?? x[3]!);
    consumed = re.lastIndex;
  }
  if (consumed !== m[2]!.length)
    throw new Error(`path ${path} is not supported by the test interpreter`);
  return parts;
}

function hasPath(path: string, input: Json): boolean {
  let cursor: Json | undefined = input;
  for (const part of parsePath(path).slice(1)) {
    if (cursor === null || typeof cursor !== 'object') return false;
    if (!(part in cursor)) return false;
    cursor = (cursor as Obj)[part];
  }
  return true;
}

function readPath(path: string, input: Json, ctx: Ctx): Json {
  const parts = parsePath(path);
  let cursor: Json | undefined = parts[0] === '$$' ? (ctx as unknown as Json) : input;
  for (const part of parts.slice(1)) {
    if (cursor === null || typeof cursor !== 'object' || !(part in cursor))
      throw new TaskError(
        'States.Runtime',
        `path ${path} does not exist in ${JSON.stringify(parts[0] === '$$' ? ctx : input).slice(0, 300)}`,
      );
    cursor = (cursor as Obj)[part];
  }
  return cursor as Json;
}
