/**
 * The Entra rightsizing use case: joins a tenant's service principals (what they are granted)
 * with Graph activity-log requests (what they used) and sign-in activity, and produces identity
 * results in the findings.json contract, so one document can hold AWS and Entra identities.
 * Pure: the CLI and the Lambdas both call `analyzeTenant` and `mergeEntraIntoDocument`.
 *
 * How a request counts as use of a permission (see permission-map.ts and
 * permission-hierarchy.ts): the map gives the permissions that authorize the request's method
 * and path; every held permission among them, or that includes one of them, is credited as
 * *possibly used*. When an identity holds several permissions that would authorize the same
 * request, all of them are credited: the log does not say which one the token used, and a
 * permission that could have done the work is never called unused. LP-ENTRA-009 then points
 * out the broader ones a narrower held permission fully covers.
 */

import { days, iso, SEVERITIES } from '#core/engine/rules/rule.ts';
import type { TimeWindow } from '#core/engine/usage.ts';
import { classifyServicePrincipal } from '#core/entra/classify.ts';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import { highRiskOf } from '#core/entra/high-risk.ts';
import type {
  EntraAgentUser,
  EntraInventory,
  EntraServicePrincipal,
  GraphRequest,
} from '#core/entra/model.ts';
import { authorizingHeld, isBroader } from '#core/entra/permission-hierarchy.ts';
import {
  familiesOf,
  firstSegment,
  type GraphPermissionMap,
  type PermissionKind,
  permissionsInMap,
} from '#core/entra/permission-map.ts';
import { ENTRA_RULES } from '#core/entra/rules/index.ts';
import type {
  ActivityEvidence,
  EntraRuleContext,
  HeldPermission,
  UnobservableReason,
} from '#core/entra/rules/rule.ts';
import { isGone } from '#core/entra/rules/stale-delegation.ts';
import {
  aggregateGraphRequests,
  type ServicePrincipalRequests,
  type TenantRequests,
} from '#core/entra/usage.ts';
import type {
  EntraCoverage,
  EntraIdentityDetails,
  Finding,
  FindingsDocument,
  IdentityResult,
  PermissionToRemove,
} from '#core/model/findings.ts';
import { combineSummaries, emptyDocument, summarizeIdentities } from '#core/report/summary.ts';

/** Microsoft Graph's appId in every tenant. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * Delegated scopes a sign-in needs whether or not the app ever calls Graph: OpenID Connect's
 * scopes, and User.Read for the signed-in user's profile. Never called unused.
 */
const SIGN_IN_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'User.Read']);

/**
 * `…ReadBasic…` permissions reach the same paths as their `Read` siblings but return fewer
 * properties (no message body, no extended user attributes). The log does not say which
 * properties a call read, so a ReadBasic permission never stands in for a broader one.
 */
const PROPERTY_SUBSET = /\.ReadBasic(\.|$)/;

/** Options of an analysis. */
export interface AnalyzeTenantOptions {
  /** The observation window: epoch-ms bounds, or a number of days ending at `asOf`. */
  window: TimeWindow | number;
  /** The analysis instant, epoch ms (credential expiry). Defaults to the window's end. */
  asOf?: number;
  /** The request → permission map; defaults to the built-in one. */
  map?: GraphPermissionMap;
  /** App ids of Microsoft first-party apps (MicrosoftApps.json, see `firstPartyAppIdsFrom`). */
  firstPartyAppIds?: ReadonlySet<string>;
}

/** The result of analysing one tenant. */
export interface EntraAnalysis {
  tenantId: string;
  /** One result per service principal and agent user, sorted by id. */
  identities: IdentityResult[];
  coverage: EntraCoverage;
  /** What this analysis could not see, for the document's coverage.gaps. */
  gaps: string[];
}

/**
 * Analyses every service principal of the inventory.
 * @param requests Graph activity-log requests; read once. Undefined when none were read.
 * @throws RangeError when `window` is a number of days and `asOf` is missing
 */
