/**
 * The GitHub rightsizing use case: joins an organization's app installations, fine-grained
 * tokens and deploy keys (what they are granted) with the audit log (what they were seen doing)
 * and the credentials' own last-use dates, ties repositories holding AI agent code to the
 * identities that can change them and the AWS roles their workflows can assume, and produces
 * identity results in the findings.json contract (`provider: 'saas'`). Pure: the CLI calls
 * `analyzeGitHubOrg` and then `mergeGitHubIntoDocument` (merge.ts).
 *
 * How the audit log counts (see permissions.ts): an event made with an app's installation token
 * has `actor` `slug[bot]`; one made with a fine-grained token carries its `token_id`. An event
 * credits the permission its action exercises. A held permission is unused only when its writes
 * are ones the audit log records, the log covers the whole window, and the identity held it for
 * all of it; otherwise it is unobservable, with the reason.
 */
import { days, iso, SEVERITIES } from '#core/engine/rules/rule.ts';
import type { TimeWindow } from '#core/engine/usage.ts';
import type { IamRole } from '#core/iam/inventory.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type {
  Finding,
  GitHubOidcTrust,
  GitHubOrganizationResult,
  IdentityResult,
  PermissionToRemove,
  SaasIdentityDetails,
} from '#core/model/findings.ts';
import {
  asBuilder,
  classifyApp,
  classifyDeployKey,
  classifyToken,
  type GitHubClassification,
} from '#core/saas/github/classify.ts';
import {
  type AgentSignal,
  type GitHubAuditEvent,
  type GitHubInventory,
  type GitHubPermission,
  githubScope,
} from '#core/saas/github/model.ts';
import { githubOidcTrusts } from '#core/saas/github/oidc-trust.ts';
import {
  isHighRisk,
  isWrite,
  permissionLabel,
  permissionsOfAction,
  unobservableReason,
} from '#core/saas/github/permissions.ts';
import {
  DECOMMISSION_RULES,
  GITHUB_OIDC_RULES,
  GITHUB_RULES,
} from '#core/saas/github/rules/index.ts';
import {
  type GitHubRuleContext,
  type GitHubSubject,
  type HeldGitHubPermission,
  youngerThanWindow,
} from '#core/saas/github/rules/rule.ts';

/** Options of an analysis. */
export interface AnalyzeGitHubOptions {
  window: TimeWindow;
  /** The analysis instant, epoch ms (token expiry). */
  asOf: number;
  /**
   * AWS roles scanned with the organization, whose trust policies are joined with GitHub
   * Actions OIDC. Undefined when no AWS inventory was scanned: nothing can be joined.
   */
  awsRoles?: readonly IamRole[];
  /** OIDC provider hosts to accept besides github.com's (GitHub Enterprise Server). */
  providerHosts?: readonly string[];
}

/** Findings about one AWS role's trust of GitHub Actions. */
export interface RoleFindings {
  roleArn: string;
  findings: Finding[];
}

/** The result of analysing one organization. */
export interface GitHubAnalysis {
  host: string;
  org: string;
  /** The identities' `accountId`: `host/org`. */
  scope: string;
  /** One result per installation, token grant and deploy key, sorted by id. */
  identities: IdentityResult[];
  organization: GitHubOrganizationResult;
  /** Findings for AWS roles that trust the organization's workflows (they go on the role). */
  roleFindings: RoleFindings[];
  /** What this analysis could not see, for the document's coverage.gaps. */
  gaps: string[];
  /** Calls the collector could not make, for coverage.accessGaps. */
  accessGaps: CoverageGap[];
}

/** Most cloud roles listed as one identity's reach. */
const MAX_TOOLS = 25;

/**
 * Analyses an organization's inventory.
 */
