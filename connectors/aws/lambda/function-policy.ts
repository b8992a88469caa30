/**
 * Reads who may invoke a Lambda function from its resource-based policy (the JSON string that
 * `GetPolicy` returns). Pure: fixture-tested, no client.
 */
import type { LambdaFunctionInfo } from '#core/iam/inventory.ts';

/** One (principal, action, source) a function's policy allows. */
export type Invoker = LambdaFunctionInfo['invokers'][number];

interface PolicyStatement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

/**
 * Lists the invokers a function policy allows: one entry per principal × action × source ARN ×
 * source account of each `Allow` statement. `Deny` statements and statements without a
 * `Principal` are skipped (Lambda policies allow nothing else). Principals are kept as written,
 * except a bare account id, which Lambda's own API turns into the account's root ARN.
 * `aws:SourceArn` and `aws:SourceAccount` are read from any condition operator, with keys
 * compared case-insensitively as IAM does.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_GetPolicy.html
 * @param policy the `Policy` string from GetPolicy
 * @param partition partition of the function, for account-id principals
 * @throws SyntaxError when the policy is not JSON (GetPolicy always returns JSON)
 */
export function parseInvokers(policy: string, partition = 'aws'): Invoker[] {
  const doc = JSON.parse(policy) as { Statement?: unknown };
  const out: Invoker[] = [];
  for (const raw of asArray(doc.Statement)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const st = raw as PolicyStatement;
    if (st.Effect !== 'Allow' || st.Principal === undefined) continue;
    const sid = typeof st.Sid === 'string' && st.Sid !== '' ? st.Sid : undefined;
    const sourceArns = conditionValues(st.Condition, 'aws:sourcearn');
    const sourceAccounts = conditionValues(st.Condition, 'aws:sourceaccount');
    for (const principal of principals(st.Principal, partition)) {
      for (const action of strings(st.Action)) {
        for (const sourceArn of orUndefined(sourceArns)) {
          for (const sourceAccount of orUndefined(sourceAccounts)) {
            out.push({
              principal,
              action,
              ...(sourceArn !== undefined ? { sourceArn } : {}),
              ...(sourceAccount !== undefined ? { sourceAccount } : {}),
              ...(sid !== undefined ? { sid } : {}),
            });
          }
        }
      }
    }
  }
  return out;
}

/** Principals of a statement: `"*"`, or every value of `{ AWS, Service, Federated, ... }`. */
function principals(principal: unknown, partition: string): string[] {
  if (typeof principal === 'string') return [normalisePrincipal(principal, partition)];
  if (typeof principal !== 'object' || principal === null) return [];
  return Object.values(principal).flatMap((v) =>
    strings(v).map((p) => normalisePrincipal(p, partition)),
  );
}

function normalisePrincipal(p: string, partition: string): string {
  return /^\d{12}$/.test(p) ? `arn:${partition}:iam::${p}:root` : p;
}

/** Values of a condition key under any operator (`ArnLike`, `StringEquals`, ...). */
function conditionValues(condition: unknown, key: string): string[] {
  if (typeof condition !== 'object' || condition === null) return [];
  const out: string[] = [];
  for (const block of Object.values(condition)) {
    if (typeof block !== 'object' || block === null) continue;
    for (const [k, v] of Object.entries(block))
      if (k.toLowerCase() === key) out.push(...strings(v));
  }
  return out;
}

function strings(v: unknown): string[] {
  return asArray(v).filter((x): x is string => typeof x === 'string');
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function orUndefined(values: string[]): (string | undefined)[] {
  return values.length > 0 ? values : [undefined];
}
