/**
 * Seeds a moto server through the real SDK v3 clients: IAM identities and policies, a trail
 * with its S3 bucket, and CloudTrail log files laid out as a trail delivers them. Also exports
 * what was seeded the way an operator exports a real account (authorization details, the
 * credential report, the trail files), so a live scan and an offline scan can be compared.
 *
 * moto 5.2 and accounts: in server mode moto takes the account from `MOTO_ACCOUNT_ID`, else
 * from an `x-moto-account-id` header, else from the access key (a key moto issued, for a user
 * or an assumed role, belongs to that user's or role's account), else 123456789012
 * (moto/core/responses.py `get_current_account`, moto/iam/models.py `get_account_id_from`).
 * Helpers here never hard-code it: {@link callerAccount} asks `sts:GetCallerIdentity`.
 *
 * moto ships the AWS managed policies (AdministratorAccess among 1,582) but loads them only
 * when the server starts with `MOTO_IAM_LOAD_MANAGED_POLICIES=true`; it then also returns all
 * of them, attached or not, from GetAccountAuthorizationDetails (4.7 MB per account). The
 * shared test server does not load them, so seeded accounts use customer managed and inline
 * policies only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateTrailCommand,
  type EventSelector,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  type GetAccountAuthorizationDetailsResponse,
  GetCredentialReportCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '#connectors/aws/clients.ts';

/** A policy document, as JSON. */
export interface PolicyJson {
  Version: '2012-10-17';
  Statement: readonly object[];
}

/** A document allowing the actions on every resource. */
export function allow(...actions: string[]): PolicyJson {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  };
}

/** A trust policy letting the principal block assume the role. */
export function trust(principal: Record<string, unknown>): PolicyJson {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
  };
}

/** The account of the credentials, as moto (or AWS) sees it. */
export async function callerAccount(clients: AwsClients): Promise<string> {
  const out = await clients.sts().send(new GetCallerIdentityCommand({}));
  if (!out.Account) throw new Error('GetCallerIdentity returned no account');
  return out.Account;
}

/** A customer managed policy to create. */
export interface ManagedPolicySpec {
  name: string;
  path?: string;
  document: PolicyJson;
  /** Later versions, created after the first and not made the default (history, not in force). */
  laterVersions?: PolicyJson[];
}

/** Creates a customer managed policy (and its non-default versions); returns its ARN. */
export async function createManagedPolicy(
  clients: AwsClients,
  spec: ManagedPolicySpec,
): Promise<string> {
  const iam = clients.iam();
  const out = await iam.send(
    new CreatePolicyCommand({
      PolicyName: spec.name,
      ...(spec.path ? { Path: spec.path } : {}),
      PolicyDocument: JSON.stringify(spec.document),
    }),
  );
  const arn = out.Policy!.Arn!;
  for (const doc of spec.laterVersions ?? []) {
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn,
        PolicyDocument: JSON.stringify(doc),
        SetAsDefault: false,
      }),
    );
  }
  return arn;
}

/** What identities share: inline and attached policies, tags. */
interface PrincipalSpec {
  name: string;
  path?: string;
  inline?: Record<string, PolicyJson>;
  /** Managed policy ARNs to attach (customer or AWS managed). */
  managed?: string[];
  tags?: Record<string, string>;
}

/** A role to create. */
export interface RoleSpec extends PrincipalSpec {
  trust: PolicyJson;
}

/** A created role: the ids CloudTrail records carry. */
export interface SeededRole {
  name: string;
  arn: string;
  roleId: string;
}

const tagList = (tags: Record<string, string> = {}) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Creates a role with its inline and attached policies. */
export async function createRole(clients: AwsClients, spec: RoleSpec): Promise<SeededRole> {
  const iam = clients.iam();
  const out = await iam.send(
    new CreateRoleCommand({
      RoleName: spec.name,
      ...(spec.path ? { Path: spec.path } : {}),
      AssumeRolePolicyDocument: JSON.stringify(spec.trust),
      ...(spec.tags ? { Tags: tagList(spec.tags) } : {}),
    }),
  );
  for (const [PolicyName, doc] of Object.entries(spec.inline ?? {})) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: spec.name,
        PolicyName,
        PolicyDocument: JSON.stringify(doc),
      }),
    );
  }
  for (const PolicyArn of spec.managed ?? []) {
    await iam.send(new AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn }));
  }
  return { name: spec.name, arn: out.Role!.Arn!, roleId: out.Role!.RoleId! };
}