export function analyzeGitHubOrg(
  inventory: GitHubInventory,
  options: AnalyzeGitHubOptions,
): GitHubAnalysis {
  const { host, org } = inventory;
  const scope = githubScope(host, org);
  const audit = indexAudit(inventory, options.window);
  const agentRepos = new Map<string, AgentSignal[]>();
  for (const s of inventory.agentSignals) {
    const list = agentRepos.get(s.repository) ?? [];
    list.push(s);
    agentRepos.set(s.repository, list);
  }
  const trusts = options.awsRoles
    ? githubOidcTrusts(options.awsRoles, {
        org,
        repositories: inventory.repositories,
        workflowRoles: inventory.workflowRoles,
        ...(options.providerHosts ? { providerHosts: options.providerHosts } : {}),
      })
    : [];
  const rolesByRepo = new Map<string, { roleArn: string; anyRef: boolean }[]>();
  for (const t of trusts)
    for (const r of t.repositories) {
      const list = rolesByRepo.get(r) ?? [];
      list.push({ roleArn: t.roleArn, anyRef: t.anyRef });
      rolesByRepo.set(r, list);
    }
  const s: Shared = {
    inventory,
    scope,
    options,
    audit,
    agentRepos,
    rolesByRepo,
    allRepos: inventory.repositories.map((r) => r.name),
    writers: new Map(),
  };

  const identities: IdentityResult[] = [];
  // Apps: an installation token acts as `slug[bot]`; the app's user-to-server tokens act as the
  // user and are not attributed to the app (the audit log cannot tell them apart by actor).
  for (const i of inventory.installations ?? []) {
    const events = audit.byActor.get(`${i.appSlug}[bot]`.toLowerCase()) ?? [];
    const known = i.repositorySelection === 'all' || i.repositories !== undefined;
    const gaps: string[] = [];
    if (!known)
      gaps.push(
        'Selected repositories are listed by GitHub only to the app itself: which repositories it reaches is unknown.',
      );
    identities.push(
      analyzeIdentity(s, {
        id: `github:${scope}/installations/${i.id}`,
        name: i.appSlug,
        type: 'app-installation',
        subject: { kind: 'app-installation', installation: i },
        classification: classifyApp(i.appSlug),
        permissions: i.permissions,
        events,
        selection: i.repositorySelection,
        repositories: i.repositorySelection === 'all' ? s.allRepos : (i.repositories ?? []),
        owner: i.installedBy ?? installerOf(inventory, i.appSlug),
        createdAt: i.createdAt,
        expiresAt: null,
        lastUsedAt: null,
        suspended: i.suspendedAt !== null,
        externalId: String(i.id),
        details: {
          appId: i.appId,
          appSlug: i.appSlug,
          installationId: i.id,
          events: i.events,
          suspendedAt: i.suspendedAt,
          suspendedBy: i.suspendedBy,
          self: i.self === true,
        },
        gaps,
      }),
    );
  }
  // Fine-grained tokens: by `token_id`, never by actor, which is the owner and also acts
  // through the web, other tokens and SSH.
  for (const t of inventory.tokens ?? []) {
    const events = audit.byToken.get(t.tokenId) ?? [];
    const gaps: string[] = [];
    if (t.repositorySelection === 'subset' && t.repositories === undefined)
      gaps.push('The repositories of this token were not listed.');
    identities.push(
      analyzeIdentity(s, {
        id: `github:${scope}/personal-access-tokens/${t.patId}`,
        name: `${t.tokenName} (${t.owner})`,
        type: 'access-token',
        subject: { kind: 'fine-grained-token', token: t },
        classification: classifyToken(t.tokenName, t.owner),
        permissions: t.permissions,
        events,
        selection: t.repositorySelection,
        repositories: t.repositorySelection === 'all' ? s.allRepos : (t.repositories ?? []),
        owner: t.owner,
        createdAt: t.accessGrantedAt,
        expiresAt: t.tokenExpiresAt,
        lastUsedAt: t.tokenLastUsedAt,
        suspended: null,
        externalId: String(t.patId),
        details: {
          patId: t.patId,
          tokenId: t.tokenId,
          tokenName: t.tokenName,
          tokenExpired: t.tokenExpired,
        },
        gaps,
      }),
    );
  }
  // Deploy keys: one permission, contents at read or write; their use is Git traffic, judged
  // only by GitHub's last-use date.
  for (const k of inventory.deployKeys) {
    const gaps: string[] = [
      'Deploy key use is Git traffic, which the organization audit log lists only as exported Git events: its permission is unobservable.',
    ];
    if (k.lastUsed === undefined) gaps.push('GitHub did not report when the key was last used.');
    identities.push(
      analyzeIdentity(s, {
        id: `github:${scope}/${k.repository}/keys/${k.id}`,
        name: `${k.title} (${k.repository})`,
        type: 'deploy-key',
        subject: { kind: 'deploy-key', key: k },
        classification: classifyDeployKey(k.title),
        permissions: [
          { name: 'contents', access: k.readOnly ? 'read' : 'write', scope: 'repository' },
        ],
        events: [],
        selection: 'single',
        repositories: [k.repository],
        owner: k.addedBy,
        createdAt: k.createdAt,
        expiresAt: null,
        lastUsedAt: k.lastUsed ?? null,
        suspended: null,
        externalId: String(k.id),
        details: {
          keyId: k.id,
          title: k.title,
          readOnly: k.readOnly,
          verified: k.verified,
          enabled: k.enabled,
          fingerprint: k.fingerprint,
        },
        gaps,
      }),
    );
  }
  identities.sort((a, b) => a.id.localeCompare(b.id));

  const roleFindings = oidcFindings(trusts, org, agentRepos);
  return {
    host,
    org,
    scope,
    identities,
    // After the identities: it lists, per agent repository, the identities that can write to it.
    organization: organizationResult(s, trusts),
    roleFindings,
    gaps: orgGaps(inventory, options, audit),
    accessGaps: inventory.gaps.map((g) => ({ ...g, account: g.account ?? scope })),
  };
}

