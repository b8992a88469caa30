/**
 * The deployment settings of Leash, read from CDK context in this one place and checked with zod.
 * Defaults live in cdk.json (where `cdk deploy` users see and edit them) and, identically, in
 * {@link SETTINGS_DEFAULTS} (so a bare `new App()` in a test gets the same values); a test keeps
 * the two equal. Override one with `npx cdk deploy -c leash:mode=organization`, or in cdk.json.
 */
import type { Node } from 'constructs';
import { z } from 'zod';

/** Context keys and their defaults, as written in cdk.json. */
export const SETTINGS_DEFAULTS = {
  /** `account`: scan the Leash account only; `organization`: every account of the organization. */
  'leash:mode': 'account',
  /** Organization mode: the management or delegated administrator account that lists accounts. */
  'leash:managementAccountId': '',
  /** Scan the Microsoft Entra tenant whose credential is put into the Entra secret. */
  'leash:entra': false,
  /** EventBridge Scheduler expression of the daily scan. */
  'leash:scanSchedule': 'cron(0 3 * * ? *)',
  /** EventBridge Scheduler expression of the weekly report. */
  'leash:reportSchedule': 'cron(0 7 ? * MON *)',
  /** IANA time zone of both schedules. */
  'leash:scheduleTimezone': 'UTC',
  /** Days of usage a scan analyses. */
  'leash:lookbackDays': 90,
  /** Comma-separated email addresses subscribed to the notification topic. */
  'leash:notificationEmails': '',
  /** Accounts collected at the same time by the scan's Distributed Map. */
  'leash:accountConcurrency': 10,
  /** Comma-separated regions to scan; empty: every region enabled in each account. */
  'leash:regions': '',
  /** Days the Leash event bus archives its events; 0: no archive. */
  'leash:eventArchiveDays': 0,
  /** Minutes a containment approval request waits for an answer before it expires. */
  'leash:approvalTtlMinutes': 1440,
  /** Comma-separated name patterns (`*` wildcard) containment never touches, besides break-glass. */
  'leash:protectedNamePatterns': '',
  /** ARN of a Secrets Manager secret holding a Slack incoming-webhook URL; empty: no Slack. */
  'leash:slackWebhookSecretArn': '',
} as const;

/** The highest lookback a scan accepts (functions/shared/config.ts checks the same bound). */
const MAX_LOOKBACK_DAYS = 400;

/** `true`/`false` from cdk.json, or the strings `-c key=true` passes on the command line. */
const flag = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);

/** A whole number from cdk.json, or its decimal string from the command line. */
const integer = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
    z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );

/** A comma-separated string (command line) or an array of strings (cdk.json): trimmed, no blanks. */
const list = (item: z.ZodType<string, string>) =>
  z.preprocess(
    (v) =>
      typeof v === 'string' || Array.isArray(v)
        ? (typeof v === 'string' ? v.split(',') : v)
            .map((s) => (typeof s === 'string' ? s.trim() : s))
            .filter((s) => s !== '')
        : v,
    z.array(item, { error: 'must be a comma-separated list' }),
  );

