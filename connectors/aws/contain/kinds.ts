/**
 * What each kind of AWS containment does, as pure functions of the request and the snapshot:
 * the exact calls that apply it, and the exact calls that restore the snapshot. A rollback only
 * restores what the kind changes (the named inline policies, attachments, keys...), so a change
 * someone else made to the identity meanwhile is left alone.
 */
import { z } from 'zod';
import { awsCall } from '#connectors/aws/contain/calls.ts';
import {
  compromisedKeyQuarantineArn,
  QUARANTINE_POLICY,
  quarantineDocument,
  REVOKE_SESSIONS_POLICY,
  revocationCovers,
  revokeOlderSessionsDocument,
  sameDocument,
} from '#connectors/aws/contain/documents.ts';
import { ContainmentRequestError } from '#connectors/aws/contain/errors.ts';
import type { FunctionState, IdentityRef, IdentityState } from '#connectors/aws/contain/state.ts';
import type { ContainmentRequest, PlannedCall } from '#core/ports/containment.ts';

/** Every rollback call's description starts with this, so a plan tells what it is. */
export const ROLLBACK_PREFIX = 'Rollback: ';

/** True when the plan restores a snapshot rather than applies containment. */
export function isRollbackPlan(plan: readonly PlannedCall[]): boolean {
  return plan.length > 0 && plan.every((c) => c.description.startsWith(ROLLBACK_PREFIX));
}

function asRollback(calls: PlannedCall[]): PlannedCall[] {
  return calls.map((c) => ({ ...c, description: `${ROLLBACK_PREFIX}${c.description}` }));
}

/** A rollback: the calls, or the reason there are none. */
export interface RollbackPlan {
  calls: PlannedCall[];
  irreversible?: string;
}

/** The identity-name parameter of a role or user call. */
function who(ref: IdentityRef): Record<string, string> {
  return ref.type === 'role' ? { RoleName: ref.name } : { UserName: ref.name };
}

const api = (ref: IdentityRef, verb: string) =>
  `iam:${verb}${ref.type === 'role' ? 'Role' : 'User'}Policy`;

function putInline(ref: IdentityRef, name: string, document: string, why: string): PlannedCall {
  return awsCall(
    api(ref, 'Put'),
    { ...who(ref), PolicyName: name, PolicyDocument: document },
    `Put inline policy ${name} on ${ref.type} ${ref.name} (${why})`,
  );
}

function deleteInline(ref: IdentityRef, name: string, why: string): PlannedCall {
  return awsCall(
    api(ref, 'Delete'),
    { ...who(ref), PolicyName: name },
    `Delete inline policy ${name} of ${ref.type} ${ref.name} (${why})`,
  );
}

function attach(ref: IdentityRef, arn: string, why: string): PlannedCall {
  return awsCall(
    api(ref, 'Attach'),
    { ...who(ref), PolicyArn: arn },
    `Attach ${arn} to ${ref.type} ${ref.name} (${why})`,
  );
}

function detach(ref: IdentityRef, arn: string, why: string): PlannedCall {
  return awsCall(
    api(ref, 'Detach'),
    { ...who(ref), PolicyArn: arn },
    `Detach ${arn} from ${ref.type} ${ref.name} (${why})`,
  );
}

function setKey(ref: IdentityRef, id: string, status: string, why: string): PlannedCall {
  return awsCall(
    'iam:UpdateAccessKey',
    { UserName: ref.name, AccessKeyId: id, Status: status },
    `Set access key ${id} of user ${ref.name} to ${status} (${why})`,
  );
}

/** What of an identity a rollback restores. */
export interface IdentityScope {
  inline?: readonly string[];
  attached?: readonly string[];
  keys?: readonly string[];
}

/**
 * The calls that bring the scoped parts of `now` back to `before`: grants first (attach, put the
 * old documents back), then removals (delete, detach what containment added), then key statuses.
 * Restoring before removing means the identity never holds less than either state during it.
 */
export function restoreIdentity(
  before: IdentityState,
  now: IdentityState,
  scope: IdentityScope,
): PlannedCall[] {
  const why = 'restore the state before containment';
  const inline = [...new Set(scope.inline ?? [])];
  const attached = [...new Set(scope.attached ?? [])];
  const calls: PlannedCall[] = [];
  for (const arn of attached)
    if (before.attachedPolicies.includes(arn) && !now.attachedPolicies.includes(arn))
      calls.push(attach(before, arn, why));
  for (const name of inline) {
    const was = before.inlinePolicies[name];
    const is = now.inlinePolicies[name];
    if (was !== undefined && (is === undefined || !sameDocument(was, is)))
      calls.push(putInline(before, name, was, why));
  }
  for (const name of inline)
    if (before.inlinePolicies[name] === undefined && now.inlinePolicies[name] !== undefined)
      calls.push(deleteInline(before, name, why));
  for (const arn of attached)
    if (!before.attachedPolicies.includes(arn) && now.attachedPolicies.includes(arn))
      calls.push(detach(before, arn, why));
  for (const id of scope.keys ?? []) {
    const was = before.accessKeys?.find((k) => k.accessKeyId === id)?.status;
    const is = now.accessKeys?.find((k) => k.accessKeyId === id)?.status;
    if (was && is && was !== is) calls.push(setKey(before, id, was, why));
  }
  return asRollback(calls);
}

