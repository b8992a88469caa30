/**
 * The weekly report use case (`send-weekly-report`, Monday 07:00 UTC by default): takes the
 * newest findings document in the Leash bucket and what the store remembers (scans, finding and
 * inventory history, containment audit log, pending approvals), builds the report with the same
 * renderer as `leash report`, writes it as HTML, Markdown, CSV and JSON under
 * `reports/<yyyy-mm-dd>/`, and sends subscribers a short headline with a presigned link to the
 * HTML through SNS, and to Slack when an incoming webhook is configured.
 *
 * About the link: a presigned URL is valid for at most 7 days (SigV4), and no longer than the
 * credentials that signed it. A Lambda function signs with its execution role's temporary
 * credentials, so the link is presigned only for as long as those credentials last
 * ({@link linkLifetime}), the message says until when, and it also names the report's S3
 * location, which anyone allowed to read the bucket can open at any time.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  type Bucket,
  getJson,
  listFolders,
  listObjects,
  putJson,
  putText,
} from '#connectors/scan-run/bucket.ts';
import {
  FINDINGS_FILES,
  findingsBySeverity,
  reportPrefix,
  utcDay,
} from '#connectors/scan-run/run-files.ts';
import type { RunLog } from '#connectors/scan-run/run-log.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import { type ScanRecord, SEVERITIES, type Severity } from '#core/ports/finding-store.ts';
import {
  REPORT_CONTENT_TYPES,
  REPORT_FILES,
  REPORT_FORMATS,
  type ReportFormat,
  renderReport,
} from '#core/report/formats.ts';
import { loadReportHistory, type ReportStore } from '#core/report/history.ts';
import { buildWeeklyReport, type ReportHeadline } from '#core/report/weekly-report.ts';
import { KEYS, type S3Location } from '#functions/shared/contract.ts';

/** How long the link in the message is valid: SigV4's maximum, 7 days. */
export const LINK_SECONDS = 7 * 24 * 3600;
const WEEK_MS = 7 * 86_400_000;

/** What {@link sendWeeklyReport} needs. */
export interface WeeklyReportDeps {
  bucket: Bucket;
  /** Findings, inventory, and (when present) approvals and the audit log. */
  store: ReportStore;
  sns: SNSClient;
  topicArn: string;
  log: RunLog;
  /** The IAM catalog, for access levels in the report. */
  catalog?: ActionCatalog;
  /**
   * The Slack incoming-webhook URL (read from Secrets Manager), when Slack is configured. A
   * function so the secret is read only when there is a report to send.
   */
  slackWebhook?: () => Promise<string>;
  /** fetch for the Slack post (default the global one). */
  fetch?: typeof fetch;
  /** Epoch ms; the report's date and the week it looks back on. */
  now?: () => number;
  /** Presigns a GET of a key (default: the S3 presigner with the bucket's client). */
  presign?: (key: string, expiresInSeconds: number) => Promise<string>;
}

/** The figures the message and report.json lead with. */
export interface WeeklyHeadline {
  /** The report's day, `yyyy-mm-dd`. */
  day: string;
  runId: string;
  asOf: string;
  accounts: string[];
  tenants: string[];
  identities: number;
  open: Record<Severity, number>;
  openTotal: number;
  /** Over the scans of the last 7 days. */
  newThisWeek: number;
  resolvedThisWeek: number;
  scansThisWeek: number;
  gaps: number;
  /** The attack surface that can go: granted and removable permissions, and by class. */
  surface: Pick<ReportHeadline, 'granted' | 'removable' | 'reduction'>;
  /** The riskiest identity's name and score, when any carries risk. */
  riskiest: { name: string; score: number } | null;
}

/** What happened to the Slack post. */
export type SlackOutcome =
  | { status: 'not-configured' }
  | { status: 'sent' }
  | { status: 'failed'; detail: string };

/** What the use case did. */
export type WeeklyReportResult =
  | { status: 'no-scan' }
  | {
      status: 'sent';
      headline: WeeklyHeadline;
      source: S3Location;
      report: Record<'markdown' | 'html' | 'json' | 'csv', S3Location>;
      messageId: string | undefined;
      slack: SlackOutcome;
    };

/**
 * Writes the week's report and tells subscribers. With no scan yet, publishes nothing.
 * @throws Error when the newest findings document does not match its schema
 */
