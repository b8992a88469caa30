/**
 * The rightsizing use case: joins an account's inventory with aggregated usage and produces the
 * findings document. Pure: the CLI, the Lambdas and the benchmark all call this one function.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { buildTools, type Tool, toolChainFindings } from '#core/engine/agent-graph.ts';
import { type Classification, Classifier } from '#core/engine/classify.ts';
import {
  buildObservationIndex,
  type Evidence,
  joinUsage,
  type ObservationIndex,
} from '#core/engine/join-usage.ts';
import { type Recommendation, recommendPolicy } from '#core/engine/recommend.ts';
import { RULES } from '#core/engine/rules/index.ts';
import { days, iso, type RuleContext, SEVERITIES } from '#core/engine/rules/rule.ts';
import {
  type Linkage,
  type PrincipalUsage,
  STACK_TARGET_PREFIX,
  type TimeWindow,
  type UsageAggregator,
} from '#core/engine/usage.ts';
import type {
  AccountInventory,
  CredentialReportRow,
  IamIdentity,
  ServiceLastAccessed,
} from '#core/iam/inventory.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { Finding, FindingsDocument, IdentityResult } from '#core/model/findings.ts';
import { summarizeIdentities } from '#core/report/summary.ts';

type Edge = IdentityResult['links']['createdBy'][number];

import type { InputIssue } from '#core/model/input-issue.ts';
import { type EffectiveGrant, GrantCalculator, type PolicySource } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';

/** Inputs of an analysis. */
export interface AnalyzeInput {
  inventory: AccountInventory;
  usage: Pick<UsageAggregator, 'principals' | 'linkages' | 'coverage'>;
  catalog: ActionCatalog;
  window: TimeWindow;
  lookbackDays: number;
  /** Problems met while reading input; they go into coverage.issues. */
  issues: InputIssue[];
  /** Files read, by kind, for coverage. */
  files?: { cloudtrail: number; iam: number; ignored: number };
  /** APIs a live scan could not call. */
  gaps?: CoverageGap[];
  /**
   * Accounts whose activity was not read at all (no trail and no Event history, or none of
   * their records in the window), with the reason. The corpus of the other accounts says nothing
   * about them: their identities are judged as in a scan without CloudTrail (each action
   * unobservable unless IAM's last-accessed data speaks to it), never as unused.
   */
  unobservedAccounts?: ReadonlyMap<string, string>;
  toolVersion: string;
}

/** One identity's analysis before serialization. */
export interface IdentityAnalysis {
  identity: IamIdentity;
  grant: EffectiveGrant;
  missingPolicies: string[];
  evidence: Evidence;
  usage: PrincipalUsage | undefined;
  credentials: CredentialReportRow | undefined;
  classification: Classification;
  recommendation: Recommendation | null;
  status: IdentityResult['recommendation'];
  confidence: IdentityResult['confidence'];
  findings: Finding[];
  iamLastActivity: number | undefined;
}

/** Shared, per-scan state for analysing identities one by one. */
export class AccountAnalyzer {
  readonly calculator: GrantCalculator;
  readonly classifier: Classifier;
  readonly observation: ObservationIndex;
  /** The index for identities of unobserved accounts: no CloudTrail at all. */
  private readonly blind: ObservationIndex;
  private readonly unobserved: ReadonlyMap<string, string>;
  private readonly groups: Map<string, AccountInventory['groups'][number]>;
  private readonly credentials: Map<string, CredentialReportRow>;
  private readonly lastAccessed: Map<string, ServiceLastAccessed>;
  readonly observed: TimeWindow | undefined;

  constructor(private readonly input: AnalyzeInput) {
    const { catalog, inventory, usage, window } = input;
    this.calculator = new GrantCalculator(new ActionMatcher(catalog));
    this.classifier = new Classifier(catalog);
    this.observation = buildObservationIndex(catalog, usage.coverage, window, inventory.trails);
    this.blind = { ...this.observation, trailObserved: false };
    this.unobserved = input.unobservedAccounts ?? new Map();
    // Group names are unique per account only: key them by account too (organization scans).
    this.groups = new Map(inventory.groups.map((g) => [`${g.arn.split(':')[4]}|${g.name}`, g]));
    this.credentials = new Map(inventory.credentialReport.map((r) => [r.arn, r]));
    this.lastAccessed = new Map(inventory.lastAccessed.map((l) => [l.principalArn, l]));
    const c = usage.coverage;
    this.observed =
      c.observedFrom !== undefined && c.observedTo !== undefined
        ? { from: c.observedFrom, to: c.observedTo }
        : undefined;
  }

