import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { AWS_SCAN_ACTIONS } from '#connectors/aws/permissions.ts';
import { CONTAINMENT_ACTIONS, SCANNER_ACTIONS } from '../../cdk/constructs/account-roles.ts';
import { aLeashStack, aMemberStack, resourcesOf } from './leash-app.ts';

/** The revocation calls issue 6 needs, as the issue's design lists them. */
const ISSUE_6_ACTIONS = [
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:GetRolePolicy',
  'iam:PutUserPolicy',
  'iam:DeleteUserPolicy',
  'iam:GetUserPolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:DetachUserPolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListAttachedUserPolicies',
  'iam:ListRolePolicies',
  'iam:ListUserPolicies',
  'iam:GetRole',
  'iam:GetUser',
  'iam:ListAccessKeys',
  'iam:UpdateAccessKey',
  'iam:GetLoginProfile',
  'iam:DeleteLoginProfile',
  'iam:ListRoleTags',
  'iam:ListUserTags',
  'lambda:GetFunction',
  'lambda:GetFunctionConcurrency',
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
  'lambda:ListEventSourceMappings',
  'lambda:GetEventSourceMapping',
  'lambda:UpdateEventSourceMapping',
  'lambda:GetFunctionUrlConfig',
  'lambda:DeleteFunctionUrlConfig',
  'lambda:CreateFunctionUrlConfig',
  'lambda:GetPolicy',
  'lambda:AddPermission',
  'lambda:RemovePermission',
];

const SCANNING_ROLES = [
  'leash-start-scan',
  'leash-collect-account',
  'leash-read-trail-objects',
  'leash-read-event-history',
];

type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** A role by name, with its trust and inline statements. */
function roleNamed(template: Template, name: string) {
  const found = Object.values(resourcesOf(template, 'AWS::IAM::Role')).filter(
    (r) => r.Properties.RoleName === name,
  );
  expect(found, name).toHaveLength(1);
  const props = found[0]!.Properties;
  return {
    props,
    trust: props.AssumeRolePolicyDocument.Statement as Statement[],
    statements: (props.Policies ?? []).flatMap(
      (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
    ) as Statement[],
  };
}

const actions = (s: Statement) => [s.Action].flat();

/** `arn:<partition>:iam::<account>:role/leash/<name>` as the template writes it. */
function leashRoleArn(account: unknown, name: string) {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', account, `:role/leash/${name}`]],
  };
}

const leash = aLeashStack();
const member = aMemberStack();

