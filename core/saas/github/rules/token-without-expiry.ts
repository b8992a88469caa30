/** LP-GH-002: a fine-grained token that never expires. */
import { days } from '#core/engine/rules/rule.ts';
import { type GitHubRuleContext, isAgent, type RuleResult } from '#core/saas/github/rules/rule.ts';

/** Longest token lifetime accepted without a finding, in days. */
export const MAX_TOKEN_DAYS = 366;

/**
 * Fires when `token_expires_at` is empty (the owner chose "No expiration", which the organization
 * allowed), or the token lives more than {@link MAX_TOKEN_DAYS} from its grant.
 */
export function evaluateTokenWithoutExpiry(ctx: GitHubRuleContext): RuleResult {
  if (ctx.subject.kind !== 'fine-grained-token') return 'NotApplicable';
  const t = ctx.subject.token;
  if (t.tokenExpired) return 'NotApplicable';
  const severity = isAgent(ctx) ? 'high' : 'medium';
  if (!t.tokenExpiresAt)
    return [
      {
        title: `Token "${t.tokenName}" of ${t.owner} never expires`,
        severity,
        evidence: { patId: t.patId, tokenId: t.tokenId, tokenExpiresAt: null },
      },
    ];
  const from = t.accessGrantedAt ? Date.parse(t.accessGrantedAt) : undefined;
  const lifetime = from !== undefined ? days(from, Date.parse(t.tokenExpiresAt)) : undefined;
  if (lifetime === undefined || lifetime <= MAX_TOKEN_DAYS) return 'Compliant';
  return [
    {
      title: `Token "${t.tokenName}" of ${t.owner} is valid for ${lifetime} days`,
      severity,
      evidence: {
        patId: t.patId,
        tokenId: t.tokenId,
        accessGrantedAt: t.accessGrantedAt,
        tokenExpiresAt: t.tokenExpiresAt,
        lifetimeDays: lifetime,
      },
    },
  ];
}
