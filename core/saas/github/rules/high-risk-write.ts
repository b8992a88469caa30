/** LP-GH-003: a token or app with write to administration, secrets, workflows or members. */
import { permissionLabel } from '#core/saas/github/permissions.ts';
import { type GitHubRuleContext, isAgent, type RuleResult } from '#core/saas/github/rules/rule.ts';

/**
 * Fires once per identity holding any high-risk write (see `HIGH_RISK_PERMISSIONS`), naming
 * each and whether the audit log shows it used. Suspended installations and Leash's own are
 * left out. On AI agents, whose calls a model chooses, the severity is critical.
 */
export function evaluateHighRiskWrite(ctx: GitHubRuleContext): RuleResult {
  const s = ctx.subject;
  if (s.kind === 'deploy-key') return 'NotApplicable';
  if (s.kind === 'app-installation' && (s.installation.suspendedAt || s.installation.self))
    return 'NotApplicable';
  const risky = ctx.permissions.filter((p) => p.highRisk);
  if (risky.length === 0) return 'Compliant';
  const who =
    s.kind === 'app-installation'
      ? `App ${s.installation.appSlug}`
      : `Token "${s.token.tokenName}" of ${s.token.owner}`;
  const selection =
    s.kind === 'app-installation'
      ? s.installation.repositorySelection
      : s.token.repositorySelection;
  const repos =
    selection === 'all'
      ? 'all repositories'
      : s.kind === 'fine-grained-token' && s.token.repositories
        ? `${s.token.repositories.length} repositories`
        : 'selected repositories';
  // Organization permissions apply to the organization, whatever repositories it reaches.
  const scopes = new Set(risky.map((p) => (p.scope === 'repository' ? repos : 'the organization')));
  return [
    {
      title: `${who} holds ${risky.map(permissionLabel).join(', ')} on ${[...scopes].join(' and ')}`,
      severity: isAgent(ctx) ? 'critical' : 'high',
      evidence: {
        permissions: risky.map((p) => ({
          permission: permissionLabel(p),
          status: p.status,
          events: p.events,
        })),
        repositorySelection: selection,
      },
    },
  ];
}
