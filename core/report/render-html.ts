/**
 * Renders the report as one self-contained HTML file: no external asset of any kind, charts as
 * inline SVG, collapsible sections (`<details>`), and filter and search by one inline script. A
 * Content-Security-Policy meta tag forbids every load (`default-src 'none'`) and allows only
 * that script and that style block, by hash, so the file can be opened from a mail link or an
 * S3 presigned URL without reaching anything else. Every section's content is in the markup, so
 * a reader without JavaScript (a mail preview, a locked-down browser, a screen reader, print)
 * sees all of it; the script only filters, searches and copies. Pure: report model in, text out.
 */
import type { FindingsDocument } from '#core/model/findings.ts';
import { SEVERITIES } from '#core/ports/finding-store.ts';
import { escapeHtml, reductionChart, serviceChart, trendChart } from '#core/report/charts.ts';
import { historyFromChanges } from '#core/report/history.ts';
import { MAX_CHANGE_ROWS, NOT_COMPARED, type RenderOptions } from '#core/report/render-markdown.ts';
import { cspHash } from '#core/report/sha256.ts';
import {
  buildWeeklyReport,
  CLASS_LABELS,
  cloudTrailCoverageLine,
  githubCoverageLine,
  REPORT_CLASSES,
  type ReportIdentity,
  reportScopeLine,
  type WeeklyReport,
} from '#core/report/weekly-report.ts';

export { escapeHtml };

const e = escapeHtml;

/** Most (service, access level) rows an identity's table shows; report.json has them all. */
export const MAX_LEVEL_ROWS = 40;

/**
 * The style sheet. `#details` (every identity's section, bodies included, 0.6 M elements for
 * 5,000 identities) gets `content-visibility: auto`: while it is off screen Chromium neither
 * styles nor lays it out, so the parser's incremental layouts stay as cheap as the rest of the
 * page; it still counts for find-in-page, links and print. Measured with bench/report.ts on a
 * 5,000-identity report: bodies in closed `<details>` alone took 6.5 to 6.9 s to load, with this
 * 3.4 s (as a JSON block the script rendered on opening, which this replaces, 3.2 s).
 * Print opens every section (`::details-content`), as a closed section would otherwise print
 * empty, and drops the controls and the scroll box of long policies.
 */
const CSS = `body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin:0;font-size:20px;display:inline}
section>details>summary,section.plain>h2{display:block;margin-top:28px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.meta{color:#4b5563}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:24px}.card.hot b{color:#b91c1c}.charts{display:flex;flex-wrap:wrap;gap:16px;margin-top:12px}
figure{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;max-width:100%;overflow:auto}
figcaption{font-weight:600;margin-bottom:8px}svg text{font-size:12px;fill:#374151}svg text.v{fill:#111827}svg text.s{font-size:11px;fill:#6b7280}
rect.granted,i.granted{fill:#9ca3af;background:#9ca3af}rect.kept,i.kept{fill:#059669;background:#059669}rect.open{fill:#dc2626}
rect.used,i.used{fill:#059669;background:#059669}rect.unobservable,i.unobservable{fill:#cbd5e1;background:#cbd5e1}rect.unused,i.unused{fill:#dc2626;background:#dc2626}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f4f6}td.n{text-align:right}
.sev{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;font-size:12px}.sev.critical{background:#7f1d1d}.sev.high{background:#dc2626}
.sev.medium{background:#b45309}.sev.low{background:#2563eb}.sev.info{background:#6b7280}
details.identity{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:8px 0;padding:8px 12px}details.identity>summary{cursor:pointer;font-weight:600}
summary{cursor:pointer}pre{background:#111827;color:#e5e7eb;padding:12px;border-radius:6px;overflow:auto;font-size:12px;max-height:480px}
pre .add{color:#86efac}pre .del{color:#fca5a5}.gaps{background:#fffbeb;border:1px solid #f59e0b;border-radius:8px;padding:8px 16px}code{font-size:12px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}.filters input{flex:1;min-width:240px;padding:6px}
button.copy{float:right;font-size:12px}.score{font-weight:700}h3{margin:12px 0 4px;font-size:15px}
#details{content-visibility:auto;contain-intrinsic-size:auto 1000px}
@media print{details::details-content{content-visibility:visible}.filters,button.copy{display:none}pre{max-height:none;overflow:visible;white-space:pre-wrap}}`;

