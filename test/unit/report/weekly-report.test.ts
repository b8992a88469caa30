/**
 * The weekly report model (headline by class, risk score, use by service and access level), the
 * history it reads from the store (what changed over the week, containment, approvals), and the
 * CSV of recommendations.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';
import { renderReport } from '#core/report/formats.ts';
import { containmentActions, loadReportHistory } from '#core/report/history.ts';
import { CSV_COLUMNS, csvField } from '#core/report/render-csv.ts';
import { anchor, REPORT_CSP } from '#core/report/render-html.ts';
import {
  buildWeeklyReport,
  RISK_POINTS,
  reportClass,
  reportScopeLine,
  riskScore,
  serviceUsage,
  weeklyTrend,
} from '#core/report/weekly-report.ts';
import { recordScanRun } from '#core/store/record-scan.ts';
import { generatedDocument } from '#test/browser/report-corpus.ts';
import {
  aFinding,
  aFindingsDocument,
  anEntraIdentityResult,
  anIdentityResult,
  DOC_ACCOUNT,
} from '#test/helpers/findings-document.ts';

let catalog: ActionCatalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-02T03:00:00.000Z');

const admin = aFinding({ ruleId: 'LP-IAM-005', severity: 'critical', title: 'Admin equivalent' });
const staleKey = aFinding({
  ruleId: 'LP-IAM-002',
  severity: 'high',
  title: 'Access key 1 is active and was never used',
});

/**
 * The element of `html` with this id: its start tag and what lies between it and the end tag
 * that closes it, found by counting the nested start and end tags of the same name.
 */
function elementById(html: string, id: string): { startTag: string; inner: string } {
  const at = html.indexOf(` id="${id}"`);
  const open = html.lastIndexOf('<', at);
  const name = /^<([a-z]+)/.exec(html.slice(open))![1]!;
  const startTag = html.slice(open, html.indexOf('>', at) + 1);
  const tags = new RegExp(`<(/?)${name}\\b[^>]*>`, 'g');
  tags.lastIndex = open + startTag.length;
  let depth = 1;
  for (let m = tags.exec(html); m; m = tags.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return { startTag, inner: html.slice(open + startTag.length, m.index) };
  }
  throw new Error(`<${name} id="${id}"> is never closed`);
}

function anAgent(name: string, findings = [admin]) {
  return anIdentityResult(name, findings, {
    actions: ['s3:GetObject', 's3:PutObject', 'iam:PutRolePolicy', 'iam:ListRoles'],
    used: 1,
    overrides: { class: 'ai-agent', aiRole: 'agent' },
  });
}