/**
 * An EventBridge Scheduler cron (six fields) or rate expression. Scheduler checks the fields
 * themselves at deploy time; this catches a missing wrapper or a five-field Unix cron at synth.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
const scheduleExpression = z
  .string({ error: 'must be a string' })
  .regex(
    /^(cron\(\S+( \S+){5}\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/,
    'must be cron(<6 fields>) or rate(<n> <unit>), e.g. cron(0 3 * * ? *)',
  );

const timeZone = z.string({ error: 'must be a string' }).refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone, e.g. UTC or Europe/Berlin' },
);

const accountId = z
  .string({ error: 'must be a string' })
  .regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

const SettingsSchema = z
  .object({
    'leash:mode': z.enum(['account', 'organization'], {
      error: 'must be account or organization',
    }),
    'leash:managementAccountId': z.union([z.literal(''), accountId]),
    'leash:entra': flag,
    'leash:scanSchedule': scheduleExpression,
    'leash:reportSchedule': scheduleExpression,
    'leash:scheduleTimezone': timeZone,
    'leash:lookbackDays': integer(1, MAX_LOOKBACK_DAYS),
    'leash:notificationEmails': list(z.email('must be a list of email addresses')),
    'leash:accountConcurrency': integer(1, 1000),
    'leash:regions': list(
      z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a list of region codes, e.g. eu-west-1'),
    ),
    'leash:eventArchiveDays': integer(0, 3650),
    'leash:approvalTtlMinutes': integer(5, 7 * 24 * 60),
    'leash:protectedNamePatterns': list(
      z.string().regex(/^[\w*+=,.@/-]+$/, 'must be a list of name patterns, e.g. *break-glass*'),
    ),
    'leash:slackWebhookSecretArn': z.union([
      z.literal(''),
      z
        .string()
        .regex(
          /^arn:[\w-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
          'must be the complete ARN of a Secrets Manager secret (with its 6-character suffix)',
        ),
    ]),
  })
  .refine((s) => s['leash:mode'] === 'account' || s['leash:managementAccountId'] !== '', {
    message:
      'is required when leash:mode is organization: the management or delegated administrator ' +
      'account whose scanner role lists the accounts',
    path: ['leash:managementAccountId'],
  });

/** The checked settings of one deployment. */
export interface LeashSettings {
  readonly mode: 'account' | 'organization';
  /** Undefined in account mode. */
  readonly managementAccountId?: string;
  readonly entra: boolean;
  readonly scanSchedule: string;
  readonly reportSchedule: string;
  readonly scheduleTimezone: string;
  readonly lookbackDays: number;
  readonly notificationEmails: readonly string[];
  readonly accountConcurrency: number;
  /** Empty: every enabled region of each account. */
  readonly regions: readonly string[];
  readonly eventArchiveDays: number;
  readonly approvalTtlMinutes: number;
  /** Besides the built-in break-glass and Leash patterns. */
  readonly protectedNamePatterns: readonly string[];
  /** Undefined: no Slack. */
  readonly slackWebhookSecretArn?: string;
}

/** Raised when a context value is missing its form or out of range; names every bad key. */
export class LeashSettingsError extends Error {
  /**
   * @param problems one `key: reason (got value)` line per bad setting
   */
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid Leash settings (CDK context; set them in cdk.json or with -c key=value):\n  ${problems.join('\n  ')}`,
    );
    this.name = 'LeashSettingsError';
  }
}

/**
 * Reads and checks the Leash settings from the construct tree's context.
 * @param node any construct's node, usually the stack's
 * @returns the settings, each defaulted from {@link SETTINGS_DEFAULTS} when unset
 * @throws LeashSettingsError naming every invalid key, its value and what was expected
 */
export function readLeashSettings(node: Node): LeashSettings {
  const raw: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(SETTINGS_DEFAULTS)) {
    raw[key] = node.tryGetContext(key) ?? fallback;
  }
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LeashSettingsError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        return `${key}: ${issue.message} (got ${JSON.stringify(raw[key])})`;
      }),
    );
  }
  const s = parsed.data;
  return {
    mode: s['leash:mode'],
    ...(s['leash:managementAccountId']
      ? { managementAccountId: s['leash:managementAccountId'] }
      : {}),
    entra: s['leash:entra'],
    scanSchedule: s['leash:scanSchedule'],
    reportSchedule: s['leash:reportSchedule'],
    scheduleTimezone: s['leash:scheduleTimezone'],
    lookbackDays: s['leash:lookbackDays'],
    notificationEmails: s['leash:notificationEmails'],
    accountConcurrency: s['leash:accountConcurrency'],
    regions: s['leash:regions'],
    eventArchiveDays: s['leash:eventArchiveDays'],
    approvalTtlMinutes: s['leash:approvalTtlMinutes'],
    protectedNamePatterns: s['leash:protectedNamePatterns'],
    ...(s['leash:slackWebhookSecretArn']
      ? { slackWebhookSecretArn: s['leash:slackWebhookSecretArn'] }
      : {}),
  };
}
