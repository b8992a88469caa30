/**
 * Deterministic generator for the offline sample account that `npm start` scans.
 *
 * It writes what an operator would export from AWS account 111122223333 on 2026-11-15:
 * `aws iam get-account-authorization-details` (two pages), the IAM credential report,
 * `aws iam get-service-last-accessed-details` for a few principals, and 30 days of CloudTrail
 * log files laid out exactly as a trail delivers them to S3. Every identity has a story (see
 * README.md) that a scan should uncover.
 *
 * Everything random comes from seeded mulberry32 streams and every timestamp from fixed
 * constants, so two runs produce identical files (the unit test checks this against the
 * committed copy). Run with `npm run sample:generate [outDir]`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** AWS account id of the sample account. */
export const SAMPLE_ACCOUNT_ID = '111122223333';
/** The moment the sample exports were taken; scans of the sample use it as `--as-of`. */
export const SAMPLE_AS_OF = '2026-11-15T00:00:00Z';
/** First instant covered by the sample CloudTrail (30 days before {@link SAMPLE_AS_OF}). */
export const SAMPLE_TRAIL_START = '2026-10-16T00:00:00Z';

const ACCOUNT = SAMPLE_ACCOUNT_ID;
const HOME = 'us-east-1';
const DR = 'us-west-2';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse(SAMPLE_TRAIL_START);
const T_END = Date.parse(SAMPLE_AS_OF);
const DAYS = (T_END - T0) / DAY;

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Seeded randomness. One stream per label so that changing one actor's behaviour does not
// reshuffle every other actor's events.
// ---------------------------------------------------------------------------------------------