describe('the report model', () => {
  it('counts the attack surface that can go by class, only where a recommendation removes it', () => {
    // Arrange
    const doc = aFindingsDocument([
      anAgent('agent'),
      anIdentityResult('builder', [], {
        actions: ['bedrock:CreateAgent', 'bedrock:GetAgent'],
        used: 1,
        overrides: { class: 'human', aiRole: 'builder' },
      }),
      anIdentityResult('kept', [], {
        actions: ['sqs:SendMessage', 'sqs:ReceiveMessage'],
        used: 0,
        overrides: { recommendation: 'insufficient-evidence' },
      }),
      anIdentityResult('alice', [staleKey], {
        actions: ['ec2:DescribeInstances'],
        overrides: { class: 'human', type: 'user' },
      }),
    ]);

    // Act
    const r = buildWeeklyReport(doc, { catalog });

    // Assert
    const byClass = Object.fromEntries(r.headline.byClass.map((c) => [c.class, c]));
    expect(byClass['ai-agent']).toMatchObject({ identities: 1, granted: 4, used: 1, removable: 3 });
    expect(byClass['ai-builder']).toMatchObject({ identities: 1, granted: 2, removable: 1 });
    // Insufficient evidence keeps its grant: nothing of it "can go".
    expect(byClass.workload).toMatchObject({ identities: 1, granted: 2, removable: 0 });
    expect(byClass.human).toMatchObject({ identities: 1, granted: 1, removable: 1 });
    expect(r.headline).toMatchObject({
      granted: 9,
      removable: 5,
      staleCredentials: 1,
      highRiskGrants: 1,
      findings: { critical: 1, high: 1 },
    });
    expect(r.headline.reduction).toBeCloseTo(5 / 9);
    expect(r.topRisks[0]).toBe(doc.identities[0]!.id);
    expect(r.changes).toBeNull();
    expect(r.containment.known).toBe(false);
  });

  it('puts the AI role before the class', () => {
    const base = anIdentityResult('x');
    expect(reportClass({ ...base, class: 'workload', aiRole: 'agent' })).toBe('ai-agent');
    expect(reportClass({ ...base, class: 'human', aiRole: 'user' })).toBe('ai-user');
    expect(reportClass({ ...base, class: 'human', aiRole: null })).toBe('human');
    expect(reportClass({ ...base, class: 'workload', aiRole: null })).toBe('workload');
  });

  it('scores risk from its documented parts and caps it at 100', () => {
    // Arrange
    const many = Array.from({ length: 5 }, (_, i) => ({ ...admin, title: `Admin ${i}` }));
    const heavy = anIdentityResult('heavy', [...many, staleKey], {
      actions: Array.from({ length: 200 }, (_, i) => `s3:Action${i}`),
      overrides: { class: 'ai-agent', aiRole: 'agent' },
    });
    const quiet = anIdentityResult('quiet', [], {
      actions: ['s3:GetObject'],
      used: 1,
      overrides: { recommendation: 'none-needed' },
    });

    // Act
    const h = riskScore(heavy);
    const q = riskScore(quiet);

    // Assert
    // 50 + 20 + 6 + 10 + 5 + 10 = 101, capped.
    expect(h.score).toBe(100);
    expect(h.reasons[0]).toEqual({
      points: RISK_POINTS.findingsCap,
      text: 'findings: 5 critical, 1 high',
    });
    expect(h.reasons.map((x) => x.text)).toEqual(
      expect.arrayContaining([
        '200 of 200 granted actions unused (100%)',
        'reach: 200 granted',
        'high-risk grant: LP-IAM-005',
        'stale or standing credential',
        'AI agent',
      ]),
    );
    // One granted action, nothing else: the reach alone (round(2.5 * log10(2)) = 1).
    expect(q).toEqual({ score: 1, reasons: [{ points: 1, text: 'reach: 1 granted' }] });
  });

  it('splits use against grants by service and IAM access level', () => {
    // Arrange
    const r = anAgent('agent');

    // Act
    const services = serviceUsage(r, catalog);

    // Assert
    const s3 = services.find((s) => s.service === 's3')!;
    const iam = services.find((s) => s.service === 'iam')!;
    expect(s3.levels).toEqual([
      { level: 'Write', granted: 1, used: 0, unused: 1, unobservable: 0 },
      { level: 'Read', granted: 1, used: 1, unused: 0, unobservable: 0 },
    ]);
    expect(iam.levels.map((l) => l.level)).toEqual(['Permissions management', 'List']);
    expect(serviceUsage(r).every((s) => s.levels.every((l) => l.level === 'unknown'))).toBe(true);
  });

  it('shows Entra permissions by resource and kind', () => {
    const sp = anEntraIdentityResult('mailer', ['Mail.Send', 'User.Read.All']);
    expect(serviceUsage(sp)).toEqual([
      {
        service: 'Microsoft Graph',
        granted: 2,
        used: 0,
        unused: 2,
        unobservable: 0,
        levels: [{ level: 'application', granted: 2, used: 0, unused: 2, unobservable: 0 }],
      },
    ]);
  });

  it('keeps the last scan of each week for the trend, summing new and resolved', () => {
    // Arrange
    const scan = (runId: string, at: number, open: number, n: number, resolved: number) => ({
      runId,
      at,
      scopes: [DOC_ACCOUNT],
      open,
      new: n,
      resolved,
      persisting: 0,
      openBySeverity: { critical: 0, high: open, medium: 0, low: 0, info: 0 },
    });

    // Act: Monday 2 Nov and Wednesday 4 Nov are one week, Monday 9 Nov the next
    const trend = weeklyTrend(
      [scan('a', T0, 5, 5, 0), scan('b', T0 + 2 * DAY, 4, 1, 2), scan('c', T0 + 7 * DAY, 6, 2, 0)],
      T0 + 8 * DAY,
    );

    // Assert
    expect(trend.map((p) => [p.week, p.runId, p.open, p.new, p.resolved])).toEqual([
      ['2026-11-02', 'b', 4, 6, 2],
      ['2026-11-09', 'c', 6, 2, 0],
    ]);
  });
});

