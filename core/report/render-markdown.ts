/**
 * Renders the report as Markdown a security team can paste into a ticket, a wiki or a chat:
 * the same model and the same order as the HTML, without charts (their figures are in the
 * tables). Pure: report model in, text out.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import { SEVERITIES } from '#core/ports/finding-store.ts';
import type { InventoryDiff } from '#core/ports/inventory-store.ts';
import { historyFromChanges } from '#core/report/history.ts';
import {
  buildWeeklyReport,
  CLASS_LABELS,
  cloudTrailCoverageLine,
  githubCoverageLine,
  type ReportIdentity,
  reportScopeLine,
  type WeeklyReport,
} from '#core/report/weekly-report.ts';
import type { ScanChanges } from '#core/store/record-scan.ts';

/** What `renderMarkdown` and `renderHtml` take besides the document (`leash scan`). */
export interface RenderOptions {
  /** What changed since the previous scan (from the store); no section without it. */
  changes?: ScanChanges & { inventory?: InventoryDiff };
  /** The IAM catalog, for access levels. */
  catalog?: ActionCatalog;
}

/** Most rows of new, and of resolved, findings (and of each other change) a report lists. */
export const MAX_CHANGE_ROWS = 100;
/** Most (service, access level) rows listed per identity. */
const MAX_LEVEL_ROWS = 25;

/** What the "what changed" section says when there is nothing to compare with. */
export const NOT_COMPARED = {
  'first-scan':
    'This is the first recorded scan of these accounts and tenants: every finding is new, and there is nothing to compare with yet.',
  'not-recorded':
    'No scan of these accounts and tenants is recorded in the store, so there is nothing to compare with: `leash scan` records each scan.',
} as const;

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function headline(r: WeeklyReport): string[] {
  const h = r.headline;
  const out = [
    '## Attack surface that can go',
    '',
    `**${h.removable.toLocaleString('en-US')} of ${h.granted.toLocaleString('en-US')} granted permissions (${pct(h.reduction)}) can go** across ${h.identities} identities: ${h.toRightsize} to rightsize, ${h.toDecommission} to decommission. Unused identities: ${h.unusedIdentities}. Stale credentials: ${h.staleCredentials}. Standing credentials: ${h.standingCredentials}. High-risk grants: ${h.highRiskGrants}. Findings: ${
      SEVERITIES.filter((s) => h.findings[s] > 0)
        .map((s) => `${h.findings[s]} ${s}`)
        .join(', ') || 'none'
    }.`,
    '',
    '| Class | Identities | Granted | Used | Kept, use not observable | Can go | Reduction |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...h.byClass.map(
      (c) =>
        `| ${c.label} | ${c.identities} | ${c.granted} | ${c.used} | ${c.unobservable} | ${c.removable} | ${pct(c.reduction)} |`,
    ),
    '',
  ];
  if (r.coverageGaps.length > 0) {
    out.push('> **What this scan could not see**');
    for (const g of r.coverageGaps) out.push(`> - ${g}`);
    out.push('');
  }
  if (r.trend.length > 0) {
    out.push('Weekly trend (open findings at the last scan of each week):');
    out.push('');
    out.push('| Week of | Open | New | Resolved |');
    out.push('|---|---:|---:|---:|');
    for (const p of r.trend) out.push(`| ${p.week} | ${p.open} | ${p.new} | ${p.resolved} |`);
    out.push('');
  }
  return out;
}

