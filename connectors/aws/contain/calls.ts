/**
 * The AWS calls containment plans are made of: for each API, how to send it through the SDK,
 * how to tell from a snapshot that its effect is already in place (the idempotency check), and
 * which identity it acts on (a plan may only touch the request's target). `api` is the IAM
 * action that authorises the call, and `params` its SDK input, exactly as sent.
 */
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionUrlConfigCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { revocationCovers, sameDocument } from '#connectors/aws/contain/documents.ts';
import { UnplannedCallError } from '#connectors/aws/contain/errors.ts';
import type { CallHandler } from '#connectors/aws/contain/run-plan.ts';
import type { AwsState, FunctionState, IdentityState } from '#connectors/aws/contain/state.ts';
import type { PlannedCall } from '#core/ports/containment.ts';

type Params = Record<string, unknown>;

interface ApiSpec {
  on: 'role' | 'user' | 'function';
  send(clients: AwsClients, state: AwsState, params: Params): Promise<unknown>;
  inEffect(params: Params, state: AwsState): boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const inline = (s: AwsState) => (s as IdentityState).inlinePolicies;
const attached = (s: AwsState) => (s as IdentityState).attachedPolicies;
const fn = (s: AwsState) => s as FunctionState;
const lambda = (clients: AwsClients, s: AwsState) => clients.lambda(fn(s).region);

/** Whether an inline policy put is in place: same document, or a later session revocation. */
function putInEffect(p: Params, s: AwsState): boolean {
  const current = inline(s)[str(p.PolicyName)];
  if (current === undefined) return false;
  return (
    sameDocument(current, str(p.PolicyDocument)) || revocationCovers(current, str(p.PolicyDocument))
  );
}

const ENABLED_STATES = new Set(['Enabled', 'Enabling']);
const DISABLED_STATES = new Set(['Disabled', 'Disabling']);

/** Every API a containment or rollback plan may hold, by IAM action. */
const APIS: Record<string, ApiSpec> = {
  'iam:PutRolePolicy': {
    on: 'role',
    send: (c, _s, p) => c.iam().send(new PutRolePolicyCommand(p as never)),
    inEffect: putInEffect,
  },
  'iam:PutUserPolicy': {
    on: 'user',
    send: (c, _s, p) => c.iam().send(new PutUserPolicyCommand(p as never)),
    inEffect: putInEffect,
  },
  'iam:DeleteRolePolicy': {
    on: 'role',
    send: (c, _s, p) => c.iam().send(new DeleteRolePolicyCommand(p as never)),
    inEffect: (p, s) => inline(s)[str(p.PolicyName)] === undefined,
  },
  'iam:DeleteUserPolicy': {
    on: 'user',
    send: (c, _s, p) => c.iam().send(new DeleteUserPolicyCommand(p as never)),
    inEffect: (p, s) => inline(s)[str(p.PolicyName)] === undefined,
  },
  'iam:AttachRolePolicy': {
    on: 'role',
    send: (c, _s, p) => c.iam().send(new AttachRolePolicyCommand(p as never)),
    inEffect: (p, s) => attached(s).includes(str(p.PolicyArn)),
  },
  'iam:AttachUserPolicy': {
    on: 'user',
    send: (c, _s, p) => c.iam().send(new AttachUserPolicyCommand(p as never)),
    inEffect: (p, s) => attached(s).includes(str(p.PolicyArn)),
  },
  'iam:DetachRolePolicy': {
    on: 'role',
    send: (c, _s, p) => c.iam().send(new DetachRolePolicyCommand(p as never)),
    inEffect: (p, s) => !attached(s).includes(str(p.PolicyArn)),
  },
  'iam:DetachUserPolicy': {
    on: 'user',
    send: (c, _s, p) => c.iam().send(new DetachUserPolicyCommand(p as never)),
    inEffect: (p, s) => !attached(s).includes(str(p.PolicyArn)),
  },
  'iam:UpdateAccessKey': {
    on: 'user',
    send: (c, _s, p) => c.iam().send(new UpdateAccessKeyCommand(p as never)),
    inEffect: (p, s) =>
      (s as IdentityState).accessKeys?.find((k) => k.accessKeyId === p.AccessKeyId)?.status ===
      p.Status,
  },
  'iam:DeleteLoginProfile': {
    on: 'user',
    send: (c, _s, p) => c.iam().send(new DeleteLoginProfileCommand(p as never)),
    inEffect: (_p, s) => (s as IdentityState).loginProfile === null,
  },
  'lambda:PutFunctionConcurrency': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new PutFunctionConcurrencyCommand(p as never)),
    inEffect: (p, s) => fn(s).reservedConcurrency === p.ReservedConcurrentExecutions,
  },
  'lambda:DeleteFunctionConcurrency': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new DeleteFunctionConcurrencyCommand(p as never)),
    inEffect: (_p, s) => fn(s).reservedConcurrency === null,
  },
  'lambda:UpdateEventSourceMapping': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new UpdateEventSourceMappingCommand(p as never)),
    inEffect: (p, s) => {
      const state = fn(s).eventSourceMappings.find((m) => m.uuid === p.UUID)?.state ?? '';
      return (p.Enabled ? ENABLED_STATES : DISABLED_STATES).has(state);
    },
  },
  'lambda:DeleteFunctionUrlConfig': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new DeleteFunctionUrlConfigCommand(p as never)),
    inEffect: (_p, s) => fn(s).url === null,
  },
  'lambda:CreateFunctionUrlConfig': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new CreateFunctionUrlConfigCommand(p as never)),
    inEffect: (p, s) => fn(s).url?.authType === p.AuthType,
  },
  'lambda:RemovePermission': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new RemovePermissionCommand(p as never)),
    inEffect: (p, s) => !fn(s).urlPermissions.some((u) => u.sid === p.StatementId),
  },
  'lambda:AddPermission': {
    on: 'function',
    send: (c, s, p) => lambda(c, s).send(new AddPermissionCommand(p as never)),
    inEffect: (p, s) => fn(s).urlPermissions.some((u) => u.sid === p.StatementId),
  },
};