/** Who installed an app: the actor of its `integration_installation.create` event, if read. */
function installerOf(inventory: GitHubInventory, slug: string): string | null {
  if (!inventory.auditLog.read) return null;
  const lower = slug.toLowerCase();
  const e = inventory.auditLog.events.find(
    (x) => x.action === 'integration_installation.create' && x.integration?.toLowerCase() === lower,
  );
  return e?.actor ?? null;
}

interface AuditIndex {
  read: boolean;
  /** Covers the whole window. */
  complete: boolean;
  reason: string | null;
  byActor: Map<string, GitHubAuditEvent[]>;
  byToken: Map<number, GitHubAuditEvent[]>;
  inWindow: number;
  attributed: number;
}

/** Events in the window, by lower-cased actor and by token id. */
function indexAudit(inventory: GitHubInventory, window: TimeWindow): AuditIndex {
  const log = inventory.auditLog;
  const byActor = new Map<string, GitHubAuditEvent[]>();
  const byToken = new Map<number, GitHubAuditEvent[]>();
  if (!log.read)
    return {
      read: false,
      complete: false,
      reason: log.reason,
      byActor,
      byToken,
      inWindow: 0,
      attributed: 0,
    };
  let inWindow = 0;
  let attributed = 0;
  // The log is read with `created:>=` the window's start; events after `asOf` (a scan of the
  // past) are left out like those before the window.
  for (const e of log.events) {
    if (e.at < window.from || e.at > window.to) continue;
    inWindow++;
    if (e.tokenId !== null) {
      const list = byToken.get(e.tokenId) ?? [];
      list.push(e);
      byToken.set(e.tokenId, list);
    }
    if (e.actor) {
      const key = e.actor.toLowerCase();
      const list = byActor.get(key) ?? [];
      list.push(e);
      byActor.set(key, list);
    }
    if (e.tokenId !== null || e.programmaticAccessType) attributed++;
  }
  // A truncated read covers only its newest part: disuse over the window cannot be claimed.
  const complete = !log.truncated && log.from <= window.from;
  return {
    read: true,
    complete,
    reason: complete
      ? null
      : `only events from ${iso(Math.max(log.from, window.from)).slice(0, 10)} were read (page budget)`,
    byActor,
    byToken,
    inWindow,
    attributed,
  };
}

