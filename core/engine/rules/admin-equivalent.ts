/** LP-IAM-005: a grant equivalent to administrator access. */
import type { RuleContext, RuleHit, RuleResult } from '#core/engine/rules/rule.ts';
import { coversAllResources, hasCondition } from '#core/policy/document.ts';

/**
 * Raises a finding per statement that grants every action (`*`), every action but a few
 * (NotAction), or all of IAM, on every resource and without a condition.
 */
export function evaluateAdminEquivalent(ctx: RuleContext): RuleResult {
  // A service-linked role's policies belong to AWS and cannot be changed.
  if (ctx.identity.type === 'role' && ctx.identity.serviceLinked) return 'NotApplicable';
  const total = ctx.catalog.actions.length;
  const iamIds = ctx.catalog.serviceActionIds('iam');
  const hits: RuleHit[] = [];
  for (const gs of ctx.grant.allowStatements) {
    const st = gs.statement;
    if (!coversAllResources(st) || hasCondition(st)) continue;
    const granted = gs.actions.count();
    const allIam = iamIds.length > 0 && iamIds.every((id) => gs.actions.has(id));
    const broad = granted >= total * 0.9;
    if (!broad && !allIam) continue;
    const written = st.actions
      ? `Action ${JSON.stringify(st.actions)}`
      : `NotAction ${JSON.stringify(st.notActions)}`;
    hits.push({
      title: broad
        ? `${gs.source.name} grants ${granted} of ${total} actions on every resource`
        : `${gs.source.name} grants all of IAM on every resource`,
      severity: ctx.classification.class === 'ai-agent' ? 'critical' : 'high',
      evidence: {
        policy: gs.source.name,
        policyArn: gs.source.arn ?? null,
        viaGroup: gs.source.viaGroup ?? null,
        statement: st.sid ?? st.index,
        written,
        grantedActions: granted,
        usedActions: ctx.evidence.used.count(),
      },
    });
  }
  return hits.length > 0 ? hits : 'Compliant';
}