function changes(r: WeeklyReport): string[] {
  const c = r.changes;
  if (!c) return [];
  const out = [`## Since ${c.label}`, ''];
  if (c.state !== 'compared' || !c.since) {
    out.push(NOT_COMPARED[c.state === 'not-recorded' ? 'not-recorded' : 'first-scan'], '');
    return out;
  }
  out.push(
    `Since ${c.label} (${c.since}${c.baselineRunId ? `, run ${c.baselineRunId}` : ''}): ${c.newFindings.length} new, ${c.resolvedFindings.length} resolved${c.persisting !== null ? `, ${c.persisting} persisting` : ''}${c.inventoryKnown ? `; ${c.newIdentities.length} new identities (${c.newAgents.length} AI agents), ${c.removedIdentities.length} removed, ${c.permissionsAdded.length} permissions added` : ''}.`,
    '',
  );
  const rows = [
    ...c.newFindings.slice(0, MAX_CHANGE_ROWS).map((f) => ({ change: 'new', f })),
    ...c.resolvedFindings.slice(0, MAX_CHANGE_ROWS).map((f) => ({ change: 'resolved', f })),
  ];
  if (rows.length > 0) {
    out.push('| Change | Severity | Rule | Identity | Finding |', '|---|---|---|---|---|');
    for (const { change, f } of rows)
      out.push(
        `| ${change} | ${f.severity} | ${f.ruleId} | ${cell(f.identityName)} | ${cell(f.title)} |`,
      );
    out.push('');
  }
  const omitted = c.newFindings.length + c.resolvedFindings.length - rows.length;
  if (omitted > 0) out.push(`And ${omitted} more.`, '');
  const ids = [
    ...c.newIdentities.map((i) => ({ change: 'new', i })),
    ...c.removedIdentities.map((i) => ({ change: 'removed', i })),
  ];
  if (ids.length > 0) {
    out.push('| Identity change | Identity | Class | Account or tenant |', '|---|---|---|---|');
    for (const { change, i } of ids.slice(0, MAX_CHANGE_ROWS))
      out.push(`| ${change} | ${cell(i.name)} | ${CLASS_LABELS[i.class]} | ${i.scope} |`);
    out.push('');
  }
  if (c.permissionsAdded.length > 0) {
    out.push('| Permission added to | Kind | Source | What |', '|---|---|---|---|');
    for (const p of c.permissionsAdded.slice(0, MAX_CHANGE_ROWS))
      out.push(`| ${cell(p.identityName)} | ${p.kind} | ${cell(p.name)} | ${cell(p.detail)} |`);
    out.push('');
  }
  return out;
}

function topRisks(r: WeeklyReport): string[] {
  const byId = new Map(r.identities.map((i) => [i.id, i]));
  const out = ['## The ten riskiest identities', ''];
  if (r.topRisks.length === 0) return [...out, 'No identity carries any risk.', ''];
  out.push('| # | Identity | Class | Score | Why |', '|---:|---|---|---:|---|');
  for (const id of r.topRisks) {
    const i = byId.get(id)!;
    out.push(
      `| ${i.rank} | ${cell(i.name)} | ${CLASS_LABELS[i.class]} | ${i.risk.score} | ${cell(i.risk.reasons.map((x) => `+${x.points} ${x.text}`).join('; '))} |`,
    );
  }
  out.push('');
  return out;
}

function containment(r: WeeklyReport): string[] {
  const c = r.containment;
  const out = ['## Containment and approvals', ''];
  if (!c.known) return [...out, 'Not read: this report was made without the store.', ''];
  if (c.actions.length === 0) out.push('No containment action in the period.', '');
  else {
    out.push('| Identity | Containment | Where it stands | Steps | By |', '|---|---|---|---|---|');
    for (const a of c.actions)
      out.push(
        `| ${cell(a.identityName)} | ${cell(a.kind ?? 'unnamed')} | ${cell(a.state)} | ${cell(a.steps.join(' → '))} | ${cell(a.actors.join(', '))} |`,
      );
    out.push('');
  }
  if (c.pending.length === 0) out.push('No approval is pending.', '');
  else {
    out.push('| Pending approval | Identity | Asked by | Expires |', '|---|---|---|---|');
    for (const p of c.pending)
      out.push(
        `| ${cell(p.summary)} | ${cell(p.identityName)} | ${cell(p.requestedBy)} | ${p.expiresAt} |`,
      );
    out.push('');
  }
  return out;
}

function agents(doc: FindingsDocument): string[] {
  if (doc.agents.length === 0) return [];
  const out = [
    '## AI agents',
    '',
    '| Agent | Kind | Runs as | Model | Tools | Created by |',
    '|---|---|---|---|---|---|',
  ];
  for (const g of doc.agents) {
    const tools = g.tools
      .map((t) => `${t.name}${t.functionRoleArn ? ` → ${t.functionRoleArn.split('/').pop()}` : ''}`)
      .join(', ');
    out.push(
      `| ${cell(g.name)} | ${g.kind} | ${cell(g.roleArn ?? 'unknown')} | ${cell(g.foundationModel ?? '')} | ${cell(tools || 'none')} | ${cell(g.createdBy.map((c) => c.arn).join(', ') || 'unknown')} |`,
    );
  }
  out.push('');
  return out;
}

