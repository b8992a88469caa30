/**
 * collectIam through the real IAMClient against moto on loopback. moto 5.2 implements
 * GetAccountAuthorizationDetails (without paging: it ignores MaxItems), the credential report,
 * ListUsers, ListAccessKeys, GetAccessKeyLastUsed, GetLoginProfile and ListMFADevices, but not
 * GenerateServiceLastAccessedDetails/GetServiceLastAccessedDetails (it answers HTTP 500), so
 * Access Advisor results, paging and IN_PROGRESS/FAILED jobs are covered with
 * aws-sdk-client-mock in test/unit/connectors/aws/iam/collect-iam.test.ts.
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetCredentialReportCommand,
  type IAMClient,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { collectIam } from '#connectors/aws/iam/collect-iam.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { addAuthorizationDetails } from '#core/iam/authz-details.ts';
import { type AccountInventory, emptyInventory } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const endpoint = inject('motoEndpoint');
/** moto's default account. */
const ACCOUNT = '123456789012';

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};
const ACCOUNT_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
};
const allow = (...actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});
const TOOLS_V1 = allow('s3:GetObject', 'dynamodb:Query');
const TOOLS_V2 = allow('s3:*', 'dynamodb:*');
const READ_LOGS = allow('logs:GetLogEvents');

/** Seeds an account: two users, two roles, a group, inline and managed policies. */
async function seed(iam: IAMClient): Promise<{ botKey: { id: string; secret: string } }> {
  await iam.send(
    new CreateUserCommand({
      UserName: 'alice',
      Path: '/humans/',
      Tags: [{ Key: 'team', Value: 'platform' }],
    }),
  );
  await iam.send(
    new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Not-a-real-pw-1!' }),
  );
  await iam.send(new CreateUserCommand({ UserName: 'ci-bot' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'ci-bot',
      PolicyName: 'deploy',
      PolicyDocument: JSON.stringify(allow('lambda:UpdateFunctionCode')),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-bot' }));

  const tools = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'agent-tools',
      Path: '/agents/',
      PolicyDocument: JSON.stringify(TOOLS_V1),
    }),
  );
  // A broader, non-default version: history, not what is in force.
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: tools.Policy!.Arn!,
      PolicyDocument: JSON.stringify(TOOLS_V2),
      SetAsDefault: false,
    }),
  );
  const logs = await iam.send(
    new CreatePolicyCommand({ PolicyName: 'read-logs', PolicyDocument: JSON.stringify(READ_LOGS) }),
  );

  await iam.send(
    new CreateRoleCommand({
      RoleName: 'support-agent',
      Path: '/agents/',
      AssumeRolePolicyDocument: JSON.stringify(LAMBDA_TRUST),
      Tags: [{ Key: 'leash:agent', Value: 'true' }],
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: 'support-agent', PolicyArn: tools.Policy!.Arn! }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'support-agent',
      PolicyName: 'queue',
      PolicyDocument: JSON.stringify(allow('sqs:SendMessage')),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ops',
      AssumeRolePolicyDocument: JSON.stringify(ACCOUNT_TRUST),
    }),
  );

  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: logs.Policy!.Arn! }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'devs',
      PolicyName: 'describe',
      PolicyDocument: JSON.stringify(allow('ec2:Describe*')),
    }),
  );
  return { botKey: { id: key.AccessKey!.AccessKeyId!, secret: key.AccessKey!.SecretAccessKey! } };
}

/**
 * The same account as `aws iam get-account-authorization-details` prints it: documents decoded
 * into JSON objects (the API sends them URL-encoded), no ids or dates (compared separately).
 */
