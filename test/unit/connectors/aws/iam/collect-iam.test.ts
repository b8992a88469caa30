/**
 * collectIam with aws-sdk-client-mock: what moto cannot produce (paging, denials, throttling
 * that outlived the SDK's retries, reports and Access Advisor jobs that never finish or fail).
 */
import {
  CredentialReportNotPresentException,
  GenerateCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsResponse,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsResponse,
  IAMClient,
  IAMServiceException,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListUsersCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { type CollectIamContext, collectIam } from '#connectors/aws/iam/collect-iam.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { type AccountInventory, emptyInventory } from '#core/iam/inventory.ts';
import {
  ACCOUNT,
  aCredentialRow,
  aRole,
  OTHER_ACCOUNT,
  policyArn,
  roleArn,
  userArn,
} from '#test/helpers/builders.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const iamMock = mockClient(IAMClient);

const REPORT_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
  'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
  'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
  'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,' +
  'cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** A credential report row for a user with a password and no keys. */
function reportLine(user: string): string {
  return (
    `${user},${userArn(user)},2024-01-01T00:00:00+00:00,true,2026-11-01T00:00:00+00:00,` +
    '2024-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,' +
    'false,N/A,false,N/A'
  );
}

const encode = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
const allow = (...actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});

/** A user as GetAccountAuthorizationDetails returns it through the SDK. */
function userDetail(name: string) {
  return {
    UserName: name,
    UserId: `AIDA${name.toUpperCase()}`,
    Arn: userArn(name),
    Path: '/',
    CreateDate: new Date('2024-01-01T00:00:00Z'),
    GroupList: [],
    UserPolicyList: [],
    AttachedManagedPolicies: [],
  };
}

/** A role as GetAccountAuthorizationDetails returns it through the SDK. */
function roleDetail(name: string, path = '/') {
  return {
    RoleName: name,
    RoleId: `AROA${name.toUpperCase()}`,
    Arn: roleArn(name, path),
    Path: path,
    CreateDate: new Date('2024-01-01T00:00:00Z'),
    AssumeRolePolicyDocument: encode({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    }),
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    InstanceProfileList: [],
    RoleLastUsed: {},
  };
}

/** A customer managed policy whose broader v1 is history and narrower v2 is in force. */
function toolsPolicy() {
  return {
    PolicyName: 'tools',
    Arn: policyArn('tools'),
    Path: '/',
    DefaultVersionId: 'v2',
    PolicyVersionList: [
      { VersionId: 'v1', IsDefaultVersion: false, Document: encode(allow('s3:*')) },
      { VersionId: 'v2', IsDefaultVersion: true, Document: encode(allow('s3:GetObject')) },
    ],
  };
}

/** A context with instant polls and no Access Advisor unless asked. */
function aContext(overrides: Partial<CollectIamContext> = {}): CollectIamContext {
  return {
    accountId: ACCOUNT,
    gaps: new GapRecorder(),
    issues: [],
    now: Date.now,
    lastAccessed: 'off',
    pollIntervalMs: 0,
    pollTimeoutMs: 10_000,
    ...overrides,
  };
}

/** A clock that moves on by `stepMs` on every reading: polls reach their deadline quickly. */
function steppingClock(stepMs: number): () => number {
  let t = 0;
  return () => {
    t += stepMs;
    return t;
  };
}

/** An error as the SDK raises it for an IAM error code. */
function awsError(name: string, httpStatusCode: number): IAMServiceException {
  return new IAMServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message: `${name} (test)`,
  });
}

/** Stubs an account with the given authz pages and a ready credential report. */
function anAccount(
  pages: GetAccountAuthorizationDetailsResponse[] = [{ IsTruncated: false }],
  reportUsers: string[] = [],
): void {
  const authz = iamMock.on(GetAccountAuthorizationDetailsCommand);
  for (const p of pages) authz.resolvesOnce(p);
  iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
  iamMock.on(GetCredentialReportCommand).resolves({
    Content: new TextEncoder().encode([REPORT_HEADER, ...reportUsers.map(reportLine)].join('\n')),
    ReportFormat: 'text/csv',
  });
}

