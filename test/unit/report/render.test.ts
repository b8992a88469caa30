import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import { type AgentInfo, emptyInventory, type LambdaFunctionInfo } from '#core/iam/inventory.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import type { ScanRecord, StoredFinding } from '#core/ports/finding-store.ts';
import { escapeHtml, renderHtml } from '#core/report/render-html.ts';
import { MAX_CHANGE_ROWS, renderMarkdown } from '#core/report/render-markdown.ts';
import type { ScanChanges } from '#core/store/record-scan.ts';
import {
  ACCOUNT,
  aDocument,
  anInventory,
  aRole,
  trustPolicy,
  WINDOW,
} from '#test/helpers/builders.ts';
import { aFinding, aFindingsDocument } from '#test/helpers/findings-document.ts';

let catalog: ActionCatalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

function liveLikeDocument(): FindingsDocument {
  const agentRole = aRole({
    name: 'agent',
    trustPolicy: trustPolicy({ Service: 'bedrock.amazonaws.com' }),
    inlinePolicies: [
      {
        name: 'a',
        document: aDocument({
          actions: ['bedrock:InvokeModel', 'lambda:InvokeFunction'],
          resources: ['*'],
        }),
      },
    ],
  });
  const toolRole = aRole({
    name: 'tool',
    inlinePolicies: [
      { name: 't', document: aDocument({ actions: ['iam:PutRolePolicy'], resources: ['*'] }) },
    ],
  });
  const fn: LambdaFunctionInfo = {
    arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:tool`,
    name: 'tool',
    accountId: ACCOUNT,
    region: 'us-east-1',
    roleArn: toolRole.arn,
    environmentVariableNames: ['TABLE'],
    layers: [],
    invokers: [{ principal: 'bedrock.amazonaws.com', action: 'lambda:InvokeFunction' }],
    functionUrls: [{ url: 'https://x.lambda-url.us-east-1.on.aws/', authType: 'NONE' }],
    eventSources: [],
    tags: { owner: 'alice@example.com' },
  };
  const agent: AgentInfo = {
    kind: 'bedrock-agent',
    id: 'A1',
    arn: `arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/A1`,
    name: 'support <b>',
    accountId: ACCOUNT,
    region: 'us-east-1',
    roleArn: agentRole.arn,
    foundationModel: 'anthropic.claude',
    tools: [
      { name: 'lookup', kind: 'action-group', lambdaArn: fn.arn },
      {
        name: 'kb',
        kind: 'knowledge-base',
        arn: `arn:aws:bedrock:us-east-1:${ACCOUNT}:knowledge-base/KB1`,
      },
      { name: 'mcp', kind: 'gateway-target', endpoint: 'https://mcp.example.com' },
    ],
    aliases: [],
    tags: {},
  };
  const doc = analyzeAccount({
    inventory: anInventory({
      roles: [agentRole, toolRole],
      functions: [fn],
      agents: [agent],
      trails: [
        {
          name: 'org',
          arn: 'arn:aws:cloudtrail:us-east-1:1:trail/org',
          homeRegion: 'us-east-1',
          accountId: ACCOUNT,
          isOrganizationTrail: true,
          isMultiRegionTrail: true,
          isLogging: true,
          managementEvents: 'WriteOnly',
          dataEventServices: ['s3'],
        },
      ],
    }),
    usage: new UsageAggregator(catalog, WINDOW),
    catalog,
    window: WINDOW,
    lookbackDays: 90,
    issues: [
      {
        file: 'x.json',
        location: 'Records[3]',
        reason: 'no-user-identity',
        detail: 'record has no userIdentity',
      },
    ],
    toolVersion: 't',
    gaps: [
      {
        provider: 'aws',
        api: 'lambda:GetPolicy',
        account: ACCOUNT,
        region: 'eu-west-1',
        reason: 'access-denied',
        detail: 'AccessDenied',
      },
      {
        provider: 'aws',
        api: 'bedrock:ListAgents',
        region: 'ap-east-1',
        reason: 'unsupported',
        detail: 'not here',
      },
      {
        provider: 'aws',
        api: 'iam:GetServiceLastAccessedDetails',
        reason: 'failed',
        detail: 'gave up',
      },
    ],
  });
  return doc;
}

describe('the reports', () => {
  it('list coverage gaps first, the agents with their tools, and escape what they print', () => {
    // Arrange
    const doc = liveLikeDocument();
    // Act
    const md = renderMarkdown(doc);
    const html = renderHtml(doc);
    // Assert
    expect(md.indexOf('Denied: lambda:GetPolicy')).toBeLessThan(md.indexOf('## AI agents'));
    expect(md).toContain('Not available: bedrock:ListAgents');
    expect(md).toContain('Failed: iam:GetServiceLastAccessedDetails');
    expect(md).toMatch(/\| support <b> \| bedrock-agent \|/);
    expect(md).toContain('lookup → tool');
    expect(html).toContain('support &lt;b&gt;');
    expect(html).not.toContain('support <b>');
    expect(html).toContain('Denied: lambda:GetPolicy');
    expect(html).toContain('Input problems (1)');
    // The tool-chain finding shows in both.
    expect(md).toContain('LP-AI-002');
    expect(html).toContain('LP-AI-002');
  });

  it('render an empty document without failing', () => {
    const doc = analyzeAccount({
      inventory: emptyInventory(),
      usage: new UsageAggregator(catalog, WINDOW),
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 't',
    });
    expect(renderMarkdown(doc)).toContain('(none found)');
    expect(renderHtml(doc)).toContain('<!doctype html>');
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });
});

describe('the "Since the previous scan" section', () => {
  const T1 = Date.parse('2026-11-01T00:00:00Z');
  const stored = (title: string, identityName = 'app<1>'): StoredFinding => ({
    key: title,
    scope: '111111111111',
    identityId: `arn:aws:iam::111111111111:role/${identityName}`,
    identityName,
    finding: aFinding({ title, severity: 'high', ruleId: 'LP-IAM-002' }),
    status: 'open',
    firstSeen: T1,
    lastSeen: T1,
    resolvedAt: null,
    openedRunId: 'r2',
    lastRunId: 'r2',
    resolvedRunId: null,
  });
  const previous: ScanRecord = {
    runId: 'r1',
    at: T1,
    scopes: ['111111111111'],
    open: 2,
    new: 2,
    resolved: 0,
    persisting: 0,
    openBySeverity: { critical: 0, high: 2, medium: 0, low: 0, info: 0 },
  };
  const doc = () => aFindingsDocument([]);

  it('is absent without changes, and says so on the first scan', () => {
    // Arrange
    const first: ScanChanges = {
      previous: null,
      diff: { newFindings: [stored('Policy A is unused')], resolved: [], persisting: 0 },
    };

    // Act
    const plain = renderMarkdown(doc());
    const md = renderMarkdown(doc(), { changes: first });
    const html = renderHtml(doc(), { changes: first });

    // Assert
    expect(plain).not.toContain('Since the previous scan');
    expect(renderHtml(doc())).not.toContain('Since the previous scan');
    expect(md).toContain('## Since the previous scan\n\nThis is the first recorded scan');
    expect(md).not.toContain('| new |');
    expect(html).toContain(
      '<h2>Since the previous scan</h2></summary><p>This is the first recorded scan',
    );
  });

  it('lists new and resolved findings, escaped, after the counts', () => {
    // Arrange
    const changes: ScanChanges = {
      previous,
      diff: {
        newFindings: [stored('Policy C is unused')],
        resolved: [{ ...stored('Policy B | old is unused'), status: 'resolved' }],
        persisting: 1,
      },
    };

    // Act
    const md = renderMarkdown(doc(), { changes });
    const html = renderHtml(doc(), { changes });

    // Assert
    expect(md).toContain(
      'Since the previous scan (2026-11-01T00:00:00.000Z, run r1): 1 new, 1 resolved, 1 persisting.',
    );
    expect(md).toContain('| new | high | LP-IAM-002 | app<1> | Policy C is unused |');
    expect(md).toContain('| resolved | high | LP-IAM-002 | app<1> | Policy B \\| old is unused |');
    expect(html).toContain('<td>resolved</td>');
    expect(html).toContain('app&lt;1&gt;');
    expect(html).not.toContain('app<1>');
  });

  it(`lists at most ${MAX_CHANGE_ROWS} new findings and counts the rest`, () => {
    // Arrange
    const many = Array.from({ length: MAX_CHANGE_ROWS + 5 }, (_, i) => stored(`Policy ${i}`));
    const changes: ScanChanges = {
      previous,
      diff: { newFindings: many, resolved: [], persisting: 0 },
    };

    // Act
    const md = renderMarkdown(doc(), { changes });

    // Assert
    expect(md.match(/^\| new \|/gm)).toHaveLength(MAX_CHANGE_ROWS);
    expect(md).toContain('And 5 more.');
    expect(renderHtml(doc(), { changes })).toContain('<p>And 5 more.</p>');
  });
});