/** The ISO time a session revocation cuts at: when the request was made. */
function revokeTime(request: ContainmentRequest): string {
  return new Date(request.requestedAt).toISOString();
}

/** `aws.revoke-sessions`: deny everything to sessions issued before the request. */
export function planRevokeSessions(
  request: ContainmentRequest,
  before: IdentityState,
): PlannedCall[] {
  const doc = revokeOlderSessionsDocument(revokeTime(request));
  const current = before.inlinePolicies[REVOKE_SESSIONS_POLICY];
  // A revocation at the same time or later already covers every session this one would.
  if (current !== undefined && (sameDocument(current, doc) || revocationCovers(current, doc)))
    return [];
  return [
    putInline(
      before,
      REVOKE_SESSIONS_POLICY,
      doc,
      `deny every action to sessions issued before ${revokeTime(request)}`,
    ),
  ];
}

/** `aws.quarantine`: a deny-all inline policy on a role; AWSCompromisedKeyQuarantineV3 on a user. */
export function planQuarantine(before: IdentityState): PlannedCall[] {
  if (before.type === 'role') {
    const doc = quarantineDocument();
    const current = before.inlinePolicies[QUARANTINE_POLICY];
    if (current !== undefined && sameDocument(current, doc)) return [];
    return [putInline(before, QUARANTINE_POLICY, doc, 'deny every action')];
  }
  const arn = compromisedKeyQuarantineArn(partitionOf(before.arn));
  if (before.attachedPolicies.includes(arn)) return [];
  return [attach(before, arn, 'the AWS quarantine policy for exposed credentials')];
}

/** What {@link planQuarantine} may change, for its rollback. */
export function quarantineScope(before: IdentityState): IdentityScope {
  return before.type === 'role'
    ? { inline: [QUARANTINE_POLICY] }
    : { attached: [compromisedKeyQuarantineArn(partitionOf(before.arn))] };
}

const KeysParams = z.object({ accessKeyId: z.string().min(1).optional() });

/** The keys `aws.deactivate-access-keys` acts on: the one named, else every active key. */
export function keysToDeactivate(request: ContainmentRequest, before: IdentityState): string[] {
  const { accessKeyId } = parseParams(KeysParams, request);
  const keys = before.accessKeys ?? [];
  if (accessKeyId !== undefined && !keys.some((k) => k.accessKeyId === accessKeyId))
    throw new ContainmentRequestError(
      `user ${before.name} has no access key ${accessKeyId}`,
      request.kind,
    );
  return keys
    .filter((k) => k.status === 'Active' && (!accessKeyId || k.accessKeyId === accessKeyId))
    .map((k) => k.accessKeyId);
}

/** `aws.deactivate-access-keys`: every active key (or the one in `params.accessKeyId`) inactive. */
export function planDeactivateKeys(
  request: ContainmentRequest,
  before: IdentityState,
): PlannedCall[] {
  return keysToDeactivate(request, before).map((id) =>
    setKey(before, id, 'Inactive', 'the key stops authenticating; it is not deleted'),
  );
}

/** `aws.delete-login-profile`: removes the console password. */
export function planDeleteLoginProfile(before: IdentityState): PlannedCall[] {
  if (!before.loginProfile) return [];
  return [
    awsCall(
      'iam:DeleteLoginProfile',
      { UserName: before.name },
      `Delete the console password of user ${before.name} (cannot be restored)`,
    ),
  ];
}

/** Why deleting a login profile has no rollback. */
export const LOGIN_PROFILE_IRREVERSIBLE =
  'The console password cannot be restored: AWS keeps no copy of it. To give console access back, ' +
  'a person must set a new password (iam:CreateLoginProfile, with PasswordResetRequired) and hand it to the user.';

/** The rollback of `aws.delete-login-profile`: none, and why. */
export function rollbackLoginProfile(before: IdentityState, now: IdentityState): RollbackPlan {
  if (before.loginProfile && now.loginProfile === null)
    return { calls: [], irreversible: LOGIN_PROFILE_IRREVERSIBLE };
  return { calls: [] };
}

const DetachParams = z.object({ policyArn: z.string().startsWith('arn:') });

/** The managed policy `aws.detach-policy` detaches (`params.policyArn`). */
export function policyToDetach(request: ContainmentRequest): string {
  return parseParams(DetachParams, request).policyArn;
}

