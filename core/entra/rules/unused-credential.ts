/** LP-ENTRA-002: a valid credential not used to sign in during the window. */
import { iso } from '#core/engine/rules/rule.ts';
import type { EntraRuleContext, RuleHit, RuleResult } from '#core/entra/rules/rule.ts';

/**
 * Fires for each unexpired password or certificate whose last sign-in is before the window, or
 * that never signed in while older than the window. Needs credential sign-in activity: without
 * it a missing `lastSignIn` is unknown, not never.
 */
export function evaluateUnusedCredential(ctx: EntraRuleContext): RuleResult {
  const { sp, window, asOf } = ctx;
  if (ctx.classification.firstParty || !ctx.credentialActivity) return 'NotApplicable';
  const live = sp.credentials.filter((c) => !c.endDateTime || Date.parse(c.endDateTime) >= asOf);
  if (live.length === 0) return 'NotApplicable';
  const hits: RuleHit[] = [];
  for (const c of live) {
    const last = c.lastSignIn ? Date.parse(c.lastSignIn) : undefined;
    const start = c.startDateTime ? Date.parse(c.startDateTime) : undefined;
    const stale =
      last !== undefined ? last < window.from : start !== undefined && start < window.from;
    if (!stale) continue;
    const label = `${c.kind === 'password' ? 'Secret' : 'Certificate'} ${c.displayName ?? c.keyId}`;
    hits.push({
      title:
        last !== undefined
          ? `${label} last used ${iso(last).slice(0, 10)}`
          : `${label} never used since ${iso(start!).slice(0, 10)}`,
      severity: c.kind === 'password' ? 'high' : 'medium',
      evidence: {
        keyId: c.keyId,
        kind: c.kind,
        on: c.on,
        lastSignIn: c.lastSignIn ?? null,
        startDateTime: c.startDateTime ?? null,
        endDateTime: c.endDateTime ?? null,
      },
    });
  }
  return hits.length > 0 ? hits : 'Compliant';
}
