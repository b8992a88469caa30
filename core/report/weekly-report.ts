/**
 * The weekly rightsizing report as data: one pure function turns a findings document and what the
 * store remembers (see `history.ts`) into the report model every format renders (HTML, Markdown,
 * CSV, JSON), so `leash report`, `leash scan` and the weekly Lambda say exactly the same thing.
 *
 * The model leads with the attack surface that can go (granted against used, by identity class),
 * then what changed, the ten riskiest identities with the reasons for their score, every
 * identity's evidence, and containment. Every figure is computed here, never in a renderer, so
 * the browser tests can check the charts against the model.
 */
import type { AccessLevel, ActionCatalog } from '#core/catalog/catalog.ts';
import type { FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import { SEVERITIES, type Severity } from '#core/ports/finding-store.ts';
import type { ReportHistory } from '#core/report/history.ts';

/** The identity classes the headline counts, in the order it shows them. */
export const REPORT_CLASSES = ['ai-agent', 'ai-builder', 'ai-user', 'workload', 'human'] as const;
/** One class of the headline. */
export type ReportClass = (typeof REPORT_CLASSES)[number];

/** How the report names each class. */
export const CLASS_LABELS: Record<ReportClass, string> = {
  'ai-agent': 'AI agents',
  'ai-builder': 'AI builders',
  'ai-user': 'AI users',
  workload: 'Other workloads',
  human: 'Humans',
};

/**
 * The headline class of an identity. The AI role wins over the class: a person who builds
 * agents is counted with the AI builders, a workload that invokes models with the AI agents.
 */
export function reportClass(r: IdentityResult): ReportClass {
  if (r.class === 'ai-agent' || r.aiRole === 'agent') return 'ai-agent';
  if (r.aiRole === 'builder') return 'ai-builder';
  if (r.aiRole === 'user') return 'ai-user';
  return r.class === 'human' ? 'human' : 'workload';
}

/**
 * Findings whose rule says the whole identity is unused (AWS user or role, Entra service
 * principal, GitHub token or deploy key).
 */
export const UNUSED_IDENTITY_RULES: ReadonlySet<string> = new Set([
  'LP-IAM-001',
  'LP-ENTRA-001',
  'LP-GH-001',
  'LP-GH-010',
]);
/** Findings about a credential nobody used (access key, password, secret, token) or one expired. */
export const STALE_CREDENTIAL_RULES: ReadonlySet<string> = new Set([
  'LP-IAM-002',
  'LP-IAM-003',
  'LP-ENTRA-002',
  'LP-ENTRA-004',
]);
/** Findings about a credential that never expires or lives for years. */
export const STANDING_CREDENTIAL_RULES: ReadonlySet<string> = new Set([
  'LP-ENTRA-003',
  'LP-GH-002',
]);
/**
 * Findings about a grant that is dangerous whatever its use: administrator equivalence,
 * privilege escalation, high-risk or privileged Entra permissions and roles, any-model agents,
 * tool chains that reach further than the agent, GitHub writes to secrets, workflows, agent code,
 * and OIDC trusts any repository or branch can use.
 */
export const HIGH_RISK_RULES: ReadonlySet<string> = new Set([
  'LP-IAM-005',
  'LP-IAM-006',
  'LP-AI-001',
  'LP-AI-002',
  'LP-ENTRA-006',
  'LP-ENTRA-007',
  'LP-GH-003',
  'LP-GH-005',
  'LP-GH-006',
  'LP-GH-007',
  'LP-GH-009',
]);

/** How one class's grants compare with its use. */
export interface ClassSurface {
  class: ReportClass;
  label: string;
  identities: number;
  /** Actions (AWS) or permissions (Entra, SaaS) granted, summed over identities. */
  granted: number;
  used: number;
  /** Unused and removed by a recommendation (rightsize or decommission). */
  removable: number;
  /** Kept because their use cannot be observed. */
  unobservable: number;
  /** `removable / granted`, 0 to 1 (0 with nothing granted). */
  reduction: number;
}

/** The figures the report opens with. */
export interface ReportHeadline {
  identities: number;
  granted: number;
  used: number;
  removable: number;
  unobservable: number;
  reduction: number;
  byClass: ClassSurface[];
  /** Identities nobody used in the window (or to decommission). */
  unusedIdentities: number;
  staleCredentials: number;
  standingCredentials: number;
  highRiskGrants: number;
  /** Open findings of the document, by severity. */
  findings: Record<Severity, number>;
  toRightsize: number;
  toDecommission: number;
  /** Coverage gaps of the scan (access denied, unsupported, failed, unread sources). */
  coverageGaps: number;
}

/** One reason of a risk score, with the points it adds. */
export interface RiskReason {
  points: number;
  text: string;
}

/** Use against grants of one access level of one service. */
export interface LevelUsage {
  /** IAM access level (`Write`), Entra permission kind (`application`), or SaaS access (`write`). */
  level: string;
  granted: number;
  used: number;
  unused: number;
  unobservable: number;
}

/** Use against grants of one service (AWS prefix, Entra resource, SaaS permission). */
export interface ServiceUsage {
  service: string;
  granted: number;
  used: number;
  unused: number;
  unobservable: number;
  levels: LevelUsage[];
}

/** One edge of the agent graph, as the report prints it. */
export interface GraphEdge {
  relation:
    | 'owner'
    | 'sponsor'
    | 'deployed-by'
    | 'created-by'
    | 'assumed-by'
    | 'tool'
    | 'source-identity'
    | 'runs-agent';
  /** ARN, id, or person. */
  target: string;
  /** How it was found (CloudTrail event, tag, configuration...). */
  via: string;
  lastSeen: string | null;
  eventIds: string[];
}

/** What an identity's report section holds. */
export interface ReportIdentity {
  id: string;
  name: string;
  type: IdentityResult['type'];
  provider: 'aws' | 'entra' | 'saas';
  accountId: string;
  class: ReportClass;
  classifiedBy: string;
  confidence: IdentityResult['confidence'];
  risk: { score: number; reasons: RiskReason[] };
  /** Rank by risk, 1 the riskiest. */
  rank: number;
  granted: number;
  used: number;
  /** Unused actions the recommendation removes (0 when it keeps them). */
  removable: number;
  unused: number;
  unobservable: number;
  services: ServiceUsage[];
  findings: IdentityResult['findings'];
  worstSeverity: Severity | null;
  recommendation: IdentityResult['recommendation'];
  /** The recommended policy, its diff, and what to detach (AWS). */
  recommendedPolicy: IdentityResult['recommendedPolicy'];
  /** Permissions to remove (Entra, SaaS). */
  permissionsToRemove: NonNullable<IdentityResult['permissionsToRemove']>;
  evidence: {
    events: number;
    firstSeen: string | null;
    lastSeen: string | null;
    consoleSignIns: number;
    lastActivityReportedByIam: string | null;
    /** Entra sign-in or SaaS last use, when the provider reports one. */
    lastSignIn: string | null;
    /** The most called actions with their counts (ten at most). */
    topActions: { action: string; count: number; lastSeen: string }[];
    denied: { action: string; count: number; lastSeen: string; errorCodes: string[] }[];
    /** CloudTrail event ids behind the graph edges and the findings (twenty at most). */
    eventIds: string[];
  };
  /** What Leash cannot judge for this identity, in words. */
  gaps: string[];
  /** Actions kept only because their use cannot be observed, grouped by why. */
  unobservableByReason: { reason: string; count: number; examples: string[] }[];
  graph: GraphEdge[];
}

/** A finding that appeared or went away. */
export interface ChangedFinding {
  identityId: string;
  identityName: string;
  ruleId: string;
  severity: Severity;
  title: string;
  /** When it was opened (new) or resolved (resolved), ISO. */
  at: string;
}

/** An identity that appeared or went away. */
export interface ChangedIdentity {
  identityId: string;
  name: string;
  class: ReportClass;
  scope: string;
  at: string;
}

/** A permission source added to an identity. */
export interface AddedPermission {
  identityId: string;
  identityName: string;
  /** `customer-managed-policy`, `entra-application-permission`... */
  kind: string;
  name: string;
  /** One line on what it grants, from the store's detail. */
  detail: string;
  at: string;
}

/** What changed over the period the report looks back on. */
export interface ReportChanges {
  /**
   * `compared`: against a baseline scan; `first-scan`: the store holds only this scan (and maybe
   * others inside the period), so there is nothing before it; `not-recorded`: the store holds no
   * scan of these accounts and tenants.
   */
  state: 'compared' | 'first-scan' | 'not-recorded';
  /** `last week`, `the previous scan`... */
  label: string;
  /** Start of the period (ISO); null on the first recorded scan. */
  since: string | null;
  /** The scan the period starts from, when one is recorded. */
  baselineRunId: string | null;
  newFindings: ChangedFinding[];
  resolvedFindings: ChangedFinding[];
  /** Open before and still open; null when not known. */
  persisting: number | null;
  newIdentities: ChangedIdentity[];
  /** New identities that are AI agents. */
  newAgents: ChangedIdentity[];
  removedIdentities: ChangedIdentity[];
  permissionsAdded: AddedPermission[];
  /** Whether the inventory (identities, grants) was part of the history. */
  inventoryKnown: boolean;
}

/** One point of the weekly trend: the last scan of a week. */
export interface TrendPoint {
  /** Monday of the week, `yyyy-mm-dd`. */
  week: string;
  at: string;
  runId: string;
  open: number;
  /** New and resolved over every scan of that week. */
  new: number;
  resolved: number;
  openBySeverity: Record<Severity, number>;
}

/** One containment request, from its audit chain. */
export interface ContainmentAction {
  requestId: string;
  identityId: string;
  identityName: string;
  /** The containment kind, when the chain names one (`aws.quarantine`). */
  kind: string | null;
  /** Entry kinds in order (`requested → decided → api-call → verified`). */
  steps: string[];
  /** The last entry's kind: where the request stands. */
  state: string;
  actors: string[];
  first: string;
  last: string;
}

/** An approval request waiting for a person. */
export interface PendingApproval {
  requestId: string;
  identityId: string;
  identityName: string;
  summary: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
}

/** Used against granted of one service over every identity: the per-service chart. */
export interface ServiceTotal {
  service: string;
  granted: number;
  used: number;
  unused: number;
  unobservable: number;
}

/**
 * The line under the report's title: what was scanned, the window and the versions. Names only
 * the sources the scan had (a GitHub-only scan names no AWS account), and counts CloudTrail days
 * only when AWS accounts were scanned.
 */
export function reportScopeLine(r: Pick<WeeklyReport, 'scope' | 'window' | 'tool'>): string {
  const s = r.scope;
  const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);
  const aws = s.accounts.length > 0;
  const parts = [
    ...(aws || (s.tenants.length === 0 && s.github.length === 0)
      ? [`${plural(s.accounts.length, 'Account')} ${s.accounts.join(', ') || '(none found)'}`]
      : []),
    ...(s.tenants.length
      ? [`${plural(s.tenants.length, 'Entra tenant')} ${s.tenants.join(', ')}`]
      : []),
    ...(s.github.length ? [`GitHub ${s.github.join(', ')}`] : []),
    `window ${r.window.from.slice(0, 10)} to ${r.window.to.slice(0, 10)} (${r.window.lookbackDays} days requested${aws ? `, ${r.window.observedDays} days of CloudTrail observed` : ''})`,
    `Leash ${r.tool.version}, IAM catalog ${r.tool.catalogVersion}`,
  ];
  return parts.join(' · ');
}

