/**
 * A live AWS scan as a GrantSource and UsageSource: the same engine as the offline scan, fed
 * straight from the APIs of one account or a whole organization. Inventory comes from IAM,
 * Lambda, Bedrock and CloudTrail's trail descriptions; usage from the trails' S3 log files where
 * a logging trail covers an account, and from LookupEvents (Event history, 90 days of
 * management events) where none does. Every denied or unavailable call is a coverage gap; one
 * account failing never stops the others.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { LookupEventsSource } from '#connectors/aws/cloudtrail/lookup-source.ts';
import { TrailObjectsSource } from '#connectors/aws/cloudtrail/trail-source.ts';
import {
  assumeInto,
  forEachAccount,
  listMemberAccounts,
} from '#connectors/aws/organizations/collect-org.ts';
import { partitionOf } from '#connectors/aws/regions.ts';
import { collectAccountInventory, deliversUsage } from '#connectors/aws/steps/account-inventory.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError, describeError } from '#connectors/shared/errors.ts';
import { type AccountInventory, emptyInventory, type TrailInfo } from '#core/iam/inventory.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { GrantSource } from '#core/ports/grant-source.ts';
import type { ProgressReporter } from '#core/ports/progress.ts';
import type { UsageBatch, UsageSource } from '#core/ports/usage-source.ts';

/** Options of a live scan. */
export interface LiveScanOptions {
  /** Window, epoch ms. */
  from: number;
  to: number;
  /** Regions to scan instead of the account's enabled regions. */
  regions?: string[];
  /** Scan every member account of the organization through this role. */
  org?: { roleName: string; externalId?: string; concurrency?: number };
  /** Where usage comes from: trails where they cover an account, else Event history (`auto`). */
  usage?: 'auto' | 'trail' | 'lookup';
  lastAccessed?: 'off' | 'service' | 'action';
  /** Event history retry settings (tests and benchmarks shorten them). */
  lookup?: { maxRetries?: number; sleep?: (ms: number) => Promise<void> };
  onProgress?: ProgressReporter;
  /** Writes one line per step, for a person watching (stderr in the CLI). */
  log?: (line: string) => void;
  now?: () => number;
}

/** Adds one account's IAM inventory to the scan's. */
function mergeInventory(into: AccountInventory, from: AccountInventory): void {
  into.users.push(...from.users);
  into.roles.push(...from.roles);
  into.groups.push(...from.groups);
  for (const [arn, p] of from.policies) if (!into.policies.has(arn)) into.policies.set(arn, p);
  into.credentialReport.push(...from.credentialReport);
  into.lastAccessed.push(...from.lastAccessed);
  for (const id of from.accountIds) if (!into.accountIds.includes(id)) into.accountIds.push(id);
}

/** One account being scanned. */
interface ScannedAccount {
  id: string;
  clients: AwsClients;
  regions: string[];
}

/** The live AWS source of a scan. */
export class AwsLiveSource implements GrantSource, UsageSource {
  readonly gaps = new GapRecorder();
  private accounts: ScannedAccount[] = [];
  private trails: { trail: TrailInfo; owner: ScannedAccount }[] = [];

  constructor(
    private readonly clients: AwsClients,
    private readonly options: LiveScanOptions,
  ) {}

  /** Account ids scanned (after loadInventory). */
  get accountIds(): string[] {
    return this.accounts.map((a) => a.id);
  }

