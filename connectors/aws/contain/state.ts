/**
 * The state AWS containment changes, read exactly as the APIs return it: for a role or user its
 * inline policies (name and document text), attached managed policies, and for a user its access
 * keys and console login profile; for a Lambda function its reserved concurrency, event source
 * mappings, function URL and the resource-policy statements that open the URL. These snapshots
 * are what the audit log records before and after, and what a rollback restores.
 */
import {
  GetLoginProfileCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  type IAMClient,
  paginateListAccessKeys,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListRolePolicies,
  paginateListUserPolicies,
} from '@aws-sdk/client-iam';
import {
  type Cors,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  type LambdaClient,
  paginateListEventSourceMappings,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { ContainmentRequestError } from '#connectors/aws/contain/errors.ts';
import { errorName } from '#connectors/shared/errors.ts';
import type { ContainmentRequest } from '#core/ports/containment.ts';

/** A role or user named by its ARN. */
export type IdentityRef = {
  type: 'role' | 'user';
  arn: string;
  /** The name without its path (what the IAM APIs take). */
  name: string;
};

/** A Lambda function named by its ARN. */
export type FunctionRef = {
  type: 'function';
  arn: string;
  name: string;
  region: string;
};

/** An access key's id and status (`Active` or `Inactive`). */
export interface AccessKeyState {
  accessKeyId: string;
  status: string;
}

/** What containment may change on a role or user. */
export type IdentityState = IdentityRef & {
  /** Inline policy name → document text, URL-decoded, byte for byte as IAM holds it. */
  inlinePolicies: Record<string, string>;
  /** ARNs of the managed policies attached directly, sorted. */
  attachedPolicies: string[];
  /** Users only: every access key, sorted by id. */
  accessKeys?: AccessKeyState[];
  /** Users only: the console password's profile, or null when the user has none. */
  loginProfile?: { createDate: string; passwordResetRequired: boolean } | null;
};

/** The function URL's configuration (the unqualified function's URL). */
export interface FunctionUrlState {
  functionUrl: string;
  authType: string;
  cors?: Cors;
  invokeMode?: string;
}

/**
 * A statement of the function's resource policy that lets callers use its URL
 * (`lambda:InvokeFunctionUrl`, or `lambda:InvokeFunction` conditioned on
 * `lambda:InvokedViaFunctionUrl`), with the AddPermission parameters that re-create it.
 */
export interface UrlPermissionState {
  sid: string;
  /** The statement as GetPolicy returned it. */
  statement: Record<string, unknown>;
  /** AddPermission input that re-creates it, or null when it carries a condition AddPermission cannot express. */
  addPermission: Record<string, string | boolean> | null;
}

/** An event source mapping's id and state (`Enabled`, `Disabled`, `Enabling`...). */
export interface EventSourceMappingState {
  uuid: string;
  eventSourceArn: string;
  state: string;
}

/** What the Lambda kill switch changes. */
export type FunctionState = FunctionRef & {
  /** Reserved concurrency, or null when none is reserved. */
  reservedConcurrency: number | null;
  /** Sorted by UUID. */
  eventSourceMappings: EventSourceMappingState[];
  url: FunctionUrlState | null;
  /** Sorted by Sid. */
  urlPermissions: UrlPermissionState[];
};

/** Either kind of AWS state. */
export type AwsState = IdentityState | FunctionState;

const IAM_ARN = /^arn:[a-z-]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/;
const LAMBDA_ARN = /^arn:[a-z-]+:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::.+)?$/;

/**
 * The role or user a request targets.
 * @throws ContainmentRequestError when the target is not a role or user ARN of the scope account
 */
export function identityRef(request: ContainmentRequest, types: readonly ('role' | 'user')[]) {
  const m = IAM_ARN.exec(request.target.id);
  const type = m?.[2] as 'role' | 'user' | undefined;
  if (!m || !type || !types.includes(type) || m[1] !== request.target.scope)
    throw new ContainmentRequestError(
      `${request.kind} needs the ARN of a ${types.join(' or ')} in account ${request.target.scope}; got ${request.target.id}`,
      request.kind,
    );
  return { type, arn: request.target.id, name: m[3]! } satisfies IdentityRef;
}

/**
 * The Lambda function a request targets (a qualifier in the ARN is dropped: the kill switch acts
 * on the function, all its versions and aliases).
 * @throws ContainmentRequestError when the target is not a function ARN of the scope account
 */
