/**
 * The contract between the scan state machine (cdk/constructs/scan-state-machine.ts) and the
 * Lambda handlers it calls: each step's input and output, the names of the environment
 * variables, and where intermediate data lives in the Leash bucket. Step Functions passes at most
 * 256 KiB between states, so anything that grows with an account (inventories, usage, object
 * lists) travels through S3 and only its location and counts travel through the state machine.
 *
 * The scan, step by step:
 * 1. `start-scan`: fixes the run id and the window, lists the accounts to scan and writes them as
 *    a JSON array of {@link AccountItem} to `work/runs/<runId>/accounts.json`.
 * 2. A Distributed Map over that file (concurrency from settings), per account:
 *    a. `collect-account`: inventory through the account's `leash-scanner` role, written to
 *       `work/runs/<runId>/inventory/<accountId>.json`; plans usage: the trail log folders of the
 *       window as a JSON array of {@link TrailPrefixItem} in
 *       `work/runs/<runId>/prefixes/<accountId>.json`.
 *    b. Choice on `usage`: `trail` with more than {@link INLINE_PREFIX_LIMIT} folders runs a
 *       Distributed Map of `read-trail-objects` over the folder file in batches; fewer run one
 *       `read-trail-objects` over the whole file; `lookup` runs `read-event-history`; `none`
 *       (no usage source at all) goes on: the analysis marks that account's actions unobservable.
 * 3. Choice on `entra`: `collect-entra` reads the tenant with the credential in Secrets Manager.
 * 4. `analyze-scan`: merges the run's inventories, the usage snapshots of the window and the
 *    tenant into one findings document (the same engine as `leash scan`), writes it to
 *    `findings/<yyyy-mm-dd>/<runId>/findings.json`, and records it in the table.
 * 5. `publish-events`: `Scan Completed`, and `Finding Created` for each new high or critical
 *    finding of the run, on the Leash event bus.
 *
 * `send-weekly-report` runs on its own schedule, outside the state machine.
 */
import { z } from 'zod';

/** Environment variables the handlers read (set by the CDK stack). */
export const ENV = {
  /** DynamoDB single table. */
  table: 'LEASH_TABLE_NAME',
  /** The Leash bucket: reports, findings and work files. */
  bucket: 'LEASH_BUCKET',
  eventBus: 'LEASH_EVENT_BUS_NAME',
  topic: 'LEASH_TOPIC_ARN',
  /** ARN of the Secrets Manager secret holding the Entra credential; unset when Entra is off. */
  entraSecret: 'LEASH_ENTRA_SECRET_ARN',
  /**
   * ARN of the Secrets Manager secret holding the credential Entra containment acts with (an app
   * registration with write permissions, separate from the scanner's); set on apply-containment
   * only, when Entra is on.
   */
  entraContainmentSecret: 'LEASH_ENTRA_CONTAINMENT_SECRET_ARN',
  /** `account` (the Leash account only) or `organization`. */
  mode: 'LEASH_MODE',
  /** Organization mode: the management (or delegated administrator) account to list from. */
  managementAccount: 'LEASH_MANAGEMENT_ACCOUNT_ID',
  /** Name of the read-only role in every scanned account (member stack), path included. */
  scannerRoleName: 'LEASH_SCANNER_ROLE_NAME',
  lookbackDays: 'LEASH_LOOKBACK_DAYS',
  /** Comma-separated regions to scan instead of each account's enabled regions. */
  regions: 'LEASH_REGIONS',
  /** `auto` (trail files where a trail covers the account, else Event history), `trail`, `lookup`. */
  usage: 'LEASH_USAGE',
  /** The containment audit table (append-only: the functions hold no update or delete on it). */
  auditTable: 'LEASH_AUDIT_TABLE_NAME',
  /** Directory of the Cedar containment policies (`*.cedar` + `leash.cedarschema`). */
  policyDir: 'LEASH_POLICY_DIR',
  /** Comma-separated name patterns (`*` wildcard) of identities containment never touches. */
  protectedNames: 'LEASH_PROTECTED_NAME_PATTERNS',
  /** Minutes an approval request waits before it expires. */
  approvalTtlMinutes: 'LEASH_APPROVAL_TTL_MINUTES',
  /** ARN of the Secrets Manager secret holding the Slack incoming-webhook URL; unset: no Slack. */
  slackSecret: 'LEASH_SLACK_SECRET_ARN',
  /** Name of the containment role in every account (member stack), path included. */
  containmentRoleName: 'LEASH_CONTAINMENT_ROLE_NAME',
  /** The approval endpoint (answer-approval's function URL), named in notifications. */
  approvalUrl: 'LEASH_APPROVAL_URL',
} as const;