/** One identity's activity line (Entra identities speak of sign-ins and Graph requests). */
function activityLine(i: ReportIdentity, r: IdentityResult | undefined): string {
  const ev = i.evidence;
  if (r?.entra) {
    const e = r.entra;
    const signIn = e.signIn
      ? `last sign-in ${e.signIn.lastSignIn ?? e.signIn.lastAppOnlySignIn ?? e.signIn.lastDelegatedSignIn ?? 'never'}`
      : 'sign-in activity unknown';
    return `Activity: ${signIn}; ${ev.events} Graph requests in the window. Holds ${r.grant.allowedActions} permissions: ${r.usedActions.length} used, ${r.unusedActions.length} unused, ${r.unobservableActions.length} unobservable${r.deniedActions.length ? `, ${r.deniedActions.length} calls denied` : ''}.${e.firstParty ? ' Microsoft first-party app.' : ''}`;
  }
  return `Activity: ${ev.events} events${ev.lastSeen ? `, last seen ${ev.lastSeen}` : ', never seen in the window'}${ev.lastSignIn ? `, last use ${ev.lastSignIn}` : ''}. Grants ${i.granted}: ${i.used} used, ${i.unused} unused, ${i.unobservable} unobservable${ev.denied.length ? `, ${ev.denied.length} denied` : ''}.`;
}

function identity(i: ReportIdentity, r: IdentityResult | undefined): string[] {
  const out = [
    `### ${i.name}`,
    '',
    `\`${i.id}\` · ${CLASS_LABELS[i.class]} · risk ${i.risk.score} (${i.risk.reasons.map((x) => `+${x.points} ${x.text}`).join('; ') || 'none'}) · classified by ${i.classifiedBy}`,
    '',
    activityLine(i, r),
    '',
  ];
  for (const f of i.findings) out.push(`- **${f.severity}** ${f.ruleId} ${f.title}`);
  if (i.findings.length > 0) out.push('');
  const levels = i.services.flatMap((s) => s.levels.map((l) => ({ s: s.service, l })));
  if (levels.length > 0) {
    out.push('| Service | Access level | Granted | Used | Unused | Unobservable |');
    out.push('|---|---|---:|---:|---:|---:|');
    for (const { s, l } of levels.slice(0, MAX_LEVEL_ROWS))
      out.push(
        `| ${cell(s)} | ${l.level} | ${l.granted} | ${l.used} | ${l.unused} | ${l.unobservable} |`,
      );
    if (levels.length > MAX_LEVEL_ROWS)
      out.push(`| and ${levels.length - MAX_LEVEL_ROWS} more rows in report.json | | | | | |`);
    out.push('');
  }
  if (i.permissionsToRemove.length > 0) {
    out.push(
      `**Recommendation (${i.recommendation}, ${i.confidence} confidence):** remove ${i.permissionsToRemove.length} permission${i.permissionsToRemove.length === 1 ? '' : 's'}:`,
    );
    for (const p of i.permissionsToRemove)
      out.push(`- \`${p.permission}\` (${p.kind}, ${p.resource}): ${p.reason}`);
    out.push('');
  }
  const rp = i.recommendedPolicy;
  if (rp) {
    out.push(
      `**Recommendation (${i.recommendation}, ${i.confidence} confidence):** keep ${rp.keptActions} actions (${rp.keptUnobservable} of them only because their use cannot be observed), remove ${rp.removedActions}, in ${rp.policies.length} managed polic${rp.policies.length === 1 ? 'y' : 'ies'}.`,
    );
    for (const d of rp.detach) out.push(`- Detach ${d.policy}: ${d.reason}`);
    out.push('', '```diff', rp.diff, '```', '');
    for (const p of rp.policies) {
      out.push(`<details><summary>${p.name} (${p.size} characters)</summary>`, '');
      out.push('```json', JSON.stringify(p.document, null, 2), '```', '</details>', '');
    }
  }
  const ev = i.evidence;
  if (ev.topActions.length > 0)
    out.push(
      `Evidence: ${ev.topActions.map((a) => `\`${a.action}\` ×${a.count} (last ${a.lastSeen})`).join(', ')}${ev.eventIds.length ? `; event ids ${ev.eventIds.join(', ')}` : ''}.`,
      '',
    );
  else if (ev.eventIds.length > 0) out.push(`Evidence: event ids ${ev.eventIds.join(', ')}.`, '');
  if (i.gaps.length > 0 || i.unobservableByReason.length > 0) {
    out.push('What Leash cannot see here:');
    for (const g of i.gaps) out.push(`- ${g}`);
    for (const u of i.unobservableByReason)
      out.push(`- ${u.count} kept because ${u.reason} (e.g. ${u.examples.join(', ')})`);
    out.push('');
  }
  if (i.graph.length > 0) {
    out.push(
      `Agent graph: ${i.graph.map((g) => `${g.relation} ${g.target} (${g.via})`).join('; ')}`,
      '',
    );
  }
  return out;
}

function coverage(doc: FindingsDocument): string[] {
  const c = doc.coverage;
  const records = cloudTrailCoverageLine(doc);
  const out = ['## Coverage', '', ...(records ? [records, ''] : [])];
  const skipped = Object.entries(c.records.skipped);
  if (skipped.length > 0)
    out.push(`Skipped records: ${skipped.map(([k, v]) => `${v} ${k}`).join(', ')}.`, '');
  if (c.unmappedPairs.length > 0) {
    out.push('| Unmapped eventSource | eventName | Records |', '|---|---|---:|');
    for (const p of c.unmappedPairs.slice(0, 25))
      out.push(`| ${p.eventSource} | ${p.eventName} | ${p.count} |`);
    out.push('');
  }
  for (const e of c.entra ?? []) {
    const q = e.requests;
    out.push(
      `Entra tenant ${e.tenantId}: ${e.servicePrincipals} service principals (${e.signInActivityKnown} with sign-in activity). Graph activity logs ${e.activityLogs ? 'read' : 'not read'}: ${q.read} requests, ${q.inWindow} in the window, ${q.mapped} mapped to permissions, ${q.unmapped} unmapped, ${q.denied} denied, ${q.unattributed} from apps not in the inventory. Permission map: ${e.permissionMap.source} (${e.permissionMap.entries} templates).`,
      '',
    );
    if (e.unmappedCalls.length > 0) {
      out.push('| Unmapped Graph call | Requests |', '|---|---:|');
      for (const u of e.unmappedCalls)
        out.push(`| ${cell(`${u.method} ${u.path}`)} | ${u.count} |`);
      out.push('');
    }
  }
  for (const o of doc.github ?? []) out.push(githubCoverageLine(o), '');

  if (c.issues.length > 0) {
    out.push(`### Input problems (${c.issues.length})`, '');
    for (const i of c.issues.slice(0, 50))
      out.push(`- \`${i.file}\`${i.location ? ` ${i.location}` : ''}: ${i.reason}: ${i.detail}`);
    if (c.issues.length > 50) out.push(`- and ${c.issues.length - 50} more in findings.json`);
    out.push('');
  }
  return out;
}

