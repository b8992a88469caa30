/** LP-IAM-004: an identity younger than the window, whose findings carry low confidence. */
import { days, iso, type RuleContext, type RuleResult } from '#core/engine/rules/rule.ts';

/** Raises an informational finding when the identity was created after the window started. */
export function evaluateYoungIdentity(ctx: RuleContext): RuleResult {
  if (!ctx.identity.createDate) return 'NotApplicable';
  const created = Date.parse(ctx.identity.createDate);
  const from = ctx.observed?.from ?? ctx.window.from;
  if (Number.isNaN(created) || created <= from) return 'Compliant';
  return [
    {
      title: `Created ${days(created, ctx.window.to)} days before the end of the window`,
      evidence: { createDate: iso(created), windowFrom: iso(from), confidence: 'low' },
    },
  ];
}
