/**
 * Pure shaping of live IAM API responses into Leash's inventory types. No client, no I/O: the
 * collector (collect-iam.ts) fetches, these functions shape, and the unit tests feed them
 * recorded payloads.
 */
import type {
  AccessKeyLastUsed,
  AccessKeyMetadata,
  GetAccountAuthorizationDetailsResponse,
  GetServiceLastAccessedDetailsResponse,
} from '@aws-sdk/client-iam';
import type { CredentialReportRow, ServiceLastAccessed } from '#core/iam/inventory.ts';

/**
 * Turns one GetAccountAuthorizationDetails page of the SDK into the JSON shape of an
 * `aws iam get-account-authorization-details` export, so that core's `addAuthorizationDetails`
 * reads live and offline data with the same code.
 *
 * - SDK timestamps are `Date` objects; the export has ISO 8601 strings. A JSON round trip gives
 *   exactly that and drops nothing else.
 * - Policy documents stay URL-encoded as the API returns them; core decodes them.
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
 * - `PolicyName` is optional in the API model of `ManagedPolicyDetail` (and moto 5.2 leaves it
 *   out) while core needs it: it is the last segment of the policy ARN by definition, so it is
 *   read from there, never made up.
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_ManagedPolicyDetail.html
 * @param page one page as the SDK returns it
 * @returns a plain JSON object without the SDK's `$metadata`
 */
export function toAuthorizationDetailsPage(
  page: GetAccountAuthorizationDetailsResponse,
): Record<string, unknown> {
  const { $metadata: _metadata, ...body } = page as GetAccountAuthorizationDetailsResponse & {
    $metadata?: unknown;
  };
  const json = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (Array.isArray(json.Policies)) {
    for (const p of json.Policies as Record<string, unknown>[]) {
      if (typeof p?.PolicyName !== 'string' && typeof p?.Arn === 'string') {
        const name = p.Arn.split('/').pop();
        if (name) p.PolicyName = name;
      }
    }
  }
  return json;
}

/**
 * Converts the pages of one completed Access Advisor job into a ServiceLastAccessed entry,
 * with action-level data (`TrackedActionsLastAccessed`) where IAM tracks it. Services that were
 * never used keep no `lastAuthenticated`; tracked actions never used keep no `lastAccessed`.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html
 * @param principalArn the user or role the job was generated for (the output does not name it)
 * @param pages every page of GetServiceLastAccessedDetails for the job, in order
 */
export function toServiceLastAccessed(
  principalArn: string,
  pages: readonly GetServiceLastAccessedDetailsResponse[],
): ServiceLastAccessed {
  const services: ServiceLastAccessed['services'] = [];
  for (const page of pages) {
    for (const s of page.ServicesLastAccessed ?? []) {
      if (!s.ServiceNamespace) continue;
      const entry: ServiceLastAccessed['services'][number] = { namespace: s.ServiceNamespace };
      if (s.ServiceName) entry.name = s.ServiceName;
      const last = iso(s.LastAuthenticated);
      if (last) entry.lastAuthenticated = last;
      if (s.LastAuthenticatedEntity) entry.lastAuthenticatedEntity = s.LastAuthenticatedEntity;
      // Present only for ACTION_LEVEL jobs and only for the services IAM tracks per action.
      if (s.TrackedActionsLastAccessed) {
        entry.actions = [];
        for (const a of s.TrackedActionsLastAccessed) {
          if (!a.ActionName) continue;
          // The API gives bare names (`ListBuckets`); strip a prefix should one ever appear.
          const action: { action: string; lastAccessed?: string } = {
            action: a.ActionName.slice(a.ActionName.indexOf(':') + 1),
          };
          const at = iso(a.LastAccessedTime);
          if (at) action.lastAccessed = at;
          entry.actions.push(action);
        }
      }
      services.push(entry);
    }
  }
  return { principalArn, services };
}

/** What the fallback read about one user's credentials when the credential report is missing. */
export interface UserCredentials {
  userName: string;
  arn: string;
  createDate?: Date | string;
  /** From ListUsers: when the console password was last used, if ever (or since 2014-10-20). */
  passwordLastUsed?: Date | string;
  /** GetLoginProfile: true when the user has a console password, undefined when unknown. */
  hasLoginProfile?: boolean;
  /** ListMFADevices: how many MFA devices the user has, undefined when unknown. */
  mfaDevices?: number;
  /** ListAccessKeys, each with GetAccessKeyLastUsed where it was read. */
  keys: { metadata: AccessKeyMetadata; lastUsed?: AccessKeyLastUsed }[];
}

/**
 * Builds credential-report rows from ListAccessKeys, GetAccessKeyLastUsed, GetLoginProfile and
 * ListMFADevices results, for accounts whose credential report could not be read. Keys fill
 * slots 1 and 2 oldest first, as the report does; `lastRotated` is the key's creation date, as
 * in the report. Unknown facts (a denied call, recorded as a coverage gap) read as false.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
 * @param users one entry per user
 * @returns one row per user, in input order
 */
export function rowsFromKeys(users: readonly UserCredentials[]): CredentialReportRow[] {
  return users.map((u) => {
    const row: CredentialReportRow = {
      user: u.userName,
      arn: u.arn,
      passwordEnabled: u.hasLoginProfile === true,
      mfaActive: (u.mfaDevices ?? 0) > 0,
      accessKeys: [],
    };
    const created = iso(u.createDate);
    if (created) row.userCreationTime = created;
    const pwUsed = iso(u.passwordLastUsed);
    // Real activity even when the password was removed later, so kept either way.
    if (pwUsed) row.passwordLastUsed = pwUsed;
    const keys = [...u.keys].sort(
      (a, b) => (a.metadata.CreateDate?.getTime() ?? 0) - (b.metadata.CreateDate?.getTime() ?? 0),
    );
    // IAM allows two access keys per user: the report has exactly two slots.
    for (const [i, k] of keys.slice(0, 2).entries()) {
      const key: CredentialReportRow['accessKeys'][number] = {
        slot: i === 0 ? 1 : 2,
        active: k.metadata.Status === 'Active',
      };
      const rotated = iso(k.metadata.CreateDate);
      if (rotated) key.lastRotated = rotated;
      const used = iso(k.lastUsed?.LastUsedDate);
      if (used) key.lastUsedDate = used;
      const svc = k.lastUsed?.ServiceName;
      if (svc && svc !== 'N/A') key.lastUsedService = svc;
      row.accessKeys.push(key);
    }
    return row;
  });
}

/**
 * Adds rows to a credential report without duplicating a user: a row already present for an
 * ARN wins (an earlier source, such as the real report, knows more than the fallback).
 * @returns a new array: the existing rows, then the new users' rows
 */
export function mergeCredentialRows(
  existing: readonly CredentialReportRow[],
  rows: readonly CredentialReportRow[],
): CredentialReportRow[] {
  const seen = new Set(existing.map((r) => r.arn));
  const out = [...existing];
  for (const r of rows) {
    if (seen.has(r.arn)) continue;
    seen.add(r.arn);
    out.push(r);
  }
  return out;
}

function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
