/**
 * The weekly report use case (`send-weekly-report`, Monday 07:00 UTC by default): takes the
 * newest findings document in the Leash bucket and the store's scan history, writes the report
 * as Markdown, HTML and JSON under `reports/<yyyy-mm-dd>/`, and sends subscribers a short headline
 * with a presigned link to the HTML through SNS.
 *
 * Issue 7 enriches the report itself; this module delivers whatever the renderers produce.
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
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import {
  type FindingStore,
  type ScanRecord,
  SEVERITIES,
  type Severity,
} from '#core/ports/finding-store.ts';
import { renderHtml } from '#core/report/render-html.ts';
import { renderMarkdown } from '#core/report/render-markdown.ts';
import { KEYS, type S3Location } from '#functions/shared/contract.ts';

/** How long the link in the message is valid: SigV4's maximum, 7 days. */
export const LINK_SECONDS = 7 * 24 * 3600;
const WEEK_MS = 7 * 86_400_000;

/** What {@link sendWeeklyReport} needs. */
export interface WeeklyReportDeps {
  bucket: Bucket;
  store: FindingStore;
  sns: SNSClient;
  topicArn: string;
  log: RunLog;
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
}

/** What the use case did. */
export type WeeklyReportResult =
  | { status: 'no-scan' }
  | {
      status: 'sent';
      headline: WeeklyHeadline;
      source: S3Location;
      report: { markdown: S3Location; html: S3Location; json: S3Location };
      messageId: string | undefined;
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
  const headline = weeklyHeadline(doc, runId, scans, now);

  const prefix = reportPrefix(headline.day);
  const keys = {
    markdown: `${prefix}report.md`,
    html: `${prefix}report.html`,
    json: `${prefix}report.json`,
  };
  await putText(deps.bucket, keys.markdown, renderMarkdown(doc), 'text/markdown; charset=utf-8');
  await putText(deps.bucket, keys.html, renderHtml(doc), 'text/html; charset=utf-8');
  await putJson(deps.bucket, keys.json, {
    generatedAt: new Date(now).toISOString(),
    source: { bucket: deps.bucket.name, key: latest },
    headline,
    // The trend: every recorded scan of the last 12 weeks, oldest first.
    trend: scans.filter((s) => s.at > now - 12 * WEEK_MS && s.at <= now),
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
  deps.log.info('weekly report sent', {
    day: headline.day,
    runId,
    openTotal: headline.openTotal,
    messageId: out.MessageId,
  });
  const at = (key: string) => ({ bucket: deps.bucket.name, key });
  return {
    status: 'sent',
    headline,
    source: at(latest),
    report: { markdown: at(keys.markdown), html: at(keys.html), json: at(keys.json) },
    messageId: out.MessageId,
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
    `Since last week: ${h.newThisWeek} new, ${h.resolvedThisWeek} resolved, over ${h.scansThisWeek} scan(s)`,
    `Latest scan: run ${h.runId}, window ending ${h.asOf}, ${h.identities} identities in ${scopes || 'no account'}`,
    ...(h.gaps > 0
      ? [`Coverage gaps: ${h.gaps} (what Leash could not read; listed first in the report)`]
      : []),
    '',
    `Report: ${link}`,
    `(The link works until ${linkExpires}. The report stays at ${folder}: report.html, report.md, report.json.)`,
  ].join('\n');
}
