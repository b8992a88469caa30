/** LP-ENTRA-004: an expired credential still on the application or service principal. */
import { iso } from '#core/engine/rules/rule.ts';
import type { EntraRuleContext, RuleHit, RuleResult } from '#core/entra/rules/rule.ts';

/** Fires for each credential whose end date is before the analysis instant. */
export function evaluateExpiredCredential(ctx: EntraRuleContext): RuleResult {
  const { sp, asOf } = ctx;
  if (ctx.classification.firstParty || sp.credentials.length === 0) return 'NotApplicable';
  const hits: RuleHit[] = [];
  for (const c of sp.credentials) {
    if (!c.endDateTime || Date.parse(c.endDateTime) >= asOf) continue;
    hits.push({
      title: `${c.kind === 'password' ? 'Secret' : 'Certificate'} ${c.displayName ?? c.keyId} expired ${iso(Date.parse(c.endDateTime)).slice(0, 10)}`,
      evidence: { keyId: c.keyId, kind: c.kind, on: c.on, endDateTime: c.endDateTime },
    });
  }
  return hits.length > 0 ? hits : 'Compliant';
}
