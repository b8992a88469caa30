/** LP-IAM-007 and LP-IAM-008: unused permissions and whole policies nothing uses. */
import type { RuleContext, RuleResult } from '#core/engine/rules/rule.ts';

/** Raises a finding when the identity holds observable permissions it did not use. */
export function evaluateUnusedPermissions(ctx: RuleContext): RuleResult {
  if (ctx.identity.type === 'role' && ctx.identity.serviceLinked) return 'NotApplicable';
  if (ctx.activityOutsideCorpus) return 'NotApplicable';
  const unused = ctx.evidence.unused.count();
  if (unused === 0) return 'Compliant';
  const granted = ctx.grant.allowed.count();
  const share = granted > 0 ? unused / granted : 0;
  return [
    {
      title: `${unused} of ${granted} granted actions unused (${Math.round(share * 100)}%), in ${ctx.evidence.unusedServices.length} wholly unused services`,
      severity:
        ctx.classification.class === 'ai-agent' && unused > 50
          ? 'high'
          : share > 0.5
            ? 'medium'
            : 'low',
      evidence: {
        grantedActions: granted,
        usedActions: ctx.evidence.used.count(),
        unusedActions: unused,
        unobservableActions: ctx.evidence.unobservableAll.count(),
        unusedServices: ctx.evidence.unusedServices.slice(0, 25),
        recommendedPolicies: ctx.recommendation?.policies.map((p) => p.name) ?? [],
      },
    },
  ];
}

/** Raises a finding per attached or inline policy none of whose grants is used or unobservable. */
export function evaluateUnusedPolicies(ctx: RuleContext): RuleResult {
  if (!ctx.recommendation) return 'NotApplicable';
  if (ctx.recommendation.detach.length === 0) return 'Compliant';
  return ctx.recommendation.detach.map((d) => ({
    title: `${d.kind === 'inline' ? 'Inline policy' : 'Policy'} ${d.policy} is unused`,
    evidence: {
      policy: d.policy,
      arn: d.arn ?? null,
      kind: d.kind,
      viaGroup: d.viaGroup ?? null,
      advice: d.reason,
    },
  }));
}