/** The IAM actions the calls of {@link APIS} need, besides those the snapshots read with. */
export const AWS_CONTAINMENT_CALL_ACTIONS: readonly string[] = Object.keys(APIS).sort();

/** The identity a call's parameters name, to compare with the target. */
function namedIn(spec: ApiSpec, p: Params): string {
  if (spec.on === 'role') return str(p.RoleName);
  if (spec.on === 'user') return str(p.UserName);
  return str(p.FunctionName);
}

/** The {@link CallHandler} of AWS plans, making calls with `clients` (of the target account). */
export function awsCallHandler(clients: AwsClients): CallHandler<AwsState> {
  return {
    check(call, state) {
      const spec = APIS[call.api];
      if (!spec) throw new UnplannedCallError(`${call.api} is not a containment call`, call.api);
      if (spec.on !== state.type)
        throw new UnplannedCallError(`${call.api} does not act on a ${state.type}`, call.api);
      // A mapping is named by its UUID alone: it must be one of the target function's.
      if (call.api === 'lambda:UpdateEventSourceMapping') {
        if (!fn(state).eventSourceMappings.some((m) => m.uuid === call.params.UUID))
          throw new UnplannedCallError(
            `event source mapping ${str(call.params.UUID)} is not one of ${state.arn}`,
            call.api,
          );
      } else if (namedIn(spec, call.params) !== state.name)
        throw new UnplannedCallError(
          `${call.api} names ${namedIn(spec, call.params) || 'nothing'}, not the target ${state.arn}`,
          call.api,
        );
    },
    inEffect: (call, state) => APIS[call.api]?.inEffect(call.params, state) ?? false,
    async make(call, state) {
      await APIS[call.api]?.send(clients, state, call.params);
      return undefined;
    },
  };
}

/** A planned call; `params` must be the SDK input of the API. */
export function awsCall(api: string, params: Params, description: string): PlannedCall {
  return { api, params, description };
}
