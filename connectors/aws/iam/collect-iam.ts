/**
 * Live IAM collection for one account: authorization details, the credential report (or a
 * per-user fallback) and Access Advisor (service and action last accessed). This file only
 * fetches; shaping is pure and lives in shape-iam.ts and core/iam.
 *
 * Every call goes through `GapRecorder.guard`: access denied and unsupported calls become
 * coverage gaps, and throttling or transient faults that outlived the SDK's adaptive retries
 * become `failed` gaps, so one stubborn call never ends the scan. Anything else fails loudly.
 */
import {
  type AccessKeyLastUsed,
  type AccessKeyMetadata,
  GenerateCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsResponse,
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  paginateListMFADevices,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '#connectors/aws/clients.ts';
import {
  mergeCredentialRows,
  rowsFromKeys,
  toAuthorizationDetailsPage,
  toServiceLastAccessed,
  type UserCredentials,
} from '#connectors/aws/iam/shape-iam.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import {
  ConnectorError,
  classifyError,
  describeError,
  errorName,
} from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import { paginate } from '#connectors/shared/paginate.ts';
import { addAuthorizationDetails } from '#core/iam/authz-details.ts';
import { isCredentialReport, parseCredentialReport } from '#core/iam/credential-report.ts';
import type {
  AccountInventory,
  CredentialReportRow,
  ServiceLastAccessed,
} from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** What `collectIam` needs from its runner. */
export interface CollectIamContext {
  /** The account being scanned: gaps and issues name it, and only its identities are queried. */
  accountId: string;
  gaps: GapRecorder;
  issues: InputIssue[];
  /** Current time in ms, for poll deadlines (injectable for tests). */
  now: () => number;
  /** Access Advisor depth: `action` (default) adds TrackedActionsLastAccessed; `off` skips it. */
  lastAccessed?: 'off' | 'service' | 'action';
  /** Per-principal calls in flight at once (default 4). */
  concurrency?: number;
  /** Wait between polls of an asynchronous IAM job (default 2 s). */
  pollIntervalMs?: number;
  /** Give up on one job after this long (default 2 min); the gap says so and the scan goes on. */
  pollTimeoutMs?: number;
}

/** Every entity type: users, roles, groups and both kinds of managed policy. */
const AUTHZ_FILTER = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

/**
 * GetCredentialReport errors that mean "no usable report now" (never generated, older than
 * 4 hours, still being built): the per-user fallback covers them.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html
 */
const REPORT_UNAVAILABLE = new Set([
  'ReportNotPresent',
  'ReportExpired',
  'ReportInProgress',
  'CredentialReportNotPresentException',
  'CredentialReportExpiredException',
  'CredentialReportNotReadyException',
]);