/** A user to create. */
export interface UserSpec extends PrincipalSpec {
  groups?: string[];
  /** Gives the user a console password. */
  loginProfile?: boolean;
  /** Number of access keys to create (0 to 2). */
  accessKeys?: number;
}

/** A created user: the ids CloudTrail records carry, and its keys. */
export interface SeededUser {
  name: string;
  arn: string;
  userId: string;
  accessKeys: { id: string; secret: string }[];
}

/** Creates a user with its groups, policies, password and keys (the groups must exist). */
export async function createUser(clients: AwsClients, spec: UserSpec): Promise<SeededUser> {
  const iam = clients.iam();
  const out = await iam.send(
    new CreateUserCommand({
      UserName: spec.name,
      ...(spec.path ? { Path: spec.path } : {}),
      ...(spec.tags ? { Tags: tagList(spec.tags) } : {}),
    }),
  );
  for (const GroupName of spec.groups ?? []) {
    await iam.send(new AddUserToGroupCommand({ GroupName, UserName: spec.name }));
  }
  for (const [PolicyName, doc] of Object.entries(spec.inline ?? {})) {
    await iam.send(
      new PutUserPolicyCommand({
        UserName: spec.name,
        PolicyName,
        PolicyDocument: JSON.stringify(doc),
      }),
    );
  }
  for (const PolicyArn of spec.managed ?? []) {
    await iam.send(new AttachUserPolicyCommand({ UserName: spec.name, PolicyArn }));
  }
  if (spec.loginProfile) {
    await iam.send(
      new CreateLoginProfileCommand({ UserName: spec.name, Password: 'Not-a-real-pw-1!' }),
    );
  }
  const accessKeys: SeededUser['accessKeys'] = [];
  for (let i = 0; i < (spec.accessKeys ?? 0); i++) {
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: spec.name }));
    accessKeys.push({ id: key.AccessKey!.AccessKeyId!, secret: key.AccessKey!.SecretAccessKey! });
  }
  return { name: spec.name, arn: out.User!.Arn!, userId: out.User!.UserId!, accessKeys };
}

/** A group to create. */
export interface GroupSpec {
  name: string;
  path?: string;
  inline?: Record<string, PolicyJson>;
  managed?: string[];
}

/** Creates a group with its policies; returns its ARN. */
export async function createGroup(clients: AwsClients, spec: GroupSpec): Promise<string> {
  const iam = clients.iam();
  const out = await iam.send(
    new CreateGroupCommand({ GroupName: spec.name, ...(spec.path ? { Path: spec.path } : {}) }),
  );
  for (const [PolicyName, doc] of Object.entries(spec.inline ?? {})) {
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: spec.name,
        PolicyName,
        PolicyDocument: JSON.stringify(doc),
      }),
    );
  }
  for (const PolicyArn of spec.managed ?? []) {
    await iam.send(new AttachGroupPolicyCommand({ GroupName: spec.name, PolicyArn }));
  }
  return out.Group!.Arn!;
}

/** A trail and the bucket it delivers to. */
export interface TrailSpec {
  bucket: string;
  name: string;
  /** The trail's home region (default us-east-1); the bucket is created there too. */
  region?: string;
  prefix?: string;
  multiRegion?: boolean;
  organization?: boolean;
  /** Event selectors (default: every management event, no data events). */
  eventSelectors?: EventSelector[];
}

/** Creates the bucket and the trail, sets its selectors and starts logging; returns its ARN. */
export async function createTrail(clients: AwsClients, spec: TrailSpec): Promise<string> {
  const region = spec.region ?? 'us-east-1';
  await clients.s3(region).send(
    new CreateBucketCommand({
      Bucket: spec.bucket,
      ...(region === 'us-east-1'
        ? {}
        : {
            CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
          }),
    }),
  );
  const ct = clients.cloudtrail(region);
  const out = await ct.send(
    new CreateTrailCommand({
      Name: spec.name,
      S3BucketName: spec.bucket,
      ...(spec.prefix ? { S3KeyPrefix: spec.prefix } : {}),
      IsMultiRegionTrail: spec.multiRegion ?? false,
      IsOrganizationTrail: spec.organization ?? false,
    }),
  );
  await ct.send(
    new PutEventSelectorsCommand({
      TrailName: spec.name,
      EventSelectors: spec.eventSelectors ?? [
        { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] },
      ],
    }),
  );
  await ct.send(new StartLoggingCommand({ Name: spec.name }));
  return out.TrailARN!;
}

