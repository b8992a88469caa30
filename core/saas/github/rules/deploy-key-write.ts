/** LP-GH-005: a deploy key with write access. */
import type { GitHubRuleContext, RuleResult } from '#core/saas/github/rules/rule.ts';

/**
 * Fires for every deploy key that is not read-only. A write deploy key pushes to any branch
 * not protected against it, tags releases and changes workflow files: it can reach whatever
 * cloud roles the repository's workflows can assume. More severe on a repository holding agent
 * code, or when the key was not used in the window.
 */
export function evaluateDeployKeyWrite(ctx: GitHubRuleContext): RuleResult {
  if (ctx.subject.kind !== 'deploy-key') return 'NotApplicable';
  const k = ctx.subject.key;
  if (k.readOnly) return 'Compliant';
  const unused =
    k.lastUsed !== undefined && (k.lastUsed === null || Date.parse(k.lastUsed) < ctx.window.from);
  const agentRepo = ctx.agentRepositories.length > 0;
  return [
    {
      title: `Deploy key "${k.title}" on ${k.repository} has write access${agentRepo ? ' to agent code' : ''}`,
      severity: unused || agentRepo ? 'high' : 'medium',
      evidence: {
        keyId: k.id,
        repository: k.repository,
        lastUsed: k.lastUsed ?? null,
        createdAt: k.createdAt,
        agentRepository: agentRepo,
      },
    },
  ];
}