/** Default name of the scanner role (`path/name` as in an ARN's resource part). */
export const DEFAULT_SCANNER_ROLE = 'leash/leash-scanner';
/** Default name of the containment role in every account. */
export const DEFAULT_CONTAINMENT_ROLE = 'leash/leash-containment';

/** S3 key prefixes in the Leash bucket. */
export const KEYS = {
  /** Per-run work files; the bucket's lifecycle expires them after 14 days. */
  runs: 'work/runs/',
  /**
   * Day snapshots of usage, `work/usage/<accountId>/<yyyy-mm-dd>/<region>.json.gz`, reused by
   * later scans while the folder they came from is unchanged; expired after the lookback.
   */
  usage: 'work/usage/',
  findings: 'findings/',
  reports: 'reports/',
} as const;

/** A folder count above which usage is read by a Distributed Map rather than one invocation. */
export const INLINE_PREFIX_LIMIT = 48;

/** An S3 object. */
export const S3Location = z.object({ bucket: z.string().min(1), key: z.string().min(1) });
export type S3Location = z.infer<typeof S3Location>;

const isoTime = z.iso.datetime();

/** What the state machine passes to `start-scan`. */
export const StartScanInput = z.object({
  /** The execution name: becomes the run id, so a redriven execution is the same run. */
  executionName: z.string().min(1),
  /** The execution input (from the schedule, or by hand). */
  input: z
    .object({
      /** End of the window; default: the start time of the execution. */
      asOf: isoTime.optional(),
      lookbackDays: z.number().int().min(1).max(400).optional(),
    })
    .loose()
    .default({}),
  /** The execution's start time, ISO. */
  startTime: isoTime,
});
export type StartScanInput = z.infer<typeof StartScanInput>;

/** The window of a run, in epoch ms, with its id. */
export const RunWindow = z.object({
  runId: z.string().min(1),
  asOf: isoTime,
  from: z.number().int(),
  to: z.number().int(),
});
export type RunWindow = z.infer<typeof RunWindow>;

export const StartScanOutput = RunWindow.extend({
  accounts: S3Location,
  accountCount: z.number().int().min(0),
  entra: z.boolean(),
});
export type StartScanOutput = z.infer<typeof StartScanOutput>;

/** One element of `accounts.json`: self-contained, so a Distributed Map child needs nothing else. */
export const AccountItem = RunWindow.extend({
  accountId: z.string().regex(/^\d{12}$/),
  name: z.string().optional(),
});
export type AccountItem = z.infer<typeof AccountItem>;

export const CollectAccountOutput = z.object({
  runId: z.string(),
  accountId: z.string(),
  /** `none` when the account could not be inventoried or has no usage source. */
  usage: z.enum(['trail', 'lookup', 'none']),
  /** The folder file (`trail` only). */
  prefixes: S3Location.nullable(),
  prefixCount: z.number().int().min(0),
  identities: z.number().int().min(0),
  gaps: z.number().int().min(0),
});
export type CollectAccountOutput = z.infer<typeof CollectAccountOutput>;

/** One CloudTrail log folder: an account's files of one region and one delivery day. */
export const TrailPrefixItem = z.object({
  runId: z.string(),
  /** The account whose records the folder holds. */
  accountId: z.string(),
  /** The account whose scanner role reads the trail bucket (the trail's owner). */
  readerAccountId: z.string(),
  bucket: z.string(),
  /** Region of the bucket, when known. */
  bucketRegion: z.string().optional(),
  region: z.string(),
  /** Delivery day, `yyyy-mm-dd`. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** `.../CloudTrail/<region>/<yyyy>/<mm>/<dd>/`. */
  prefix: z.string(),
});
export type TrailPrefixItem = z.infer<typeof TrailPrefixItem>;

/**
 * Input of `read-trail-objects`: a batch from the Distributed Map's ItemBatcher (`Items`), or the
 * whole folder file when the volume is small.
 */
export const ReadTrailObjectsInput = z.union([
  z.object({ Items: z.array(TrailPrefixItem).min(1) }),
  z.object({ manifest: S3Location }),
]);
export type ReadTrailObjectsInput = z.infer<typeof ReadTrailObjectsInput>;

export const ReadTrailObjectsOutput = z.object({
  prefixes: z.number().int(),
  /** Folders whose day snapshot was still current and was not read again. */
  reused: z.number().int(),
  objects: z.number().int(),
  records: z.number().int(),
});
export type ReadTrailObjectsOutput = z.infer<typeof ReadTrailObjectsOutput>;