export function functionRef(request: ContainmentRequest): FunctionRef {
  const m = LAMBDA_ARN.exec(request.target.id);
  if (!m || m[2] !== request.target.scope)
    throw new ContainmentRequestError(
      `${request.kind} needs the ARN of a Lambda function in account ${request.target.scope}; got ${request.target.id}`,
      request.kind,
    );
  const [, region, account, name] = m;
  const partition = request.target.id.split(':')[1];
  return {
    type: 'function',
    arn: `arn:${partition}:lambda:${region}:${account}:function:${name}`,
    name: name!,
    region: region!,
  };
}

/** IAM returns policy documents URL-encoded (RFC 3986); moto and some tools do not. */
export function decodeDocument(text: string): string {
  return /^\s*%7b/i.test(text) ? decodeURIComponent(text) : text;
}

/**
 * Reads a role's or user's inline policies, attached policies, and (users) access keys and login
 * profile.
 *
 * Calls: `iam:ListRolePolicies`, `iam:GetRolePolicy`, `iam:ListAttachedRolePolicies` (roles);
 * `iam:ListUserPolicies`, `iam:GetUserPolicy`, `iam:ListAttachedUserPolicies`,
 * `iam:ListAccessKeys`, `iam:GetLoginProfile` (users).
 */
export async function readIdentity(clients: AwsClients, ref: IdentityRef): Promise<IdentityState> {
  const iam = clients.iam();
  const names: string[] = [];
  const attached: string[] = [];
  if (ref.type === 'role') {
    for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: ref.name }))
      names.push(...(page.PolicyNames ?? []));
    for await (const page of paginateListAttachedRolePolicies(
      { client: iam },
      { RoleName: ref.name },
    ))
      for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push(p.PolicyArn);
  } else {
    for await (const page of paginateListUserPolicies({ client: iam }, { UserName: ref.name }))
      names.push(...(page.PolicyNames ?? []));
    for await (const page of paginateListAttachedUserPolicies(
      { client: iam },
      { UserName: ref.name },
    ))
      for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push(p.PolicyArn);
  }
  const inlinePolicies: Record<string, string> = {};
  for (const name of names.sort()) inlinePolicies[name] = await inlineDocument(iam, ref, name);
  const state: IdentityState = { ...ref, inlinePolicies, attachedPolicies: attached.sort() };
  if (ref.type === 'user') {
    state.accessKeys = await accessKeys(iam, ref.name);
    state.loginProfile = await loginProfile(iam, ref.name);
  }
  return state;
}

async function inlineDocument(iam: IAMClient, ref: IdentityRef, name: string): Promise<string> {
  const out =
    ref.type === 'role'
      ? await iam.send(new GetRolePolicyCommand({ RoleName: ref.name, PolicyName: name }))
      : await iam.send(new GetUserPolicyCommand({ UserName: ref.name, PolicyName: name }));
  return decodeDocument(out.PolicyDocument ?? '');
}

async function accessKeys(iam: IAMClient, userName: string): Promise<AccessKeyState[]> {
  const keys: AccessKeyState[] = [];
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName }))
    for (const k of page.AccessKeyMetadata ?? [])
      if (k.AccessKeyId) keys.push({ accessKeyId: k.AccessKeyId, status: k.Status ?? 'Unknown' });
  return keys.sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId));
}

async function loginProfile(
  iam: IAMClient,
  userName: string,
): Promise<IdentityState['loginProfile']> {
  try {
    const out = await iam.send(new GetLoginProfileCommand({ UserName: userName }));
    return {
      createDate: out.LoginProfile?.CreateDate?.toISOString() ?? '',
      passwordResetRequired: out.LoginProfile?.PasswordResetRequired ?? false,
    };
  } catch (err) {
    // GetLoginProfile answers NoSuchEntity for a user without a console password.
    if (errorName(err) === 'NoSuchEntityException' || errorName(err) === 'NoSuchEntity')
      return null;
    throw err;
  }
}

/**
 * Reads a function's reserved concurrency, event source mappings, URL and URL permissions.
 *
 * Calls: `lambda:GetFunctionConcurrency`, `lambda:ListEventSourceMappings`,
 * `lambda:GetFunctionUrlConfig`, `lambda:GetPolicy`.
 */
export async function readFunction(clients: AwsClients, ref: FunctionRef): Promise<FunctionState> {
  const lambda = clients.lambda(ref.region);
  const concurrency = await lambda.send(
    new GetFunctionConcurrencyCommand({ FunctionName: ref.name }),
  );
  const mappings: EventSourceMappingState[] = [];
  for await (const page of paginateListEventSourceMappings(
    { client: lambda },
    { FunctionName: ref.name },
  ))
    for (const m of page.EventSourceMappings ?? [])
      if (m.UUID)
        mappings.push({
          uuid: m.UUID,
          eventSourceArn: m.EventSourceArn ?? '',
          state: m.State ?? 'Unknown',
        });
  return {
    ...ref,
    reservedConcurrency: concurrency.ReservedConcurrentExecutions ?? null,
    eventSourceMappings: mappings.sort((a, b) => a.uuid.localeCompare(b.uuid)),
    url: await functionUrl(lambda, ref.name),
    urlPermissions: await urlPermissions(lambda, ref),
  };
}

