/**
 * Renders the findings document as Markdown a security team can paste into a ticket or wiki.
 * Pure: document in, text out.
 */
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import type { StoredFinding } from '#core/ports/finding-store.ts';
import type { ScanChanges } from '#core/store/record-scan.ts';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** Orders identities most urgent first: worst finding, then most unused actions. */
export function byUrgency(a: IdentityResult, b: IdentityResult): number {
  const worst = (r: IdentityResult) =>
    Math.min(...r.findings.map((f) => SEVERITY_ORDER.indexOf(f.severity)), 9);
  return (
    worst(a) - worst(b) ||
    b.unusedActions.length - a.unusedActions.length ||
    a.id.localeCompare(b.id)
  );
}

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** What a report shows besides the document. */
export interface RenderOptions {
  /** What changed since the previous scan (from the store); no section without it. */
  changes?: ScanChanges;
}

/** Most rows of new, and of resolved, findings a report lists; the rest are counted. */
export const MAX_CHANGE_ROWS = 100;

/** The sentence that opens the "Since the previous scan" section. */
export function changesSentence(changes: ScanChanges): string {
  const d = changes.diff;
  if (!changes.previous)
    return 'This is the first recorded scan of these accounts and tenants: every finding is new.';
  const counts = `${d.newFindings.length} new, ${d.resolved.length} resolved, ${d.persisting} persisting`;
  return `Previous scan ${new Date(changes.previous.at).toISOString()} (run ${changes.previous.runId}): ${counts}.`;
}

/** New then resolved findings, each list capped at {@link MAX_CHANGE_ROWS}. */
export function changeRows(changes: ScanChanges): {
  rows: { change: 'new' | 'resolved'; f: StoredFinding }[];
  omitted: number;
} {
  if (!changes.previous) return { rows: [], omitted: 0 };
  const { newFindings, resolved } = changes.diff;
  const rows = [
    ...newFindings.slice(0, MAX_CHANGE_ROWS).map((f) => ({ change: 'new' as const, f })),
    ...resolved.slice(0, MAX_CHANGE_ROWS).map((f) => ({ change: 'resolved' as const, f })),
  ];
  return { rows, omitted: newFindings.length + resolved.length - rows.length };
}

/** The "Since the previous scan" section. */
function changesSection(changes: ScanChanges): string[] {
  const out = ['## Since the previous scan', '', changesSentence(changes), ''];
  const { rows, omitted } = changeRows(changes);
  if (rows.length > 0) {
    out.push('| Change | Severity | Rule | Identity | Finding |');
    out.push('|---|---|---|---|---|');
    for (const { change, f } of rows)
      out.push(
        `| ${change} | ${f.finding.severity} | ${f.finding.ruleId} | ${cell(f.identityName)} | ${cell(f.finding.title)} |`,
      );
    out.push('');
  }
  if (omitted > 0) out.push(`And ${omitted} more.`, '');
  return out;
}