/** `aws.detach-policy`: detaches the managed policy from the role or user. */
export function planDetachPolicy(
  request: ContainmentRequest,
  before: IdentityState,
): PlannedCall[] {
  const arn = policyToDetach(request);
  if (!before.attachedPolicies.includes(arn)) return [];
  return [detach(before, arn, 'containment')];
}

/**
 * Parameters of `aws.apply-recommendation`: the identity's entry of the findings document, whose
 * `recommendedPolicy.policies` replace the policies listed in `grant.policies`.
 */
export const ApplyRecommendationParamsSchema = z.object({
  identity: z.object({
    id: z.string(),
    grant: z.object({
      policies: z.array(
        z.object({
          name: z.string(),
          arn: z.string().nullable(),
          kind: z.enum(['aws-managed', 'customer-managed', 'inline']),
          viaGroup: z.string().nullable(),
        }),
      ),
    }),
    recommendedPolicy: z
      .object({
        policies: z.array(z.object({ name: z.string().min(1), document: z.looseObject({}) })),
      })
      .nullable(),
  }),
});

/** IAM's quota on the total size of a role's inline policies (characters, whitespace excluded). */
const ROLE_INLINE_MAX_CHARS = 10_240;
/** ...and of a user's. */
const USER_INLINE_MAX_CHARS = 2_048;

/** What `aws.apply-recommendation` puts, deletes and detaches, from the snapshot. */
export interface RecommendationChange {
  put: { name: string; document: string }[];
  deleteInline: string[];
  detachManaged: string[];
}

/**
 * Works out the replacement: put each recommended policy inline; delete the identity's own inline
 * policies and detach its own managed policies that the scan analysed (`grant.policies`, not
 * through a group); a policy attached since the scan was not analysed and is kept.
 * @throws ContainmentRequestError when the parameters do not fit the target or the inline quota
 */
export function recommendationChange(
  request: ContainmentRequest,
  before: IdentityState,
): RecommendationChange {
  const { identity } = parseParams(ApplyRecommendationParamsSchema, request);
  if (identity.id !== request.target.id)
    throw new ContainmentRequestError(
      `the recommendation is for ${identity.id}, not the target ${request.target.id}`,
      request.kind,
    );
  if (!identity.recommendedPolicy)
    throw new ContainmentRequestError(`${identity.id} has no recommended policy`, request.kind);
  const put = identity.recommendedPolicy.policies.map((p) => ({
    name: p.name,
    document: JSON.stringify(p.document),
  }));
  const names = new Set(put.map((p) => p.name));
  const own = identity.grant.policies.filter((p) => p.viaGroup === null);
  const deleteInline = own
    .filter((p) => p.kind === 'inline' && !names.has(p.name))
    .map((p) => p.name)
    .filter((name) => before.inlinePolicies[name] !== undefined);
  const detachManaged = own
    .filter((p) => p.kind !== 'inline' && p.arn)
    .map((p) => p.arn as string)
    .filter((arn) => before.attachedPolicies.includes(arn));
  // Inline policies left after the change count against the same quota.
  const kept = Object.entries(before.inlinePolicies).filter(
    ([name]) => !names.has(name) && !deleteInline.includes(name),
  );
  const size = [...put.map((p) => p.document), ...kept.map(([, d]) => d)].reduce(
    (n, d) => n + d.replace(/\s/g, '').length,
    0,
  );
  const max = before.type === 'role' ? ROLE_INLINE_MAX_CHARS : USER_INLINE_MAX_CHARS;
  if (size > max)
    throw new ContainmentRequestError(
      `the recommended inline policies and those kept come to ${size} characters, over the ${max} IAM allows a ${before.type}`,
      request.kind,
    );
  return { put, deleteInline, detachManaged };
}

/** `aws.apply-recommendation`: put the new policies first, then take the old grants away. */
export function planApplyRecommendation(
  request: ContainmentRequest,
  before: IdentityState,
): PlannedCall[] {
  const change = recommendationChange(request, before);
  const calls: PlannedCall[] = [];
  for (const p of change.put) {
    const current = before.inlinePolicies[p.name];
    if (current === undefined || !sameDocument(current, p.document))
      calls.push(putInline(before, p.name, p.document, 'the recommended least-privilege policy'));
  }
  for (const arn of change.detachManaged)
    calls.push(detach(before, arn, 'replaced by the recommended policy'));
  for (const name of change.deleteInline)
    calls.push(deleteInline(before, name, 'replaced by the recommended policy'));
  return calls;
}

/** What {@link planApplyRecommendation} may change, for its rollback. */
export function recommendationScope(
  request: ContainmentRequest,
  before: IdentityState,
): IdentityScope {
  const change = recommendationChange(request, before);
  return {
    inline: [...change.put.map((p) => p.name), ...change.deleteInline],
    attached: change.detachManaged,
  };
}