/**
 * The CloudTrail figures of the coverage section, or null when no AWS account was scanned (an
 * Entra-only or GitHub-only scan reads no records, and zeros would say it looked and saw none).
 */
export function cloudTrailCoverageLine(doc: FindingsDocument): string | null {
  const c = doc.coverage;
  if (doc.accounts.length === 0 && c.records.read === 0) return null;
  const rate = c.mappingRate === null ? 'n/a' : `${(c.mappingRate * 100).toFixed(2)}%`;
  return `Records read ${c.records.read}, in window ${c.records.inWindow}, mapped to IAM actions ${c.records.mapped}, unmapped ${c.records.unmapped}, outside the window ${c.records.outsideWindow}. Mapping rate for attributable calls: ${rate}.`;
}

/** What a GitHub organization scan read, for the coverage section. */
export function githubCoverageLine(o: NonNullable<FindingsDocument['github']>[number]): string {
  const listed = (n: number | null, what: string) =>
    n === null ? `${what} not listed` : `${n} ${what}`;
  const audit = o.auditLog.read
    ? `audit log read: ${o.auditLog.events} events in the window, ${o.auditLog.attributed} attributed to apps and tokens${o.auditLog.truncated ? ' (stopped early: the oldest days are missing)' : ''}`
    : `audit log not read${o.auditLog.reason ? ` (${o.auditLog.reason})` : ''}: permission use is unobservable`;
  const search = o.codeSearch.complete
    ? `complete (${o.codeSearch.queries} searches, ${o.codeSearch.filesRead} files read)`
    : `incomplete${o.codeSearch.detail ? ` (${o.codeSearch.detail})` : ''}`;
  return `GitHub ${o.scope} (signed in as ${o.auth === 'app' ? 'a GitHub App installation' : 'a token'}): ${o.repositories} repositories, ${listed(o.installations, 'app installations')}, ${listed(o.tokens, 'fine-grained tokens')}, ${o.deployKeys} deploy keys; ${audit}. Agents in code: ${o.agentRepositories.length} repositories, search ${search}. ${o.requests.total} API requests, ${o.requests.rateLimited} rate limited.`;
}