  /** Collects the policies that apply to an identity, own and through groups. */
  policySources(identity: IamIdentity): { sources: PolicySource[]; missing: string[] } {
    const { policies } = this.input.inventory;
    const sources: PolicySource[] = [];
    const missing: string[] = [];
    const addManaged = (arn: string, name: string, viaGroup?: string) => {
      const p = policies.get(arn);
      if (!p?.document) {
        missing.push(arn);
        return;
      }
      const source: PolicySource = {
        kind: p.awsManaged ? 'aws-managed' : 'customer-managed',
        name,
        arn,
        document: p.document,
      };
      if (viaGroup) source.viaGroup = viaGroup;
      sources.push(source);
    };
    for (const p of identity.inlinePolicies)
      sources.push({ kind: 'inline', name: p.name, document: p.document });
    for (const a of identity.attachedPolicies) addManaged(a.arn, a.name);
    if (identity.type === 'user') {
      for (const name of identity.groups) {
        const g = this.groups.get(`${identity.accountId}|${name}`);
        if (!g) {
          missing.push(`group/${name}`);
          continue;
        }
        for (const p of g.inlinePolicies)
          sources.push({ kind: 'inline', name: p.name, viaGroup: name, document: p.document });
        for (const a of g.attachedPolicies) addManaged(a.arn, a.name, name);
      }
    }
    return { sources, missing };
  }

  /** Analyses one identity. */
  analyze(identity: IamIdentity): IdentityAnalysis {
    const { catalog, usage: agg, window } = this.input;
    const { sources, missing } = this.policySources(identity);
    let boundary: EffectiveGrant extends never ? never : Parameters<GrantCalculator['compute']>[1];
    if (identity.boundaryArn) {
      boundary = this.input.inventory.policies.get(identity.boundaryArn)?.document;
      if (!boundary) missing.push(identity.boundaryArn);
    }
    const grant = this.calculator.compute(sources, boundary);
    const usage = agg.principals.get(identity.arn);
    const credentials = this.credentials.get(identity.arn);
    const iamLastActivity = lastActivityFromIam(identity, credentials);
    const activityOutsideCorpus =
      (usage?.events ?? 0) === 0 &&
      iamLastActivity !== undefined &&
      iamLastActivity >= window.from &&
      iamLastActivity <= window.to;
    const unobserved = this.unobserved.has(identity.accountId);
    const observation = unobserved ? this.blind : this.observation;
    const evidence = joinUsage(
      grant,
      usage,
      this.lastAccessed.get(identity.arn),
      observation,
      activityOutsideCorpus,
    );
    const classification = this.classifier.classify({ identity, grant, usage, credentials });
    const serviceLinked = identity.type === 'role' && identity.serviceLinked;

    const created = identity.createDate ? Date.parse(identity.createDate) : undefined;
    const from = this.observed?.from ?? window.from;
    const young = created !== undefined && created > from;
    const observedDays = this.observed ? days(this.observed.from, this.observed.to) : 0;
    const confidence: IdentityResult['confidence'] =
      young || activityOutsideCorpus || unobserved || observedDays < 14 || missing.length > 0
        ? 'low'
        : evidence.unobservableAll.isEmpty()
          ? 'high'
          : 'medium';

    const recommendation =
      serviceLinked || evidence.unused.isEmpty()
        ? null
        : recommendPolicy(identity.name, grant, evidence, catalog);
    const ctx: RuleContext = {
      identity,
      grant,
      evidence,
      usage,
      credentials,
      classification,
      recommendation,
      catalog,
      window,
      observed: this.observed,
      iamLastActivity,
      activityOutsideCorpus,
      trailObserved: observation.trailObserved,
    };
    // In an account whose activity was not read, only IAM's own records (RoleLastUsed, the
    // credential report) can show an identity idle; without them its disuse is unknown, not shown.
    const disuseUnknown =
      unobserved && (identity.type === 'role' ? identity.lastUsed === undefined : !credentials);
    const findings: Finding[] = [];
    for (const rule of RULES) {
      if (disuseUnknown && rule.id === 'LP-IAM-001') continue;
      const result = rule.evaluate(ctx);
      if (result === 'Compliant' || result === 'NotApplicable') continue;
      for (const hit of result) {
        findings.push({
          ruleId: rule.id,
          rule: rule.name,
          severity: hit.severity ?? rule.severity,
          title: hit.title,
          explanation: rule.explanation,
          evidence: hit.evidence,
        });
      }
    }
    // IAM Identity Center owns the roles it provisions: a change made to the role is overwritten,
    // so the fix belongs on the permission set the role comes from.
    if (identity.type === 'role' && identity.path.startsWith('/aws-reserved/sso.amazonaws.com/')) {
      for (const f of findings) {
        if (f.ruleId === 'LP-IAM-005' || f.ruleId === 'LP-IAM-007' || f.ruleId === 'LP-IAM-008') {
          f.explanation = `${f.explanation} This role is provisioned by IAM Identity Center: apply the change to its permission set, not to the role.`;
        }
      }
    }
    findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    const unusedIdentity = findings.some((f) => f.ruleId === 'LP-IAM-001');
    const status: IdentityResult['recommendation'] = serviceLinked
      ? 'not-applicable'
      : activityOutsideCorpus || missing.length > 0
        ? 'insufficient-evidence'
        : unusedIdentity
          ? 'decommission'
          : recommendation
            ? 'rightsize'
            : // Nothing to remove because nothing could be observed is not "none needed".
              unobserved
              ? 'insufficient-evidence'
              : 'none-needed';
    return {
      identity,
      grant,
      missingPolicies: missing,
      evidence,
      usage,
      credentials,
      classification,
      recommendation,
      status,
      confidence,
      findings,
      iamLastActivity,
    };
  }
}

