/**
 * Multi-account scanning against moto: an organization with three member accounts, the
 * OrganizationAccountAccessRole assumed into each through STS, and IAM read in each member.
 * moto creates that role in every account it creates (with no permissions: the test grants
 * them). One account is made to fail the realistic way: moto's IAM enforcement is switched on
 * (POST /moto-api/reset-auth) and the scanning user's policy denies sts:AssumeRole into it.
 * moto answers ListAccounts outside an organization with an empty list rather than
 * AWSOrganizationsNotInUseException, so that gap is covered by the unit tests.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import {
  AssumeRoleError,
  assumeInto,
  forEachAccount,
  listMemberAccounts,
} from '#connectors/aws/organizations/collect-org.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const endpoint = inject('motoEndpoint');
const MANAGEMENT = '123456789012'; // moto's default account, the organization's management account
const ROLE = 'OrganizationAccountAccessRole';

/** Sets how many requests moto serves before it enforces IAM (`inf`: never, the default). */
async function motoAuthAfter(count: number | 'inf'): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    body: String(count),
  });
  if (!res.ok) throw new Error(`reset-auth failed: ${res.status}`);
}

/** Builds an organization with members a, b and c, each with one IAM user and a role that may read IAM. */
async function anOrganization(admin: AwsClients): Promise<Record<'a' | 'b' | 'c', string>> {
  await admin.organizations().send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const ids: Record<string, string> = {};
  for (const name of ['a', 'b', 'c']) {
    const out = await admin
      .organizations()
      .send(
        new CreateAccountCommand({ AccountName: `member-${name}`, Email: `${name}@example.com` }),
      );
    const id = out.CreateAccountStatus!.AccountId!;
    ids[name] = id;
    const member = await assumeInto(admin, { accountId: id, roleName: ROLE, sessionName: 'setup' });
    await member.iam().send(
      new PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: 'read-iam',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['iam:List*', 'iam:Get*'], Resource: '*' }],
        }),
      }),
    );
    await member.iam().send(new CreateUserCommand({ UserName: `user-${name}` }));
    member.destroy();
  }
  return ids as Record<'a' | 'b' | 'c', string>;
}

describe('organization scanning against moto', () => {
  let admin: AwsClients;
  beforeEach(async () => {
    await resetMoto(endpoint);
    admin = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
  });
  afterEach(async () => {
    await motoAuthAfter('inf');
    admin.destroy();
  });

  it('assumes the member role into each account, reads IAM there, and records a denied account as a gap', async () => {
    // Arrange
    const ids = await anOrganization(admin);
    await admin.iam().send(new CreateUserCommand({ UserName: 'scanner' }));
    await admin.iam().send(
      new PutUserPolicyCommand({
        UserName: 'scanner',
        PolicyName: 'scan',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' },
            { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${ROLE}` },
            {
              Effect: 'Deny',
              Action: 'sts:AssumeRole',
              Resource: `arn:aws:iam::${ids.c}:role/${ROLE}`,
            },
          ],
        }),
      }),
    );
    const key = (await admin.iam().send(new CreateAccessKeyCommand({ UserName: 'scanner' })))
      .AccessKey!;
    const scanner = new AwsClients({
      endpoint,
      maxAttempts: 2,
      credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
    });
    await motoAuthAfter(0);
    const gaps = new GapRecorder();
    try {
      // Act
      const accounts = await listMemberAccounts(scanner, gaps);
      const members = accounts.filter((a) => a.id !== MANAGEMENT);
      const results = await forEachAccount(
        members,
        async (account) => {
          const member = await assumeInto(scanner, {
            accountId: account.id,
            roleName: ROLE,
            sessionName: 'leash-scan',
          });
          try {
            const who = await member.sts().send(new GetCallerIdentityCommand({}));
            const users = await member.iam().send(new ListUsersCommand({}));
            return { arn: who.Arn, users: (users.Users ?? []).map((u) => u.UserName) };
          } finally {
            member.destroy();
          }
        },
        { concurrency: 2, gaps },
      );
      // Assert
      expect(accounts.map((a) => [a.id, a.name, a.status, a.email])).toEqual([
        [MANAGEMENT, 'master', 'ACTIVE', 'master@example.com'],
        [ids.a, 'member-a', 'ACTIVE', 'a@example.com'],
        [ids.b, 'member-b', 'ACTIVE', 'b@example.com'],
        [ids.c, 'member-c', 'ACTIVE', 'c@example.com'],
      ]);
      expect(results.filter((r) => r.ok)).toEqual([
        {
          accountId: ids.a,
          ok: true,
          value: {
            arn: `arn:aws:sts::${ids.a}:assumed-role/${ROLE}/leash-scan`,
            users: ['user-a'],
          },
        },
        {
          accountId: ids.b,
          ok: true,
          value: {
            arn: `arn:aws:sts::${ids.b}:assumed-role/${ROLE}/leash-scan`,
            users: ['user-b'],
          },
        },
      ]);
      const failed = results.find((r) => !r.ok);
      expect(failed?.accountId).toBe(ids.c);
      expect(failed && !failed.ok && failed.error).toBeInstanceOf(AssumeRoleError);
      expect(gaps.gaps).toEqual([
        {
          provider: 'aws',
          api: 'sts:AssumeRole',
          account: ids.c,
          reason: 'access-denied',
          detail: expect.stringContaining(`arn:aws:iam::${ids.c}:role/${ROLE}`),
        },
      ]);
    } finally {
      await motoAuthAfter('inf');
      scanner.destroy();
    }
  });

  it('passes the external id and partition into the assumed role ARN', async () => {
    // Arrange
    const ids = await anOrganization(admin);
    // Act
    const member = await assumeInto(admin, {
      accountId: ids.b,
      roleName: ROLE,
      externalId: 'leash-external-id',
      sessionName: 'with-external-id',
      partition: 'aws',
    });
    const who = await member.sts().send(new GetCallerIdentityCommand({}));
    member.destroy();
    // Assert
    expect(who.Account).toBe(ids.b);
    expect(who.Arn).toBe(`arn:aws:sts::${ids.b}:assumed-role/${ROLE}/with-external-id`);
  });
});