/** The whole report. */
export interface WeeklyReport {
  /** `yyyy-mm-dd` of the report (the document's `asOf` unless told). */
  day: string;
  generatedAt: string;
  title: string;
  scope: { accounts: string[]; tenants: string[]; github: string[] };
  window: FindingsDocument['window'];
  tool: FindingsDocument['tool'];
  headline: ReportHeadline;
  /** Null when the report was made without the store. */
  changes: ReportChanges | null;
  trend: TrendPoint[];
  /** The ten riskiest identities (ids), riskiest first. */
  topRisks: string[];
  /** Every identity, riskiest first. */
  identities: ReportIdentity[];
  /** Services by granted actions over every identity, most granted first (25 at most). */
  services: ServiceTotal[];
  containment: {
    /** Whether the store's audit log and approvals were read. */
    known: boolean;
    actions: ContainmentAction[];
    pending: PendingApproval[];
  };
  /** What the scan could not see, in words (document-wide). */
  coverageGaps: string[];
  /** The findings document, for the renderers' coverage and agent sections. */
  document: FindingsDocument;
}

/** How to build the report. */
export interface BuildReportOptions {
  /** The IAM catalog, for access levels (without it AWS levels are `unknown`). */
  catalog?: ActionCatalog;
  /** What the store remembers; without it there is no "what changed" and no trend. */
  history?: ReportHistory;
  /** Epoch ms the report is made at (default: the document's `asOf`). */
  now?: number;
}