export function analyzeTenant(
  inventory: EntraInventory,
  requests: Iterable<GraphRequest> | undefined,
  options: AnalyzeTenantOptions,
): EntraAnalysis {
  const window = resolveWindow(options.window, options.asOf);
  const asOf = options.asOf ?? window.to;
  const map = options.map ?? BUILTIN_GRAPH_PERMISSIONS;
  const observable = inventory.activityLogs && requests !== undefined;
  const agg = aggregateGraphRequests(requests ?? [], inventory.servicePrincipals, window, map);
  const shared: Shared = {
    inventory,
    window,
    asOf,
    observable,
    inMap: permissionsInMap(map),
    families: familiesOf(map),
    options,
  };
  const identities = [
    ...inventory.servicePrincipals.map((sp) =>
      analyzeServicePrincipal(sp, agg.byServicePrincipal.get(sp.id), shared),
    ),
    ...(inventory.agentUsers ?? []).map((u) => analyzeAgentUser(u, shared)),
  ].sort((a, b) => a.id.localeCompare(b.id));
  const coverage = coverageOf(inventory, agg, map);
  return {
    tenantId: inventory.tenantId,
    identities,
    coverage,
    gaps: tenantGaps(inventory, requests !== undefined, coverage),
  };
}

function resolveWindow(window: TimeWindow | number, asOf: number | undefined): TimeWindow {
  if (typeof window !== 'number') return window;
  if (asOf === undefined)
    throw new RangeError('analyzeTenant: asOf is required when window is a number of days');
  return { from: asOf - window * 86_400_000, to: asOf };
}

interface Shared {
  inventory: EntraInventory;
  window: TimeWindow;
  asOf: number;
  observable: boolean;
  inMap: Record<PermissionKind, Set<string>>;
  families: Map<string, Set<string>>;
  options: AnalyzeTenantOptions;
}

/** Per-permission accumulator while crediting calls. */
interface Credit {
  count: number;
  first: number;
  last: number;
  calls: Set<string>;
  /** False once one credited request has no narrower held authorizer. */
  reducible: boolean;
  narrower: Set<string>;
}

function analyzeServicePrincipal(
  sp: EntraServicePrincipal,
  reqs: ServicePrincipalRequests | undefined,
  s: Shared,
): IdentityResult {
  const classification = classifyServicePrincipal(sp, {
    ...(s.options.firstPartyAppIds ? { firstPartyAppIds: s.options.firstPartyAppIds } : {}),
  });
  const held = heldPermissions(sp);
  const { credits, usedNotGranted } = creditCalls(held, reqs);
  const unmappedFamilies = new Set(
    [...(reqs?.unmapped.values() ?? [])].map((u) => firstSegment(u.path)),
  );
  for (const p of held) judge(p, credits.get(keyOf(p)), unmappedFamilies, s);

  const activity: ActivityEvidence = {
    known: signInKnown(sp, s.inventory),
    lastActive: maxDefined(lastSignInOf(sp), reqs?.last),
    requestsInWindow: reqs?.requests ?? 0,
  };
  const ctx: EntraRuleContext = {
    sp,
    tenantId: s.inventory.tenantId,
    classification,
    window: s.window,
    asOf: s.asOf,
    observable: s.observable,
    credentialActivity: s.inventory.credentialActivity === true,
    activity,
    permissions: held,
  };
  const findings = evaluateRules(ctx);
  return serialize(ctx, findings, reqs, usedNotGranted, s);
}

/** The permissions an identity holds, one entry per (resource, kind, name). */
function heldPermissions(sp: EntraServicePrincipal): HeldPermission[] {
  const out = new Map<string, HeldPermission>();
  const add = (
    permission: string,
    kind: PermissionKind,
    resource: string,
    resourceAppId: string | undefined,
    grantId: string,
    grantedAt: string | undefined,
  ) => {
    const graph =
      resourceAppId !== undefined
        ? resourceAppId.toLowerCase() === GRAPH_APP_ID
        : resource === 'Microsoft Graph';
    const key = `${kind}|${graph ? GRAPH_APP_ID : (resourceAppId ?? resource)}|${permission}`;
    const existing = out.get(key);
    if (existing) {
      existing.grantIds.push(grantId);
      if (grantedAt && (!existing.grantedAt || grantedAt < existing.grantedAt))
        existing.grantedAt = grantedAt;
      return;
    }
    const p: HeldPermission = {
      permission,
      kind,
      resource,
      graph,
      status: 'unobservable',
      reducibleTo: [],
      grantIds: [grantId],
    };
    if (resourceAppId) p.resourceAppId = resourceAppId;
    if (grantedAt) p.grantedAt = grantedAt;
    // Delegated permissions act within the signed-in user's own access: not tenant-wide.
    const risk = kind === 'application' ? highRiskOf(permission) : undefined;
    if (risk) p.highRisk = risk;
    out.set(key, p);
  };
  for (const a of sp.appPermissions)
    add(
      a.permission,
      'application',
      a.resourceName,
      a.resourceAppId,
      a.assignmentId,
      a.createdDateTime,
    );
  for (const g of sp.delegatedGrants)
    for (const scope of g.scopes)
      add(scope, 'delegated', g.resourceName, g.resourceAppId, g.id, undefined);
  return [...out.values()].sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) ||
      a.resource.localeCompare(b.resource) ||
      a.permission.localeCompare(b.permission),
  );
}