describe('the history from the store', () => {
  async function twoWeeks(): Promise<{
    store: LeashStore;
    doc: ReturnType<typeof aFindingsDocument>;
  }> {
    const store = openMemoryStore();
    const week1 = aFindingsDocument(
      [
        anIdentityResult('app', [aFinding({ title: 'Policy Old is unused' })], {
          policies: ['AppPolicy'],
        }),
        anIdentityResult('gone', [aFinding({ title: 'No activity' })]),
      ],
      { asOf: new Date(T0).toISOString() },
    );
    await recordScanRun(store, week1, 'run-1', T0);
    const week2 = aFindingsDocument(
      [
        anIdentityResult('app', [aFinding({ title: 'Policy New is unused', severity: 'high' })], {
          policies: ['AppPolicy', 'ExtraPolicy'],
        }),
        anAgent('new-agent'),
      ],
      { asOf: new Date(T0 + 7 * DAY).toISOString() },
    );
    await recordScanRun(store, week2, 'run-2', T0 + 7 * DAY);
    return { store, doc: week2 };
  }

  it('lists what changed over the week: findings, identities, agents, permissions', async () => {
    // Arrange
    const { store, doc } = await twoWeeks();

    // Act
    const history = await loadReportHistory(store, doc);

    // Assert
    const c = history.changes;
    expect(c).toMatchObject({ state: 'compared', label: 'last week', baselineRunId: 'run-1' });
    expect(c.newFindings.map((f) => `${f.identityName}: ${f.title}`).sort()).toEqual([
      'app: Policy New is unused',
      'new-agent: Admin equivalent',
    ]);
    expect(c.resolvedFindings.map((f) => `${f.identityName}: ${f.title}`).sort()).toEqual([
      'app: Policy Old is unused',
      'gone: No activity',
    ]);
    expect(c.newIdentities.map((i) => i.name)).toEqual(['new-agent']);
    expect(c.newAgents.map((i) => i.name)).toEqual(['new-agent']);
    expect(c.removedIdentities.map((i) => i.name)).toEqual(['gone']);
    // The new agent's grants are not listed again; the policy attached to app is.
    expect(c.permissionsAdded.map((p) => `${p.identityName} ${p.name}`)).toEqual([
      'app ExtraPolicy',
    ]);
    expect(history.scans.map((s) => s.runId)).toEqual(['run-1', 'run-2']);
  });

  it('says when the store holds only this scan, or none', async () => {
    // Arrange
    const store = openMemoryStore();
    const doc = aFindingsDocument([anIdentityResult('app')], {
      asOf: new Date(T0).toISOString(),
    });

    // Act
    const none = await loadReportHistory(store, doc);
    await recordScanRun(store, doc, 'run-1', T0);
    const first = await loadReportHistory(store, doc);

    // Assert
    expect(none.changes.state).toBe('not-recorded');
    expect(first.changes.state).toBe('first-scan');
    expect(renderReport(buildWeeklyReport(doc, { history: none }), 'md')).toContain(
      'No scan of these accounts and tenants is recorded in the store',
    );
    expect(renderReport(buildWeeklyReport(doc, { history: first }), 'md')).toContain(
      'This is the first recorded scan',
    );
  });

  it('shows containment taken in the period and approvals still pending', async () => {
    // Arrange
    const { store, doc } = await twoWeeks();
    const agentId = doc.identities[1]!.id;
    const at = T0 + 6 * DAY;
    const entry = (seq: number, kind: string, detail: Record<string, unknown> = {}) => ({
      requestId: 'req-1',
      seq,
      at: at + seq * 1000,
      scope: DOC_ACCOUNT,
      identityId: agentId,
      actor: seq === 0 ? 'leash' : 'alice@example.com',
      kind,
      detail,
    });
    await store.appendAudit(entry(0, 'requested', { kind: 'aws.quarantine' }));
    await store.appendAudit(entry(1, 'decided'));
    await store.appendAudit(entry(2, 'verified'));
    await store.requestApproval({
      requestId: 'req-2',
      scope: DOC_ACCOUNT,
      identityId: agentId,
      summary: 'Detach AdministratorAccess from new-agent',
      details: {},
      requestedBy: 'leash',
      requestedAt: at,
      expiresAt: T0 + 30 * DAY,
    });

    // Act
    const report = buildWeeklyReport(doc, { history: await loadReportHistory(store, doc) });

    // Assert
    expect(report.containment.known).toBe(true);
    expect(report.containment.actions).toEqual([
      expect.objectContaining({
        requestId: 'req-1',
        identityName: 'new-agent',
        kind: 'aws.quarantine',
        steps: ['requested', 'decided', 'verified'],
        state: 'verified',
        actors: ['leash', 'alice@example.com'],
      }),
    ]);
    expect(report.containment.pending).toEqual([
      expect.objectContaining({ requestId: 'req-2', identityName: 'new-agent' }),
    ]);
    const md = renderReport(report, 'md');
    expect(md).toContain(
      '| new-agent | aws.quarantine | verified | requested → decided → verified |',
    );
    expect(md).toContain('| Detach AdministratorAccess from new-agent | new-agent | leash |');
  });

  it('groups audit entries by request, newest first', () => {
    const e = (requestId: string, seq: number, at: number) => ({
      requestId,
      seq,
      at,
      scope: 's',
      identityId: 'i',
      actor: 'a',
      kind: seq === 0 ? 'requested' : 'rolled-back',
      detail: {},
    });
    const out = containmentActions([e('a', 1, 5), e('b', 0, 3), e('a', 0, 1)]);
    expect(out.map((x) => [x.requestId, x.steps.join(',')])).toEqual([
      ['a', 'requested,rolled-back'],
      ['b', 'requested'],
    ]);
  });
});

