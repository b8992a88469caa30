/**
 * GitHub identity rules, in the cdk-nag manner of core/engine/rules: one file per rule, a stable
 * id (`LP-GH-001`), and a result that is Compliant, NotApplicable or a list of findings. Human
 * text lives next to the registration in `rules/index.ts`.
 */
import type { RuleResult, Severity } from '#core/engine/rules/rule.ts';
import type { TimeWindow } from '#core/engine/usage.ts';
import type { GitHubOidcTrust } from '#core/model/findings.ts';
import type { GitHubClassification } from '#core/saas/github/classify.ts';
import type {
  AgentSignal,
  GitHubAppInstallation,
  GitHubDeployKey,
  GitHubPermission,
  GitHubTokenGrant,
} from '#core/saas/github/model.ts';

export type { RuleHit, RuleResult, Severity } from '#core/engine/rules/rule.ts';

/** One permission an identity holds, with what the audit log says about it. */
export interface HeldGitHubPermission extends GitHubPermission {
  status: 'used' | 'unused' | 'unobservable';
  /** Why its use cannot be judged (unobservable only). */
  reason?: string;
  /** Audit-log events credited to it in the window. */
  events: number;
  first?: number;
  last?: number;
  highRisk: boolean;
}

/** The identity a rule looks at. */
export type GitHubSubject =
  | { kind: 'app-installation'; installation: GitHubAppInstallation }
  | { kind: 'fine-grained-token'; token: GitHubTokenGrant }
  | { kind: 'deploy-key'; key: GitHubDeployKey };

/** Everything a GitHub identity rule may look at. */
export interface GitHubRuleContext {
  subject: GitHubSubject;
  org: string;
  window: TimeWindow;
  /** The analysis instant, epoch ms. */
  asOf: number;
  classification: GitHubClassification;
  permissions: HeldGitHubPermission[];
  /** Whether the audit log was read, and for the whole window. */
  auditLog: { read: boolean; complete: boolean };
  /** Audit-log events attributed to the identity in the window. */
  activity: { events: number; first?: number; last?: number };
  /** Agent repositories it can write to, with their signals. */
  agentRepositories: { repository: string; signals: AgentSignal[] }[];
}

/** A registered identity rule. */
export interface GitHubRule {
  id: string;
  name: string;
  severity: Severity;
  /** One line: what the rule finds. */
  info: string;
  /** Why it matters and what to do. */
  explanation: string;
  evaluate(ctx: GitHubRuleContext): RuleResult;
}

/** Everything an OIDC trust rule may look at. */
export interface OidcRuleContext {
  trust: GitHubOidcTrust;
  org: string;
  /** Agent repositories the trust admits, with their signals. */
  agentRepositories: { repository: string; signals: AgentSignal[] }[];
}

/** A registered rule over a role's GitHub OIDC trust (its findings go on the AWS role). */
export interface OidcRule {
  id: string;
  name: string;
  severity: Severity;
  info: string;
  explanation: string;
  evaluate(ctx: OidcRuleContext): RuleResult;
}

/** True for AI agents. */
export function isAgent(ctx: GitHubRuleContext): boolean {
  return ctx.classification.aiRole === 'agent';
}

/** When the identity came to hold its access (grant approved, app installed, key added). */
export function grantedAt(subject: GitHubSubject): string | null {
  switch (subject.kind) {
    case 'app-installation':
      return subject.installation.createdAt;
    case 'fine-grained-token':
      return subject.token.accessGrantedAt;
    case 'deploy-key':
      return subject.key.createdAt;
  }
}

/** True when the access was granted inside the window: it has not been observed for all of it. */
export function youngerThanWindow(ctx: GitHubRuleContext): boolean {
  const at = grantedAt(ctx.subject);
  return at !== null && Date.parse(at) > ctx.window.from;
}