function keyOf(p: HeldPermission): string {
  return `${p.kind}|${p.permission}`;
}

/**
 * Credits each call group to the held Graph permissions that could have authorized it. A call
 * whose scheme the log did not record credits both schemes.
 */
function creditCalls(
  held: HeldPermission[],
  reqs: ServicePrincipalRequests | undefined,
): { credits: Map<string, Credit>; usedNotGranted: Set<string> } {
  const credits = new Map<string, Credit>();
  const usedNotGranted = new Set<string>();
  if (!reqs) return { credits, usedNotGranted };
  const heldBy: Record<PermissionKind, string[]> = {
    application: held.filter((p) => p.graph && p.kind === 'application').map((p) => p.permission),
    delegated: held.filter((p) => p.graph && p.kind === 'delegated').map((p) => p.permission),
  };
  for (const g of reqs.calls.values()) {
    const call = `${g.match.method} ${g.match.template}`;
    let any = false;
    for (const kind of g.scheme ? [g.scheme] : (['application', 'delegated'] as const)) {
      const direct = authorizingHeld(
        kind === 'application' ? g.match.application : g.match.delegated,
        heldBy[kind],
      );
      // A permission the call also requires is used too, but cannot stand in for the direct one.
      const also = authorizingHeld(g.match.alsoRequires, heldBy[kind]);
      if (direct.length > 0) any = true;
      for (const perm of new Set([...direct, ...also])) {
        const key = `${kind}|${perm}`;
        let c = credits.get(key);
        if (!c) {
          c = {
            count: 0,
            first: g.first,
            last: g.last,
            calls: new Set(),
            reducible: true,
            narrower: new Set(),
          };
          credits.set(key, c);
        }
        c.count += g.count;
        c.first = Math.min(c.first, g.first);
        c.last = Math.max(c.last, g.last);
        c.calls.add(call);
        for (const [role, set] of [
          [direct.includes(perm), direct],
          [also.includes(perm), also],
        ] as const) {
          if (!role) continue;
          const narrower = set.filter((q) => isBroader(perm, q) && !PROPERTY_SUBSET.test(q));
          if (narrower.length === 0) c.reducible = false;
          for (const q of narrower) c.narrower.add(q);
        }
      }
    }
    // Authorized by something not held here: a directory role, or an inherited permission.
    if (!any) usedNotGranted.add(call);
  }
  return { credits, usedNotGranted };
}

/** Sets a held permission's status from its credits and what could be observed. */
function judge(
  p: HeldPermission,
  credit: Credit | undefined,
  unmappedFamilies: Set<string>,
  s: Shared,
): void {
  if (p.graph && credit) {
    p.status = 'used';
    p.use = {
      count: credit.count,
      first: credit.first,
      last: credit.last,
      calls: [...credit.calls].sort().slice(0, 5),
    };
    if (s.observable && credit.reducible) p.reducibleTo = [...credit.narrower].sort();
    return;
  }
  const reason = unobservableReason(p, unmappedFamilies, s);
  if (reason) {
    p.status = 'unobservable';
    p.reason = reason;
  } else p.status = 'unused';
}