/** Filter, search, copy buttons, and opening a section a link points at. */
const SCRIPT = `(function(){
var q=document.getElementById('filter'),c=document.getElementById('class-filter'),r=document.getElementById('rec-filter'),out=document.getElementById('visible-count');
var rows=Array.prototype.slice.call(document.querySelectorAll('#identities tbody tr'));
var secs=Array.prototype.slice.call(document.querySelectorAll('details.identity'));
function match(x,t,cv,rv){return(!t||x.getAttribute('data-search').indexOf(t)!==-1)&&(!cv||x.getAttribute('data-class')===cv)&&(!rv||x.getAttribute('data-rec')===rv);}
function apply(){var t=q.value.trim().toLowerCase(),cv=c.value,rv=r.value,n=0;
for(var i=0;i<rows.length;i++){var ok=match(rows[i],t,cv,rv);rows[i].hidden=!ok;if(ok)n++;}
for(var j=0;j<secs.length;j++){secs[j].hidden=!match(secs[j],t,cv,rv);}
out.textContent=String(n);}
q.addEventListener('input',apply);c.addEventListener('change',apply);r.addEventListener('change',apply);
document.addEventListener('click',function(ev){var b=ev.target.closest&&ev.target.closest('button.copy');if(!b)return;
var pre=document.getElementById(b.getAttribute('data-target'));if(!pre)return;var range=document.createRange();range.selectNodeContents(pre);
var sel=window.getSelection();sel.removeAllRanges();sel.addRange(range);
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(pre.textContent).then(function(){b.textContent='Copied';},function(){b.textContent='Selected: press Ctrl+C';});}else{b.textContent='Selected: press Ctrl+C';}});
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;var d=document.getElementById(id);if(d&&d.tagName==='DETAILS'){d.hidden=false;d.open=true;}}
window.addEventListener('hashchange',openTarget);openTarget();apply();})();`;

/** The Content-Security-Policy of the report: nothing loads; only its own script and style run. */
export const REPORT_CSP = `default-src 'none'; script-src ${cspHash(SCRIPT)}; style-src ${cspHash(CSS)}; img-src data:; base-uri 'none'; form-action 'none'`;

function sev(s: string): string {
  return `<span class="sev ${e(s)}">${e(s)}</span>`;
}

