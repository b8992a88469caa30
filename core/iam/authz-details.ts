/**
 * Reads `aws iam get-account-authorization-details` output (one page at a time) into an
 * AccountInventory. Field names follow the API; each bad element is skipped with an issue.
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
 */
import type {
  AccountInventory,
  AttachedPolicy,
  IamGroup,
  IamRole,
  IamUser,
  InlinePolicy,
  ManagedPolicy,
} from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { parsePolicyDocument } from '#core/policy/document.ts';

type Json = Record<string, unknown>;

/** True when a parsed JSON value looks like an authorization-details page. */
export function isAuthorizationDetails(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Json;
  return (
    Array.isArray(v.UserDetailList) ||
    Array.isArray(v.RoleDetailList) ||
    Array.isArray(v.GroupDetailList) ||
    Array.isArray(v.Policies)
  );
}

/**
 * Adds one authorization-details page to the inventory. Pages may come in any order; a later
 * page never replaces an element an earlier one already gave (AWS pages do not overlap).
 * @param file where the page came from, for issues
 */
export function addAuthorizationDetails(
  inventory: AccountInventory,
  page: unknown,
  file: string,
  issues: InputIssue[],
): void {
  const v = page as Json;
  const issue = (location: string, reason: string, detail: string) =>
    issues.push({ file, location, reason, detail });
  const seenUsers = new Set(inventory.users.map((u) => u.arn));
  const seenRoles = new Set(inventory.roles.map((r) => r.arn));
  const seenGroups = new Set(inventory.groups.map((g) => g.name));

  for (const [i, raw] of list(v.Policies).entries()) {
    const p = readPolicy(raw, `Policies[${i}]`, file, issues);
    if (p && !inventory.policies.has(p.arn)) inventory.policies.set(p.arn, p);
  }
  for (const [i, raw] of list(v.UserDetailList).entries()) {
    const loc = `UserDetailList[${i}]`;
    const base = readIdentityBase(raw, loc, 'UserName', 'UserPolicyList', file, issues);
    if (!base) continue;
    if (seenUsers.has(base.arn)) continue;
    const r = raw as Json;
    const groups = list(r.GroupList).filter((g): g is string => typeof g === 'string');
    const user: IamUser = { ...base, type: 'user', groups };
    if (r.LoginProfile !== undefined) user.hasLoginProfile = true;
    inventory.users.push(user);
    seenUsers.add(user.arn);
    addAccount(inventory, user.accountId);
  }
  for (const [i, raw] of list(v.RoleDetailList).entries()) {
    const loc = `RoleDetailList[${i}]`;
    const base = readIdentityBase(raw, loc, 'RoleName', 'RolePolicyList', file, issues);
    if (!base) continue;
    if (seenRoles.has(base.arn)) continue;
    const r = raw as Json;
    const role: IamRole = {
      ...base,
      type: 'role',
      serviceLinked: base.path.startsWith('/aws-service-role/'),
      instanceProfiles: list(r.InstanceProfileList)
        .map((ip) => (ip as Json)?.Arn)
        .filter((a): a is string => typeof a === 'string'),
    };
    if (r.AssumeRolePolicyDocument !== undefined) {
      const parsed = parsePolicyDocument(r.AssumeRolePolicyDocument);
      for (const pi of parsed.issues) issue(`${base.arn} trust policy`, 'policy-issue', pi.message);
      role.trustPolicy = parsed.document;
    }
    const lu = r.RoleLastUsed as Json | undefined;
    if (lu && typeof lu === 'object') {
      const lastUsed: { date?: string; region?: string } = {};
      if (typeof lu.LastUsedDate === 'string') lastUsed.date = lu.LastUsedDate;
      if (typeof lu.Region === 'string') lastUsed.region = lu.Region;
      role.lastUsed = lastUsed;
    }
    inventory.roles.push(role);
    seenRoles.add(role.arn);
    addAccount(inventory, role.accountId);
  }
  for (const [i, raw] of list(v.GroupDetailList).entries()) {
    const loc = `GroupDetailList[${i}]`;
    const r = raw as Json;
    if (typeof r?.GroupName !== 'string' || typeof r.Arn !== 'string') {
      issue(loc, 'invalid-element', 'group without GroupName or Arn; skipped');
      continue;
    }
    if (seenGroups.has(r.GroupName)) continue;
    const group: IamGroup = {
      arn: r.Arn,
      name: r.GroupName,
      path: typeof r.Path === 'string' ? r.Path : '/',
      inlinePolicies: readInline(r.GroupPolicyList, `${r.Arn}`, file, issues),
      attachedPolicies: readAttached(r.AttachedManagedPolicies),
    };
    inventory.groups.push(group);
    seenGroups.add(group.name);
  }
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function addAccount(inventory: AccountInventory, accountId: string): void {
  if (accountId && !inventory.accountIds.includes(accountId)) inventory.accountIds.push(accountId);
}

/** The account id field of an IAM ARN (`arn:aws:iam::123456789012:role/x`). */
export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function readPolicy(
  raw: unknown,
  loc: string,
  file: string,
  issues: InputIssue[],
): ManagedPolicy | undefined {
  const r = raw as Json;
  if (typeof r?.Arn !== 'string' || typeof r.PolicyName !== 'string') {
    issues.push({
      file,
      location: loc,
      reason: 'invalid-element',
      detail: 'policy without Arn or PolicyName; skipped',
    });
    return undefined;
  }
  const policy: ManagedPolicy = {
    arn: r.Arn,
    name: r.PolicyName,
    path: typeof r.Path === 'string' ? r.Path : '/',
    awsManaged: /^arn:[^:]+:iam::aws:policy\//.test(r.Arn),
  };
  if (typeof r.DefaultVersionId === 'string') policy.defaultVersionId = r.DefaultVersionId;
  if (typeof r.AttachmentCount === 'number') policy.attachmentCount = r.AttachmentCount;
  // The default version is the one in force; other versions are history (and may be broader).
  const versions = list(r.PolicyVersionList) as Json[];
  const def =
    versions.find((ver) => ver?.IsDefaultVersion === true) ??
    versions.find((ver) => ver?.VersionId === policy.defaultVersionId);
  if (def?.Document !== undefined) {
    const parsed = parsePolicyDocument(def.Document);
    for (const pi of parsed.issues) {
      issues.push({
        file,
        location: `${r.Arn}${pi.statement !== undefined ? ` Statement[${pi.statement}]` : ''}`,
        reason: 'policy-issue',
        detail: pi.message,
      });
    }
    policy.document = parsed.document;
  } else {
    issues.push({
      file,
      location: r.Arn,
      reason: 'missing-default-version',
      detail: 'managed policy has no default version document; its grants are unknown',
    });
  }
  return policy;
}

function readIdentityBase(
  raw: unknown,
  loc: string,
  nameField: 'UserName' | 'RoleName',
  inlineField: 'UserPolicyList' | 'RolePolicyList',
  file: string,
  issues: InputIssue[],
): Omit<IamUser, 'type' | 'groups'> | undefined {
  const r = raw as Json;
  if (typeof r?.[nameField] !== 'string' || typeof r.Arn !== 'string') {
    issues.push({
      file,
      location: loc,
      reason: 'invalid-element',
      detail: `element without ${nameField} or Arn; skipped`,
    });
    return undefined;
  }
  const arn = r.Arn;
  const base: Omit<IamUser, 'type' | 'groups'> = {
    arn,
    name: r[nameField] as string,
    path: typeof r.Path === 'string' ? r.Path : '/',
    accountId: accountOfArn(arn),
    tags: readTags(r.Tags),
    inlinePolicies: readInline(r[inlineField], arn, file, issues),
    attachedPolicies: readAttached(r.AttachedManagedPolicies),
  };
  const id = r.UserId ?? r.RoleId;
  if (typeof id === 'string') base.id = id;
  if (typeof r.CreateDate === 'string') base.createDate = r.CreateDate;
  const pb = r.PermissionsBoundary as Json | undefined;
  if (pb && typeof pb.PermissionsBoundaryArn === 'string')
    base.boundaryArn = pb.PermissionsBoundaryArn;
  return base;
}

function readTags(v: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list(v) as Json[]) {
    if (typeof t?.Key === 'string') tags[t.Key] = typeof t.Value === 'string' ? t.Value : '';
  }
  return tags;
}

function readInline(v: unknown, owner: string, file: string, issues: InputIssue[]): InlinePolicy[] {
  const out: InlinePolicy[] = [];
  for (const p of list(v) as Json[]) {
    if (typeof p?.PolicyName !== 'string') {
      issues.push({
        file,
        location: owner,
        reason: 'invalid-element',
        detail: 'inline policy without PolicyName; skipped',
      });
      continue;
    }
    const parsed = parsePolicyDocument(p.PolicyDocument);
    for (const pi of parsed.issues) {
      issues.push({
        file,
        location: `${owner} inline ${p.PolicyName}${pi.statement !== undefined ? ` Statement[${pi.statement}]` : ''}`,
        reason: 'policy-issue',
        detail: pi.message,
      });
    }
    out.push({ name: p.PolicyName, document: parsed.document });
  }
  return out;
}

function readAttached(v: unknown): AttachedPolicy[] {
  const out: AttachedPolicy[] = [];
  for (const p of list(v) as Json[]) {
    if (typeof p?.PolicyArn === 'string') {
      out.push({
        arn: p.PolicyArn,
        name: typeof p.PolicyName === 'string' ? p.PolicyName : p.PolicyArn.split('/').pop()!,
      });
    }
  }
  return out;
}
