/** LP-GH-010: a deploy key not used in the window. */
import { days } from '#core/engine/rules/rule.ts';
import {
  type GitHubRuleContext,
  type RuleResult,
  youngerThanWindow,
} from '#core/saas/github/rules/rule.ts';

/**
 * Fires when GitHub reports the key's last use (`last_used`) as empty or before the window.
 * Servers that do not report it leave the key unjudged.
 */
export function evaluateUnusedDeployKey(ctx: GitHubRuleContext): RuleResult {
  if (ctx.subject.kind !== 'deploy-key') return 'NotApplicable';
  const k = ctx.subject.key;
  if (k.lastUsed === undefined || youngerThanWindow(ctx)) return 'NotApplicable';
  if (k.lastUsed !== null && Date.parse(k.lastUsed) >= ctx.window.from) return 'Compliant';
  const windowDays = days(ctx.window.from, ctx.window.to);
  return [
    {
      title: `Deploy key "${k.title}" on ${k.repository} ${k.lastUsed === null ? 'has no recorded use' : `not used in ${windowDays} days`}`,
      severity: k.readOnly ? 'low' : 'medium',
      evidence: {
        keyId: k.id,
        repository: k.repository,
        lastUsed: k.lastUsed,
        readOnly: k.readOnly,
      },
    },
  ];
}