/** How many identities the "riskiest" list names. */
export const TOP_RISKS = 10;
/** Most services the per-service chart shows. */
export const MAX_CHART_SERVICES = 25;
/** Most weeks of trend. */
export const TREND_WEEKS = 12;

/**
 * Points of a risk score. The score is 0 to 100: the sum of the reasons below, capped at 100.
 * Findings weigh most (each by severity, at most 50 together); then the share of the grant
 * nobody used (up to 20), the reach of the grant (up to 10, logarithmic in granted actions), a
 * dangerous grant (10), a stale or standing credential (5), and what the identity is: an AI
 * agent acts on its own and its tools extend its reach (10), an AI builder creates such agents
 * (5). Kept in one table so the README can state it and the tests can check it.
 */
export const RISK_POINTS = {
  severity: { critical: 30, high: 15, medium: 5, low: 1, info: 0 } as Record<Severity, number>,
  findingsCap: 50,
  unusedShare: 20,
  reach: 10,
  highRisk: 10,
  credential: 5,
  aiAgent: 10,
  aiBuilder: 5,
} as const;

/** The risk score of an identity, with the reasons that make it up. */
export function riskScore(r: IdentityResult): { score: number; reasons: RiskReason[] } {
  const reasons: RiskReason[] = [];
  const bySeverity = new Map<Severity, number>();
  for (const f of r.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  let findingPoints = 0;
  const parts: string[] = [];
  for (const s of SEVERITIES) {
    const n = bySeverity.get(s) ?? 0;
    if (n === 0) continue;
    findingPoints += n * RISK_POINTS.severity[s];
    parts.push(`${n} ${s}`);
  }
  findingPoints = Math.min(RISK_POINTS.findingsCap, findingPoints);
  if (findingPoints > 0)
    reasons.push({ points: findingPoints, text: `findings: ${parts.join(', ')}` });
  const granted = grantedCount(r);
  const removable = removableCount(r);
  if (granted > 0 && removable > 0) {
    const points = Math.round((RISK_POINTS.unusedShare * removable) / granted);
    if (points > 0)
      reasons.push({
        points,
        text: `${removable} of ${granted} granted ${r.provider === 'aws' || !r.provider ? 'actions' : 'permissions'} unused (${pct(removable / granted)})`,
      });
  }
  if (granted > 0) {
    // 10 points at 10,000 actions (about everything AWS has), 4 at 100, 2 at 10.
    const points = Math.min(RISK_POINTS.reach, Math.round(2.5 * Math.log10(1 + granted)));
    if (points > 0) reasons.push({ points, text: `reach: ${granted} granted` });
  }
  const risky = r.findings.filter((f) => HIGH_RISK_RULES.has(f.ruleId));
  if (risky.length > 0)
    reasons.push({
      points: RISK_POINTS.highRisk,
      text: `high-risk grant: ${[...new Set(risky.map((f) => f.ruleId))].join(', ')}`,
    });
  const creds = r.findings.filter(
    (f) => STALE_CREDENTIAL_RULES.has(f.ruleId) || STANDING_CREDENTIAL_RULES.has(f.ruleId),
  );
  if (creds.length > 0)
    reasons.push({ points: RISK_POINTS.credential, text: 'stale or standing credential' });
  const c = reportClass(r);
  if (c === 'ai-agent') reasons.push({ points: RISK_POINTS.aiAgent, text: 'AI agent' });
  if (c === 'ai-builder') reasons.push({ points: RISK_POINTS.aiBuilder, text: 'AI builder' });
  const score = Math.min(
    100,
    reasons.reduce((n, x) => n + x.points, 0),
  );
  return { score, reasons: reasons.sort((a, b) => b.points - a.points) };
}

/** Granted actions or permissions of an identity. */
function grantedCount(r: IdentityResult): number {
  if (r.saas) return r.saas.permissions.length;
  return r.grant.allowedActions;
}

/** What the recommendation removes: nothing unless it rightsizes or decommissions. */
function removableCount(r: IdentityResult): number {
  if (r.recommendation !== 'rightsize' && r.recommendation !== 'decommission') return 0;
  if (r.saas) return r.saas.permissions.filter((p) => p.status === 'unused').length;
  return r.unusedActions.length;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** The provider of an identity (documents before SaaS leave it out for AWS and Entra). */
function providerOf(r: IdentityResult): 'aws' | 'entra' | 'saas' {
  if (r.provider) return r.provider;
  return r.entra ? 'entra' : 'aws';
}

// The most privileged level wins when the catalog gives an action several.
const LEVEL_ORDER: readonly AccessLevel[] = [
  'Permissions management',
  'Write',
  'Tagging',
  'Read',
  'List',
];

/** The access level of an AWS action, from the catalog. */
function levelOf(action: string, catalog: ActionCatalog | undefined): string {
  if (!catalog) return 'unknown';
  const id = catalog.idOf(action);
  if (id === undefined) return 'unknown';
  const levels = catalog.actions[id]!.accessLevels;
  return LEVEL_ORDER.find((l) => levels.includes(l)) ?? 'unknown';
}

type Status = 'used' | 'unused' | 'unobservable';

/** Adds one action or permission to the per-service, per-level tally. */
function tally(
  services: Map<string, Map<string, LevelUsage>>,
  service: string,
  level: string,
  status: Status,
): void {
  let levels = services.get(service);
  if (!levels) {
    levels = new Map();
    services.set(service, levels);
  }
  let l = levels.get(level);
  if (!l) {
    l = { level, granted: 0, used: 0, unused: 0, unobservable: 0 };
    levels.set(level, l);
  }
  l.granted++;
  l[status]++;
}

/** Use against grants of an identity, by service and access level, most granted first. */
export function serviceUsage(r: IdentityResult, catalog?: ActionCatalog): ServiceUsage[] {
  const services = new Map<string, Map<string, LevelUsage>>();
  if (r.saas) {
    for (const p of r.saas.permissions) tally(services, p.permission, p.access, p.status);
  } else if (r.entra) {
    for (const p of r.entra.permissions) tally(services, p.resource, p.kind, p.status);
    for (const d of r.entra.directoryRoles)
      tally(services, 'Directory roles', d.privileged ? 'privileged' : 'role', 'unobservable');
  } else {
    const add = (action: string, status: Status) =>
      tally(services, action.split(':')[0] ?? action, levelOf(action, catalog), status);
    for (const a of r.usedActions) add(a.action, 'used');
    for (const a of r.unusedActions) add(a, 'unused');
    for (const a of r.unobservableActions) add(a.action, 'unobservable');
  }
  const order = (level: string) => {
    const i = (LEVEL_ORDER as readonly string[]).indexOf(level);
    return i === -1 ? 9 : i;
  };
  return [...services]
    .map(([service, levels]) => {
      const ls = [...levels.values()].sort(
        (a, b) => order(a.level) - order(b.level) || a.level.localeCompare(b.level),
      );
      const sum = (k: 'granted' | 'used' | 'unused' | 'unobservable') =>
        ls.reduce((n, l) => n + l[k], 0);
      return {
        service,
        granted: sum('granted'),
        used: sum('used'),
        unused: sum('unused'),
        unobservable: sum('unobservable'),
        levels: ls,
      };
    })
    .sort((a, b) => b.granted - a.granted || a.service.localeCompare(b.service));
}

/** Event ids found in a finding's evidence (`eventId`, `eventIds`, at any depth of one level). */
function evidenceEventIds(evidence: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(evidence)) {
    if (!/eventids?$/i.test(k)) continue;
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push(x);
  }
  return out;
}

/** The agent graph around an identity: people, deployers, callers, tools, agents it runs. */
function graphOf(r: IdentityResult, doc: FindingsDocument): GraphEdge[] {
  const edge = (
    relation: GraphEdge['relation'],
    target: string,
    via: string,
    lastSeen: string | null = null,
    eventIds: string[] = [],
  ): GraphEdge => ({ relation, target, via, lastSeen, eventIds });
  const out: GraphEdge[] = [];
  for (const o of r.links.owners) out.push(edge('owner', o, 'tag or configuration'));
  for (const p of r.entra?.owners ?? [])
    out.push(edge('owner', p.userPrincipalName ?? p.displayName ?? p.id, `Entra ${p.type}`));
  for (const p of r.entra?.sponsors ?? [])
    out.push(edge('sponsor', p.userPrincipalName ?? p.displayName ?? p.id, `Entra ${p.type}`));
  if (r.saas?.owner) out.push(edge('owner', r.saas.owner, `GitHub ${r.saas.kind}`));
  for (const d of r.links.deployedBy)
    out.push(
      edge(
        'deployed-by',
        d.arn,
        `${d.via}${d.invokedBy ? ` via ${d.invokedBy}` : ''}${d.sourceIdentities.length ? `, source identity ${d.sourceIdentities.join(', ')}` : ''}`,
        d.lastSeen,
        d.eventIds,
      ),
    );
  for (const d of r.links.createdBy)
    out.push(edge('created-by', d.arn, d.via, d.lastSeen, d.eventIds));
  for (const d of r.links.assumedBy.slice(0, 10))
    out.push(edge('assumed-by', d.arn, `${d.via}, ${d.events} events`, d.lastSeen, d.eventIds));
  for (const t of r.links.tools)
    out.push(
      edge(
        'tool',
        t.arn,
        `${t.kind} (${t.via}, ${t.reach})${t.roleArn ? `, runs as ${t.roleArn}` : ''}`,
      ),
    );
  for (const s of r.links.sourceIdentities)
    out.push(edge('source-identity', s.value, `${s.count} sessions`));
  for (const a of doc.agents)
    if (a.roleArn === r.id)
      out.push(
        edge(
          'runs-agent',
          a.arn,
          `${a.kind}${a.foundationModel ? `, model ${a.foundationModel}` : ''}, tools ${a.tools.map((t) => t.name).join(', ') || 'none'}`,
        ),
      );
  return out;
}

/** What Leash cannot judge for an identity, in plain words. */
function gapsOf(r: IdentityResult, doc: FindingsDocument): string[] {
  const out: string[] = [];
  if (r.unobservableActions.length > 0)
    out.push(
      `${r.unobservableActions.length} granted action${r.unobservableActions.length === 1 ? ' is' : 's are'} kept because Leash cannot see whether they are used (reasons below).`,
    );
  for (const u of r.grant.unknownActions.slice(0, 10))
    out.push(`Policy ${u.policy} names ${u.pattern}, which the IAM catalog does not know.`);
  if (r.grant.unknownActions.length > 10)
    out.push(`And ${r.grant.unknownActions.length - 10} more unknown action patterns.`);
  for (const p of r.grant.missingPolicies)
    out.push(`Policy ${p} is attached but could not be read: what it grants is not counted.`);
  if (r.grant.conditionallyDeniedActions.length > 0)
    out.push(
      `${r.grant.conditionallyDeniedActions.length} actions are denied under conditions Leash does not evaluate.`,
    );
  if (r.usedNotGranted.length > 0)
    out.push(
      `${r.usedNotGranted.length} actions were used but no identity policy grants them (a resource policy or session policy did).`,
    );
  for (const g of r.entra?.gaps ?? []) out.push(g);
  for (const g of r.saas?.gaps ?? []) out.push(g);
  if (r.recommendation === 'insufficient-evidence')
    out.push('Not enough evidence to recommend anything: the window observed too little.');
  for (const g of doc.coverage.accessGaps)
    if (g.account === r.accountId)
      out.push(
        `${g.reason === 'access-denied' ? 'Denied' : g.reason === 'unsupported' ? 'Not available' : 'Failed'}: ${g.api}${g.region ? ` in ${g.region}` : ''} for this account: ${g.detail}`,
      );
  return out;
}

/** Builds one identity's section. */
function reportIdentity(
  r: IdentityResult,
  doc: FindingsDocument,
  catalog: ActionCatalog | undefined,
): ReportIdentity {
  const byReason = new Map<string, string[]>();
  for (const u of r.unobservableActions) {
    const list = byReason.get(u.reason) ?? [];
    list.push(u.action);
    byReason.set(u.reason, list);
  }
  const worst = SEVERITIES.find((s) => r.findings.some((f) => f.severity === s)) ?? null;
  const eventIds = [
    ...new Set([
      ...r.findings.flatMap((f) => evidenceEventIds(f.evidence)),
      ...r.links.deployedBy.flatMap((e) => e.eventIds),
      ...r.links.createdBy.flatMap((e) => e.eventIds),
      ...r.links.assumedBy.flatMap((e) => e.eventIds),
    ]),
  ].slice(0, 20);
  const lastSignIn =
    r.entra?.signIn?.lastSignIn ??
    r.entra?.signIn?.lastAppOnlySignIn ??
    r.entra?.signIn?.lastDelegatedSignIn ??
    r.saas?.lastUsedAt ??
    null;
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    provider: providerOf(r),
    accountId: r.accountId,
    class: reportClass(r),
    classifiedBy: `${r.classifiedBy.rule}: ${r.classifiedBy.reason}`,
    confidence: r.confidence,
    risk: riskScore(r),
    rank: 0,
    granted: grantedCount(r),
    used: r.saas
      ? r.saas.permissions.filter((p) => p.status === 'used').length
      : r.usedActions.length,
    removable: removableCount(r),
    unused: r.saas
      ? r.saas.permissions.filter((p) => p.status === 'unused').length
      : r.unusedActions.length,
    unobservable: r.saas
      ? r.saas.permissions.filter((p) => p.status === 'unobservable').length
      : r.unobservableActions.length,
    services: serviceUsage(r, catalog),
    findings: [...r.findings].sort(
      (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
    ),
    worstSeverity: worst,
    recommendation: r.recommendation,
    recommendedPolicy: r.recommendedPolicy,
    permissionsToRemove: r.permissionsToRemove ?? [],
    evidence: {
      events: r.activity.events,
      firstSeen: r.activity.firstSeen,
      lastSeen: r.activity.lastSeen,
      consoleSignIns: r.activity.consoleSignIns,
      lastActivityReportedByIam: r.activity.lastActivityReportedByIam,
      lastSignIn,
      topActions: [...r.usedActions]
        .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action))
        .slice(0, 10)
        .map((a) => ({ action: a.action, count: a.count, lastSeen: a.lastSeen })),
      denied: r.deniedActions.slice(0, 10),
      eventIds,
    },
    gaps: gapsOf(r, doc),
    unobservableByReason: [...byReason]
      .map(([reason, actions]) => ({
        reason,
        count: actions.length,
        examples: actions.slice(0, 5),
      }))
      .sort((a, b) => b.count - a.count),
    graph: graphOf(r, doc),
  };
}