function unobservableReason(
  p: HeldPermission,
  unmappedFamilies: Set<string>,
  s: Shared,
): UnobservableReason | undefined {
  if (!p.graph) return 'not-microsoft-graph';
  if (!s.observable) return 'no-graph-activity-logs';
  if (p.kind === 'delegated' && SIGN_IN_SCOPES.has(p.permission)) return 'sign-in-scope';
  if (!s.inMap[p.kind].has(p.permission)) return 'not-in-permission-map';
  const families = s.families.get(p.permission);
  if (families && [...unmappedFamilies].some((f) => families.has(f))) return 'unmapped-requests';
  if (p.grantedAt && Date.parse(p.grantedAt) > s.window.from) return 'granted-during-window';
  return undefined;
}

/** The rules that judge agent users: they hold no permissions, roles or credentials of their own. */
const AGENT_USER_RULES = new Set(['LP-ENTRA-001', 'LP-ENTRA-010']);

/**
 * An agent user as an identity: class ai-agent, role agent, linked to its parent agent identity
 * through `entra.identityParentId`. It stands in the rule context as a service principal with
 * nothing granted, so LP-ENTRA-001 (unused) judges its sign-ins; LP-ENTRA-010 judges its parent.
 * Recommendation: decommission when either fires, none-needed otherwise.
 */
function analyzeAgentUser(user: EntraAgentUser, s: Shared): IdentityResult {
  const parent = user.identityParentId
    ? s.inventory.servicePrincipals.find((sp) => sp.id === user.identityParentId)
    : undefined;
  const sp: EntraServicePrincipal = {
    id: user.id,
    appId: '',
    displayName: user.displayName ?? user.userPrincipalName ?? user.id,
    servicePrincipalType: 'AgentUser',
    odataType: '#microsoft.graph.agentUser',
    accountEnabled: user.accountEnabled,
    tags: [],
    credentials: [],
    federatedCredentials: [],
    owners: [],
    sponsors: user.sponsors,
    appPermissions: [],
    delegatedGrants: [],
    directoryRoles: [],
  };
  if (user.createdDateTime) sp.createdDateTime = user.createdDateTime;
  if (user.lastSignIn) sp.signIn = { lastSignIn: user.lastSignIn };
  const known = user.lastSignIn !== undefined || s.inventory.agentUserSignInActivity === true;
  const lastActive = latest(user.lastSignIn);
  const ctx: EntraRuleContext = {
    sp,
    tenantId: s.inventory.tenantId,
    classification: {
      class: 'ai-agent',
      aiRole: 'agent',
      type: 'agent-user',
      firstParty: false,
      rule: 'entra-agent-user',
      reason: 'an Entra Agent ID agent user (@odata.type agentUser)',
    },
    window: s.window,
    asOf: s.asOf,
    observable: false,
    credentialActivity: false,
    activity: { known, lastActive, requestsInWindow: 0 },
    permissions: [],
    agentUser: {
      user,
      parent,
      // Service principals not read (a gap): the parent's absence proves nothing.
      parentKnown: s.inventory.servicePrincipals.length > 0,
    },
  };
  const findings = evaluateRules(ctx, AGENT_USER_RULES);
  const decommission = findings.some(
    (f) => f.ruleId === 'LP-ENTRA-001' || f.ruleId === 'LP-ENTRA-010',
  );
  const c = ctx.classification;
  const gaps: string[] = [];
  if (!known)
    gaps.push('No sign-in activity was read: whether the agent user is used at all is unknown.');
  if (!ctx.agentUser!.parentKnown)
    gaps.push('Service principals were not read: whether its agent identity exists is unknown.');
  gaps.push('Sponsors of agent users are not read.');
  return {
    id: user.id,
    name: sp.displayName,
    type: 'agent-user',
    accountId: s.inventory.tenantId,
    path: null,
    createDate: user.createdDateTime ?? null,
    tags: {},
    class: c.class,
    aiRole: c.aiRole,
    classifiedBy: { rule: c.rule, reason: c.reason },
    serviceLinked: false,
    confidence: known && ctx.agentUser!.parentKnown ? 'high' : 'low',
    links: {
      owners: [...new Set(user.sponsors.map((p) => p.userPrincipalName ?? p.displayName ?? p.id))],
      createdBy: [],
      deployedBy: [],
      assumedBy: [],
      tools: [],
      sourceIdentities: [],
      identityCenterUsers: [],
    },
    activity: {
      events: 0,
      firstSeen: null,
      lastSeen: null,
      consoleSignIns: 0,
      lastActivityReportedByIam: isoOrNull(lastActive),
      crossAccountEvents: 0,
    },
    grant: {
      policies: [],
      allowedActions: 0,
      permissionsBoundary: null,
      conditionallyDeniedActions: [],
      unknownActions: [],
      missingPolicies: [],
    },
    usedActions: [],
    unusedActions: [],
    unobservableActions: [],
    deniedActions: [],
    usedNotGranted: [],
    usedServices: [],
    unusedServices: [],
    recommendation: decommission ? 'decommission' : 'none-needed',
    recommendedPolicy: null,
    findings,
    permissionsToRemove: [],
    entra: {
      ...details(ctx, user.sponsors.length > 0 && user.sponsors.every(isGone), gaps),
      identityParentId: user.identityParentId ?? null,
      userPrincipalName: user.userPrincipalName ?? null,
    },
  };
}

