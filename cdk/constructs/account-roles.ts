import { Aws, Duration, Validations } from 'aws-cdk-lib';
import {
  AccountPrincipal,
  Effect,
  PolicyDocument,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AWS_SCAN_ACTIONS } from '#connectors/aws/permissions.ts';
import { DEFAULT_CONTAINMENT_ROLE, DEFAULT_SCANNER_ROLE } from '#functions/shared/contract.ts';

/** The IAM path of every role Leash owns; the containment role may never touch a role under it. */
export const LEASH_ROLE_PATH = '/leash/';

/**
 * The execution roles of the Lambdas that assume the scanner role, by name under
 * {@link LEASH_ROLE_PATH}. Fixed names, because every scanned account trusts them by ARN.
 */
export const SCANNING_ROLE_NAMES = [
  'leash-start-scan',
  'leash-collect-account',
  'leash-read-trail-objects',
  'leash-read-event-history',
] as const;

/** The role of the containment Lambda (issue 6), the only one the containment role trusts. */
export const APPLY_CONTAINMENT_ROLE_NAME = 'leash-apply-containment';

/** The tag that puts an identity or function out of containment's reach (`true`, any case). */
export const PROTECTED_TAG = 'leash:protected';

/** Revocation calls on roles (issue 6: session revocation, quarantine, detach, rightsizing). */
const CONTAINMENT_ROLE_ACTIONS = [
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:GetRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:GetRole',
  'iam:ListRoleTags',
];

/** Revocation calls on users (quarantine, access keys, console password). */
const CONTAINMENT_USER_ACTIONS = [
  'iam:PutUserPolicy',
  'iam:DeleteUserPolicy',
  'iam:GetUserPolicy',
  'iam:AttachUserPolicy',
  'iam:DetachUserPolicy',
  'iam:ListAttachedUserPolicies',
  'iam:ListUserPolicies',
  'iam:GetUser',
  'iam:ListAccessKeys',
  'iam:UpdateAccessKey',
  'iam:GetLoginProfile',
  'iam:DeleteLoginProfile',
  'iam:ListUserTags',
];

/** The Lambda kill switch and its rollback, on functions. */
const CONTAINMENT_FUNCTION_ACTIONS = [
  'lambda:GetFunction',
  'lambda:GetFunctionConcurrency',
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
  'lambda:GetFunctionUrlConfig',
  'lambda:DeleteFunctionUrlConfig',
  'lambda:CreateFunctionUrlConfig',
  'lambda:GetPolicy',
  'lambda:AddPermission',
  'lambda:RemovePermission',
];

/** Disabling and re-enabling event source mappings. */
const CONTAINMENT_MAPPING_ACTIONS = [
  'lambda:GetEventSourceMapping',
  'lambda:UpdateEventSourceMapping',
];

/** Listing mappings has no resource type: IAM accepts only `*` for it. */
const CONTAINMENT_LIST_ACTIONS = ['lambda:ListEventSourceMappings'];

/** Every action the containment role holds, exact and sorted. */
export const CONTAINMENT_ACTIONS: readonly string[] = [
  ...CONTAINMENT_ROLE_ACTIONS,
  ...CONTAINMENT_USER_ACTIONS,
  ...CONTAINMENT_FUNCTION_ACTIONS,
  ...CONTAINMENT_MAPPING_ACTIONS,
  ...CONTAINMENT_LIST_ACTIONS,
].sort();

/** Every action the scanner role holds, exact and sorted. */
export const SCANNER_ACTIONS: readonly string[] = [
  ...Object.values(AWS_SCAN_ACTIONS).flat(),
  'kms:Decrypt',
].sort();

/** `leash/leash-scanner` as IAM wants it: path and name apart. */
export function splitRoleName(pathAndName: string): { path: string; name: string } {
  const slash = pathAndName.lastIndexOf('/');
  return {
    path: slash < 0 ? '/' : `/${pathAndName.slice(0, slash)}/`,
    name: pathAndName.slice(slash + 1),
  };
}

/**
 * The ARN of a Leash role in the Leash account.
 * @param leashAccountId the account Leash is deployed in (a token is fine)
 * @param name a role name under {@link LEASH_ROLE_PATH}
 */
export function leashRoleArn(leashAccountId: string, name: string): string {
  return `arn:${Aws.PARTITION}:iam::${leashAccountId}:role${LEASH_ROLE_PATH}${name}`;
}

/** Properties of {@link AccountRoles}. */
export interface AccountRolesProps {
  /** The account Leash is deployed in: the only one whose roles may assume these. */
  readonly leashAccountId: string;
}

/**
 * The two roles Leash uses in every account it watches (the Leash account included):
 *
 * - `leash/leash-scanner`: read-only, exactly the actions of connectors/aws/permissions.ts
 *   (AWS_SCAN_ACTIONS, which `leash permissions aws` prints), assumable only by the execution
 *   roles of the four scanning Lambdas.
 * - `leash/leash-containment`: exactly the revocation calls of issue 6, on this account's roles,
 *   users and functions, assumable only by `leash/leash-apply-containment`. Explicit denies keep
 *   it off Leash's own roles (path `/leash/`), anything tagged `leash:protected=true`, and
 *   service-linked roles; a deny wins over any allow, including one added by mistake later.
 *
 * Trust is "the Leash account, and only these exact role ARNs" (`aws:PrincipalArn`), not the
 * role ARNs as principals: IAM rejects a principal ARN that does not exist yet and silently
 * pins an existing one to its unique id, so a recreated Leash role would lose its access
 * everywhere. The condition is checked on every AssumeRole instead.
 */