/** Latest activity IAM itself records for the identity: RoleLastUsed, or password and key use. */
function lastActivityFromIam(
  identity: IamIdentity,
  credentials: CredentialReportRow | undefined,
): number | undefined {
  const dates: (string | undefined)[] = [];
  if (identity.type === 'role') dates.push(identity.lastUsed?.date);
  if (credentials) {
    dates.push(credentials.passwordLastUsed);
    for (const k of credentials.accessKeys) dates.push(k.lastUsedDate);
  }
  const ms = dates
    .filter((d): d is string => d !== undefined)
    .map((d) => Date.parse(d))
    .filter((n) => !Number.isNaN(n));
  return ms.length > 0 ? Math.max(...ms) : undefined;
}

/**
 * Analyses every identity of the inventory and builds the findings document.
 * @returns the document, ready to validate and write
 */
export function analyzeAccount(input: AnalyzeInput): FindingsDocument {
  const analyzer = new AccountAnalyzer(input);
  const identities: IdentityAnalysis[] = [];
  for (const identity of [...input.inventory.users, ...input.inventory.roles])
    identities.push(analyzer.analyze(identity));
  return buildDocument(input, analyzer, identities);
}

function buildDocument(
  input: AnalyzeInput,
  analyzer: AccountAnalyzer,
  analyses: IdentityAnalysis[],
): FindingsDocument {
  const { catalog, usage, window, inventory } = input;
  const cov = usage.coverage;
  const known = new Set(analyses.map((a) => a.identity.arn));
  const tools = buildTools(analyses, inventory, catalog);
  const chain = toolChainFindings(analyses, tools, catalog);
  for (const a of analyses) {
    const extra = chain.get(a.identity.arn);
    if (extra) {
      a.findings.push(...extra);
      a.findings.sort((x, y) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity));
    }
  }
  const results = analyses.map((a) =>
    serializeIdentity(a, catalog, usage.linkages, tools.get(a.identity.arn) ?? []),
  );
  const root = [...usage.principals.values()].filter((p) => p.kind === 'root');
  for (const r of root) {
    known.add(r.arn);
    results.push(serializeRoot(r, catalog, inventory));
  }
  results.sort((a, b) => a.id.localeCompare(b.id));

  const observedDays = analyzer.observed
    ? days(analyzer.observed.from, analyzer.observed.to) + 1
    : 0;
  const gaps: string[] = [];
  if (cov.recordsInWindow === 0)
    gaps.push(
      "No CloudTrail record fell in the window: no action can be called unused, and identity-level disuse rests only on IAM's own last-used data (RoleLastUsed, credential report). Check --as-of and --lookback against the dates of the files.",
    );
  if (cov.readOnlyEvents === 0 && cov.recordsInWindow > 0)
    gaps.push(
      'The corpus holds no read-only events (a write-only trail?): read and list actions are kept as unobservable.',
    );
  if (observedDays > 0 && observedDays < input.lookbackDays)
    gaps.push(
      `The corpus covers ${observedDays} of the ${input.lookbackDays} requested days; "unused" means unused in those ${observedDays} days.`,
    );
  const noData = ['s3', 'dynamodb', 'lambda', 'sns', 'bedrock'].filter(
    (s) => !cov.dataEventServices.has(s),
  );
  if (noData.length > 0)
    gaps.push(
      `No data events for ${noData.join(', ')}: their data-plane actions (object, item, invoke, publish, agent runtime) are kept as unobservable.`,
    );
  for (const [account, reason] of [...(input.unobservedAccounts ?? [])].sort())
    gaps.push(
      `Account ${account}: no activity was read (${reason}). Its identities' actions are kept as unobservable, not unused; only IAM's own last-used data speaks to their disuse.`,
    );
  if (inventory.users.length + inventory.roles.length === 0)
    gaps.push(
      'No IAM inventory (authorization details) was found: there are no grants to rightsize.',
    );

  const unknownPrincipals = [...usage.principals.values()]
    .filter((p) => !known.has(p.arn))
    .map((p) => ({ arn: p.arn, events: p.events }))
    .sort((a, b) => b.events - a.events);
  const skipped: Record<string, number> = {};
  const skippedIssues: InputIssue[] = [];
  for (const [reason, s] of cov.skipped) {
    skipped[reason] = s.count;
    skippedIssues.push(...s.examples);
  }
  const issues = [...input.issues, ...skippedIssues];
  return {
    schemaVersion: '1',
    tool: { name: 'leash', version: input.toolVersion, catalogVersion: catalog.version },
    window: {
      asOf: iso(window.to),
      lookbackDays: input.lookbackDays,
      from: iso(window.from),
      to: iso(window.to),
      observedFrom: analyzer.observed ? iso(analyzer.observed.from) : null,
      observedTo: analyzer.observed ? iso(analyzer.observed.to) : null,
      observedDays,
    },
    accounts: [...inventory.accountIds].sort(),
    summary: summarizeIdentities(results),
    coverage: {
      files: {
        ...(input.files ?? { cloudtrail: 0, iam: 0, ignored: 0 }),
        withIssues: new Set(issues.map((i) => i.file)).size,
      },
      records: {
        read: cov.recordsRead,
        inWindow: cov.recordsInWindow,
        outsideWindow: cov.recordsOutsideWindow,
        mapped: cov.mapped,
        unmapped: cov.unmapped,
        noIamAction: Object.fromEntries(cov.noIam),
        unattributed: Object.fromEntries(cov.unattributed),
        skipped,
      },
      mappingRate:
        cov.attributableWithAction > 0 ? cov.attributableMapped / cov.attributableWithAction : null,
      unmappedPairs: [...cov.unmappedPairs.values()].sort((a, b) => b.count - a.count),
      readEventsObserved: cov.readOnlyEvents > 0,
      dataEventServices: [...cov.dataEventServices.keys()].sort(),
      gaps,
      accessGaps: input.gaps ?? [],
      trails: inventory.trails.map((t) => ({
        name: t.name,
        arn: t.arn,
        homeRegion: t.homeRegion,
        isLogging: t.isLogging ?? null,
        managementEvents: t.managementEvents,
        dataEventServices: t.dataEventServices,
      })),
      unknownPrincipals,
      issues,
    },
    identities: results,
    agents: inventory.agents.map((g) => ({
      kind: g.kind,
      id: g.id,
      arn: g.arn,
      name: g.name,
      accountId: g.accountId,
      region: g.region,
      roleArn: g.roleArn ?? null,
      foundationModel: g.foundationModel ?? null,
      status: g.status ?? null,
      tools: g.tools.map((t) => ({
        name: t.name,
        kind: t.kind,
        arn: t.arn ?? null,
        lambdaArn: t.lambdaArn ?? null,
        endpoint: t.endpoint ?? null,
        functionRoleArn:
          (t.lambdaArn && inventory.functions.find((f) => f.arn === t.lambdaArn)?.roleArn) || null,
      })),
      aliases: g.aliases,
      owners: ownersOf(g.tags),
      createdBy: [
        ...linksFor(g.arn, usage.linkages, 'created'),
        ...stackEdges(g.tags, usage.linkages),
      ],
    })),
    functions: inventory.functions.map((f) => ({
      arn: f.arn,
      name: f.name,
      accountId: f.accountId,
      region: f.region,
      roleArn: f.roleArn,
      runtime: f.runtime ?? null,
      environmentVariableNames: f.environmentVariableNames,
      layers: f.layers,
      invokers: f.invokers.map((i) => ({
        principal: i.principal,
        action: i.action,
        sourceArn: i.sourceArn ?? null,
        sourceAccount: i.sourceAccount ?? null,
      })),
      functionUrls: f.functionUrls,
      eventSources: f.eventSources.map((e) => e.arn),
      owners: ownersOf(f.tags),
      createdBy: [
        ...linksFor(f.arn, usage.linkages, 'created'),
        ...stackEdges(f.tags, usage.linkages),
      ],
    })),
  };
}

