/**
 * The AWS containment actuators against moto through the real SDK v3 clients: every kind
 * changes IAM or Lambda state for real, a redelivered plan changes nothing the second time, and
 * the rollback plan, run through `execute`, brings a fresh snapshot back to the one taken before
 * (for the kill switch, all but the function URL's address, which AWS always renews).
 *
 * The user quarantine attaches the AWS managed policy AWSCompromisedKeyQuarantineV3, which
 * moto 5.2.5 ships but loads only when the server starts with MOTO_IAM_LOAD_MANAGED_POLICIES=true;
 * the shared server does not, so that test starts its own moto with it.
 */
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DetachRolePolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { type AwsContainmentKind, awsActuators } from '#connectors/aws/contain/actuators.ts';
import { assumeContainmentRole } from '#connectors/aws/contain/clients.ts';
import { LOGIN_PROFILE_IRREVERSIBLE } from '#connectors/aws/contain/kinds.ts';
import type {
  ContainmentActuator,
  ContainmentKind,
  ContainmentRequest,
  ContainmentState,
} from '#core/ports/containment.ts';
import { type MotoServer, resetMoto, startMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const sharedEndpoint = inject('motoEndpoint');
const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';
// An empty zip archive: moto stores the code without running it.
const ZIP = Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64');
const REQUESTED_AT = Date.parse('2026-11-15T10:00:00Z');

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/agents/orders-agent`;
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/ci-deployer`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:orders`;
const BROAD_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/orders-broad`;
const LEGACY_INLINE =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*"],"Resource":"*"}]}';

/** Every API name a client sent, in order (a middleware on each client). */
let sent: string[] = [];

function motoClients(endpoint: string): AwsClients {
  return new AwsClients({
    endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    instrument: (client) => {
      (
        client as { middlewareStack: { add: (m: unknown, o: unknown) => void } }
      ).middlewareStack.add(
        (next: (a: unknown) => unknown, context: { commandName: string }) => (args: unknown) => {
          sent.push(context.commandName.replace(/Command$/, ''));
          return next(args);
        },
        { step: 'initialize', name: 'recordCommands' },
      );
      return client;
    },
  });
}

/** Calls that change something (the rest read). */
const writes = () => sent.filter((c) => !/^(Get|List)/.test(c));

function aRequest(
  kind: ContainmentKind,
  target: { id: string; type: string; name: string },
  params: Record<string, unknown> = {},
): ContainmentRequest {
  return {
    requestId: `req-${kind}`,
    kind,
    target: {
      provider: 'aws',
      scope: ACCOUNT,
      class: 'ai-agent',
      tags: {},
      environment: null,
      delegatingHuman: null,
      ...target,
    },
    trigger: { type: 'request', requester: 'arn:aws:iam::123456789012:user/analyst' },
    params,
    requestedAt: REQUESTED_AT,
  };
}

const roleTarget = { id: ROLE_ARN, type: 'role', name: 'orders-agent' };
const userTarget = { id: USER_ARN, type: 'user', name: 'ci-deployer' };
const functionTarget = { id: FUNCTION_ARN, type: 'lambda-function', name: 'orders' };

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

/** A role with an inline policy and a customer managed policy attached. */
async function seedRole(clients: AwsClients): Promise<void> {
  const iam = clients.iam();
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'orders-agent',
      Path: '/agents/',
      AssumeRolePolicyDocument: trust,
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'orders-agent',
      PolicyName: 'legacy-inline',
      PolicyDocument: LEGACY_INLINE,
    }),
  );
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'orders-broad',
      PolicyDocument:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}',
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: 'orders-agent', PolicyArn: BROAD_POLICY_ARN }),
  );
}

/** A user with two active keys, an inactive one, a console password and an inline policy. */
async function seedUser(clients: AwsClients): Promise<string[]> {
  const iam = clients.iam();
  await iam.send(new CreateUserCommand({ UserName: 'ci-deployer' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'ci-deployer',
      PolicyName: 'deploy',
      PolicyDocument: LEGACY_INLINE,
    }),
  );
  const keys: string[] = [];
  for (let i = 0; i < 2; i++) {
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-deployer' }));
    keys.push(out.AccessKey!.AccessKeyId!);
  }
  await iam.send(
    new UpdateAccessKeyCommand({
      UserName: 'ci-deployer',
      AccessKeyId: keys[1],
      Status: 'Inactive',
    }),
  );
  await iam.send(
    new CreateLoginProfileCommand({ UserName: 'ci-deployer', Password: 'Not-a-real-password-1!' }),
  );
  return keys;
}

