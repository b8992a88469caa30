/** LP-GH-009: an identity can write to, or deploys from, a repository holding AI agent code. */
import type {
  GitHubRuleContext,
  OidcRuleContext,
  RuleResult,
} from '#core/saas/github/rules/rule.ts';

/** The AI-builder signal on a GitHub identity: it can change what an agent is. */
export function evaluateWritesAgentRepository(ctx: GitHubRuleContext): RuleResult {
  if (ctx.agentRepositories.length === 0) return 'NotApplicable';
  const repos = ctx.agentRepositories.map((a) => a.repository);
  return [
    {
      title: `Can change AI agent code in ${repos.length === 1 ? repos[0] : `${repos.length} repositories`}`,
      evidence: {
        repositories: repos,
        signals: ctx.agentRepositories.flatMap((a) =>
          a.signals.map((s) => ({
            repository: a.repository,
            kind: s.kind,
            path: s.path,
            matches: s.matches,
          })),
        ),
      },
    },
  ];
}

/** The same signal on an AWS role: GitHub Actions in an agent repository can assume it. */
export function evaluateDeploysAgent(ctx: OidcRuleContext): RuleResult {
  if (ctx.agentRepositories.length === 0) return 'NotApplicable';
  const repos = ctx.agentRepositories.map((a) => a.repository);
  return [
    {
      title: `Assumable by GitHub Actions in ${repos.length === 1 ? `${ctx.org}/${repos[0]}` : `${repos.length} repositories of ${ctx.org}`}, which hold AI agent code`,
      evidence: {
        org: ctx.org,
        repositories: repos,
        signals: ctx.agentRepositories.flatMap((a) =>
          a.signals.map((s) => ({
            repository: a.repository,
            kind: s.kind,
            path: s.path,
            matches: s.matches,
          })),
        ),
        statement: ctx.trust.statement,
      },
    },
  ];
}