interface Shared {
  inventory: GitHubInventory;
  scope: string;
  options: AnalyzeGitHubOptions;
  audit: AuditIndex;
  agentRepos: Map<string, AgentSignal[]>;
  rolesByRepo: Map<string, { roleArn: string; anyRef: boolean }[]>;
  allRepos: string[];
  /** Agent repository → ids of the identities that can write to it (filled while analysing). */
  writers: Map<string, Set<string>>;
}

interface IdentityInput {
  id: string;
  name: string;
  type: 'app-installation' | 'access-token' | 'deploy-key';
  subject: GitHubSubject;
  classification: GitHubClassification;
  permissions: GitHubPermission[];
  events: GitHubAuditEvent[];
  selection: SaasIdentityDetails['repositorySelection'];
  repositories: string[];
  owner: string | null;
  createdAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  suspended: boolean | null;
  externalId: string;
  details: Record<string, unknown>;
  gaps: string[];
}

/** True when the permissions let the holder change a repository's code. */
function writesCode(input: IdentityInput): boolean {
  return input.permissions.some(
    (p) => (p.name === 'contents' || p.name === 'workflows') && isWrite(p.access),
  );
}

function analyzeIdentity(s: Shared, input: IdentityInput): IdentityResult {
  const { window, asOf } = s.options;
  // A suspended app can do nothing until lifted: it reaches no agent code and no cloud role.
  const codeRepos = writesCode(input) && !input.suspended ? input.repositories : [];
  const agentRepositories = codeRepos
    .filter((r) => s.agentRepos.has(r))
    .map((repository) => ({ repository, signals: s.agentRepos.get(repository)! }));
  for (const a of agentRepositories) {
    const set = s.writers.get(a.repository) ?? new Set<string>();
    set.add(input.id);
    s.writers.set(a.repository, set);
  }
  const classification = asBuilder(
    input.classification,
    agentRepositories.map((a) => a.repository),
  );
  const ctx: GitHubRuleContext = {
    subject: input.subject,
    org: s.inventory.org,
    window,
    asOf,
    classification,
    permissions: [],
    auditLog: { read: s.audit.read, complete: s.audit.complete },
    activity: activityOf(input.events),
    agentRepositories,
  };
  ctx.permissions = input.permissions.map((p) => judge(p, input.events, ctx));
  const findings = evaluate(ctx);
  return serialize(s, input, ctx, findings, codeRepos);
}

function activityOf(events: GitHubAuditEvent[]): GitHubRuleContext['activity'] {
  if (events.length === 0) return { events: 0 };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    first = Math.min(first, e.at);
    last = Math.max(last, e.at);
  }
  return { events: events.length, first, last };
}

/** Credits the events to a held permission and sets its status. */
function judge(
  p: GitHubPermission,
  events: GitHubAuditEvent[],
  ctx: GitHubRuleContext,
): HeldGitHubPermission {
  // Any credited event counts, whatever the level held: a write event is also a use of read.
  const credited = events.filter((e) => permissionsOfAction(e.action).includes(p.name));
  const held: HeldGitHubPermission = {
    ...p,
    status: 'unobservable',
    events: credited.length,
    highRisk: isHighRisk(p),
  };
  if (credited.length > 0) {
    held.status = 'used';
    held.first = Math.min(...credited.map((e) => e.at));
    held.last = Math.max(...credited.map((e) => e.at));
    return held;
  }
  // Order matters: the most basic reason first (no log at all), then partial coverage, then
  // an identity that has not existed for the whole window.
  const reason =
    ctx.subject.kind === 'deploy-key'
      ? 'git-events-not-read'
      : (unobservableReason(p, ctx.auditLog.read) ??
        (!ctx.auditLog.complete
          ? 'audit-log-partial'
          : youngerThanWindow(ctx)
            ? 'granted-during-window'
            : undefined));
  if (reason) held.reason = reason;
  else held.status = 'unused';
  return held;
}

function evaluate(ctx: GitHubRuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const rule of GITHUB_RULES) {
    const result = rule.evaluate(ctx);
    if (result === 'Compliant' || result === 'NotApplicable') continue;
    for (const hit of result)
      findings.push({
        ruleId: rule.id,
        rule: rule.name,
        severity: hit.severity ?? rule.severity,
        title: hit.title,
        explanation: rule.explanation,
        evidence: { org: ctx.org, ...hit.evidence },
      });
  }
  return sortFindings(findings);
}

