/**
 * Test data builders (STYLE.md §7): each returns a valid, minimal object that a test overrides
 * field by field, so a test states only what matters to it. Ids are the anonymised fixed ones
 * (`111111111111`).
 */
import type { CloudTrailRecord, UserIdentity } from '#core/cloudtrail/types.ts';
import type { CorpusCoverage, PrincipalUsage } from '#core/engine/usage.ts';
import type {
  AccountInventory,
  CredentialReportRow,
  IamGroup,
  IamRole,
  IamUser,
  ManagedPolicy,
} from '#core/iam/inventory.ts';
import type { NormalizedStatement, PolicyDocument } from '#core/policy/document.ts';

/** The account every builder uses. */
export const ACCOUNT = '111111111111';
/** A second account, for cross-account cases. */
export const OTHER_ACCOUNT = '222222222222';

/** The end of the default window used by the tests (`--as-of`). */
export const AS_OF = Date.parse('2026-11-15T00:00:00Z');
/** A default window of 90 days ending at `AS_OF`. */
export const WINDOW = { from: AS_OF - 90 * 86_400_000, to: AS_OF };
/** An instant well inside `WINDOW`. */
export const IN_WINDOW = '2026-11-01T12:00:00Z';
/** An instant before `WINDOW`. */
export const BEFORE_WINDOW = '2026-01-01T00:00:00Z';

