import { describe, expect, it } from 'vitest';
import {
  accountOfArn,
  addAuthorizationDetails,
  isAuthorizationDetails,
} from '#core/iam/authz-details.ts';
import { emptyInventory } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { ACCOUNT, policyArn, roleArn, userArn } from '#test/helpers/builders.ts';

const FILE = 'iam/authorization-details.json';

/** A policy document as the CLI exports it. */
function allow(...actions: string[]) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  };
}

/** A RoleDetailList element; override any field. */
function roleDetail(name: string, overrides: Record<string, unknown> = {}) {
  return {
    Path: '/',
    RoleName: name,
    RoleId: `AROA${name.toUpperCase()}`,
    Arn: roleArn(name),
    CreateDate: '2024-01-01T00:00:00Z',
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    InstanceProfileList: [],
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    Tags: [],
    RoleLastUsed: {},
    ...overrides,
  };
}

/** A UserDetailList element; override any field. */
function userDetail(name: string, overrides: Record<string, unknown> = {}) {
  return {
    Path: '/',
    UserName: name,
    UserId: `AIDA${name.toUpperCase()}`,
    Arn: userArn(name),
    CreateDate: '2024-01-01T00:00:00Z',
    UserPolicyList: [],
    GroupList: [],
    AttachedManagedPolicies: [],
    Tags: [],
    ...overrides,
  };
}

/** A Policies element with the given versions. */
function policyDetail(name: string, overrides: Record<string, unknown> = {}) {
  return {
    PolicyName: name,
    PolicyId: `ANPA${name.toUpperCase()}`,
    Arn: policyArn(name),
    Path: '/',
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [
      { Document: allow('s3:GetObject'), VersionId: 'v1', IsDefaultVersion: true },
    ],
    ...overrides,
  };
}

describe('isAuthorizationDetails', () => {
  it.each([
    [{ UserDetailList: [] }, true],
    [{ RoleDetailList: [] }, true],
    [{ GroupDetailList: [] }, true],
    [{ Policies: [] }, true],
    [{ Records: [] }, false],
    [[], false],
    [null, false],
    ['text', false],
  ])('recognises %j: %s', (value, expected) => {
    // Arrange
    const input: unknown = value;

    // Act
    const result = isAuthorizationDetails(input);

    // Assert
    expect(result).toBe(expected);
  });
});

describe('accountOfArn', () => {
  it('reads the account field of an IAM ARN', () => {
    // Arrange
    const arn = roleArn('x');

    // Act
    const account = accountOfArn(arn);

    // Assert
    expect(account).toBe(ACCOUNT);
  });
});