/** Monday (UTC) of the week holding `at`, `yyyy-mm-dd`. */
export function weekOf(at: number): string {
  const d = new Date(at);
  const monday =
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
    ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday).toISOString().slice(0, 10);
}

/** The weekly trend: the last scan of each of the last weeks up to `now`, oldest first. */
export function weeklyTrend(
  scans: ReportHistory['scans'],
  now: number,
  weeks: number = TREND_WEEKS,
): TrendPoint[] {
  const byWeek = new Map<string, TrendPoint>();
  for (const s of [...scans].sort((a, b) => a.at - b.at)) {
    if (s.at > now) continue;
    const week = weekOf(s.at);
    const prior = byWeek.get(week);
    byWeek.set(week, {
      week,
      at: new Date(s.at).toISOString(),
      runId: s.runId,
      open: s.open,
      new: (prior?.new ?? 0) + s.new,
      resolved: (prior?.resolved ?? 0) + s.resolved,
      openBySeverity: { ...s.openBySeverity },
    });
  }
  return [...byWeek.values()].slice(-weeks);
}

/** The headline figures over report identities. */
function headlineOf(
  doc: FindingsDocument,
  ids: ReportIdentity[],
  results: IdentityResult[],
): ReportHeadline {
  const byClass = REPORT_CLASSES.map((c): ClassSurface => {
    const xs = ids.filter((r) => r.class === c);
    const granted = xs.reduce((n, r) => n + r.granted, 0);
    const removable = xs.reduce((n, r) => n + r.removable, 0);
    return {
      class: c,
      label: CLASS_LABELS[c],
      identities: xs.length,
      granted,
      used: xs.reduce((n, r) => n + r.used, 0),
      removable,
      unobservable: xs.reduce((n, r) => n + r.unobservable, 0),
      reduction: granted > 0 ? removable / granted : 0,
    };
  });
  const granted = byClass.reduce((n, c) => n + c.granted, 0);
  const removable = byClass.reduce((n, c) => n + c.removable, 0);
  const findings = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let stale = 0;
  let standing = 0;
  let highRisk = 0;
  for (const r of results) {
    for (const f of r.findings) {
      findings[f.severity]++;
      if (STALE_CREDENTIAL_RULES.has(f.ruleId)) stale++;
      if (STANDING_CREDENTIAL_RULES.has(f.ruleId)) standing++;
      if (HIGH_RISK_RULES.has(f.ruleId)) highRisk++;
    }
    // An IAM user with access keys only holds a standing credential by construction.
    if (r.type === 'user' && r.classifiedBy.rule.startsWith('programmatic-user')) standing++;
  }
  return {
    identities: ids.length,
    granted,
    used: byClass.reduce((n, c) => n + c.used, 0),
    removable,
    unobservable: byClass.reduce((n, c) => n + c.unobservable, 0),
    reduction: granted > 0 ? removable / granted : 0,
    byClass,
    unusedIdentities: results.filter(
      (r) =>
        r.recommendation === 'decommission' ||
        r.findings.some((f) => UNUSED_IDENTITY_RULES.has(f.ruleId)),
    ).length,
    staleCredentials: stale,
    standingCredentials: standing,
    highRiskGrants: highRisk,
    findings,
    toRightsize: results.filter((r) => r.recommendation === 'rightsize').length,
    toDecommission: results.filter((r) => r.recommendation === 'decommission').length,
    coverageGaps: doc.coverage.accessGaps.length + doc.coverage.gaps.length,
  };
}