// --- CloudTrail records ------------------------------------------------------------------------

/** Who makes a call: the `userIdentity` block and the client it used. */
export interface Actor {
  identity: Record<string, unknown>;
  sourceIPAddress: string;
  userAgent: string;
}

/**
 * An IAM user calling with one of its access keys, or (`console`) from a console session,
 * whose calls carry temporary `ASIA` keys.
 */
export function userActor(
  user: SeededUser,
  accountId: string,
  options: {
    console?: boolean;
    accessKeyId?: string;
    sourceIPAddress?: string;
    userAgent?: string;
  } = {},
): Actor {
  return {
    identity: {
      type: 'IAMUser',
      principalId: user.userId,
      arn: user.arn,
      accountId,
      accessKeyId: options.console
        ? 'ASIAEXAMPLECONSOLE01'
        : (options.accessKeyId ?? user.accessKeys[0]?.id ?? 'AKIAEXAMPLEKEY000001'),
      userName: user.name,
      ...(options.console
        ? {
            sessionContext: {
              attributes: { creationDate: '2026-01-01T00:00:00Z', mfaAuthenticated: 'true' },
            },
          }
        : {}),
    },
    sourceIPAddress: options.sourceIPAddress ?? '198.51.100.7',
    userAgent: options.userAgent ?? 'aws-cli/2.17.0 Python/3.12.4 Linux/6.1',
  };
}

