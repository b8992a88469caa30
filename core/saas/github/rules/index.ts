/**
 * The explicit list of GitHub rules, with their human text. Ids are stable: reports,
 * suppressions and policy-as-code refer to them. Identity rules judge app installations,
 * fine-grained tokens and deploy keys; OIDC rules judge AWS roles' trusts of GitHub Actions,
 * and their findings go on the role.
 */
import { evaluateAppUnusedOrgWrite } from '#core/saas/github/rules/app-unused-org-write.ts';
import { evaluateDeployKeyWrite } from '#core/saas/github/rules/deploy-key-write.ts';
import { evaluateHighRiskWrite } from '#core/saas/github/rules/high-risk-write.ts';
import {
  evaluateOidcAnyRef,
  evaluateOidcAnyRepository,
} from '#core/saas/github/rules/oidc-trust.ts';
import type { GitHubRule, OidcRule } from '#core/saas/github/rules/rule.ts';
import { evaluateTokenWithoutExpiry } from '#core/saas/github/rules/token-without-expiry.ts';
import { evaluateUnusedDeployKey } from '#core/saas/github/rules/unused-deploy-key.ts';
import { evaluateUnusedPermissions } from '#core/saas/github/rules/unused-permissions.ts';
import { evaluateUnusedToken } from '#core/saas/github/rules/unused-token.ts';
import {
  evaluateDeploysAgent,
  evaluateWritesAgentRepository,
} from '#core/saas/github/rules/writes-agent-repository.ts';

/** Rule ids that mean "remove the identity" rather than "rightsize it". */
export const DECOMMISSION_RULES: ReadonlySet<string> = new Set([
  'LP-GH-001',
  'LP-GH-004',
  'LP-GH-010',
]);

/** Every GitHub identity rule, in report order. */
export const GITHUB_RULES: readonly GitHubRule[] = [
  {
    id: 'LP-GH-001',
    name: 'unused-token',
    severity: 'medium',
    info: 'A fine-grained personal access token approved for the organization was not used in the window.',
    explanation:
      "GitHub records each token's last authentication (token_last_used_at), reads included. A token nobody uses is a credential waiting to leak: revoke its access to the organization (the owner can request access again if it is still needed).",
    evaluate: evaluateUnusedToken,
  },
  {
    id: 'LP-GH-002',
    name: 'token-without-expiry',
    severity: 'medium',
    info: 'A fine-grained personal access token never expires, or lives more than a year.',
    explanation:
      "Tokens without an expiry outlive their purpose and the people who made them. Set a maximum lifetime in the organization's personal access token policy, and have the owner replace the token with one that expires; prefer a GitHub App for automation.",
    evaluate: evaluateTokenWithoutExpiry,
  },
  {
    id: 'LP-GH-003',
    name: 'high-risk-write',
    severity: 'high',
    info: 'A token or app holds write to administration, secrets, workflows, members or token policy.',
    explanation:
      "These permissions let the holder disable branch protection, read or replace secrets, change the workflows that run with the repository's secrets and cloud OIDC trusts, or manage members: a takeover path. Keep them only where the job needs them, on as few repositories as possible. On AI agents, whose calls a model chooses, the severity is critical.",
    evaluate: evaluateHighRiskWrite,
  },
  {
    id: 'LP-GH-004',
    name: 'app-unused-org-write',
    severity: 'high',
    info: 'An app with write on every repository shows no audited activity in the window.',
    explanation:
      "The audit log covers the window and attributes nothing to the app, yet it can write to every repository, present and future. Uninstall it, or restrict it to the repositories it serves; an app the organization owns can be suspended first (reversible). Reads and Git pushes are not in the audit log: confirm with the app's owner before removing it.",
    evaluate: evaluateAppUnusedOrgWrite,
  },
  {
    id: 'LP-GH-005',
    name: 'deploy-key-write',
    severity: 'medium',
    info: 'A deploy key has write access to its repository.',
    explanation:
      'A write deploy key is an SSH credential with no owner and no expiry that can push to any unprotected branch, tags and workflow files. Replace it with a read-only key, or with a GitHub App or OIDC where it deploys; delete it when unused.',
    evaluate: evaluateDeployKeyWrite,
  },
  {
    id: 'LP-GH-008',
    name: 'unused-github-permissions',
    severity: 'low',
    info: 'An app or token holds permissions whose use the audit log would show, and it shows none.',
    explanation:
      "Only permissions whose writes the organization audit log records are judged; the others are kept as unobservable. Ask the app's owner to drop the permission (the organization cannot edit an app's permissions, only approve its requests), or have the token's owner replace it with a narrower token.",
    evaluate: evaluateUnusedPermissions,
  },
  {
    id: 'LP-GH-009',
    name: 'writes-agent-repository',
    severity: 'info',
    info: 'The identity can change a repository that holds AI agent code: an AI-builder signal.',
    explanation:
      "Agent frameworks, model SDKs, MCP server configurations or agent workflows were found in the repository. Whoever can write to it decides what the agent does and what it can reach: review these identities with the agent's own.",
    evaluate: evaluateWritesAgentRepository,
  },
  {
    id: 'LP-GH-010',
    name: 'unused-deploy-key',
    severity: 'low',
    info: 'A deploy key was not used in the window.',
    explanation:
      'GitHub reports when each deploy key was last used. An unused key can still be used by whoever holds the private key: delete it (it can be added again from its public key, under a new id).',
    evaluate: evaluateUnusedDeployKey,
  },
];

/** Every rule over AWS roles' GitHub OIDC trusts; findings go on the role. */
export const GITHUB_OIDC_RULES: readonly OidcRule[] = [
  {
    id: 'LP-GH-006',
    name: 'oidc-trust-any-repository',
    severity: 'high',
    info: "A role's GitHub Actions OIDC trust admits any repository (or any owner).",
    explanation:
      "The role's trust policy admits token.actions.githubusercontent.com with no sub condition, or a sub pattern that admits every repository of the organization or of any owner. Anyone who can run a workflow in an admitted repository can assume the role. Pin sub to the repository and branch or environment that deploys: repo:ORG/REPO:environment:prod.",
    evaluate: evaluateOidcAnyRepository,
  },
  {
    id: 'LP-GH-007',
    name: 'oidc-trust-any-branch',
    severity: 'medium',
    info: "A role's GitHub Actions OIDC trust admits any branch, tag or environment of a repository.",
    explanation:
      'A pattern like repo:ORG/REPO:* lets a workflow on any branch assume the role, including a branch anyone with write access pushes. Scope sub to the protected branch or environment that deploys.',
    evaluate: evaluateOidcAnyRef,
  },
  {
    id: 'LP-GH-009',
    name: 'writes-agent-repository',
    severity: 'info',
    info: 'GitHub Actions in a repository holding AI agent code can assume the role: an AI-builder signal.',
    explanation:
      'The role deploys (or is reachable from) a repository whose manifests, MCP configuration or workflows show an AI agent. Review it with the agent it deploys.',
    evaluate: evaluateDeploysAgent,
  },
];