function evaluateRules(ctx: EntraRuleContext, only?: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  for (const rule of ENTRA_RULES) {
    if (only && !only.has(rule.id)) continue;
    const result = rule.evaluate(ctx);
    if (result === 'Compliant' || result === 'NotApplicable') continue;
    for (const hit of result)
      findings.push({
        ruleId: rule.id,
        rule: rule.name,
        severity: hit.severity ?? rule.severity,
        title: hit.title,
        explanation: rule.explanation,
        evidence: hit.evidence,
      });
  }
  return findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}

/** The name a permission goes by in usedActions / unusedActions. */
export function actionName(
  p: Pick<HeldPermission, 'permission' | 'kind' | 'resource' | 'graph'>,
): string {
  if (p.graph) return p.kind === 'application' ? p.permission : `${p.permission} (delegated)`;
  return `${p.permission} (${p.kind}, ${p.resource})`;
}

function serialize(
  ctx: EntraRuleContext,
  findings: Finding[],
  reqs: ServicePrincipalRequests | undefined,
  usedNotGranted: Set<string>,
  s: Shared,
): IdentityResult {
  const { sp, classification: c, permissions: held, activity } = ctx;
  const decommission = findings.some((f) => f.ruleId === 'LP-ENTRA-001');
  const toRemove = c.firstParty ? [] : permissionsToRemove(held, decommission, ctx);
  const created = sp.createdDateTime ? Date.parse(sp.createdDateTime) : undefined;
  const young = created !== undefined && created > s.window.from;
  const recommendation: IdentityResult['recommendation'] = c.firstParty
    ? 'not-applicable'
    : decommission
      ? 'decommission'
      : toRemove.length > 0
        ? 'rightsize'
        : !activity.known && !s.observable
          ? 'insufficient-evidence'
          : 'none-needed';
  const doubtful: UnobservableReason[] = [
    'unmapped-requests',
    'not-in-permission-map',
    'granted-during-window',
  ];
  const confidence: IdentityResult['confidence'] =
    young || (!activity.known && !s.observable)
      ? 'low'
      : s.observable && activity.known && !held.some((p) => p.reason && doubtful.includes(p.reason))
        ? 'high'
        : 'medium';
  const used = held.filter((p) => p.status === 'used');
  const people = [...sp.owners, ...sp.sponsors];
  const resources = [...new Set(held.map((p) => p.resource))].sort();
  return {
    id: sp.id,
    name: sp.displayName,
    type: c.type,
    accountId: s.inventory.tenantId,
    path: null,
    createDate: sp.createdDateTime ?? null,
    // Entra tags are labels, not key=value pairs: each becomes a key with an empty value.
    tags: Object.fromEntries(sp.tags.map((t) => [t, ''])),
    class: c.class,
    aiRole: c.aiRole,
    classifiedBy: { rule: c.rule, reason: c.reason },
    serviceLinked: c.firstParty,
    confidence,
    links: {
      owners: [...new Set(people.map((p) => p.userPrincipalName ?? p.displayName ?? p.id))],
      createdBy: [],
      deployedBy: [],
      assumedBy: [],
      tools: [],
      sourceIdentities: [],
      identityCenterUsers: [],
    },
    activity: {
      events: reqs?.requests ?? 0,
      firstSeen: reqs ? iso(reqs.first) : null,
      lastSeen: reqs ? iso(reqs.last) : null,
      consoleSignIns: 0,
      // For Entra identities: the latest sign-in the tenant reports.
      lastActivityReportedByIam: isoOrNull(lastSignInOf(sp)),
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
      action: actionName(p),
      count: p.use!.count,
      firstSeen: iso(p.use!.first),
      lastSeen: iso(p.use!.last),
    })),
    unusedActions: held.filter((p) => p.status === 'unused').map(actionName),
    unobservableActions: held
      .filter((p) => p.status === 'unobservable')
      .map((p) => ({ action: actionName(p), reason: p.reason ?? 'unknown' })),
    deniedActions: [...(reqs?.denied.values() ?? [])]
      .map((d) => ({
        action: d.call,
        count: d.count,
        lastSeen: iso(d.last),
        errorCodes: [...d.statuses].sort((a, b) => a - b).map(String),
      }))
      .sort((a, b) => a.action.localeCompare(b.action)),
    usedNotGranted: [...usedNotGranted].sort(),
    usedServices: [...new Set(used.map((p) => p.resource))].sort(),
    unusedServices: resources.filter((r) => {
      const of = held.filter((p) => p.resource === r);
      return of.length > 0 && of.every((p) => p.status === 'unused');
    }),
    recommendation,
    recommendedPolicy: null,
    findings,
    permissionsToRemove: toRemove,
    entra: details(ctx, people.length > 0 && people.every(isGone), identityGaps(ctx, reqs)),
  };
}