describe('addAuthorizationDetails', () => {
  it('merges two pages into one inventory without duplicating elements', () => {
    // Arrange
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];
    const page1 = {
      UserDetailList: [userDetail('alice')],
      RoleDetailList: [roleDetail('app')],
      GroupDetailList: [
        { GroupName: 'devs', Arn: `arn:aws:iam::${ACCOUNT}:group/devs`, GroupPolicyList: [] },
      ],
      Policies: [policyDetail('p1')],
      IsTruncated: true,
      Marker: 'abc',
    };
    const page2 = {
      UserDetailList: [userDetail('bob'), userDetail('alice', { Path: '/dup/' })],
      RoleDetailList: [roleDetail('worker'), roleDetail('app', { Path: '/dup/' })],
      GroupDetailList: [
        { GroupName: 'devs', Arn: `arn:aws:iam::${ACCOUNT}:group/devs`, Path: '/dup/' },
        { GroupName: 'ops', Arn: `arn:aws:iam::${ACCOUNT}:group/ops` },
      ],
      Policies: [policyDetail('p2'), policyDetail('p1', { Path: '/dup/' })],
      IsTruncated: false,
    };

    // Act
    addAuthorizationDetails(inventory, page1, FILE, issues);
    addAuthorizationDetails(inventory, page2, 'iam/page-2.json', issues);

    // Assert
    expect(inventory.users.map((u) => u.name)).toEqual(['alice', 'bob']);
    expect(inventory.roles.map((r) => r.name)).toEqual(['app', 'worker']);
    expect(inventory.groups.map((g) => g.name)).toEqual(['devs', 'ops']);
    expect([...inventory.policies.keys()]).toEqual([policyArn('p1'), policyArn('p2')]);
    expect(inventory.users[0]!.path).toBe('/');
    expect(inventory.roles[0]!.path).toBe('/');
    expect(inventory.groups[0]!.path).toBe('/');
    expect(inventory.policies.get(policyArn('p1'))!.path).toBe('/');
    expect(inventory.accountIds).toEqual([ACCOUNT]);
    expect(issues).toEqual([]);
  });

  it('uses the default version of a managed policy, not a newer non-default one', () => {
    // Arrange
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];
    const page = {
      Policies: [
        policyDetail('versioned', {
          DefaultVersionId: 'v1',
          PolicyVersionList: [
            { Document: allow('*'), VersionId: 'v2', IsDefaultVersion: false },
            { Document: allow('s3:GetObject'), VersionId: 'v1', IsDefaultVersion: true },
          ],
        }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, issues);

    // Assert
    const policy = inventory.policies.get(policyArn('versioned'))!;
    expect(policy.defaultVersionId).toBe('v1');
    expect(policy.document?.statements.map((s) => s.actions)).toEqual([['s3:GetObject']]);
    expect(policy.awsManaged).toBe(false);
    expect(policy.attachmentCount).toBe(1);
    expect(issues).toEqual([]);
  });

  it('falls back to DefaultVersionId when no version carries IsDefaultVersion', () => {
    // Arrange
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];
    const page = {
      Policies: [
        policyDetail('by-id', {
          DefaultVersionId: 'v3',
          PolicyVersionList: [
            { Document: allow('*'), VersionId: 'v4' },
            { Document: allow('sqs:SendMessage'), VersionId: 'v3' },
          ],
        }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, issues);

    // Assert
    expect(
      inventory.policies.get(policyArn('by-id'))!.document?.statements.map((s) => s.actions),
    ).toEqual([['sqs:SendMessage']]);
  });

  it('keeps a policy without a default version document and reports the gap', () => {
    // Arrange
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];
    const page = { Policies: [policyDetail('no-doc', { PolicyVersionList: [] })] };

    // Act
    addAuthorizationDetails(inventory, page, FILE, issues);

    // Assert
    expect(inventory.policies.get(policyArn('no-doc'))!.document).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        file: FILE,
        location: policyArn('no-doc'),
        reason: 'missing-default-version',
      }),
    ]);
  });

  it('recognises AWS managed policies by their ARN', () => {
    // Arrange
    const inventory = emptyInventory();
    const page = {
      Policies: [
        policyDetail('ReadOnlyAccess', { Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
        policyDetail('GovAdmin', { Arn: 'arn:aws-us-gov:iam::aws:policy/GovAdmin' }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, []);

    // Assert
    expect([...inventory.policies.values()].map((p) => p.awsManaged)).toEqual([true, true]);
  });

  it('reads RoleLastUsed with a date and region', () => {
    // Arrange
    const inventory = emptyInventory();
    const page = {
      RoleDetailList: [
        roleDetail('used', {
          RoleLastUsed: { LastUsedDate: '2026-10-01T10:00:00Z', Region: 'eu-west-1' },
        }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, []);

    // Assert
    expect(inventory.roles[0]!.lastUsed).toEqual({
      date: '2026-10-01T10:00:00Z',
      region: 'eu-west-1',
    });
  });

  it('reads an empty RoleLastUsed as a role never used', () => {
    // Arrange
    const inventory = emptyInventory();
    const page = { RoleDetailList: [roleDetail('never', { RoleLastUsed: {} })] };

    // Act
    addAuthorizationDetails(inventory, page, FILE, []);

    // Assert
    expect(inventory.roles[0]!.lastUsed).toEqual({});
    expect(inventory.roles[0]!.lastUsed?.date).toBeUndefined();
  });

  it('detects service-linked roles by their path', () => {
    // Arrange
    const inventory = emptyInventory();
    const page = {
      RoleDetailList: [
        roleDetail('AWSServiceRoleForSupport', {
          Path: '/aws-service-role/support.amazonaws.com/',
          Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
        }),
        roleDetail('plain', { Path: '/service-role/' }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, []);

    // Assert
    expect(inventory.roles.map((r) => [r.name, r.serviceLinked])).toEqual([
      ['AWSServiceRoleForSupport', true],
      ['plain', false],
    ]);
  });

  it('reads identity details: tags, groups, boundary, login profile, trust and instance profiles', () => {
    // Arrange
    const inventory = emptyInventory();
    const boundary = policyArn('boundary');
    const page = {
      UserDetailList: [
        userDetail('alice', {
          GroupList: ['devs', 42],
          LoginProfile: { CreateDate: '2024-01-01T00:00:00Z' },
          Tags: [{ Key: 'owner', Value: 'team-a' }, { Key: 'empty' }],
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: boundary,
          },
          UserPolicyList: [{ PolicyName: 'own', PolicyDocument: allow('s3:GetObject') }],
          AttachedManagedPolicies: [
            { PolicyName: 'p1', PolicyArn: policyArn('p1') },
            { PolicyArn: policyArn('nameless') },
          ],
        }),
      ],
      RoleDetailList: [
        roleDetail('ec2-role', {
          InstanceProfileList: [{ Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/ec2` }],
        }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, []);

    // Assert
    const alice = inventory.users[0]!;
    expect(alice.groups).toEqual(['devs']);
    expect(alice.hasLoginProfile).toBe(true);
    expect(alice.tags).toEqual({ owner: 'team-a', empty: '' });
    expect(alice.boundaryArn).toBe(boundary);
    expect(alice.id).toBe('AIDAALICE');
    expect(alice.inlinePolicies.map((p) => p.name)).toEqual(['own']);
    expect(alice.attachedPolicies).toEqual([
      { arn: policyArn('p1'), name: 'p1' },
      { arn: policyArn('nameless'), name: 'nameless' },
    ]);
    const role = inventory.roles[0]!;
    expect(role.instanceProfiles).toEqual([`arn:aws:iam::${ACCOUNT}:instance-profile/ec2`]);
    expect(role.trustPolicy?.statements[0]?.principal).toEqual({
      Service: 'lambda.amazonaws.com',
    });
    expect(role.createDate).toBe('2024-01-01T00:00:00Z');
  });

  it('skips bad elements with issues naming where they were', () => {
    // Arrange
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];
    const page = {
      UserDetailList: [userDetail('alice'), { UserName: 'no-arn' }, 'not an object'],
      RoleDetailList: [null, roleDetail('ok')],
      GroupDetailList: [{ Arn: 'arn:aws:iam::111111111111:group/x' }],
      Policies: [{ PolicyName: 'no-arn' }, policyDetail('fine')],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, issues);

    // Assert
    expect(inventory.users.map((u) => u.name)).toEqual(['alice']);
    expect(inventory.roles.map((r) => r.name)).toEqual(['ok']);
    expect(inventory.groups).toEqual([]);
    expect([...inventory.policies.keys()]).toEqual([policyArn('fine')]);
    expect(issues.map((i) => [i.file, i.location, i.reason])).toEqual([
      [FILE, 'Policies[0]', 'invalid-element'],
      [FILE, 'UserDetailList[1]', 'invalid-element'],
      [FILE, 'UserDetailList[2]', 'invalid-element'],
      [FILE, 'RoleDetailList[0]', 'invalid-element'],
      [FILE, 'GroupDetailList[0]', 'invalid-element'],
    ]);
  });

  it('reports policy problems at the policy and statement they are in, keeping the rest', () => {
    // Arrange
    const inventory = emptyInventory();
    const issues: InputIssue[] = [];
    const alice = userArn('alice');
    const page = {
      UserDetailList: [
        userDetail('alice', {
          UserPolicyList: [
            {
              PolicyName: 'odd',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
                  { Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Extra: true },
                ],
              },
            },
            { PolicyDocument: allow('s3:*') },
            { PolicyName: 'broken', PolicyDocument: '{not json' },
          ],
        }),
      ],
      Policies: [
        policyDetail('managed-odd', {
          PolicyVersionList: [
            {
              VersionId: 'v1',
              IsDefaultVersion: true,
              Document: { Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] },
            },
          ],
        }),
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, issues);

    // Assert
    expect(issues.map((i) => [i.location, i.reason, i.detail])).toEqual([
      [
        `${policyArn('managed-odd')} Statement[0]`,
        'policy-issue',
        'Effect must be Allow or Deny; statement skipped',
      ],
      [
        `${alice} inline odd Statement[1]`,
        'policy-issue',
        'unknown statement field "Extra" ignored',
      ],
      [alice, 'invalid-element', 'inline policy without PolicyName; skipped'],
      [`${alice} inline broken`, 'policy-issue', 'policy document is not valid JSON'],
    ]);
    expect(inventory.users[0]!.inlinePolicies.map((p) => p.name)).toEqual(['odd', 'broken']);
    expect(inventory.users[0]!.inlinePolicies[0]!.document.statements).toHaveLength(2);
  });

  it('reads group inline and attached policies', () => {
    // Arrange
    const inventory = emptyInventory();
    const page = {
      GroupDetailList: [
        {
          GroupName: 'devs',
          Arn: `arn:aws:iam::${ACCOUNT}:group/devs`,
          Path: '/teams/',
          GroupPolicyList: [{ PolicyName: 'g-inline', PolicyDocument: allow('ec2:*') }],
          AttachedManagedPolicies: [{ PolicyName: 'g-managed', PolicyArn: policyArn('g') }],
        },
      ],
    };

    // Act
    addAuthorizationDetails(inventory, page, FILE, []);

    // Assert
    const group = inventory.groups[0]!;
    expect(group.path).toBe('/teams/');
    expect(group.inlinePolicies.map((p) => p.name)).toEqual(['g-inline']);
    expect(group.attachedPolicies).toEqual([{ arn: policyArn('g'), name: 'g-managed' }]);
  });
});
