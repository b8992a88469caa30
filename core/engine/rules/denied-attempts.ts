/** LP-IAM-009: calls the identity tried and was refused. */
import { iso, type RuleContext, type RuleResult } from '#core/engine/rules/rule.ts';

/**
 * Raises a finding when the identity was denied. Denied calls are not usage; for an AI agent,
 * attempts outside its grant can mean a prompt-injected or misbehaving agent probing for access.
 */
export function evaluateDeniedAttempts(ctx: RuleContext): RuleResult {
  const denied = ctx.usage?.denied;
  if (!denied || denied.size === 0) return 'Compliant';
  const rows = [...denied.entries()]
    .map(([id, d]) => ({
      action: ctx.catalog.actions[id]!.qualified,
      count: d.count,
      lastSeen: iso(d.last),
      errorCodes: [...d.errorCodes].sort(),
    }))
    .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action));
  const total = rows.reduce((s, r) => s + r.count, 0);
  return [
    {
      title: `${total} denied calls to ${rows.length} actions`,
      severity: ctx.classification.class === 'ai-agent' ? 'medium' : 'low',
      evidence: { attempts: rows.slice(0, 20) },
    },
  ];
}