/**
 * `aws.lambda-kill-switch`: reserved concurrency 0 first (it throttles every invocation at once,
 * whatever the trigger), then every enabled event source mapping disabled, then the function URL
 * and the resource-policy statements that open it removed.
 */
export function planKillSwitch(before: FunctionState): PlannedCall[] {
  const fn = before.name;
  const calls: PlannedCall[] = [];
  if (before.reservedConcurrency !== 0)
    calls.push(
      awsCall(
        'lambda:PutFunctionConcurrency',
        { FunctionName: fn, ReservedConcurrentExecutions: 0 },
        `Reserve concurrency 0 for ${fn}: every invocation is throttled`,
      ),
    );
  for (const m of before.eventSourceMappings)
    if (m.state === 'Enabled' || m.state === 'Enabling')
      calls.push(
        awsCall(
          'lambda:UpdateEventSourceMapping',
          { UUID: m.uuid, Enabled: false },
          `Disable event source mapping ${m.uuid} (${m.eventSourceArn}) of ${fn}`,
        ),
      );
  if (before.url)
    calls.push(
      awsCall(
        'lambda:DeleteFunctionUrlConfig',
        { FunctionName: fn },
        `Delete the function URL ${before.url.functionUrl} of ${fn}`,
      ),
    );
  // Statements AddPermission could not re-create are left: without a URL they grant nothing.
  for (const p of before.urlPermissions)
    if (p.addPermission)
      calls.push(
        awsCall(
          'lambda:RemovePermission',
          { FunctionName: fn, StatementId: p.sid },
          `Remove the function URL permission ${p.sid} of ${fn}`,
        ),
      );
  return calls;
}

/**
 * The rollback of the kill switch: permissions and the URL first, then the mappings, then the
 * concurrency, so the function takes traffic again only once everything is back. AWS gives a
 * re-created function URL a new address ("Creating a new function URL results in a different URL
 * address", DeleteFunctionUrlConfig API reference); the call's description says so.
 */
export function rollbackKillSwitch(before: FunctionState, now: FunctionState): RollbackPlan {
  const fn = before.name;
  const calls: PlannedCall[] = [];
  for (const p of before.urlPermissions)
    if (p.addPermission && !now.urlPermissions.some((u) => u.sid === p.sid))
      calls.push(
        awsCall(
          'lambda:AddPermission',
          { FunctionName: fn, ...p.addPermission },
          `Re-add the function URL permission ${p.sid} of ${fn}`,
        ),
      );
  if (before.url && !now.url) {
    const u = before.url;
    calls.push(
      awsCall(
        'lambda:CreateFunctionUrlConfig',
        {
          FunctionName: fn,
          AuthType: u.authType,
          ...(u.cors ? { Cors: u.cors } : {}),
          ...(u.invokeMode ? { InvokeMode: u.invokeMode } : {}),
        },
        `Re-create the function URL of ${fn} (${u.authType}); AWS gives it a new address, so callers of ${u.functionUrl} must be told the new one`,
      ),
    );
  }
  for (const m of before.eventSourceMappings) {
    const is = now.eventSourceMappings.find((x) => x.uuid === m.uuid)?.state;
    if (
      (m.state === 'Enabled' || m.state === 'Enabling') &&
      (is === 'Disabled' || is === 'Disabling')
    )
      calls.push(
        awsCall(
          'lambda:UpdateEventSourceMapping',
          { UUID: m.uuid, Enabled: true },
          `Enable event source mapping ${m.uuid} (${m.eventSourceArn}) of ${fn} again`,
        ),
      );
  }
  if (before.reservedConcurrency !== now.reservedConcurrency)
    calls.push(
      before.reservedConcurrency === null
        ? awsCall(
            'lambda:DeleteFunctionConcurrency',
            { FunctionName: fn },
            `Remove the reserved concurrency of ${fn} (it had none)`,
          )
        : awsCall(
            'lambda:PutFunctionConcurrency',
            { FunctionName: fn, ReservedConcurrentExecutions: before.reservedConcurrency },
            `Reserve concurrency ${before.reservedConcurrency} for ${fn} again`,
          ),
    );
  return { calls: asRollback(calls) };
}

function parseParams<T extends z.ZodType>(schema: T, request: ContainmentRequest): z.infer<T> {
  const parsed = schema.safeParse(request.params);
  if (!parsed.success)
    throw new ContainmentRequestError(
      `${request.kind}: invalid params: ${z.prettifyError(parsed.error)}`,
      request.kind,
      { cause: parsed.error },
    );
  return parsed.data;
}

function partitionOf(arn: string): string {
  return arn.split(':')[1] ?? 'aws';
}