/** A session of a role (its sessionIssuer is the role CloudTrail attributes the call to). */
export function roleActor(
  role: SeededRole,
  accountId: string,
  session: string,
  options: { sourceIPAddress?: string; userAgent?: string } = {},
): Actor {
  return {
    identity: {
      type: 'AssumedRole',
      principalId: `${role.roleId}:${session}`,
      arn: `arn:aws:sts::${accountId}:assumed-role/${role.name}/${session}`,
      accountId,
      accessKeyId: 'ASIAEXAMPLESESSION01',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: role.roleId,
          arn: role.arn,
          accountId,
          userName: role.name,
        },
        attributes: { creationDate: '2026-01-01T00:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    sourceIPAddress: options.sourceIPAddress ?? '203.0.113.10',
    userAgent: options.userAgent ?? 'aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js',
  };
}

/** One API call to record. */
export interface CallSpec {
  /** When, epoch ms. */
  at: number;
  /** e.g. `s3.amazonaws.com`. */
  source: string;
  name: string;
  region?: string;
  readOnly?: boolean;
  errorCode?: string;
  requestParameters?: Record<string, unknown> | null;
  resources?: { ARN: string; accountId?: string; type?: string }[];
  /** Data events carry `eventCategory: Data` and `managementEvent: false`. */
  data?: boolean;
  /** Default `AwsApiCall`; console sign-ins are `AwsConsoleSignIn`. */
  eventType?: string;
  responseElements?: Record<string, unknown> | null;
}

let eventSeq = 0;

/** Deterministic UUID-shaped ids for eventID and requestID, unique within the process. */
function nextIds(): { eventID: string; requestID: string } {
  const n = (eventSeq++).toString(16).padStart(12, '0');
  return { eventID: `1ea5e000-0000-4000-8000-${n}`, requestID: `ae0e5700-0000-4000-8000-${n}` };
}

/** A CloudTrail record as a trail delivers it. */
export function trailRecord(
  actor: Actor,
  accountId: string,
  call: CallSpec,
): Record<string, unknown> {
  const r: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: actor.identity,
    eventTime: new Date(call.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: call.source,
    eventName: call.name,
    awsRegion: call.region ?? 'us-east-1',
    sourceIPAddress: actor.sourceIPAddress,
    userAgent: actor.userAgent,
  };
  if (call.errorCode) {
    r.errorCode = call.errorCode;
    r.errorMessage = `User: ${String(actor.identity.arn)} is not authorized to perform: ${call.source.split('.')[0]}:${call.name}`;
  }
  r.requestParameters = call.requestParameters ?? null;
  r.responseElements = call.responseElements ?? null;
  const ids = nextIds();
  r.requestID = ids.requestID;
  r.eventID = ids.eventID;
  r.readOnly = call.readOnly ?? /^(Get|List|Describe|Head)/.test(call.name);
  if (call.resources) r.resources = call.resources;
  r.eventType = call.eventType ?? 'AwsApiCall';
  r.managementEvent = !call.data;
  r.recipientAccountId = accountId;
  r.eventCategory = call.data ? 'Data' : 'Management';
  return r;
}

/** A gzipped trail file: its key below the bucket prefix, and its bytes. */
export interface TrailFile {
  /** `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<name>.json.gz` (or with an org id). */
  key: string;
  body: Buffer;
  records: number;
}

/**
 * Groups records into one log file per region and hour, named and laid out as CloudTrail
 * delivers them, stamped a few minutes after the hour's last event (kept in the same day).
 */
export function trailFiles(
  records: readonly Record<string, unknown>[],
  accountId: string,
  options: { organizationId?: string } = {},
): TrailFile[] {
  const groups = new Map<string, Record<string, unknown>[]>();
  const sorted = [...records].sort((a, b) =>
    String(a.eventTime).localeCompare(String(b.eventTime)),
  );
  for (const r of sorted) {
    const k = `${String(r.awsRegion)}|${String(r.eventTime).slice(0, 13)}`;
    const g = groups.get(k) ?? [];
    g.push(r);
    groups.set(k, g);
  }
  const root = options.organizationId ? `${options.organizationId}/${accountId}` : accountId;
  return [...groups.entries()].map(([k, g], i) => {
    const [region, hour] = k.split('|') as [string, string];
    const last = new Date(String(g[g.length - 1]!.eventTime)).getUTCMinutes();
    const minute = String(Math.min(59, last + 3)).padStart(2, '0');
    const [ymd, hh] = hour.split('T') as [string, string];
    const [y, m, d] = ymd.split('-') as [string, string, string];
    const name = `${accountId}_CloudTrail_${region}_${y}${m}${d}T${hh}${minute}Z_seed${String(i).padStart(8, '0')}.json.gz`;
    return {
      key: `AWSLogs/${root}/CloudTrail/${region}/${y}/${m}/${d}/${name}`,
      body: gzipSync(JSON.stringify({ Records: g })),
      records: g.length,
    };
  });
}

/** Puts trail files in the bucket, below the trail's prefix. */
export async function uploadTrailFiles(
  clients: AwsClients,
  bucket: string,
  files: readonly TrailFile[],
  options: { prefix?: string; region?: string } = {},
): Promise<void> {
  const s3 = clients.s3(options.region ?? 'us-east-1');
  const base = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  for (const f of files) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}${f.key}`, Body: f.body }));
  }
}

// --- exporting what was seeded -----------------------------------------------------------------

/**
 * Every page of GetAccountAuthorizationDetails merged into one, as the SDK returns it (policy
 * documents URL-encoded, dates as ISO strings once serialised), without `$metadata` or paging
 * fields. moto 5.2 leaves `PolicyName` out of `Policies[]` while AWS always returns it; it is
 * put back from the ARN (its last segment, by definition) so the file is what AWS would give.
 */
export async function authorizationDetails(clients: AwsClients): Promise<Record<string, unknown>> {
  const merged: Required<
    Pick<
      GetAccountAuthorizationDetailsResponse,
      'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'
    >
  > = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  for await (const page of paginateGetAccountAuthorizationDetails({ client: clients.iam() }, {})) {
    merged.UserDetailList.push(...(page.UserDetailList ?? []));
    merged.GroupDetailList.push(...(page.GroupDetailList ?? []));
    merged.RoleDetailList.push(...(page.RoleDetailList ?? []));
    merged.Policies.push(...(page.Policies ?? []));
  }
  const json = JSON.parse(JSON.stringify(merged)) as {
    Policies: { PolicyName?: string; Arn: string }[];
  } & Record<string, unknown>;
  for (const p of json.Policies) p.PolicyName ??= p.Arn.split('/').pop();
  return json;
}

/** The credential report CSV, generated first if need be. */
export async function credentialReportCsv(clients: AwsClients): Promise<string> {
  const iam = clients.iam();
  for (let i = 0; i < 50; i++) {
    const g = await iam.send(new GenerateCredentialReportCommand({}));
    if (g.State === 'COMPLETE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const out = await iam.send(new GetCredentialReportCommand({}));
  return new TextDecoder().decode(out.Content);
}

/**
 * Writes the account as an operator would export it: `iam/authorization-details.json`,
 * `iam/credential-report.csv`, and the trail files under their `AWSLogs/...` keys.
 */
export async function exportAccount(
  clients: AwsClients,
  dir: string,
  files: readonly TrailFile[],
): Promise<void> {
  await mkdir(join(dir, 'iam'), { recursive: true });
  await writeFile(
    join(dir, 'iam', 'authorization-details.json'),
    `${JSON.stringify(await authorizationDetails(clients), null, 2)}\n`,
  );
  await writeFile(join(dir, 'iam', 'credential-report.csv'), await credentialReportCsv(clients));
  for (const f of files) {
    const path = join(dir, f.key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.body);
  }
}

// --- the agent account of the live-scan tests --------------------------------------------------

/** The identities of {@link seedAgentAccount}. */
export interface AgentAccount {
  accountId: string;
  trailArn: string;
  bucket: string;
  /** Lambda-trusted role with an inline `*` on `*` (AdministratorAccess in all but name). */
  agent: SeededRole;
  /** Deploys with CloudFormation through a customer managed policy (v2 broader, not default). */
  ci: SeededRole;
  /** Never acts in the window. */
  unused: SeededRole;
  /** A person: console password, member of `developers`, signs in and works in the console. */
  alice: SeededUser;
  /** A bot user whose access key is never used. */
  reporting: SeededUser;
  /** The trail files, with their keys below the bucket prefix. */
  files: TrailFile[];
  records: number;
  /** First and last record time, epoch ms. */
  first: number;
  last: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Days between seeding and the first record: the identities are older than a 7-day window. */
export const RECORDS_START_DAYS = 10;

/**
 * Seeds a small account with a story, a logging trail, and 206 CloudTrail records for it
 * spread over two days starting {@link RECORDS_START_DAYS} days after `now` (moto dates every
 * identity and key at creation, so the records are put after them; a window ending a day
 * after the records and 7 days long holds them all and starts after every creation date):
 *
 * - the agent (`*` on `*`) invokes a Bedrock model, lists buckets and reads a secret, and is
 *   denied creating access keys;
 * - CI describes, updates and creates CloudFormation stacks and is denied deleting one;
 * - alice signs in to the console, reads logs and EC2, and is denied terminating an instance;
 * - the legacy ETL role and the reporting bot (whose key is never used) do nothing.
 */
export async function seedAgentAccount(
  clients: AwsClients,
  now: number,
  options: { bucket?: string; prefix?: string } = {},
): Promise<AgentAccount> {
  const accountId = await callerAccount(clients);
  const bucket = options.bucket ?? 'leash-seeded-trail';
  const trailArn = await createTrail(clients, {
    bucket,
    name: 'management-events',
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });

  const ciPolicy = await createManagedPolicy(clients, {
    name: 'ci-deploy',
    path: '/ci/',
    document: allow(
      'cloudformation:CreateStack',
      'cloudformation:UpdateStack',
      'cloudformation:DeleteStack',
      'cloudformation:DescribeStacks',
      'cloudformation:DescribeStackEvents',
      's3:PutObject',
      'iam:PassRole',
    ),
    laterVersions: [allow('cloudformation:*', 'iam:*', 's3:*')],
  });
  const readLogs = await createManagedPolicy(clients, {
    name: 'read-logs',
    document: allow('logs:DescribeLogGroups', 'logs:FilterLogEvents', 'logs:GetLogEvents'),
  });
  await createGroup(clients, {
    name: 'developers',
    managed: [readLogs],
    inline: { 'ec2-read': allow('ec2:DescribeInstances', 'ec2:DescribeVpcs') },
  });

  const agent = await createRole(clients, {
    name: 'support-agent',
    path: '/agents/',
    trust: trust({ Service: 'lambda.amazonaws.com' }),
    inline: { admin: allow('*') },
    tags: { team: 'support' },
  });
  const ci = await createRole(clients, {
    name: 'ci-deploy',
    trust: trust({ Service: 'codebuild.amazonaws.com' }),
    managed: [ciPolicy],
  });
  const unused = await createRole(clients, {
    name: 'legacy-etl',
    trust: trust({ Service: 'glue.amazonaws.com' }),
    inline: { etl: allow('glue:StartJobRun', 's3:GetObject') },
  });
  const alice = await createUser(clients, {
    name: 'alice',
    path: '/humans/',
    groups: ['developers'],
    loginProfile: true,
  });
  const reporting = await createUser(clients, {
    name: 'reporting-bot',
    inline: { costs: allow('ce:GetCostAndUsage') },
    accessKeys: 1,
  });

  const start = now + RECORDS_START_DAYS * DAY_MS;
  const records: Record<string, unknown>[] = [];
  const emit = (actor: Actor, n: number, offsetMin: number, call: Omit<CallSpec, 'at'>) => {
    for (let i = 0; i < n; i++) {
      const at = start + HOUR_MS + offsetMin * 60_000 + Math.floor((i * 48 * HOUR_MS) / n);
      records.push(trailRecord(actor, accountId, { ...call, at }));
    }
  };
  const asAgent = roleActor(agent, accountId, 'support-agent-fn', {
    userAgent: 'aws-sdk-js/3.700.0 exec-env/AWS_Lambda_nodejs22.x',
  });
  const asCi = roleActor(ci, accountId, 'AWSCodeBuild-1234');
  const asAlice = userActor(alice, accountId, {
    console: true,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0',
  });
  const model =
    'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0';
  emit(asAgent, 80, 1, {
    source: 'bedrock.amazonaws.com',
    name: 'InvokeModel',
    readOnly: true,
    requestParameters: { modelId: model },
  });
  emit(asAgent, 20, 2, { source: 's3.amazonaws.com', name: 'ListBuckets' });
  emit(asAgent, 10, 3, { source: 'secretsmanager.amazonaws.com', name: 'GetSecretValue' });
  emit(asAgent, 3, 4, {
    source: 'iam.amazonaws.com',
    name: 'CreateAccessKey',
    readOnly: false,
    errorCode: 'AccessDenied',
  });
  emit(asCi, 30, 5, { source: 'cloudformation.amazonaws.com', name: 'DescribeStacks' });
  emit(asCi, 10, 6, {
    source: 'cloudformation.amazonaws.com',
    name: 'UpdateStack',
    readOnly: false,
  });
  emit(asCi, 2, 7, {
    source: 'cloudformation.amazonaws.com',
    name: 'CreateStack',
    readOnly: false,
  });
  emit(asCi, 2, 8, {
    source: 'cloudformation.amazonaws.com',
    name: 'DeleteStack',
    readOnly: false,
    errorCode: 'AccessDenied',
  });
  emit(asAlice, 2, 0, {
    source: 'signin.amazonaws.com',
    name: 'ConsoleLogin',
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
  });
  emit(asAlice, 15, 9, { source: 'logs.amazonaws.com', name: 'DescribeLogGroups' });
  emit(asAlice, 10, 10, { source: 'logs.amazonaws.com', name: 'FilterLogEvents' });
  emit(asAlice, 20, 11, { source: 'ec2.amazonaws.com', name: 'DescribeInstances' });
  emit(asAlice, 2, 12, {
    source: 'ec2.amazonaws.com',
    name: 'TerminateInstances',
    readOnly: false,
    errorCode: 'Client.UnauthorizedOperation',
  });
  const files = trailFiles(records, accountId);
  await uploadTrailFiles(clients, bucket, files, options.prefix ? { prefix: options.prefix } : {});
  const times = records.map((r) => Date.parse(String(r.eventTime)));
  return {
    accountId,
    trailArn,
    bucket,
    agent,
    ci,
    unused,
    alice,
    reporting,
    files,
    records: records.length,
    first: Math.min(...times),
    last: Math.max(...times),
  };
}