/** The per-service totals over every identity, most granted first. */
function serviceTotals(ids: ReportIdentity[]): ServiceTotal[] {
  const totals = new Map<string, ServiceTotal>();
  for (const r of ids)
    for (const s of r.services) {
      const t = totals.get(s.service) ?? {
        service: s.service,
        granted: 0,
        used: 0,
        unused: 0,
        unobservable: 0,
      };
      t.granted += s.granted;
      t.used += s.used;
      t.unused += s.unused;
      t.unobservable += s.unobservable;
      totals.set(s.service, t);
    }
  return [...totals.values()]
    .sort((a, b) => b.granted - a.granted || a.service.localeCompare(b.service))
    .slice(0, MAX_CHART_SERVICES);
}

/** Document-wide coverage gaps, in words. */
export function coverageGapLines(doc: FindingsDocument): string[] {
  return [
    ...doc.coverage.accessGaps.map(
      (g) =>
        `${g.reason === 'access-denied' ? 'Denied' : g.reason === 'unsupported' ? 'Not available' : 'Failed'}: ${g.api}${g.account ? ` in ${g.account}` : ''}${g.region ? `/${g.region}` : ''}: ${g.detail}`,
    ),
    ...doc.coverage.gaps,
  ];
}

/**
 * Builds the report model. Pure and deterministic for the same inputs.
 * @param doc the findings document of the scan reported on
 */