/** The permissions to remove, with the evidence for each. */
function permissionsToRemove(
  held: HeldPermission[],
  decommission: boolean,
  ctx: EntraRuleContext,
): PermissionToRemove[] {
  const windowDays = days(ctx.window.from, ctx.window.to);
  const out: PermissionToRemove[] = [];
  for (const p of held) {
    let reason: string | undefined;
    if (decommission)
      reason = `the identity did not sign in during the ${windowDays}-day window: remove it, or at least all its grants`;
    else if (p.status === 'unused')
      reason = `no request in the ${windowDays}-day window could have used it (${ctx.activity.requestsInWindow} requests seen)`;
    else if (p.reducibleTo.length > 0)
      reason = `every request it could have authorized (${p.use?.count ?? 0}) was also authorized by ${p.reducibleTo.join(', ')}, which the identity keeps`;
    if (!reason) continue;
    out.push({
      permission: p.permission,
      kind: p.kind,
      resource: p.resource,
      reason,
      grantIds: [...p.grantIds],
    });
  }
  return out;
}

function details(
  ctx: EntraRuleContext,
  ownersDisabled: boolean,
  gaps: string[],
): EntraIdentityDetails {
  const { sp, asOf } = ctx;
  const person = (p: EntraServicePrincipal['owners'][number]) => ({
    id: p.id,
    type: p.type,
    displayName: p.displayName ?? null,
    userPrincipalName: p.userPrincipalName ?? null,
    accountEnabled: p.accountEnabled ?? null,
    deleted: p.deleted === true,
  });
  return {
    tenantId: ctx.tenantId,
    appId: sp.appId,
    servicePrincipalType: sp.servicePrincipalType,
    odataType: sp.odataType ?? null,
    accountEnabled: sp.accountEnabled,
    firstParty: ctx.classification.firstParty,
    appOwnerOrganizationId: sp.appOwnerOrganizationId ?? null,
    agentIdentityBlueprintId: sp.agentIdentityBlueprintId ?? null,
    tags: [...sp.tags],
    owners: sp.owners.map(person),
    sponsors: sp.sponsors.map(person),
    ownersDisabled,
    signIn: sp.signIn
      ? {
          lastSignIn: sp.signIn.lastSignIn ?? null,
          lastAppOnlySignIn: sp.signIn.lastAppOnlySignIn ?? null,
          lastDelegatedSignIn: sp.signIn.lastDelegatedSignIn ?? null,
        }
      : null,
    credentials: sp.credentials.map((c) => ({
      keyId: c.keyId,
      kind: c.kind,
      on: c.on,
      displayName: c.displayName ?? null,
      startDateTime: c.startDateTime ?? null,
      endDateTime: c.endDateTime ?? null,
      lastSignIn: c.lastSignIn ?? null,
      expired: c.endDateTime !== undefined && Date.parse(c.endDateTime) < asOf,
    })),
    federatedCredentials: sp.federatedCredentials.map((f) => ({
      name: f.name,
      issuer: f.issuer,
      subject: f.subject,
    })),
    permissions: ctx.permissions.map((p) => ({
      permission: p.permission,
      kind: p.kind,
      resource: p.resource,
      resourceAppId: p.resourceAppId ?? null,
      status: p.status,
      reason: p.reason ?? null,
      requests: p.use?.count ?? 0,
      lastSeen: p.use ? iso(p.use.last) : null,
      calls: p.use?.calls ?? [],
      reducibleTo: p.reducibleTo,
      grantIds: p.grantIds,
      grantedAt: p.grantedAt ?? null,
      highRisk: p.highRisk?.tier ?? null,
    })),
    directoryRoles: sp.directoryRoles.map((r) => ({
      roleName: r.roleName,
      roleDefinitionId: r.roleDefinitionId,
      assignmentId: r.assignmentId,
      privileged: r.privileged,
      directoryScopeId: r.directoryScopeId ?? null,
    })),
    gaps,
  };
}