/** One account's scan state, passed to every step. */
interface Scan {
  iam: IAMClient;
  ctx: CollectIamContext;
  where: { account: string };
  concurrency: number;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Fills `inventory` with the IAM configuration of one account: identities, groups and managed
 * policies (GetAccountAuthorizationDetails), credential usage (the credential report, or
 * ListAccessKeys, GetAccessKeyLastUsed, GetLoginProfile and ListMFADevices per user when it is
 * unavailable) and Access Advisor data for every user and role that is not service-linked.
 *
 * Access Advisor jobs are generated and read through the same client, hence the same
 * credentials session: AWS lets only the session that generated a job read it.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html
 *
 * @param clients client factory; its IAM client is used for every call
 * @param ctx account, gap recorder, issue list, clock and limits
 * @param inventory the inventory to fill; elements already in it are never duplicated
 * @throws ConnectorError when a call fails in a way that is neither denied, unsupported,
 *   throttled nor transient (a malformed request, an unexpected service error)
 */
export async function collectIam(
  clients: AwsClients,
  ctx: CollectIamContext,
  inventory: AccountInventory,
): Promise<void> {
  const scan: Scan = {
    // One client for the whole account (see the Access Advisor note above).
    iam: clients.iam(),
    ctx,
    where: { account: ctx.accountId },
    concurrency: Math.max(1, ctx.concurrency ?? 4),
    intervalMs: Math.max(0, ctx.pollIntervalMs ?? 2_000),
    timeoutMs: Math.max(0, ctx.pollTimeoutMs ?? 120_000),
  };
  // Authorization details first: the later steps walk the users and roles it found.
  await collectAuthorizationDetails(scan, inventory);
  await collectCredentials(scan, inventory);
  const mode = ctx.lastAccessed ?? 'action';
  if (mode !== 'off') await collectLastAccessed(scan, inventory, mode);
}

/** Reads every page of GetAccountAuthorizationDetails into the inventory as it arrives. */
async function collectAuthorizationDetails(s: Scan, inventory: AccountInventory): Promise<void> {
  const file = `aws:${s.ctx.accountId}:iam:GetAccountAuthorizationDetails`;
  await call(s, 'iam:GetAccountAuthorizationDetails', async () => {
    // 1000 is the documented MaxItems ceiling: fewer round trips on a heavily throttled API.
    const pages = paginateGetAccountAuthorizationDetails(
      { client: s.iam, pageSize: 1000 },
      { Filter: [...AUTHZ_FILTER] },
    );
    // Pages already read stay in the inventory if a later page fails; the gap says so.
    for await (const page of pages) {
      addAuthorizationDetails(inventory, toAuthorizationDetailsPage(page), file, s.ctx.issues);
    }
  });
}

/** The credential report, or the per-user fallback when the report cannot be had. */
async function collectCredentials(s: Scan, inventory: AccountInventory): Promise<void> {
  const rows = (await readCredentialReport(s)) ?? (await readCredentialsPerUser(s, inventory));
  inventory.credentialReport = mergeCredentialRows(inventory.credentialReport, rows);
}

/**
 * Generates the credential report, waits for it and parses it. Returns undefined (with a gap
 * or an issue recorded) when there is no usable report.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateCredentialReport.html
 */
async function readCredentialReport(s: Scan): Promise<CredentialReportRow[] | undefined> {
  // GenerateCredentialReport is idempotent: it answers COMPLETE while a report under 4 hours
  // old exists, and STARTED or INPROGRESS while one is being built.
  const generated = await pollUntil(
    s,
    () =>
      call(s, 'iam:GenerateCredentialReport', () =>
        s.iam.send(new GenerateCredentialReportCommand({})),
      ),
    (r) => r.State === 'COMPLETE',
  );
  if (generated === undefined) return undefined;
  if (generated === 'timeout') {
    failed(s, 'iam:GenerateCredentialReport', `report not COMPLETE after ${s.timeoutMs} ms`);
    return undefined;
  }
  const report = await call(
    s,
    'iam:GetCredentialReport',
    () => s.iam.send(new GetCredentialReportCommand({})),
    { failedOn: (err) => REPORT_UNAVAILABLE.has(errorName(err)) },
  );
  if (!report) return undefined;
  const file = `aws:${s.ctx.accountId}:iam:GetCredentialReport`;
  // Content is a blob: the SDK has already decoded the base64 of the wire format.
  const text = report.Content ? new TextDecoder().decode(report.Content) : '';
  if (!isCredentialReport(text)) {
    s.ctx.issues.push({
      file,
      reason: 'invalid-credential-report',
      detail: `report is not the documented CSV (format ${report.ReportFormat ?? 'unknown'}); per-user calls used instead`,
    });
    return undefined;
  }
  return parseCredentialReport(text, file, s.ctx.issues);
}

/**
 * Builds credential-report rows from per-user calls. Slower than the report and without the
 * root user's row, but it needs only List/Get permissions on users.
 */
async function readCredentialsPerUser(
  s: Scan,
  inventory: AccountInventory,
): Promise<CredentialReportRow[]> {
  // ListUsers is the only source of PasswordLastUsed besides the report itself.
  const listed = await call(s, 'iam:ListUsers', async () => {
    const users: Omit<UserCredentials, 'keys'>[] = [];
    for await (const page of paginateListUsers({ client: s.iam }, {})) {
      for (const u of page.Users ?? []) {
        users.push({
          userName: u.UserName!,
          arn: u.Arn!,
          ...(u.CreateDate ? { createDate: u.CreateDate } : {}),
          ...(u.PasswordLastUsed ? { passwordLastUsed: u.PasswordLastUsed } : {}),
        });
      }
    }
    return users;
  });
  const users =
    listed ??
    inventory.users
      .filter((u) => u.accountId === s.ctx.accountId)
      .map((u) => ({
        userName: u.name,
        arn: u.arn,
        ...(u.createDate ? { createDate: u.createDate } : {}),
      }));
  const read = await mapLimit(users, s.concurrency, (u) => readUserCredentials(s, u));
  return rowsFromKeys(read.filter((u): u is UserCredentials => u !== undefined));
}

/** One user's keys (with last use), password and MFA; undefined when the user is gone. */
async function readUserCredentials(
  s: Scan,
  user: Omit<UserCredentials, 'keys'>,
): Promise<UserCredentials | undefined> {
  const UserName = user.userName;
  const metadata = await call(
    s,
    'iam:ListAccessKeys',
    async () => {
      const keys: AccessKeyMetadata[] = [];
      for await (const page of paginateListAccessKeys({ client: s.iam }, { UserName })) {
        keys.push(...(page.AccessKeyMetadata ?? []));
      }
      return keys;
    },
    // Deleted between listing and now: no row rather than a row of unknowns.
    { ifNotFound: () => null },
  );
  if (metadata === null) return undefined;
  const keys: UserCredentials['keys'] = [];
  for (const m of metadata ?? []) {
    const AccessKeyId = m.AccessKeyId;
    const lastUsed: AccessKeyLastUsed | undefined = AccessKeyId
      ? (
          await call(s, 'iam:GetAccessKeyLastUsed', () =>
            s.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId })),
          )
        )?.AccessKeyLastUsed
      : undefined;
    keys.push(lastUsed ? { metadata: m, lastUsed } : { metadata: m });
  }
  // NoSuchEntity is the documented answer for a user without a console password.
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetLoginProfile.html
  const hasLoginProfile = await call(
    s,
    'iam:GetLoginProfile',
    async () => {
      await s.iam.send(new GetLoginProfileCommand({ UserName }));
      return true;
    },
    { ifNotFound: () => false },
  );
  const mfaDevices = await call(
    s,
    'iam:ListMFADevices',
    async () => {
      let n = 0;
      for await (const page of paginateListMFADevices({ client: s.iam }, { UserName })) {
        n += page.MFADevices?.length ?? 0;
      }
      return n;
    },
    { ifNotFound: () => 0 },
  );
  const out: UserCredentials = { ...user, keys };
  if (hasLoginProfile !== undefined) out.hasLoginProfile = hasLoginProfile;
  if (mfaDevices !== undefined) out.mfaDevices = mfaDevices;
  return out;
}