/** Findings most severe first, stable within a severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}

function serialize(
  s: Shared,
  input: IdentityInput,
  ctx: GitHubRuleContext,
  findings: Finding[],
  codeRepos: string[],
): IdentityResult {
  const held = ctx.permissions;
  const decommission = findings.some((f) => DECOMMISSION_RULES.has(f.ruleId));
  const self =
    input.subject.kind === 'app-installation' && input.subject.installation.self === true;
  const toRemove = self ? [] : permissionsToRemove(held, decommission, input, s);
  // Tokens and keys carry their own last use; an app's activity is known only from the log.
  const activityKnown = input.lastUsedAt !== null || s.audit.read;
  const recommendation: IdentityResult['recommendation'] = self
    ? 'not-applicable'
    : decommission
      ? 'decommission'
      : toRemove.length > 0
        ? 'rightsize'
        : !activityKnown && input.subject.kind === 'app-installation'
          ? 'insufficient-evidence'
          : 'none-needed';
  // High only when the audit log covers the whole window; an identity younger than the window
  // has not been observed for all of it.
  const confidence: IdentityResult['confidence'] = youngerThanWindow(ctx)
    ? 'low'
    : s.audit.read && s.audit.complete
      ? 'high'
      : 'medium';
  const used = held.filter((p) => p.status === 'used');
  const tools = reachableRoles(s, codeRepos);
  return {
    id: input.id,
    name: input.name,
    type: input.type,
    provider: 'saas',
    accountId: s.scope,
    path: null,
    createDate: input.createdAt,
    tags: {},
    class: ctx.classification.class,
    aiRole: ctx.classification.aiRole,
    classifiedBy: { rule: ctx.classification.rule, reason: ctx.classification.reason },
    serviceLinked: false,
    confidence,
    links: {
      owners: input.owner ? [input.owner] : [],
      createdBy: [],
      deployedBy: [],
      assumedBy: [],
      tools,
      sourceIdentities: [],
      identityCenterUsers: [],
    },
    activity: {
      events: ctx.activity.events,
      firstSeen: ctx.activity.first !== undefined ? iso(ctx.activity.first) : null,
      lastSeen: ctx.activity.last !== undefined ? iso(ctx.activity.last) : null,
      consoleSignIns: 0,
      // For SaaS credentials: the last use the vendor itself reports.
      lastActivityReportedByIam: input.lastUsedAt,
      crossAccountEvents: 0,
    },
    grant: {
      policies: [],
      allowedActions: held.length,
      permissionsBoundary: null,
      conditionallyDeniedActions: [],
      unknownActions: [],
      missingPolicies: [],
    },
    usedActions: used.map((p) => ({
      action: permissionLabel(p),
      count: p.events,
      firstSeen: iso(p.first!),
      lastSeen: iso(p.last!),
    })),
    unusedActions: held.filter((p) => p.status === 'unused').map(permissionLabel),
    unobservableActions: held
      .filter((p) => p.status === 'unobservable')
      .map((p) => ({ action: permissionLabel(p), reason: p.reason ?? 'unknown' })),
    deniedActions: [],
    usedNotGranted: [],
    usedServices: [],
    unusedServices: [],
    recommendation,
    recommendedPolicy: null,
    findings,
    permissionsToRemove: toRemove,
    saas: {
      vendor: 'github',
      host: s.inventory.host,
      org: s.inventory.org,
      kind: input.subject.kind,
      externalId: input.externalId,
      owner: input.owner,
      createdAt: input.createdAt,
      expiresAt: input.expiresAt,
      lastUsedAt: input.lastUsedAt,
      suspended: input.suspended,
      repositorySelection: input.selection,
      // `all` is said by the selection; listing every repository for each identity would
      // multiply the document by the organization's size.
      repositories: input.selection === 'all' ? [] : [...input.repositories].sort(),
      permissions: held.map((p) => ({
        permission: p.name,
        access: p.access,
        scope: p.scope,
        status: p.status,
        reason: p.reason ?? null,
        events: p.events,
        lastSeen: p.last !== undefined ? iso(p.last) : null,
        highRisk: p.highRisk,
      })),
      agentRepositories: ctx.agentRepositories.map((a) => a.repository),
      gaps: [
        ...input.gaps,
        ...(s.audit.read
          ? s.audit.complete
            ? []
            : [`The audit log was read only in part (${s.audit.reason}).`]
          : input.subject.kind === 'deploy-key'
            ? []
            : [`The audit log was not read (${s.audit.reason}): permissions are unobservable.`]),
      ],
      details: input.details,
    },
  };
}

/** What to remove, with the reason and how GitHub lets the organization do it. */
function permissionsToRemove(
  held: HeldGitHubPermission[],
  decommission: boolean,
  input: IdentityInput,
  s: Shared,
): PermissionToRemove[] {
  const windowDays = days(s.options.window.from, s.options.window.to);
  const how =
    input.subject.kind === 'fine-grained-token'
      ? 'revoke the grant; the owner requests access again with a narrower token'
      : input.subject.kind === 'deploy-key'
        ? 'delete the key'
        : "uninstall or suspend the app, or ask its owner to drop the permission (the organization cannot edit an app's permissions)";
  const out: PermissionToRemove[] = [];
  for (const p of held) {
    // Every installation and token holds metadata read; it cannot be removed on its own.
    if (p.name === 'metadata') continue;
    let reason: string | undefined;
    if (decommission)
      reason = `the credential was not used in the ${windowDays}-day window: ${how}`;
    else if (p.status === 'unused')
      reason = `the audit log shows none of its writes in the ${windowDays}-day window (${s.audit.attributed} attributed events read): ${how}`;
    if (!reason) continue;
    out.push({
      permission: permissionLabel(p),
      kind: p.scope,
      resource: `GitHub ${s.inventory.org}`,
      reason,
      grantIds: [input.externalId],
    });
  }
  return out;
}

