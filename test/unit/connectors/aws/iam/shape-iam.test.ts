import { describe, expect, it } from 'vitest';
import {
  mergeCredentialRows,
  rowsFromKeys,
  toAuthorizationDetailsPage,
  toServiceLastAccessed,
} from '#connectors/aws/iam/shape-iam.ts';
import { addAuthorizationDetails } from '#core/iam/authz-details.ts';
import { emptyInventory } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { aCredentialRow, policyArn, roleArn, userArn } from '#test/helpers/builders.ts';

const encode = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));

describe('toAuthorizationDetailsPage', () => {
  it('turns SDK dates into ISO strings and drops $metadata', () => {
    // Arrange
    const page = {
      $metadata: { httpStatusCode: 200 },
      RoleDetailList: [
        {
          RoleName: 'agent',
          Arn: roleArn('agent'),
          CreateDate: new Date('2025-03-01T10:00:00Z'),
          RoleLastUsed: { LastUsedDate: new Date('2026-11-01T12:00:00Z'), Region: 'eu-west-1' },
        },
      ],
    };

    // Act
    const json = toAuthorizationDetailsPage(page);

    // Assert
    expect(json).toEqual({
      RoleDetailList: [
        {
          RoleName: 'agent',
          Arn: roleArn('agent'),
          CreateDate: '2025-03-01T10:00:00.000Z',
          RoleLastUsed: { LastUsedDate: '2026-11-01T12:00:00.000Z', Region: 'eu-west-1' },
        },
      ],
    });
  });

  it('reads a missing PolicyName from the policy ARN and keeps one that is present', () => {
    // Arrange
    const page = {
      Policies: [
        { Arn: 'arn:aws:iam::111111111111:policy/team/agent-tools' },
        { Arn: policyArn('other'), PolicyName: 'Named' },
      ],
    };

    // Act
    const json = toAuthorizationDetailsPage(page);

    // Assert
    expect((json.Policies as { PolicyName: string }[]).map((p) => p.PolicyName)).toEqual([
      'agent-tools',
      'Named',
    ]);
  });

  it('gives core a page it reads like an offline export, URL-encoded documents included', () => {
    // Arrange
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    };
    const page = {
      UserDetailList: [
        {
          UserName: 'alice',
          Arn: userArn('alice'),
          CreateDate: new Date('2024-01-01T00:00:00Z'),
          UserPolicyList: [{ PolicyName: 'inline', PolicyDocument: encode(doc) }],
          GroupList: ['devs'],
        },
      ],
    };
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];

    // Act
    addAuthorizationDetails(inventory, toAuthorizationDetailsPage(page), 'live', issues);

    // Assert
    expect(issues).toEqual([]);
    expect(inventory.users[0]).toMatchObject({
      name: 'alice',
      createDate: '2024-01-01T00:00:00.000Z',
      groups: ['devs'],
    });
    expect(inventory.users[0]?.inlinePolicies[0]?.document.statements[0]?.actions).toEqual([
      's3:*',
    ]);
  });
});

describe('toServiceLastAccessed', () => {
  it('keeps services, their last use and action-level data across pages', () => {
    // Arrange
    const pages = [
      {
        JobStatus: 'COMPLETED' as const,
        JobCreationDate: new Date(),
        JobCompletionDate: new Date(),
        IsTruncated: true,
        Marker: 'm1',
        ServicesLastAccessed: [
          {
            ServiceName: 'Amazon S3',
            ServiceNamespace: 's3',
            LastAuthenticated: new Date('2026-10-01T00:00:00Z'),
            LastAuthenticatedEntity: roleArn('agent'),
            TrackedActionsLastAccessed: [
              { ActionName: 'GetObject', LastAccessedTime: new Date('2026-10-01T00:00:00Z') },
              { ActionName: 'PutObject' },
            ],
          },
        ],
      },
      {
        JobStatus: 'COMPLETED' as const,
        JobCreationDate: new Date(),
        JobCompletionDate: new Date(),
        ServicesLastAccessed: [{ ServiceName: 'Amazon SQS', ServiceNamespace: 'sqs' }],
      },
    ];

    // Act
    const out = toServiceLastAccessed(roleArn('agent'), pages);

    // Assert
    expect(out).toEqual({
      principalArn: roleArn('agent'),
      services: [
        {
          namespace: 's3',
          name: 'Amazon S3',
          lastAuthenticated: '2026-10-01T00:00:00.000Z',
          lastAuthenticatedEntity: roleArn('agent'),
          actions: [
            { action: 'GetObject', lastAccessed: '2026-10-01T00:00:00.000Z' },
            { action: 'PutObject' },
          ],
        },
        { namespace: 'sqs', name: 'Amazon SQS' },
      ],
    });
  });

  it('strips a service prefix from an action name and skips nameless entries', () => {
    // Arrange
    const page = {
      JobStatus: 'COMPLETED' as const,
      JobCreationDate: new Date(),
      JobCompletionDate: new Date(),
      ServicesLastAccessed: [
        {
          ServiceName: 'IAM',
          ServiceNamespace: 'iam',
          TrackedActionsLastAccessed: [{ ActionName: 'iam:ListRoles' }, {}],
        },
        { ServiceName: 'no namespace', ServiceNamespace: '' },
      ],
    };

    // Act
    const out = toServiceLastAccessed(userArn('bot'), [page]);

    // Assert
    expect(out.services).toEqual([
      { namespace: 'iam', name: 'IAM', actions: [{ action: 'ListRoles' }] },
    ]);
  });
});

