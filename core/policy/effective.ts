/**
 * Effective identity-based permissions of one identity: the union of its Allow statements
 * (own inline and managed policies, and those of its groups), less unconditional Denies,
 * intersected with its permissions boundary. Resource scoping and Conditions are kept per
 * statement for recommendations; they are never evaluated.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { ActionSet } from '#core/policy/action-set.ts';
import {
  coversAllResources,
  hasCondition,
  type NormalizedStatement,
  type PolicyDocument,
} from '#core/policy/document.ts';
import type { ActionMatcher } from '#core/policy/match.ts';

/** Where a statement came from. */
export interface PolicySource {
  kind: 'aws-managed' | 'customer-managed' | 'inline';
  name: string;
  /** Managed policy ARN. */
  arn?: string;
  /** Set when the policy applies through a group. */
  viaGroup?: string;
  document: PolicyDocument;
}

/** An Allow statement with the catalog actions it grants. */
export interface GrantStatement {
  source: PolicySource;
  statement: NormalizedStatement;
  /** Actions the statement matches (before denies and boundary). */
  actions: ActionSet;
}

/** The effective grant of an identity. */
export interface EffectiveGrant {
  /** Actions allowed after unconditional Denies and the boundary. */
  allowed: ActionSet;
  /** Allow statements, in policy order. */
  allowStatements: GrantStatement[];
  /** Actions removed by an unconditional, all-resource Deny. */
  denied: ActionSet;
  /** Actions under a Deny that has a Condition or is scoped to some resources: marked, not removed. */
  conditionallyDenied: ActionSet;
  /** Actions that an Allow grants but the permissions boundary does not. */
  outsideBoundary: ActionSet;
  /** Action patterns that match no catalog action, with the policy that holds them. */
  unknownActions: { pattern: string; policy: string }[];
  /** True when a permissions boundary applies. */
  hasBoundary: boolean;
}

/**
 * Expands a statement's Action or NotAction into catalog actions.
 * NotAction means every catalog action except the listed ones.
 */
function statementActions(
  st: NormalizedStatement,
  matcher: ActionMatcher,
): { set: ActionSet; unknown: string[] } {
  if (st.actions) return matcher.expandAll(st.actions);
  const excluded = matcher.expandAll(st.notActions ?? []);
  // A NotAction pattern that matches nothing is not "unknown" in the sense of a hidden grant;
  // it excludes nothing, which the complement already reflects.
  return { set: excluded.set.complement(), unknown: [] };
}

/**
 * Caches per-statement expansions by document, so that a managed policy attached to thousands
 * of roles is expanded once.
 */
export class GrantCalculator {
  private readonly cache = new WeakMap<
    NormalizedStatement,
    { set: ActionSet; unknown: string[] }
  >();

  constructor(private readonly matcher: ActionMatcher) {}

  /** Actions a statement matches, cached. */
  actionsOf(st: NormalizedStatement): { set: ActionSet; unknown: string[] } {
    let hit = this.cache.get(st);
    if (!hit) {
      hit = statementActions(st, this.matcher);
      this.cache.set(st, hit);
    }
    return hit;
  }

  /**
   * Computes the effective grant.
   * @param sources every identity policy that applies (own and via groups)
   * @param boundary the permissions boundary document, if any
   */
  compute(sources: readonly PolicySource[], boundary?: PolicyDocument): EffectiveGrant {
    const size = this.matcher.catalog.actions.length;
    const granted = new ActionSet(size);
    const denied = new ActionSet(size);
    const conditionallyDenied = new ActionSet(size);
    const allowStatements: GrantStatement[] = [];
    const unknownActions: EffectiveGrant['unknownActions'] = [];
    for (const source of sources) {
      for (const st of source.document.statements) {
        const { set, unknown } = this.actionsOf(st);
        if (st.effect === 'Allow') {
          granted.unionWith(set);
          allowStatements.push({ source, statement: st, actions: set });
          for (const pattern of unknown) unknownActions.push({ pattern, policy: source.name });
        } else if (!hasCondition(st) && coversAllResources(st)) {
          denied.unionWith(set);
        } else {
          conditionallyDenied.unionWith(set);
        }
      }
    }
    const allowed = granted.clone().subtract(denied);
    const outsideBoundary = new ActionSet(size);
    if (boundary) {
      // The boundary caps the grant: only what the boundary's Allows cover (less its own
      // unconditional Denies) stays. Conditional parts of the boundary are not evaluated, so a
      // boundary Allow with a Condition is read as allowing (the cautious reading for removal).
      const cap = new ActionSet(size);
      const capDeny = new ActionSet(size);
      for (const st of boundary.statements) {
        const { set } = this.actionsOf(st);
        if (st.effect === 'Allow') cap.unionWith(set);
        else if (!hasCondition(st) && coversAllResources(st)) capDeny.unionWith(set);
      }
      cap.subtract(capDeny);
      outsideBoundary.unionWith(allowed).subtract(cap);
      allowed.intersectWith(cap);
    }
    conditionallyDenied.intersectWith(allowed);
    return {
      allowed,
      allowStatements,
      denied: denied.intersectWith(granted),
      conditionallyDenied,
      outsideBoundary,
      unknownActions,
      hasBoundary: boundary !== undefined,
    };
  }
}
