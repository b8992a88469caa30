import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { trusts } from '#core/engine/agent-graph.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import type { AgentInfo, LambdaFunctionInfo } from '#core/iam/inventory.ts';
import { GrantCalculator } from '#core/policy/effective.ts';
import { ActionMatcher } from '#core/policy/match.ts';
import { allowsOn, arnPattern } from '#core/policy/resource-match.ts';
import {
  ACCOUNT,
  aDocument,
  anInventory,
  aRecord,
  aRole,
  asRole,
  IN_WINDOW,
  roleArn,
  trustPolicy,
  WINDOW,
} from '#test/helpers/builders.ts';

let catalog: ActionCatalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

function aFunction(name: string, role: string): LambdaFunctionInfo {
  return {
    arn: fnArn(name),
    name,
    accountId: ACCOUNT,
    region: 'us-east-1',
    roleArn: role,
    environmentVariableNames: [],
    layers: [],
    invokers: [],
    functionUrls: [],
    eventSources: [],
    tags: {},
  };
}

describe('resource matching', () => {
  it('matches ARNs case-sensitively, with wildcards and policy variables', () => {
    expect(arnPattern('arn:aws:lambda:*:*:function:tool-*').test(fnArn('tool-search'))).toBe(true);
    expect(arnPattern('arn:aws:lambda:*:*:function:Tool-*').test(fnArn('tool-search'))).toBe(false);
    // An IAM policy variable, written as IAM writes it (not a template placeholder).
    const variable = ['arn:aws:iam::*:role/$', '{aws:username}'].join('');
    expect(arnPattern(variable).test(roleArn('anyone'))).toBe(true);
  });

  it('says whether a grant allows an action on one resource, and when only under a condition', () => {
    // Arrange
    const calc = new GrantCalculator(new ActionMatcher(catalog));
    const grant = calc.compute([
      {
        kind: 'inline',
        name: 'p',
        document: aDocument(
          { actions: ['lambda:InvokeFunction'], resources: [fnArn('tool-*')] },
          {
            actions: ['lambda:InvokeFunction'],
            resources: [fnArn('cond')],
            condition: { Bool: { 'aws:SecureTransport': 'true' } },
          },
          { actions: ['lambda:InvokeFunction'], notResources: [fnArn('tool-*'), fnArn('cond')] },
        ),
      },
    ]);
    const invoke = catalog.idOf('lambda:InvokeFunction')!;
    // Act + Assert
    expect(allowsOn(grant, invoke, fnArn('tool-search'))).toBe('yes');
    expect(allowsOn(grant, invoke, fnArn('cond'))).toBe('conditional');
    expect(allowsOn(grant, invoke, fnArn('other'))).toBe('yes');
    expect(allowsOn(grant, catalog.idOf('s3:GetObject')!, fnArn('tool-search'))).toBe('no');
  });

  it('reads trust policies: the principal itself, its account root, conditions', () => {
    const agent = roleArn('agent');
    expect(trusts(aRole({ trustPolicy: trustPolicy({ AWS: agent }) }), agent)).toBe('yes');
    expect(
      trusts(aRole({ trustPolicy: trustPolicy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) }), agent),
    ).toBe('yes');
    expect(
      trusts(aRole({ trustPolicy: trustPolicy({ Service: 'lambda.amazonaws.com' }) }), agent),
    ).toBe('no');
    expect(
      trusts(
        aRole({
          trustPolicy: aDocument({
            actions: ['sts:AssumeRole'],
            resources: undefined,
            principal: { AWS: agent },
            condition: { StringEquals: { 'sts:ExternalId': 'x' } },
          }),
        }),
        agent,
      ),
    ).toBe('conditional');
  });
});

