/** LP-GH-008: permissions an app or token holds but did not exercise in the window. */
import { days } from '#core/engine/rules/rule.ts';
import { permissionLabel } from '#core/saas/github/permissions.ts';
import type { GitHubRuleContext, RuleResult } from '#core/saas/github/rules/rule.ts';

/**
 * Fires when the audit log shows none of the writes a held permission allows (only permissions
 * whose writes the audit log records can be unused; the rest are unobservable and kept).
 */
export function evaluateUnusedPermissions(ctx: GitHubRuleContext): RuleResult {
  if (ctx.subject.kind === 'deploy-key') return 'NotApplicable';
  const unused = ctx.permissions.filter((p) => p.status === 'unused');
  if (unused.length === 0) return ctx.auditLog.read ? 'Compliant' : 'NotApplicable';
  const windowDays = days(ctx.window.from, ctx.window.to);
  return [
    {
      title: `${unused.length} of ${ctx.permissions.length} permissions unused in ${windowDays} days: ${unused.map(permissionLabel).join(', ')}`,
      severity: unused.some((p) => p.highRisk) ? 'medium' : 'low',
      evidence: {
        unused: unused.map(permissionLabel),
        held: ctx.permissions.length,
        windowDays,
      },
    },
  ];
}