describe('the formats', () => {
  it('quotes CSV by RFC 4180 and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(42)).toBe('42');
    expect(csvField(null)).toBe('');
  });

  it('writes one CSV row per identity to rightsize or decommission, CRLF-terminated', () => {
    // Arrange
    const doc = aFindingsDocument([
      anAgent('=cmd|calc'),
      anIdentityResult('fine', [], { overrides: { recommendation: 'none-needed' } }),
    ]);

    // Act
    const csv = renderReport(buildWeeklyReport(doc, { catalog }), 'csv');

    // Assert
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[1]).toContain(",'=cmd|calc,");
  });

  it('writes HTML that loads nothing and runs only its own script', () => {
    // Arrange
    const doc = aFindingsDocument([anAgent('<img src=x onerror=alert(1)>')]);

    // Act
    const html = renderReport(buildWeeklyReport(doc, { catalog }), 'html');

    // Assert
    expect(html).toContain(`content="${REPORT_CSP}"`);
    expect(REPORT_CSP).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*';/);
    expect(html).not.toContain('<img');
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain('id="chart-reduction"');
    expect(html).toContain('id="chart-trend"');
    expect(html).toContain('id="chart-services"');
  });

  it("writes every identity's body inside its own section, collapsed or not", () => {
    // Arrange
    const report = buildWeeklyReport(generatedDocument(30), { catalog });
    // The least risky identity: not one of the ten, so its section is collapsed.
    const quiet = report.identities.at(-1)!;

    // Act
    const html = renderReport(report, 'html');
    const { startTag, inner } = elementById(html, anchor(quiet.id));

    // Assert
    expect(report.topRisks).not.toContain(quiet.id);
    expect(startTag).toMatch(/^<details class="identity" /);
    expect(startTag).not.toMatch(/\sopen\b/);
    expect(startTag).not.toContain('data-body');
    // Markup a reader without JavaScript sees: no script, template or noscript wraps it.
    expect(inner).not.toMatch(/<(script|template|noscript)\b|<!--/);
    const policy = quiet.recommendedPolicy!.policies[0]!;
    expect(inner).toContain(`<h3>${policy.name} (${policy.size} characters)</h3>`);
    expect(inner).toContain('&quot;Sid&quot;: &quot;Used&quot;');
    expect(inner).toContain(`<h3>Evidence</h3><p>${quiet.evidence.events} events in the window`);
    expect(inner).toContain(`<code>${quiet.evidence.topActions[0]!.action}</code>`);
    expect(html).not.toContain('identity-bodies');
  });

  it('writes JSON without the findings document it was built from', () => {
    const doc = aFindingsDocument([anAgent('agent')]);
    const json = JSON.parse(renderReport(buildWeeklyReport(doc), 'json'));
    expect(json.schemaVersion).toBe('leash.report/1');
    expect(json.document).toBeUndefined();
    expect(json.identities[0].name).toBe('agent');
  });
});

describe('the scope line', () => {
  const window = {
    from: '2026-08-17T00:00:00.000Z',
    to: '2026-11-15T00:00:00.000Z',
    lookbackDays: 90,
    observedDays: 30,
  } as Parameters<typeof reportScopeLine>[0]['window'];
  const tool = { version: '1.2.3', catalogVersion: '0.21' } as Parameters<
    typeof reportScopeLine
  >[0]['tool'];

  it('names the accounts, tenants and organizations scanned and the CloudTrail days observed', () => {
    const line = reportScopeLine({
      scope: { accounts: ['111122223333'], tenants: ['t-1', 't-2'], github: ['acme'] },
      window,
      tool,
    });

    expect(line).toBe(
      'Account 111122223333 · Entra tenants t-1, t-2 · GitHub acme · window 2026-08-17 to 2026-11-15 (90 days requested, 30 days of CloudTrail observed) · Leash 1.2.3, IAM catalog 0.21',
    );
  });

  it('names no AWS account and counts no CloudTrail days for a GitHub-only scan', () => {
    const line = reportScopeLine({
      scope: { accounts: [], tenants: [], github: ['acme'] },
      window,
      tool,
    });

    expect(line).toBe(
      'GitHub acme · window 2026-08-17 to 2026-11-15 (90 days requested) · Leash 1.2.3, IAM catalog 0.21',
    );
  });

  it('says no account was found when nothing at all was in scope', () => {
    const line = reportScopeLine({
      scope: { accounts: [], tenants: [], github: [] },
      window,
      tool,
    });

    expect(line).toMatch(/^Accounts \(none found\) · window .* \(90 days requested\)/);
  });
});