async function functionUrl(lambda: LambdaClient, name: string): Promise<FunctionUrlState | null> {
  try {
    const out = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    return {
      functionUrl: out.FunctionUrl ?? '',
      authType: out.AuthType ?? '',
      ...(out.Cors && Object.keys(out.Cors).length > 0 ? { cors: out.Cors } : {}),
      ...(out.InvokeMode ? { invokeMode: out.InvokeMode } : {}),
    };
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return null;
    throw err;
  }
}

async function urlPermissions(
  lambda: LambdaClient,
  ref: FunctionRef,
): Promise<UrlPermissionState[]> {
  let policy: string | undefined;
  try {
    policy = (await lambda.send(new GetPolicyCommand({ FunctionName: ref.name }))).Policy;
  } catch (err) {
    // A function without a resource policy answers ResourceNotFoundException.
    if (errorName(err) === 'ResourceNotFoundException') return [];
    throw err;
  }
  const doc = JSON.parse(policy ?? '{}') as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const out: UrlPermissionState[] = [];
  for (const raw of statements) {
    if (typeof raw !== 'object' || raw === null) continue;
    const st = raw as Record<string, unknown>;
    if (typeof st.Sid !== 'string' || !isUrlStatement(st, ref.arn)) continue;
    out.push({ sid: st.Sid, statement: st, addPermission: toAddPermission(st) });
  }
  return out.sort((a, b) => a.sid.localeCompare(b.sid));
}

/** Condition keys a statement may carry that AddPermission can express, by parameter. */
const CONDITION_PARAMS: Record<string, string> = {
  'lambda:functionurlauthtype': 'FunctionUrlAuthType',
  'lambda:invokedviafunctionurl': 'InvokedViaFunctionUrl',
  'aws:sourceaccount': 'SourceAccount',
  'aws:sourcearn': 'SourceArn',
  'aws:principalorgid': 'PrincipalOrgID',
};

/** A statement of the unqualified function that opens its URL to someone. */
function isUrlStatement(st: Record<string, unknown>, functionArn: string): boolean {
  if (st.Effect !== 'Allow') return false;
  // Statements of an alias (`function:name:alias`) belong to the alias's own URL.
  if (typeof st.Resource === 'string' && st.Resource !== functionArn) return false;
  const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
  if (actions.includes('lambda:InvokeFunctionUrl')) return true;
  const viaUrl = conditionEntries(st).find(([key]) => key === 'lambda:invokedviafunctionurl');
  return actions.includes('lambda:InvokeFunction') && String(viaUrl?.[1]) === 'true';
}

/** (lower-cased key, value) of every condition, plus moto's top-level FunctionUrlAuthType. */
function conditionEntries(st: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const condition = st.Condition;
  if (typeof condition === 'object' && condition !== null)
    for (const block of Object.values(condition as Record<string, unknown>))
      if (typeof block === 'object' && block !== null)
        for (const [k, v] of Object.entries(block)) out.push([k.toLowerCase(), v]);
  // moto keeps the AddPermission parameter as a field instead of a condition.
  if (typeof st.FunctionUrlAuthType === 'string')
    out.push(['lambda:functionurlauthtype', st.FunctionUrlAuthType]);
  return out;
}

/** AddPermission input that re-creates the statement, or null when it cannot. */
function toAddPermission(st: Record<string, unknown>): Record<string, string | boolean> | null {
  const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
  const principal = principalOf(st.Principal);
  if (actions.length !== 1 || typeof actions[0] !== 'string' || !principal) return null;
  const params: Record<string, string | boolean> = {
    StatementId: st.Sid as string,
    Action: actions[0],
    Principal: principal,
  };
  for (const [key, value] of conditionEntries(st)) {
    const param = CONDITION_PARAMS[key];
    if (!param || Array.isArray(value)) return null;
    params[param] = param === 'InvokedViaFunctionUrl' ? String(value) === 'true' : String(value);
  }
  return params;
}

function principalOf(principal: unknown): string | undefined {
  if (typeof principal === 'string') return principal;
  if (typeof principal !== 'object' || principal === null) return undefined;
  const values = Object.values(principal as Record<string, unknown>);
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}
