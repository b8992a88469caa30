/** LP-GH-006 and LP-GH-007: an AWS role's GitHub OIDC trust admits too much. */
import type { OidcRuleContext, RuleResult } from '#core/saas/github/rules/rule.ts';

/**
 * LP-GH-006: the trust admits any repository: no `sub` condition, a wildcard owner (critical:
 * any repository on GitHub can assume the role), or every repository of the organization (high:
 * anyone who can create or push to a repository there can).
 */
export function evaluateOidcAnyRepository(ctx: OidcRuleContext): RuleResult {
  const t = ctx.trust;
  if (!t.anyRepository && !t.anyOwner) return 'Compliant';
  return [
    {
      title: t.anyOwner
        ? t.subjects.length === 0
          ? `Trusts GitHub Actions with no sub condition: any repository on ${t.provider} can assume it`
          : `Trusts GitHub Actions of any owner (${t.subjects.join(', ')})`
        : `Trusts GitHub Actions in every repository of ${ctx.org} (${t.subjects.join(', ')})`,
      severity: t.anyOwner ? 'critical' : 'high',
      evidence: {
        org: ctx.org,
        provider: t.provider,
        statement: t.statement,
        subjects: t.subjects,
        audiences: t.audiences,
        repositories: t.repositories.length,
      },
    },
  ];
}

/**
 * LP-GH-007: the trust admits a repository on any branch, tag or environment (`repo:org/app:*`):
 * any workflow run on any branch, including one pushed by anyone with write access, can assume
 * it. Scope `sub` to the deploying branch or environment.
 */
export function evaluateOidcAnyRef(ctx: OidcRuleContext): RuleResult {
  const t = ctx.trust;
  if (!t.anyRef || t.anyRepository || t.anyOwner) return t.anyRef ? 'NotApplicable' : 'Compliant';
  return [
    {
      title: `Trusts any branch or environment of ${t.repositories.map((r) => `${ctx.org}/${r}`).join(', ') || t.subjects.join(', ')}`,
      evidence: {
        org: ctx.org,
        provider: t.provider,
        statement: t.statement,
        subjects: t.subjects,
        repositories: t.repositories,
      },
    },
  ];
}