describe('the agent graph', () => {
  function scenario() {
    const agentRole = aRole({
      name: 'agent',
      trustPolicy: trustPolicy({ Service: 'bedrock.amazonaws.com' }),
      inlinePolicies: [
        {
          name: 'agent',
          document: aDocument(
            { actions: ['bedrock:InvokeModel'], resources: ['*'] },
            { actions: ['lambda:InvokeFunction'], resources: [fnArn('tool-*')] },
            { actions: ['sts:AssumeRole'], resources: [roleArn('ops')] },
          ),
        },
      ],
    });
    const toolRole = aRole({
      name: 'tool-role',
      inlinePolicies: [
        {
          name: 't',
          document: aDocument({ actions: ['iam:PutRolePolicy', 's3:GetObject'], resources: ['*'] }),
        },
      ],
    });
    const opsRole = aRole({
      name: 'ops',
      trustPolicy: trustPolicy({ AWS: agentRole.arn }),
      inlinePolicies: [
        {
          name: 'o',
          document: aDocument({ actions: ['ec2:TerminateInstances'], resources: ['*'] }),
        },
      ],
    });
    const untrusted = aRole({
      name: 'untrusted',
      inlinePolicies: [
        { name: 'u', document: aDocument({ actions: ['kms:Decrypt'], resources: ['*'] }) },
      ],
    });
    const agent: AgentInfo = {
      kind: 'bedrock-agent',
      id: 'AGENT1',
      arn: `arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/AGENT1`,
      name: 'support',
      accountId: ACCOUNT,
      region: 'us-east-1',
      roleArn: agentRole.arn,
      foundationModel: 'anthropic.claude',
      tools: [{ name: 'lookup', kind: 'action-group', lambdaArn: fnArn('tool-lookup') }],
      aliases: ['live'],
      tags: { owner: 'alice@example.com' },
    };
    const inventory = anInventory({
      roles: [agentRole, toolRole, opsRole, untrusted],
      functions: [aFunction('tool-lookup', toolRole.arn), aFunction('billing', untrusted.arn)],
      agents: [agent],
    });
    const usage = new UsageAggregator(catalog, WINDOW);
    usage.add(
      aRecord({
        eventTime: IN_WINDOW,
        eventSource: 'bedrock.amazonaws.com',
        eventName: 'CreateAgent',
        eventID: 'evt-1',
        userIdentity: asRole(roleArn('ci')),
        requestParameters: { agentResourceRoleArn: agentRole.arn },
        responseElements: { agent: { agentArn: agent.arn } },
      }),
      'f',
      0,
    );
    return { inventory, usage, agentRole, toolRole, opsRole };
  }

  it('lists configured and granted tools, never an untrusted role or an unmatched function', () => {
    // Arrange
    const { inventory, usage, agentRole, toolRole, opsRole } = scenario();
    // Act
    const doc = analyzeAccount({
      inventory,
      usage,
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 't',
    });
    // Assert
    const agent = doc.identities.find((i) => i.id === agentRole.arn)!;
    expect(agent.class).toBe('ai-agent');
    const tools = agent.links.tools.map((t) => `${t.kind}|${t.arn}|${t.reach}`);
    expect(tools).toContain(`lambda-function|${fnArn('tool-lookup')}|configured`);
    expect(tools).toContain(`lambda-function|${fnArn('tool-lookup')}|granted`);
    expect(tools).toContain(`role|${opsRole.arn}|granted`);
    expect(tools.some((t) => t.includes('billing') || t.includes('untrusted'))).toBe(false);
    expect(agent.links.tools.find((t) => t.arn === fnArn('tool-lookup'))!.roleArn).toBe(
      toolRole.arn,
    );
    expect(doc.agents[0]!.createdBy).toEqual([
      expect.objectContaining({ arn: roleArn('ci'), eventIds: ['evt-1'] }),
    ]);
    expect(doc.agents[0]!.tools[0]!.functionRoleArn).toBe(toolRole.arn);
  });

  it('raises LP-AI-002 when a tool holds more than the agent, high when it can manage permissions', () => {
    // Arrange
    const { inventory, usage, agentRole } = scenario();
    // Act
    const doc = analyzeAccount({
      inventory,
      usage,
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 't',
    });
    // Assert
    const f = doc.identities
      .find((i) => i.id === agentRole.arn)!
      .findings.find((x) => x.ruleId === 'LP-AI-002')!;
    expect(f.severity).toBe('high');
    const rows = (f.evidence as { tools: { role: string; sample: string[] }[] }).tools;
    expect(rows.map((r) => r.role).sort()).toEqual([roleArn('ops'), roleArn('tool-role')].sort());
    expect(rows.flatMap((r) => r.sample)).toContain('iam:PutRolePolicy');
  });

  it('raises nothing when the tools hold no more than the agent', () => {
    // Arrange
    const role = aRole({
      name: 'agent',
      trustPolicy: trustPolicy({ Service: 'bedrock.amazonaws.com' }),
      inlinePolicies: [
        {
          name: 'a',
          document: aDocument({
            actions: ['lambda:InvokeFunction', 's3:GetObject'],
            resources: ['*'],
          }),
        },
      ],
    });
    const tool = aRole({
      name: 'tool',
      inlinePolicies: [
        { name: 't', document: aDocument({ actions: ['s3:GetObject'], resources: ['*'] }) },
      ],
    });
    const inventory = anInventory({ roles: [role, tool], functions: [aFunction('t', tool.arn)] });
    // Act
    const doc = analyzeAccount({
      inventory,
      usage: new UsageAggregator(catalog, WINDOW),
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 't',
    });
    // Assert
    expect(
      doc.identities.find((i) => i.id === role.arn)!.findings.map((f) => f.ruleId),
    ).not.toContain('LP-AI-002');
  });
});

describe('CloudFormation attribution', () => {
  it('ties a stack-made role to whoever ran the stack operation, with the proving event', () => {
    // Arrange
    const role = aRole({ name: 'stack-made', tags: { 'aws:cloudformation:stack-name': 'agents' } });
    const inventory = anInventory({ roles: [role] });
    const usage = new UsageAggregator(catalog, WINDOW);
    usage.add(
      aRecord({
        eventTime: IN_WINDOW,
        eventSource: 'cloudformation.amazonaws.com',
        eventName: 'UpdateStack',
        eventID: 'evt-stack',
        userIdentity: asRole(roleArn('ci'), {
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: roleArn('ci'), accountId: ACCOUNT },
            sourceIdentity: 'alice',
          },
        }),
        requestParameters: {
          stackName: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/agents/1234`,
        },
      }),
      'f',
      0,
    );
    // Act
    const doc = analyzeAccount({
      inventory,
      usage,
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 't',
    });
    // Assert
    const edges = doc.identities.find((i) => i.id === role.arn)!.links.deployedBy;
    expect(edges).toEqual([
      expect.objectContaining({
        arn: roleArn('ci'),
        via: 'UpdateStack of stack agents',
        eventIds: ['evt-stack'],
        sourceIdentities: ['alice'],
      }),
    ]);
  });

  it('says nothing about a resource whose stack no event in the window touched', () => {
    const role = aRole({ name: 'stack-made', tags: { 'aws:cloudformation:stack-name': 'quiet' } });
    const doc = analyzeAccount({
      inventory: anInventory({ roles: [role] }),
      usage: new UsageAggregator(catalog, WINDOW),
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 't',
    });
    expect(doc.identities[0]!.links.deployedBy).toEqual([]);
  });
});
