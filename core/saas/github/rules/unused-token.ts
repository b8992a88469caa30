/** LP-GH-001: a fine-grained token approved for the organization and not used in the window. */
import { days } from '#core/engine/rules/rule.ts';
import {
  type GitHubRuleContext,
  isAgent,
  type RuleResult,
  youngerThanWindow,
} from '#core/saas/github/rules/rule.ts';

/**
 * Fires when the token's `token_last_used_at` (any authenticated call, reads included, which
 * GitHub records whatever the plan) is empty or before the window, no audit-log event in the
 * window carries its id, and the grant is older than the window. Expired tokens are reported too: the grant still stands and is one renewal away.
 */
export function evaluateUnusedToken(ctx: GitHubRuleContext): RuleResult {
  if (ctx.subject.kind !== 'fine-grained-token') return 'NotApplicable';
  const t = ctx.subject.token;
  // The audit log's own events count too: GitHub's last-use date can lag behind them.
  const reported = t.tokenLastUsedAt ? Date.parse(t.tokenLastUsedAt) : undefined;
  const last =
    ctx.activity.last !== undefined ? Math.max(ctx.activity.last, reported ?? 0) : reported;
  if (last !== undefined && last >= ctx.window.from) return 'Compliant';
  if (youngerThanWindow(ctx)) return 'NotApplicable';
  const windowDays = days(ctx.window.from, ctx.window.to);
  return [
    {
      title:
        last === undefined
          ? `Token "${t.tokenName}" of ${t.owner} has never been used`
          : `Token "${t.tokenName}" of ${t.owner} not used in ${windowDays} days (last ${new Date(last).toISOString().slice(0, 10)})`,
      severity: isAgent(ctx) ? 'high' : 'medium',
      evidence: {
        patId: t.patId,
        tokenId: t.tokenId,
        tokenLastUsedAt: t.tokenLastUsedAt,
        accessGrantedAt: t.accessGrantedAt,
        tokenExpired: t.tokenExpired,
        windowDays,
      },
    },
  ];
}