/** FNV-1a: turns a label into a 32-bit seed. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast and good enough for synthetic data; integer maths only. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;

class Rng {
  private readonly next: () => number;
  constructor(label: string) {
    this.next = mulberry32(hashLabel(label));
  }
  float(): number {
    return this.next();
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** A duration between `min` and `max` minutes, to the second, so times are not on the minute. */
  minutes(min: number, max: number): number {
    return this.int(min * 60, max * 60) * 1000;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [x, w] of xs) {
      r -= w;
      if (r < 0) return x;
    }
    return xs[xs.length - 1]![0];
  }
  /** A count whose mean is `mean` and which varies ±50%; avoids Math.exp so it is exact. */
  count(mean: number): number {
    return Math.floor(mean * (0.5 + this.next()) + this.next());
  }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
  hex(n: number): string {
    return this.chars(HEX, n);
  }
  /** UUID-v4-shaped string, as CloudTrail uses for eventID and most requestIDs. */
  uuid(): string {
    const h = this.hex(32);
    const variant = '89ab'[Math.floor(this.next() * 4)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

/** IAM unique id (`AIDA…`, `AROA…`, `ANPA…`, `AGPA…`, `AKIA…`): stable per key. */
function iamId(prefix: string, key: string, length = 17): string {
  return prefix + new Rng(`iam-id:${prefix}:${key}`).chars(B32, length);
}

// ---------------------------------------------------------------------------------------------
// Time formatting.
// ---------------------------------------------------------------------------------------------

/** CloudTrail `eventTime`: second precision, `Z`. */
function ctTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** AWS CLI output timestamp: `2026-11-14T23:41:07+00:00`. */
function cliTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function cliTimeMillis(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000+00:00');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** STS credential expiry as CloudTrail prints it: `Oct 16, 2026, 3:04:05 PM`. */
function stsExpiry(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hh = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${hh}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

const at = (iso: string): number => Date.parse(iso);

interface Day {
  index: number;
  start: number;
  /** 0 = Sunday … 6 = Saturday. */
  dow: number;
  weekend: boolean;
  ymd: string;
}

const WINDOW_DAYS: Day[] = Array.from({ length: DAYS }, (_, index) => {
  const start = T0 + index * DAY;
  const dow = new Date(start).getUTCDay();
  return { index, start, dow, weekend: dow === 0 || dow === 6, ymd: ctTime(start).slice(0, 10) };
});

// ---------------------------------------------------------------------------------------------
// Names shared by the IAM export and the trail.
// ---------------------------------------------------------------------------------------------

const DATA_BUCKET = `example-data-lake-${ACCOUNT}`;
const ARTIFACTS_BUCKET = `example-deploy-artifacts-${ACCOUNT}`;
const ATTACHMENTS_BUCKET = `example-support-attachments-${ACCOUNT}`;
const ATHENA_BUCKET = `example-athena-results-${ACCOUNT}`;
const REPORTS_BUCKET = `example-finance-reports-${ACCOUNT}`;
const INVOICES_BUCKET = `example-invoices-inbox-${ACCOUNT}`;
const LEGACY_ETL_BUCKET = `example-legacy-etl-${ACCOUNT}`;
const TRAIL_BUCKET = `example-cloudtrail-${ACCOUNT}`;
const TRAIL_ARN = `arn:aws:cloudtrail:${HOME}:${ACCOUNT}:trail/org-audit-trail`;
const TICKETS_TABLE = `arn:aws:dynamodb:${HOME}:${ACCOUNT}:table/support-tickets`;
const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const SAML_PROVIDER = `arn:aws:iam::${ACCOUNT}:saml-provider/AWSSSO_5c7d1e2f3a4b6c8d_DO_NOT_DELETE`;
const IDENTITY_STORE = 'arn:aws:identitystore::111122223333:identitystore/d-9067a1b2c3';
const AGENT_ID = 'X7KQ2ZP4M1';
const KB_ID = 'KB4R8TN2WQ';
const INSTANCES = ['i-0a4f1c9e2b7d3e8f1', 'i-03b9d2e7c1f4a6b58', 'i-0c7e3a1f9d2b4e6a7'];
const PROD_SECRET = 'prod/support-agent/zendesk-api-token';
const PAGER_SECRET = 'prod/support-agent/pagerduty-routing-key';

const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const OPUS = 'anthropic.claude-opus-4-1-20250805-v1:0';
const SONNET37 = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
const HAIKU35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const TITAN_EMBED = 'amazon.titan-embed-text-v2:0';
const NOVA_PRO = 'amazon.nova-pro-v1:0';
const NOVA_LITE = 'amazon.nova-lite-v1:0';
const fm = (region: string, model: string) =>
  `arn:aws:bedrock:${region}::foundation-model/${model}`;
const profile = (model: string) =>
  `arn:aws:bedrock:${HOME}:${ACCOUNT}:inference-profile/us.${model}`;

// ---------------------------------------------------------------------------------------------
// Policy documents. AWS managed ones are our own shortened renditions, not copies.
// ---------------------------------------------------------------------------------------------

const policyDoc = (...Statement: Obj[]): Obj => ({ Version: '2012-10-17', Statement });
const allowAll = (Action: string | string[], Resource: string | string[] = '*', Sid?: string) => ({
  ...(Sid ? { Sid } : {}),
  Effect: 'Allow',
  Action,
  Resource,
});
const trustService = (...services: string[]): Obj =>
  policyDoc({
    Effect: 'Allow',
    Principal: { Service: services.length === 1 ? services[0] : services },
    Action: 'sts:AssumeRole',
  });

const READ_ONLY_VERBS: readonly (readonly [string, readonly string[]])[] = [
  ['access-analyzer', ['Get*', 'List*', 'ValidatePolicy']],
  ['acm', ['Describe*', 'Get*', 'List*']],
  ['athena', ['BatchGet*', 'Get*', 'List*']],
  ['autoscaling', ['Describe*']],
  ['bedrock', ['Get*', 'List*']],
  ['ce', ['Describe*', 'Get*', 'List*']],
  ['cloudformation', ['Describe*', 'Detect*', 'Estimate*', 'Get*', 'List*', 'ValidateTemplate']],
  ['cloudfront', ['Describe*', 'Get*', 'List*']],
  ['cloudtrail', ['Describe*', 'Get*', 'List*', 'LookupEvents']],
  ['cloudwatch', ['Describe*', 'Get*', 'List*']],
  ['config', ['BatchGet*', 'Describe*', 'Get*', 'List*', 'Select*']],
  ['dynamodb', ['BatchGet*', 'Describe*', 'Get*', 'List*', 'Query', 'Scan']],
  ['ec2', ['Describe*', 'Get*']],
  ['ecr', ['BatchGet*', 'Describe*', 'Get*', 'List*']],
  ['ecs', ['Describe*', 'List*']],
  ['eks', ['Describe*', 'List*']],
  ['elasticloadbalancing', ['Describe*']],
  ['events', ['Describe*', 'List*', 'Test*']],
  ['glue', ['BatchGet*', 'Get*', 'List*', 'SearchTables']],
  ['guardduty', ['Describe*', 'Get*', 'List*']],
  ['iam', ['Generate*', 'Get*', 'List*', 'Simulate*']],
  ['kms', ['Describe*', 'Get*', 'List*']],
  ['lambda', ['Get*', 'List*']],
  ['logs', ['Describe*', 'FilterLogEvents', 'Get*', 'List*', 'StartQuery', 'StopQuery']],
  ['organizations', ['Describe*', 'List*']],
  ['rds', ['Describe*', 'List*']],
  ['route53', ['Get*', 'List*', 'Test*']],
  ['s3', ['Get*', 'List*']],
  ['secretsmanager', ['Describe*', 'GetResourcePolicy', 'List*']],
  ['securityhub', ['Describe*', 'Get*', 'List*']],
  ['sns', ['Get*', 'List*']],
  ['sqs', ['Get*', 'List*']],
  ['ssm', ['Describe*', 'Get*', 'List*']],
  ['tag', ['Get*']],
  ['textract', ['Get*']],
];

const ADMIN_DOC = policyDoc({ Effect: 'Allow', Action: '*', Resource: '*' });
const READ_ONLY_DOC = policyDoc(
  allowAll(
    READ_ONLY_VERBS.flatMap(([svc, verbs]) => verbs.map((v) => `${svc}:${v}`)),
    '*',
    'ReadOnlyActions',
  ),
);
const POWER_USER_DOC = policyDoc(
  { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
  allowAll([
    'account:GetAccountInformation',
    'account:ListRegions',
    'iam:CreateServiceLinkedRole',
    'iam:DeleteServiceLinkedRole',
    'iam:ListRoles',
    'organizations:DescribeOrganization',
  ]),
);
const LAMBDA_BASIC_DOC = policyDoc(
  allowAll(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']),
);
const BEDROCK_FULL_DOC = policyDoc(
  allowAll('bedrock:*', '*', 'BedrockAll'),
  allowAll('kms:DescribeKey', 'arn:*:kms:*:::*', 'DescribeKey'),
  allowAll(
    ['iam:ListRoles', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
    '*',
    'APIsWithAllResourceAccess',
  ),
  {
    Sid: 'PassRoleToBedrock',
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: 'arn:aws:iam::*:role/*AmazonBedrock*',
    Condition: { StringEquals: { 'iam:PassedToService': ['bedrock.amazonaws.com'] } },
  },
);
const GLUE_SERVICE_DOC = policyDoc(
  allowAll([
    'glue:*',
    's3:GetBucketLocation',
    's3:ListBucket',
    's3:ListAllMyBuckets',
    's3:GetBucketAcl',
    'ec2:DescribeVpcEndpoints',
    'ec2:DescribeRouteTables',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcAttribute',
    'ec2:CreateNetworkInterface',
    'ec2:DeleteNetworkInterface',
    'iam:ListRolePolicies',
    'iam:GetRole',
    'iam:GetRolePolicy',
    'cloudwatch:PutMetricData',
  ]),
  allowAll(['s3:CreateBucket'], 'arn:aws:s3:::aws-glue-*'),
  allowAll(
    ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    ['arn:aws:s3:::aws-glue-*/*', 'arn:aws:s3:::*/*aws-glue-*/*'],
  ),
  allowAll(
    ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    'arn:aws:logs:*:*:*:/aws-glue/*',
  ),
);
const SUPPORT_SLR_DOC = policyDoc(
  allowAll(
    [
      'apigateway:GET',
      'autoscaling:Describe*',
      'cloudformation:Describe*',
      'cloudformation:List*',
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetTrailStatus',
      'cloudwatch:Describe*',
      'dynamodb:DescribeTable',
      'dynamodb:ListTables',
      'ec2:Describe*',
      'ecs:Describe*',
      'ecs:List*',
      'iam:GetAccountSummary',
      'iam:ListRoles',
      'lambda:GetFunctionConfiguration',
      'lambda:ListFunctions',
      'logs:DescribeLogGroups',
      'rds:Describe*',
      's3:GetBucketPolicy',
      's3:ListAllMyBuckets',
    ],
    '*',
    'AWSSupportPermissions',
  ),
);

const DEV_POWER_USER_DOC = policyDoc(
  {
    Sid: 'AllServicesExceptIdentityAndBilling',
    Effect: 'Allow',
    NotAction: ['iam:*', 'organizations:*', 'account:*', 'aws-portal:*', 'billing:*'],
    Resource: '*',
  },
  allowAll(
    [
      'iam:GetUser',
      'iam:ChangePassword',
      'iam:ListAccessKeys',
      'iam:CreateAccessKey',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
      'iam:ListMFADevices',
      'iam:EnableMFADevice',
      'iam:ResyncMFADevice',
    ],
    `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    'ManageOwnCredentials',
  ),
  {
    Sid: 'PassAgentRolesToLambda',
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: `arn:aws:iam::${ACCOUNT}:role/agents/*`,
    Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
  },
);
const DEV_BOUNDARY_DOC = policyDoc(
  allowAll(
    [
      'bedrock:*',
      'cloudformation:*',
      'cloudwatch:*',
      'dynamodb:*',
      'ec2:*',
      'ecs:*',
      'lambda:*',
      'logs:*',
      's3:*',
      'secretsmanager:*',
      'sns:*',
      'sqs:*',
      'sts:AssumeRole',
      'sts:SetSourceIdentity',
      'sts:GetCallerIdentity',
      'xray:*',
    ],
    '*',
    'BoundaryAllowedServices',
  ),
  allowAll(
    [
      'iam:GetUser',
      'iam:ChangePassword',
      'iam:*AccessKey*',
      'iam:ListMFADevices',
      'iam:EnableMFADevice',
      'iam:ResyncMFADevice',
    ],
    `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    'BoundarySelfService',
  ),
  allowAll('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/agents/*`, 'BoundaryPassAgentRoles'),
  {
    Sid: 'DenyBoundaryRemoval',
    Effect: 'Deny',
    Action: ['iam:DeleteUserPermissionsBoundary', 'iam:PutUserPermissionsBoundary'],
    Resource: '*',
  },
);
const REGION_RESTRICTION_DOC = policyDoc({
  Sid: 'DenyOutsideApprovedRegions',
  Effect: 'Deny',
  NotAction: [
    'iam:*',
    'sts:*',
    'organizations:*',
    'support:*',
    'cloudfront:*',
    'route53:*',
    'budgets:*',
    'ce:*',
    'health:*',
    'trustedadvisor:*',
    'globalaccelerator:*',
  ],
  Resource: '*',
  Condition: { StringNotEquals: { 'aws:RequestedRegion': [HOME, DR] } },
});
const DEV_DENY_DOC = policyDoc(
  {
    Sid: 'DenyProdSecrets',
    Effect: 'Deny',
    Action: [
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:DeleteSecret',
    ],
    Resource: `arn:aws:secretsmanager:*:${ACCOUNT}:secret:prod/*`,
  },
  {
    Sid: 'DenyAuditTampering',
    Effect: 'Deny',
    Action: [
      'cloudtrail:StopLogging',
      'cloudtrail:DeleteTrail',
      'cloudtrail:UpdateTrail',
      'cloudtrail:PutEventSelectors',
      'guardduty:DeleteDetector',
      'config:StopConfigurationRecorder',
    ],
    Resource: '*',
  },
);
const TICKETS_V1_DOC = policyDoc(
  allowAll(
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    [TICKETS_TABLE, `${TICKETS_TABLE}/index/*`],
    'TicketsTableItems',
  ),
);
// Drafted during an incident and never made default: a scanner must evaluate v1, not this.
const TICKETS_V2_DOC = policyDoc(
  allowAll(['dynamodb:*'], '*', 'IncidentDebugAllTables'),
  allowAll(['kms:Decrypt', 'kms:DescribeKey'], '*', 'IncidentDebugKeys'),
);
const LEGACY_S3_DOC = policyDoc(allowAll('s3:*', '*'));
const AGENT_FM_POLICY_DOC = policyDoc(
  allowAll(
    'bedrock:InvokeModel',
    fm(HOME, HAIKU35),
    'AmazonBedrockAgentBedrockFoundationModelPolicyProd',
  ),
);

const SUPPORT_AGENT_INLINE = policyDoc(
  allowAll(
    ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
    [
      profile(SONNET),
      profile(HAIKU),
      fm('*', SONNET),
      fm('*', HAIKU),
      fm(HOME, TITAN_EMBED),
      fm(HOME, NOVA_PRO),
    ],
    'InvokeApprovedModels',
  ),
  allowAll(
    'secretsmanager:GetSecretValue',
    `arn:aws:secretsmanager:${HOME}:${ACCOUNT}:secret:prod/support-agent/*`,
    'ReadApiTokens',
  ),
  allowAll(
    ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    `arn:aws:s3:::${ATTACHMENTS_BUCKET}/*`,
    'TicketAttachments',
  ),
  allowAll('sqs:*', '*', 'EscalationQueue'),
);
const AGENT_KB_INLINE = policyDoc(
  allowAll(
    'bedrock:Retrieve',
    `arn:aws:bedrock:${HOME}:${ACCOUNT}:knowledge-base/${KB_ID}`,
    'QueryHrPolicies',
  ),
  allowAll(
    'lambda:InvokeFunction',
    `arn:aws:lambda:${HOME}:${ACCOUNT}:function:hr-helpdesk-actions`,
    'ActionGroupLambda',
  ),
);
const CI_DEPLOY_INLINE = policyDoc(
  allowAll(
    [
      'cloudformation:CreateChangeSet',
      'cloudformation:DescribeChangeSet',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:DeleteChangeSet',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackEvents',
      'cloudformation:GetTemplateSummary',
    ],
    [
      `arn:aws:cloudformation:${HOME}:${ACCOUNT}:stack/support-agent-*/*`,
      `arn:aws:cloudformation:${HOME}:${ACCOUNT}:stack/invoice-extractor-*/*`,
    ],
    'DeployStacks',
  ),
  allowAll(
    ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
    [`arn:aws:s3:::${ARTIFACTS_BUCKET}`, `arn:aws:s3:::${ARTIFACTS_BUCKET}/*`],
    'Artifacts',
  ),
  allowAll(
    [
      'lambda:CreateFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:PublishVersion',
      'lambda:TagResource',
      'lambda:AddPermission',
      'lambda:DeleteFunction',
      'lambda:InvokeFunction',
    ],
    '*',
    'ManageFunctions',
  ),
  // The escalation path: PassRole on every role plus CreateFunction and InvokeFunction.
  allowAll('iam:PassRole', '*', 'PassAnyRole'),
  allowAll(
    [
      'iam:GetRole',
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:AttachRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:TagRole',
    ],
    `arn:aws:iam::${ACCOUNT}:role/*`,
    'StackRoles',
  ),
  allowAll(
    ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:DescribeLogGroups'],
    '*',
    'FunctionLogs',
  ),
  allowAll('dynamodb:DescribeTable', TICKETS_TABLE, 'ReadTableSchema'),
);
const DATA_PIPELINE_INLINE = policyDoc(
  allowAll(
    ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'],
    [
      `arn:aws:s3:::${DATA_BUCKET}`,
      `arn:aws:s3:::${DATA_BUCKET}/*`,
      `arn:aws:s3:::${ATHENA_BUCKET}`,
      `arn:aws:s3:::${ATHENA_BUCKET}/*`,
    ],
    'DataLakeObjects',
  ),
  allowAll(
    [
      'glue:GetDatabase',
      'glue:GetTable',
      'glue:GetPartitions',
      'glue:BatchCreatePartition',
      'glue:UpdateTable',
      'glue:CreateTable',
    ],
    [
      `arn:aws:glue:${HOME}:${ACCOUNT}:catalog`,
      `arn:aws:glue:${HOME}:${ACCOUNT}:database/analytics`,
      `arn:aws:glue:${HOME}:${ACCOUNT}:table/analytics/*`,
    ],
    'Catalog',
  ),
  allowAll(
    [
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StopQueryExecution',
      'athena:GetWorkGroup',
    ],
    `arn:aws:athena:${HOME}:${ACCOUNT}:workgroup/primary`,
    'Queries',
  ),
  allowAll('cloudwatch:PutMetricData', '*', 'JobMetrics'),
);
const OPERATOR_INLINE = policyDoc(
  allowAll(
    [
      'ec2:Describe*',
      's3:Get*',
      's3:List*',
      'cloudwatch:Get*',
      'cloudwatch:List*',
      'cloudwatch:Describe*',
      'logs:Describe*',
      'logs:Get*',
      'logs:StartQuery',
    ],
    '*',
    'Observe',
  ),
  allowAll(
    [
      'ec2:RebootInstances',
      'ec2:StartInstances',
      'ec2:StopInstances',
      'ssm:StartSession',
      'ssm:SendCommand',
    ],
    '*',
    'Operate',
  ),
);
const INVOICE_INLINE = policyDoc(
  allowAll('textract:AnalyzeDocument', '*', 'ReadInvoices'),
  allowAll('bedrock:InvokeModel', fm(HOME, NOVA_LITE), 'ExtractFields'),
  allowAll('s3:GetObject', `arn:aws:s3:::${INVOICES_BUCKET}/*`, 'InvoiceInbox'),
);
const OLD_ETL_INLINE = policyDoc(
  allowAll('s3:*', [`arn:aws:s3:::${LEGACY_ETL_BUCKET}`, `arn:aws:s3:::${LEGACY_ETL_BUCKET}/*`]),
);
const REPORTING_INLINE = policyDoc(
  allowAll(
    ['s3:GetObject', 's3:ListBucket'],
    [`arn:aws:s3:::${REPORTS_BUCKET}`, `arn:aws:s3:::${REPORTS_BUCKET}/*`],
    'ReadReports',
  ),
  allowAll(['ce:GetCostAndUsage', 'ce:GetCostForecast'], '*', 'CostExplorer'),
);
const SELF_SERVICE_INLINE = policyDoc(
  allowAll(
    [
      'iam:GetUser',
      'iam:ChangePassword',
      'iam:ListAccessKeys',
      'iam:CreateAccessKey',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
    ],
    `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    'ManageOwnKeys',
  ),
);

// ---------------------------------------------------------------------------------------------
// IAM inventory.
// ---------------------------------------------------------------------------------------------

interface ManagedPolicyDef {
  name: string;
  path: string;
  aws: boolean;
  created: string;
  updated: string;
  defaultVersion: string;
  attachable?: boolean;
  /** Newest first, as GetAccountAuthorizationDetails lists them. */
  versions: { id: string; created: string; doc: Obj }[];
}

const awsPolicyArn = (path: string, name: string) => `arn:aws:iam::aws:policy${path}${name}`;
const localPolicyArn = (path: string, name: string) =>
  `arn:aws:iam::${ACCOUNT}:policy${path}${name}`;
const policyArn = (p: ManagedPolicyDef) =>
  p.aws ? awsPolicyArn(p.path, p.name) : localPolicyArn(p.path, p.name);

const awsManaged = (
  name: string,
  path: string,
  created: string,
  updated: string,
  version: string,
  doc: Obj,
  attachable = true,
): ManagedPolicyDef => ({
  name,
  path,
  aws: true,
  created,
  updated,
  defaultVersion: version,
  attachable,
  versions: [{ id: version, created: updated, doc }],
});

const MANAGED_POLICIES: ManagedPolicyDef[] = [
  awsManaged(
    'AdministratorAccess',
    '/',
    '2015-02-06T18:39:46Z',
    '2015-02-06T18:39:46Z',
    'v1',
    ADMIN_DOC,
  ),
  awsManaged(
    'ReadOnlyAccess',
    '/',
    '2015-02-06T18:39:48Z',
    '2026-09-18T17:02:31Z',
    'v128',
    READ_ONLY_DOC,
  ),
  awsManaged(
    'PowerUserAccess',
    '/',
    '2015-02-06T18:39:47Z',
    '2023-07-06T22:04:00Z',
    'v5',
    POWER_USER_DOC,
  ),
  awsManaged(
    'AmazonBedrockFullAccess',
    '/',
    '2023-12-12T19:45:22Z',
    '2025-09-09T16:11:04Z',
    'v6',
    BEDROCK_FULL_DOC,
  ),
  awsManaged(
    'AWSLambdaBasicExecutionRole',
    '/service-role/',
    '2015-04-09T15:03:43Z',
    '2015-04-09T15:03:43Z',
    'v1',
    LAMBDA_BASIC_DOC,
  ),
  awsManaged(
    'AWSGlueServiceRole',
    '/service-role/',
    '2017-08-14T13:37:39Z',
    '2025-02-26T19:20:13Z',
    'v8',
    GLUE_SERVICE_DOC,
  ),
  awsManaged(
    'AWSSupportServiceRolePolicy',
    '/aws-service-role/',
    '2018-04-19T18:04:44Z',
    '2026-07-30T20:31:08Z',
    'v44',
    SUPPORT_SLR_DOC,
    false,
  ),
  {
    name: 'DeveloperPowerUser',
    path: '/',
    aws: false,
    created: '2023-01-09T16:20:11Z',
    updated: '2023-01-09T16:20:11Z',
    defaultVersion: 'v1',
    versions: [{ id: 'v1', created: '2023-01-09T16:20:11Z', doc: DEV_POWER_USER_DOC }],
  },
  {
    name: 'DeveloperBoundary',
    path: '/boundaries/',
    aws: false,
    created: '2023-01-09T16:18:52Z',
    updated: '2023-01-09T16:18:52Z',
    defaultVersion: 'v1',
    versions: [{ id: 'v1', created: '2023-01-09T16:18:52Z', doc: DEV_BOUNDARY_DOC }],
  },
  {
    name: 'RegionRestriction',
    path: '/guardrails/',
    aws: false,
    created: '2023-03-02T10:05:40Z',
    updated: '2023-03-02T10:05:40Z',
    defaultVersion: 'v1',
    versions: [{ id: 'v1', created: '2023-03-02T10:05:40Z', doc: REGION_RESTRICTION_DOC }],
  },
  {
    name: 'SupportAgentTicketsAccess',
    path: '/agents/',
    aws: false,
    created: '2026-02-10T14:31:09Z',
    updated: '2026-09-30T03:12:44Z',
    defaultVersion: 'v1',
    versions: [
      { id: 'v2', created: '2026-09-30T03:12:44Z', doc: TICKETS_V2_DOC },
      { id: 'v1', created: '2026-02-10T14:31:09Z', doc: TICKETS_V1_DOC },
    ],
  },
  {
    name: `AmazonBedrockAgentBedrockFoundationModelPolicy_${AGENT_ID}`,
    path: '/service-role/',
    aws: false,
    created: '2025-10-06T18:44:02Z',
    updated: '2025-10-06T18:44:02Z',
    defaultVersion: 'v1',
    versions: [{ id: 'v1', created: '2025-10-06T18:44:02Z', doc: AGENT_FM_POLICY_DOC }],
  },
  {
    name: 'LegacyS3FullAccess',
    path: '/',
    aws: false,
    created: '2021-06-22T09:12:30Z',
    updated: '2021-06-22T09:12:30Z',
    defaultVersion: 'v1',
    versions: [{ id: 'v1', created: '2021-06-22T09:12:30Z', doc: LEGACY_S3_DOC }],
  },
];

const policyByName = (name: string): ManagedPolicyDef => {
  const p = MANAGED_POLICIES.find((x) => x.name === name);
  if (!p) throw new Error(`unknown managed policy ${name}`);
  return p;
};

interface UserDef {
  name: string;
  path: string;
  created: string;
  groups: string[];
  attached: string[];
  inline: [string, Obj][];
  boundary?: string;
  tags: Record<string, string>;
}

interface GroupDef {
  name: string;
  created: string;
  attached: string[];
  inline: [string, Obj][];
}

interface RoleDef {
  name: string;
  path: string;
  created: string;
  trust: Obj;
  attached: string[];
  inline: [string, Obj][];
  boundary?: string;
  tags: Record<string, string>;
  instanceProfile?: boolean;
  /** RoleLastUsed for roles whose last use predates the trail. */
  lastUsedBeforeTrail?: { date: string; region: string };
}

const USERS: UserDef[] = [
  {
    name: 'alice',
    path: '/',
    created: '2022-03-14T15:02:17Z',
    groups: ['Admins'],
    attached: [],
    inline: [],
    tags: { owner: 'alice@example.com', team: 'platform', role: 'cloud-admin' },
  },
  {
    name: 'bob',
    path: '/',
    created: '2023-01-09T16:25:48Z',
    groups: ['Developers'],
    attached: [],
    inline: [],
    boundary: 'DeveloperBoundary',
    tags: { owner: 'bob@example.com', team: 'support-platform', role: 'developer' },
  },
  {
    name: 'carol',
    path: '/',
    created: '2024-09-02T13:40:05Z',
    groups: ['Auditors'],
    attached: [],
    inline: [],
    tags: { owner: 'carol@example.com', team: 'security', role: 'auditor' },
  },
  {
    name: 'dave',
    path: '/',
    created: '2025-02-17T17:08:33Z',
    groups: [],
    attached: ['AmazonBedrockFullAccess'],
    inline: [['self-service-credentials', SELF_SERVICE_INLINE]],
    tags: {
      owner: 'dave@example.com',
      team: 'ml-research',
      role: 'ml-engineer',
      'ai-assistant': 'claude-code',
    },
  },
  {
    name: 'legacy-reporting',
    path: '/system/',
    created: '2021-06-22T09:14:51Z',
    groups: [],
    attached: [],
    inline: [['reporting-read', REPORTING_INLINE]],
    tags: { owner: 'finance-eng@example.com', team: 'finance', app: 'quarterly-reporting' },
  },
];

const GROUPS: GroupDef[] = [
  {
    name: 'Admins',
    created: '2022-03-14T14:58:02Z',
    attached: ['AdministratorAccess'],
    inline: [],
  },
  { name: 'Auditors', created: '2024-09-02T13:37:26Z', attached: ['ReadOnlyAccess'], inline: [] },
  {
    name: 'Developers',
    created: '2023-01-09T16:22:30Z',
    attached: ['DeveloperPowerUser', 'RegionRestriction'],
    inline: [['deny-prod-secrets-and-audit-tampering', DEV_DENY_DOC]],
  },
];

const SSO_ROLE_NAME = 'AWSReservedSSO_PowerUserAccess_3f1c2a9b8d7e6f50';
const AGENT_ROLE_NAME = `AmazonBedrockExecutionRoleForAgents_${AGENT_ID}`;

const ROLES: RoleDef[] = [
  {
    name: SSO_ROLE_NAME,
    path: '/aws-reserved/sso.amazonaws.com/',
    created: '2024-05-14T19:22:47Z',
    trust: policyDoc({
      Effect: 'Allow',
      Principal: { Federated: SAML_PROVIDER },
      Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    }),
    attached: ['PowerUserAccess'],
    inline: [],
    tags: {},
  },
  {
    name: 'AWSServiceRoleForSupport',
    path: '/aws-service-role/support.amazonaws.com/',
    created: '2021-06-22T08:59:40Z',
    trust: trustService('support.amazonaws.com'),
    attached: ['AWSSupportServiceRolePolicy'],
    inline: [],
    tags: {},
    // Never used: GetAccountAuthorizationDetails returns an empty RoleLastUsed.
  },
  {
    name: AGENT_ROLE_NAME,
    path: '/service-role/',
    created: '2025-10-06T18:44:01Z',
    trust: policyDoc({
      Effect: 'Allow',
      Principal: { Service: 'bedrock.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': `arn:aws:bedrock:${HOME}:${ACCOUNT}:agent/*` },
      },
    }),
    attached: [`AmazonBedrockAgentBedrockFoundationModelPolicy_${AGENT_ID}`],
    inline: [['hr-helpdesk-kb-and-actions', AGENT_KB_INLINE]],
    tags: { owner: 'alice@example.com', team: 'people-ops', app: 'hr-helpdesk-agent' },
  },
  {
    name: 'ci-deploy',
    path: '/',
    created: '2025-04-02T12:10:19Z',
    trust: policyDoc({
      Effect: 'Allow',
      Principal: { Federated: OIDC_PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: {
          'token.actions.githubusercontent.com:sub': [
            'repo:example-org/support-agent:ref:refs/heads/main',
            'repo:example-org/agent-prototype:ref:refs/heads/main',
            'repo:example-org/invoice-extractor:ref:refs/heads/main',
          ],
        },
      },
    }),
    attached: [],
    inline: [['github-deploy', CI_DEPLOY_INLINE]],
    tags: { owner: 'bob@example.com', team: 'support-platform', app: 'ci' },
  },
  {
    name: 'data-pipeline',
    path: '/',
    created: '2024-11-18T21:33:05Z',
    trust: trustService('ecs-tasks.amazonaws.com', 'glue.amazonaws.com'),
    attached: [],
    inline: [['data-lake-access', DATA_PIPELINE_INLINE]],
    tags: { owner: 'data-eng@example.com', team: 'data', app: 'nightly-events-etl' },
  },
  {
    name: 'invoice-extractor-agent',
    path: '/agents/',
    created: '2026-11-03T15:12:40Z',
    trust: trustService('lambda.amazonaws.com'),
    attached: ['AWSLambdaBasicExecutionRole'],
    inline: [['invoice-extractor', INVOICE_INLINE]],
    tags: { owner: 'alice@example.com', team: 'finance-automation', app: 'invoice-extractor' },
  },
  {
    name: 'old-etl-role',
    path: '/',
    created: '2023-04-11T10:41:56Z',
    trust: trustService('ec2.amazonaws.com', 'glue.amazonaws.com'),
    attached: ['AWSGlueServiceRole'],
    inline: [['etl-s3', OLD_ETL_INLINE]],
    tags: { owner: 'data-eng@example.com', team: 'data', app: 'legacy-etl' },
    instanceProfile: true,
    lastUsedBeforeTrail: { date: '2025-11-20T04:17:00Z', region: HOME },
  },
  {
    name: 'platform-operator',
    path: '/',
    created: '2024-02-20T17:45:13Z',
    trust: policyDoc(
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'sts:AssumeRole',
      },
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'sts:SetSourceIdentity',
        Condition: { StringLike: { 'sts:SourceIdentity': '*@example.com' } },
      },
    ),
    attached: [],
    inline: [['operator-access', OPERATOR_INLINE]],
    tags: { owner: 'alice@example.com', team: 'platform' },
  },
  {
    name: 'prototype-agent',
    path: '/agents/',
    created: '2026-06-30T20:05:44Z',
    trust: trustService('lambda.amazonaws.com'),
    attached: ['AdministratorAccess', 'AWSLambdaBasicExecutionRole'],
    inline: [],
    tags: { owner: 'dave@example.com', team: 'ml-research', app: 'agent-prototype', env: 'dev' },
  },
  {
    name: 'support-agent',
    path: '/agents/',
    created: '2026-02-10T14:30:27Z',
    trust: trustService('lambda.amazonaws.com'),
    attached: ['AWSLambdaBasicExecutionRole', 'SupportAgentTicketsAccess'],
    inline: [['support-agent-runtime', SUPPORT_AGENT_INLINE]],
    tags: {
      owner: 'bob@example.com',
      team: 'support-platform',
      app: 'support-agent',
      'data-classification': 'customer-pii',
    },
  },
];

const userArn = (u: UserDef) => `arn:aws:iam::${ACCOUNT}:user${u.path}${u.name}`;
const roleArn = (r: RoleDef) => `arn:aws:iam::${ACCOUNT}:role${r.path}${r.name}`;
const roleId = (r: RoleDef) => iamId('AROA', r.name);
const userId = (u: UserDef) => iamId('AIDA', u.name);

const user = (name: string): UserDef => {
  const u = USERS.find((x) => x.name === name);
  if (!u) throw new Error(`unknown user ${name}`);
  return u;
};
const role = (name: string): RoleDef => {
  const r = ROLES.find((x) => x.name === name);
  if (!r) throw new Error(`unknown role ${name}`);
  return r;
};

// ---------------------------------------------------------------------------------------------
// CloudTrail records.
// ---------------------------------------------------------------------------------------------

/** Who made a call: the `userIdentity` plus where the call came from. */
interface Who {
  identity: Obj;
  ip: string;
  ua: string;
  /** Console session: adds `sessionCredentialFromConsole`. */
  console?: boolean;
  /** An AWS service called on the principal's behalf (`invokedBy`): no client TLS details. */
  viaService?: boolean;
  vpce?: string;
  /** AWS CLI session on this OS: the user agent names each command. */
  cliOs?: string;
}

interface EventSpec {
  src: string;
  name: string;
  ro: boolean;
  region?: string;
  params?: Obj | null;
  resp?: Obj | null;
  /** errorCode is omitted when absent (failed console sign-ins carry only a message). */
  err?: { code?: string; message: string };
  data?: boolean;
  resources?: Obj[];
  extra?: Obj;
  /** TLS host header; null for none, undefined for the service's regional endpoint. */
  host?: string | null;
  type?: 'AwsApiCall' | 'AwsConsoleSignIn' | 'AwsServiceEvent';
  version?: string;
  /** null for records without a requestID (sign-in and service events). */
  requestId?: string | null;
  sharedEventId?: boolean;
  serviceEventDetails?: Obj;
}

interface TrailRecord {
  t: number;
  seq: number;
  region: string;
  record: Obj;
}

function defaultHost(src: string, name: string, region: string, params: Obj | null): string {
  const svc = src.replace(/\.amazonaws\.com$/, '');
  if (svc === 'iam') return 'iam.amazonaws.com';
  if (svc === 'signin') return 'signin.aws.amazon.com';
  if (svc === 'ce') return 'ce.us-east-1.amazonaws.com';
  if (svc === 's3') {
    const host = params?.Host;
    return typeof host === 'string' ? host : `s3.${region}.amazonaws.com`;
  }
  if (svc === 'bedrock' && /^(InvokeModel|Converse)/.test(name)) {
    return `bedrock-runtime.${region}.amazonaws.com`;
  }
  if (svc === 'bedrock' && /Agent/.test(name)) return `bedrock-agent.${region}.amazonaws.com`;
  return `${svc}.${region}.amazonaws.com`;
}

/** Collects CloudTrail records; ids come from one seeded stream so output is reproducible. */
class Trail {
  readonly entries: TrailRecord[] = [];
  private readonly ids = new Rng('trail:ids');

  emit(t: number, who: Who, spec: EventSpec): void {
    // Fail loudly: a record outside the window would silently shift the scan's evidence.
    if (!(t >= T0 && t < T_END)) {
      throw new Error(`event ${spec.name} at ${new Date(t).toISOString()} is outside the window`);
    }
    const region = spec.region ?? HOME;
    const isS3 = spec.src === 's3.amazonaws.com';
    const params = spec.params === undefined ? null : spec.params;
    const r: Obj = {
      eventVersion: spec.version ?? '1.09',
      userIdentity: who.identity,
      eventTime: ctTime(t),
      eventSource: spec.src,
      eventName: spec.name,
      awsRegion: region,
      sourceIPAddress: who.ip,
      userAgent: who.ua,
    };
    if (spec.err) {
      if (spec.err.code) r.errorCode = spec.err.code;
      r.errorMessage = spec.err.message;
    }
    r.requestParameters = params;
    r.responseElements = spec.resp ?? null;
    const extra =
      spec.extra ??
      (isS3
        ? {
            SignatureVersion: 'SigV4',
            CipherSuite: 'TLS_AES_128_GCM_SHA256',
            bytesTransferredIn: 0,
            AuthenticationMethod: 'AuthHeader',
            'x-amz-id-2': `${this.ids.chars(B64, 56)}=`,
            bytesTransferredOut: 0,
          }
        : undefined);
    if (extra) r.additionalEventData = extra;
    if (spec.requestId !== null) {
      // S3 request ids are 16 upper-case hex digits; everything else is UUID-shaped.
      r.requestID = spec.requestId ?? (isS3 ? this.ids.hex(16).toUpperCase() : this.ids.uuid());
    }
    r.eventID = this.ids.uuid();
    r.readOnly = spec.ro;
    if (spec.resources) r.resources = spec.resources;
    r.eventType = spec.type ?? 'AwsApiCall';
    if (spec.serviceEventDetails) r.serviceEventDetails = spec.serviceEventDetails;
    r.managementEvent = !spec.data;
    r.recipientAccountId = ACCOUNT;
    if (spec.sharedEventId) r.sharedEventID = this.ids.uuid();
    if (who.vpce) {
      r.vpcEndpointId = who.vpce;
      r.vpcEndpointAccountId = ACCOUNT;
    }
    r.eventCategory = spec.data ? 'Data' : 'Management';
    const host =
      spec.host === undefined ? defaultHost(spec.src, spec.name, region, params) : spec.host;
    if (host && !who.viaService && r.eventType !== 'AwsServiceEvent') {
      r.tlsDetails = {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: host,
      };
    }
    if (who.console) r.sessionCredentialFromConsole = 'true';
    this.entries.push({ t, seq: this.entries.length, region, record: r });
  }
}

// --- identities ------------------------------------------------------------------------------

const accessKey = (label: string) => iamId('AKIA', label, 16);
const sessionKey = (rng: Rng) => `ASIA${rng.chars(B32, 16)}`;

const USER_KEYS: Record<string, string> = {
  alice: accessKey('alice-1'),
  bob: accessKey('bob-1'),
  dave: accessKey('dave-1'),
  daveOld: accessKey('dave-2'),
  legacy: accessKey('legacy-reporting-1'),
};

function userWho(
  u: UserDef,
  o: { key: string; ip: string; ua: string; console?: { created: number; mfa: boolean } },
): Who {
  const identity: Obj = {
    type: 'IAMUser',
    principalId: userId(u),
    arn: userArn(u),
    accountId: ACCOUNT,
    accessKeyId: o.key,
    userName: u.name,
  };
  if (o.console) {
    identity.sessionContext = {
      attributes: {
        creationDate: ctTime(o.console.created),
        mfaAuthenticated: String(o.console.mfa),
      },
    };
  }
  return { identity, ip: o.ip, ua: o.ua, console: Boolean(o.console) };
}

interface SessionOpts {
  ip: string;
  ua: string;
  key: string;
  sourceIdentity?: string;
  onBehalfOf?: { userId: string; identityStoreArn: string };
  webIdentity?: boolean;
  invokedBy?: string;
  vpce?: string;
  console?: boolean;
}

function roleWho(r: RoleDef, session: string, created: number, o: SessionOpts): Who {
  const sessionContext: Obj = {
    sessionIssuer: {
      type: 'Role',
      principalId: roleId(r),
      arn: roleArn(r),
      accountId: ACCOUNT,
      userName: r.name,
    },
  };
  if (o.webIdentity) {
    sessionContext.webIdFederationData = { federatedProvider: OIDC_PROVIDER, attributes: {} };
  }
  sessionContext.attributes = { creationDate: ctTime(created), mfaAuthenticated: 'false' };
  if (o.sourceIdentity) sessionContext.sourceIdentity = o.sourceIdentity;
  const identity: Obj = {
    type: 'AssumedRole',
    principalId: `${roleId(r)}:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${r.name}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: o.key,
    sessionContext,
  };
  if (o.invokedBy) identity.invokedBy = o.invokedBy;
  if (o.onBehalfOf) identity.onBehalfOf = o.onBehalfOf;
  return {
    identity,
    ip: o.invokedBy ?? o.ip,
    ua: o.invokedBy ?? o.ua,
    viaService: Boolean(o.invokedBy),
    vpce: o.vpce,
    console: o.console,
  };
}

/** The same session, but the call is made by an AWS service on its behalf (FAS). */
function viaService(w: Who, service: string): Who {
  return {
    identity: { ...w.identity, invokedBy: service },
    ip: service,
    ua: service,
    viaService: true,
  };
}

const serviceWho = (service: string): Who => ({
  identity: { type: 'AWSService', invokedBy: service },
  ip: service,
  ua: service,
  viaService: true,
});

// --- user agents and addresses ---------------------------------------------------------------

const BROWSER_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36';
const BROWSER_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0';
const cliUa = (command: string, os = 'macos#25.1.0') =>
  `aws-cli/2.31.18 md/awscrt#0.28.2 ua/2.1 os/${os} md/arch#arm64 lang/python#3.13.7 md/pyimpl#CPython m/b,Z,E cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#${command}`;
const nodeLambdaUa = (api: string) =>
  `aws-sdk-js/3.901.0 ua/2.1 os/linux#5.10.240-258.933.amzn2.aarch64 lang/js md/nodejs#22.19.0 api/${api}#3.901.0 exec-env/AWS_Lambda_nodejs22.x m/E,N`;
const pyLambdaUa = (exec = 'AWS_Lambda_python3.13') =>
  `Boto3/1.40.55 md/Botocore#1.40.55 ua/2.1 os/linux#5.10.240-258.933.amzn2.aarch64 md/arch#aarch64 lang/python#3.13.7 md/pyimpl#CPython exec-env/${exec} cfg/retry-mode#legacy Botocore/1.40.55`;
const CLAUDE_CODE_UA =
  'aws-sdk-js/3.901.0 ua/2.1 os/darwin#25.1.0 lang/js md/nodejs#22.20.0 api/bedrock-runtime#3.901.0 m/E,N,e claude-code/2.0.42';
const LAMBDA_WORKER_UA = 'awslambda-worker/1.0 rusoto/0.48.0 rust/1.80.1 linux';
const GH_STS_UA =
  'aws-sdk-js/3.888.0 ua/2.1 os/linux#6.11.0-1018-azure lang/js md/nodejs#20.19.5 api/sts#3.888.0 m/E configure-aws-credentials-for-github-actions';
/** `md/command#lambda.get-function` for an operation, as the AWS CLI reports it. */
const cliCommand = (o: Op) =>
  `${o.src.split('.')[0]}.${o.name
    .replace(/20\d{6}(v\d)?$/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()}`;
const ghCliUa = (command: string) => cliUa(command, 'linux#6.11.0-1018-azure');
const SSO_PORTAL_UA =
  'aws-internal/3 aws-sdk-java/1.12.788 Linux/5.10.240-238.966.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.452-b09 java/1.8.0_452 vendor/Oracle_Corporation cfg/retry-mode/standard';
const LAMBDA_IPS = ['3.88.124.17', '3.93.201.40', '44.204.18.233', '54.165.9.112', '52.91.33.208'];
const OFFICE_IP = '203.0.113.24';
const HOME_IPS: Record<string, string> = {
  alice: '198.51.100.77',
  bob: '198.51.100.142',
  carol: '203.0.113.61',
  dave: '198.51.100.203',
  erin: '203.0.113.90',
  frank: '198.51.100.18',
};

// --- operations --------------------------------------------------------------------------------

type ParamFn = (rng: Rng, region: string) => Obj | null;

interface Op {
  src: string;
  name: string;
  ro: boolean;
  params?: ParamFn;
}

const op = (src: string, name: string, ro: boolean, params?: ParamFn): Op => ({
  src: `${src}.amazonaws.com`,
  name,
  ro,
  params,
});
const s3Host = (bucket: string, region: string) => `${bucket}.s3.${region}.amazonaws.com`;

const OPS = {
  ec2DescribeInstances: op('ec2', 'DescribeInstances', true, () => ({
    maxResults: 1000,
    instancesSet: {},
    filterSet: {},
  })),
  ec2DescribeSecurityGroups: op('ec2', 'DescribeSecurityGroups', true, () => ({
    securityGroupSet: {},
    securityGroupIdSet: {},
    filterSet: {},
  })),
  ec2DescribeVpcs: op('ec2', 'DescribeVpcs', true, () => ({ vpcSet: {}, filterSet: {} })),
  ec2DescribeVolumes: op('ec2', 'DescribeVolumes', true, () => ({ volumeSet: {}, filterSet: {} })),
  ec2DescribeInstanceStatus: op('ec2', 'DescribeInstanceStatus', true, (rng) => ({
    instancesSet: { items: [{ instanceId: rng.pick(INSTANCES) }] },
    filterSet: {},
    includeAllInstances: true,
  })),
  ec2DescribeRegions: op('ec2', 'DescribeRegions', true, () => ({ regionSet: {} })),
  s3ListBuckets: op('s3', 'ListBuckets', true, (_r, region) => ({
    Host: `s3.${region}.amazonaws.com`,
  })),
  s3GetBucketPolicy: op('s3', 'GetBucketPolicy', true, (rng, region) => {
    const bucketName = rng.pick([DATA_BUCKET, ARTIFACTS_BUCKET, ATTACHMENTS_BUCKET, TRAIL_BUCKET]);
    return { bucketName, Host: s3Host(bucketName, region), policy: '' };
  }),
  s3GetBucketPublicAccessBlock: op('s3', 'GetBucketPublicAccessBlock', true, (rng, region) => {
    const bucketName = rng.pick([DATA_BUCKET, ATTACHMENTS_BUCKET, REPORTS_BUCKET, INVOICES_BUCKET]);
    return { bucketName, Host: s3Host(bucketName, region), publicAccessBlock: '' };
  }),
  s3GetBucketEncryption: op('s3', 'GetBucketEncryption', true, (rng, region) => {
    const bucketName = rng.pick([DATA_BUCKET, ATTACHMENTS_BUCKET, TRAIL_BUCKET]);
    return { bucketName, Host: s3Host(bucketName, region), encryption: '' };
  }),
  iamListUsers: op('iam', 'ListUsers', true, () => null),
  iamListRoles: op('iam', 'ListRoles', true, () => null),
  iamListPolicies: op('iam', 'ListPolicies', true, () => ({ scope: 'Local', onlyAttached: false })),
  iamGetRole: op('iam', 'GetRole', true, (rng) => ({ roleName: rng.pick(ROLES).name })),
  iamListAttachedRolePolicies: op('iam', 'ListAttachedRolePolicies', true, (rng) => ({
    roleName: rng.pick(ROLES).name,
  })),
  iamGetAccountSummary: op('iam', 'GetAccountSummary', true, () => null),
  iamGenerateCredentialReport: op('iam', 'GenerateCredentialReport', false, () => null),
  iamGetCredentialReport: op('iam', 'GetCredentialReport', true, () => null),
  iamGetUser: op('iam', 'GetUser', true, () => null),
  cloudtrailDescribeTrails: op('cloudtrail', 'DescribeTrails', true, () => ({
    includeShadowTrails: true,
  })),
  cloudtrailGetTrailStatus: op('cloudtrail', 'GetTrailStatus', true, () => ({ name: TRAIL_ARN })),
  cloudtrailGetEventSelectors: op('cloudtrail', 'GetEventSelectors', true, () => ({
    trailName: TRAIL_ARN,
  })),
  cloudtrailLookupEvents: op('cloudtrail', 'LookupEvents', true, (rng) => ({
    lookupAttributes: [
      {
        attributeKey: 'EventName',
        attributeValue: rng.pick(['ConsoleLogin', 'CreateRole', 'PutRolePolicy', 'AssumeRole']),
      },
    ],
    maxResults: 50,
  })),
  cwDescribeAlarms: op('monitoring', 'DescribeAlarms', true, () => ({ maxRecords: 100 })),
  cwGetDashboard: op('monitoring', 'GetDashboard', true, (rng) => ({
    dashboardName: rng.pick(['support-agent-prod', 'data-pipeline', 'platform-overview']),
  })),
  cwListDashboards: op('monitoring', 'ListDashboards', true, () => null),
  logsDescribeLogGroups: op('logs', 'DescribeLogGroups', true, () => ({ limit: 50 })),
  logsDescribeLogStreams: op('logs', 'DescribeLogStreams', true, (rng) => ({
    logGroupName: rng.pick([
      '/aws/lambda/support-agent-handler',
      '/aws/lambda/support-agent-escalation',
      '/ecs/nightly-events-etl',
    ]),
    orderBy: 'LastEventTime',
    descending: true,
  })),
  logsStartQuery: op('logs', 'StartQuery', true, (rng) => ({
    logGroupNames: [
      rng.pick(['/aws/lambda/support-agent-handler', '/aws/lambda/support-agent-escalation']),
    ],
    startTime: 1_700_000_000,
    endTime: 1_700_003_600,
    queryString:
      'fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 50',
  })),
  lambdaListFunctions: op('lambda', 'ListFunctions20150331', true, () => null),
  lambdaGetFunction: op('lambda', 'GetFunction20150331v2', true, (rng) => ({
    functionName: rng.pick([
      'support-agent-handler',
      'support-agent-escalation',
      'agent-prototype',
    ]),
  })),
  lambdaGetFunctionConfiguration: op(
    'lambda',
    'GetFunctionConfiguration20150331v2',
    true,
    (rng) => ({
      functionName: rng.pick(['support-agent-handler', 'support-agent-escalation']),
    }),
  ),
  cfnDescribeStacks: op('cloudformation', 'DescribeStacks', true, (rng) => ({
    stackName: rng.pick(['support-agent-prod', 'invoice-extractor-prod', 'shared-network']),
  })),
  cfnDescribeStackEvents: op('cloudformation', 'DescribeStackEvents', true, (rng) => ({
    stackName: rng.pick(['support-agent-prod', 'shared-network']),
  })),
  cfnListStacks: op('cloudformation', 'ListStacks', true, () => ({
    stackStatusFilter: ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'],
  })),
  ddbDescribeTable: op('dynamodb', 'DescribeTable', true, (rng) => ({
    tableName: rng.pick(['support-tickets', 'support-sessions']),
  })),
  ddbListTables: op('dynamodb', 'ListTables', true, () => ({ limit: 100 })),
  bedrockListFoundationModels: op('bedrock', 'ListFoundationModels', true, () => null),
  bedrockListInferenceProfiles: op('bedrock', 'ListInferenceProfiles', true, () => ({
    maxResults: 1000,
  })),
  bedrockGetAgent: op('bedrock', 'GetAgent', true, () => ({ agentId: AGENT_ID })),
  kmsListKeys: op('kms', 'ListKeys', true, () => ({ limit: 1000 })),
  kmsListAliases: op('kms', 'ListAliases', true, () => null),
  ceGetCostAndUsage: op('ce', 'GetCostAndUsage', true, () => ({
    timePeriod: { start: '2026-10-01', end: '2026-11-01' },
    granularity: 'MONTHLY',
    metrics: ['UnblendedCost'],
    groupBy: [{ type: 'DIMENSION', key: 'SERVICE' }],
  })),
  configDescribeConfigRules: op('config', 'DescribeConfigRules', true, () => null),
  configDescribeCompliance: op('config', 'DescribeComplianceByConfigRule', true, () => ({
    complianceTypes: ['NON_COMPLIANT'],
  })),
  securityhubGetFindings: op('securityhub', 'GetFindings', true, () => ({
    filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
    maxResults: 100,
  })),
  guarddutyListDetectors: op('guardduty', 'ListDetectors', true, () => null),
  guarddutyListFindings: op('guardduty', 'ListFindings', true, () => ({
    detectorId: '4ec6d1f0a2b3c4d5e6f708192a3b4c5d',
    maxResults: 50,
  })),
  accessAnalyzerListFindings: op('access-analyzer', 'ListFindingsV2', true, () => ({
    analyzerArn: `arn:aws:access-analyzer:${HOME}:${ACCOUNT}:analyzer/unused-access-90d`,
    maxResults: 100,
  })),
  ecsListClusters: op('ecs', 'ListClusters', true, () => null),
  ecsDescribeServices: op('ecs', 'DescribeServices', true, () => ({
    cluster: 'prod',
    services: ['support-web', 'ticket-sync'],
  })),
  ecsListTasks: op('ecs', 'ListTasks', true, () => ({
    cluster: 'prod',
    serviceName: 'support-web',
  })),
  stsGetCallerIdentity: op('sts', 'GetCallerIdentity', true, () => null),
};

const ALICE_CONSOLE: Op[] = [
  OPS.ec2DescribeInstances,
  OPS.ec2DescribeSecurityGroups,
  OPS.ec2DescribeVpcs,
  OPS.s3ListBuckets,
  OPS.s3GetBucketPolicy,
  OPS.iamListUsers,
  OPS.iamListRoles,
  OPS.iamGetRole,
  OPS.iamListPolicies,
  OPS.cloudtrailDescribeTrails,
  OPS.cloudtrailGetTrailStatus,
  OPS.cwDescribeAlarms,
  OPS.cwGetDashboard,
  OPS.ceGetCostAndUsage,
  OPS.kmsListKeys,
  OPS.bedrockListFoundationModels,
  OPS.bedrockGetAgent,
  OPS.lambdaListFunctions,
  OPS.cfnListStacks,
];
const ALICE_CLI: Op[] = [
  OPS.stsGetCallerIdentity,
  OPS.iamGetRole,
  OPS.iamListAttachedRolePolicies,
  OPS.cloudtrailLookupEvents,
  OPS.kmsListAliases,
  OPS.ceGetCostAndUsage,
];
const OPERATOR_OPS: Op[] = [
  OPS.ec2DescribeInstances,
  OPS.ec2DescribeInstanceStatus,
  OPS.ec2DescribeVolumes,
  OPS.ec2DescribeSecurityGroups,
  OPS.s3ListBuckets,
  OPS.s3GetBucketEncryption,
  OPS.cwDescribeAlarms,
  OPS.logsDescribeLogGroups,
  OPS.logsStartQuery,
];
const BOB_CONSOLE: Op[] = [
  OPS.lambdaListFunctions,
  OPS.lambdaGetFunction,
  OPS.lambdaGetFunctionConfiguration,
  OPS.logsDescribeLogGroups,
  OPS.logsDescribeLogStreams,
  OPS.logsStartQuery,
  OPS.cfnDescribeStacks,
  OPS.cfnDescribeStackEvents,
  OPS.ddbDescribeTable,
  OPS.ddbListTables,
  OPS.cwGetDashboard,
  OPS.cwDescribeAlarms,
  OPS.bedrockListFoundationModels,
];
const BOB_CLI: Op[] = [
  OPS.stsGetCallerIdentity,
  OPS.lambdaGetFunction,
  OPS.logsDescribeLogStreams,
  OPS.cfnDescribeStacks,
  OPS.ec2DescribeInstances,
];
const CAROL_CONSOLE: Op[] = [
  OPS.iamGetAccountSummary,
  OPS.iamListUsers,
  OPS.iamListRoles,
  OPS.iamGetRole,
  OPS.iamListAttachedRolePolicies,
  OPS.iamGenerateCredentialReport,
  OPS.iamGetCredentialReport,
  OPS.cloudtrailDescribeTrails,
  OPS.cloudtrailGetTrailStatus,
  OPS.cloudtrailGetEventSelectors,
  OPS.configDescribeConfigRules,
  OPS.configDescribeCompliance,
  OPS.securityhubGetFindings,
  OPS.guarddutyListDetectors,
  OPS.guarddutyListFindings,
  OPS.accessAnalyzerListFindings,
  OPS.s3GetBucketPolicy,
  OPS.s3GetBucketPublicAccessBlock,
  OPS.kmsListKeys,
  OPS.ec2DescribeSecurityGroups,
];
const SSO_OPS: Op[] = [
  OPS.ecsListClusters,
  OPS.ecsDescribeServices,
  OPS.ecsListTasks,
  OPS.ec2DescribeInstances,
  OPS.logsDescribeLogGroups,
  OPS.logsDescribeLogStreams,
  OPS.cwDescribeAlarms,
  OPS.cwListDashboards,
  OPS.lambdaListFunctions,
  OPS.lambdaGetFunction,
  OPS.cfnDescribeStacks,
  OPS.ddbDescribeTable,
  OPS.s3ListBuckets,
];

/** Emits one read or write from a pool entry. */
function emitOp(trail: Trail, rng: Rng, t: number, who: Who, o: Op, region = HOME): void {
  const caller = who.cliOs ? { ...who, ua: cliUa(cliCommand(o), who.cliOs) } : who;
  trail.emit(t, caller, {
    src: o.src,
    name: o.name,
    ro: o.ro,
    region,
    params: o.params?.(rng, region) ?? null,
  });
}

/**
 * A human's day in the console or CLI: bursts of 2–6 calls every 20–80 minutes between
 * `start` and `end`, as people click through a few pages and then go back to other work.
 */
function bursts(
  trail: Trail,
  rng: Rng,
  o: {
    start: number;
    end: number;
    who: Who;
    pool: Op[];
    gap: [number, number];
    size: [number, number];
    region?: string;
  },
): void {
  let t = o.start + rng.minutes(1, 8);
  while (t < o.end) {
    const n = rng.int(o.size[0], o.size[1]);
    let u = t;
    for (let i = 0; i < n && u < o.end; i++) {
      emitOp(trail, rng, u, o.who, rng.pick(o.pool), o.region);
      u += rng.int(2, 40) * SECOND;
    }
    t += rng.minutes(o.gap[0], o.gap[1]);
  }
}

const deniedMessage = (
  callerArn: string,
  action: string,
  resource: string | null,
  explicit = false,
) =>
  `User: ${callerArn} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} ${
    explicit
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`
  }`;

function consoleLogin(
  trail: Trail,
  t: number,
  u: UserDef,
  ip: string,
  ua: string,
  mfa: boolean,
  failed = false,
): void {
  const identity: Obj = {
    type: 'IAMUser',
    principalId: userId(u),
    arn: userArn(u),
    accountId: ACCOUNT,
    ...(failed ? { accessKeyId: '' } : {}),
    userName: u.name,
  };
  trail.emit(
    t,
    { identity, ip, ua },
    {
      src: 'signin.amazonaws.com',
      name: 'ConsoleLogin',
      ro: false,
      type: 'AwsConsoleSignIn',
      version: '1.08',
      requestId: null,
      err: failed ? { message: 'Failed authentication' } : undefined,
      resp: { ConsoleLogin: failed ? 'Failure' : 'Success' },
      extra: {
        LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
        MobileVersion: 'No',
        MFAUsed: mfa ? 'Yes' : 'No',
        ...(mfa ? { MFAIdentifier: `arn:aws:iam::${ACCOUNT}:mfa/${u.name}-iphone` } : {}),
      },
    },
  );
}

/** sts:AssumeRole by a human with SourceIdentity set, returning the new session. */
function humanAssumeRole(
  trail: Trail,
  rng: Rng,
  t: number,
  caller: Who,
  target: RoleDef,
  session: string,
  sourceIdentity: string,
  ua: string,
): Who {
  const key = sessionKey(rng);
  const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/${target.name}/${session}`;
  trail.emit(t, caller, {
    src: 'sts.amazonaws.com',
    name: 'AssumeRole',
    ro: true,
    params: {
      roleArn: roleArn(target),
      roleSessionName: session,
      durationSeconds: 3600,
      sourceIdentity,
    },
    resp: {
      credentials: { accessKeyId: key, expiration: stsExpiry(t + HOUR) },
      assumedRoleUser: { assumedRoleId: `${roleId(target)}:${session}`, arn },
      sourceIdentity,
    },
    resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn(target) }],
  });
  return {
    ...roleWho(target, session, t, { ip: caller.ip, ua, key, sourceIdentity }),
    cliOs: 'macos#25.1.0',
  };
}

// --- Lambda-hosted agents ----------------------------------------------------------------------

/**
 * A Lambda function's execution environment. Lambda assumes the execution role on each cold
 * start (an AWSService AssumeRole record) and the worker creates a log stream with the new
 * session; warm invocations reuse the session, which is what the trail shows.
 */
class LambdaEnv {
  private session: Who | null = null;
  private started = Number.NEGATIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;
  private lastLogGroupDay = -1;

  constructor(
    private readonly trail: Trail,
    private readonly rng: Rng,
    readonly functionName: string,
    private readonly r: RoleDef,
    private readonly ua: (api: string) => string,
    private readonly onColdStart?: (t: number, who: Who) => void,
  ) {}

  /** The session serving an invocation at `t`; emits cold-start records when needed. */
  invoke(t: number): { who: (api: string) => Who; cold: boolean } {
    const cold = !this.session || t - this.last > 25 * MINUTE || t - this.started > 3 * HOUR;
    if (cold) this.coldStart(t);
    this.last = t;
    const session = this.session!;
    return {
      cold,
      who: (api: string) => ({ ...session, ua: this.ua(api) }),
    };
  }

  private coldStart(t: number): void {
    const rng = this.rng;
    const tAssume = t - rng.int(600, 1500);
    const key = sessionKey(rng);
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/${this.r.name}/${this.functionName}`;
    this.trail.emit(tAssume, serviceWho('lambda.amazonaws.com'), {
      src: 'sts.amazonaws.com',
      name: 'AssumeRole',
      ro: true,
      params: { roleArn: roleArn(this.r), roleSessionName: this.functionName },
      resp: {
        credentials: { accessKeyId: key, expiration: stsExpiry(tAssume + 12 * HOUR) },
        assumedRoleUser: {
          assumedRoleId: `${roleId(this.r)}:${this.functionName}`,
          arn: sessionArn,
        },
      },
      resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn(this.r) }],
      sharedEventId: true,
      host: null,
    });
    const ip = rng.pick(LAMBDA_IPS);
    this.session = roleWho(this.r, this.functionName, tAssume, { ip, ua: this.ua('lambda'), key });
    this.started = t;
    const worker: Who = { ...this.session, ua: LAMBDA_WORKER_UA };
    const logGroupName = `/aws/lambda/${this.functionName}`;
    const dayIndex = Math.floor((t - T0) / DAY);
    if (dayIndex !== this.lastLogGroupDay) {
      // The worker tries CreateLogGroup once per host; it already exists, so this is an
      // authorized call that failed for a reason other than access.
      this.lastLogGroupDay = dayIndex;
      this.trail.emit(tAssume + 150, worker, {
        src: 'logs.amazonaws.com',
        name: 'CreateLogGroup',
        ro: false,
        params: { logGroupName },
        err: {
          code: 'ResourceAlreadyExistsException',
          message: 'The specified log group already exists',
        },
      });
    }
    this.trail.emit(tAssume + 300, worker, {
      src: 'logs.amazonaws.com',
      name: 'CreateLogStream',
      ro: false,
      params: {
        logGroupName,
        logStreamName: `${ctTime(t).slice(0, 10).replace(/-/g, '/')}/[$LATEST]${rng.hex(32)}`,
      },
    });
    this.onColdStart?.(t, this.session);
  }
}

function bedrockCall(
  trail: Trail,
  t: number,
  who: Who,
  name: 'InvokeModel' | 'Converse' | 'InvokeModelWithResponseStream' | 'ConverseStream',
  modelId: string,
  rng: Rng,
  region = HOME,
  denied?: { callerArn: string; resource: string },
): void {
  const viaProfile = modelId.startsWith('us.');
  const action = /Stream/.test(name)
    ? 'bedrock:InvokeModelWithResponseStream'
    : 'bedrock:InvokeModel';
  trail.emit(t, who, {
    src: 'bedrock.amazonaws.com',
    name,
    ro: true,
    region,
    params: { modelId },
    extra: viaProfile
      ? { inferenceRegion: rng.pick(['us-east-1', 'us-east-2', 'us-west-2']) }
      : undefined,
    err: denied
      ? {
          code: 'AccessDeniedException',
          message: deniedMessage(denied.callerArn, action, denied.resource),
        }
      : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// Actors. Each has its own random stream.
// ---------------------------------------------------------------------------------------------

/** Support agent: customer traffic around the clock, heavier in US hours, lighter at weekends. */
function supportAgent(trail: Trail): void {
  const rng = new Rng('actor:support-agent');
  const r = role('support-agent');
  const secretArn = (name: string, suffix: string) =>
    `arn:aws:secretsmanager:${HOME}:${ACCOUNT}:secret:${name}-${suffix}`;
  const handler = new LambdaEnv(trail, rng, 'support-agent-handler', r, nodeLambdaUa, (t, who) => {
    trail.emit(
      t - 80,
      { ...who, ua: nodeLambdaUa('secrets-manager') },
      {
        src: 'secretsmanager.amazonaws.com',
        name: 'GetSecretValue',
        ro: true,
        params: { secretId: PROD_SECRET },
        resources: [
          {
            accountId: ACCOUNT,
            type: 'AWS::SecretsManager::Secret',
            ARN: secretArn(PROD_SECRET, 'Ab12Cd'),
          },
        ],
      },
    );
  });
  const escalation = new LambdaEnv(
    trail,
    rng,
    'support-agent-escalation',
    r,
    nodeLambdaUa,
    (t, who) => {
      trail.emit(
        t - 80,
        { ...who, ua: nodeLambdaUa('secrets-manager') },
        {
          src: 'secretsmanager.amazonaws.com',
          name: 'GetSecretValue',
          ro: true,
          params: { secretId: PAGER_SECRET },
          resources: [
            {
              accountId: ACCOUNT,
              type: 'AWS::SecretsManager::Secret',
              ARN: secretArn(PAGER_SECRET, 'Pq93Xz'),
            },
          ],
        },
      );
    },
  );
  const escalationLive = at('2026-10-20T17:30:00Z');
  // A deploy switched escalations to Opus, which the role may not invoke; reverted next morning.
  const opusFrom = at('2026-11-10T15:24:00Z');
  const opusTo = at('2026-11-11T09:48:00Z');
  const sessionArn = (fn: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/support-agent/${fn}`;

  for (const day of WINDOW_DAYS) {
    for (let h = 0; h < 24; h++) {
      const base = h >= 13 ? 4.5 : h < 4 ? 2 : 1.1;
      const n = rng.count(base * (day.weekend ? 0.4 : 1));
      const hourStart = day.start + h * HOUR;
      const starts = Array.from(
        { length: n },
        () => hourStart + rng.int(3 * MINUTE, 54 * MINUTE),
      ).sort((a, b) => a - b);
      for (const t0 of starts) {
        const inv = handler.invoke(t0);
        const who = inv.who('bedrock-runtime');
        let t = t0 + rng.int(150, 900);
        bedrockCall(trail, t, who, 'Converse', `us.${HAIKU}`, rng);
        if (rng.chance(0.7)) {
          t += rng.int(800, 2500);
          bedrockCall(trail, t, who, 'InvokeModel', TITAN_EMBED, rng);
        }
        for (let i = rng.int(1, 3); i > 0; i--) {
          t += rng.int(3, 14) * SECOND;
          bedrockCall(trail, t, who, 'Converse', `us.${SONNET}`, rng);
        }
        if (t0 >= escalationLive && rng.chance(0.12)) {
          const te = t + rng.int(2, 20) * SECOND;
          const esc = escalation.invoke(te).who('bedrock-runtime');
          const opus = te >= opusFrom && te < opusTo;
          // The handler retries a failed model call twice before paging a human.
          let tr = te + rng.int(200, 900);
          for (let attempt = opus ? 3 : 1; attempt > 0; attempt--) {
            bedrockCall(
              trail,
              tr,
              esc,
              'Converse',
              opus ? `us.${OPUS}` : `us.${SONNET}`,
              rng,
              HOME,
              opus
                ? { callerArn: sessionArn('support-agent-escalation'), resource: profile(OPUS) }
                : undefined,
            );
            tr += rng.int(800, 3000);
          }
        }
      }
    }
  }
}

/** Bedrock Agent (hr-helpdesk): the Bedrock service calls the model with the agent's role. */
function bedrockAgent(trail: Trail): void {
  const rng = new Rng('actor:bedrock-agent');
  const r = role(AGENT_ROLE_NAME);
  for (const day of WINDOW_DAYS) {
    for (let h = 12; h < 23; h++) {
      const n = rng.count((day.weekend ? 0.15 : 1.6) * (h >= 14 && h <= 21 ? 1 : 0.4));
      if (n === 0) continue;
      const hourStart = day.start + h * HOUR;
      const tAssume = hourStart + rng.minutes(1, 5);
      const session = `BedrockAgentSession-${rng.hex(12)}`;
      const key = sessionKey(rng);
      trail.emit(tAssume, serviceWho('bedrock.amazonaws.com'), {
        src: 'sts.amazonaws.com',
        name: 'AssumeRole',
        ro: true,
        params: { roleArn: roleArn(r), roleSessionName: session },
        resp: {
          credentials: { accessKeyId: key, expiration: stsExpiry(tAssume + HOUR) },
          assumedRoleUser: {
            assumedRoleId: `${roleId(r)}:${session}`,
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${r.name}/${session}`,
          },
        },
        resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn(r) }],
        sharedEventId: true,
        host: null,
      });
      const who = roleWho(r, session, tAssume, {
        ip: '',
        ua: '',
        key,
        invokedBy: 'bedrock.amazonaws.com',
      });
      for (let i = 0; i < n; i++) {
        let t = tAssume + rng.minutes(1, 50);
        for (let k = rng.int(2, 4); k > 0; k--) {
          t += rng.int(1500, 6000);
          bedrockCall(trail, t, who, 'InvokeModel', HAIKU35, rng);
        }
      }
    }
  }
}

/** Prototype agent: admin rights, but it only talks to Bedrock and pokes at a few services. */
function prototypeAgent(trail: Trail): void {
  const rng = new Rng('actor:prototype-agent');
  const r = role('prototype-agent');
  const env = new LambdaEnv(
    trail,
    rng,
    'agent-prototype',
    r,
    () => pyLambdaUa(),
    (t, who) => {
      trail.emit(t - 120, who, { src: 'sts.amazonaws.com', name: 'GetCallerIdentity', ro: true });
      trail.emit(t - 60, who, {
        src: 'ec2.amazonaws.com',
        name: 'DescribeRegions',
        ro: true,
        params: { regionSet: {} },
      });
    },
  );
  const abandoned = at('2026-11-13T00:00:00Z');
  for (const day of WINDOW_DAYS) {
    if (day.weekend || day.start >= abandoned) continue;
    const n = rng.count(11);
    const starts = Array.from({ length: n }, () => day.start + rng.minutes(14 * 60, 22 * 60)).sort(
      (a, b) => a - b,
    );
    for (const t0 of starts) {
      const who = env.invoke(t0).who('bedrock-runtime');
      let t = t0 + rng.int(200, 800);
      for (let i = rng.int(1, 3); i > 0; i--) {
        bedrockCall(trail, t, who, 'Converse', `us.${SONNET37}`, rng);
        t += rng.int(4, 15) * SECOND;
      }
      if (rng.chance(0.3)) {
        emitOp(trail, rng, t, who, OPS.ddbListTables);
        emitOp(trail, rng, t + 400, who, OPS.ddbDescribeTable);
        t += SECOND;
      }
      if (rng.chance(0.2)) emitOp(trail, rng, t + 300, who, OPS.s3ListBuckets);
    }
  }
}

/** Invoice extractor: created on 2026-11-03, in service from 2026-11-05; little history. */
function invoiceExtractor(trail: Trail): void {
  const rng = new Rng('actor:invoice-extractor');
  const r = role('invoice-extractor-agent');
  const env = new LambdaEnv(trail, rng, 'invoice-extractor', r, () => pyLambdaUa());
  const live = at('2026-11-05T00:00:00Z');
  for (const day of WINDOW_DAYS) {
    if (day.weekend || day.start < live) continue;
    const n = rng.count(7);
    const starts = Array.from({ length: n }, () => day.start + rng.minutes(14 * 60, 21 * 60)).sort(
      (a, b) => a - b,
    );
    for (const t0 of starts) {
      const who = env.invoke(t0).who('textract');
      trail.emit(t0 + 500, who, {
        src: 'textract.amazonaws.com',
        name: 'AnalyzeDocument',
        ro: true,
        params: {
          document: {
            s3Object: {
              bucket: INVOICES_BUCKET,
              name: `inbox/2026/11/INV-${rng.int(40000, 49999)}.pdf`,
            },
          },
          featureTypes: ['TABLES', 'FORMS'],
        },
      });
      bedrockCall(trail, t0 + rng.int(4, 9) * SECOND, who, 'InvokeModel', NOVA_LITE, rng);
    }
  }
}

/**
 * Nightly ETL on ECS: reads raw objects and writes curated ones in the data lake (the one
 * bucket the trail records data events for), updates the Glue catalog and runs an Athena
 * rollup whose S3 reads Athena makes on the role's behalf.
 */
function dataPipeline(trail: Trail): void {
  const rng = new Rng('actor:data-pipeline');
  const r = role('data-pipeline');
  const vpce = 'vpce-0c1d2e3f4a5b6c7d8';
  const dataResources = (key: string): Obj[] => [
    { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${DATA_BUCKET}/${key}` },
    { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${DATA_BUCKET}` },
  ];
  for (const day of WINDOW_DAYS) {
    const start = day.start + 2 * HOUR + rng.minutes(4, 14);
    const taskId = rng.hex(32);
    const key = sessionKey(rng);
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/data-pipeline/${taskId}`;
    trail.emit(start, serviceWho('ecs-tasks.amazonaws.com'), {
      src: 'sts.amazonaws.com',
      name: 'AssumeRole',
      ro: true,
      params: { roleArn: roleArn(r), roleSessionName: taskId },
      resp: {
        credentials: { accessKeyId: key, expiration: stsExpiry(start + 6 * HOUR) },
        assumedRoleUser: { assumedRoleId: `${roleId(r)}:${taskId}`, arn: sessionArn },
      },
      resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn(r) }],
      sharedEventId: true,
      host: null,
    });
    const ip = `10.20.${rng.int(16, 31)}.${rng.int(4, 250)}`;
    const ua = pyLambdaUa('AWS_ECS_FARGATE');
    const who = roleWho(r, taskId, start, { ip, ua, key });
    const s3who = { ...who, vpce };
    let t = start + rng.int(20, 40) * SECOND;
    trail.emit(t, who, {
      src: 'glue.amazonaws.com',
      name: 'GetDatabase',
      ro: true,
      params: { name: 'analytics' },
    });
    t += rng.int(300, 900);
    trail.emit(t, who, {
      src: 'glue.amazonaws.com',
      name: 'GetTable',
      ro: true,
      params: { databaseName: 'analytics', name: 'events' },
    });
    const dt = day.ymd;
    const n = day.weekend ? rng.int(60, 100) : rng.int(170, 250);
    const pages = Math.ceil(n / 100);
    for (let p = 0; p < pages; p++) {
      t += rng.int(200, 700);
      trail.emit(t, s3who, {
        src: 's3.amazonaws.com',
        name: 'ListObjects',
        ro: true,
        data: true,
        params: {
          bucketName: DATA_BUCKET,
          Host: s3Host(DATA_BUCKET, HOME),
          'list-type': '2',
          prefix: `raw/events/dt=${dt}/`,
          ...(p > 0 ? { 'continuation-token': rng.chars(B64, 24) } : {}),
        },
        resources: [
          { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${DATA_BUCKET}` },
        ],
      });
    }
    let written = 0;
    for (let i = 0; i < n; i++) {
      t += rng.int(250, 2200);
      const objectKey = `raw/events/dt=${dt}/hour=${String(Math.floor((i * 24) / n)).padStart(2, '0')}/part-${String(i).padStart(5, '0')}.json.gz`;
      trail.emit(t, s3who, {
        src: 's3.amazonaws.com',
        name: 'GetObject',
        ro: true,
        data: true,
        params: { bucketName: DATA_BUCKET, Host: s3Host(DATA_BUCKET, HOME), key: objectKey },
        resources: dataResources(objectKey),
      });
      if (i % 2 === 1) {
        t += rng.int(400, 3000);
        const outKey = `curated/events/dt=${dt}/part-${String(written++).padStart(5, '0')}.snappy.parquet`;
        trail.emit(t, s3who, {
          src: 's3.amazonaws.com',
          name: 'PutObject',
          ro: false,
          data: true,
          params: { bucketName: DATA_BUCKET, Host: s3Host(DATA_BUCKET, HOME), key: outKey },
          resp: { 'x-amz-server-side-encryption': 'AES256' },
          resources: dataResources(outKey),
        });
      }
    }
    t += rng.int(2, 6) * SECOND;
    trail.emit(t, who, {
      src: 'glue.amazonaws.com',
      name: 'BatchCreatePartition',
      ro: false,
      params: {
        databaseName: 'analytics',
        tableName: 'events_curated',
        partitionInputList: [{ values: [dt] }],
      },
    });
    // Athena rollup: the query reads curated objects with the role's credentials (invokedBy).
    t += rng.int(1, 4) * SECOND;
    const queryId = rng.uuid();
    trail.emit(t, who, {
      src: 'athena.amazonaws.com',
      name: 'StartQueryExecution',
      ro: false,
      params: {
        queryString: `INSERT INTO analytics.daily_rollup SELECT dt, event_type, count(*) FROM analytics.events_curated WHERE dt = '${dt}' GROUP BY 1, 2`,
        queryExecutionContext: { database: 'analytics' },
        workGroup: 'primary',
        resultConfiguration: { outputLocation: `s3://${ATHENA_BUCKET}/rollup/` },
        clientRequestToken: rng.uuid(),
      },
      resp: { queryExecutionId: queryId },
    });
    const athena = viaService(s3who, 'athena.amazonaws.com');
    let ta = t + rng.int(800, 2000);
    for (let i = 0; i < written; i += 2) {
      ta += rng.int(20, 400);
      const readKey = `curated/events/dt=${dt}/part-${String(i).padStart(5, '0')}.snappy.parquet`;
      trail.emit(ta, athena, {
        src: 's3.amazonaws.com',
        name: 'GetObject',
        ro: true,
        data: true,
        params: { bucketName: DATA_BUCKET, Host: s3Host(DATA_BUCKET, HOME), key: readKey },
        resources: dataResources(readKey),
      });
    }
    for (let i = rng.int(3, 6); i > 0; i--) {
      t += rng.int(2, 5) * SECOND;
      trail.emit(t, who, {
        src: 'athena.amazonaws.com',
        name: 'GetQueryExecution',
        ro: true,
        params: { queryExecutionId: queryId },
      });
    }
    trail.emit(Math.max(t, ta) + 900, who, {
      src: 'athena.amazonaws.com',
      name: 'GetQueryResults',
      ro: true,
      params: { queryExecutionId: queryId, maxResults: 1000 },
    });
  }
}

/**
 * GitHub Actions deploys: AssumeRoleWithWebIdentity, then CloudFormation change sets whose
 * resource updates CloudFormation performs with the CI session (invokedBy), or direct Lambda
 * code updates from the runner. Artifact uploads go to a bucket without data events.
 */
function ciDeploy(trail: Trail): void {
  const rng = new Rng('actor:ci-deploy');
  const r = role('ci-deploy');
  const supportRole = role('support-agent');
  const invoiceRole = role('invoice-extractor-agent');
  const session = 'GitHubActions';
  const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deploy/${session}`;
  const fnArn = (name: string) => `arn:aws:lambda:${HOME}:${ACCOUNT}:function:${name}`;
  const escalationCreated = at('2026-10-20T17:12:00Z');
  const invoiceCreated = at('2026-11-04T15:40:00Z');
  const specials = [
    at('2026-10-20T17:12:00Z'),
    at('2026-10-28T19:05:00Z'),
    at('2026-11-04T15:40:00Z'),
    at('2026-11-10T15:18:00Z'),
    at('2026-11-11T09:41:00Z'),
  ];
  const runs: { t: number; repo: string }[] = [];
  for (const day of WINDOW_DAYS) {
    if (day.weekend) continue;
    const n = rng.weighted([
      [0, 1],
      [1, 2],
      [2, 2.5],
      [3, 2],
      [4, 1.5],
      [5, 1],
    ] as const);
    for (let i = 0; i < n; i++) {
      const t = day.start + rng.minutes(14 * 60, 22 * 60 + 30);
      const repo =
        t > invoiceCreated && rng.chance(0.15)
          ? 'invoice-extractor'
          : rng.chance(0.25)
            ? 'agent-prototype'
            : 'support-agent';
      runs.push({ t, repo });
    }
  }
  for (const t of specials) {
    runs.push({ t, repo: t === invoiceCreated ? 'invoice-extractor' : 'support-agent' });
  }
  runs.sort((a, b) => a.t - b.t);

  for (const run of runs) {
    const runnerIp = `192.0.2.${rng.int(10, 250)}`;
    const sub = `repo:example-org/${run.repo}:ref:refs/heads/main`;
    const key = sessionKey(rng);
    let t = run.t;
    trail.emit(
      t,
      {
        identity: {
          type: 'WebIdentityUser',
          principalId: `${OIDC_PROVIDER}:sts.amazonaws.com:${sub}`,
          userName: sub,
          identityProvider: OIDC_PROVIDER,
        },
        ip: runnerIp,
        ua: GH_STS_UA,
      },
      {
        src: 'sts.amazonaws.com',
        name: 'AssumeRoleWithWebIdentity',
        ro: true,
        params: { roleArn: roleArn(r), roleSessionName: session, durationSeconds: 3600 },
        resp: {
          credentials: { accessKeyId: key, expiration: stsExpiry(t + HOUR) },
          subjectFromWebIdentityToken: sub,
          assumedRoleUser: { assumedRoleId: `${roleId(r)}:${session}`, arn: sessionArn },
          provider: OIDC_PROVIDER,
          audience: 'sts.amazonaws.com',
        },
        extra: {
          identityProviderConnectionVerificationMethod: 'IAMTrustStore',
          RoleSessionName: session,
        },
        resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn(r) }],
      },
    );
    const created = run.t;
    const ci = (command: string) =>
      roleWho(r, session, created, { ip: runnerIp, ua: ghCliUa(command), key, webIdentity: true });
    const base = ci('sts.get-caller-identity');
    t += rng.int(2, 5) * SECOND;
    trail.emit(t, base, { src: 'sts.amazonaws.com', name: 'GetCallerIdentity', ro: true });

    if (run.repo === 'agent-prototype') {
      t += rng.int(30, 90) * SECOND;
      const who = ci('lambda.update-function-code');
      trail.emit(t, who, {
        src: 'lambda.amazonaws.com',
        name: 'UpdateFunctionCode20150331v2',
        ro: false,
        params: {
          functionName: 'agent-prototype',
          s3Bucket: ARTIFACTS_BUCKET,
          s3Key: `agent-prototype/${rng.hex(40)}.zip`,
          publish: false,
          dryRun: false,
        },
        resp: {
          functionName: 'agent-prototype',
          functionArn: fnArn('agent-prototype'),
          runtime: 'python3.13',
          role: roleArn(role('prototype-agent')),
          lastUpdateStatus: 'InProgress',
        },
      });
      for (let i = rng.int(1, 3); i > 0; i--) {
        t += rng.int(3, 6) * SECOND;
        trail.emit(t, ci('lambda.get-function-configuration'), {
          src: 'lambda.amazonaws.com',
          name: 'GetFunctionConfiguration20150331v2',
          ro: true,
          params: { functionName: 'agent-prototype' },
        });
      }
      continue;
    }

    if (run.t === invoiceCreated) {
      // First deploy of the invoice extractor: the function is created directly, passing the
      // role alice created the day before.
      t += rng.int(20, 60) * SECOND;
      trail.emit(t, ci('lambda.create-function'), {
        src: 'lambda.amazonaws.com',
        name: 'CreateFunction20150331',
        ro: false,
        params: {
          functionName: 'invoice-extractor',
          runtime: 'python3.13',
          role: roleArn(invoiceRole),
          handler: 'app.handler',
          code: { s3Bucket: ARTIFACTS_BUCKET, s3Key: `invoice-extractor/${rng.hex(40)}.zip` },
          timeout: 120,
          memorySize: 1024,
          publish: true,
          architectures: ['arm64'],
          tracingConfig: { mode: 'Active' },
        },
        resp: {
          functionName: 'invoice-extractor',
          functionArn: fnArn('invoice-extractor'),
          runtime: 'python3.13',
          role: roleArn(invoiceRole),
          handler: 'app.handler',
          version: '1',
          state: 'Pending',
          stateReasonCode: 'Creating',
        },
      });
      continue;
    }

    // CloudFormation deploy of a stack.
    const stackName =
      run.repo === 'invoice-extractor' ? 'invoice-extractor-prod' : 'support-agent-prod';
    const stackId = `arn:aws:cloudformation:${HOME}:${ACCOUNT}:stack/${stackName}/${rng.uuid()}`;
    const changeSetName = `deploy-${rng.hex(7)}`;
    const cfn = ci('cloudformation.deploy');
    if (run.t === at('2026-10-28T19:05:00Z')) {
      // Someone added a lookup of a shared stack's outputs: denied, and the job failed.
      t += 4 * SECOND;
      trail.emit(t, cfn, {
        src: 'cloudformation.amazonaws.com',
        name: 'DescribeStacks',
        ro: true,
        params: { stackName: 'shared-network' },
        err: {
          code: 'AccessDenied',
          message: deniedMessage(
            sessionArn,
            'cloudformation:DescribeStacks',
            `arn:aws:cloudformation:${HOME}:${ACCOUNT}:stack/shared-network/*`,
          ),
        },
      });
      continue;
    }
    t += rng.int(40, 120) * SECOND;
    trail.emit(t, cfn, {
      src: 'cloudformation.amazonaws.com',
      name: 'CreateChangeSet',
      ro: false,
      params: {
        stackName,
        changeSetName,
        changeSetType: 'UPDATE',
        templateURL: `https://s3.${HOME}.amazonaws.com/${ARTIFACTS_BUCKET}/${stackName}/${rng.hex(32)}.template`,
        capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      },
      resp: {
        id: `arn:aws:cloudformation:${HOME}:${ACCOUNT}:changeSet/${changeSetName}/${rng.uuid()}`,
        stackId,
      },
    });
    for (let i = rng.int(2, 4); i > 0; i--) {
      t += 5 * SECOND + rng.int(0, 800);
      trail.emit(t, cfn, {
        src: 'cloudformation.amazonaws.com',
        name: 'DescribeChangeSet',
        ro: true,
        params: { changeSetName, stackName },
      });
    }
    t += rng.int(1, 3) * SECOND;
    trail.emit(t, cfn, {
      src: 'cloudformation.amazonaws.com',
      name: 'ExecuteChangeSet',
      ro: false,
      params: { changeSetName, stackName },
    });
    // CloudFormation now works through the template with the CI session (forward access).
    const onBehalf = viaService(cfn, 'cloudformation.amazonaws.com');
    let tc = t + rng.int(3, 8) * SECOND;
    const fnRole = run.repo === 'invoice-extractor' ? invoiceRole : supportRole;
    trail.emit(tc, onBehalf, {
      src: 'iam.amazonaws.com',
      name: 'GetRole',
      ro: true,
      params: { roleName: fnRole.name },
    });
    const functions =
      run.repo === 'invoice-extractor'
        ? ['invoice-extractor']
        : run.t > escalationCreated
          ? ['support-agent-handler', 'support-agent-escalation']
          : ['support-agent-handler'];
    if (run.t === escalationCreated) {
      tc += rng.int(1, 3) * SECOND;
      trail.emit(tc, onBehalf, {
        src: 'logs.amazonaws.com',
        name: 'CreateLogGroup',
        ro: false,
        params: { logGroupName: '/aws/lambda/support-agent-escalation' },
      });
      tc += rng.int(1, 3) * SECOND;
      trail.emit(tc, onBehalf, {
        src: 'logs.amazonaws.com',
        name: 'PutRetentionPolicy',
        ro: false,
        params: { logGroupName: '/aws/lambda/support-agent-escalation', retentionInDays: 30 },
      });
      tc += rng.int(2, 5) * SECOND;
      // The function that ties the support agent's role to the CI identity that deployed it.
      trail.emit(tc, onBehalf, {
        src: 'lambda.amazonaws.com',
        name: 'CreateFunction20150331',
        ro: false,
        params: {
          functionName: 'support-agent-escalation',
          runtime: 'nodejs22.x',
          role: roleArn(supportRole),
          handler: 'index.handler',
          code: { s3Bucket: ARTIFACTS_BUCKET, s3Key: `support-agent/${rng.hex(40)}.zip` },
          description: 'Escalates tickets the support agent cannot resolve',
          timeout: 60,
          memorySize: 512,
          publish: false,
          architectures: ['arm64'],
          environment: {},
          tracingConfig: { mode: 'Active' },
        },
        resp: {
          functionName: 'support-agent-escalation',
          functionArn: fnArn('support-agent-escalation'),
          runtime: 'nodejs22.x',
          role: roleArn(supportRole),
          handler: 'index.handler',
          version: '$LATEST',
          state: 'Pending',
          stateReasonCode: 'Creating',
        },
      });
    }
    for (const fn of functions) {
      if (fn === 'support-agent-escalation' && run.t === escalationCreated) continue;
      tc += rng.int(2, 6) * SECOND;
      trail.emit(tc, onBehalf, {
        src: 'lambda.amazonaws.com',
        name: 'UpdateFunctionCode20150331v2',
        ro: false,
        params: {
          functionName: fn,
          s3Bucket: ARTIFACTS_BUCKET,
          s3Key: `${run.repo}/${rng.hex(40)}.zip`,
          publish: false,
          dryRun: false,
        },
        resp: {
          functionName: fn,
          functionArn: fnArn(fn),
          role: roleArn(fnRole),
          lastUpdateStatus: 'InProgress',
        },
      });
      const modelSwitch = run.t === specials[3] || run.t === specials[4];
      if (fn === 'support-agent-escalation' && (modelSwitch || rng.chance(0.2))) {
        tc += rng.int(2, 6) * SECOND;
        trail.emit(tc, onBehalf, {
          src: 'lambda.amazonaws.com',
          name: 'UpdateFunctionConfiguration20150331v2',
          ro: false,
          params: {
            functionName: fn,
            role: roleArn(fnRole),
            timeout: 60,
            memorySize: 512,
            environment: {},
          },
          resp: {
            functionName: fn,
            functionArn: fnArn(fn),
            role: roleArn(fnRole),
            lastUpdateStatus: 'InProgress',
          },
        });
      }
      for (let i = rng.int(1, 2); i > 0; i--) {
        tc += rng.int(2, 5) * SECOND;
        trail.emit(tc, onBehalf, {
          src: 'lambda.amazonaws.com',
          name: 'GetFunction20150331v2',
          ro: true,
          params: { functionName: fn },
        });
      }
      tc += rng.int(1, 3) * SECOND;
      trail.emit(tc, onBehalf, {
        src: 'lambda.amazonaws.com',
        name: 'PublishVersion20150331',
        ro: false,
        params: { functionName: fn },
        resp: {
          functionName: fn,
          functionArn: `${fnArn(fn)}:${rng.int(20, 90)}`,
          version: String(rng.int(20, 90)),
        },
      });
    }
    for (let i = rng.int(3, 6); i > 0; i--) {
      t += rng.int(8, 15) * SECOND;
      trail.emit(t, cfn, {
        src: 'cloudformation.amazonaws.com',
        name: i === 1 ? 'DescribeStackEvents' : 'DescribeStacks',
        ro: true,
        params: { stackName },
      });
    }
  }
}

/** alice: admin with MFA; console most of the day, CLI now and then, operator role sessions. */
function alice(trail: Trail): void {
  const rng = new Rng('actor:alice');
  const u = user('alice');
  const operator = role('platform-operator');
  for (const day of WINDOW_DAYS) {
    if (day.weekend || rng.chance(0.08)) continue;
    const ip = rng.chance(0.6) ? OFFICE_IP : HOME_IPS.alice!;
    const start = day.start + rng.minutes(13 * 60, 14 * 60 + 30);
    const end = day.start + rng.minutes(21 * 60, 22 * 60 + 45);
    consoleLogin(trail, start, u, ip, BROWSER_MAC, true);
    const consoleKey = sessionKey(rng);
    const cons = userWho(u, {
      key: consoleKey,
      ip,
      ua: BROWSER_MAC,
      console: { created: start, mfa: true },
    });
    bursts(trail, rng, { start, end, who: cons, pool: ALICE_CONSOLE, gap: [30, 90], size: [2, 5] });
    if (rng.chance(0.25)) {
      // A quick look at the DR region.
      bursts(trail, rng, {
        start: start + 2 * HOUR,
        end: start + 2 * HOUR + 10 * MINUTE,
        who: cons,
        pool: [OPS.ec2DescribeInstances, OPS.ec2DescribeVolumes],
        gap: [20, 30],
        size: [2, 3],
        region: DR,
      });
    }
    for (let i = rng.int(1, 3); i > 0; i--) {
      const t = start + rng.minutes(20, 400);
      const o = rng.pick(ALICE_CLI);
      const who = userWho(u, { key: USER_KEYS.alice!, ip, ua: cliUa(cliCommand(o)) });
      emitOp(trail, rng, Math.min(t, end), who, o);
    }
    if (rng.chance(0.5)) {
      const t = start + rng.minutes(60, 300);
      const caller = userWho(u, { key: USER_KEYS.alice!, ip, ua: cliUa('sts.assume-role') });
      const opSession = humanAssumeRole(
        trail,
        rng,
        t,
        caller,
        operator,
        'alice',
        'alice@example.com',
        cliUa('ec2.describe-instances'),
      );
      bursts(trail, rng, {
        start: t,
        end: t + rng.minutes(10, 40),
        who: opSession,
        pool: OPERATOR_OPS,
        gap: [3, 8],
        size: [2, 4],
      });
      if (rng.chance(0.15)) {
        const instanceId = rng.pick(INSTANCES);
        trail.emit(
          t + 45 * MINUTE,
          { ...opSession, ua: cliUa('ec2.reboot-instances') },
          {
            src: 'ec2.amazonaws.com',
            name: 'RebootInstances',
            ro: false,
            params: { instancesSet: { items: [{ instanceId }] } },
            resp: { requestId: rng.uuid(), _return: true },
          },
        );
      }
    }
  }
  aliceSpecials(trail, rng, u);
}

/** alice's one-off changes: tuning the HR agent and creating the invoice extractor's role. */
function aliceSpecials(trail: Trail, rng: Rng, u: UserDef): void {
  const tAgent = at('2026-10-22T16:02:10Z');
  const cons = userWho(u, {
    key: sessionKey(rng),
    ip: OFFICE_IP,
    ua: BROWSER_MAC,
    console: { created: tAgent - 40 * MINUTE, mfa: true },
  });
  trail.emit(tAgent, cons, {
    src: 'bedrock.amazonaws.com',
    name: 'UpdateAgent',
    ro: false,
    params: {
      agentId: AGENT_ID,
      agentName: 'hr-helpdesk',
      foundationModel: HAIKU35,
      agentResourceRoleArn: roleArn(role(AGENT_ROLE_NAME)),
      instruction: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      idleSessionTTLInSeconds: 600,
    },
    resp: { agent: { agentId: AGENT_ID, agentName: 'hr-helpdesk', agentStatus: 'UPDATING' } },
  });
  trail.emit(tAgent + 95 * SECOND, cons, {
    src: 'bedrock.amazonaws.com',
    name: 'PrepareAgent',
    ro: false,
    params: { agentId: AGENT_ID },
    resp: { agentId: AGENT_ID, agentStatus: 'PREPARING', agentVersion: 'DRAFT' },
  });

  const inv = role('invoice-extractor-agent');
  const tRole = at(inv.created);
  const cons2 = userWho(u, {
    key: sessionKey(rng),
    ip: OFFICE_IP,
    ua: BROWSER_MAC,
    console: { created: tRole - 25 * MINUTE, mfa: true },
  });
  trail.emit(tRole, cons2, {
    src: 'iam.amazonaws.com',
    name: 'CreateRole',
    ro: false,
    params: {
      roleName: inv.name,
      path: inv.path,
      assumeRolePolicyDocument: JSON.stringify(inv.trust),
      description: 'Execution role for the invoice-extractor Lambda',
      tags: Object.entries(inv.tags).map(([key, value]) => ({ key, value })),
    },
    resp: {
      role: {
        path: inv.path,
        roleName: inv.name,
        roleId: roleId(inv),
        arn: roleArn(inv),
        createDate: stsExpiry(tRole),
      },
    },
  });
  trail.emit(tRole + 41 * SECOND, cons2, {
    src: 'iam.amazonaws.com',
    name: 'AttachRolePolicy',
    ro: false,
    params: {
      roleName: inv.name,
      policyArn: policyArn(policyByName('AWSLambdaBasicExecutionRole')),
    },
  });
  trail.emit(tRole + 3 * MINUTE + 12 * SECOND, cons2, {
    src: 'iam.amazonaws.com',
    name: 'PutRolePolicy',
    ro: false,
    params: {
      roleName: inv.name,
      policyName: 'invoice-extractor',
      policyDocument: JSON.stringify(INVOICE_INLINE),
    },
  });
}

/** bob: developer behind a permissions boundary; IAM pages fail for him, prod secrets are denied. */
function bob(trail: Trail): void {
  const rng = new Rng('actor:bob');
  const u = user('bob');
  const operator = role('platform-operator');
  const operatorDays = new Set([3, 11, 17, 24]);
  const secretDays = new Set([6, 19]);
  for (const day of WINDOW_DAYS) {
    if (day.weekend || rng.chance(0.06)) continue;
    const ip = HOME_IPS.bob!;
    const start = day.start + rng.minutes(14 * 60 + 30, 16 * 60);
    const end = day.start + rng.minutes(22 * 60, 23 * 60 + 40);
    consoleLogin(trail, start, u, ip, BROWSER_WIN, true);
    const cons = userWho(u, {
      key: sessionKey(rng),
      ip,
      ua: BROWSER_WIN,
      console: { created: start, mfa: true },
    });
    bursts(trail, rng, { start, end, who: cons, pool: BOB_CONSOLE, gap: [25, 70], size: [2, 6] });
    for (let i = rng.int(2, 5); i > 0; i--) {
      const o = rng.pick(BOB_CLI);
      const who = userWho(u, { key: USER_KEYS.bob!, ip, ua: cliUa(cliCommand(o)) });
      emitOp(trail, rng, start + rng.minutes(10, Math.floor((end - start) / MINUTE) - 5), who, o);
    }
    if (rng.chance(0.25)) {
      // Opening the IAM console: his policies grant no iam:List*.
      const t = start + rng.minutes(30, 300);
      trail.emit(t, cons, {
        src: 'iam.amazonaws.com',
        name: 'ListRoles',
        ro: true,
        err: {
          code: 'AccessDenied',
          message: deniedMessage(userArn(u), 'iam:ListRoles', `arn:aws:iam::${ACCOUNT}:role/`),
        },
      });
      trail.emit(t + 2 * SECOND, cons, {
        src: 'iam.amazonaws.com',
        name: 'ListPolicies',
        ro: true,
        params: { scope: 'Local', onlyAttached: false },
        err: {
          code: 'AccessDenied',
          message: deniedMessage(userArn(u), 'iam:ListPolicies', `arn:aws:iam::${ACCOUNT}:policy/`),
        },
      });
    }
    if (secretDays.has(day.index)) {
      const t = start + rng.minutes(60, 240);
      const who = userWho(u, {
        key: USER_KEYS.bob!,
        ip,
        ua: cliUa('secretsmanager.get-secret-value'),
      });
      trail.emit(t, who, {
        src: 'secretsmanager.amazonaws.com',
        name: 'GetSecretValue',
        ro: true,
        params: { secretId: PROD_SECRET },
        err: {
          code: 'AccessDeniedException',
          message: deniedMessage(userArn(u), 'secretsmanager:GetSecretValue', PROD_SECRET, true),
        },
      });
    }
    if (operatorDays.has(day.index)) {
      const t = start + rng.minutes(60, 240);
      const caller = userWho(u, { key: USER_KEYS.bob!, ip, ua: cliUa('sts.assume-role') });
      const s = humanAssumeRole(
        trail,
        rng,
        t,
        caller,
        operator,
        'bob',
        'bob@example.com',
        cliUa('logs.start-query'),
      );
      bursts(trail, rng, {
        start: t,
        end: t + rng.minutes(10, 25),
        who: s,
        pool: OPERATOR_OPS,
        gap: [3, 6],
        size: [2, 4],
      });
    }
  }
}

/** carol: auditor on Tuesdays and Thursdays; console without MFA; one fat-fingered password. */
function carol(trail: Trail): void {
  const rng = new Rng('actor:carol');
  const u = user('carol');
  for (const day of WINDOW_DAYS) {
    if (day.dow !== 2 && day.dow !== 4) continue;
    const ip = HOME_IPS.carol!;
    let start = day.start + rng.minutes(15 * 60, 16 * 60);
    if (day.ymd === '2026-10-27') {
      consoleLogin(trail, start, u, ip, BROWSER_MAC, false, true);
      start += 50 * SECOND;
    }
    consoleLogin(trail, start, u, ip, BROWSER_MAC, false);
    const cons = userWho(u, {
      key: sessionKey(rng),
      ip,
      ua: BROWSER_MAC,
      console: { created: start, mfa: false },
    });
    const end = start + rng.minutes(150, 300);
    bursts(trail, rng, { start, end, who: cons, pool: CAROL_CONSOLE, gap: [8, 25], size: [2, 5] });
    if (day.ymd === '2026-10-29') {
      const instanceId = INSTANCES[0]!;
      trail.emit(start + 70 * MINUTE, cons, {
        src: 'ec2.amazonaws.com',
        name: 'ModifyInstanceMetadataOptions',
        ro: false,
        params: { instanceId, httpTokens: 'required' },
        err: {
          code: 'Client.UnauthorizedOperation',
          message: `You are not authorized to perform this operation. ${deniedMessage(
            userArn(u),
            'ec2:ModifyInstanceMetadataOptions',
            `arn:aws:ec2:${HOME}:${ACCOUNT}:instance/${instanceId}`,
          )}. Encoded authorization failure message: ${rng.chars(ALNUM, 64)}`,
        },
      });
    }
    if (day.ymd === '2026-11-05') {
      trail.emit(start + 42 * MINUTE, cons, {
        src: 'config.amazonaws.com',
        name: 'StartConfigRulesEvaluation',
        ro: false,
        params: { configRuleNames: ['iam-user-mfa-enabled'] },
        err: {
          code: 'AccessDeniedException',
          message: deniedMessage(
            userArn(u),
            'config:StartConfigRulesEvaluation',
            `arn:aws:config:${HOME}:${ACCOUNT}:config-rule/config-rule-7hq2xw`,
          ),
        },
      });
    }
  }
}

/** dave: AI user. Claude Code calls Bedrock with his long-term key most of the working day. */
function dave(trail: Trail): void {
  const rng = new Rng('actor:dave');
  const u = user('dave');
  const ip = HOME_IPS.dave!;
  const westDays = new Set(['2026-11-05', '2026-11-06']);
  const weekendEvenings = new Set(['2026-10-25', '2026-11-08']);
  const cli = (ua: string) => userWho(u, { key: USER_KEYS.dave!, ip, ua });
  for (const day of WINDOW_DAYS) {
    const evening = weekendEvenings.has(day.ymd);
    if ((day.weekend && !evening) || rng.chance(0.05)) continue;
    const region = westDays.has(day.ymd) ? DR : HOME;
    const sessions = evening ? 1 : rng.int(1, 3);
    const dayFrom = day.start + (evening ? 23 * 60 : 14 * 60) * MINUTE;
    const latestStart = evening ? 10 : 7 * 60;
    for (let s = 0; s < sessions; s++) {
      let t = dayFrom + rng.minutes(0, latestStart);
      const end = Math.min(t + rng.minutes(20, 90), day.start + DAY - 3 * MINUTE);
      if (rng.chance(0.3)) {
        trail.emit(t, cli(cliUa('bedrock.list-inference-profiles')), {
          src: 'bedrock.amazonaws.com',
          name: 'ListInferenceProfiles',
          ro: true,
          region,
          params: { maxResults: 1000 },
        });
      }
      const who = cli(CLAUDE_CODE_UA);
      while (t < end) {
        t += rng.int(25, 150) * SECOND;
        const model = rng.weighted([
          [`us.${SONNET}`, 80],
          [`us.${HAIKU}`, 15],
          [`us.${OPUS}`, 5],
        ] as const);
        bedrockCall(trail, t, who, 'InvokeModelWithResponseStream', model, rng, region);
      }
    }
    if (day.dow === 1) {
      // Monday: the Bedrock console playground, password only.
      const t = day.start + rng.minutes(15 * 60, 17 * 60);
      consoleLogin(trail, t, u, ip, BROWSER_MAC, false);
      const cons = userWho(u, {
        key: sessionKey(rng),
        ip,
        ua: BROWSER_MAC,
        console: { created: t, mfa: false },
      });
      emitOp(trail, rng, t + 40 * SECOND, cons, OPS.bedrockListFoundationModels);
      emitOp(trail, rng, t + 55 * SECOND, cons, OPS.bedrockListInferenceProfiles);
      let tc = t + 2 * MINUTE;
      for (let i = rng.int(3, 6); i > 0; i--) {
        tc += rng.int(20, 90) * SECOND;
        bedrockCall(trail, tc, cons, 'ConverseStream', `us.${SONNET}`, rng);
      }
    }
    if (day.ymd === '2026-10-21' || day.ymd === '2026-11-12') {
      // Claude Code ran `aws s3 ls` on dave's behalf; he has no S3 permissions at all.
      trail.emit(day.start + 18 * HOUR + rng.minutes(0, 50), cli(cliUa('s3.ls')), {
        src: 's3.amazonaws.com',
        name: 'ListBuckets',
        ro: true,
        params: { Host: `s3.${HOME}.amazonaws.com` },
        err: {
          code: 'AccessDenied',
          message: deniedMessage(userArn(u), 's3:ListAllMyBuckets', null),
        },
      });
    }
    if (rng.chance(0.15)) {
      trail.emit(dayFrom + rng.minutes(0, 30), cli(cliUa('sts.get-caller-identity')), {
        src: 'sts.amazonaws.com',
        name: 'GetCallerIdentity',
        ro: true,
      });
    }
  }
}

/** Identity Center users erin and frank, working through the PowerUserAccess permission set. */
function identityCenterUsers(trail: Trail): void {
  const rng = new Rng('actor:identity-center');
  const r = role(SSO_ROLE_NAME);
  const people = [
    {
      email: 'erin@example.com',
      ip: HOME_IPS.erin!,
      userId: '94482488-3041-7026-18f3-be45dc4b1a2c',
      p: 0.9,
      cli: false,
    },
    {
      email: 'frank@example.com',
      ip: HOME_IPS.frank!,
      userId: 'c4e8b4a8-d0e1-70b2-9f3a-6d15e2c7b901',
      p: 0.7,
      cli: true,
    },
  ];
  for (const day of WINDOW_DAYS) {
    if (day.weekend) continue;
    for (const p of people) {
      if (!rng.chance(p.p)) continue;
      const start = day.start + rng.minutes(13 * 60 + 30, 16 * 60);
      const key = sessionKey(rng);
      trail.emit(
        start,
        {
          identity: {
            type: 'SAMLUser',
            principalId: `${rng.chars(ALNUM, 27)}=:${p.email}`,
            userName: p.email,
            identityProvider: SAML_PROVIDER,
          },
          ip: p.ip,
          ua: SSO_PORTAL_UA,
        },
        {
          src: 'sts.amazonaws.com',
          name: 'AssumeRoleWithSAML',
          ro: true,
          params: {
            sAMLAssertionID: `_${rng.uuid()}`,
            roleSessionName: p.email,
            principalTags: {},
            roleArn: roleArn(r),
            principalArn: SAML_PROVIDER,
            durationSeconds: 28800,
          },
          resp: {
            credentials: { accessKeyId: key, expiration: stsExpiry(start + 8 * HOUR) },
            assumedRoleUser: {
              assumedRoleId: `${roleId(r)}:${p.email}`,
              arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${r.name}/${p.email}`,
            },
            subject: p.email,
            subjectType: 'persistent',
            issuer:
              'https://portal.sso.us-east-1.amazonaws.com/saml/assertion/MTExMTIyMjIzMzMzX2lucy02ZjFkMmM4YTli',
            audience: 'https://signin.aws.amazon.com/saml',
            nameQualifier: 'o0L3sG6f1kZbXq2wR7cVn9JtYhE=',
          },
          resources: [
            { accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: roleArn(r) },
            { accountId: ACCOUNT, type: 'AWS::IAM::SAMLProvider', ARN: SAML_PROVIDER },
          ],
        },
      );
      const ua = p.cli ? cliUa('ecs.describe-services', 'linux#6.8.0-86-generic') : BROWSER_WIN;
      const who: Who = {
        ...roleWho(r, p.email, start, {
          ip: p.ip,
          ua,
          key,
          onBehalfOf: { userId: p.userId, identityStoreArn: IDENTITY_STORE },
          console: !p.cli,
        }),
        ...(p.cli ? { cliOs: 'linux#6.8.0-86-generic' } : {}),
      };
      const end = start + rng.minutes(5 * 60, 7 * 60 + 30);
      bursts(trail, rng, { start, end, who, pool: SSO_OPS, gap: [35, 95], size: [2, 5] });
      if (rng.chance(0.1)) {
        trail.emit(start + rng.minutes(60, 240), who, {
          src: 'ecs.amazonaws.com',
          name: 'UpdateService',
          ro: false,
          params: { cluster: 'prod', service: 'support-web', desiredCount: rng.int(3, 6) },
        });
      }
    }
  }
}

/** Records with no principal behind them: KMS automatic key rotation. */
function serviceEvents(trail: Trail): void {
  const keys = [
    ['2026-10-19T07:41:12Z', '1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b'],
    ['2026-10-31T02:13:55Z', '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d'],
    ['2026-11-09T22:05:31Z', 'b2c3d4e5-f6a7-4b8c-8d9e-0f1a2b3c4d5e'],
  ] as const;
  for (const [time, keyId] of keys) {
    const keyArn = `arn:aws:kms:${HOME}:${ACCOUNT}:key/${keyId}`;
    trail.emit(
      at(time),
      {
        identity: { accountId: ACCOUNT, invokedBy: 'kms.amazonaws.com' },
        ip: 'kms.amazonaws.com',
        ua: 'kms.amazonaws.com',
        viaService: true,
      },
      {
        src: 'kms.amazonaws.com',
        name: 'RotateKey',
        ro: false,
        type: 'AwsServiceEvent',
        version: '1.08',
        requestId: null,
        resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn }],
        serviceEventDetails: { keyId },
      },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Exports derived from the trail, so every "last used" agrees with the records.
// ---------------------------------------------------------------------------------------------

const SERVICE_NAMES: Record<string, string> = {
  'access-analyzer': 'IAM Access Analyzer',
  athena: 'Amazon Athena',
  bedrock: 'Amazon Bedrock',
  ce: 'AWS Cost Explorer Service',
  cloudformation: 'AWS CloudFormation',
  cloudfront: 'Amazon CloudFront',
  cloudtrail: 'AWS CloudTrail',
  cloudwatch: 'Amazon CloudWatch',
  config: 'AWS Config',
  dynamodb: 'Amazon DynamoDB',
  ec2: 'Amazon EC2',
  ecr: 'Amazon Elastic Container Registry',
  ecs: 'Amazon Elastic Container Service',
  eks: 'Amazon Elastic Kubernetes Service',
  events: 'Amazon EventBridge',
  glue: 'AWS Glue',
  guardduty: 'Amazon GuardDuty',
  iam: 'AWS Identity and Access Management',
  kms: 'AWS Key Management Service',
  lambda: 'AWS Lambda',
  logs: 'Amazon CloudWatch Logs',
  organizations: 'AWS Organizations',
  rds: 'Amazon RDS',
  route53: 'Amazon Route 53',
  s3: 'Amazon S3',
  secretsmanager: 'AWS Secrets Manager',
  securityhub: 'AWS Security Hub',
  sns: 'Amazon SNS',
  sqs: 'Amazon SQS',
  ssm: 'AWS Systems Manager',
  states: 'AWS Step Functions',
  sts: 'AWS Security Token Service',
  textract: 'Amazon Textract',
  xray: 'AWS X-Ray',
};

/** IAM service prefix of an event source (CloudWatch's endpoint is `monitoring`). */
const servicePrefix = (src: string) => {
  const s = src.replace(/\.amazonaws\.com$/, '');
  return s === 'monitoring' ? 'cloudwatch' : s;
};

interface UsageIndex {
  /** Latest event per principal ARN (role ARN for sessions, user ARN for users). */
  last: Map<string, { t: number; region: string }>;
  /** Latest event per principal ARN and service prefix, denied attempts included. */
  byService: Map<string, Map<string, { t: number; region: string }>>;
  /** Services each principal called at least once without being denied. */
  allowedServices: Map<string, Set<string>>;
  /** Latest successful use per access key id. */
  byKey: Map<string, { t: number; region: string; service: string }>;
  /** Latest successful console sign-in per user name. */
  consoleLogin: Map<string, number>;
}

const DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'Client.UnauthorizedOperation',
]);

function indexUsage(entries: readonly TrailRecord[]): UsageIndex {
  const idx: UsageIndex = {
    last: new Map(),
    byService: new Map(),
    allowedServices: new Map(),
    byKey: new Map(),
    consoleLogin: new Map(),
  };
  for (const { t, region, record } of entries) {
    const ui = record.userIdentity as Obj;
    const src = record.eventSource as string;
    if (record.eventName === 'ConsoleLogin') {
      const outcome = (record.responseElements as Obj | null)?.ConsoleLogin;
      if (outcome === 'Success') idx.consoleLogin.set(ui.userName as string, t);
      continue;
    }
    const issuer = (ui.sessionContext as Obj | undefined)?.sessionIssuer as Obj | undefined;
    const arn = ui.type === 'IAMUser' ? (ui.arn as string) : (issuer?.arn as string | undefined);
    if (!arn) continue;
    idx.last.set(arn, { t, region });
    // GetCallerIdentity needs no permission, so Access Advisor does not count it.
    if (record.eventName !== 'GetCallerIdentity') {
      const svc = servicePrefix(src);
      const m = idx.byService.get(arn) ?? new Map();
      m.set(svc, { t, region });
      idx.byService.set(arn, m);
      if (!DENIED_CODES.has(record.errorCode as string)) {
        const ok = idx.allowedServices.get(arn) ?? new Set();
        ok.add(svc);
        idx.allowedServices.set(arn, ok);
      }
    }
    const key = ui.accessKeyId as string | undefined;
    if (key?.startsWith('AKIA') && !record.errorCode) {
      idx.byKey.set(key, { t, region, service: servicePrefix(src) });
    }
  }
  return idx;
}

const tags = (t: Record<string, string>) =>
  Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const attachedRefs = (names: string[]) =>
  names.map((n) => {
    const p = policyByName(n);
    return { PolicyName: p.name, PolicyArn: policyArn(p) };
  });

function roleDetail(r: RoleDef, usage: UsageIndex): Obj {
  const arn = roleArn(r);
  const used = usage.last.get(arn);
  const roleLastUsed: Obj = used
    ? { LastUsedDate: cliTime(used.t), Region: used.region }
    : r.lastUsedBeforeTrail
      ? {
          LastUsedDate: cliTime(at(r.lastUsedBeforeTrail.date)),
          Region: r.lastUsedBeforeTrail.region,
        }
      : {};
  const base = {
    Path: r.path,
    RoleName: r.name,
    RoleId: roleId(r),
    Arn: arn,
    CreateDate: cliTime(at(r.created)),
    AssumeRolePolicyDocument: r.trust,
  };
  const detail: Obj = {
    ...base,
    InstanceProfileList: r.instanceProfile
      ? [
          {
            Path: '/',
            InstanceProfileName: r.name,
            InstanceProfileId: iamId('AIPA', r.name),
            Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${r.name}`,
            CreateDate: cliTime(at(r.created) + 3 * SECOND),
            Roles: [base],
          },
        ]
      : [],
    RolePolicyList: r.inline.map(([PolicyName, PolicyDocument]) => ({
      PolicyName,
      PolicyDocument,
    })),
    AttachedManagedPolicies: attachedRefs(r.attached),
  };
  if (r.boundary) {
    detail.PermissionsBoundary = {
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: policyArn(policyByName(r.boundary)),
    };
  }
  detail.Tags = tags(r.tags);
  detail.RoleLastUsed = roleLastUsed;
  return detail;
}

function userDetail(u: UserDef): Obj {
  const d: Obj = {
    Path: u.path,
    UserName: u.name,
    UserId: userId(u),
    Arn: userArn(u),
    CreateDate: cliTime(at(u.created)),
  };
  if (u.inline.length) {
    d.UserPolicyList = u.inline.map(([PolicyName, PolicyDocument]) => ({
      PolicyName,
      PolicyDocument,
    }));
  }
  d.GroupList = u.groups;
  d.AttachedManagedPolicies = attachedRefs(u.attached);
  if (u.boundary) {
    d.PermissionsBoundary = {
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: policyArn(policyByName(u.boundary)),
    };
  }
  d.Tags = tags(u.tags);
  return d;
}

function groupDetail(g: GroupDef): Obj {
  return {
    Path: '/',
    GroupName: g.name,
    GroupId: iamId('AGPA', g.name),
    Arn: `arn:aws:iam::${ACCOUNT}:group/${g.name}`,
    CreateDate: cliTime(at(g.created)),
    GroupPolicyList: g.inline.map(([PolicyName, PolicyDocument]) => ({
      PolicyName,
      PolicyDocument,
    })),
    AttachedManagedPolicies: attachedRefs(g.attached),
  };
}

function policyDetail(p: ManagedPolicyDef): Obj {
  const all = [
    ...USERS.map((u) => u.attached),
    ...GROUPS.map((g) => g.attached),
    ...ROLES.map((r) => r.attached),
  ];
  const attachments = all.filter((names) => names.includes(p.name)).length;
  const boundaries = [...USERS, ...ROLES].filter((x) => x.boundary === p.name).length;
  return {
    PolicyName: p.name,
    PolicyId: iamId('ANPA', p.name),
    Arn: policyArn(p),
    Path: p.path,
    DefaultVersionId: p.defaultVersion,
    AttachmentCount: attachments,
    PermissionsBoundaryUsageCount: boundaries,
    IsAttachable: p.attachable ?? true,
    CreateDate: cliTime(at(p.created)),
    UpdateDate: cliTime(at(p.updated)),
    PolicyVersionList: p.versions.map((v) => ({
      Document: v.doc,
      VersionId: v.id,
      IsDefaultVersion: v.id === p.defaultVersion,
      CreateDate: cliTime(at(v.created)),
    })),
  };
}

/** Two pages of GetAccountAuthorizationDetails, as `--max-items` paging would save them. */
function authorizationDetails(usage: UsageIndex): [Obj, Obj] {
  const byName = <T extends { name: string }>(xs: T[]) =>
    [...xs].sort((a, b) => (a.name < b.name ? -1 : 1));
  const roles = byName(ROLES).map((r) => roleDetail(r, usage));
  const policies = byName(MANAGED_POLICIES).map(policyDetail);
  const rolesOnFirst = 5;
  const policiesOnFirst = 6;
  const marker = new Rng('gaad:marker').chars(B64, 112);
  return [
    {
      UserDetailList: byName(USERS).map(userDetail),
      GroupDetailList: byName(GROUPS).map(groupDetail),
      RoleDetailList: roles.slice(0, rolesOnFirst),
      Policies: policies.slice(0, policiesOnFirst),
      IsTruncated: true,
      Marker: marker,
    },
    {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: roles.slice(rolesOnFirst),
      Policies: policies.slice(policiesOnFirst),
      IsTruncated: false,
    },
  ];
}

const CREDENTIAL_REPORT_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

function credentialReport(usage: UsageIndex): string {
  // Key "last used" is reported to the minute.
  const keyUse = (key: string, before?: { date: string; region: string; service: string }) => {
    const u = usage.byKey.get(key);
    if (u) return [cliTime(u.t - (u.t % MINUTE)), u.region, u.service];
    if (before) return [cliTime(at(before.date)), before.region, before.service];
    return ['N/A', 'N/A', 'N/A'];
  };
  const pw = (name: string) => {
    const t = usage.consoleLogin.get(name);
    if (t === undefined) throw new Error(`${name} has a password but never signed in`);
    return cliTime(t);
  };
  const none = ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const cert = ['false', 'N/A', 'false', 'N/A'];
  const row = (u: UserDef, cols: string[]) =>
    [u.name, userArn(u), cliTime(at(u.created)), ...cols].join(',');
  const lines = [
    CREDENTIAL_REPORT_HEADER,
    [
      '<root_account>',
      `arn:aws:iam::${ACCOUNT}:root`,
      '2021-06-22T08:41:09+00:00',
      'not_supported',
      '2026-01-22T18:03:44+00:00',
      'not_supported',
      'not_supported',
      'true',
      ...none,
      ...none,
      ...cert,
    ].join(','),
    row(user('alice'), [
      'true',
      pw('alice'),
      '2026-05-11T14:20:07+00:00',
      'N/A',
      'true',
      'true',
      '2026-06-02T15:44:31+00:00',
      ...keyUse(USER_KEYS.alice!),
      ...none,
      ...cert,
    ]),
    row(user('bob'), [
      'true',
      pw('bob'),
      '2026-08-19T16:02:55+00:00',
      'N/A',
      'true',
      'true',
      '2026-03-30T17:11:02+00:00',
      ...keyUse(USER_KEYS.bob!),
      ...none,
      ...cert,
    ]),
    row(user('carol'), [
      'true',
      pw('carol'),
      '2024-09-02T13:40:06+00:00',
      'N/A',
      'false',
      ...none,
      ...none,
      ...cert,
    ]),
    row(user('dave'), [
      'true',
      pw('dave'),
      '2025-02-17T17:08:34+00:00',
      'N/A',
      'false',
      'true',
      '2025-09-04T20:31:18+00:00',
      ...keyUse(USER_KEYS.dave!),
      'false',
      '2025-02-17T17:15:40+00:00',
      '2025-09-04T19:58:00+00:00',
      HOME,
      'bedrock',
      ...cert,
    ]),
    row(user('legacy-reporting'), [
      'false',
      'N/A',
      'N/A',
      'N/A',
      'false',
      'true',
      '2021-06-22T09:15:03+00:00',
      ...keyUse(USER_KEYS.legacy!, { date: '2026-03-02T06:00:00Z', region: HOME, service: 's3' }),
      ...none,
      ...cert,
    ]),
  ];
  return lines.join('\n');
}

interface SlaPrincipal {
  arn: string;
  /** Services the principal's policies grant: Access Advisor lists exactly these. */
  services: string[];
  /** Use the trail cannot show (S3/DynamoDB data calls) or that predates it. */
  extra?: Record<string, { date: string; region: string }>;
}

/** Services AdministratorAccess lets the prototype agent reach, as Access Advisor lists them. */
const ADMIN_SERVICES = Object.keys(SERVICE_NAMES);

const JOB_CREATED = at('2026-11-14T23:58:03Z') + 118;

function serviceLastAccessed(p: SlaPrincipal, usage: UsageIndex): Obj {
  const seen = usage.byService.get(p.arn) ?? new Map<string, { t: number; region: string }>();
  // Access Advisor lists only services the policies grant; a service used successfully but not
  // listed means the inventory above and the trail disagree.
  for (const svc of usage.allowedServices.get(p.arn) ?? []) {
    if (!p.services.includes(svc)) throw new Error(`${p.arn} used ${svc}, which it is not granted`);
  }
  const rows = p.services.map((svc) => {
    const name = SERVICE_NAMES[svc];
    if (!name) throw new Error(`no service name for ${svc}`);
    const fromTrail = seen.get(svc);
    const extra = p.extra?.[svc];
    const last = fromTrail
      ? { t: fromTrail.t, region: fromTrail.region }
      : extra
        ? { t: at(extra.date), region: extra.region }
        : undefined;
    if (last && last.t > JOB_CREATED) throw new Error(`${svc} used after the job was created`);
    return {
      ServiceName: name,
      ...(last ? { LastAuthenticated: cliTime(last.t) } : {}),
      ServiceNamespace: svc,
      ...(last ? { LastAuthenticatedEntity: p.arn, LastAuthenticatedRegion: last.region } : {}),
      TotalAuthenticatedEntities: last ? 1 : 0,
    };
  });
  rows.sort((a, b) => (a.ServiceName < b.ServiceName ? -1 : a.ServiceName > b.ServiceName ? 1 : 0));
  return {
    JobStatus: 'COMPLETED',
    JobType: 'SERVICE_LEVEL',
    JobCreationDate: cliTimeMillis(JOB_CREATED),
    ServicesLastAccessed: rows,
    JobCompletionDate: cliTimeMillis(JOB_CREATED + 201),
    IsTruncated: false,
  };
}

function slaPrincipals(usage: UsageIndex): SlaPrincipal[] {
  const lastOf = (arn: string, svc: string) => {
    const u = usage.byService.get(arn)?.get(svc);
    if (!u) throw new Error(`${arn} never used ${svc}`);
    return u.t;
  };
  const support = roleArn(role('support-agent'));
  // The agent reads tickets from DynamoDB and attachments from S3 on nearly every
  // conversation; neither is in the trail (no data events), but Access Advisor sees them.
  const lastBedrock = lastOf(support, 'bedrock');
  const ci = roleArn(role('ci-deploy'));
  return [
    {
      arn: support,
      services: ['bedrock', 'dynamodb', 'logs', 's3', 'secretsmanager', 'sqs'],
      extra: {
        dynamodb: { date: ctTime(lastBedrock - 1900), region: HOME },
        s3: { date: ctTime(lastBedrock - 3 * HOUR - 1234 * SECOND), region: HOME },
      },
    },
    { arn: roleArn(role('prototype-agent')), services: ADMIN_SERVICES },
    {
      arn: ci,
      services: ['cloudformation', 'dynamodb', 'iam', 'lambda', 'logs', 's3'],
      // Artifact uploads: the artifacts bucket has no data events.
      extra: { s3: { date: ctTime(lastOf(ci, 'cloudformation') - 100 * SECOND), region: HOME } },
    },
    { arn: userArn(user('dave')), services: ['bedrock', 'ec2', 'iam', 'kms'] },
    {
      arn: userArn(user('legacy-reporting')),
      services: ['ce', 's3'],
      extra: {
        s3: { date: '2026-03-02T06:00:00Z', region: HOME },
        ce: { date: '2026-02-27T06:00:12Z', region: HOME },
      },
    },
    {
      arn: roleArn(role('old-etl-role')),
      services: ['cloudwatch', 'ec2', 'glue', 'iam', 'logs', 's3'],
      extra: {
        glue: { date: '2025-11-20T04:17:00Z', region: HOME },
        s3: { date: '2025-11-20T04:16:21Z', region: HOME },
        logs: { date: '2025-11-20T04:16:58Z', region: HOME },
        cloudwatch: { date: '2025-11-20T04:15:40Z', region: HOME },
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Writing.
// ---------------------------------------------------------------------------------------------

function buildTrail(): Trail {
  const trail = new Trail();
  supportAgent(trail);
  bedrockAgent(trail);
  prototypeAgent(trail);
  invoiceExtractor(trail);
  dataPipeline(trail);
  ciDeploy(trail);
  alice(trail);
  bob(trail);
  carol(trail);
  dave(trail);
  identityCenterUsers(trail);
  serviceEvents(trail);
  // Stable sort: ties keep emission order, which is itself deterministic.
  trail.entries.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return trail;
}

/** Groups records into one log file per region and hour, named as CloudTrail names them. */
function trailFiles(entries: readonly TrailRecord[]): { path: string; records: Obj[] }[] {
  const groups = new Map<string, TrailRecord[]>();
  for (const e of entries) {
    const k = `${e.region}|${ctTime(e.t).slice(0, 13)}`;
    const g = groups.get(k) ?? [];
    g.push(e);
    groups.set(k, g);
  }
  return [...groups.entries()].map(([k, g]) => {
    const [region, hour] = k.split('|') as [string, string];
    const rng = new Rng(`trail-file:${k}`);
    const lastMinute = new Date(g[g.length - 1]!.t).getUTCMinutes();
    // Delivery stamp: a few minutes after the last event, kept inside the hour so the file
    // stays in that day's folder.
    const minute = Math.min(59, lastMinute + rng.int(1, 5));
    const [ymd, hh] = hour.split('T') as [string, string];
    const [y, m, d] = ymd.split('-') as [string, string, string];
    const stamp = `${y}${m}${d}T${hh}${String(minute).padStart(2, '0')}Z`;
    const name = `${ACCOUNT}_CloudTrail_${region}_${stamp}_${rng.chars(ALNUM, 16)}.json.gz`;
    return {
      path: join('AWSLogs', ACCOUNT, 'CloudTrail', region, y, m, d, name),
      records: g.map((e) => e.record),
    };
  });
}

/**
 * Writes the whole sample account under `outDir`, replacing the `iam/` and `AWSLogs/` folders
 * a previous run left there (file names carry random suffixes, so stale files would linger).
 * @param outDir - folder to write into; created if missing.
 * @returns how many files were written and how many CloudTrail records they hold.
 */
export async function generateSampleAccount(
  outDir: string,
): Promise<{ files: number; records: number }> {
  const trail = buildTrail();
  const usage = indexUsage(trail.entries);
  const out: [string, string | Buffer][] = [];

  const [page1, page2] = authorizationDetails(usage);
  out.push(['iam/authorization-details-1.json', `${JSON.stringify(page1, null, 4)}\n`]);
  out.push(['iam/authorization-details-2.json', `${JSON.stringify(page2, null, 4)}\n`]);
  out.push(['iam/credential-report.csv', credentialReport(usage)]);
  for (const p of slaPrincipals(usage)) {
    out.push([
      `iam/service-last-accessed/${encodeURIComponent(p.arn)}.json`,
      `${JSON.stringify(serviceLastAccessed(p, usage), null, 4)}\n`,
    ]);
  }
  const files = trailFiles(trail.entries);
  for (const f of files) {
    // Fixed zlib options: same input, same bytes (Node writes a zero mtime in the header).
    out.push([f.path, gzipSync(JSON.stringify({ Records: f.records }), { level: 9, memLevel: 9 })]);
  }

  await rm(join(outDir, 'iam'), { recursive: true, force: true });
  await rm(join(outDir, 'AWSLogs'), { recursive: true, force: true });
  const dirs = new Set(out.map(([p]) => dirname(join(outDir, p))));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  await Promise.all(out.map(([p, body]) => writeFile(join(outDir, p), body)));
  return { files: out.length, records: trail.entries.length };
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? fileURLToPath(new URL('.', import.meta.url)));
  const { files, records } = await generateSampleAccount(outDir);
  process.stdout.write(`wrote ${files} files (${records} CloudTrail records) to ${outDir}\n`);
}

// Only run when invoked as a script, not when the test imports the module.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