/** ARN of a role in `ACCOUNT`. */
export function roleArn(name: string, path = '/'): string {
  return `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
}

/** ARN of a user in `ACCOUNT`. */
export function userArn(name: string, path = '/'): string {
  return `arn:aws:iam::${ACCOUNT}:user${path}${name}`;
}

/** ARN of a customer-managed policy in `ACCOUNT`. */
export function policyArn(name: string): string {
  return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
}

/** A normalised statement; defaults to `Allow s3:GetObject on *`. */
export function aStatement(overrides: Partial<NormalizedStatement> = {}): NormalizedStatement {
  return { index: 0, effect: 'Allow', actions: ['s3:GetObject'], resources: ['*'], ...overrides };
}

/** A normalised document holding the statements (indexes renumbered in order). */
export function aDocument(...statements: Partial<NormalizedStatement>[]): PolicyDocument {
  return {
    version: '2012-10-17',
    statements: statements.map((s, index) => aStatement({ ...s, index })),
  };
}

/** A document allowing the actions on every resource. */
export function allowDocument(...actions: string[]): PolicyDocument {
  return aDocument({ actions });
}

/** A customer-managed policy; pass `document` or it allows `s3:GetObject`. */
export function aPolicy(overrides: Partial<ManagedPolicy> = {}): ManagedPolicy {
  const name = overrides.name ?? 'app-policy';
  return {
    arn: policyArn(name),
    name,
    path: '/',
    awsManaged: false,
    defaultVersionId: 'v1',
    document: allowDocument('s3:GetObject'),
    ...overrides,
  };
}

/** An IAM role trusted by Lambda, created long before the window, with no policies. */
export function aRole(overrides: Partial<IamRole> = {}): IamRole {
  const name = overrides.name ?? 'app-role';
  return {
    type: 'role',
    arn: roleArn(name, overrides.path ?? '/'),
    name,
    id: 'AROAEXAMPLEROLEID0001',
    path: '/',
    accountId: ACCOUNT,
    createDate: '2024-01-01T00:00:00Z',
    tags: {},
    inlinePolicies: [],
    attachedPolicies: [],
    serviceLinked: false,
    instanceProfiles: [],
    trustPolicy: trustPolicy({ Service: 'lambda.amazonaws.com' }),
    ...overrides,
  };
}

/** An IAM user created long before the window, with no policies and no groups. */
export function aUser(overrides: Partial<IamUser> = {}): IamUser {
  const name = overrides.name ?? 'alice';
  return {
    type: 'user',
    arn: userArn(name, overrides.path ?? '/'),
    name,
    id: 'AIDAEXAMPLEUSERID0001',
    path: '/',
    accountId: ACCOUNT,
    createDate: '2024-01-01T00:00:00Z',
    tags: {},
    inlinePolicies: [],
    attachedPolicies: [],
    groups: [],
    ...overrides,
  };
}

/** An IAM group with no policies. */
export function aGroup(overrides: Partial<IamGroup> = {}): IamGroup {
  const name = overrides.name ?? 'developers';
  return {
    arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    name,
    path: '/',
    inlinePolicies: [],
    attachedPolicies: [],
    ...overrides,
  };
}

/** A trust policy allowing `sts:AssumeRole` to the given principal block. */
export function trustPolicy(principal: unknown): PolicyDocument {
  return aDocument({ actions: ['sts:AssumeRole'], resources: undefined, principal });
}

/** An inventory of the given identities, groups and managed policies. */
export function anInventory(
  parts: {
    users?: IamUser[];
    roles?: IamRole[];
    groups?: IamGroup[];
    policies?: ManagedPolicy[];
    credentialReport?: CredentialReportRow[];
    lastAccessed?: AccountInventory['lastAccessed'];
    functions?: AccountInventory['functions'];
    agents?: AccountInventory['agents'];
    trails?: AccountInventory['trails'];
  } = {},
): AccountInventory {
  return {
    accountIds: [ACCOUNT],
    users: parts.users ?? [],
    roles: parts.roles ?? [],
    groups: parts.groups ?? [],
    policies: new Map((parts.policies ?? []).map((p) => [p.arn, p])),
    credentialReport: parts.credentialReport ?? [],
    lastAccessed: parts.lastAccessed ?? [],
    functions: parts.functions ?? [],
    agents: parts.agents ?? [],
    trails: parts.trails ?? [],
  };
}

/** A credential report row for a user with neither password nor keys. */
export function aCredentialRow(overrides: Partial<CredentialReportRow> = {}): CredentialReportRow {
  const user = overrides.user ?? 'alice';
  return {
    user,
    arn: userArn(user),
    userCreationTime: '2024-01-01T00:00:00+00:00',
    passwordEnabled: false,
    mfaActive: false,
    accessKeys: [],
    ...overrides,
  };
}

/** `userIdentity` of an IAM user's call. */
export function asUser(arn: string): UserIdentity {
  return {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLEUSERID0001',
    arn,
    accountId: arn.split(':')[4] ?? ACCOUNT,
    userName: arn.split('/').pop() ?? 'alice',
  };
}

/** `userIdentity` of a call made in a session of the role. */
export function asRole(arn: string, extra: Partial<UserIdentity> = {}): UserIdentity {
  const account = arn.split(':')[4] ?? ACCOUNT;
  const name = arn.split('/').pop() ?? 'app-role';
  return {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEROLEID0001:session',
    arn: `arn:aws:sts::${account}:assumed-role/${name}/session`,
    accountId: account,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEROLEID0001',
        arn,
        accountId: account,
      },
    },
    ...extra,
  };
}

/** A successful management API call by the user `alice`, inside the default window. */
export function aRecord(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    eventTime: IN_WINDOW,
    eventType: 'AwsApiCall',
    eventCategory: 'Management',
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: 'us-east-1',
    readOnly: true,
    userIdentity: asUser(userArn('alice')),
    recipientAccountId: ACCOUNT,
    ...overrides,
  };
}

/** Empty corpus coverage; override what the test needs. */
export function aCoverage(overrides: Partial<CorpusCoverage> = {}): CorpusCoverage {
  return {
    files: 0,
    recordsRead: 0,
    recordsInWindow: 0,
    recordsOutsideWindow: 0,
    skipped: new Map(),
    mapped: 0,
    noIam: new Map(),
    unmapped: 0,
    unmappedPairs: new Map(),
    unattributed: new Map(),
    attributableWithAction: 0,
    attributableMapped: 0,
    readOnlyEvents: 0,
    writeEvents: 0,
    dataEventServices: new Map(),
    ...overrides,
  };
}

/** Usage of a principal that was seen once and did nothing mapped. */
export function aPrincipalUsage(overrides: Partial<PrincipalUsage> = {}): PrincipalUsage {
  const time = Date.parse(IN_WINDOW);
  return {
    arn: roleArn('app-role'),
    kind: 'iam-role',
    used: new Map(),
    denied: new Map(),
    events: 1,
    firstSeen: time,
    lastSeen: time,
    sourceIdentities: new Map(),
    onBehalfOf: new Map(),
    callerAccounts: new Set(),
    crossAccountEvents: 0,
    consoleSignIns: 0,
    unmappedEvents: 0,
    ...overrides,
  };
}
