/**
 * Renders the findings document as one self-contained HTML file: inline CSS and SVG charts, no
 * scripts, no external requests, so it can be mailed or attached to a ticket as it is.
 */
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import {
  byUrgency,
  changeRows,
  changesSentence,
  type RenderOptions,
} from '#core/report/render-markdown.ts';
import type { ScanChanges } from '#core/store/record-scan.ts';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;
const SEVERITY_COLOR: Record<string, string> = {
  critical: '#7f1d1d',
  high: '#dc2626',
  medium: '#f59e0b',
  low: '#3b82f6',
  info: '#6b7280',
};
const CLASS_COLOR: Record<string, string> = {
  human: '#2563eb',
  workload: '#059669',
  'ai-agent': '#9333ea',
};

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A horizontal bar chart as inline SVG. */
function barChart(title: string, rows: { label: string; value: number; color: string }[]): string {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const h = 24;
  const width = 420;
  const labelW = 110;
  const bars = rows
    .map((r, i) => {
      const w = Math.round(((width - labelW - 50) * r.value) / max);
      const y = i * h + 4;
      return `<text x="0" y="${y + 15}" class="l">${escapeHtml(r.label)}</text><rect x="${labelW}" y="${y}" width="${w}" height="${h - 8}" rx="3" fill="${r.color}"/><text x="${labelW + w + 6}" y="${y + 15}" class="v">${r.value}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${rows.length * h + 8}" viewBox="0 0 ${width} ${rows.length * h + 8}">${bars}</svg></figure>`;
}

/** A stacked bar per identity: used, unobservable (kept) and unused actions. */
function usageChart(identities: IdentityResult[]): string {
  const rows = identities
    .filter((r) => r.grant.allowedActions > 0 && !r.serviceLinked)
    .slice(0, 15);
  if (rows.length === 0) return '';
  const width = 640;
  const labelW = 210;
  const h = 22;
  const body = rows
    .map((r, i) => {
      const total = Math.max(
        1,
        r.usedActions.length + r.unobservableActions.length + r.unusedActions.length,
      );
      const scale = (width - labelW - 10) / total;
      const y = i * h + 4;
      const used = r.usedActions.length * scale;
      const unobs = r.unobservableActions.length * scale;
      const unused = r.unusedActions.length * scale;
      const tip = `${r.usedActions.length} used, ${r.unobservableActions.length} unobservable, ${r.unusedActions.length} unused`;
      return `<g><title>${escapeHtml(`${r.name}: ${tip}`)}</title><text x="0" y="${y + 13}" class="l">${escapeHtml(r.name.length > 28 ? `${r.name.slice(0, 27)}…` : r.name)}</text><rect x="${labelW}" y="${y}" width="${used.toFixed(1)}" height="${h - 7}" fill="#059669"/><rect x="${(labelW + used).toFixed(1)}" y="${y}" width="${unobs.toFixed(1)}" height="${h - 7}" fill="#9ca3af"/><rect x="${(labelW + used + unobs).toFixed(1)}" y="${y}" width="${unused.toFixed(1)}" height="${h - 7}" fill="#dc2626"/></g>`;
    })
    .join('');
  const legend =
    '<p class="legend"><span style="background:#059669"></span>used <span style="background:#9ca3af"></span>kept, use not observable <span style="background:#dc2626"></span>unused (remove)</p>';
  return `<figure class="wide"><figcaption>Granted actions per identity, share used (most urgent first)</figcaption><svg role="img" aria-label="Granted actions per identity" width="${width}" height="${rows.length * h + 8}" viewBox="0 0 ${width} ${rows.length * h + 8}">${body}</svg>${legend}</figure>`;
}

const CSS = `body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.meta{color:#4b5563}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:24px}.charts{display:flex;flex-wrap:wrap;gap:24px}figure{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px}
figure.wide{width:100%}figcaption{font-weight:600;margin-bottom:8px}svg text.l{font-size:12px;fill:#374151}svg text.v{font-size:12px;fill:#111827}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f4f6}td.n{text-align:right}
.sev{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;font-size:12px}details{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:8px 0;padding:8px 12px}
summary{cursor:pointer;font-weight:600}pre{background:#111827;color:#e5e7eb;padding:12px;border-radius:6px;overflow:auto;font-size:12px}
.gaps{background:#fffbeb;border:1px solid #f59e0b;border-radius:8px;padding:8px 16px}code{font-size:12px}`;

function sev(s: string): string {
  return `<span class="sev" style="background:${SEVERITY_COLOR[s] ?? '#6b7280'}">${escapeHtml(s)}</span>`;
}

/** The "Since the previous scan" section. */
function changesSection(changes: ScanChanges): string {
  const e = escapeHtml;
  const { rows, omitted } = changeRows(changes);
  const table = rows.length
    ? `<table><tr><th>Change</th><th>Severity</th><th>Rule</th><th>Identity</th><th>Finding</th></tr>${rows
        .map(
          ({ change, f }) =>
            `<tr><td>${change}</td><td>${sev(f.finding.severity)}</td><td>${e(f.finding.ruleId)}</td><td>${e(f.identityName)}</td><td>${e(f.finding.title)}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  return `<h2>Since the previous scan</h2><p>${e(changesSentence(changes))}</p>${table}${omitted ? `<p>And ${omitted} more.</p>` : ''}`;
}

/** Renders the report. */
export function renderHtml(doc: FindingsDocument, options: RenderOptions = {}): string {
  const s = doc.summary;
  const e = escapeHtml;
  const sorted = [...doc.identities].sort(byUrgency);
  const cards = [
    ['Identities', s.identities],
    ['AI agents', s.byClass['ai-agent'] ?? 0],
    [
      'Critical + high findings',
      (s.findingsBySeverity.critical ?? 0) + (s.findingsBySeverity.high ?? 0),
    ],
    ['Unused actions to remove', s.unusedActions],
    ['To rightsize', s.identitiesToRightsize],
    ['To decommission', s.identitiesToDecommission],
  ]
    .map(([k, v]) => `<div class="card"><b>${v}</b>${e(String(k))}</div>`)
    .join('');
  const charts = [
    barChart(
      'Findings by severity',
      SEVERITY_ORDER.map((k) => ({
        label: k,
        value: s.findingsBySeverity[k] ?? 0,
        color: SEVERITY_COLOR[k]!,
      })),
    ),
    barChart(
      'Identities by class',
      Object.entries(s.byClass).map(([k, v]) => ({
        label: k,
        value: v,
        color: CLASS_COLOR[k] ?? '#6b7280',
      })),
    ),
  ].join('');
  const rows = sorted
    .map(
      (r) =>
        `<tr><td><a href="#${e(anchor(r.id))}">${e(r.name)}</a></td><td>${e(r.class)}${r.aiRole ? ` (${e(r.aiRole)})` : ''}</td><td class="n">${r.usedActions.length}</td><td class="n">${r.unusedActions.length}</td><td class="n">${r.unobservableActions.length}</td><td>${r.findings.map((f) => sev(f.severity)).join(' ')}</td><td>${e(r.recommendation)}</td><td>${e(r.confidence)}</td></tr>`,
    )
    .join('');
  const details = sorted.map((r) => identitySection(r)).join('');
  const c = doc.coverage;
  const gapItems = [
    ...c.accessGaps.map(
      (g) =>
        `${g.reason === 'access-denied' ? 'Denied' : g.reason === 'unsupported' ? 'Not available' : 'Failed'}: ${g.api}${g.account ? ` in ${g.account}` : ''}${g.region ? `/${g.region}` : ''}: ${g.detail}`,
    ),
    ...c.gaps,
  ];
  const gaps = gapItems.length
    ? `<div class="gaps"><p><b>What this scan could not see</b></p><ul>${gapItems.map((g) => `<li>${e(g)}</li>`).join('')}</ul></div>`
    : '';
  const unmapped = c.unmappedPairs.length
    ? `<table><tr><th>Unmapped eventSource</th><th>eventName</th><th>Records</th></tr>${c.unmappedPairs
        .slice(0, 25)
        .map(
          (p) =>
            `<tr><td>${e(p.eventSource)}</td><td>${e(p.eventName)}</td><td class="n">${p.count}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const issues = c.issues.length
    ? `<details><summary>Input problems (${c.issues.length})</summary><ul>${c.issues
        .slice(0, 200)
        .map(
          (i) =>
            `<li><code>${e(i.file)}</code>${i.location ? ` ${e(i.location)}` : ''}: ${e(i.reason)}: ${e(i.detail)}</li>`,
        )
        .join('')}</ul></details>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Leash rightsizing report ${e(doc.accounts.join(', '))}</title><style>${CSS}</style></head>
<body><main>
<h1>Leash rightsizing report</h1>
<p class="meta">Account${doc.accounts.length === 1 ? '' : 's'} ${e(doc.accounts.join(', ') || '(none found)')}${doc.tenants?.length ? ` · Entra tenant${doc.tenants.length === 1 ? '' : 's'} ${e(doc.tenants.join(', '))}` : ''} · window ${e(doc.window.from.slice(0, 10))} to ${e(doc.window.to.slice(0, 10))} · ${doc.window.observedDays} days of CloudTrail observed · Leash ${e(doc.tool.version)}, IAM catalog ${e(doc.tool.catalogVersion)}</p>
<div class="cards">${cards}</div>
${gaps}
${options.changes ? changesSection(options.changes) : ''}
<div class="charts">${charts}${usageChart(sorted)}</div>
${doc.agents.length ? `<h2>AI agents</h2><table><tr><th>Agent</th><th>Kind</th><th>Runs as</th><th>Model</th><th>Tools</th><th>Created by</th></tr>${doc.agents.map((g) => `<tr><td>${e(g.name)}</td><td>${e(g.kind)}</td><td>${e(g.roleArn ?? 'unknown')}</td><td>${e(g.foundationModel ?? '')}</td><td>${e(g.tools.map((t) => `${t.name}${t.functionRoleArn ? ` → ${t.functionRoleArn}` : ''}`).join(', ') || 'none')}</td><td>${e(g.createdBy.map((x) => x.arn).join(', ') || 'unknown')}</td></tr>`).join('')}</table>` : ''}
<h2>Identities</h2>
<table><tr><th>Identity</th><th>Class</th><th>Used</th><th>Unused</th><th>Unobservable</th><th>Findings</th><th>Recommendation</th><th>Confidence</th></tr>${rows}</table>
<h2>Details</h2>
${details}
<h2>Coverage</h2>
<p>Records read ${c.records.read}, in window ${c.records.inWindow}, mapped ${c.records.mapped}, unmapped ${c.records.unmapped}, outside the window ${c.records.outsideWindow}. Mapping rate for attributable calls: ${c.mappingRate === null ? 'n/a' : `${(c.mappingRate * 100).toFixed(2)}%`}.</p>
${unmapped}
${(c.entra ?? []).map(entraCoverage).join('')}
${issues}
</main></body></html>
`;
}

function anchor(id: string): string {
  return `id-${id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function identitySection(r: IdentityResult): string {
  const e = escapeHtml;
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
  const findings = r.findings.length
    ? `<ul>${r.findings.map((f) => `<li>${sev(f.severity)} <b>${e(f.ruleId)}</b> ${e(f.title)}<br><small>${e(f.explanation)}</small></li>`).join('')}</ul>`
    : '<p>No findings.</p>';
  const remove = r.permissionsToRemove?.length
    ? `<p><b>Recommendation (${e(r.recommendation)}, ${e(r.confidence)} confidence):</b> remove ${r.permissionsToRemove.length} permission${r.permissionsToRemove.length === 1 ? '' : 's'}.</p><ul>${r.permissionsToRemove.map((p) => `<li><code>${e(p.permission)}</code> (${e(p.kind)}, ${e(p.resource)}): ${e(p.reason)}</li>`).join('')}</ul>`
    : '';
  const rp = r.recommendedPolicy;
  const rec = rp
    ? `<p><b>Recommendation (${e(r.recommendation)}, ${e(r.confidence)} confidence):</b> keep ${rp.keptActions} actions (${rp.keptUnobservable} only because their use cannot be observed), remove ${rp.removedActions}.</p>${rp.detach.map((d) => `<p>Detach <b>${e(d.policy)}</b>: ${e(d.reason)}</p>`).join('')}<pre>${e(rp.diff)}</pre>${rp.policies.map((p) => `<details><summary>${e(p.name)} (${p.size} characters)</summary><pre>${e(JSON.stringify(p.document, null, 2))}</pre></details>`).join('')}`
    : '';
  return `<details id="${e(anchor(r.id))}"${r.findings.some((f) => f.severity === 'critical' || f.severity === 'high') ? ' open' : ''}><summary>${e(r.name)} · ${e(r.class)}${r.aiRole ? ` (${e(r.aiRole)})` : ''} · ${r.findings.length} findings</summary>
<p><code>${e(r.id)}</code><br>Classified by <code>${e(r.classifiedBy.rule)}</code>: ${e(r.classifiedBy.reason)}</p>
${people.length ? `<p>People: ${e(people.join('; '))}</p>` : ''}
${
  r.entra
    ? `<p>Activity: ${r.entra.signIn ? `last sign-in ${e(r.entra.signIn.lastSignIn ?? r.entra.signIn.lastAppOnlySignIn ?? r.entra.signIn.lastDelegatedSignIn ?? 'never')}` : 'sign-in activity unknown'}; ${r.activity.events} Graph requests in the window. Holds ${r.grant.allowedActions} permissions: ${r.usedActions.length} used, ${r.unusedActions.length} unused, ${r.unobservableActions.length} unobservable, ${r.deniedActions.length} calls denied.${r.entra.firstParty ? ' Microsoft first-party app.' : ''}</p>${r.entra.gaps.length ? `<p><small>Not known: ${e(r.entra.gaps.join(' '))}</small></p>` : ''}`
    : `<p>Activity: ${r.activity.events} events${r.activity.lastSeen ? `, last ${e(r.activity.lastSeen)}` : ''}. Grants ${r.grant.allowedActions} actions: ${r.usedActions.length} used, ${r.unusedActions.length} unused, ${r.unobservableActions.length} unobservable, ${r.deniedActions.length} denied.</p>`
}
${findings}${remove}${rec}</details>`;
}

/** The coverage paragraph of one Entra tenant. */
function entraCoverage(c: NonNullable<FindingsDocument['coverage']['entra']>[number]): string {
  const e = escapeHtml;
  const q = c.requests;
  const table = c.unmappedCalls.length
    ? `<table><tr><th>Unmapped Graph call</th><th>Requests</th></tr>${c.unmappedCalls.map((u) => `<tr><td>${e(`${u.method} ${u.path}`)}</td><td class="n">${u.count}</td></tr>`).join('')}</table>`
    : '';
  return `<p>Entra tenant ${e(c.tenantId)}: ${c.servicePrincipals} service principals (${c.signInActivityKnown} with sign-in activity). Graph activity logs ${c.activityLogs ? 'read' : 'not read'}: ${q.read} requests, ${q.inWindow} in the window, ${q.mapped} mapped to permissions, ${q.unmapped} unmapped, ${q.denied} denied, ${q.unattributed} from apps not in the inventory. Permission map: ${e(c.permissionMap.source)} (${c.permissionMap.entries} templates).</p>${table}`;
}