export function buildWeeklyReport(
  doc: FindingsDocument,
  options: BuildReportOptions = {},
): WeeklyReport {
  const now = options.now ?? Date.parse(doc.window.asOf);
  const ids = doc.identities.map((r) => reportIdentity(r, doc, options.catalog));
  ids.sort(
    (a, b) => b.risk.score - a.risk.score || b.removable - a.removable || a.id.localeCompare(b.id),
  );
  ids.forEach((r, i) => {
    r.rank = i + 1;
  });
  const names = new Map(doc.identities.map((r) => [r.id, r.name]));
  const h = options.history;
  return {
    day: new Date(now).toISOString().slice(0, 10),
    generatedAt: new Date(now).toISOString(),
    title: 'Leash rightsizing report',
    scope: {
      accounts: doc.accounts,
      tenants: doc.tenants ?? [],
      github: (doc.github ?? []).map((g) => g.scope),
    },
    window: doc.window,
    tool: doc.tool,
    headline: headlineOf(doc, ids, doc.identities),
    changes: h ? h.changes : null,
    trend: h ? weeklyTrend(h.scans, now) : [],
    topRisks: ids
      .filter((r) => r.risk.score > 0)
      .slice(0, TOP_RISKS)
      .map((r) => r.id),
    identities: ids,
    services: serviceTotals(ids),
    containment: {
      known: h?.containment !== undefined,
      actions: (h?.containment?.actions ?? []).map((a) => ({
        ...a,
        identityName: names.get(a.identityId) ?? a.identityName,
      })),
      pending: (h?.containment?.pending ?? []).map((p) => ({
        ...p,
        identityName: names.get(p.identityId) ?? p.identityName,
      })),
    },
    coverageGaps: coverageGapLines(doc),
    document: doc,
  };
}
