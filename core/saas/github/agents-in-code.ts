/**
 * Finds AI agents in code: the package manifests, MCP server configurations and workflow files
 * that show a repository builds or runs an agent. The collector asks GitHub's code search for
 * candidates ({@link codeSearchQueries}) and reads each candidate file through the contents API;
 * this module decides, from the file's text alone, what it shows. Pure.
 *
 * Code search sees default branches only, skips files over 384 KB and repositories GitHub has
 * not indexed, and allows at most five AND/OR/NOT operators per query; a repository can hold an
 * agent these queries miss. What was searched is reported with the scan.
 * @see https://docs.github.com/rest/search/search#search-code
 */
import type { AgentSignal } from '#core/saas/github/model.ts';

/** JavaScript/TypeScript packages that are model SDKs or agent frameworks. */
const JS_PACKAGES: readonly (string | RegExp)[] = [
  'openai',
  '@openai/agents',
  '@anthropic-ai/sdk',
  '@anthropic-ai/claude-agent-sdk',
  '@anthropic-ai/claude-code',
  '@google/generative-ai',
  '@google/genai',
  '@mistralai/mistralai',
  'cohere-ai',
  'groq-sdk',
  '@aws-sdk/client-bedrock-runtime',
  '@aws-sdk/client-bedrock-agent-runtime',
  '@azure/openai',
  'ollama',
  '@huggingface/inference',
  'langchain',
  /^@langchain\//,
  'llamaindex',
  'ai',
  /^@ai-sdk\//,
  '@mastra/core',
  '@modelcontextprotocol/sdk',
  'fastmcp',
  'genkit',
  /^@genkit-ai\//,
];

/** Python distributions that are model SDKs or agent frameworks (normalized: lower case, `_` → `-`). */
const PY_PACKAGES: readonly (string | RegExp)[] = [
  'openai',
  'openai-agents',
  'anthropic',
  'claude-agent-sdk',
  'google-generativeai',
  'google-genai',
  'mistralai',
  'cohere',
  'groq',
  'litellm',
  'langchain',
  /^langchain-/,
  'langgraph',
  'llama-index',
  /^llama-index-/,
  'crewai',
  'autogen',
  'pyautogen',
  /^autogen-/,
  'semantic-kernel',
  'smolagents',
  'pydantic-ai',
  'haystack-ai',
  'dspy',
  'dspy-ai',
  'agno',
  'mcp',
  'fastmcp',
];

/** Actions that run a coding agent in a workflow. */
const AGENT_ACTIONS: readonly string[] = [
  'anthropics/claude-code-action',
  'anthropics/claude-code-base-action',
  'openai/codex-action',
  'google-github-actions/run-gemini-cli',
  'google-gemini/gemini-cli-action',
  'coderabbitai/ai-pr-reviewer',
  'continuedev/continue',
];

/** Secrets whose name says a workflow calls a model provider. */
const MODEL_KEY_SECRET =
  /\bsecrets\.((?:ANTHROPIC|OPENAI|AZURE_OPENAI|GEMINI|GOOGLE_AI|MISTRAL|COHERE|GROQ)_[A-Z_]*KEY[A-Z_]*)/g;

/** What a candidate query looks for. */
export type SearchKind = 'package-manifest' | 'mcp-config' | 'agent-workflow' | 'workflow-role';

/** One code search query and what its hits are candidates for. */
export interface CodeSearchQuery {
  kind: SearchKind;
  q: string;
}

/**
 * The code search queries for an organization. Each stays within GitHub's limits (at most five
 * operators, 256 characters besides qualifiers); confirmation is left to {@link detectAgentSignals}.
 */
export function codeSearchQueries(org: string): CodeSearchQuery[] {
  const o = `org:${org}`;
  return [
    {
      kind: 'package-manifest',
      q: `${o} filename:package.json openai OR anthropic OR langchain OR llamaindex OR modelcontextprotocol`,
    },
    {
      kind: 'package-manifest',
      q: `${o} filename:package.json "@ai-sdk" OR "@google/genai" OR "@mistralai/mistralai" OR "@openai/agents" OR "client-bedrock-runtime"`,
    },
    {
      kind: 'package-manifest',
      q: `${o} filename:requirements.txt openai OR anthropic OR langchain OR langgraph OR crewai`,
    },
    {
      kind: 'package-manifest',
      q: `${o} filename:requirements.txt llama-index OR autogen OR smolagents OR pydantic-ai OR litellm`,
    },
    {
      kind: 'package-manifest',
      q: `${o} filename:pyproject.toml openai OR anthropic OR langchain OR crewai OR mcp`,
    },
    { kind: 'mcp-config', q: `${o} mcpServers extension:json` },
    {
      kind: 'agent-workflow',
      q: `${o} path:.github/workflows claude-code-action OR codex-action OR run-gemini-cli OR ANTHROPIC_API_KEY OR OPENAI_API_KEY`,
    },
    { kind: 'workflow-role', q: `${o} path:.github/workflows role-to-assume` },
  ];
}