function identityGaps(ctx: EntraRuleContext, reqs: ServicePrincipalRequests | undefined): string[] {
  const gaps: string[] = [];
  if (!ctx.activity.known)
    gaps.push('No sign-in activity was read: whether the identity is used at all is unknown.');
  if (!ctx.observable && ctx.permissions.some((p) => p.graph))
    gaps.push('No Graph activity logs: its Graph permissions are kept as unobservable.');
  if (!ctx.credentialActivity && ctx.sp.credentials.length > 0)
    gaps.push('No credential sign-in activity: unused credentials cannot be found.');
  const unmapped = [...(reqs?.unmapped.values() ?? [])].reduce((n, u) => n + u.count, 0);
  if (unmapped > 0)
    gaps.push(
      `${unmapped} requests matched no template of the permission map: permissions covering the same paths are kept as unobservable.`,
    );
  return gaps;
}

function coverageOf(
  inventory: EntraInventory,
  agg: TenantRequests,
  map: GraphPermissionMap,
): EntraCoverage {
  const c = agg.coverage;
  return {
    tenantId: inventory.tenantId,
    servicePrincipals: inventory.servicePrincipals.length,
    activityLogs: inventory.activityLogs,
    signInActivityKnown: inventory.servicePrincipals.filter((sp) => signInKnown(sp, inventory))
      .length,
    credentialActivity: inventory.credentialActivity === true,
    requests: {
      read: c.read,
      inWindow: c.inWindow,
      outsideWindow: c.outsideWindow,
      invalid: c.invalid,
      attributed: c.attributed,
      unattributed: [...c.unattributed.values()].reduce((a, b) => a + b, 0),
      mapped: c.mapped,
      unmapped: c.unmapped,
      exempt: c.exempt,
      denied: c.denied,
    },
    unmappedCalls: [...agg.unmapped.values()]
      .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path))
      .slice(0, 25),
    permissionMap: { source: map.source, entries: map.entries.length },
  };
}

function tenantGaps(inventory: EntraInventory, requestsRead: boolean, c: EntraCoverage): string[] {
  const gaps: string[] = [];
  if (!inventory.activityLogs || !requestsRead)
    gaps.push(
      'Graph activity logs were not read: no Graph permission can be called unused; they are reported as unobservable (no-graph-activity-logs).',
    );
  const unknown = c.servicePrincipals - c.signInActivityKnown;
  if (unknown > 0)
    gaps.push(
      `${unknown} of ${c.servicePrincipals} service principals have no sign-in activity: unused identities cannot be found among them.`,
    );
  if (!c.credentialActivity)
    gaps.push('Credential sign-in activity was not read: unused credentials cannot be found.');
  if (c.requests.unmapped > 0)
    gaps.push(
      `${c.requests.unmapped} Graph requests matched no template of the permission map (${c.permissionMap.source}); the permissions they could use are kept. \`leash graph-permissions import\` extends the map with Microsoft's catalog.`,
    );
  if (inventory.agentUsers && inventory.agentUsers.length > 0 && !inventory.agentUserSignInActivity)
    gaps.push(
      'Agent users were read without sign-in activity: unused agent users cannot be found.',
    );
  if (c.requests.unattributed > 0)
    gaps.push(
      `${c.requests.unattributed} Graph requests came from apps not in the inventory (multi-tenant apps, or objects deleted since).`,
    );
  return gaps;
}