/** Access Advisor for every user and non-service-linked role of the account. */
async function collectLastAccessed(
  s: Scan,
  inventory: AccountInventory,
  mode: 'service' | 'action',
): Promise<void> {
  const known = new Set(inventory.lastAccessed.map((l) => l.principalArn));
  // Service-linked roles are AWS's to manage: never rightsized, so not worth a job each.
  const principals = [
    ...inventory.users,
    ...inventory.roles.filter((r) => !r.serviceLinked),
  ].filter((p) => p.accountId === s.ctx.accountId && !known.has(p.arn));
  const results = await mapLimit(principals, s.concurrency, (p) =>
    readLastAccessed(s, p.arn, mode === 'action' ? 'ACTION_LEVEL' : 'SERVICE_LEVEL'),
  );
  for (const r of results) if (r) inventory.lastAccessed.push(r);
}

/**
 * Runs one Access Advisor job: generate, poll until it leaves IN_PROGRESS, read every page.
 * A denied, failed or timed-out job is a gap and returns undefined.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateServiceLastAccessedDetails.html
 */
async function readLastAccessed(
  s: Scan,
  arn: string,
  granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL',
): Promise<ServiceLastAccessed | undefined> {
  const GET = 'iam:GetServiceLastAccessedDetails';
  const job = await call(
    s,
    'iam:GenerateServiceLastAccessedDetails',
    () =>
      s.iam.send(
        new GenerateServiceLastAccessedDetailsCommand({ Arn: arn, Granularity: granularity }),
      ),
    // The principal was deleted since the inventory was read: nothing to report.
    { ifNotFound: () => undefined, subject: arn },
  );
  const JobId = job?.JobId;
  if (!JobId) return undefined;
  const first = await pollUntil(
    s,
    () =>
      call(s, GET, () => s.iam.send(new GetServiceLastAccessedDetailsCommand({ JobId })), {
        subject: arn,
      }),
    (r) => r.JobStatus !== 'IN_PROGRESS',
  );
  if (first === undefined) return undefined;
  if (first === 'timeout') {
    failed(s, GET, `${arn}: job ${JobId} still IN_PROGRESS after ${s.timeoutMs} ms`);
    return undefined;
  }
  if (first.JobStatus !== 'COMPLETED') {
    const why = first.Error ? `${first.Error.Code}: ${first.Error.Message}` : 'no error given';
    failed(s, GET, `${arn}: job ${JobId} ${first.JobStatus}: ${why}`);
    return undefined;
  }
  const pages: GetServiceLastAccessedDetailsResponse[] = [];
  const rest = paginate<GetServiceLastAccessedDetailsResponse | undefined>(
    async (Marker) =>
      Marker === undefined
        ? first
        : call(
            s,
            GET,
            () => s.iam.send(new GetServiceLastAccessedDetailsCommand({ JobId, Marker })),
            {
              subject: arn,
            },
          ),
    (p) => (p?.IsTruncated ? p.Marker : undefined),
  );
  for await (const page of rest) {
    // A missing page would make services look never used: drop the principal (the gap says why).
    if (!page) return undefined;
    pages.push(page);
  }
  return toServiceLastAccessed(arn, pages);
}