/**
 * What one file shows: the agent frameworks, SDKs, MCP servers or agent actions it names, as
 * signals (at most one per file). Unknown file kinds and unparsable manifests show nothing.
 * @param repository `repo` name within the organization
 * @param path the file's path in the repository
 */
export function detectAgentSignals(
  repository: string,
  path: string,
  text: string,
): AgentSignal | undefined {
  const base = path.split('/').pop() ?? path;
  let kind: AgentSignal['kind'] | undefined;
  let matches: string[] = [];
  if (isWorkflow(path)) {
    kind = 'agent-workflow';
    matches = workflowMatches(text);
  } else if (base === 'package.json') {
    kind = 'package-manifest';
    matches = packageJsonMatches(text);
  } else if (/^requirements[^/]*\.txt$/.test(base) || base === 'pyproject.toml') {
    kind = 'package-manifest';
    matches = pythonMatches(text);
  } else if (base.endsWith('.json')) {
    kind = 'mcp-config';
    matches = mcpMatches(text);
  }
  if (!kind || matches.length === 0) return undefined;
  return { repository, kind, path, matches: [...new Set(matches)].sort() };
}

/** The role ARNs a workflow file names in `role-to-assume` (expressions are skipped). */
export function roleArnsInWorkflow(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(
    /role-to-assume:\s*['"]?(arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+)/g,
  ))
    out.add(m[1]!);
  return [...out].sort();
}

/** True for a file under `.github/workflows/` with a YAML extension. */
export function isWorkflow(path: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
}

function matchesAny(name: string, list: readonly (string | RegExp)[]): boolean {
  return list.some((p) => (typeof p === 'string' ? p === name : p.test(name)));
}

function packageJsonMatches(text: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A manifest that does not parse shows nothing; the scan counts the file as read.
    return [];
  }
  if (typeof json !== 'object' || json === null) return [];
  const out: string[] = [];
  for (const field of [
    'dependencies',
    'devDependencies',
    'peerDependencies',
    'optionalDependencies',
  ]) {
    const deps = (json as Record<string, unknown>)[field];
    if (typeof deps !== 'object' || deps === null) continue;
    for (const name of Object.keys(deps)) if (matchesAny(name, JS_PACKAGES)) out.push(name);
  }
  return out;
}

/** Requirement names in requirements.txt lines or pyproject.toml dependency strings. */
function pythonMatches(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line || line.startsWith('-')) continue;
    // `name[extra]>=1.0`, `"name>=1.0",` (pyproject), `name = "^1.0"` (poetry tables).
    const m = /^["']?([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase().replace(/[_.]/g, '-');
    if (matchesAny(name, PY_PACKAGES)) out.push(name);
  }
  return out;
}

/** MCP server names and what they run, from `mcpServers` (Claude, Cursor) or `servers` (VS Code). */
function mcpMatches(text: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof json !== 'object' || json === null) return [];
  const obj = json as Record<string, unknown>;
  const servers = obj.mcpServers ?? obj.servers;
  if (typeof servers !== 'object' || servers === null) return [];
  const out: string[] = [];
  for (const [name, def] of Object.entries(servers)) {
    const d = (typeof def === 'object' && def !== null ? def : {}) as Record<string, unknown>;
    const args = Array.isArray(d.args)
      ? d.args.filter((a): a is string => typeof a === 'string')
      : [];
    const pkg = args.find((a) => /^@?[\w.-]+\/[\w.-]+|^mcp-server|server-/.test(a));
    const target =
      typeof d.url === 'string' ? d.url : (pkg ?? (typeof d.command === 'string' ? d.command : ''));
    out.push(target ? `mcp:${name} (${target})` : `mcp:${name}`);
  }
  return out;
}

function workflowMatches(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/uses:\s*['"]?([\w.-]+\/[\w.-]+)(?:\/[\w./-]*)?@/g)) {
    const action = m[1]!.toLowerCase();
    if (AGENT_ACTIONS.includes(action)) out.push(action);
  }
  for (const m of text.matchAll(MODEL_KEY_SECRET)) out.push(`secrets.${m[1]}`);
  return out;
}
