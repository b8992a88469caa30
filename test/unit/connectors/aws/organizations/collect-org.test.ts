import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import type { AwsCredentialIdentity } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import {
  AssumeRoleError,
  forEachAccount,
  listMemberAccounts,
  refreshing,
} from '#connectors/aws/organizations/collect-org.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

/** An error shaped like the SDK's service exceptions. */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

describe('listMemberAccounts', () => {
  let clients: AwsClients;
  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
  });
  afterEach(() => clients.destroy());

  it('lists ACTIVE accounts across pages and skips suspended and closed ones', async () => {
    // Arrange
    const org = mockClient(clients.organizations());
    org.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) =>
      input.NextToken
        ? {
            Accounts: [
              { Id: '333333333333', Name: 'old', State: 'SUSPENDED', Status: 'SUSPENDED' },
              { Id: '444444444444', Name: 'legacy', Status: 'ACTIVE' },
              { Id: '555555555555', Name: 'closing', State: 'PENDING_CLOSURE', Status: 'ACTIVE' },
            ],
          }
        : {
            Accounts: [
              {
                Id: '111111111111',
                Name: 'management',
                Email: 'root@example.com',
                State: 'ACTIVE',
                Status: 'ACTIVE',
              },
              {
                Id: '222222222222',
                Name: 'prod',
                Email: 'prod@example.com',
                State: 'ACTIVE',
                Status: 'ACTIVE',
              },
            ],
            NextToken: 'p2',
          },
    );
    const gaps = new GapRecorder();
    // Act
    const accounts = await listMemberAccounts(clients, gaps);
    // Assert
    expect(accounts).toEqual([
      { id: '111111111111', name: 'management', status: 'ACTIVE', email: 'root@example.com' },
      { id: '222222222222', name: 'prod', status: 'ACTIVE', email: 'prod@example.com' },
      { id: '444444444444', name: 'legacy', status: 'ACTIVE' },
    ]);
    expect(gaps.gaps).toEqual([]);
  });

  it('records an unsupported gap when the account is not in an organization', async () => {
    // Arrange
    mockClient(clients.organizations())
      .on(ListAccountsCommand)
      .rejects(
        awsError(
          'AWSOrganizationsNotInUseException',
          'Your account is not a member of an organization.',
        ),
      );
    const gaps = new GapRecorder();
    // Act
    const accounts = await listMemberAccounts(clients, gaps);
    // Assert
    expect(accounts).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ api: 'organizations:ListAccounts', reason: 'unsupported' }),
    ]);
  });

  it('records an access-denied gap when called from a member account', async () => {
    // Arrange
    mockClient(clients.organizations())
      .on(ListAccountsCommand)
      .rejects(awsError('AccessDeniedException'));
    const gaps = new GapRecorder();
    // Act
    const accounts = await listMemberAccounts(clients, gaps);
    // Assert
    expect(accounts).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ api: 'organizations:ListAccounts', reason: 'access-denied' }),
    ]);
  });
});

describe('forEachAccount', () => {
  const accounts = [
    { id: '111111111111' },
    { id: '222222222222' },
    { id: '333333333333' },
    { id: '444444444444' },
  ];

  it('records failed accounts as gaps and lets the others complete', async () => {
    // Arrange
    const gaps = new GapRecorder();
    // Act
    const results = await forEachAccount(
      accounts,
      async (a) => {
        if (a.id === '222222222222')
          throw new AssumeRoleError('cannot assume', a.id, {
            cause: awsError('AccessDenied', 'not authorized'),
          });
        if (a.id === '333333333333')
          throw awsError('RegionDisabledException', 'STS is not activated');
        if (a.id === '444444444444')
          throw new ConnectorError('iam:ListUsers failed', 'iam:ListUsers');
        return `scanned ${a.id}`;
      },
      { concurrency: 2, gaps },
    );
    // Assert
    expect(results.map((r) => (r.ok ? r.value : `error ${r.accountId}`))).toEqual([
      'scanned 111111111111',
      'error 222222222222',
      'error 333333333333',
      'error 444444444444',
    ]);
    expect(gaps.gaps.map((g) => [g.account, g.api, g.reason])).toEqual([
      ['222222222222', 'sts:AssumeRole', 'access-denied'],
      ['333333333333', 'sts:AssumeRole', 'failed'],
      ['444444444444', 'iam:ListUsers', 'failed'],
    ]);
  });

  it('runs at most `concurrency` accounts at once', async () => {
    // Arrange
    let running = 0;
    let peak = 0;
    // Act
    await forEachAccount(
      accounts,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { concurrency: 2, gaps: new GapRecorder() },
    );
    // Assert
    expect(peak).toBe(2);
  });
});

describe('refreshing', () => {
  /** A provider that hands out numbered credentials expiring `ttlMs` after `now`. */
  function counter(now: () => number, ttlMs: number) {
    let calls = 0;
    const provider = async (): Promise<AwsCredentialIdentity> => {
      calls++;
      return {
        accessKeyId: `key-${calls}`,
        secretAccessKey: 's',
        expiration: new Date(now() + ttlMs),
      };
    };
    return { provider, calls: () => calls };
  }

  it('shares one set of credentials between concurrent callers', async () => {
    // Arrange
    const now = () => 0;
    const source = counter(now, 3_600_000);
    const creds = refreshing(source.provider, now);
    // Act
    const got = await Promise.all([creds(), creds(), creds()]);
    // Assert
    expect(got.map((c) => c.accessKeyId)).toEqual(['key-1', 'key-1', 'key-1']);
    expect(source.calls()).toBe(1);
  });

  it('renews the credentials within five minutes of expiry', async () => {
    // Arrange
    let t = 0;
    const now = () => t;
    const source = counter(now, 3_600_000);
    const creds = refreshing(source.provider, now);
    await creds();
    // Act
    t = 3_600_000 - 6 * 60_000;
    const before = await creds();
    t = 3_600_000 - 4 * 60_000;
    const after = await creds();
    // Assert
    expect(before.accessKeyId).toBe('key-1');
    expect(after.accessKeyId).toBe('key-2');
  });

  it('tries again after a failed call instead of caching the failure', async () => {
    // Arrange
    let fail = true;
    const creds = refreshing(async () => {
      if (fail) throw awsError('AccessDenied');
      return { accessKeyId: 'ok', secretAccessKey: 's' };
    });
    // Act
    await expect(creds()).rejects.toThrow('AccessDenied');
    fail = false;
    const got = await creds();
    // Assert
    expect(got.accessKeyId).toBe('ok');
  });
});