export const ReadEventHistoryInput = RunWindow.extend({ accountId: z.string() });
export type ReadEventHistoryInput = z.infer<typeof ReadEventHistoryInput>;

export const CollectEntraInput = RunWindow;
export const AnalyzeScanInput = RunWindow;

export const AnalyzeScanOutput = z.object({
  runId: z.string(),
  findings: S3Location,
  identities: z.number().int(),
  open: z.number().int(),
  new: z.number().int(),
  resolved: z.number().int(),
  gaps: z.number().int(),
});
export type AnalyzeScanOutput = z.infer<typeof AnalyzeScanOutput>;

export const PublishEventsInput = AnalyzeScanOutput;

/** `source` of every event Leash puts on its bus. */
export const EVENT_SOURCE = 'leash';
/** `detail-type`s Leash puts. */
export const DETAIL_TYPES = {
  scanCompleted: 'Scan Completed',
  findingCreated: 'Finding Created',
  /** Put by any tool (source of its own) to ask for a containment: core/containment/request.ts. */
  containmentRequested: 'Containment Requested',
} as const;

/*
 * The containment state machine (cdk/constructs/containment-state-machine.ts):
 *
 * Decide (decide-containment, the EventBridge event in) ─▶ Route?
 *   applying          ─▶ Apply (apply-containment) ─▶ Contained
 *   awaiting-approval ─▶ WaitForApproval (wait-for-approval, .waitForTaskToken, timeout = expiry)
 *                          ─▶ Answered? approved ─▶ ApplyApproved (apply-containment) ─▶ Contained
 *                                       otherwise ─▶ NotContained
 *                          timeout ─▶ ExpireApproval (expire-approvals) ─▶ NotContained
 *   otherwise (refused, forbidden, nothing to contain, already handled) ─▶ NotContained
 * A malformed event makes Decide fail with MalformedContainmentRequestError before any API call:
 * the event goes, with the error, to the containment dead-letter queue.
 */

/** What `decide-containment` returns: where the request stands after policy decided. */
export const DecideContainmentOutput = z.object({
  /** Null when the event calls for no containment (a finding with no default kind). */
  requestId: z.string().nullable(),
  /**
   * `applying` (auto: apply next), `awaiting-approval` (wait for a person), `ignored` (nothing to
   * contain), or a settled status of core/containment/chain.ts (refused, forbidden, applied...).
   */
  status: z.string(),
  decision: z.enum(['auto', 'approval', 'forbidden']).nullable(),
  /** True when the request was already recorded (a redelivered event). */
  replayed: z.boolean(),
});
export type DecideContainmentOutput = z.infer<typeof DecideContainmentOutput>;

/** Input of `wait-for-approval` (a `.waitForTaskToken` task). */
export const WaitForApprovalInput = z.object({
  requestId: z.string().min(1),
  /** `$$.Task.Token`: stored with the approval request; the answer resumes the execution. */
  taskToken: z.string().min(1),
});
export type WaitForApprovalInput = z.infer<typeof WaitForApprovalInput>;

/** What an answer sends back through the task token (SendTaskSuccess output). */
export const ApprovalAnswer = z.object({
  requestId: z.string().min(1),
  status: z.enum(['approved', 'denied', 'expired']),
  by: z.string().nullable(),
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswer>;

/** Input of `apply-containment`. */
export const ApplyContainmentInput = z.object({
  requestId: z.string().min(1),
  /** True after an approval (applyApproved); false for an automatic decision (contain resumes). */
  approved: z.boolean().default(false),
});
export type ApplyContainmentInput = z.infer<typeof ApplyContainmentInput>;

/** Input of `expire-approvals`: the schedule's (empty) or the state machine's after a timeout. */
export const ExpireApprovalsInput = z.object({ requestId: z.string().min(1).optional() }).loose();
export type ExpireApprovalsInput = z.infer<typeof ExpireApprovalsInput>;

/** Body of a POST to the approval endpoint (`answer-approval`'s function URL). */
export const AnswerApprovalBody = z.object({
  requestId: z.string().min(1),
  decision: z.enum(['approve', 'deny']),
  reason: z.string().max(1000).optional(),
});
export type AnswerApprovalBody = z.infer<typeof AnswerApprovalBody>;

/** Error name of a malformed containment event (the state machine catches it by name). */
export const MALFORMED_EVENT_ERROR = 'MalformedContainmentRequestError';
/** Error name of a request whose identity another request holds (retried with backoff). */
export const IDENTITY_BUSY_ERROR = 'IdentityBusyError';