  /** Identifies the caller, then inventories every account to scan. */
  async loadInventory(issues: InputIssue[]): Promise<AccountInventory> {
    const log = this.options.log ?? (() => {});
    const now = this.options.now ?? Date.now;
    const self = await this.callerAccount();
    const targets: { id: string; clients: AwsClients }[] = [{ id: self, clients: this.clients }];
    if (this.options.org) {
      const members = (await listMemberAccounts(this.clients, this.gaps)).filter(
        (m) => m.id !== self,
      );
      log(
        `Organization: ${members.length} member accounts besides ${self}; assuming ${this.options.org.roleName} in each`,
      );
      const org = this.options.org;
      const assumed = await forEachAccount(
        members,
        (m) =>
          assumeInto(this.clients, {
            accountId: m.id,
            roleName: org.roleName,
            ...(org.externalId ? { externalId: org.externalId } : {}),
            sessionName: 'leash-scan',
            partition: partitionOf(this.clients.options.homeRegion ?? 'us-east-1'),
          }),
        { concurrency: org.concurrency ?? 4, gaps: this.gaps },
      );
      for (const r of assumed) if (r.ok) targets.push({ id: r.accountId, clients: r.value });
    }
    const inventory = emptyInventory();
    const results = await forEachAccount(
      targets,
      async (t) => {
        // Each account fills its own inventory, merged only once its IAM part is complete: an
        // account whose identities are in the inventory must also have its usage read, or every
        // one of them would look unused.
        const { regions, inventory: own } = await collectAccountInventory(t.clients, {
          accountId: t.id,
          gaps: this.gaps,
          issues,
          now,
          lastAccessed: this.options.lastAccessed ?? 'action',
          log,
          ...(this.options.regions ? { regions: this.options.regions } : {}),
        });
        mergeInventory(inventory, own);
        inventory.functions.push(...own.functions);
        inventory.agents.push(...own.agents);
        const scanned: ScannedAccount = { id: t.id, clients: t.clients, regions };
        for (const trail of own.trails)
          if (!this.trails.some((x) => x.trail.arn === trail.arn))
            this.trails.push({ trail, owner: scanned });
        return scanned;
      },
      { concurrency: this.options.org?.concurrency ?? 4, gaps: this.gaps },
    );
    this.accounts = results.flatMap((r) => (r.ok ? [r.value] : []));
    for (const id of this.accounts.map((a) => a.id))
      if (!inventory.accountIds.includes(id)) inventory.accountIds.push(id);
    inventory.trails.push(...this.trails.map((t) => t.trail));
    return inventory;
  }

  /** Streams usage: trail log files where a logging trail covers an account, else Event history. */
  async *batches(issues: InputIssue[]): AsyncIterable<UsageBatch> {
    const { from, to } = this.options;
    const mode = this.options.usage ?? 'auto';
    const covered = new Set<string>();
    if (mode !== 'lookup') {
      for (const { trail, owner } of this.trails) {
        if (!deliversUsage(trail)) continue;
        // An organization trail holds every scanned account's files; a plain one only its own.
        const accounts = trail.isOrganizationTrail ? this.accountIds : [owner.id];
        const regions = trail.isMultiRegionTrail
          ? [...new Set(this.accounts.flatMap((a) => a.regions))]
          : [trail.homeRegion];
        const gapsBefore = this.gaps.gaps.length;
        const source = new TrailObjectsSource(owner.clients, {
          trail,
          accounts,
          regions,
          from,
          to,
          gaps: this.gaps,
          ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}),
        });
        yield* source.batches(issues);
        // A trail whose bucket could not be read covers nothing: Event history steps in.
        if (
          this.gaps.gaps.length === gapsBefore ||
          !this.gaps.gaps
            .slice(gapsBefore)
            .some((g) => g.api.startsWith('s3:') && g.reason === 'access-denied')
        ) {
          for (const a of accounts) covered.add(a);
        }
      }
    }
    if (mode === 'trail') return;
    for (const account of this.accounts) {
      if (covered.has(account.id)) continue;
      (this.options.log ?? (() => {}))(
        `Account ${account.id}: no readable trail covers it; reading Event history (LookupEvents, 2 requests per second per region)`,
      );
      const source = new LookupEventsSource(account.clients, {
        accountId: account.id,
        regions: account.regions,
        from,
        to,
        gaps: this.gaps,
        ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}),
      });
      yield* source.batches(issues);
    }
  }

  private async callerAccount(): Promise<string> {
    try {
      const out = await this.clients.sts().send(new GetCallerIdentityCommand({}));
      if (!out.Account) throw new Error('GetCallerIdentity returned no account');
      return out.Account;
    } catch (err) {
      throw new ConnectorError(
        `could not identify the AWS credentials (${describeError(err)}). Configure credentials the usual way (environment, --profile, SSO login, instance role) or pass --role-arn.`,
        'sts:GetCallerIdentity',
        { cause: err },
      );
    }
  }
}
