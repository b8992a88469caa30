/**
 * Multi-account scans: the accounts of an AWS Organization, a role assumed into each, and a
 * fan-out that lets the other accounts finish when one cannot be entered.
 */
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsClients } from '#connectors/aws/clients.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import {
  ConnectorError,
  classifyError,
  describeError,
  errorName,
} from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';

/** An account of the organization. */
export interface MemberAccount {
  id: string;
  name: string;
  /** `State` from ListAccounts (`ACTIVE`, `SUSPENDED`, ...), or the deprecated `Status`. */
  status: string;
  email?: string;
}

/**
 * Lists the ACTIVE accounts of the caller's organization, the management account included.
 * Only the management account or a delegated administrator may call ListAccounts: otherwise
 * the denial is an `access-denied` gap and the list is empty. An account that is not in an
 * organization (`AWSOrganizationsNotInUseException`) is an `unsupported` gap.
 *
 * Calls: `organizations:ListAccounts`.
 *
 * @see https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
 *   (`Status` is deprecated in favour of `State`)
 */
export async function listMemberAccounts(
  clients: AwsClients,
  gaps: GapRecorder,
): Promise<MemberAccount[]> {
  const api = 'organizations:ListAccounts';
  const list = async (): Promise<MemberAccount[]> => {
    const out: MemberAccount[] = [];
    for await (const page of paginateListAccounts({ client: clients.organizations() }, {})) {
      for (const a of page.Accounts ?? []) {
        const status = a.State ?? a.Status;
        if (!a.Id || status !== 'ACTIVE') continue;
        out.push({
          id: a.Id,
          name: a.Name ?? a.Id,
          status,
          ...(a.Email ? { email: a.Email } : {}),
        });
      }
    }
    return out;
  };
  try {
    return await list();
  } catch (err) {
    if (errorName(err) === 'AWSOrganizationsNotInUseException') {
      gaps.add({ provider: 'aws', api, reason: 'unsupported', detail: describeError(err) });
      return [];
    }
    return (await gaps.guard(api, {}, () => Promise.reject(err))) ?? [];
  }
}

/** Options of {@link assumeInto}. */
export interface AssumeIntoOptions {
  accountId: string;
  /** Name (with path, if any) of the role to assume, e.g. `OrganizationAccountAccessRole`. */
  roleName: string;
  externalId?: string;
  /** Shown in the member account's CloudTrail as the session name (2 to 64 characters). */
  sessionName: string;
  /** Partition of the account (default `aws`). */
  partition?: string;
}

/** A role could not be assumed. */
export class AssumeRoleError extends ConnectorError {
  constructor(
    message: string,
    readonly accountId: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'sts:AssumeRole', options);
    this.name = 'AssumeRoleError';
  }
}

/** Credentials are refreshed this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Assumes `arn:<partition>:iam::<accountId>:role/<roleName>` with the credentials of `clients`
 * and returns clients that act in that account. The role is assumed once here, so a denial
 * surfaces now, and again shortly before the credentials expire (one hour by default; one hour
 * at most when the caller is itself an assumed role, "role chaining"). All the returned clients
 * share one set of credentials.
 *
 * Calls: `sts:AssumeRole`.
 *
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 * @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html
 * @throws AssumeRoleError when the role cannot be assumed (its `cause` is the STS error)
 */
export async function assumeInto(
  clients: AwsClients,
  options: AssumeIntoOptions,
): Promise<AwsClients> {
  const { accountId, roleName, externalId, sessionName, partition = 'aws' } = options;
  const roleArn = `arn:${partition}:iam::${accountId}:role/${roleName}`;
  const { credentials: masterCredentials, endpoint, homeRegion } = clients.options;
  const provider = fromTemporaryCredentials({
    ...(masterCredentials ? { masterCredentials } : {}),
    params: {
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      ...(externalId ? { ExternalId: externalId } : {}),
    },
    clientConfig: { region: homeRegion ?? 'us-east-1', ...(endpoint ? { endpoint } : {}) },
  });
  const credentials = refreshing(provider);
  try {
    await credentials();
  } catch (err) {
    throw new AssumeRoleError(`cannot assume ${roleArn}: ${describeError(err)}`, accountId, {
      cause: err,
    });
  }
  return clients.withCredentials(credentials);
}

/**
 * Shares one set of temporary credentials between clients and renews it
 * {@link REFRESH_MARGIN_MS} before expiry; concurrent callers wait for the same renewal.
 */
export function refreshing(
  provider: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    const expiresAt = current?.expiration?.getTime();
    if (current && (expiresAt === undefined || expiresAt - now() > REFRESH_MARGIN_MS)) {
      return Promise.resolve(current);
    }
    pending ??= provider()
      .then((c) => {
        current = c;
        return c;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** Outcome of {@link forEachAccount} for one account. */
export type AccountResult<T> =
  | { accountId: string; ok: true; value: T }
  | { accountId: string; ok: false; error: unknown };

/**
 * Runs `fn` for every account, at most `concurrency` at once. An account whose `fn` fails is
 * recorded as a coverage gap (`access-denied` when the cause is a denial, `failed` otherwise;
 * api `sts:AssumeRole` unless the error names another call) and the other accounts complete.
 *
 * @returns one result per account, in input order
 */
export async function forEachAccount<A extends { id: string }, T>(
  accounts: readonly A[],
  fn: (account: A) => Promise<T>,
  options: { concurrency?: number; gaps: GapRecorder },
): Promise<AccountResult<T>[]> {
  const { concurrency = 4, gaps } = options;
  return mapLimit(accounts, concurrency, async (account): Promise<AccountResult<T>> => {
    try {
      return { accountId: account.id, ok: true, value: await fn(account) };
    } catch (err) {
      const cause = err instanceof ConnectorError && err.cause !== undefined ? err.cause : err;
      const api =
        err instanceof ConnectorError && !(err instanceof AssumeRoleError)
          ? err.api
          : 'sts:AssumeRole';
      gaps.add({
        provider: 'aws',
        api,
        account: account.id,
        reason: classifyError(cause) === 'access-denied' ? 'access-denied' : 'failed',
        detail: describeError(err),
      });
      return { accountId: account.id, ok: false, error: err };
    }
  });
}
