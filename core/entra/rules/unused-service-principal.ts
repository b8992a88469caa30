/** LP-ENTRA-001: a service principal or agent identity that did not sign in during the window. */
import { days, iso } from '#core/engine/rules/rule.ts';
import type { EntraRuleContext, RuleResult, Severity } from '#core/entra/rules/rule.ts';

/**
 * Fires when sign-in activity is known and shows no sign-in (and no Graph request) in the
 * window, for an identity created before the window. Without sign-in data there is no finding:
 * the analysis records a gap instead, because an absence of Graph requests alone does not show
 * an app is idle (it may call other APIs).
 */
export function evaluateUnusedServicePrincipal(ctx: EntraRuleContext): RuleResult {
  const { sp, activity, window } = ctx;
  if (ctx.classification.firstParty || !activity.known) return 'NotApplicable';
  const created = sp.createdDateTime ? Date.parse(sp.createdDateTime) : undefined;
  // Too young to have been observed for the whole window.
  if (created !== undefined && created > window.from) return 'NotApplicable';
  if (activity.lastActive !== undefined && activity.lastActive >= window.from) return 'Compliant';
  const windowDays = days(window.from, window.to);
  const holdsPrivilege =
    ctx.permissions.some((p) => p.highRisk?.tier === 'control-plane') ||
    sp.directoryRoles.some((r) => r.privileged);
  const severity: Severity = !sp.accountEnabled ? 'low' : holdsPrivilege ? 'high' : 'medium';
  return [
    {
      title:
        activity.lastActive === undefined
          ? `No sign-in on record${sp.accountEnabled ? '' : ' (disabled)'}`
          : `No sign-in in the last ${windowDays} days (last ${iso(activity.lastActive).slice(0, 10)})${sp.accountEnabled ? '' : ' (disabled)'}`,
      severity,
      evidence: {
        lastSignIn: activity.lastActive === undefined ? null : iso(activity.lastActive),
        windowFrom: iso(window.from),
        accountEnabled: sp.accountEnabled,
        createdDateTime: sp.createdDateTime ?? null,
        permissions: ctx.permissions.length,
        privilegedRoles: sp.directoryRoles.filter((r) => r.privileged).map((r) => r.roleName),
      },
    },
  ];
}
