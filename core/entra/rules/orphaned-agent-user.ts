/** LP-ENTRA-010: an enabled agent user whose parent agent identity is disabled, deleted or absent. */
import type { EntraRuleContext, RuleResult } from '#core/entra/rules/rule.ts';

/**
 * Fires for an enabled agent user when its `identityParentId` names no service principal of
 * the inventory (deleted, or never set) or a disabled one. Entra does not delete agent users with
 * their agent identity or blueprint, so they outlive the agent as enabled user accounts.
 * NotApplicable for anything but agent users, for disabled agent users, and when the service
 * principals could not be read.
 */
export function evaluateOrphanedAgentUser(ctx: EntraRuleContext): RuleResult {
  const a = ctx.agentUser;
  if (!a?.user.accountEnabled || !a.parentKnown) return 'NotApplicable';
  const { user, parent } = a;
  if (parent?.accountEnabled) return 'Compliant';
  const state = !user.identityParentId ? 'no-parent' : !parent ? 'absent' : 'disabled';
  const title =
    state === 'no-parent'
      ? 'Enabled agent user without a parent agent identity'
      : state === 'absent'
        ? `Enabled agent user whose agent identity ${user.identityParentId} no longer exists`
        : `Enabled agent user whose agent identity ${parent!.displayName} is disabled`;
  return [
    {
      title,
      evidence: {
        identityParentId: user.identityParentId ?? null,
        parentState: state,
        parentDisplayName: parent?.displayName ?? null,
        userPrincipalName: user.userPrincipalName ?? null,
        lastSignIn: user.lastSignIn ?? null,
      },
    },
  ];
}