function equivalentExport(): Record<string, unknown> {
  const arn = (kind: string, path: string, name: string) =>
    `arn:aws:iam::${ACCOUNT}:${kind}${path}${name}`;
  return {
    UserDetailList: [
      {
        Path: '/humans/',
        UserName: 'alice',
        Arn: arn('user', '/humans/', 'alice'),
        GroupList: ['devs'],
        UserPolicyList: [],
        AttachedManagedPolicies: [],
        Tags: [{ Key: 'team', Value: 'platform' }],
      },
      {
        Path: '/',
        UserName: 'ci-bot',
        Arn: arn('user', '/', 'ci-bot'),
        GroupList: [],
        UserPolicyList: [
          { PolicyName: 'deploy', PolicyDocument: allow('lambda:UpdateFunctionCode') },
        ],
        AttachedManagedPolicies: [],
        Tags: [],
      },
    ],
    GroupDetailList: [
      {
        Path: '/',
        GroupName: 'devs',
        Arn: arn('group', '/', 'devs'),
        GroupPolicyList: [{ PolicyName: 'describe', PolicyDocument: allow('ec2:Describe*') }],
        AttachedManagedPolicies: [
          { PolicyName: 'read-logs', PolicyArn: arn('policy', '/', 'read-logs') },
        ],
      },
    ],
    RoleDetailList: [
      {
        Path: '/agents/',
        RoleName: 'support-agent',
        Arn: arn('role', '/agents/', 'support-agent'),
        AssumeRolePolicyDocument: LAMBDA_TRUST,
        InstanceProfileList: [],
        RolePolicyList: [{ PolicyName: 'queue', PolicyDocument: allow('sqs:SendMessage') }],
        AttachedManagedPolicies: [
          { PolicyName: 'agent-tools', PolicyArn: arn('policy', '/agents/', 'agent-tools') },
        ],
        Tags: [{ Key: 'leash:agent', Value: 'true' }],
        RoleLastUsed: {},
      },
      {
        Path: '/',
        RoleName: 'ops',
        Arn: arn('role', '/', 'ops'),
        AssumeRolePolicyDocument: ACCOUNT_TRUST,
        InstanceProfileList: [],
        RolePolicyList: [],
        AttachedManagedPolicies: [],
        Tags: [],
        RoleLastUsed: {},
      },
    ],
    Policies: [
      {
        PolicyName: 'agent-tools',
        Arn: arn('policy', '/agents/', 'agent-tools'),
        Path: '/agents/',
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        PolicyVersionList: [
          { Document: TOOLS_V1, VersionId: 'v1', IsDefaultVersion: true },
          { Document: TOOLS_V2, VersionId: 'v2', IsDefaultVersion: false },
        ],
      },
      {
        PolicyName: 'read-logs',
        Arn: arn('policy', '/', 'read-logs'),
        Path: '/',
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        PolicyVersionList: [{ Document: READ_LOGS, VersionId: 'v1', IsDefaultVersion: true }],
      },
    ],
  };
}

/** The inventory without what only the live account knows (ids, creation dates, last use). */
function stable(inv: AccountInventory) {
  const sortBy = <T extends { arn: string }>(xs: T[]) =>
    [...xs].sort((a, b) => a.arn.localeCompare(b.arn));
  return {
    accountIds: inv.accountIds,
    users: sortBy(inv.users).map(({ id: _id, createDate: _c, ...u }) => u),
    roles: sortBy(inv.roles).map(({ id: _id, createDate: _c, lastUsed: _l, ...r }) => r),
    groups: sortBy(inv.groups),
    policies: [...inv.policies.values()].sort((a, b) => a.arn.localeCompare(b.arn)),
  };
}

