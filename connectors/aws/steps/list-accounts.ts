/**
 * The `start-scan` step of a scan run: fixes the run's id and window, lists the accounts to scan
 * and, in organization mode, finds the organization trails every member's usage may come from.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { describeTrails } from '#connectors/aws/cloudtrail/trails.ts';
import { listMemberAccounts } from '#connectors/aws/organizations/collect-org.ts';
import { enabledRegions } from '#connectors/aws/regions.ts';
import { deliversUsage } from '#connectors/aws/steps/account-inventory.ts';
import { locateTrail, type StepDeps } from '#connectors/aws/steps/collect-account.ts';
import type { LocatedTrail } from '#connectors/aws/steps/plan.ts';
import { writeAccounts, writeOrgTrails } from '#connectors/aws/steps/work-files.ts';
import { SILENT_LOG } from '#connectors/scan-run/run-log.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, describeError } from '#connectors/shared/errors.ts';
import type {
  AccountItem,
  RunWindow,
  S3Location,
  StartScanInput,
} from '#functions/shared/contract.ts';

const DAY_MS = 86_400_000;

/**
 * The run's id and window: the execution name is the id (a redriven execution keeps it), the
 * window ends at the input's `asOf` or else at the execution's start.
 */
export function runWindow(input: StartScanInput, defaultLookbackDays: number): RunWindow {
  const asOf = input.input.asOf ?? input.startTime;
  const to = Date.parse(asOf);
  const lookback = input.input.lookbackDays ?? defaultLookbackDays;
  return {
    runId: input.executionName,
    asOf: new Date(to).toISOString(),
    from: to - lookback * DAY_MS,
    to,
  };
}

/** Settings of {@link listScanAccounts}. */
export interface ListScanAccountsOptions {
  mode: 'account' | 'organization';
  /** The account to list the organization from (default: the caller's). */
  managementAccount?: string;
  /** Regions to look for organization trails in instead of the enabled ones. */
  regions?: string[];
}

/** What {@link listScanAccounts} wrote. */
export interface ScanAccounts {
  accounts: S3Location;
  accountCount: number;
}

/**
 * Lists the accounts to scan and writes `accounts.json`: the caller's account (account mode), or
 * every ACTIVE account of the organization, listed through the management account's scanner
 * role. In organization mode it also writes the organization trails of the management account,
 * located, to `org-trails.json`.
 * @throws ConnectorError when the organization's accounts cannot be listed: a run that would
 *   scan nothing fails at once, with the reason
 */
export async function listScanAccounts(
  run: RunWindow,
  deps: StepDeps & { own: AwsClients },
  options: ListScanAccountsOptions,
): Promise<ScanAccounts> {
  const log = deps.log ?? SILENT_LOG;
  const self = await callerAccount(deps.own);
  let items: AccountItem[];
  if (options.mode === 'account') {
    items = [{ ...run, accountId: self }];
  } else {
    const management = options.managementAccount ?? self;
    const clients = await deps.scanner(management);
    const gaps = new GapRecorder();
    const members = await listMemberAccounts(clients, gaps);
    if (members.length === 0) {
      throw new ConnectorError(
        `cannot list the accounts of the organization from ${management}: ${
          gaps.gaps.map((g) => g.detail).join('; ') || 'ListAccounts returned no ACTIVE account'
        }`,
        'organizations:ListAccounts',
      );
    }
    items = members
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((m) => ({ ...run, accountId: m.id, name: m.name }));
    const trailGaps = new GapRecorder();
    const trails = await organizationTrails(clients, management, options.regions, trailGaps);
    await writeOrgTrails(deps.work, run.runId, { trails, gaps: trailGaps.gaps });
    log.info('organization listed', { management, accounts: items.length, trails: trails.length });
  }
  const accounts = await writeAccounts(deps.work, run.runId, items);
  return { accounts, accountCount: items.length };
}

/**
 * The organization trails of the management account that deliver usage, with their buckets
 * located. Only the gaps of locating a bucket go to `gaps` (naming the management account; the
 * run's analysis reports them): the management account's `collect-account` meets the others
 * again itself.
 */
async function organizationTrails(
  clients: AwsClients,
  management: string,
  override: string[] | undefined,
  gaps: GapRecorder,
): Promise<LocatedTrail[]> {
  const seen = new GapRecorder();
  const regions = await enabledRegions(clients, {
    accountId: management,
    gaps: seen,
    ...(override ? { override } : {}),
  });
  const trails = await describeTrails(clients, { accountId: management, regions, gaps: seen });
  const located: LocatedTrail[] = [];
  for (const trail of trails) {
    if (!trail.isOrganizationTrail || !deliversUsage(trail)) continue;
    const own = new GapRecorder();
    const l = await locateTrail(clients, trail, own);
    for (const g of own.gaps) gaps.add({ ...g, account: g.account ?? management });
    if (l) located.push(l);
  }
  return located;
}

async function callerAccount(clients: AwsClients): Promise<string> {
  try {
    const out = await clients.sts().send(new GetCallerIdentityCommand({}));
    if (!out.Account) throw new Error('GetCallerIdentity returned no account');
    return out.Account;
  } catch (err) {
    throw new ConnectorError(
      `could not identify the function's account: ${describeError(err)}`,
      'sts:GetCallerIdentity',
      { cause: err },
    );
  }
}
