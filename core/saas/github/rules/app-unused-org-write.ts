/** LP-GH-004: an app with write on every repository and no audited activity in the window. */
import { days } from '#core/engine/rules/rule.ts';
import { isWrite, permissionLabel } from '#core/saas/github/permissions.ts';
import {
  type GitHubRuleContext,
  type RuleResult,
  youngerThanWindow,
} from '#core/saas/github/rules/rule.ts';

/**
 * Fires when an installation reaches all repositories with write access, the audit log covers
 * the whole window, and no event in it is attributed to the app (`actor` `slug[bot]`). Only
 * judged with the audit log: without it nothing says the app is idle. Reads and Git pushes are
 * not in the audit log, so the finding says "no audited activity", not "never used".
 */
export function evaluateAppUnusedOrgWrite(ctx: GitHubRuleContext): RuleResult {
  if (ctx.subject.kind !== 'app-installation') return 'NotApplicable';
  const i = ctx.subject.installation;
  if (i.self || i.suspendedAt || i.repositorySelection !== 'all') return 'NotApplicable';
  const writes = ctx.permissions.filter((p) => isWrite(p.access));
  if (writes.length === 0) return 'NotApplicable';
  if (!ctx.auditLog.read || !ctx.auditLog.complete || youngerThanWindow(ctx))
    return 'NotApplicable';
  if (ctx.activity.events > 0) return 'Compliant';
  const windowDays = days(ctx.window.from, ctx.window.to);
  return [
    {
      title: `App ${i.appSlug} has write on all repositories and no audited activity in ${windowDays} days`,
      evidence: {
        installationId: i.id,
        appSlug: i.appSlug,
        writes: writes.map(permissionLabel),
        windowDays,
      },
    },
  ];
}