/** Stubs the per-user calls of the credential fallback for users without keys or passwords. */
function perUserCalls(users: string[]): void {
  iamMock.on(ListUsersCommand).resolves({
    Users: users.map((u) => ({
      UserName: u,
      Arn: userArn(u),
      UserId: `AIDA${u}`,
      Path: '/',
      CreateDate: new Date('2024-01-01T00:00:00Z'),
    })),
  });
  iamMock.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [] });
  iamMock
    .on(GetLoginProfileCommand)
    .rejects(new NoSuchEntityException({ message: 'no login profile', $metadata: {} }));
  iamMock.on(ListMFADevicesCommand).resolves({ MFADevices: [] });
}

/** A completed Access Advisor page. */
function jobPage(
  overrides: Partial<GetServiceLastAccessedDetailsResponse> = {},
): GetServiceLastAccessedDetailsResponse {
  return {
    JobStatus: 'COMPLETED',
    JobCreationDate: new Date('2026-11-15T00:00:00Z'),
    JobCompletionDate: new Date('2026-11-15T00:00:05Z'),
    ServicesLastAccessed: [],
    ...overrides,
  };
}

async function run(
  ctx: CollectIamContext,
  inventory = emptyInventory(),
): Promise<AccountInventory> {
  const clients = new AwsClients({ credentials: TEST_CREDENTIALS });
  await collectIam(clients, ctx, inventory);
  return inventory;
}

beforeEach(() => {
  iamMock.reset();
});

describe('collectIam: authorization details', () => {
  it('reads all three pages of GetAccountAuthorizationDetails, following Marker', async () => {
    // Arrange
    anAccount();
    // The SDK paginator reuses one input object: read Marker and Filter when each call is made.
    const inputs: { Marker?: string; Filter?: string[]; MaxItems?: number }[] = [];
    const stub = iamMock.on(GetAccountAuthorizationDetailsCommand);
    const responses = [
      { UserDetailList: [userDetail('alice')], IsTruncated: true, Marker: 'm1' },
      { RoleDetailList: [roleDetail('agent', '/agents/')], IsTruncated: true, Marker: 'm2' },
      { Policies: [toolsPolicy()], IsTruncated: false },
    ];
    stub.callsFake((input: (typeof inputs)[number]) => {
      inputs.push({ ...input });
      return responses[inputs.length - 1];
    });
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(inputs.map((i) => i.Marker)).toEqual([undefined, 'm1', 'm2']);
    expect(inputs[0]?.MaxItems).toBe(1000);
    expect(inputs[0]?.Filter).toEqual([
      'User',
      'Role',
      'Group',
      'LocalManagedPolicy',
      'AWSManagedPolicy',
    ]);
    expect(inventory.users.map((u) => u.name)).toEqual(['alice']);
    expect(inventory.roles.map((r) => r.arn)).toEqual([roleArn('agent', '/agents/')]);
    expect(inventory.roles[0]?.createDate).toBe('2024-01-01T00:00:00.000Z');
    expect(inventory.roles[0]?.trustPolicy?.statements).toHaveLength(1);
    expect(inventory.policies.get(policyArn('tools'))?.document?.statements[0]?.actions).toEqual([
      's3:GetObject',
    ]);
    expect(ctx.gaps.gaps).toEqual([]);
    expect(ctx.issues).toEqual([]);
  });

  it('keeps the pages read and records a failed gap when throttling outlived the retries', async () => {
    // Arrange
    iamMock
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({ UserDetailList: [userDetail('alice')], IsTruncated: true, Marker: 'm1' })
      .rejectsOnce(awsError('Throttling', 400));
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).resolves({
      Content: new TextEncoder().encode(`${REPORT_HEADER}\n${reportLine('alice')}`),
    });
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps).toEqual([
      expect.objectContaining({
        provider: 'aws',
        api: 'iam:GetAccountAuthorizationDetails',
        account: ACCOUNT,
        reason: 'failed',
        detail: expect.stringContaining('Throttling'),
      }),
    ]);
    expect(inventory.users.map((u) => u.name)).toEqual(['alice']);
    // The scan went on to the next step.
    expect(inventory.credentialReport.map((r) => r.user)).toEqual(['alice']);
  });

  it('records a gap and goes on when GetAccountAuthorizationDetails is denied', async () => {
    // Arrange
    anAccount([], ['alice']);
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejects(awsError('AccessDenied', 403));
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps.map((g) => [g.api, g.reason])).toEqual([
      ['iam:GetAccountAuthorizationDetails', 'access-denied'],
    ]);
    expect(inventory.credentialReport).toHaveLength(1);
  });

  it('fails loudly on an error that is neither denial, throttling nor transient', async () => {
    // Arrange
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejects(awsError('InvalidInput', 400));
    const ctx = aContext();

    // Act
    const result = run(ctx);

    // Assert
    await expect(result).rejects.toBeInstanceOf(ConnectorError);
    await expect(result).rejects.toMatchObject({ api: 'iam:GetAccountAuthorizationDetails' });
  });
});