function linksFor(
  target: string,
  linkages: Map<string, Linkage>,
  relation: Linkage['relation'],
): Edge[] {
  const out: Edge[] = [];
  for (const l of linkages.values()) {
    if (l.target !== target || l.relation !== relation) continue;
    out.push({
      arn: l.actor,
      via: l.via,
      events: l.count,
      lastSeen: iso(l.last),
      eventIds: l.eventIds,
      invokedBy: l.invokedBy ?? null,
      sourceIdentities: l.sourceIdentities,
      sessionNames: l.sessionNames,
    });
  }
  return out.sort((x, y) => x.arn.localeCompare(y.arn));
}

/**
 * Edges to whoever ran the operations of the CloudFormation stack that made a resource (its
 * `aws:cloudformation:stack-name` tag), marked as via the stack.
 */
function stackEdges(tags: Record<string, string>, linkages: Map<string, Linkage>): Edge[] {
  const stack = tags['aws:cloudformation:stack-name'];
  if (!stack) return [];
  return linksFor(`${STACK_TARGET_PREFIX}${stack}`, linkages, 'deployed').map((e) => ({
    ...e,
    via: `${e.via} of stack ${stack}`,
  }));
}

function ownersOf(tags: Record<string, string>): string[] {
  return OWNER_TAGS.map((k) => tags[k]).filter((v): v is string => !!v);
}

