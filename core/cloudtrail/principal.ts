/**
 * Attributes a CloudTrail record to the IAM identity whose policies authorized it. Usage is
 * keyed by `sessionContext.sessionIssuer.arn` for roles and `userIdentity.arn` for users
 * (reference/aws-iam.md §7.1), because policies attach to the role or user, never to a session.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
import type {
  CloudTrailRecord,
  PrincipalResolution,
  ResolvedPrincipal,
  UserIdentity,
} from '#core/cloudtrail/types.ts';

// arn:<partition>:<service>:<region>:<account>:<resource>. Partitions include aws, aws-cn,
// aws-us-gov and the isolated aws-iso* ones; none contains a colon.
const ARN = /^arn:([^:]+):([^:]*):[^:]*:([^:]*):(.*)$/;

interface ParsedArn {
  partition: string;
  service: string;
  account: string;
  resource: string;
}

function parseArn(arn: string | undefined): ParsedArn | undefined {
  if (!arn) return undefined;
  const m = ARN.exec(arn);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, account: m[3]!, resource: m[4]! };
}

/**
 * Partition for a record whose identity carries no ARN, from its region's naming (GovCloud
 * regions are `us-gov-*`, China regions `cn-*`). Anything else is the commercial partition.
 */
function partitionOfRegion(region: string | undefined): string {
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  if (region?.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/**
 * Resolves a record's `userIdentity` to the IAM user, role or root that acted.
 *
 * Callers that cannot be attributed to an identity in a policy are reported with a reason:
 * - `AWSService`: the service acted with its own credentials (`aws-service`, detail invokedBy).
 * - `AWSAccount` with account "anonymous" or an empty principalId: unauthenticated (`anonymous`),
 *   e.g. AgentCore Gateway calls authorized by JWT rather than IAM (§5.4).
 * - Any other `AWSAccount`: a principal of another account called a resource here. CloudTrail
 *   gives only that account and an opaque principalId, never the caller's ARN, so its policies
 *   cannot be found: `unrecognised-identity` with the account in the detail. The caller's own
 *   account records the same call with a full identity.
 * - `SAMLUser` / `WebIdentityUser`: AssumeRoleWith* calls made before any role session exists.
 * - `IdentityCenterUser`, `Unknown` and unknown types: no IAM identity (`unrecognised-identity`).
 *   Identity Center users acting through a role arrive as `AssumedRole` with `onBehalfOf`.
 * @param record a CloudTrail record; any field may be missing
 */
export function resolvePrincipal(record: CloudTrailRecord): PrincipalResolution {
  const identity = record.userIdentity;
  if (identity === undefined || identity === null || typeof identity !== 'object') {
    return { ok: false, reason: 'missing-user-identity' };
  }
  switch (identity.type) {
    case 'IAMUser':
      return resolveUser(record, identity);
    case 'AssumedRole':
      return resolveRoleSession(record, identity);
    case 'Root':
      return resolveRoot(record, identity);
    case 'FederatedUser':
      return resolveFederatedUser(record, identity);
    case 'AWSService':
      return { ok: false, reason: 'aws-service', detail: identity.invokedBy };
    case 'AWSAccount':
      if (identity.accountId === 'anonymous' || !identity.principalId) {
        return { ok: false, reason: 'anonymous' };
      }
      return {
        ok: false,
        reason: 'unrecognised-identity',
        detail: `AWSAccount ${identity.accountId ?? 'unknown'}`,
      };
    case 'SAMLUser':
      return { ok: false, reason: 'saml-user', detail: identity.userName };
    case 'WebIdentityUser':
      return { ok: false, reason: 'web-identity-user', detail: identity.identityProvider };
    default:
      return unrecognised(identity.type === undefined ? 'no type' : String(identity.type));
  }
}

function unrecognised(detail: string): PrincipalResolution {
  return { ok: false, reason: 'unrecognised-identity', detail };
}

/** `IAMUser`: the user ARN, or one built from account and user name when the ARN is absent. */
function resolveUser(record: CloudTrailRecord, identity: UserIdentity): PrincipalResolution {
  const parsed = parseArn(identity.arn);
  if (identity.arn && parsed) {
    return ok(record, {
      kind: 'iam-user',
      arn: identity.arn,
      accountId: identity.accountId || parsed.account,
    });
  }
  if (identity.accountId && identity.userName) {
    const partition = partitionOfRegion(record.awsRegion);
    return ok(record, {
      kind: 'iam-user',
      // Without the ARN the user's path is unknown, so this is the path-less form.
      arn: `arn:${partition}:iam::${identity.accountId}:user/${identity.userName}`,
      accountId: identity.accountId,
      derivedArn: true,
    });
  }
  return unrecognised('IAMUser without arn or userName');
}

/**
 * `AssumedRole`: attributed to the role that issued the session. The session ARN is
 * `arn:<partition>:sts::<account>:assumed-role/<RoleName>/<SessionName>`; when sessionIssuer has
 * no ARN (Event history exports, hand-written fixtures) the role ARN is rebuilt from the session
 * ARN, or else from sessionIssuer's account and name, without the role's path, and flagged
 * `derivedArn`.
 */
function resolveRoleSession(record: CloudTrailRecord, identity: UserIdentity): PrincipalResolution {
  const session = parseArn(identity.arn);
  // The resource is `assumed-role/<RoleName>/<SessionName>`. Some hand-written records use the
  // `iam` service or drop the session part; the first segment is still the role name.
  const sessionParts = session?.resource.startsWith('assumed-role/')
    ? session.resource.slice('assumed-role/'.length).split('/')
    : undefined;
  const roleName = sessionParts?.[0] || undefined;
  // Role names cannot contain '/', so everything after the role name is the session name.
  const sessionName =
    sessionParts && sessionParts.length >= 2
      ? sessionParts.slice(1).join('/')
      : sessionNameFromPrincipalId(identity.principalId);

  const context = identity.sessionContext;
  const issuer = context?.sessionIssuer;
  const issuerArn = parseArn(issuer?.arn);
  let arn: string;
  let accountId: string;
  let derivedArn = false;
  if (issuer?.arn && issuerArn && issuerArn.service === 'iam') {
    arn = issuer.arn;
    accountId = issuer.accountId || issuerArn.account;
  } else if (session && roleName) {
    arn = `arn:${session.partition}:iam::${session.account}:role/${roleName}`;
    accountId = session.account;
    derivedArn = true;
  } else if (issuer?.userName && issuer.accountId) {
    // sessionIssuer.userName is the issuing role's friendly name (userIdentity reference).
    const partition = partitionOfRegion(record.awsRegion);
    arn = `arn:${partition}:iam::${issuer.accountId}:role/${issuer.userName}`;
    accountId = issuer.accountId;
    derivedArn = true;
  } else {
    return unrecognised('AssumedRole without sessionIssuer or session ARN');
  }
  const principal: ResolvedPrincipal = { kind: 'iam-role', arn, accountId, crossAccount: false };
  if (sessionName) principal.sessionName = sessionName;
  if (derivedArn) principal.derivedArn = true;
  if (context?.sourceIdentity) principal.sourceIdentity = context.sourceIdentity;
  // Identity-enhanced sessions (IAM Identity Center trusted identity propagation).
  if (identity.onBehalfOf?.userId) principal.onBehalfOf = identity.onBehalfOf.userId;
  return ok(record, principal, identity.accountId || accountId);
}

/** principalId of a role session is `<RoleUniqueId>:<SessionName>`. */
function sessionNameFromPrincipalId(principalId: string | undefined): string | undefined {
  const colon = principalId?.indexOf(':') ?? -1;
  return colon >= 0 ? principalId!.slice(colon + 1) || undefined : undefined;
}

/** `Root`: `arn:<partition>:iam::<account>:root`, the form policies use for the root user. */
function resolveRoot(record: CloudTrailRecord, identity: UserIdentity): PrincipalResolution {
  const parsed = parseArn(identity.arn);
  const accountId = identity.accountId || parsed?.account;
  if (!accountId) return unrecognised('Root without accountId');
  const partition = parsed?.partition ?? partitionOfRegion(record.awsRegion);
  return ok(record, { kind: 'root', arn: `arn:${partition}:iam::${accountId}:root`, accountId });
}

/**
 * `FederatedUser` (GetFederationToken): the session's permissions are the intersection of the
 * issuing user's policies and the session policy, so usage belongs to the issuing IAM user (or
 * root). The federated user name is kept as the session name.
 */
function resolveFederatedUser(
  record: CloudTrailRecord,
  identity: UserIdentity,
): PrincipalResolution {
  const issuer = identity.sessionContext?.sessionIssuer;
  const issuerArn = parseArn(issuer?.arn);
  const session = parseArn(identity.arn);
  const sessionName = session?.resource.startsWith('federated-user/')
    ? session.resource.slice('federated-user/'.length)
    : undefined;
  if (!issuer?.arn || !issuerArn) return unrecognised('FederatedUser without sessionIssuer');
  const isRoot = issuer.type === 'Root' || issuerArn.resource === 'root';
  const principal: ResolvedPrincipal = {
    kind: isRoot ? 'root' : 'iam-user',
    arn: issuer.arn,
    accountId: issuer.accountId || issuerArn.account,
    crossAccount: false,
    federated: true,
  };
  if (sessionName) principal.sessionName = sessionName;
  return ok(record, principal, identity.accountId || principal.accountId);
}

/**
 * Completes a principal with `crossAccount`: the caller's account differs from the account that
 * recorded the event, when both are known.
 */
function ok(
  record: CloudTrailRecord,
  principal: Omit<ResolvedPrincipal, 'crossAccount'> & { crossAccount?: boolean },
  callerAccount: string = principal.accountId,
): PrincipalResolution {
  const recipient = record.recipientAccountId;
  const crossAccount = Boolean(recipient && callerAccount && recipient !== callerAccount);
  return { ok: true, principal: { ...principal, crossAccount } };
}
