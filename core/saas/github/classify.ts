/**
 * Classes GitHub identities: AI coding agents (known agent apps, tokens and keys named for an
 * agent), workloads (other apps, deploy keys) and humans (fine-grained tokens act as the person
 * who owns them). An identity that can write to a repository holding agent code is an AI
 * builder unless it is an agent itself. The first rule that decides is recorded.
 */
import type { AiRole, IdentityClass } from '#core/engine/classify.ts';

/** The decision and the rule that made it. */
export interface GitHubClassification {
  class: IdentityClass;
  aiRole: AiRole | null;
  rule: string;
  reason: string;
}

/**
 * App slugs of coding agents and AI reviewers that act on repositories (GitHub Copilot coding
 * agent, Claude, Codex, Devin, Cursor, Gemini, Jules, Amazon Q, CodeRabbit and the like).
 */
const AGENT_APP_SLUGS: readonly RegExp[] = [
  /copilot/,
  /^claude/,
  /codex/,
  /^devin/,
  /^cursor/,
  /gemini/,
  /^google-labs-jules/,
  /^jules/,
  /amazon-q/,
  /coderabbit/,
  /^sweep/,
  /^openhands/,
  /^codegen/,
  /^qodo/,
  /^sourcery/,
  /^greptile/,
  /^ellipsis/,
  /^factory/,
];

/** Names that say a token or key is used by an agent (`mcp-github-server`, `claude-agent`). */
const AGENT_NAME =
  /\b(agents?|mcp|copilot|claude|gpt|llm|codex|gemini|devin|cursor|langchain|crewai|autogen)\b/i;

/** Classifies an app installation by its app's slug. */
export function classifyApp(slug: string): GitHubClassification {
  const lower = slug.toLowerCase();
  if (AGENT_APP_SLUGS.some((re) => re.test(lower)))
    return {
      class: 'ai-agent',
      aiRole: 'agent',
      rule: 'known-ai-agent-app',
      reason: `app ${slug} is a coding agent or AI reviewer that acts on repositories`,
    };
  return {
    class: 'workload',
    aiRole: null,
    rule: 'github-app',
    reason: 'a GitHub App installation',
  };
}

/** Classifies a fine-grained token by its name. */
export function classifyToken(name: string, owner: string): GitHubClassification {
  if (AGENT_NAME.test(name))
    return {
      class: 'ai-agent',
      aiRole: 'agent',
      rule: 'token-named-for-agent',
      reason: `token "${name}" of ${owner} is named for an AI agent or MCP server`,
    };
  return {
    class: 'human',
    aiRole: null,
    rule: 'fine-grained-token',
    reason: `a fine-grained personal access token acting as ${owner}`,
  };
}

/** Classifies a deploy key by its title. */
export function classifyDeployKey(title: string): GitHubClassification {
  if (AGENT_NAME.test(title))
    return {
      class: 'ai-agent',
      aiRole: 'agent',
      rule: 'deploy-key-named-for-agent',
      reason: `deploy key "${title}" is named for an AI agent`,
    };
  return { class: 'workload', aiRole: null, rule: 'deploy-key', reason: 'a repository deploy key' };
}

/**
 * Marks a non-agent identity that can write to repositories holding agent code as an AI builder.
 * @param agentRepositories agent repositories it can write to
 */
export function asBuilder(
  c: GitHubClassification,
  agentRepositories: readonly string[],
): GitHubClassification {
  if (c.aiRole !== null || agentRepositories.length === 0) return c;
  const shown = agentRepositories.slice(0, 3).join(', ');
  const more = agentRepositories.length > 3 ? ` and ${agentRepositories.length - 3} more` : '';
  return {
    class: c.class,
    aiRole: 'builder',
    rule: 'writes-agent-repository',
    reason: `can write to repositories holding AI agent code (${shown}${more})`,
  };
}
