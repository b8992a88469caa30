/**
 * Builds the least-privilege replacement for one identity: the actions it used plus the ones
 * whose use could not be observed (flagged in their own statements), each kept under the
 * original statement's Resource, NotResource and Condition. Policies are split to fit IAM's
 * size limits, whole attached policies with nothing kept are marked for detaching, and a
 * readable diff says what changes.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { Evidence } from '#core/engine/join-usage.ts';
import { ActionSet } from '#core/policy/action-set.ts';
import {
  coversAllResources,
  hasCondition,
  type NormalizedStatement,
} from '#core/policy/document.ts';
import type { EffectiveGrant, PolicySource } from '#core/policy/effective.ts';

/** Managed policy size limit, characters excluding whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;
/** Aggregate inline policy size limit of a role. */
export const ROLE_INLINE_MAX_CHARS = 10240;
/** Default quota of managed policies attached to one role or user. */
export const MANAGED_POLICIES_PER_IDENTITY = 10;

/** A policy document Leash writes. */
export interface PolicyJson {
  Version: '2012-10-17';
  Statement: StatementJson[];
}

/** A statement Leash writes. */
export interface StatementJson {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** A policy the identity's grants should be detached or deleted from. */
export interface DetachAdvice {
  policy: string;
  arn?: string;
  kind: PolicySource['kind'];
  viaGroup?: string;
  reason: string;
}

/** The recommendation for one identity. */
export interface Recommendation {
  policies: { name: string; document: PolicyJson; size: number }[];
  detach: DetachAdvice[];
  keptActions: number;
  keptUnobservable: number;
  removedActions: number;
  fitsRoleInlineLimit: boolean;
  exceedsManagedPolicyQuota: boolean;
  diff: string;
}

/** Minified JSON length: how IAM counts managed policy size. */
export function policySize(doc: PolicyJson): number {
  return JSON.stringify(doc).length;
}

interface ScopeGroup {
  scope: Pick<StatementJson, 'Resource' | 'NotResource' | 'Condition'>;
  used: ActionSet;
  unobservable: ActionSet;
}

/**
 * Builds the replacement.
 * @param identityName used to name the new policies
 */
export function recommendPolicy(
  identityName: string,
  grant: EffectiveGrant,
  evidence: Evidence,
  catalog: ActionCatalog,
): Recommendation {
  const size = catalog.actions.length;
  const keep = evidence.used.clone().unionWith(evidence.unobservableAll);

  // An action kept under an unconditional all-resource statement needs no narrower copies.
  const universal = new ActionSet(size);
  for (const gs of grant.allowStatements) {
    if (coversAllResources(gs.statement) && !hasCondition(gs.statement))
      universal.unionWith(gs.actions);
  }
  universal.intersectWith(keep);

  const groups = new Map<string, ScopeGroup>();
  for (const gs of grant.allowStatements) {
    const acts = gs.actions.clone().intersectWith(keep);
    if (acts.isEmpty()) continue;
    const scope = scopeOf(gs.statement);
    const isUniversal = coversAllResources(gs.statement) && !hasCondition(gs.statement);
    if (!isUniversal) acts.subtract(universal);
    if (acts.isEmpty()) continue;
    const key = JSON.stringify(scope);
    let g = groups.get(key);
    if (!g) {
      g = { scope, used: new ActionSet(size), unobservable: new ActionSet(size) };
      groups.set(key, g);
    }
    g.used.unionWith(acts.clone().intersectWith(evidence.used));
    g.unobservable.unionWith(acts.subtract(evidence.used));
  }

  const statements: StatementJson[] = [];
  let n = 0;
  for (const g of groups.values()) {
    for (const [label, set] of [
      ['Used', g.used],
      ['KeptUnobservable', g.unobservable],
    ] as const) {
      if (set.isEmpty()) continue;
      // Ids follow the catalog's case-insensitive order, so the list comes out sorted.
      const actions = set.toArray().map((id) => catalog.actions[id]!.qualified);
      n++;
      statements.push({ Sid: `${label}${n}`, Effect: 'Allow', Action: actions, ...g.scope });
    }
  }
  const policies = packPolicies(identityName, statements);
  const total = policies.reduce((s, p) => s + p.size, 0);
  return {
    policies,
    detach: detachAdvice(grant, keep),
    keptActions: keep.count(),
    keptUnobservable: evidence.unobservableAll.count(),
    removedActions: evidence.unused.count(),
    fitsRoleInlineLimit: total <= ROLE_INLINE_MAX_CHARS,
    exceedsManagedPolicyQuota: policies.length > MANAGED_POLICIES_PER_IDENTITY,
    diff: renderDiff(grant, evidence, keep, catalog, policies),
  };
}

function scopeOf(st: NormalizedStatement): ScopeGroup['scope'] {
  const scope: ScopeGroup['scope'] = {};
  if (st.notResources) scope.NotResource = [...st.notResources].sort();
  else scope.Resource = st.resources ? [...st.resources].sort() : ['*'];
  if (hasCondition(st)) scope.Condition = st.condition!;
  return scope;
}

/** Length of `{"Version":"2012-10-17","Statement":[]}`, the frame around the statements. */
const FRAME = policySize({ Version: '2012-10-17', Statement: [] });

/** Packs statements into as few policies as fit the managed policy size limit. */
function packPolicies(
  identityName: string,
  statements: StatementJson[],
): Recommendation['policies'] {
  const base = `leash-${identityName}`.slice(0, 120);
  const out: StatementJson[][] = [];
  let current: StatementJson[] = [];
  // Minified size is the frame plus each statement plus one comma between statements.
  let size = FRAME;
  for (const st of splitLarge(statements)) {
    const len = JSON.stringify(st).length;
    const added = current.length === 0 ? len : len + 1;
    if (current.length > 0 && size + added > MANAGED_POLICY_MAX_CHARS) {
      out.push(current);
      current = [];
      size = FRAME;
    }
    size += current.length === 0 ? len : len + 1;
    current.push(st);
  }
  if (current.length > 0) out.push(current);
  return out.map((Statement, i) => {
    const document: PolicyJson = { Version: '2012-10-17', Statement };
    return { name: `${base}-${i + 1}`, document, size: policySize(document) };
  });
}

/** Splits a statement whose action list alone would overflow one policy. */
function splitLarge(statements: StatementJson[]): StatementJson[] {
  const out: StatementJson[] = [];
  const empty: PolicyJson = { Version: '2012-10-17', Statement: [] };
  for (const st of statements) {
    if (policySize({ ...empty, Statement: [st] }) <= MANAGED_POLICY_MAX_CHARS) {
      out.push(st);
      continue;
    }
    let part: string[] = [];
    let k = 0;
    const flush = () => {
      k++;
      out.push({ ...st, Sid: `${st.Sid}P${k}`, Action: part });
      part = [];
    };
    for (const action of st.Action) {
      const trial = { ...st, Sid: `${st.Sid}P${k + 1}`, Action: [...part, action] };
      if (
        part.length > 0 &&
        policySize({ ...empty, Statement: [trial] }) > MANAGED_POLICY_MAX_CHARS
      )
        flush();
      part.push(action);
    }
    if (part.length > 0) flush();
  }
  return out;
}

function sourceKey(s: PolicySource): string {
  return `${s.kind}|${s.arn ?? s.name}|${s.viaGroup ?? ''}`;
}

function detachAdvice(grant: EffectiveGrant, keep: ActionSet): DetachAdvice[] {
  const bySource = new Map<string, { source: PolicySource; keeps: boolean; grants: boolean }>();
  for (const gs of grant.allowStatements) {
    const key = sourceKey(gs.source);
    let e = bySource.get(key);
    if (!e) {
      e = { source: gs.source, keeps: false, grants: false };
      bySource.set(key, e);
    }
    if (!gs.actions.isEmpty()) e.grants = true;
    if (gs.actions.intersects(keep)) e.keeps = true;
  }
  const out: DetachAdvice[] = [];
  for (const { source, keeps, grants } of bySource.values()) {
    if (!grants || keeps) continue;
    const what = source.kind === 'inline' ? 'delete the inline policy' : 'detach the policy';
    const advice: DetachAdvice = {
      policy: source.name,
      kind: source.kind,
      reason: source.viaGroup
        ? `nothing it grants was used; it applies through group ${source.viaGroup}, so remove the identity from the group or ${what} there if no other member uses it`
        : `nothing it grants was used or is unobservable: ${what}`,
    };
    if (source.arn) advice.arn = source.arn;
    if (source.viaGroup) advice.viaGroup = source.viaGroup;
    out.push(advice);
  }
  return out;
}

const DIFF_LIST_LIMIT = 40;

function renderDiff(
  grant: EffectiveGrant,
  evidence: Evidence,
  keep: ActionSet,
  catalog: ActionCatalog,
  policies: Recommendation['policies'],
): string {
  const lines: string[] = [];
  const bySource = new Map<string, { source: PolicySource; all: ActionSet }>();
  for (const gs of grant.allowStatements) {
    const key = sourceKey(gs.source);
    let e = bySource.get(key);
    if (!e) {
      e = { source: gs.source, all: new ActionSet(catalog.actions.length) };
      bySource.set(key, e);
    }
    e.all.unionWith(gs.actions);
  }
  for (const { source, all } of bySource.values()) {
    all.intersectWith(grant.allowed);
    const removed = all.clone().subtract(keep);
    const kept = all.clone().intersectWith(keep);
    const via = source.viaGroup ? ` via group ${source.viaGroup}` : '';
    lines.push(`--- ${source.name} (${source.kind}${via}): ${all.count()} actions`);
    lines.push(...listActions('-', removed, catalog));
    lines.push(...listActions(' ', kept, catalog, evidence));
  }
  for (const p of policies) {
    const actions = p.document.Statement.reduce((s, st) => s + st.Action.length, 0);
    lines.push(
      `+++ ${p.name}: ${p.document.Statement.length} statements, ${actions} actions, ${p.size} characters`,
    );
  }
  return lines.join('\n');
}

function listActions(
  mark: string,
  set: ActionSet,
  catalog: ActionCatalog,
  evidence?: Evidence,
): string[] {
  const count = set.count();
  if (count === 0) return [];
  if (count > DIFF_LIST_LIMIT) {
    const services = new Map<string, number>();
    for (const { service, start, end } of catalog.serviceRanges) {
      const n = set.countRange(start, end);
      if (n > 0) services.set(service, n);
    }
    const top = [...services.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    const verb = mark === '-' ? 'removes' : 'keeps';
    return [
      `${mark} ${verb} ${count} actions in ${services.size} services (${top.map(([s, k]) => `${s}: ${k}`).join(', ')}${services.size > top.length ? ', …' : ''})`,
    ];
  }
  return set.toArray().map((id) => {
    const note = evidence && !evidence.used.has(id) ? '   (kept: use not observable)' : '';
    return `${mark} ${catalog.actions[id]!.qualified}${note}`;
  });
}
