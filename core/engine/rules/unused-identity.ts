/** LP-IAM-001: an identity with no activity in the observed window. */
import { days, iso, type RuleContext, type RuleResult } from '#core/engine/rules/rule.ts';

/** Raises a finding when neither the trail nor IAM shows the identity acting in the window. */
export function evaluateUnusedIdentity(ctx: RuleContext): RuleResult {
  if (ctx.identity.type === 'role' && ctx.identity.serviceLinked) return 'NotApplicable';
  if ((ctx.usage?.events ?? 0) > 0 || ctx.activityOutsideCorpus) return 'Compliant';
  if (ctx.iamLastActivity !== undefined && ctx.iamLastActivity >= ctx.window.from)
    return 'Compliant';
  const observed = ctx.observed ?? ctx.window;
  const created = ctx.identity.createDate ? Date.parse(ctx.identity.createDate) : undefined;
  const young = created !== undefined && created > observed.from;
  return [
    {
      title: `No activity in ${days(observed.from, observed.to)} observed days`,
      severity: young ? 'low' : ctx.classification.class === 'ai-agent' ? 'high' : 'medium',
      evidence: {
        observedFrom: iso(observed.from),
        observedTo: iso(observed.to),
        lastActivityReportedByIam:
          ctx.iamLastActivity !== undefined ? iso(ctx.iamLastActivity) : null,
        createDate: ctx.identity.createDate ?? null,
        confidence: young ? 'low' : 'high',
      },
    },
  ];
}