export async function sendWeeklyReport(deps: WeeklyReportDeps): Promise<WeeklyReportResult> {
  const now = (deps.now ?? Date.now)();
  const latest = await newestFindings(deps.bucket);
  if (!latest) {
    deps.log.warn(
      'No scan has written findings yet, so there is no weekly report to send. Check the scan schedule (EventBridge Scheduler, daily scan) and the scan state machine executions.',
      { bucket: deps.bucket.name, prefix: KEYS.findings },
    );
    return { status: 'no-scan' };
  }
  const doc = FindingsDocumentSchema.parse(await getJson(deps.bucket, latest));
  const scans = await deps.store.scans();
  // findings/<day>/<runId>/findings.json
  const runId = latest.split('/')[2] ?? '';
  const history = await loadReportHistory(deps.store, doc);
  const report = buildWeeklyReport(doc, {
    history,
    now,
    ...(deps.catalog ? { catalog: deps.catalog } : {}),
  });
  const headline = weeklyHeadline(doc, runId, scans, now);
  headline.surface = {
    granted: report.headline.granted,
    removable: report.headline.removable,
    reduction: report.headline.reduction,
  };
  const top = report.identities.find((i) => i.id === report.topRisks[0]);
  headline.riskiest = top ? { name: top.name, score: top.risk.score } : null;

  const prefix = reportPrefix(headline.day);
  const keyOf = (f: ReportFormat) => `${prefix}${REPORT_FILES[f]}`;
  const keys = {
    markdown: keyOf('md'),
    html: keyOf('html'),
    json: keyOf('json'),
    csv: keyOf('csv'),
  };
  for (const format of REPORT_FORMATS) {
    if (format === 'json') continue;
    await putText(
      deps.bucket,
      keyOf(format),
      renderReport(report, format),
      REPORT_CONTENT_TYPES[format],
    );
  }
  const { document: _document, ...model } = report;
  await putJson(deps.bucket, keys.json, {
    generatedAt: new Date(now).toISOString(),
    source: { bucket: deps.bucket.name, key: latest },
    headline,
    // The trend: every recorded scan of the last 12 weeks, oldest first.
    trend: scans.filter((s) => s.at > now - 12 * WEEK_MS && s.at <= now),
    report: { schemaVersion: 'leash.report/1', ...model },
    findings: doc,
  });

  const presign =
    deps.presign ??
    ((key: string, expiresIn: number) =>
      getSignedUrl(deps.bucket.s3, new GetObjectCommand({ Bucket: deps.bucket.name, Key: key }), {
        expiresIn,
      }));
  const linkSeconds = await linkLifetime(deps.bucket, now);
  const link = await presign(keys.html, linkSeconds);
  const message = headlineMessage(
    headline,
    link,
    `s3://${deps.bucket.name}/${prefix}`,
    new Date(now + linkSeconds * 1000).toISOString(),
  );
  const out = await deps.sns.send(
    new PublishCommand({
      TopicArn: deps.topicArn,
      Subject: headlineSubject(headline),
      Message: message,
    }),
  );
  const slack = await postToSlack(deps, headline, link, new Date(now + linkSeconds * 1000));
  deps.log.info('weekly report sent', {
    day: headline.day,
    runId,
    openTotal: headline.openTotal,
    messageId: out.MessageId,
    slack: slack.status,
  });
  const at = (key: string) => ({ bucket: deps.bucket.name, key });
  return {
    status: 'sent',
    headline,
    source: at(latest),
    report: {
      markdown: at(keys.markdown),
      html: at(keys.html),
      json: at(keys.json),
      csv: at(keys.csv),
    },
    messageId: out.MessageId,
    slack,
  };
}

/**
 * The key of the newest findings document: the latest `findings/<day>/` folder holding one, and
 * in it the most recently written (several runs may share a day).
 */
export async function newestFindings(bucket: Bucket): Promise<string | undefined> {
  const days: string[] = [];
  for await (const folder of listFolders(bucket, KEYS.findings)) days.push(folder);
  days.sort().reverse();
  for (const day of days) {
    let best: { key: string; at: number } | undefined;
    for await (const o of listObjects(bucket, day)) {
      if (!o.key.endsWith(`/${FINDINGS_FILES.json}`)) continue;
      if (!best || o.lastModified > best.at || (o.lastModified === best.at && o.key > best.key))
        best = { key: o.key, at: o.lastModified };
    }
    if (best) return best.key;
  }
  return undefined;
}

/** The headline figures from the document and the scans of the 7 days before `now`. */
export function weeklyHeadline(
  doc: FindingsDocument,
  runId: string,
  scans: readonly ScanRecord[],
  now: number,
): WeeklyHeadline {
  const week = scans.filter((s) => s.at > now - WEEK_MS && s.at <= now);
  const open = findingsBySeverity(doc);
  return {
    day: utcDay(now),
    runId,
    asOf: doc.window.asOf,
    accounts: doc.accounts,
    tenants: doc.tenants ?? [],
    identities: doc.summary.identities,
    open,
    openTotal: Object.values(open).reduce((a, b) => a + b, 0),
    newThisWeek: week.reduce((n, s) => n + s.new, 0),
    resolvedThisWeek: week.reduce((n, s) => n + s.resolved, 0),
    scansThisWeek: week.length,
    gaps: doc.coverage.accessGaps.length,
    surface: {
      granted: doc.summary.grantedActions,
      removable: doc.summary.unusedActions,
      reduction: 0,
    },
    riskiest: null,
  };
}