/** Renders a report model as Markdown. */
export function renderReportMarkdown(r: WeeklyReport): string {
  const out = [
    `# ${r.title}`,
    '',
    `${reportScopeLine(r)} · report of ${r.day}`,
    '',
    ...headline(r),
    ...changes(r),
    ...topRisks(r),
    ...containment(r),
    ...agents(r.document),
    '## Identities',
    '',
    '| Identity | Class | Risk | Granted | Used | Unused | Unobservable | Recommendation | Confidence |',
    '|---|---|---:|---:|---:|---:|---:|---|---|',
    ...r.identities.map(
      (i) =>
        `| ${cell(i.name)} | ${CLASS_LABELS[i.class]} | ${i.risk.score} | ${i.granted} | ${i.used} | ${i.unused} | ${i.unobservable} | ${i.recommendation} | ${i.confidence} |`,
    ),
    '',
  ];
  const results = new Map(r.document.identities.map((x) => [x.id, x]));
  for (const i of r.identities) {
    // Identities with nothing to act on stay in the table only: the Markdown is for tickets.
    if (i.findings.length === 0 && !i.recommendedPolicy && i.permissionsToRemove.length === 0)
      continue;
    out.push(...identity(i, results.get(i.id)));
  }
  out.push(...coverage(r.document));
  return `${out.join('\n')}\n`;
}

/**
 * Renders a findings document as Markdown (`leash scan`): the report model without the store's
 * weekly history, with what changed since the previous scan when given.
 */
export function renderMarkdown(doc: FindingsDocument, options: RenderOptions = {}): string {
  return renderReportMarkdown(
    buildWeeklyReport(doc, {
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(options.changes ? { history: historyFromChanges(options.changes) } : {}),
    }),
  );
}