/** The id of an identity's section. */
export function anchor(id: string): string {
  return `id-${id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** A collapsible top-level section. */
function section(id: string, title: string, body: string, open = true): string {
  return `<section id="${id}"><details${open ? ' open' : ''}><summary><h2>${e(title)}</h2></summary>${body}</details></section>`;
}

function headlineSection(r: WeeklyReport): string {
  const h = r.headline;
  const cards = [
    [
      'Granted permissions that can go',
      `${h.removable.toLocaleString('en-US')} of ${h.granted.toLocaleString('en-US')} (${pct(h.reduction)})`,
      h.removable > 0,
    ],
    ['Unused identities', h.unusedIdentities, h.unusedIdentities > 0],
    ['Stale credentials', h.staleCredentials, h.staleCredentials > 0],
    ['Standing credentials', h.standingCredentials, h.standingCredentials > 0],
    ['High-risk grants', h.highRiskGrants, h.highRiskGrants > 0],
    ['Critical + high findings', h.findings.critical + h.findings.high, h.findings.critical > 0],
    ['To rightsize / decommission', `${h.toRightsize} / ${h.toDecommission}`, false],
  ]
    .map(
      ([k, v, hot]) =>
        `<div class="card${hot ? ' hot' : ''}" data-card="${e(String(k))}"><b>${e(String(v))}</b>${e(String(k))}</div>`,
    )
    .join('');
  const rows = h.byClass
    .map(
      (c) =>
        `<tr data-class="${c.class}"><td>${e(c.label)}</td><td class="n">${c.identities}</td><td class="n">${c.granted}</td><td class="n">${c.used}</td><td class="n">${c.unobservable}</td><td class="n">${c.removable}</td><td class="n">${pct(c.reduction)}</td></tr>`,
    )
    .join('');
  const table = `<table id="by-class"><thead><tr><th>Class</th><th>Identities</th><th>Granted</th><th>Used</th><th>Kept, use not observable</th><th>Can go</th><th>Reduction</th></tr></thead><tbody>${rows}</tbody></table>`;
  const gaps = r.coverageGaps.length
    ? `<div class="gaps"><p><b>What this scan could not see</b></p><ul>${r.coverageGaps.map((g) => `<li>${e(g)}</li>`).join('')}</ul></div>`
    : '';
  return `<div class="cards">${cards}</div>${gaps}${table}<div class="charts">${reductionChart(h.byClass)}${trendChart(r.trend)}${serviceChart(r.services)}</div>`;
}

function changesSection(r: WeeklyReport): string {
  const c = r.changes;
  if (!c) return '';
  const intro =
    c.state !== 'compared' || !c.since
      ? `<p>${e(NOT_COMPARED[c.state === 'not-recorded' ? 'not-recorded' : 'first-scan'])}</p>`
      : `<p>Since ${e(c.label)} (${e(c.since)}${c.baselineRunId ? `, run ${e(c.baselineRunId)}` : ''}): ${c.newFindings.length} new findings, ${c.resolvedFindings.length} resolved${c.persisting !== null ? `, ${c.persisting} persisting` : ''}; ${c.inventoryKnown ? `${c.newIdentities.length} new identities (${c.newAgents.length} AI agents), ${c.removedIdentities.length} removed, ${c.permissionsAdded.length} permissions added` : 'identities and permissions not compared'}.</p>`;
  const findings = [
    ...c.newFindings.slice(0, MAX_CHANGE_ROWS).map((f) => ({ change: 'new', f })),
    ...c.resolvedFindings.slice(0, MAX_CHANGE_ROWS).map((f) => ({ change: 'resolved', f })),
  ];
  const omitted = c.newFindings.length + c.resolvedFindings.length - findings.length;
  const ft = findings.length
    ? `<table id="changed-findings"><thead><tr><th>Change</th><th>Severity</th><th>Rule</th><th>Identity</th><th>Finding</th><th>When</th></tr></thead><tbody>${findings
        .map(
          ({ change, f }) =>
            `<tr><td>${change}</td><td>${sev(f.severity)}</td><td>${e(f.ruleId)}</td><td>${e(f.identityName)}</td><td>${e(f.title)}</td><td>${e(f.at.slice(0, 16))}</td></tr>`,
        )
        .join('')}</tbody></table>${omitted > 0 ? `<p>And ${omitted} more.</p>` : ''}`
    : '';
  const ids = [
    ...c.newIdentities.map((i) => ({ change: 'new', i })),
    ...c.removedIdentities.map((i) => ({ change: 'removed', i })),
  ];
  const it = ids.length
    ? `<h3>Identities</h3><table id="changed-identities"><thead><tr><th>Change</th><th>Identity</th><th>Class</th><th>Account or tenant</th><th>When</th></tr></thead><tbody>${ids
        .slice(0, MAX_CHANGE_ROWS)
        .map(
          ({ change, i }) =>
            `<tr><td>${change}</td><td>${e(i.name)}</td><td>${e(CLASS_LABELS[i.class])}</td><td>${e(i.scope)}</td><td>${e(i.at.slice(0, 16))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const pt = c.permissionsAdded.length
    ? `<h3>Permissions added</h3><table id="permissions-added"><thead><tr><th>Identity</th><th>Kind</th><th>Permission source</th><th>What</th><th>When</th></tr></thead><tbody>${c.permissionsAdded
        .slice(0, MAX_CHANGE_ROWS)
        .map(
          (p) =>
            `<tr><td>${e(p.identityName)}</td><td>${e(p.kind)}</td><td>${e(p.name)}</td><td>${e(p.detail)}</td><td>${e(p.at.slice(0, 16))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  return section('changes', `Since ${c.label}`, `${intro}${ft}${it}${pt}`);
}

function topRisksSection(r: WeeklyReport): string {
  const byId = new Map(r.identities.map((i) => [i.id, i]));
  const rows = r.topRisks
    .map((id) => byId.get(id)!)
    .map(
      (i) =>
        `<tr><td class="n">${i.rank}</td><td><a href="#${anchor(i.id)}">${e(i.name)}</a><br><small>${e(i.id)}</small></td><td>${e(CLASS_LABELS[i.class])}</td><td class="n score">${i.risk.score}</td><td><ul>${i.risk.reasons.map((x) => `<li>+${x.points} ${e(x.text)}</li>`).join('')}</ul></td></tr>`,
    )
    .join('');
  const body = rows
    ? `<p>Scored 0 to 100 from findings by severity, the share of the grant nobody used, the size of the grant, dangerous grants, stale or standing credentials, and whether the identity is an AI agent or builder (see the README, "The weekly report").</p><table id="top-risks"><thead><tr><th>#</th><th>Identity</th><th>Class</th><th>Score</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No identity carries any risk this week.</p>';
  return section('top-risks', 'The ten riskiest identities', body);
}

function containmentSection(r: WeeklyReport): string {
  const c = r.containment;
  if (!c.known)
    return section(
      'containment',
      'Containment and approvals',
      '<p>Not read: this report was made without the store.</p>',
    );
  const actions = c.actions.length
    ? `<table id="containment-actions"><thead><tr><th>Identity</th><th>Containment</th><th>Where it stands</th><th>Steps</th><th>By</th><th>Last</th></tr></thead><tbody>${c.actions
        .map(
          (a) =>
            `<tr><td>${e(a.identityName)}</td><td>${e(a.kind ?? 'unnamed')}<br><small>${e(a.requestId)}</small></td><td>${e(a.state)}</td><td>${e(a.steps.join(' → '))}</td><td>${e(a.actors.join(', '))}</td><td>${e(a.last.slice(0, 16))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No containment action in the period.</p>';
  const pending = c.pending.length
    ? `<h3>Approvals pending</h3><table id="approvals-pending"><thead><tr><th>Identity</th><th>Request</th><th>Asked by</th><th>Asked</th><th>Expires</th></tr></thead><tbody>${c.pending
        .map(
          (p) =>
            `<tr><td>${e(p.identityName)}</td><td>${e(p.summary)}<br><small>${e(p.requestId)}</small></td><td>${e(p.requestedBy)}</td><td>${e(p.requestedAt.slice(0, 16))}</td><td>${e(p.expiresAt.slice(0, 16))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No approval is pending.</p>';
  return section('containment', 'Containment and approvals', `${actions}${pending}`);
}

function searchText(i: ReportIdentity): string {
  return [i.name, i.id, i.class, i.recommendation, ...i.findings.map((f) => f.ruleId)]
    .join(' ')
    .toLowerCase();
}

function identitiesSection(r: WeeklyReport): string {
  const rows = r.identities
    .map(
      (i) =>
        `<tr data-class="${i.class}" data-rec="${i.recommendation}" data-search="${e(searchText(i))}"><td><a href="#${anchor(i.id)}">${e(i.name)}</a></td><td>${e(CLASS_LABELS[i.class])}</td><td class="n">${i.risk.score}</td><td class="n">${i.granted}</td><td class="n">${i.used}</td><td class="n">${i.unused}</td><td class="n">${i.unobservable}</td><td>${i.findings.map((f) => sev(f.severity)).join(' ')}</td><td>${e(i.recommendation)}</td><td>${e(i.confidence)}</td></tr>`,
    )
    .join('');
  const classes = REPORT_CLASSES.map((c) => `<option value="${c}">${e(CLASS_LABELS[c])}</option>`);
  const recs = [...new Set(r.identities.map((i) => i.recommendation))]
    .sort()
    .map((x) => `<option value="${e(x)}">${e(x)}</option>`);
  const filters = `<div class="filters"><input id="filter" type="search" placeholder="Search identities: name, ARN, rule id…" aria-label="Search identities"><select id="class-filter" aria-label="Class"><option value="">Every class</option>${classes.join('')}</select><select id="rec-filter" aria-label="Recommendation"><option value="">Every recommendation</option>${recs.join('')}</select><span><output id="visible-count">${r.identities.length}</output> of ${r.identities.length} shown</span></div>`;
  return section(
    'identities-section',
    'Identities',
    `${filters}<table id="identities"><thead><tr><th>Identity</th><th>Class</th><th>Risk</th><th>Granted</th><th>Used</th><th>Unused</th><th>Unobservable</th><th>Findings</th><th>Recommendation</th><th>Confidence</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

/** The diff with added and removed lines marked. */
function diffHtml(diff: string): string {
  return diff
    .split('\n')
    .map((line) =>
      line.startsWith('+')
        ? `<span class="add">${e(line)}</span>`
        : line.startsWith('-')
          ? `<span class="del">${e(line)}</span>`
          : e(line),
    )
    .join('\n');
}

/**
 * One identity's section, its body always in the markup: a closed `<details>` is not laid out,
 * and the CSS keeps the whole list out of layout while it is off screen.
 */
function identityDetails(i: ReportIdentity, open: boolean): string {
  const a = anchor(i.id);
  const findings = i.findings.length
    ? `<ul>${i.findings.map((f) => `<li>${sev(f.severity)} <b>${e(f.ruleId)}</b> ${e(f.title)}<br><small>${e(f.explanation)}</small></li>`).join('')}</ul>`
    : '<p>No findings.</p>';
  const levelRows = i.services.flatMap((s) =>
    s.levels.map(
      (l) =>
        `<tr><td>${e(s.service)}</td><td>${e(l.level)}</td><td class="n">${l.granted}</td><td class="n">${l.used}</td><td class="n">${l.unused}</td><td class="n">${l.unobservable}</td></tr>`,
    ),
  );
  const usage = levelRows.length
    ? `<h3>Used against granted, by service and access level</h3><table class="levels"><thead><tr><th>Service</th><th>Access level</th><th>Granted</th><th>Used</th><th>Unused</th><th>Unobservable</th></tr></thead><tbody>${levelRows.slice(0, MAX_LEVEL_ROWS).join('')}</tbody></table>${levelRows.length > MAX_LEVEL_ROWS ? `<p>And ${levelRows.length - MAX_LEVEL_ROWS} more rows in report.json.</p>` : ''}`
    : '';
  const remove = i.permissionsToRemove.length
    ? `<p><b>Recommendation (${e(i.recommendation)}, ${e(i.confidence)} confidence):</b> remove ${i.permissionsToRemove.length} permission${i.permissionsToRemove.length === 1 ? '' : 's'}.</p><ul>${i.permissionsToRemove.map((p) => `<li><code>${e(p.permission)}</code> (${e(p.kind)}, ${e(p.resource)}): ${e(p.reason)}</li>`).join('')}</ul>`
    : '';
  const rp = i.recommendedPolicy;
  const policy = rp
    ? `<p><b>Recommendation (${e(i.recommendation)}, ${e(i.confidence)} confidence):</b> keep ${rp.keptActions} actions (${rp.keptUnobservable} only because their use cannot be observed), remove ${rp.removedActions}.</p>${rp.detach.map((d) => `<p>Detach <b>${e(d.policy)}</b>: ${e(d.reason)}</p>`).join('')}<h3>Diff</h3><pre class="diff">${diffHtml(rp.diff)}</pre>${rp.policies
        .map(
          (p, n) =>
            `<h3>${e(p.name)} (${p.size} characters)</h3><button type="button" class="copy" data-target="${a}-p${n}">Copy</button><pre class="policy" id="${a}-p${n}">${e(JSON.stringify(p.document, null, 2))}</pre>`,
        )
        .join('')}`
    : i.permissionsToRemove.length === 0
      ? `<p><b>Recommendation:</b> ${e(i.recommendation)} (${e(i.confidence)} confidence).</p>`
      : '';
  const ev = i.evidence;
  const evidence = `<h3>Evidence</h3><p>${ev.events} events in the window${ev.firstSeen ? `, first ${e(ev.firstSeen)}` : ''}${ev.lastSeen ? `, last seen ${e(ev.lastSeen)}` : ', never seen in the window'}${ev.consoleSignIns ? `; ${ev.consoleSignIns} console sign-ins` : ''}${ev.lastActivityReportedByIam ? `; IAM reports last activity ${e(ev.lastActivityReportedByIam)}` : ''}${ev.lastSignIn ? `; last sign-in or use ${e(ev.lastSignIn)}` : ''}.</p>${
    ev.topActions.length
      ? `<table class="evidence"><thead><tr><th>Most used</th><th>Calls</th><th>Last seen</th></tr></thead><tbody>${ev.topActions.map((x) => `<tr><td><code>${e(x.action)}</code></td><td class="n">${x.count}</td><td>${e(x.lastSeen)}</td></tr>`).join('')}</tbody></table>`
      : ''
  }${ev.denied.length ? `<p>Denied: ${ev.denied.map((d) => `<code>${e(d.action)}</code> ×${d.count} (${e(d.errorCodes.join(', '))})`).join(', ')}</p>` : ''}${ev.eventIds.length ? `<p>Event ids: ${ev.eventIds.map((x) => `<code>${e(x)}</code>`).join(' ')}</p>` : ''}`;
  const gaps =
    i.gaps.length || i.unobservableByReason.length
      ? `<h3>What Leash cannot see here</h3><ul>${i.gaps.map((g) => `<li>${e(g)}</li>`).join('')}${i.unobservableByReason.map((u) => `<li>${u.count} kept because ${e(u.reason)} (e.g. ${u.examples.map((x) => `<code>${e(x)}</code>`).join(', ')})</li>`).join('')}</ul>`
      : '';
  const graph = i.graph.length
    ? `<h3>Agent graph</h3><ul>${i.graph.map((g) => `<li>${e(g.relation)} <code>${e(g.target)}</code> (${e(g.via)}${g.lastSeen ? `, last ${e(g.lastSeen)}` : ''}${g.eventIds.length ? `, events ${g.eventIds.slice(0, 3).map(e).join(', ')}` : ''})</li>`).join('')}</ul>`
    : '';
  const body = `<p><code>${e(i.id)}</code><br>${e(i.type)} in ${e(i.accountId)} · classified by ${e(i.classifiedBy)}</p>${findings}${usage}${remove}${policy}${evidence}${gaps}${graph}`;
  return `<details class="identity" id="${a}" data-class="${i.class}" data-rec="${i.recommendation}" data-search="${e(searchText(i))}"${open ? ' open' : ''}><summary>${e(i.name)} · ${e(CLASS_LABELS[i.class])} · risk ${i.risk.score} · ${i.findings.length} findings</summary>${body}</details>`;
}

function agentsSection(doc: FindingsDocument): string {
  if (doc.agents.length === 0) return '';
  return section(
    'agents',
    'AI agents',
    `<table><thead><tr><th>Agent</th><th>Kind</th><th>Runs as</th><th>Model</th><th>Tools</th><th>Created by</th></tr></thead><tbody>${doc.agents.map((g) => `<tr><td>${e(g.name)}</td><td>${e(g.kind)}</td><td>${e(g.roleArn ?? 'unknown')}</td><td>${e(g.foundationModel ?? '')}</td><td>${e(g.tools.map((t) => `${t.name}${t.functionRoleArn ? ` → ${t.functionRoleArn}` : ''}`).join(', ') || 'none')}</td><td>${e(g.createdBy.map((x) => x.arn).join(', ') || 'unknown')}</td></tr>`).join('')}</tbody></table>`,
  );
}

/** The coverage paragraph of one Entra tenant. */
function entraCoverage(c: NonNullable<FindingsDocument['coverage']['entra']>[number]): string {
  const q = c.requests;
  const table = c.unmappedCalls.length
    ? `<table><tr><th>Unmapped Graph call</th><th>Requests</th></tr>${c.unmappedCalls.map((u) => `<tr><td>${e(`${u.method} ${u.path}`)}</td><td class="n">${u.count}</td></tr>`).join('')}</table>`
    : '';
  return `<p>Entra tenant ${e(c.tenantId)}: ${c.servicePrincipals} service principals (${c.signInActivityKnown} with sign-in activity). Graph activity logs ${c.activityLogs ? 'read' : 'not read'}: ${q.read} requests, ${q.inWindow} in the window, ${q.mapped} mapped to permissions, ${q.unmapped} unmapped, ${q.denied} denied, ${q.unattributed} from apps not in the inventory. Permission map: ${e(c.permissionMap.source)} (${c.permissionMap.entries} templates).</p>${table}`;
}

function coverageSection(doc: FindingsDocument): string {
  const c = doc.coverage;
  const records = cloudTrailCoverageLine(doc);
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
  return section(
    'coverage',
    'Coverage',
    `${records ? `<p>${e(records)}</p>` : ''}${unmapped}${(c.entra ?? []).map(entraCoverage).join('')}${(doc.github ?? []).map((o) => `<p>${e(githubCoverageLine(o))}</p>`).join('')}${issues}`,
    false,
  );
}

/** Renders a report model as self-contained HTML. */
export function renderReportHtml(r: WeeklyReport): string {
  const top = new Set(r.topRisks);
  const details = r.identities.map((i) => identityDetails(i, top.has(i.id))).join('\n');
  const findings = SEVERITIES.filter((s) => r.headline.findings[s] > 0)
    .map((s) => `${r.headline.findings[s]} ${s}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${e(r.title)} ${e(r.day)}</title><style>${CSS}</style></head>
<body><main>
<h1>${e(r.title)}</h1>
<p class="meta">${e(reportScopeLine(r))} · report of ${e(r.day)}</p>
<p class="meta">Findings: ${e(findings || 'none')}.</p>
${section('headline', 'Attack surface that can go', headlineSection(r))}
${changesSection(r)}
${topRisksSection(r)}
${containmentSection(r)}
${agentsSection(r.document)}
${identitiesSection(r)}
${section('details', 'Every identity', details)}
${coverageSection(r.document)}
</main><script>${SCRIPT}</script></body></html>
`;
}

/**
 * Renders a findings document as HTML (`leash scan`): the report model without the store's
 * weekly history, with what changed since the previous scan when given.
 */
export function renderHtml(doc: FindingsDocument, options: RenderOptions = {}): string {
  return renderReportHtml(
    buildWeeklyReport(doc, {
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(options.changes ? { history: historyFromChanges(options.changes) } : {}),
    }),
  );
}