const OWNER_TAGS = [
  'owner',
  'Owner',
  'OWNER',
  'owner-email',
  'CreatedBy',
  'created-by',
  'contact',
  'Contact',
];

function serializeIdentity(
  a: IdentityAnalysis,
  catalog: ActionCatalog,
  linkages: Map<string, Linkage>,
  tools: Tool[],
): IdentityResult {
  const { identity, grant, evidence, usage, classification, recommendation } = a;
  const q = (id: number) => catalog.actions[id]!.qualified;
  const unobservable: IdentityResult['unobservableActions'] = [];
  for (const [reason, set] of evidence.unobservable)
    for (const id of set.ids()) unobservable.push({ action: q(id), reason });
  unobservable.sort((x, y) => x.action.localeCompare(y.action));
  const policies =
    a.grant.allowStatements.length > 0 ||
    identity.inlinePolicies.length > 0 ||
    identity.attachedPolicies.length > 0
      ? sourcesOf(a)
      : [];
  return {
    id: identity.arn,
    name: identity.name,
    type: identity.type,
    accountId: identity.accountId,
    path: identity.path,
    createDate: identity.createDate ?? null,
    tags: identity.tags,
    class: classification.class,
    aiRole: classification.aiRole,
    classifiedBy: { rule: classification.rule, reason: classification.reason },
    serviceLinked: identity.type === 'role' && identity.serviceLinked,
    confidence: a.confidence,
    links: {
      owners: ownersOf(identity.tags),
      createdBy: linksFor(identity.arn, linkages, 'created'),
      deployedBy: [
        ...linksFor(identity.arn, linkages, 'deployed'),
        ...stackEdges(identity.tags, linkages),
      ],
      assumedBy: linksFor(identity.arn, linkages, 'assumed'),
      tools,
      sourceIdentities: [...(usage?.sourceIdentities ?? [])]
        .map(([value, count]) => ({ value, count }))
        .sort((x, y) => y.count - x.count),
      identityCenterUsers: [...(usage?.onBehalfOf.keys() ?? [])].sort(),
    },
    activity: activityOf(usage, a.iamLastActivity),
    grant: {
      policies,
      allowedActions: grant.allowed.count(),
      permissionsBoundary: identity.boundaryArn ?? null,
      conditionallyDeniedActions: grant.conditionallyDenied.toArray().map(q),
      unknownActions: grant.unknownActions,
      missingPolicies: a.missingPolicies,
    },
    usedActions: evidence.used.toArray().map((id) => {
      const u = usage!.used.get(id)!;
      return { action: q(id), count: u.count, firstSeen: iso(u.first), lastSeen: iso(u.last) };
    }),
    unusedActions: evidence.unused.toArray().map(q),
    unobservableActions: unobservable,
    deniedActions: [...(usage?.denied ?? [])]
      .map(([id, d]) => ({
        action: q(id),
        count: d.count,
        lastSeen: iso(d.last),
        errorCodes: [...d.errorCodes].sort(),
      }))
      .sort((x, y) => x.action.localeCompare(y.action)),
    usedNotGranted: evidence.usedNotGranted.toArray().map(q),
    usedServices: evidence.usedServices,
    unusedServices: evidence.unusedServices,
    recommendation: a.status,
    recommendedPolicy: recommendation
      ? {
          ...recommendation,
          detach: recommendation.detach.map((d) => ({
            policy: d.policy,
            arn: d.arn ?? null,
            kind: d.kind,
            viaGroup: d.viaGroup ?? null,
            reason: d.reason,
          })),
        }
      : null,
    findings: a.findings,
  };
}

