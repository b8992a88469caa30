/** LP-ENTRA-003: a client secret valid for more than 180 days, or any standing secret on an agent. */
import { days } from '#core/engine/rules/rule.ts';
import {
  type EntraRuleContext,
  isAgent,
  type RuleHit,
  type RuleResult,
} from '#core/entra/rules/rule.ts';

/** Longest secret validity Leash accepts without a finding (Microsoft recommends under 180 days). */
export const MAX_SECRET_DAYS = 180;

/**
 * Fires for each unexpired password credential valid for more than 180 days (or without an
 * end date) and, on AI agents, for every unexpired password credential: an agent should
 * authenticate with a managed identity or a federated credential, not a secret someone can copy.
 */
export function evaluateLongLivedCredential(ctx: EntraRuleContext): RuleResult {
  const { sp, asOf } = ctx;
  if (ctx.classification.firstParty) return 'NotApplicable';
  const secrets = sp.credentials.filter(
    (c) => c.kind === 'password' && (!c.endDateTime || Date.parse(c.endDateTime) >= asOf),
  );
  if (secrets.length === 0) return 'NotApplicable';
  const agent = isAgent(ctx);
  const hits: RuleHit[] = [];
  for (const c of secrets) {
    const start = c.startDateTime ? Date.parse(c.startDateTime) : undefined;
    const end = c.endDateTime ? Date.parse(c.endDateTime) : undefined;
    const validity = start !== undefined && end !== undefined ? days(start, end) : undefined;
    const longLived = end === undefined || (validity !== undefined && validity > MAX_SECRET_DAYS);
    if (!longLived && !agent) continue;
    const label = c.displayName ?? c.keyId;
    hits.push({
      title: longLived
        ? `Secret ${label} ${end === undefined ? 'never expires' : `is valid for ${validity} days`}${agent ? ' on an AI agent' : ''}`
        : `Standing secret ${label} on an AI agent`,
      severity: agent ? 'high' : 'medium',
      evidence: {
        keyId: c.keyId,
        on: c.on,
        startDateTime: c.startDateTime ?? null,
        endDateTime: c.endDateTime ?? null,
        validityDays: validity ?? null,
        agent,
      },
    });
  }
  return hits.length > 0 ? hits : 'Compliant';
}
