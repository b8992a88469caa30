/** LP-ENTRA-005 and LP-ENTRA-009: Graph permissions never exercised, or broader than needed. */
import { iso } from '#core/engine/rules/rule.ts';
import type { EntraRuleContext, RuleResult } from '#core/entra/rules/rule.ts';

/**
 * Fires when Graph activity logs cover the window and held Graph permissions authorized none of
 * the requests seen. Without activity logs the permissions are unobservable and this rule does
 * not apply.
 */
export function evaluateUnusedPermission(ctx: EntraRuleContext): RuleResult {
  if (ctx.classification.firstParty || !ctx.observable) return 'NotApplicable';
  const unused = ctx.permissions.filter((p) => p.status === 'unused');
  if (unused.length === 0)
    return ctx.permissions.some((p) => p.graph) ? 'Compliant' : 'NotApplicable';
  const risky = unused.filter((p) => p.highRisk);
  return [
    {
      title: `${unused.length} Graph permission${unused.length === 1 ? '' : 's'} never used in the window${risky.length ? `, ${risky.length} of them high-risk` : ''}`,
      severity: risky.length > 0 ? 'high' : 'medium',
      evidence: {
        permissions: unused.map((p) => ({ permission: p.permission, kind: p.kind })),
        highRisk: risky.map((p) => p.permission),
        windowFrom: iso(ctx.window.from),
        requestsInWindow: ctx.activity.requestsInWindow,
      },
    },
  ];
}

/**
 * Fires when a used Graph permission only ever authorized requests that a narrower permission
 * the identity also holds authorized too: Mail.ReadWrite next to Mail.Read, with only reads seen.
 */
export function evaluateReduciblePermission(ctx: EntraRuleContext): RuleResult {
  if (ctx.classification.firstParty || !ctx.observable) return 'NotApplicable';
  const reducible = ctx.permissions.filter((p) => p.reducibleTo.length > 0);
  if (reducible.length === 0) return 'Compliant';
  return [
    {
      title: `${reducible.length} permission${reducible.length === 1 ? '' : 's'} broader than every request seen`,
      evidence: {
        permissions: reducible.map((p) => ({
          permission: p.permission,
          kind: p.kind,
          coveredBy: p.reducibleTo,
          requests: p.use?.count ?? 0,
        })),
      },
    },
  ];
}
