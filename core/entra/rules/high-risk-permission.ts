/** LP-ENTRA-006: application permissions that can take over the tenant or its data. */
import {
  type EntraRuleContext,
  isAgent,
  type RuleResult,
  raise,
  type Severity,
  worst,
} from '#core/entra/rules/rule.ts';

/**
 * Fires once per identity holding high-risk application permissions (core/entra/high-risk.ts):
 * control-plane ones are high, data ones medium, one step more on AI agents, whose actions are
 * chosen by a model. Delegated permissions are bounded by the signed-in user and not counted.
 */
export function evaluateHighRiskPermission(ctx: EntraRuleContext): RuleResult {
  if (ctx.classification.firstParty) return 'NotApplicable';
  const held = ctx.permissions.filter((p) => p.kind === 'application' && p.highRisk);
  if (held.length === 0) return 'Compliant';
  const agent = isAgent(ctx);
  let severity: Severity = 'info';
  for (const p of held) {
    const base: Severity = p.highRisk!.tier === 'control-plane' ? 'high' : 'medium';
    severity = worst(severity, agent ? raise(base) : base);
  }
  const controlPlane = held.filter((p) => p.highRisk!.tier === 'control-plane');
  return [
    {
      title: `Holds ${held.map((p) => p.permission).join(', ')}${agent ? ' as an AI agent' : ''}`,
      severity,
      evidence: {
        permissions: held.map((p) => ({
          permission: p.permission,
          resource: p.resource,
          tier: p.highRisk!.tier,
          why: p.highRisk!.why,
          status: p.status,
        })),
        controlPlane: controlPlane.map((p) => p.permission),
        agent,
      },
    },
  ];
}