/** AWS roles the identity can reach by changing code in a repository whose workflows assume them. */
function reachableRoles(s: Shared, codeRepos: string[]): IdentityResult['links']['tools'] {
  const best = new Map<string, { via: string; reach: 'granted' | 'conditional' }>();
  for (const repo of codeRepos)
    for (const r of s.rolesByRepo.get(repo) ?? []) {
      // Any branch: pushing a branch is enough. Otherwise the deploying branch or environment
      // must be reached, which branch protection and environment rules may prevent.
      const reach = r.anyRef ? 'granted' : 'conditional';
      const prior = best.get(r.roleArn);
      if (!prior || (prior.reach === 'conditional' && reach === 'granted'))
        best.set(r.roleArn, { via: `github-actions-oidc:${s.inventory.org}/${repo}`, reach });
    }
  return [...best.entries()]
    .sort(
      ([a, x], [b, y]) =>
        (x.reach === y.reach ? 0 : x.reach === 'granted' ? -1 : 1) || a.localeCompare(b),
    )
    .slice(0, MAX_TOOLS)
    .map(([arn, t]) => ({ kind: 'role', arn, roleArn: arn, via: t.via, reach: t.reach }));
}

/** Findings on AWS roles from their GitHub OIDC trusts, one list per role. */
function oidcFindings(
  trusts: GitHubOidcTrust[],
  org: string,
  agentRepos: Map<string, AgentSignal[]>,
): RoleFindings[] {
  const byRole = new Map<string, Finding[]>();
  for (const trust of trusts) {
    // Repositories whose workflows name the role count even when the trust pins another ref:
    // they are where the role is used from.
    const repos = new Set([...trust.repositories, ...trust.workflowRepositories]);
    const agentRepositories = [...repos]
      .filter((r) => agentRepos.has(r))
      .sort()
      .map((repository) => ({ repository, signals: agentRepos.get(repository)! }));
    const list = byRole.get(trust.roleArn) ?? [];
    for (const rule of GITHUB_OIDC_RULES) {
      const result = rule.evaluate({ trust, org, agentRepositories });
      if (result === 'Compliant' || result === 'NotApplicable') continue;
      for (const hit of result) {
        // Two statements saying the same thing make one finding.
        if (list.some((f) => f.ruleId === rule.id && f.title === hit.title)) continue;
        list.push({
          ruleId: rule.id,
          rule: rule.name,
          severity: hit.severity ?? rule.severity,
          title: hit.title,
          explanation: rule.explanation,
          evidence: { org, ...hit.evidence },
        });
      }
    }
    byRole.set(trust.roleArn, list);
  }
  return [...byRole.entries()]
    .filter(([, f]) => f.length > 0)
    .map(([roleArn, findings]) => ({ roleArn, findings: sortFindings(findings) }));
}

