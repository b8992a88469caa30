/** LP-ENTRA-007: a privileged Entra directory role held by a non-human identity. */
import { type EntraRuleContext, isAgent, type RuleResult } from '#core/entra/rules/rule.ts';

/**
 * Fires when the service principal holds directory roles marked privileged (by Microsoft, or by
 * the connector's table). Every service principal is non-human; on AI agents it is critical.
 */
export function evaluatePrivilegedRole(ctx: EntraRuleContext): RuleResult {
  if (ctx.classification.firstParty) return 'NotApplicable';
  const roles = ctx.sp.directoryRoles.filter((r) => r.privileged);
  if (roles.length === 0) return ctx.sp.directoryRoles.length > 0 ? 'Compliant' : 'NotApplicable';
  const agent = isAgent(ctx);
  return [
    {
      title: `Holds the privileged directory role${roles.length === 1 ? '' : 's'} ${roles.map((r) => r.roleName).join(', ')}${agent ? ' as an AI agent' : ''}`,
      severity: agent ? 'critical' : 'high',
      evidence: {
        roles: roles.map((r) => ({
          roleName: r.roleName,
          roleDefinitionId: r.roleDefinitionId,
          assignmentId: r.assignmentId,
          directoryScopeId: r.directoryScopeId ?? '/',
        })),
        agent,
      },
    },
  ];
}