/** Renders the report. */
export function renderMarkdown(doc: FindingsDocument, options: RenderOptions = {}): string {
  const out: string[] = [];
  const s = doc.summary;
  const w = doc.window;
  out.push(`# Leash rightsizing report`);
  out.push('');
  const tenants = doc.tenants?.length
    ? ` · Entra tenant${doc.tenants.length === 1 ? '' : 's'} ${doc.tenants.join(', ')}`
    : '';
  out.push(
    `Account${doc.accounts.length === 1 ? '' : 's'} ${doc.accounts.join(', ') || '(none found)'}${tenants} · window ${w.from.slice(0, 10)} to ${w.to.slice(0, 10)} (${w.lookbackDays} days requested, ${w.observedDays} days of CloudTrail observed) · Leash ${doc.tool.version}, IAM catalog ${doc.tool.catalogVersion}`,
  );
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push('| | |');
  out.push('|---|---|');
  out.push(
    `| Identities | ${s.identities} (${Object.entries(s.byClass)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}) |`,
  );
  out.push(
    `| AI identities | ${
      Object.entries(s.byAiRole)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'none'
    } |`,
  );
  out.push(
    `| Findings | ${
      SEVERITY_ORDER.filter((k) => s.findingsBySeverity[k])
        .map((k) => `${s.findingsBySeverity[k]} ${k}`)
        .join(', ') || 'none'
    } |`,
  );
  out.push(`| Granted actions (sum over identities) | ${s.grantedActions} |`);
  out.push(`| Unused, safe to remove | ${s.unusedActions} |`);
  out.push(`| Kept because their use cannot be observed | ${s.unobservableActions} |`);
  out.push(
    `| Identities to rightsize / decommission | ${s.identitiesToRightsize} / ${s.identitiesToDecommission} |`,
  );
  out.push('');
  if (doc.coverage.gaps.length > 0 || doc.coverage.accessGaps.length > 0) {
    out.push('> **What this scan could not see**');
    for (const g of doc.coverage.accessGaps) {
      out.push(
        `> - ${g.reason === 'access-denied' ? 'Denied' : g.reason === 'unsupported' ? 'Not available' : 'Failed'}: \`${g.api}\`${g.account ? ` in ${g.account}` : ''}${g.region ? `/${g.region}` : ''}: ${g.detail}`,
      );
    }
    for (const g of doc.coverage.gaps) out.push(`> - ${g}`);
    out.push('');
  }
  if (options.changes) out.push(...changesSection(options.changes));
  if (doc.agents.length > 0) {
    out.push('## AI agents');
    out.push('');
    out.push('| Agent | Kind | Runs as | Model | Tools | Created by |');
    out.push('|---|---|---|---|---|---|');
    for (const g of doc.agents) {
      const tools = g.tools
        .map(
          (t) => `${t.name}${t.functionRoleArn ? ` → ${t.functionRoleArn.split('/').pop()}` : ''}`,
        )
        .join(', ');
      out.push(
        `| ${cell(g.name)} | ${g.kind} | ${cell(g.roleArn ?? 'unknown')} | ${cell(g.foundationModel ?? '')} | ${cell(tools || 'none')} | ${cell(g.createdBy.map((c) => c.arn).join(', ') || 'unknown')} |`,
      );
    }
    out.push('');
  }
  const top = doc.identities.flatMap((r) =>
    r.findings
      .filter((f) => f.severity === 'critical' || f.severity === 'high')
      .map((f) => ({ r, f })),
  );
  if (top.length > 0) {
    out.push('## Critical and high findings');
    out.push('');
    out.push('| Severity | Rule | Identity | Class | Finding |');
    out.push('|---|---|---|---|---|');
    for (const { r, f } of top.sort(
      (a, b) => SEVERITY_ORDER.indexOf(a.f.severity) - SEVERITY_ORDER.indexOf(b.f.severity),
    )) {
      out.push(
        `| ${f.severity} | ${f.ruleId} | ${cell(r.name)} | ${r.class}${r.aiRole ? ` (${r.aiRole})` : ''} | ${cell(f.title)} |`,
      );
    }
    out.push('');
  }
  out.push('## Identities');
  out.push('');
  out.push('| Identity | Class | Used | Unused | Unobservable | Recommendation | Confidence |');
  out.push('|---|---|---:|---:|---:|---|---|');
  const sorted = [...doc.identities].sort(byUrgency);
  for (const r of sorted) {
    out.push(
      `| ${cell(r.name)} | ${r.class}${r.aiRole ? ` (${r.aiRole})` : ''} | ${r.usedActions.length} | ${r.unusedActions.length} | ${r.unobservableActions.length} | ${r.recommendation} | ${r.confidence} |`,
    );
  }
  out.push('');
  for (const r of sorted) {
    if (r.findings.length === 0 && !r.recommendedPolicy && !r.permissionsToRemove?.length) continue;
    out.push(`### ${r.name}`);
    out.push('');
    out.push(
      `\`${r.id}\` · ${r.class}${r.aiRole ? ` (${r.aiRole})` : ''}, by rule \`${r.classifiedBy.rule}\`: ${r.classifiedBy.reason}`,
    );
    const people = [
      ...r.links.owners.map((o) => `owner ${o}`),
      ...r.links.deployedBy.map(
        (d) =>
          `deployed by ${d.arn} (${d.via}${d.invokedBy ? ` via ${d.invokedBy}` : ''}${d.sourceIdentities.length ? `, source identity ${d.sourceIdentities.join(', ')}` : ''})`,
      ),
      ...r.links.createdBy.map((d) => `created by ${d.arn} (${d.via})`),
      ...r.links.assumedBy.slice(0, 5).map((d) => `assumed by ${d.arn}`),
      ...r.links.tools.map(
        (t) => `tool ${t.arn} (${t.via}${t.roleArn ? `, runs as ${t.roleArn}` : ''})`,
      ),
      ...r.links.sourceIdentities.map((x) => `source identity ${x.value}`),
    ];
    if (people.length > 0) out.push(`\nPeople: ${people.join('; ')}`);
    out.push('');
    if (r.entra) out.push(entraActivity(r));
    else
      out.push(
        `Activity: ${r.activity.events} events${r.activity.lastSeen ? `, last ${r.activity.lastSeen}` : ''}. Grants ${r.grant.allowedActions} actions: ${r.usedActions.length} used, ${r.unusedActions.length} unused, ${r.unobservableActions.length} unobservable${r.deniedActions.length ? `, ${r.deniedActions.length} denied` : ''}.`,
      );
    if (r.unusedServices.length > 0)
      out.push(
        `Unused services: ${r.unusedServices.slice(0, 30).join(', ')}${r.unusedServices.length > 30 ? `, and ${r.unusedServices.length - 30} more` : ''}.`,
      );
    out.push('');
    for (const f of r.findings) out.push(`- **${f.severity}** ${f.ruleId} ${f.title}`);
    if (r.findings.length > 0) out.push('');
    if (r.permissionsToRemove?.length) {
      out.push(
        `**Recommendation (${r.recommendation}, ${r.confidence} confidence):** remove ${r.permissionsToRemove.length} permission${r.permissionsToRemove.length === 1 ? '' : 's'}:`,
      );
      for (const p of r.permissionsToRemove)
        out.push(`- \`${p.permission}\` (${p.kind}, ${p.resource}): ${p.reason}`);
      out.push('');
    }
    if (r.recommendedPolicy) {
      const rp = r.recommendedPolicy;
      out.push(
        `**Recommendation (${r.recommendation}, ${r.confidence} confidence):** keep ${rp.keptActions} actions (${rp.keptUnobservable} of them only because their use cannot be observed), remove ${rp.removedActions}, in ${rp.policies.length} managed polic${rp.policies.length === 1 ? 'y' : 'ies'}.`,
      );
      for (const d of rp.detach) out.push(`- Detach ${d.policy}: ${d.reason}`);
      out.push('');
      out.push('```diff');
      out.push(rp.diff);
      out.push('```');
      out.push('');
      for (const p of rp.policies) {
        out.push(`<details><summary>${p.name} (${p.size} characters)</summary>`);
        out.push('');
        out.push('```json');
        out.push(JSON.stringify(p.document, null, 2));
        out.push('```');
        out.push('</details>');
        out.push('');
      }
    }
  }
  out.push('## Coverage');
  out.push('');
  const c = doc.coverage;
  out.push(
    `Records read ${c.records.read}, in window ${c.records.inWindow}, mapped to IAM actions ${c.records.mapped}, unmapped ${c.records.unmapped}, outside the window ${c.records.outsideWindow}. Mapping rate for attributable calls: ${c.mappingRate === null ? 'n/a' : `${(c.mappingRate * 100).toFixed(2)}%`}.`,
  );
  out.push('');
  const skipped = Object.entries(c.records.skipped);
  if (skipped.length > 0)
    out.push(`Skipped records: ${skipped.map(([k, v]) => `${v} ${k}`).join(', ')}.\n`);
  if (c.unmappedPairs.length > 0) {
    out.push('| Unmapped eventSource | eventName | Records |');
    out.push('|---|---|---:|');
    for (const p of c.unmappedPairs.slice(0, 25))
      out.push(`| ${p.eventSource} | ${p.eventName} | ${p.count} |`);
    out.push('');
  }
  for (const e of c.entra ?? []) out.push(...entraCoverage(e));
  if (c.issues.length > 0) {
    out.push(`### Input problems (${c.issues.length})`);
    out.push('');
    for (const i of c.issues.slice(0, 50))
      out.push(`- \`${i.file}\`${i.location ? ` ${i.location}` : ''}: ${i.reason}: ${i.detail}`);
    if (c.issues.length > 50) out.push(`- and ${c.issues.length - 50} more in findings.json`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** One line on an Entra identity's activity and permissions. */
function entraActivity(r: IdentityResult): string {
  const e = r.entra!;
  const signIn = e.signIn
    ? `last sign-in ${e.signIn.lastSignIn ?? e.signIn.lastAppOnlySignIn ?? e.signIn.lastDelegatedSignIn ?? 'never'}`
    : 'sign-in activity unknown';
  const who = e.firstParty ? ' Microsoft first-party app.' : '';
  return `Activity: ${signIn}; ${r.activity.events} Graph requests in the window. Holds ${r.grant.allowedActions} permissions: ${r.usedActions.length} used, ${r.unusedActions.length} unused, ${r.unobservableActions.length} unobservable${r.deniedActions.length ? `, ${r.deniedActions.length} calls denied` : ''}.${who}${e.gaps.length ? ` Not known: ${e.gaps.join(' ')}` : ''}`;
}

/** The coverage lines of one Entra tenant. */
function entraCoverage(e: NonNullable<FindingsDocument['coverage']['entra']>[number]): string[] {
  const q = e.requests;
  const out = [
    `Entra tenant ${e.tenantId}: ${e.servicePrincipals} service principals (${e.signInActivityKnown} with sign-in activity). Graph activity logs ${e.activityLogs ? 'read' : 'not read'}: ${q.read} requests, ${q.inWindow} in the window, ${q.mapped} mapped to permissions, ${q.unmapped} unmapped, ${q.denied} denied, ${q.unattributed} from apps not in the inventory. Permission map: ${e.permissionMap.source} (${e.permissionMap.entries} templates).`,
    '',
  ];
  if (e.unmappedCalls.length > 0) {
    out.push('| Unmapped Graph call | Requests |');
    out.push('|---|---:|');
    for (const u of e.unmappedCalls) out.push(`| ${cell(`${u.method} ${u.path}`)} | ${u.count} |`);
    out.push('');
  }
  return out;
}