function organizationResult(s: Shared, trusts: GitHubOidcTrust[]): GitHubOrganizationResult {
  const inv = s.inventory;
  const deployRoles = (repo: string) =>
    [
      ...new Set([
        ...trusts.filter((t) => t.repositories.includes(repo)).map((t) => t.roleArn),
        ...inv.workflowRoles.filter((w) => w.repository === repo).flatMap((w) => w.roleArns),
      ]),
    ].sort();
  return {
    host: inv.host,
    org: inv.org,
    scope: s.scope,
    auth: inv.auth,
    repositories: inv.repositories.length,
    installations: inv.installations?.length ?? null,
    tokens: inv.tokens?.length ?? null,
    deployKeys: inv.deployKeys.length,
    auditLog: {
      read: s.audit.read,
      reason: s.audit.reason,
      events: s.audit.inWindow,
      attributed: s.audit.attributed,
      truncated: s.audit.read && !s.audit.complete,
    },
    pendingTokenRequests: (inv.tokenRequests ?? []).map((r) => ({
      requestId: String(r.requestId),
      owner: r.owner,
      tokenName: r.tokenName,
      reason: r.reason,
      createdAt: r.createdAt,
      expiresAt: r.tokenExpiresAt,
      repositorySelection: r.repositorySelection,
      repositories: r.repositories ?? [],
      permissions: r.permissions.map(permissionLabel),
      highRisk: r.permissions.some(isHighRisk),
    })),
    oidc: {
      subjectClaimKeys: inv.oidcSubjectClaimKeys,
      trusts,
      joined: s.options.awsRoles !== undefined,
    },
    agentRepositories: [...s.agentRepos.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([repository, signals]) => ({
        repository,
        signals: signals.map((g) => ({ kind: g.kind, path: g.path, matches: g.matches })),
        deployRoles: deployRoles(repository),
        writers: [...(s.writers.get(repository) ?? [])].sort(),
      })),
    codeSearch: { ...inv.codeSearch },
    requests: { ...inv.requests },
  };
}

function orgGaps(inv: GitHubInventory, options: AnalyzeGitHubOptions, audit: AuditIndex): string[] {
  const gaps: string[] = [];
  if (!audit.read)
    gaps.push(
      `The organization audit log was not read (${audit.reason}): app and token permissions are kept as unobservable; unused tokens and deploy keys are still found from their last-use dates.`,
    );
  else if (!audit.complete)
    gaps.push(`The audit log was read in part (${audit.reason}): no permission is called unused.`);
  if (inv.installations === undefined)
    gaps.push('App installations could not be listed (coverage.accessGaps says why).');
  if (inv.tokens === undefined)
    gaps.push(
      'Fine-grained token grants could not be listed: only a GitHub App installation may list them (coverage.accessGaps says why).',
    );
  if (inv.deployKeysRead < inv.repositories.length)
    gaps.push(
      `Deploy keys were read for ${inv.deployKeysRead} of ${inv.repositories.length} repositories.`,
    );
  if (!inv.codeSearch.complete)
    gaps.push(
      `The search for AI agents in code is incomplete (${inv.codeSearch.detail ?? 'budget'}): agent repositories may be missing.`,
    );
  if (!options.awsRoles)
    gaps.push(
      'No AWS inventory was scanned with this organization: GitHub Actions OIDC trusts of AWS roles were not joined.',
    );
  return gaps;
}