describe('rowsFromKeys', () => {
  it('fills key slots oldest first, as the credential report does', () => {
    // Arrange
    const users = [
      {
        userName: 'bot',
        arn: userArn('bot'),
        createDate: new Date('2024-01-01T00:00:00Z'),
        hasLoginProfile: false,
        mfaDevices: 0,
        keys: [
          {
            metadata: {
              AccessKeyId: 'AKIANEWER',
              Status: 'Inactive' as const,
              CreateDate: new Date('2026-02-01T00:00:00Z'),
            },
            lastUsed: { ServiceName: 'N/A', Region: 'N/A' },
          },
          {
            metadata: {
              AccessKeyId: 'AKIAOLDER',
              Status: 'Active' as const,
              CreateDate: new Date('2025-01-01T00:00:00Z'),
            },
            lastUsed: {
              LastUsedDate: new Date('2026-11-01T00:00:00Z'),
              ServiceName: 'sts',
              Region: 'us-east-1',
            },
          },
        ],
      },
    ];

    // Act
    const rows = rowsFromKeys(users);

    // Assert
    expect(rows).toEqual([
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
            lastUsedDate: '2026-11-01T00:00:00.000Z',
            lastUsedService: 'sts',
          },
          { slot: 2, active: false, lastRotated: '2026-02-01T00:00:00.000Z' },
        ],
      },
    ]);
  });

  it('reports a password, its last use and MFA, and reads unknowns as false', () => {
    // Arrange
    const users = [
      {
        userName: 'alice',
        arn: userArn('alice'),
        createDate: '2024-01-01T00:00:00Z',
        passwordLastUsed: new Date('2026-11-10T08:00:00Z'),
        hasLoginProfile: true,
        mfaDevices: 1,
        keys: [],
      },
      { userName: 'unknown', arn: userArn('unknown'), keys: [] },
    ];

    // Act
    const rows = rowsFromKeys(users);

    // Assert
    expect(rows).toEqual([
      {
        user: 'alice',
        arn: userArn('alice'),
        userCreationTime: '2024-01-01T00:00:00.000Z',
        passwordEnabled: true,
        passwordLastUsed: '2026-11-10T08:00:00.000Z',
        mfaActive: true,
        accessKeys: [],
      },
      {
        user: 'unknown',
        arn: userArn('unknown'),
        passwordEnabled: false,
        mfaActive: false,
        accessKeys: [],
      },
    ]);
  });
});

describe('mergeCredentialRows', () => {
  it('adds new users and never duplicates one already there', () => {
    // Arrange
    const existing = [aCredentialRow({ user: 'alice', passwordEnabled: true })];
    const rows = [
      aCredentialRow({ user: 'alice' }),
      aCredentialRow({ user: 'bot' }),
      aCredentialRow({ user: 'bot' }),
    ];

    // Act
    const merged = mergeCredentialRows(existing, rows);

    // Assert
    expect(merged.map((r) => [r.user, r.passwordEnabled])).toEqual([
      ['alice', true],
      ['bot', false],
    ]);
    expect(existing).toHaveLength(1);
  });
});