/** The message subject: short (SNS allows 100 characters), ASCII. */
export function headlineSubject(h: WeeklyHeadline): string {
  return `Leash weekly report ${h.day}: ${h.open.critical} critical, ${h.open.high} high open`;
}

/**
 * How long the link can honestly be promised to work: 7 days (SigV4's maximum), but never past
 * the expiry of the credentials that sign it (a Lambda role's session lasts hours), less a minute.
 */
export async function linkLifetime(bucket: Bucket, now: number): Promise<number> {
  let expiration: Date | undefined;
  try {
    expiration = (await bucket.s3.config.credentials()).expiration;
  } catch {
    // No credentials to inspect: the presigner will fail with a clear error of its own.
  }
  if (!expiration) return LINK_SECONDS;
  const left = Math.floor((expiration.getTime() - now) / 1000) - 60;
  return Math.max(60, Math.min(LINK_SECONDS, left));
}

/** The message body: the figures, the link and until when it works, where the files are. */
export function headlineMessage(
  h: WeeklyHeadline,
  link: string,
  folder: string,
  linkExpires: string,
): string {
  const scopes = [
    h.accounts.length > 0 ? `${h.accounts.length} AWS account(s)` : undefined,
    h.tenants.length > 0 ? `${h.tenants.length} Entra tenant(s)` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  return [
    `Leash weekly report, ${h.day}`,
    '',
    `Open findings: ${SEVERITIES.map((s) => `${h.open[s]} ${s}`).join(', ')} (${h.openTotal} in all)`,
    `Attack surface that can go: ${h.surface.removable} of ${h.surface.granted} granted permissions (${Math.round(h.surface.reduction * 100)}%)`,
    `Since last week: ${h.newThisWeek} new, ${h.resolvedThisWeek} resolved, over ${h.scansThisWeek} scan(s)`,
    ...(h.riskiest
      ? [`Riskiest identity: ${h.riskiest.name} (risk ${h.riskiest.score} of 100)`]
      : []),
    `Latest scan: run ${h.runId}, window ending ${h.asOf}, ${h.identities} identities in ${scopes || 'no account'}`,
    ...(h.gaps > 0
      ? [`Coverage gaps: ${h.gaps} (what Leash could not read; listed first in the report)`]
      : []),
    '',
    `Report: ${link}`,
    `(The link works until ${linkExpires}. The report stays at ${folder}: report.html, report.md, report.csv, report.json.)`,
  ].join('\n');
}

/** Slack's limit on a message's text is 40,000 characters; the headline stays far below it. */
const SLACK_TIMEOUT_MS = 10_000;

/**
 * Posts the headline to the Slack incoming webhook, when one is configured. A failure is logged
 * and returned, not thrown: SNS has already delivered the report, and failing the invocation
 * would make Lambda retry it and send every subscriber the email again.
 * @see https://api.slack.com/messaging/webhooks
 */
export async function postToSlack(
  deps: Pick<WeeklyReportDeps, 'slackWebhook' | 'fetch' | 'log'>,
  h: WeeklyHeadline,
  link: string,
  linkExpires: Date,
): Promise<SlackOutcome> {
  if (!deps.slackWebhook) return { status: 'not-configured' };
  const post = deps.fetch ?? fetch;
  try {
    const url = await deps.slackWebhook();
    const res = await post(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: slackText(h, link, linkExpires.toISOString()) }),
      signal: AbortSignal.timeout(SLACK_TIMEOUT_MS),
    });
    if (!res.ok) {
      // Slack answers a bad webhook with a short plain-text reason (`invalid_token`, `no_service`).
      const reason = (await res.text()).slice(0, 200);
      throw new Error(`Slack answered ${res.status}: ${reason}`);
    }
    return { status: 'sent' };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    // Never log the webhook URL: it is the credential.
    deps.log.warn('weekly report not posted to Slack', { detail });
    return { status: 'failed', detail };
  }
}

/** Escapes text for Slack mrkdwn (`&`, `<`, `>`). */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Slack message: the headline in mrkdwn with the link. */
export function slackText(h: WeeklyHeadline, link: string, linkExpires: string): string {
  return [
    `*Leash weekly report, ${h.day}*`,
    `Open findings: ${SEVERITIES.map((s) => `${h.open[s]} ${s}`).join(', ')} (${h.openTotal} in all)`,
    `Attack surface that can go: ${h.surface.removable} of ${h.surface.granted} granted permissions (${Math.round(h.surface.reduction * 100)}%)`,
    `Since last week: ${h.newThisWeek} new, ${h.resolvedThisWeek} resolved`,
    ...(h.riskiest
      ? [`Riskiest identity: ${slackEscape(h.riskiest.name)} (risk ${h.riskiest.score} of 100)`]
      : []),
    ...(h.gaps > 0 ? [`Coverage gaps: ${h.gaps}`] : []),
    `<${link}|Open the report> (the link works until ${linkExpires})`,
  ].join('\n');
}
