/**
 * The IAM inventory of an account: identities, groups and managed policies, as read from
 * `get-account-authorization-details` (or, later, the live IAM API). Pure data.
 */
import type { PolicyDocument } from '#core/policy/document.ts';

/** An inline policy of an identity or group. */
export interface InlinePolicy {
  name: string;
  document: PolicyDocument;
}

/** A reference to an attached managed policy. */
export interface AttachedPolicy {
  arn: string;
  name: string;
}

/** A managed policy with its default version's document. */
export interface ManagedPolicy {
  arn: string;
  name: string;
  path: string;
  /** True for policies owned by AWS (`arn:aws:iam::aws:policy/...`). */
  awsManaged: boolean;
  defaultVersionId?: string;
  /** The default version's document; undefined when the export lacks it (a coverage gap). */
  document?: PolicyDocument;
  attachmentCount?: number;
}

interface IdentityBase {
  arn: string;
  name: string;
  id?: string;
  path: string;
  accountId: string;
  createDate?: string;
  tags: Record<string, string>;
  inlinePolicies: InlinePolicy[];
  attachedPolicies: AttachedPolicy[];
  /** Permissions boundary policy ARN. */
  boundaryArn?: string;
}

/** An IAM user. */
export interface IamUser extends IdentityBase {
  type: 'user';
  /** Group names the user belongs to. */
  groups: string[];
  /** True when the export shows a console password (credential report may say more). */
  hasLoginProfile?: boolean;
}

/** An IAM role. */
export interface IamRole extends IdentityBase {
  type: 'role';
  trustPolicy?: PolicyDocument;
  /** RoleLastUsed from IAM: LastUsedDate is absent when the role was never used (in 400 days). */
  lastUsed?: { date?: string; region?: string };
  /** Service-linked roles are owned by an AWS service: inventoried, never rightsized. */
  serviceLinked: boolean;
  instanceProfiles: string[];
}

/** An IAM group. */
export interface IamGroup {
  arn: string;
  name: string;
  path: string;
  inlinePolicies: InlinePolicy[];
  attachedPolicies: AttachedPolicy[];
}

/** An identity that can act: a user or a role. */
export type IamIdentity = IamUser | IamRole;

/** One row of the IAM credential report. */
export interface CredentialReportRow {
  user: string;
  arn: string;
  userCreationTime?: string;
  passwordEnabled: boolean;
  passwordLastUsed?: string;
  passwordLastChanged?: string;
  mfaActive: boolean;
  accessKeys: {
    slot: 1 | 2;
    active: boolean;
    lastRotated?: string;
    lastUsedDate?: string;
    lastUsedService?: string;
  }[];
}

/** Service last accessed (Access Advisor) data for one principal. */
export interface ServiceLastAccessed {
  principalArn: string;
  services: {
    namespace: string;
    name?: string;
    lastAuthenticated?: string;
    lastAuthenticatedEntity?: string;
    /**
     * ACTION_LEVEL results (`TrackedActionsLastAccessed`) for the services IAM tracks per action:
     * action name (without prefix) and when it was last authenticated, if ever.
     */
    actions?: { action: string; lastAccessed?: string }[];
  }[];
}

/** A Lambda function as inventoried from the Lambda API. Environment values are never read. */
export interface LambdaFunctionInfo {
  arn: string;
  name: string;
  accountId: string;
  region: string;
  roleArn: string;
  runtime?: string;
  lastModified?: string;
  /** Names of environment variables only: values can hold secrets and are never stored. */
  environmentVariableNames: string[];
  layers: string[];
  /** Who may invoke it, from its resource-based policy. */
  invokers: {
    principal: string;
    action: string;
    sourceArn?: string;
    sourceAccount?: string;
    sid?: string;
  }[];
  functionUrls: { url: string; authType: string }[];
  eventSources: { arn: string; state?: string; uuid?: string }[];
  tags: Record<string, string>;
}

/** An AI agent resource: a Bedrock agent or an AgentCore runtime or gateway. */
export interface AgentInfo {
  kind: 'bedrock-agent' | 'agentcore-runtime' | 'agentcore-gateway';
  id: string;
  arn: string;
  name: string;
  accountId: string;
  region: string;
  /** The IAM role the agent acts as. */
  roleArn?: string;
  foundationModel?: string;
  status?: string;
  createdAt?: string;
  /** Tools: action groups (Bedrock) or gateway targets (AgentCore), with the Lambda behind each. */
  tools: {
    name: string;
    kind: 'action-group' | 'gateway-target' | 'knowledge-base';
    lambdaArn?: string;
    endpoint?: string;
    arn?: string;
    state?: string;
  }[];
  aliases: string[];
  tags: Record<string, string>;
}

/** What a CloudTrail trail records, from DescribeTrails and GetEventSelectors. */
export interface TrailInfo {
  name: string;
  arn: string;
  homeRegion: string;
  accountId: string;
  s3BucketName?: string;
  s3KeyPrefix?: string;
  /** KMS key that encrypts the log files (SSE-KMS): reading them needs kms:Decrypt on it. */
  kmsKeyId?: string;
  isOrganizationTrail: boolean;
  isMultiRegionTrail: boolean;
  isLogging?: boolean;
  /** Management events recorded, and which kind. */
  managementEvents: 'All' | 'ReadOnly' | 'WriteOnly' | 'None';
  /** IAM service prefixes whose data events the trail records (`s3`, `lambda`, `dynamodb`, …). */
  dataEventServices: string[];
}

/** Everything known about an account's IAM configuration. */
export interface AccountInventory {
  accountIds: string[];
  users: IamUser[];
  roles: IamRole[];
  groups: IamGroup[];
  /** Managed policies by ARN. */
  policies: Map<string, ManagedPolicy>;
  credentialReport: CredentialReportRow[];
  lastAccessed: ServiceLastAccessed[];
  /** Lambda functions (live scans). */
  functions: LambdaFunctionInfo[];
  /** AI agent resources (live scans). */
  agents: AgentInfo[];
  /** CloudTrail trails and what they record (live scans). */
  trails: TrailInfo[];
}

/** An empty inventory to fill. */
export function emptyInventory(): AccountInventory {
  return {
    accountIds: [],
    users: [],
    roles: [],
    groups: [],
    policies: new Map(),
    credentialReport: [],
    lastAccessed: [],
    functions: [],
    agents: [],
    trails: [],
  };
}