function sourcesOf(a: IdentityAnalysis): IdentityResult['grant']['policies'] {
  const seen = new Map<string, IdentityResult['grant']['policies'][number]>();
  for (const gs of a.grant.allowStatements) {
    const s = gs.source;
    const key = `${s.kind}|${s.arn ?? s.name}|${s.viaGroup ?? ''}`;
    if (!seen.has(key))
      seen.set(key, {
        name: s.name,
        arn: s.arn ?? null,
        kind: s.kind,
        viaGroup: s.viaGroup ?? null,
      });
  }
  return [...seen.values()];
}

function activityOf(
  usage: PrincipalUsage | undefined,
  iamLast: number | undefined,
): IdentityResult['activity'] {
  return {
    events: usage?.events ?? 0,
    firstSeen: usage ? iso(usage.firstSeen) : null,
    lastSeen: usage ? iso(usage.lastSeen) : null,
    consoleSignIns: usage?.consoleSignIns ?? 0,
    lastActivityReportedByIam: iamLast !== undefined ? iso(iamLast) : null,
    crossAccountEvents: usage?.crossAccountEvents ?? 0,
  };
}

/** The root user has no policies to rightsize; its use is itself the finding. */
function serializeRoot(
  usage: PrincipalUsage,
  catalog: ActionCatalog,
  inventory: AccountInventory,
): IdentityResult {
  const accountId = usage.arn.split(':')[4] ?? '';
  const q = (id: number) => catalog.actions[id]!.qualified;
  const cred = inventory.credentialReport.find((r) => r.user === '<root_account>');
  return {
    id: usage.arn,
    name: 'root',
    type: 'root',
    accountId,
    path: null,
    createDate: cred?.userCreationTime ?? null,
    tags: {},
    class: 'human',
    aiRole: null,
    classifiedBy: { rule: 'root-user', reason: 'the account root user' },
    serviceLinked: false,
    confidence: 'high',
    links: {
      owners: [],
      createdBy: [],
      deployedBy: [],
      assumedBy: [],
      tools: [],
      sourceIdentities: [],
      identityCenterUsers: [],
    },
    activity: activityOf(usage, undefined),
    grant: {
      policies: [],
      allowedActions: 0,
      permissionsBoundary: null,
      conditionallyDeniedActions: [],
      unknownActions: [],
      missingPolicies: [],
    },
    usedActions: [...usage.used]
      .map(([id, u]) => ({
        action: q(id),
        count: u.count,
        firstSeen: iso(u.first),
        lastSeen: iso(u.last),
      }))
      .sort((x, y) => x.action.localeCompare(y.action)),
    unusedActions: [],
    unobservableActions: [],
    deniedActions: [...usage.denied].map(([id, d]) => ({
      action: q(id),
      count: d.count,
      lastSeen: iso(d.last),
      errorCodes: [...d.errorCodes].sort(),
    })),
    usedNotGranted: [],
    usedServices: [
      ...new Set([...usage.used.keys()].map((id) => catalog.actions[id]!.service)),
    ].sort(),
    unusedServices: [],
    recommendation: 'not-applicable',
    recommendedPolicy: null,
    findings: [
      {
        ruleId: 'LP-IAM-010',
        rule: 'root-user-activity',
        severity: 'high',
        title: `The root user made ${usage.events} calls in the window`,
        explanation:
          'The root user cannot be restricted by IAM policies. Use it only for the few tasks that require it, with MFA, and alert on every use.',
        evidence: {
          events: usage.events,
          lastSeen: iso(usage.lastSeen),
          consoleSignIns: usage.consoleSignIns,
        },
      },
    ],
  };
}