describe('collectIam against moto', () => {
  let clients: AwsClients;

  beforeEach(async () => {
    await resetMoto(endpoint);
    clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS });
  });
  afterEach(() => clients.destroy());

  it('reads the same inventory as the offline parser gives for the equivalent export', async () => {
    // Arrange
    const iam = clients.iam();
    const { botKey } = await seed(iam);
    // Use the bot's key once so that GetAccessKeyLastUsed and the report have a date.
    const asBot = new AwsClients({
      endpoint,
      credentials: { accessKeyId: botKey.id, secretAccessKey: botKey.secret },
    });
    await asBot.iam().send(new ListUsersCommand({}));
    // Act as the agent role once, so that moto records RoleLastUsed.
    const session = await clients.sts().send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/agents/support-agent`,
        RoleSessionName: 'it',
      }),
    );
    const creds = session.Credentials!;
    const asAgent = new AwsClients({
      endpoint,
      credentials: {
        accessKeyId: creds.AccessKeyId!,
        secretAccessKey: creds.SecretAccessKey!,
        sessionToken: creds.SessionToken!,
      },
    });
    await asAgent.iam().send(new ListUsersCommand({}));
    asBot.destroy();
    asAgent.destroy();
    const expected = emptyInventory();
    const expectedIssues: InputIssue[] = [];
    addAuthorizationDetails(expected, equivalentExport(), 'export.json', expectedIssues);
    const inventory = emptyInventory();
    const gaps = new GapRecorder();
    const issues: InputIssue[] = [];

    // Act
    await collectIam(
      clients,
      { accountId: ACCOUNT, gaps, issues, now: Date.now, lastAccessed: 'off', pollIntervalMs: 10 },
      inventory,
    );

    // Assert
    expect(gaps.gaps).toEqual([]);
    expect(issues).toEqual([]);
    expect(expectedIssues).toEqual([]);
    expect(stable(inventory)).toEqual(stable(expected));
    expect(inventory.users).toHaveLength(2);
    expect(inventory.roles).toHaveLength(2);
    expect(inventory.groups).toHaveLength(1);
    expect(inventory.policies.size).toBe(2);
    // The default version (v1) is in force, not the broader v2.
    const tools = inventory.policies.get(`arn:aws:iam::${ACCOUNT}:policy/agents/agent-tools`);
    expect(tools?.defaultVersionId).toBe('v1');
    expect(tools?.document?.statements.flatMap((s) => s.actions ?? [])).toEqual([
      's3:GetObject',
      'dynamodb:Query',
    ]);
    expect(inventory.users.find((u) => u.name === 'alice')?.groups).toEqual(['devs']);
    for (const identity of [...inventory.users, ...inventory.roles]) {
      expect(identity.id).toMatch(/\S/);
      expect(Date.parse(identity.createDate ?? '')).not.toBeNaN();
    }
    // RoleLastUsed: a date for the role that acted, an empty object for the one that never did.
    const agent = inventory.roles.find((r) => r.name === 'support-agent');
    expect(Date.parse(agent?.lastUsed?.date ?? '')).not.toBeNaN();
    expect(inventory.roles.find((r) => r.name === 'ops')?.lastUsed).toEqual({});
    // Credential report rows: alice's password, the bot's used key.
    const rows = new Map(inventory.credentialReport.map((r) => [r.user, r]));
    expect(rows.get('alice')).toMatchObject({ passwordEnabled: true, accessKeys: [] });
    expect(rows.get('ci-bot')).toMatchObject({
      passwordEnabled: false,
      accessKeys: [{ slot: 1, active: true }],
    });
    expect(Date.parse(rows.get('ci-bot')?.accessKeys[0]?.lastUsedDate ?? '')).not.toBeNaN();
  });

  it('builds the same credential rows per user when the report is denied', async () => {
    // Arrange
    const iam = clients.iam();
    const { botKey } = await seed(iam);
    const asBot = new AwsClients({
      endpoint,
      credentials: { accessKeyId: botKey.id, secretAccessKey: botKey.secret },
    });
    await asBot.iam().send(new ListUsersCommand({}));
    asBot.destroy();
    const viaReport = emptyInventory();
    await collectIam(
      clients,
      {
        accountId: ACCOUNT,
        gaps: new GapRecorder(),
        issues: [],
        now: Date.now,
        lastAccessed: 'off',
        pollIntervalMs: 10,
      },
      viaReport,
    );
    // moto cannot deny one action on a shared server: deny GetCredentialReport on the client.
    denyOnClient(iam, GetCredentialReportCommand.name);
    const gaps = new GapRecorder();
    const inventory = emptyInventory();

    // Act
    await collectIam(
      clients,
      {
        accountId: ACCOUNT,
        gaps,
        issues: [],
        now: Date.now,
        lastAccessed: 'off',
        pollIntervalMs: 10,
      },
      inventory,
    );

    // Assert
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ api: 'iam:GetCredentialReport', reason: 'access-denied' }),
    ]);
    // The report has second precision; compare the fallback's dates at that precision.
    const seconds = (rows: AccountInventory['credentialReport']) =>
      rows
        .map((r) => ({
          user: r.user,
          arn: r.arn,
          passwordEnabled: r.passwordEnabled,
          mfaActive: r.mfaActive,
          keys: r.accessKeys.map((k) => ({
            slot: k.slot,
            active: k.active,
            lastRotated: Math.floor(Date.parse(k.lastRotated ?? '') / 1000),
            lastUsedDate: Math.floor(Date.parse(k.lastUsedDate ?? '') / 1000),
          })),
        }))
        .sort((a, b) => a.user.localeCompare(b.user));
    expect(seconds(inventory.credentialReport)).toEqual(seconds(viaReport.credentialReport));
    expect(inventory.credentialReport.map((r) => r.user).sort()).toEqual(['alice', 'ci-bot']);
  });

  it('records a failed gap per principal for Access Advisor, which moto lacks, and goes on', async () => {
    // Arrange
    await seed(clients.iam());
    // One attempt: moto's HTTP 500 for an unimplemented action would otherwise be retried.
    const once = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const gaps = new GapRecorder();
    const inventory = emptyInventory();

    // Act
    await collectIam(
      once,
      { accountId: ACCOUNT, gaps, issues: [], now: Date.now, pollIntervalMs: 10 },
      inventory,
    );
    once.destroy();

    // Assert
    expect(inventory.users).toHaveLength(2);
    expect(inventory.credentialReport).toHaveLength(2);
    expect(inventory.lastAccessed).toEqual([]);
    expect(gaps.gaps).toHaveLength(4);
    expect(new Set(gaps.gaps.map((g) => `${g.api} ${g.reason}`))).toEqual(
      new Set(['iam:GenerateServiceLastAccessedDetails failed']),
    );
  });
});

/** Makes one command fail on this client as IAM does for a caller without permission. */
function denyOnClient(client: IAMClient, commandName: string): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) {
        throw Object.assign(new Error(`not authorized to perform ${commandName}`), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'leashTestDeny' },
  );
}