/**
 * Calls `step` until `done` holds or the poll timeout passes. Returns the last result,
 * `undefined` when a step gave up (its gap is recorded), or `'timeout'`.
 */
async function pollUntil<T>(
  s: Scan,
  step: () => Promise<T | undefined>,
  done: (r: T) => boolean,
): Promise<T | undefined | 'timeout'> {
  const deadline = s.ctx.now() + s.timeoutMs;
  for (;;) {
    const r = await step();
    if (r === undefined || done(r)) return r;
    if (s.ctx.now() >= deadline) return 'timeout';
    await new Promise((resolve) => setTimeout(resolve, s.intervalMs));
  }
}

/** Options of `call`. */
interface CallOptions<T> {
  /** Value for NoSuchEntity (not a gap: the entity is simply not there). */
  ifNotFound?: () => T | undefined;
  /** Other errors that mean "this piece is unavailable": a `failed` gap, not a crash. */
  failedOn?: (err: unknown) => boolean;
  /** What the call was about (a principal ARN), for `failed` gap details. */
  subject?: string;
}

/**
 * One IAM call through the gap recorder. Returns undefined when the call became a gap:
 * denied or unsupported (recorded by `guard`), or throttled/transient after the SDK's adaptive
 * retries gave up (recorded here as `failed`, so the rest of the scan still runs).
 */
async function call<T>(
  s: Scan,
  api: string,
  fn: () => Promise<T>,
  opts: CallOptions<T> = {},
): Promise<T | undefined> {
  try {
    return await s.ctx.gaps.guard(
      api,
      s.where,
      async () => {
        try {
          return await fn();
        } catch (err) {
          if (opts.ifNotFound && classifyError(err) === 'not-found') return opts.ifNotFound();
          throw err;
        }
      },
      opts.subject,
    );
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    const kind = classifyError(err.cause);
    if (kind === 'throttled' || kind === 'transient' || opts.failedOn?.(err.cause)) {
      const prefix = opts.subject ? `${opts.subject}: ` : '';
      failed(s, api, `${prefix}${describeError(err.cause)}`);
      return undefined;
    }
    throw err;
  }
}

/** Records a `failed` gap: the call was allowed but gave no usable answer. */
function failed(s: Scan, api: string, detail: string): void {
  s.ctx.gaps.add({ provider: 'aws', api, ...s.where, reason: 'failed', detail });
}