/** Creates an SQS queue in moto (no SQS client in the project) and returns its ARN. */
async function createQueue(endpoint: string, name: string): Promise<string> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes by the SigV4 credential scope and does not verify signatures by default.
      authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20260101/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=CreateQueue&QueueName=${name}&Version=2012-11-05`,
  });
  if (!res.ok) throw new Error(`CreateQueue failed: ${res.status} ${await res.text()}`);
  return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
}

/**
 * A function with reserved concurrency 20, two SQS triggers (one disabled), a public URL with
 * its permission statement, and an unrelated S3 permission.
 */
async function seedFunction(clients: AwsClients, endpoint: string): Promise<void> {
  const role = await clients
    .iam()
    .send(new CreateRoleCommand({ RoleName: 'orders-exec', AssumeRolePolicyDocument: trust }));
  const lambda = clients.lambda(REGION);
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'orders',
      Role: role.Role!.Arn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: ZIP },
    }),
  );
  await lambda.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'orders', ReservedConcurrentExecutions: 20 }),
  );
  for (const [queue, enabled] of [
    ['order-events', true],
    ['order-replays', false],
  ] as const)
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'orders',
        EventSourceArn: await createQueue(endpoint, queue),
        Enabled: enabled,
      }),
    );
  await lambda.send(
    new CreateFunctionUrlConfigCommand({
      FunctionName: 'orders',
      AuthType: 'NONE',
      Cors: { AllowOrigins: ['https://shop.example.com'], AllowMethods: ['POST'] },
    }),
  );
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: 'orders',
      StatementId: 'FunctionURLAllowPublicAccess',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    }),
  );
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: 'orders',
      StatementId: 's3-uploads',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::uploads-bucket',
    }),
  );
}

/** The kill switch's snapshot without the URL's address, which a re-created URL never keeps. */
function withoutUrlAddress(state: ContainmentState): ContainmentState {
  const url = state.url as { functionUrl: string } | null;
  return url ? { ...state, url: { ...url, functionUrl: '(address)' } } : state;
}

interface Case {
  kind: AwsContainmentKind;
  target: { id: string; type: string; name: string };
  params?: (keys: string[]) => Record<string, unknown>;
  /** What the changed state must show. */
  contained: (after: ContainmentState, keys: string[]) => void;
}

const RECOMMENDED = {
  name: 'orders-agent-leash-1',
  document: {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Used1', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }],
  },
};

/** The findings-document entry of the role, as `aws.apply-recommendation` takes it. */
const recommendationParams = () => ({
  identity: {
    id: ROLE_ARN,
    grant: {
      policies: [
        { name: 'legacy-inline', arn: null, kind: 'inline', viaGroup: null },
        { name: 'orders-broad', arn: BROAD_POLICY_ARN, kind: 'customer-managed', viaGroup: null },
      ],
    },
    recommendedPolicy: { policies: [{ ...RECOMMENDED, size: 80 }] },
  },
});

const CASES: Case[] = [
  {
    kind: 'aws.revoke-sessions',
    target: roleTarget,
    contained: (after) => {
      const doc = JSON.parse(
        (after.inlinePolicies as Record<string, string>).LeashRevokeOlderSessions!,
      );
      expect(doc.Statement[0]).toEqual({
        Sid: 'LeashRevokeOlderSessions',
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-15T10:00:00.000Z' } },
      });
    },
  },
  {
    kind: 'aws.quarantine',
    target: roleTarget,
    contained: (after) => {
      const doc = JSON.parse((after.inlinePolicies as Record<string, string>).LeashQuarantine!);
      expect(doc.Statement).toEqual([
        { Sid: 'LeashQuarantine', Effect: 'Deny', Action: '*', Resource: '*' },
      ]);
    },
  },
  {
    kind: 'aws.deactivate-access-keys',
    target: userTarget,
    contained: (after, keys) => {
      expect(after.accessKeys).toEqual(
        keys
          .map((k) => ({ accessKeyId: k, status: 'Inactive' }))
          .sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId)),
      );
    },
  },
  {
    kind: 'aws.detach-policy',
    target: roleTarget,
    params: () => ({ policyArn: BROAD_POLICY_ARN }),
    contained: (after) => expect(after.attachedPolicies).toEqual([]),
  },
  {
    kind: 'aws.apply-recommendation',
    target: roleTarget,
    params: recommendationParams,
    contained: (after) => {
      expect(after.attachedPolicies).toEqual([]);
      expect(Object.keys(after.inlinePolicies as object)).toEqual(['orders-agent-leash-1']);
      expect(
        JSON.parse((after.inlinePolicies as Record<string, string>)['orders-agent-leash-1']!),
      ).toEqual(RECOMMENDED.document);
    },
  },
  {
    kind: 'aws.lambda-kill-switch',
    target: functionTarget,
    contained: (after) => {
      expect(after.reservedConcurrency).toBe(0);
      expect((after.eventSourceMappings as { state: string }[]).map((m) => m.state)).toEqual([
        'Disabled',
        'Disabled',
      ]);
      expect(after.url).toBeNull();
      expect(after.urlPermissions).toEqual([]);
    },
  },
];

describe('AWS containment actuators against moto', () => {
  let clients: AwsClients;
  let actuators: Record<AwsContainmentKind, ContainmentActuator>;
  let keys: string[];
  let at = 0;
  beforeEach(async () => {
    await resetMoto(sharedEndpoint);
    clients = motoClients(sharedEndpoint);
    at = 0;
    actuators = awsActuators(async () => clients, { now: () => ++at });
    await seedRole(clients);
    keys = await seedUser(clients);
    await seedFunction(clients, sharedEndpoint);
    sent = [];
  });
  afterEach(() => clients.destroy());

  it.each(
    CASES,
  )('$kind: applies, changes nothing when redelivered, and rolls back exactly', async (c) => {
    // Arrange
    const actuator = actuators[c.kind];
    const request = aRequest(c.kind, c.target, c.params?.(keys) ?? {});
    const before = await actuator.snapshot(request);
    const plan = actuator.plan(request, before);
    // Act
    const applied = await actuator.execute(request, plan);
    sent = [];
    const redelivered = await actuator.execute(request, plan);
    const redeliveryWrites = writes();
    const now = await actuator.snapshot(request);
    const rollback = actuator.rollbackPlan(request, before, now);
    const rolledBack = await actuator.execute(request, rollback.calls);
    const restored = await actuator.snapshot(request);
    // Assert
    expect(plan.length).toBeGreaterThan(0);
    expect(applied.calls.map((r) => r.outcome)).toEqual(plan.map(() => 'applied'));
    expect(applied.verified).toBe(true);
    c.contained(applied.after, keys);
    expect(redelivered.calls.map((r) => r.outcome)).toEqual(plan.map(() => 'already-applied'));
    expect(redelivered.verified).toBe(true);
    expect(redeliveryWrites).toEqual([]);
    expect(rollback.irreversible).toBeUndefined();
    expect(rollback.calls.length).toBeGreaterThan(0);
    expect(rolledBack.verified).toBe(true);
    expect(rolledBack.notes).toBeUndefined();
    if (c.kind === 'aws.lambda-kill-switch') {
      expect(withoutUrlAddress(restored)).toEqual(withoutUrlAddress(before));
      expect((restored.url as { functionUrl: string }).functionUrl).not.toBe(
        (before.url as { functionUrl: string }).functionUrl,
      );
    } else expect(restored).toEqual(before);
  });

  it('plans the kill switch as exact calls and rolls back the URL permission as it was', async () => {
    // Arrange
    const actuator = actuators['aws.lambda-kill-switch'];
    const request = aRequest('aws.lambda-kill-switch', functionTarget);
    const before = await actuator.snapshot(request);
    const enabled = (before.eventSourceMappings as { uuid: string; state: string }[]).find(
      (m) => m.state === 'Enabled',
    )!;
    // Act
    const plan = actuator.plan(request, before);
    await actuator.execute(request, plan);
    const rollback = actuator.rollbackPlan(request, before, await actuator.snapshot(request));
    // Assert
    expect(plan.map((c) => [c.api, c.params])).toEqual([
      [
        'lambda:PutFunctionConcurrency',
        { FunctionName: 'orders', ReservedConcurrentExecutions: 0 },
      ],
      ['lambda:UpdateEventSourceMapping', { UUID: enabled.uuid, Enabled: false }],
      ['lambda:DeleteFunctionUrlConfig', { FunctionName: 'orders' }],
      [
        'lambda:RemovePermission',
        { FunctionName: 'orders', StatementId: 'FunctionURLAllowPublicAccess' },
      ],
    ]);
    expect(rollback.calls.map((c) => [c.api, c.params])).toEqual([
      [
        'lambda:AddPermission',
        {
          FunctionName: 'orders',
          StatementId: 'FunctionURLAllowPublicAccess',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE',
        },
      ],
      [
        'lambda:CreateFunctionUrlConfig',
        {
          FunctionName: 'orders',
          AuthType: 'NONE',
          Cors: { AllowOrigins: ['https://shop.example.com'], AllowMethods: ['POST'] },
          // As GetFunctionUrlConfig returned it (moto says `Buffered`, AWS `BUFFERED`).
          InvokeMode: (before.url as { invokeMode: string }).invokeMode,
        },
      ],
      ['lambda:UpdateEventSourceMapping', { UUID: enabled.uuid, Enabled: true }],
      [
        'lambda:PutFunctionConcurrency',
        { FunctionName: 'orders', ReservedConcurrentExecutions: 20 },
      ],
    ]);
    expect(rollback.calls[1]!.description).toMatch(/new address/);
  });

  it('deletes the console password and says the rollback cannot restore it', async () => {
    // Arrange
    const actuator = actuators['aws.delete-login-profile'];
    const request = aRequest('aws.delete-login-profile', userTarget);
    const before = await actuator.snapshot(request);
    // Act
    const applied = await actuator.execute(request, actuator.plan(request, before));
    sent = [];
    const redelivered = await actuator.execute(request, actuator.plan(request, before));
    const rollback = actuator.rollbackPlan(request, before, await actuator.snapshot(request));
    // Assert
    expect(before.loginProfile).toMatchObject({ passwordResetRequired: false });
    expect(applied.calls.map((c) => [c.call.api, c.outcome])).toEqual([
      ['iam:DeleteLoginProfile', 'applied'],
    ]);
    expect(applied.after.loginProfile).toBeNull();
    expect(applied.verified).toBe(true);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes()).toEqual([]);
    expect(rollback).toEqual({ calls: [], irreversible: LOGIN_PROFILE_IRREVERSIBLE });
    expect(rollback.irreversible).toMatch(/password cannot be restored/);
  });

  it('deactivates only the key named in params', async () => {
    // Arrange
    const actuator = actuators['aws.deactivate-access-keys'];
    const request = aRequest('aws.deactivate-access-keys', userTarget, { accessKeyId: keys[0] });
    const before = await actuator.snapshot(request);
    // Act
    const plan = actuator.plan(request, before);
    // Assert
    expect(plan.map((c) => c.params)).toEqual([
      { UserName: 'ci-deployer', AccessKeyId: keys[0], Status: 'Inactive' },
    ]);
    expect(() =>
      actuator.plan(
        aRequest('aws.deactivate-access-keys', userTarget, { accessKeyId: 'AKIANOPE' }),
        before,
      ),
    ).toThrow(/no access key AKIANOPE/);
  });

  it('does not shorten a later session revocation already in place', async () => {
    // Arrange
    const actuator = actuators['aws.revoke-sessions'];
    const later = aRequest('aws.revoke-sessions', roleTarget);
    later.requestedAt = REQUESTED_AT + 60_000;
    await actuator.execute(later, actuator.plan(later, await actuator.snapshot(later)));
    const earlier = aRequest('aws.revoke-sessions', roleTarget);
    sent = [];
    // Act
    const plan = actuator.plan(earlier, await actuator.snapshot(earlier));
    // Assert
    expect(plan).toEqual([]);
    expect(writes()).toEqual([]);
  });

  it('refuses a plan whose call names another identity, before making any call', async () => {
    // Arrange
    const actuator = actuators['aws.detach-policy'];
    const request = aRequest('aws.detach-policy', roleTarget, { policyArn: BROAD_POLICY_ARN });
    const call = {
      api: 'iam:DetachRolePolicy',
      params: { RoleName: 'someone-else', PolicyArn: BROAD_POLICY_ARN },
      description: 'not the target',
    };
    // Act
    const result = actuator.execute(request, [call]);
    // Assert
    await expect(result).rejects.toThrow(/names someone-else, not the target/);
    expect(writes()).toEqual([]);
  });

  it('refuses a target of the wrong type with the reason', async () => {
    // Arrange
    const request = aRequest('aws.delete-login-profile', roleTarget);
    // Act
    const snapshot = actuators['aws.delete-login-profile'].snapshot(request);
    // Assert
    await expect(snapshot).rejects.toThrow(/needs the ARN of a user/);
  });

  it('records exactly what took effect when one of three calls fails, and rolls that back', async () => {
    // Arrange
    const actuator = actuators['aws.apply-recommendation'];
    const request = aRequest('aws.apply-recommendation', roleTarget, recommendationParams());
    const before = await actuator.snapshot(request);
    const plan = actuator.plan(request, before);
    const iam = mockClient(clients.iam());
    iam.send.callThrough();
    iam
      .on(DetachRolePolicyCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    // Act
    const failed = await actuator.execute(request, plan);
    iam.restore();
    const now = await actuator.snapshot(request);
    const rollback = actuator.rollbackPlan(request, before, now);
    const rolledBack = await actuator.execute(request, rollback.calls);
    const restored = await actuator.snapshot(request);
    // Assert
    expect(plan.map((c) => c.api)).toEqual([
      'iam:PutRolePolicy',
      'iam:DetachRolePolicy',
      'iam:DeleteRolePolicy',
    ]);
    expect(failed.calls.map((c) => [c.call.api, c.ok, c.outcome])).toEqual([
      ['iam:PutRolePolicy', true, 'applied'],
      ['iam:DetachRolePolicy', false, 'error: Throttling: Rate exceeded'],
    ]);
    expect(failed.verified).toBe(false);
    expect(failed.verifyDetail).toMatch(/iam:DetachRolePolicy failed/);
    expect(Object.keys(failed.after.inlinePolicies as object).sort()).toEqual([
      'legacy-inline',
      'orders-agent-leash-1',
    ]);
    expect(rollback.calls.map((c) => [c.api, c.params])).toEqual([
      ['iam:DeleteRolePolicy', { RoleName: 'orders-agent', PolicyName: 'orders-agent-leash-1' }],
    ]);
    expect(rolledBack.verified).toBe(true);
    expect(restored).toEqual(before);
  });
});

describe('user quarantine against moto with the AWS managed policies loaded', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  beforeAll(async () => {
    // startMoto passes the environment on to moto_server; only this server loads them.
    process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
    try {
      moto = await startMoto();
    } finally {
      delete process.env.MOTO_IAM_LOAD_MANAGED_POLICIES;
    }
    clients = motoClients(moto.endpoint);
    await seedUser(clients);
  });
  afterAll(async () => {
    clients.destroy();
    await moto.stop();
  });

  it('attaches AWSCompromisedKeyQuarantineV3 and detaches it on rollback', async () => {
    // Arrange
    const actuator = awsActuators(async () => clients)['aws.quarantine'];
    const request = aRequest('aws.quarantine', userTarget);
    const before = await actuator.snapshot(request);
    // Act
    const plan = actuator.plan(request, before);
    const applied = await actuator.execute(request, plan);
    sent = [];
    const redelivered = await actuator.execute(request, plan);
    const redeliveryWrites = writes();
    const rollback = actuator.rollbackPlan(request, before, await actuator.snapshot(request));
    await actuator.execute(request, rollback.calls);
    const restored = await actuator.snapshot(request);
    // Assert
    expect(plan.map((c) => [c.api, c.params])).toEqual([
      [
        'iam:AttachUserPolicy',
        {
          UserName: 'ci-deployer',
          PolicyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
        },
      ],
    ]);
    expect(applied.verified).toBe(true);
    expect(applied.after.attachedPolicies).toEqual([
      'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
    ]);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(redeliveryWrites).toEqual([]);
    expect(rollback.calls.map((c) => c.api)).toEqual(['iam:DetachUserPolicy']);
    expect(restored).toEqual(before);
  });
});

describe('assumeContainmentRole against moto', () => {
  let clients: AwsClients;
  beforeEach(async () => {
    await resetMoto(sharedEndpoint);
    clients = motoClients(sharedEndpoint);
  });
  afterEach(() => clients.destroy());

  it('acts in the target account as leash/leash-containment', async () => {
    // Arrange
    await clients.iam().send(
      new CreateRoleCommand({
        RoleName: 'leash-containment',
        Path: '/leash/',
        AssumeRolePolicyDocument: trust,
      }),
    );
    await seedRole(clients);
    const factory = assumeContainmentRole(clients, { roleName: 'leash/leash-containment' });
    // Act
    const actuator = awsActuators(factory)['aws.detach-policy'];
    const request = aRequest('aws.detach-policy', roleTarget, { policyArn: BROAD_POLICY_ARN });
    const snapshot = await actuator.snapshot(request);
    // Assert
    const assumed = await factory(ACCOUNT);
    expect(typeof assumed.options.credentials).toBe('function');
    expect(await factory(ACCOUNT)).toBe(assumed);
    expect(snapshot.attachedPolicies).toEqual([BROAD_POLICY_ARN]);
  });
});