describe.each([
  ['the Leash stack', leash.template, { Ref: 'AWS::AccountId' }],
  ['the member stack', member.template, { Ref: 'LeashAccountId' }],
])('account roles in %s', (_, template, leashAccount) => {
  it('scanner: leash/leash-scanner, assumable only by the four scanning roles of the Leash account', () => {
    // Act
    const { props, trust } = roleNamed(template, 'leash-scanner');

    // Assert
    expect(props.Path).toBe('/leash/');
    expect(props.MaxSessionDuration).toBe(3600);
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: {
          AWS: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', leashAccount, ':root']],
          },
        },
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': SCANNING_ROLES.map((n) => leashRoleArn(leashAccount, n)),
          },
        },
      },
    ]);
  });

  it('scanner: exactly the read-only actions of connectors/aws/permissions.ts', () => {
    // Act
    const { statements } = roleNamed(template, 'leash-scanner');

    // Assert
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(statements.flatMap(actions).sort()).toEqual(
      [...Object.values(AWS_SCAN_ACTIONS).flat(), 'kms:Decrypt'].sort(),
    );
    expect(statements.find((s) => s.Sid === 'DecryptTrailLogs')).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
    });
  });

  it('containment: leash/leash-containment, assumable only by leash/leash-apply-containment', () => {
    // Act
    const { props, trust } = roleNamed(template, 'leash-containment');

    // Assert
    expect(props.Path).toBe('/leash/');
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: {
          AWS: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', leashAccount, ':root']],
          },
        },
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': [leashRoleArn(leashAccount, 'leash-apply-containment')],
          },
        },
      }),
    ]);
  });

  it("containment: exactly issue 6's revocation calls, on this account's resources", () => {
    // Act
    const { statements } = roleNamed(template, 'leash-containment');
    const allows = statements.filter((s) => s.Effect === 'Allow');

    // Assert
    expect(allows.flatMap(actions).sort()).toEqual([...ISSUE_6_ACTIONS].sort());
    const thisAccount = (service: string, region: string, resource: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:${service}:${region}:`,
          { Ref: 'AWS::AccountId' },
          `:${resource}`,
        ],
      ],
    });
    expect(Object.fromEntries(allows.map((s) => [s.Sid, s.Resource]))).toEqual({
      ContainRoles: thisAccount('iam', '', 'role/*'),
      ContainUsers: thisAccount('iam', '', 'user/*'),
      ContainFunctions: thisAccount('lambda', '*', 'function:*'),
      ContainEventSourceMappings: thisAccount('lambda', '*', 'event-source-mapping:*'),
      ListEventSourceMappings: '*',
    });
  });

  it("containment: denies every action on Leash's roles, protected resources and service-linked roles", () => {
    // Act
    const { statements } = roleNamed(template, 'leash-containment');
    const denies = statements.filter((s) => s.Effect === 'Deny');

    // Assert
    for (const deny of denies) expect(actions(deny).sort()).toEqual([...ISSUE_6_ACTIONS].sort());
    expect(denies.map((s) => [s.Resource, s.Condition ?? null])).toEqual([
      ['arn:*:iam::*:role/leash/*', null],
      ['arn:*:iam::*:role/aws-service-role/*', null],
      ['*', { StringEqualsIgnoreCase: { 'aws:ResourceTag/leash:protected': 'true' } }],
    ]);
  });
});

describe('member stack', () => {
  it('takes the Leash account as a 12-digit parameter', () => {
    // Act / Assert
    member.template.hasParameter('LeashAccountId', {
      Type: 'String',
      AllowedPattern: '^\\d{12}$',
    });
  });

  it('creates the two roles and nothing else, and needs no CDK bootstrap in the account', () => {
    // Act
    const template = member.template.toJSON();

    // Assert
    expect(Object.values(template.Resources).map((r) => (r as { Type: string }).Type)).toEqual([
      'AWS::IAM::Role',
      'AWS::IAM::Role',
    ]);
    expect(Object.keys(template.Parameters)).toEqual(['LeashAccountId']);
    expect(template.Rules ?? {}).toEqual({});
  });
});

describe('Leash stack roles', () => {
  it('creates leash/leash-apply-containment for Lambda, allowed only to assume containment roles', () => {
    // Arrange
    const { template } = leash;

    // Act
    const { props } = roleNamed(template, 'leash-apply-containment');
    const [roleId] = Object.entries(resourcesOf(template, 'AWS::IAM::Role')).find(
      ([, r]) => r.Properties.RoleName === 'leash-apply-containment',
    )!;
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      // The function's own grants (logs, traces, table, audit log) assume nothing.
      .filter((st: { Action: string | string[] }) =>
        [st.Action].flat().some((a) => a.startsWith('sts:')),
      );

    // Assert
    expect(props.Path).toBe('/leash/');
    expect(props.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/leash/leash-containment'],
          ],
        },
      },
    ]);
  });

  it('lets only the four scanning functions assume scanner roles', () => {
    // Arrange
    const { template } = leash;
    const scannerArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/leash/leash-scanner']],
    };

    // Act
    const assumers = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) =>
        p.Properties.PolicyDocument.Statement.some(
          (s: Statement) =>
            actions(s).includes('sts:AssumeRole') &&
            JSON.stringify(s.Resource) === JSON.stringify(scannerArn),
        ),
      )
      .flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref))
      .map((id: string) => template.toJSON().Resources[id].Properties.RoleName)
      .sort();

    // Assert
    expect(assumers).toEqual([...SCANNING_ROLES].sort());
  });
});

describe('against the IAM catalog', () => {
  it('names only actions that exist, in both templates', async () => {
    // Arrange
    const catalog = await loadCatalog();
    const matches = (pattern: string) => {
      const [service, name] = pattern.split(':') as [string, string];
      const re = new RegExp(`^${name.replaceAll('*', '.*')}$`, 'i');
      return catalog.serviceActionIds(service).some((id) => re.test(catalog.actions[id]!.name));
    };

    // Act
    const named = new Set<string>();
    for (const template of [leash.template, member.template]) {
      const walk = (node: unknown, key?: string): void => {
        if (Array.isArray(node)) for (const n of node) walk(n, key);
        else if (node && typeof node === 'object')
          for (const [k, v] of Object.entries(node)) walk(v, k);
        else if ((key === 'Action' || key === 'NotAction') && typeof node === 'string')
          named.add(node);
      };
      walk(template.toJSON().Resources);
    }
    const unknown = [...named].filter((a) =>
      a.includes('*')
        ? a !== '*' && !a.endsWith(':*') && !matches(a)
        : catalog.idOf(a) === undefined,
    );

    // Assert
    expect(named.size).toBeGreaterThan(80);
    expect(unknown).toEqual([]);
  });

  it('gives the scanner only List and Read actions, apart from kms:Decrypt through S3', async () => {
    // Arrange
    const catalog = await loadCatalog();

    // Act
    const writes = SCANNER_ACTIONS.filter((a) => {
      const action = catalog.actions[catalog.idOf(a)!]!;
      return !action.accessLevels.every((l) => l === 'List' || l === 'Read');
    });

    // Assert
    expect(writes).toEqual(['kms:Decrypt']);
  });

  it('grants containment on "*" only for actions that have no resource type', async () => {
    // Arrange
    const catalog = await loadCatalog();
    const { statements } = roleNamed(leash.template, 'leash-containment');

    // Act
    const onStar = statements
      .filter((s) => s.Effect === 'Allow' && s.Resource === '*')
      .flatMap(actions);

    // Assert
    expect(onStar).toEqual(['lambda:ListEventSourceMappings']);
    for (const a of onStar) expect(catalog.actions[catalog.idOf(a)!]!.wildcardOnly).toBe(true);
    expect(CONTAINMENT_ACTIONS).toHaveLength(ISSUE_6_ACTIONS.length);
  });
});