describe('collectIam: credential report', () => {
  it('waits until the report is COMPLETE and parses it', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice')] }], ['alice']);
    iamMock
      .on(GenerateCredentialReportCommand)
      .resolvesOnce({ State: 'STARTED' })
      .resolvesOnce({ State: 'INPROGRESS' })
      .resolves({ State: 'COMPLETE' });
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(3);
    expect(inventory.credentialReport).toEqual([
      expect.objectContaining({
        user: 'alice',
        passwordEnabled: true,
        mfaActive: true,
        passwordLastUsed: '2026-11-01T00:00:00+00:00',
      }),
    ]);
    expect(iamMock.commandCalls(ListAccessKeysCommand)).toHaveLength(0);
    expect(ctx.gaps.gaps).toEqual([]);
  });

  it('records a gap and builds the rows per user when GetCredentialReport is denied', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice'), userDetail('bot')] }]);
    iamMock.on(GetCredentialReportCommand).rejects(awsError('AccessDenied', 403));
    perUserCalls(['alice', 'bot']);
    iamMock.on(ListUsersCommand).resolves({
      Users: [
        {
          UserName: 'alice',
          Arn: userArn('alice'),
          UserId: 'AIDAALICE',
          Path: '/',
          CreateDate: new Date('2024-01-01T00:00:00Z'),
          PasswordLastUsed: new Date('2026-11-10T00:00:00Z'),
        },
        {
          UserName: 'bot',
          Arn: userArn('bot'),
          UserId: 'AIDABOT',
          Path: '/',
          CreateDate: new Date('2024-01-01T00:00:00Z'),
        },
      ],
    });
    iamMock.on(GetLoginProfileCommand, { UserName: 'alice' }).resolves({
      LoginProfile: { UserName: 'alice', CreateDate: new Date('2024-01-01T00:00:00Z') },
    });
    iamMock.on(ListMFADevicesCommand, { UserName: 'alice' }).resolves({
      MFADevices: [
        { UserName: 'alice', SerialNumber: 'arn:mfa', EnableDate: new Date('2024-01-01') },
      ],
    });
    iamMock.on(ListAccessKeysCommand, { UserName: 'bot' }).resolves({
      AccessKeyMetadata: [
        {
          UserName: 'bot',
          AccessKeyId: 'AKIABOT1',
          Status: 'Active',
          CreateDate: new Date('2025-01-01T00:00:00Z'),
        },
      ],
    });
    iamMock.on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIABOT1' }).resolves({
      UserName: 'bot',
      AccessKeyLastUsed: {
        LastUsedDate: new Date('2026-11-14T00:00:00Z'),
        ServiceName: 'bedrock',
        Region: 'us-east-1',
      },
    });
    const ctx = aContext({ concurrency: 2 });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps).toEqual([
      expect.objectContaining({ api: 'iam:GetCredentialReport', reason: 'access-denied' }),
    ]);
    expect(inventory.credentialReport).toEqual([
      {
        user: 'alice',
        arn: userArn('alice'),
        userCreationTime: '2024-01-01T00:00:00.000Z',
        passwordEnabled: true,
        passwordLastUsed: '2026-11-10T00:00:00.000Z',
        mfaActive: true,
        accessKeys: [],
      },
      {
        user: 'bot',
        arn: userArn('bot'),
        userCreationTime: '2024-01-01T00:00:00.000Z',
        passwordEnabled: false,
        mfaActive: false,
        accessKeys: [
          {
            slot: 1,
            active: true,
            lastRotated: '2025-01-01T00:00:00.000Z',
            lastUsedDate: '2026-11-14T00:00:00.000Z',
            lastUsedService: 'bedrock',
          },
        ],
      },
    ]);
  });

  it('falls back with a failed gap when no report is present', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice')] }]);
    iamMock
      .on(GetCredentialReportCommand)
      .rejects(new CredentialReportNotPresentException({ message: 'not present', $metadata: {} }));
    perUserCalls(['alice']);
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps).toEqual([
      expect.objectContaining({ api: 'iam:GetCredentialReport', reason: 'failed' }),
    ]);
    expect(inventory.credentialReport.map((r) => r.user)).toEqual(['alice']);
  });

  it('records an issue and falls back when the report is not the documented CSV', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice')] }]);
    iamMock.on(GetCredentialReportCommand).resolves({ ReportFormat: 'text/csv' });
    perUserCalls(['alice']);
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.issues).toEqual([
      expect.objectContaining({
        file: `aws:${ACCOUNT}:iam:GetCredentialReport`,
        reason: 'invalid-credential-report',
      }),
    ]);
    expect(inventory.credentialReport.map((r) => r.user)).toEqual(['alice']);
  });

  it('stops waiting for a report that never completes and falls back', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice')] }]);
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    perUserCalls(['alice']);
    const ctx = aContext({ now: steppingClock(1_000), pollTimeoutMs: 5_000 });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps).toEqual([
      expect.objectContaining({
        api: 'iam:GenerateCredentialReport',
        reason: 'failed',
        detail: 'report not COMPLETE after 5000 ms',
      }),
    ]);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand).length).toBeGreaterThan(1);
    expect(iamMock.commandCalls(GetCredentialReportCommand)).toHaveLength(0);
    expect(inventory.credentialReport.map((r) => r.user)).toEqual(['alice']);
  });

  it('uses the inventory users when ListUsers is denied too, without duplicating a row', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice'), userDetail('bot')] }]);
    iamMock.on(GetCredentialReportCommand).rejects(awsError('AccessDenied', 403));
    perUserCalls([]);
    iamMock.on(ListUsersCommand).rejects(awsError('AccessDenied', 403));
    const inventory = emptyInventory();
    inventory.credentialReport.push(aCredentialRow({ user: 'alice', passwordEnabled: true }));
    const ctx = aContext();

    // Act
    await run(ctx, inventory);

    // Assert
    expect(ctx.gaps.gaps.map((g) => g.api)).toEqual(['iam:GetCredentialReport', 'iam:ListUsers']);
    expect(inventory.credentialReport.map((r) => [r.user, r.passwordEnabled])).toEqual([
      ['alice', true],
      ['bot', false],
    ]);
  });

  it('drops a user deleted during the scan and records throttled key reads as gaps', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice'), userDetail('gone')] }]);
    iamMock.on(GetCredentialReportCommand).rejects(awsError('AccessDenied', 403));
    perUserCalls(['alice', 'gone']);
    iamMock
      .on(ListAccessKeysCommand, { UserName: 'gone' })
      .rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    iamMock.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
      AccessKeyMetadata: [{ UserName: 'alice', AccessKeyId: 'AKIAALICE', Status: 'Active' }],
    });
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(awsError('Throttling', 400));
    const ctx = aContext();

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(inventory.credentialReport.map((r) => r.user)).toEqual(['alice']);
    expect(inventory.credentialReport[0]?.accessKeys).toEqual([{ slot: 1, active: true }]);
    expect(ctx.gaps.gaps.map((g) => [g.api, g.reason])).toEqual([
      ['iam:GetCredentialReport', 'access-denied'],
      ['iam:GetAccessKeyLastUsed', 'failed'],
    ]);
  });
});

