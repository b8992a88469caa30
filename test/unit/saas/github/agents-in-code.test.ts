import { describe, expect, it } from 'vitest';
import {
  codeSearchQueries,
  detectAgentSignals,
  roleArnsInWorkflow,
} from '#core/saas/github/agents-in-code.ts';

/** A GitHub Actions expression `${{ secrets.NAME }}`, built so no string holds a placeholder. */
const secret = (name: string) => ['$', '{{ secrets.', name, ' }}'].join('');

describe('detectAgentSignals', () => {
  it('finds model SDKs and agent frameworks among package.json dependencies', () => {
    // Arrange
    const text = JSON.stringify({
      dependencies: { '@anthropic-ai/sdk': '^0.40', express: '^4' },
      devDependencies: { '@langchain/core': '^0.3', '@ai-sdk/openai': '^1' },
    });

    // Act
    const signal = detectAgentSignals('bot', 'package.json', text);

    // Assert
    expect(signal).toEqual({
      repository: 'bot',
      kind: 'package-manifest',
      path: 'package.json',
      matches: ['@ai-sdk/openai', '@anthropic-ai/sdk', '@langchain/core'],
    });
  });

  it('shows nothing for a manifest that only mentions a vendor, or does not parse', () => {
    expect(
      detectAgentSignals(
        'dash',
        'package.json',
        JSON.stringify({ description: 'not an openai client' }),
      ),
    ).toBeUndefined();
    expect(detectAgentSignals('dash', 'package.json', '{"dependencies": ')).toBeUndefined();
  });

  it('reads requirements.txt lines with extras, pins and comments, and pyproject dependencies', () => {
    // Arrange
    const requirements =
      'requests==2.32\nopenai[datalib]>=1.40\nLangGraph==0.2  # agents\n# anthropic later\n-r base.txt\n';
    const pyproject =
      '[project]\ndependencies = [\n  "crewai>=0.80",\n  "pydantic-ai",\n  "fastapi",\n]\n';

    // Act
    const req = detectAgentSignals('ml', 'svc/requirements-prod.txt', requirements);
    const py = detectAgentSignals('ml', 'pyproject.toml', pyproject);

    // Assert
    expect(req?.matches).toEqual(['langgraph', 'openai']);
    expect(py?.matches).toEqual(['crewai', 'pydantic-ai']);
  });

  it('names MCP servers of Claude/Cursor (mcpServers) and VS Code (servers) configurations', () => {
    // Arrange
    const claude = JSON.stringify({
      mcpServers: {
        github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] },
        remote: { url: 'https://mcp.example.com/sse' },
      },
    });
    const vscode = JSON.stringify({ servers: { fs: { command: 'mcp-server-filesystem' } } });

    // Act
    const a = detectAgentSignals('agent', '.mcp.json', claude);
    const b = detectAgentSignals('agent', '.vscode/mcp.json', vscode);

    // Assert
    expect(a).toMatchObject({
      kind: 'mcp-config',
      matches: [
        'mcp:github (@modelcontextprotocol/server-github)',
        'mcp:remote (https://mcp.example.com/sse)',
      ],
    });
    expect(b?.matches).toEqual(['mcp:fs (mcp-server-filesystem)']);
  });

  it('finds agent actions and model API key secrets in workflows', () => {
    // Arrange
    const text = `jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: anthropics/claude-code-action@v1\n        with:\n          anthropic_api_key: ${secret('ANTHROPIC_API_KEY')}\n          other: ${secret('OPENAI_API_KEY_PROD')}\n`;

    // Act
    const signal = detectAgentSignals('agent', '.github/workflows/claude.yml', text);

    // Assert
    expect(signal).toMatchObject({
      kind: 'agent-workflow',
      matches: [
        'anthropics/claude-code-action',
        'secrets.ANTHROPIC_API_KEY',
        'secrets.OPENAI_API_KEY_PROD',
      ],
    });
  });

  it('shows nothing for a plain CI workflow or an unknown file', () => {
    expect(
      detectAgentSignals(
        'x',
        '.github/workflows/ci.yml',
        'steps:\n  - uses: actions/checkout@v4\n',
      ),
    ).toBeUndefined();
    expect(detectAgentSignals('x', 'README.md', 'we use openai')).toBeUndefined();
  });
});

describe('roleArnsInWorkflow', () => {
  it('reads literal role ARNs and skips expressions', () => {
    // Arrange
    const text = `with:\n  role-to-assume: arn:aws:iam::111111111111:role/deploy/app-deployer\n  role-to-assume: '${secret('ROLE')}'\n  role-to-assume: "arn:aws-us-gov:iam::222222222222:role/gov"\n`;

    // Act
    const arns = roleArnsInWorkflow(text);

    // Assert
    expect(arns).toEqual([
      'arn:aws-us-gov:iam::222222222222:role/gov',
      'arn:aws:iam::111111111111:role/deploy/app-deployer',
    ]);
  });
});

describe('codeSearchQueries', () => {
  it('keeps every query within five operators and scoped to the organization', () => {
    // Act
    const queries = codeSearchQueries('acme');

    // Assert
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const { q } of queries) {
      expect(q.startsWith('org:acme ')).toBe(true);
      expect((q.match(/\b(AND|OR|NOT)\b/g) ?? []).length).toBeLessThanOrEqual(5);
      const terms = q.replace(/\b\w+:\S+/g, '').replace(/\b(AND|OR|NOT)\b/g, '');
      expect(terms.length).toBeLessThanOrEqual(256);
    }
  });
});