export class AccountRoles extends Construct {
  public readonly scanner: Role;
  public readonly containment: Role;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the Leash account
   */
  constructor(scope: Construct, id: string, props: AccountRolesProps) {
    super(scope, id);
    const trustedBy = (names: readonly string[]) =>
      new AccountPrincipal(props.leashAccountId).withConditions({
        ArnEquals: { 'aws:PrincipalArn': names.map((n) => leashRoleArn(props.leashAccountId, n)) },
      });

    const scanner = splitRoleName(DEFAULT_SCANNER_ROLE);
    this.scanner = new Role(this, 'Scanner', {
      roleName: scanner.name,
      path: scanner.path,
      description: "Leash: reads this account's identities, grants and usage (read-only).",
      assumedBy: trustedBy(SCANNING_ROLE_NAMES),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { 'leash-scan': scannerPolicy() },
    });
    Validations.of(this.scanner).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Read-only inventory of the whole account: GetAccountAuthorizationDetails, ' +
        'GenerateCredentialReport, LookupEvents, ListFunctions, ListAgents, ListRegions and ' +
        'ListAccounts have no resource type, the scan must read every identity and function, ' +
        "and the trail log bucket (possibly another account's) is only known at run time.",
    });

    const containment = splitRoleName(DEFAULT_CONTAINMENT_ROLE);
    this.containment = new Role(this, 'Containment', {
      roleName: containment.name,
      path: containment.path,
      description:
        "Leash: revokes an identity's access when policy says so (never Leash's own roles, " +
        'protected or service-linked ones).',
      assumedBy: trustedBy([APPLY_CONTAINMENT_ROLE_NAME]),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { 'leash-containment': containmentPolicy() },
    });
    const scoped =
      'Containment acts on whichever identity a finding names, so it is scoped to all roles, ' +
      "users, functions or event source mappings of this account only (the account's ARN), " +
      "with explicit denies for Leash's roles, leash:protected resources and service-linked roles.";
    Validations.of(this.containment).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
        reason: scoped,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
        reason: scoped,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:function:*]',
        reason: `${scoped} Functions in every region, as Leash scans every region.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:event-source-mapping:*]',
        reason: `${scoped} Mappings in every region, as Leash scans every region.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'lambda:ListEventSourceMappings has no resource type, so IAM accepts only "*" for it ' +
          '(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).',
      },
    );
  }
}

/** The scanner's read-only policy: the exact actions of AWS_SCAN_ACTIONS. */
function scannerPolicy(): PolicyDocument {
  const a = AWS_SCAN_ACTIONS;
  const allow = (sid: string, actions: readonly string[], conditions?: Record<string, unknown>) =>
    new PolicyStatement({
      sid,
      actions: [...actions].sort(),
      resources: ['*'],
      ...(conditions ? { conditions } : {}),
    });
  return new PolicyDocument({
    statements: [
      allow('ReadIam', a.iam),
      allow('ReadCloudTrail', a.cloudtrail),
      allow('ReadWorkloadsAndAgents', [...a.lambda, ...a.bedrock, ...a.regions]),
      allow('ListOrganizationAccounts', a.organization),
      // Trail buckets are found at run time and an organization trail's bucket usually lives in
      // a log-archive account: only the bucket's own policy can narrow this further.
      allow('ReadTrailLogs', a.trailLogs),
      // Log files encrypted by CloudTrail with SSE-KMS: decrypt only as S3 reads them.
      allow('DecryptTrailLogs', ['kms:Decrypt'], {
        StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' },
      }),
    ],
  });
}

/** The containment policy: exact revocation actions on this account's resources, and the denies. */
function containmentPolicy(): PolicyDocument {
  const arn = (service: string, region: string, resource: string) =>
    `arn:${Aws.PARTITION}:${service}:${region}:${Aws.ACCOUNT_ID}:${resource}`;
  const allow = (sid: string, actions: string[], resource: string) =>
    new PolicyStatement({ sid, actions, resources: [resource] });
  const deny = (sid: string, resource: string, conditions?: Record<string, unknown>) =>
    new PolicyStatement({
      sid,
      effect: Effect.DENY,
      actions: [...CONTAINMENT_ACTIONS],
      resources: [resource],
      ...(conditions ? { conditions } : {}),
    });
  return new PolicyDocument({
    statements: [
      allow('ContainRoles', CONTAINMENT_ROLE_ACTIONS, arn('iam', '', 'role/*')),
      allow('ContainUsers', CONTAINMENT_USER_ACTIONS, arn('iam', '', 'user/*')),
      allow('ContainFunctions', CONTAINMENT_FUNCTION_ACTIONS, arn('lambda', '*', 'function:*')),
      allow(
        'ContainEventSourceMappings',
        CONTAINMENT_MAPPING_ACTIONS,
        arn('lambda', '*', 'event-source-mapping:*'),
      ),
      allow('ListEventSourceMappings', CONTAINMENT_LIST_ACTIONS, '*'),
      // Any partition and account: the denies must hold whatever the allows above become.
      deny('NeverLeashRoles', `arn:*:iam::*:role${LEASH_ROLE_PATH}*`),
      deny('NeverServiceLinkedRoles', 'arn:*:iam::*:role/aws-service-role/*'),
      deny('NeverProtectedResources', '*', {
        StringEqualsIgnoreCase: { [`aws:ResourceTag/${PROTECTED_TAG}`]: 'true' },
      }),
    ],
  });
}