describe('collectIam: service last accessed', () => {
  it('reads action-level data for every user and role but service-linked ones', async () => {
    // Arrange
    anAccount([
      {
        UserDetailList: [userDetail('alice')],
        RoleDetailList: [
          roleDetail('agent'),
          roleDetail('AWSServiceRoleForSupport', '/aws-service-role/support.amazonaws.com/'),
        ],
      },
    ]);
    iamMock
      .on(GenerateServiceLastAccessedDetailsCommand)
      .callsFake((input: { Arn: string }) => ({ JobId: `job:${input.Arn}` }));
    iamMock
      .on(GetServiceLastAccessedDetailsCommand, { JobId: `job:${userArn('alice')}` })
      .resolves(jobPage({ ServicesLastAccessed: [{ ServiceName: 'S3', ServiceNamespace: 's3' }] }));
    const agentJob = `job:${roleArn('agent')}`;
    iamMock
      .on(GetServiceLastAccessedDetailsCommand, { JobId: agentJob })
      .resolvesOnce(jobPage({ JobStatus: 'IN_PROGRESS' }))
      .resolvesOnce(
        jobPage({
          IsTruncated: true,
          Marker: 'p2',
          ServicesLastAccessed: [
            {
              ServiceName: 'Amazon S3',
              ServiceNamespace: 's3',
              LastAuthenticated: new Date('2026-11-01T00:00:00Z'),
              TrackedActionsLastAccessed: [
                { ActionName: 'GetObject', LastAccessedTime: new Date('2026-11-01T00:00:00Z') },
                { ActionName: 'PutObject' },
              ],
            },
          ],
        }),
      );
    iamMock
      .on(GetServiceLastAccessedDetailsCommand, { JobId: agentJob, Marker: 'p2' })
      .resolves(
        jobPage({ ServicesLastAccessed: [{ ServiceName: 'SQS', ServiceNamespace: 'sqs' }] }),
      );
    // A role of another account already in a shared inventory is not this scan's to query.
    const inventory = emptyInventory();
    inventory.roles.push(
      aRole({ arn: roleArn('x').replace(ACCOUNT, OTHER_ACCOUNT), accountId: OTHER_ACCOUNT }),
    );
    const ctx = aContext({ lastAccessed: undefined });

    // Act
    await run(ctx, inventory);

    // Assert
    const generated = iamMock.commandCalls(GenerateServiceLastAccessedDetailsCommand);
    expect(generated.map((c) => c.args[0].input)).toEqual([
      { Arn: userArn('alice'), Granularity: 'ACTION_LEVEL' },
      { Arn: roleArn('agent'), Granularity: 'ACTION_LEVEL' },
    ]);
    expect(inventory.lastAccessed).toEqual([
      { principalArn: userArn('alice'), services: [{ namespace: 's3', name: 'S3' }] },
      {
        principalArn: roleArn('agent'),
        services: [
          {
            namespace: 's3',
            name: 'Amazon S3',
            lastAuthenticated: '2026-11-01T00:00:00.000Z',
            actions: [
              { action: 'GetObject', lastAccessed: '2026-11-01T00:00:00.000Z' },
              { action: 'PutObject' },
            ],
          },
          { namespace: 'sqs', name: 'SQS' },
        ],
      },
    ]);
    // Jobs are read by the client (credentials session) that generated them.
    const senders = new Set(
      [...generated, ...iamMock.commandCalls(GetServiceLastAccessedDetailsCommand)].map(
        (c) => c.thisValue,
      ),
    );
    expect(senders.size).toBe(1);
    expect(ctx.gaps.gaps).toEqual([]);
  });

  it('asks for SERVICE_LEVEL data when told, and for nothing when off', async () => {
    // Arrange
    anAccount([
      { UserDetailList: [userDetail('alice')] },
      { UserDetailList: [userDetail('alice')] },
    ]);
    iamMock.on(GenerateServiceLastAccessedDetailsCommand).resolves({ JobId: 'j' });
    iamMock.on(GetServiceLastAccessedDetailsCommand).resolves(jobPage());

    // Act
    await run(aContext({ lastAccessed: 'service' }));
    await run(aContext({ lastAccessed: 'off' }));

    // Assert
    expect(
      iamMock.commandCalls(GenerateServiceLastAccessedDetailsCommand).map((c) => c.args[0].input),
    ).toEqual([{ Arn: userArn('alice'), Granularity: 'SERVICE_LEVEL' }]);
  });

  it('records a gap for a job still IN_PROGRESS at the timeout and reads the others', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice'), userDetail('bot')] }]);
    iamMock
      .on(GenerateServiceLastAccessedDetailsCommand)
      .callsFake((input: { Arn: string }) => ({ JobId: `job:${input.Arn}` }));
    iamMock
      .on(GetServiceLastAccessedDetailsCommand, { JobId: `job:${userArn('alice')}` })
      .resolves(jobPage({ JobStatus: 'IN_PROGRESS' }));
    iamMock
      .on(GetServiceLastAccessedDetailsCommand, { JobId: `job:${userArn('bot')}` })
      .resolves(jobPage());
    const ctx = aContext({
      lastAccessed: 'action',
      now: steppingClock(1_000),
      pollTimeoutMs: 3_000,
    });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps).toEqual([
      {
        provider: 'aws',
        api: 'iam:GetServiceLastAccessedDetails',
        account: ACCOUNT,
        reason: 'failed',
        detail: `${userArn('alice')}: job job:${userArn('alice')} still IN_PROGRESS after 3000 ms`,
      },
    ]);
    expect(inventory.lastAccessed.map((l) => l.principalArn)).toEqual([userArn('bot')]);
  });

  it('records a FAILED job as a gap with its error', async () => {
    // Arrange
    anAccount([{ RoleDetailList: [roleDetail('agent')] }]);
    iamMock.on(GenerateServiceLastAccessedDetailsCommand).resolves({ JobId: 'j1' });
    iamMock
      .on(GetServiceLastAccessedDetailsCommand)
      .resolves(
        jobPage({ JobStatus: 'FAILED', Error: { Code: 'InternalError', Message: 'try later' } }),
      );
    const ctx = aContext({ lastAccessed: 'action' });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps).toEqual([
      expect.objectContaining({
        api: 'iam:GetServiceLastAccessedDetails',
        reason: 'failed',
        detail: `${roleArn('agent')}: job j1 FAILED: InternalError: try later`,
      }),
    ]);
    expect(inventory.lastAccessed).toEqual([]);
  });

  it('turns denied, throttled and vanished principals into gaps or skips, never a crash', async () => {
    // Arrange
    anAccount([
      { UserDetailList: [userDetail('denied'), userDetail('throttled'), userDetail('gone')] },
    ]);
    iamMock
      .on(GenerateServiceLastAccessedDetailsCommand, { Arn: userArn('denied') })
      .rejects(awsError('AccessDenied', 403))
      .on(GenerateServiceLastAccessedDetailsCommand, { Arn: userArn('throttled') })
      .rejects(awsError('Throttling', 400))
      .on(GenerateServiceLastAccessedDetailsCommand, { Arn: userArn('gone') })
      .rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    const ctx = aContext({ lastAccessed: 'action' });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(ctx.gaps.gaps.map((g) => [g.api, g.reason, g.detail.split(':')[0]])).toEqual([
      ['iam:GenerateServiceLastAccessedDetails', 'access-denied', 'AccessDenied'],
      ['iam:GenerateServiceLastAccessedDetails', 'failed', 'arn'],
    ]);
    expect(ctx.gaps.gaps[1]?.detail).toContain(userArn('throttled'));
    expect(inventory.lastAccessed).toEqual([]);
    expect(iamMock.commandCalls(GetServiceLastAccessedDetailsCommand)).toHaveLength(0);
  });

  it('drops a principal whose later page failed rather than report it half', async () => {
    // Arrange
    anAccount([{ UserDetailList: [userDetail('alice')] }]);
    iamMock.on(GenerateServiceLastAccessedDetailsCommand).resolves({ JobId: 'j' });
    iamMock
      .on(GetServiceLastAccessedDetailsCommand)
      .resolvesOnce(jobPage({ IsTruncated: true, Marker: 'p2' }))
      .rejects(awsError('ServiceUnavailable', 503));
    const ctx = aContext({ lastAccessed: 'action' });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(inventory.lastAccessed).toEqual([]);
    expect(ctx.gaps.gaps.map((g) => [g.api, g.reason])).toEqual([
      ['iam:GetServiceLastAccessedDetails', 'failed'],
    ]);
  });

  it('keeps at most `concurrency` jobs in flight', async () => {
    // Arrange
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    anAccount([{ UserDetailList: names.map(userDetail) }]);
    let inFlight = 0;
    let peak = 0;
    iamMock.on(GenerateServiceLastAccessedDetailsCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      return { JobId: 'j' };
    });
    iamMock.on(GetServiceLastAccessedDetailsCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return jobPage();
    });
    const ctx = aContext({ lastAccessed: 'action', concurrency: 2 });

    // Act
    const inventory = await run(ctx);

    // Assert
    expect(peak).toBe(2);
    expect(inventory.lastAccessed).toHaveLength(names.length);
  });
});