/** Options of `mergeEntraIntoDocument`. */
export interface MergeEntraOptions {
  tenantId: string;
}

/**
 * Appends a tenant's identities to a findings document and updates its summary, so one
 * findings.json holds AWS and Entra results. Identities of the same tenant already in the
 * document are replaced. Pure: returns a new document.
 * @param results the analysis, or just its identities
 */
export function mergeEntraIntoDocument(
  doc: FindingsDocument,
  results: EntraAnalysis | IdentityResult[],
  options: MergeEntraOptions,
): FindingsDocument {
  const analysis = Array.isArray(results) ? undefined : results;
  const incoming = Array.isArray(results) ? results : results.identities;
  const isEntra = (r: IdentityResult) =>
    r.type === 'service-principal' || r.type === 'agent-identity' || r.type === 'agent-user';
  const replaced = doc.identities.filter((r) => isEntra(r) && r.accountId === options.tenantId);
  const kept = doc.identities.filter((r) => !(isEntra(r) && r.accountId === options.tenantId));
  const summary = subtract(add(doc.summary, summarize(incoming)), summarize(replaced));
  const prefix = `Entra tenant ${options.tenantId}: `;
  const coverage = { ...doc.coverage };
  if (analysis) {
    coverage.gaps = [
      ...doc.coverage.gaps.filter((g) => !g.startsWith(prefix)),
      ...analysis.gaps.map((g) => prefix + g),
    ];
    coverage.entra = [
      ...(doc.coverage.entra ?? []).filter((e) => e.tenantId !== options.tenantId),
      analysis.coverage,
    ];
  }
  return {
    ...doc,
    tenants: [...new Set([...(doc.tenants ?? []), options.tenantId])].sort(),
    summary,
    coverage,
    identities: [...kept, ...incoming],
  };
}

/** Options of `buildEntraDocument`. */
export interface EntraDocumentOptions {
  toolVersion: string;
  /** The AWS action catalog's version, when an AWS scan ran too; `n/a` otherwise. */
  catalogVersion?: string;
  window: TimeWindow;
  lookbackDays: number;
}

/**
 * A findings document holding one tenant's results and no AWS account: for an Entra-only scan.
 * AWS coverage fields are zero or empty; the Entra coverage is under `coverage.entra`.
 */
export function buildEntraDocument(
  analysis: EntraAnalysis,
  options: EntraDocumentOptions,
): FindingsDocument {
  const empty = emptyDocument(options);
  return mergeEntraIntoDocument(empty, analysis, { tenantId: analysis.tenantId });
}

type Summary = FindingsDocument['summary'];

/** The summary figures a set of identities contributes (shared with the AWS analysis). */
const summarize = summarizeIdentities;

function add(a: Summary, b: Summary): Summary {
  return combineSummaries(a, b, 1);
}

function subtract(a: Summary, b: Summary): Summary {
  return combineSummaries(a, b, -1);
}

/** Sign-in activity is known when the SP has a row, or the report was read and it has none. */
function signInKnown(sp: EntraServicePrincipal, inventory: EntraInventory): boolean {
  return sp.signIn !== undefined || inventory.signInActivity === true;
}

function lastSignInOf(sp: EntraServicePrincipal): number | undefined {
  return latest(
    sp.signIn?.lastSignIn,
    sp.signIn?.lastAppOnlySignIn,
    sp.signIn?.lastDelegatedSignIn,
  );
}

function latest(...values: (string | undefined)[]): number | undefined {
  const ms = values
    .filter((v): v is string => !!v)
    .map((v) => Date.parse(v))
    .filter((n) => !Number.isNaN(n));
  return ms.length > 0 ? Math.max(...ms) : undefined;
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : iso(ms);
}
