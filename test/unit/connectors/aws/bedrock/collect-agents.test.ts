import {
  GetAgentActionGroupCommand,
  GetAgentCommand,
  ListAgentActionGroupsCommand,
  ListAgentAliasesCommand,
  ListAgentKnowledgeBasesCommand,
  ListAgentsCommand,
  ListTagsForResourceCommand as ListAgentTagsCommand,
} from '@aws-sdk/client-bedrock-agent';
import {
  GetAgentRuntimeCommand,
  GetGatewayCommand,
  GetGatewayTargetCommand,
  ListTagsForResourceCommand as ListAgentCoreTagsCommand,
  ListAgentRuntimeEndpointsCommand,
  ListAgentRuntimesCommand,
  ListGatewaysCommand,
  ListGatewayTargetsCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectAgents,
  isServiceAbsent,
  toGatewayTool,
} from '#connectors/aws/bedrock/collect-agents.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const AGENT_ARN = `arn:aws:bedrock:${REGION}:${ACCOUNT}:agent/AGENT00001`;
const CREATED = new Date('2026-03-04T05:06:07.000Z');

/** An error shaped like the SDK's service exceptions. */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

/** A DNS failure as Node reports it for a host that does not exist. */
function dnsFailure(host: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
}

describe('collectAgents', () => {
  let clients: AwsClients;
  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
  });
  afterEach(() => clients.destroy());

  /** AgentCore with no runtimes and no gateways in a region. */
  function emptyAgentCore(region: string) {
    const core = mockClient(clients.agentCore(region));
    core.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: [] });
    core.on(ListGatewaysCommand).resolves({ items: [] });
    return core;
  }

  it('reads a Bedrock agent with its role, model, action groups, knowledge bases, aliases and tags', async () => {
    // Arrange
    const bedrock = mockClient(clients.bedrockAgent(REGION));
    emptyAgentCore(REGION);
    bedrock.on(ListAgentsCommand).resolves({
      agentSummaries: [
        {
          agentId: 'AGENT00001',
          agentName: 'support',
          agentStatus: 'PREPARED',
          updatedAt: CREATED,
        },
      ],
    });
    bedrock.on(GetAgentCommand).resolves({
      agent: {
        agentId: 'AGENT00001',
        agentName: 'support',
        agentArn: AGENT_ARN,
        agentVersion: 'DRAFT',
        agentStatus: 'PREPARED',
        foundationModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        agentResourceRoleArn: `arn:aws:iam::${ACCOUNT}:role/AmazonBedrockExecutionRoleForAgents_support`,
        idleSessionTTLInSeconds: 600,
        createdAt: CREATED,
        updatedAt: CREATED,
        instruction: 'You are a helpful support agent.',
      },
    });
    bedrock.on(ListAgentActionGroupsCommand).resolves({
      actionGroupSummaries: [
        {
          actionGroupId: 'AG1',
          actionGroupName: 'refunds',
          actionGroupState: 'ENABLED',
          updatedAt: CREATED,
        },
        {
          actionGroupId: 'AG2',
          actionGroupName: 'ask-user',
          actionGroupState: 'ENABLED',
          updatedAt: CREATED,
        },
      ],
    });
    bedrock.on(GetAgentActionGroupCommand, { actionGroupId: 'AG1' }).resolves({
      agentActionGroup: {
        agentId: 'AGENT00001',
        agentVersion: 'DRAFT',
        actionGroupId: 'AG1',
        actionGroupName: 'refunds',
        actionGroupState: 'ENABLED',
        actionGroupExecutor: { lambda: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:refunds` },
        createdAt: CREATED,
        updatedAt: CREATED,
      },
    });
    bedrock.on(GetAgentActionGroupCommand, { actionGroupId: 'AG2' }).resolves({
      agentActionGroup: {
        agentId: 'AGENT00001',
        agentVersion: 'DRAFT',
        actionGroupId: 'AG2',
        actionGroupName: 'ask-user',
        actionGroupState: 'ENABLED',
        actionGroupExecutor: { customControl: 'RETURN_CONTROL' },
        createdAt: CREATED,
        updatedAt: CREATED,
      },
    });
    bedrock.on(ListAgentKnowledgeBasesCommand).resolves({
      agentKnowledgeBaseSummaries: [
        { knowledgeBaseId: 'KB00000001', knowledgeBaseState: 'ENABLED', updatedAt: CREATED },
      ],
    });
    bedrock.on(ListAgentAliasesCommand).resolves({
      agentAliasSummaries: [
        {
          agentAliasId: 'TSTALIASID',
          agentAliasName: 'AgentTestAlias',
          agentAliasStatus: 'PREPARED',
          createdAt: CREATED,
          updatedAt: CREATED,
        },
        {
          agentAliasId: 'PROD000001',
          agentAliasName: 'prod',
          agentAliasStatus: 'PREPARED',
          createdAt: CREATED,
          updatedAt: CREATED,
        },
      ],
    });
    bedrock.on(ListAgentTagsCommand).resolves({ tags: { owner: 'support-team' } });
    const gaps = new GapRecorder();
    // Act
    const agents = await collectAgents(clients, { accountId: ACCOUNT, regions: [REGION], gaps });
    // Assert
    expect(agents).toEqual([
      {
        kind: 'bedrock-agent',
        id: 'AGENT00001',
        arn: AGENT_ARN,
        name: 'support',
        accountId: ACCOUNT,
        region: REGION,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/AmazonBedrockExecutionRoleForAgents_support`,
        foundationModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        status: 'PREPARED',
        createdAt: '2026-03-04T05:06:07.000Z',
        tools: [
          {
            name: 'refunds',
            kind: 'action-group',
            lambdaArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:refunds`,
            state: 'ENABLED',
          },
          { name: 'ask-user', kind: 'action-group', state: 'ENABLED' },
          {
            name: 'KB00000001',
            kind: 'knowledge-base',
            arn: `arn:aws:bedrock:${REGION}:${ACCOUNT}:knowledge-base/KB00000001`,
            state: 'ENABLED',
          },
        ],
        aliases: [
          `arn:aws:bedrock:${REGION}:${ACCOUNT}:agent-alias/AGENT00001/TSTALIASID`,
          `arn:aws:bedrock:${REGION}:${ACCOUNT}:agent-alias/AGENT00001/PROD000001`,
        ],
        tags: { owner: 'support-team' },
      },
    ]);
    expect(gaps.gaps).toEqual([]);
    expect(bedrock.commandCalls(ListAgentActionGroupsCommand)[0]?.args[0].input).toEqual({
      agentId: 'AGENT00001',
      agentVersion: 'DRAFT',
    });
    expect(bedrock.commandCalls(ListAgentTagsCommand)[0]?.args[0].input).toEqual({
      resourceArn: AGENT_ARN,
    });
  });

  it('reads AgentCore runtimes and gateways with roles, endpoints and targets, keeping no runtime environment value', async () => {
    // Arrange
    const bedrock = mockClient(clients.bedrockAgent(REGION));
    bedrock.on(ListAgentsCommand).resolves({ agentSummaries: [] });
    const core = mockClient(clients.agentCore(REGION));
    const runtimeArn = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:runtime/rt-1`;
    const gatewayArn = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/gw-1`;
    core.on(ListAgentRuntimesCommand).resolves({
      agentRuntimes: [
        {
          agentRuntimeId: 'rt-1',
          agentRuntimeArn: runtimeArn,
          agentRuntimeName: 'planner',
          agentRuntimeVersion: '3',
          description: '',
          lastUpdatedAt: CREATED,
          status: 'READY',
        },
      ],
    });
    core.on(GetAgentRuntimeCommand).resolves({
      agentRuntimeArn: runtimeArn,
      agentRuntimeId: 'rt-1',
      agentRuntimeName: 'planner',
      agentRuntimeVersion: '3',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/planner-runtime`,
      status: 'READY',
      createdAt: CREATED,
      lastUpdatedAt: CREATED,
      environmentVariables: { OPENAI_API_KEY: 'sk-runtime-secret-value' },
    });
    core.on(ListAgentRuntimeEndpointsCommand).resolves({
      runtimeEndpoints: [
        {
          name: 'DEFAULT',
          id: 'ep-1',
          agentRuntimeEndpointArn: `${runtimeArn}/runtime-endpoint/DEFAULT`,
          agentRuntimeArn: runtimeArn,
          status: 'READY',
          createdAt: CREATED,
          lastUpdatedAt: CREATED,
        },
      ],
    });
    core.on(ListGatewaysCommand).resolves({
      items: [
        {
          gatewayId: 'gw-1',
          name: 'tools',
          status: 'READY',
          createdAt: CREATED,
          updatedAt: CREATED,
          authorizerType: 'AWS_IAM',
        },
      ],
    });
    core.on(GetGatewayCommand).resolves({
      gatewayArn,
      gatewayId: 'gw-1',
      name: 'tools',
      status: 'READY',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/tools-gateway`,
      createdAt: CREATED,
      updatedAt: CREATED,
      authorizerType: 'AWS_IAM',
    });
    core.on(ListGatewayTargetsCommand).resolves({
      items: [
        { targetId: 't-1', name: 'crm', status: 'READY', createdAt: CREATED, updatedAt: CREATED },
        { targetId: 't-2', name: 'docs', status: 'READY', createdAt: CREATED, updatedAt: CREATED },
      ],
    });
    core.on(GetGatewayTargetCommand, { targetId: 't-1' }).resolves({
      gatewayArn,
      targetId: 't-1',
      name: 'crm',
      status: 'READY',
      createdAt: CREATED,
      updatedAt: CREATED,
      credentialProviderConfigurations: [],
      targetConfiguration: {
        mcp: {
          lambda: {
            lambdaArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:crm-tool`,
            toolSchema: { inlinePayload: [] },
          },
        },
      },
    });
    core.on(GetGatewayTargetCommand, { targetId: 't-2' }).resolves({
      gatewayArn,
      targetId: 't-2',
      name: 'docs',
      status: 'READY',
      createdAt: CREATED,
      updatedAt: CREATED,
      credentialProviderConfigurations: [],
      targetConfiguration: { mcp: { mcpServer: { endpoint: 'https://mcp.example.com/mcp' } } },
    });
    core
      .on(ListAgentCoreTagsCommand, { resourceArn: runtimeArn })
      .resolves({ tags: { app: 'planner' } });
    core.on(ListAgentCoreTagsCommand, { resourceArn: gatewayArn }).resolves({ tags: {} });
    const gaps = new GapRecorder();
    // Act
    const agents = await collectAgents(clients, { accountId: ACCOUNT, regions: [REGION], gaps });
    // Assert
    expect(agents).toEqual([
      {
        kind: 'agentcore-runtime',
        id: 'rt-1',
        arn: runtimeArn,
        name: 'planner',
        accountId: ACCOUNT,
        region: REGION,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/planner-runtime`,
        status: 'READY',
        createdAt: '2026-03-04T05:06:07.000Z',
        tools: [],
        aliases: [`${runtimeArn}/runtime-endpoint/DEFAULT`],
        tags: { app: 'planner' },
      },
      {
        kind: 'agentcore-gateway',
        id: 'gw-1',
        arn: gatewayArn,
        name: 'tools',
        accountId: ACCOUNT,
        region: REGION,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/tools-gateway`,
        status: 'READY',
        createdAt: '2026-03-04T05:06:07.000Z',
        tools: [
          {
            name: 'crm',
            kind: 'gateway-target',
            lambdaArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:crm-tool`,
            state: 'READY',
          },
          {
            name: 'docs',
            kind: 'gateway-target',
            endpoint: 'https://mcp.example.com/mcp',
            state: 'READY',
          },
        ],
        aliases: [],
        tags: {},
      },
    ]);
    expect(JSON.stringify(agents)).not.toContain('sk-runtime-secret-value');
    expect(gaps.gaps).toEqual([]);
  });

  it('records unsupported gaps for a region where Bedrock and AgentCore are not offered', async () => {
    // Arrange
    const bedrockEast = mockClient(clients.bedrockAgent(REGION));
    bedrockEast.on(ListAgentsCommand).resolves({ agentSummaries: [] });
    emptyAgentCore(REGION);
    const bedrockFar = mockClient(clients.bedrockAgent('af-south-1'));
    bedrockFar
      .on(ListAgentsCommand)
      .rejects(
        awsError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        ),
      );
    const coreFar = mockClient(clients.agentCore('af-south-1'));
    coreFar
      .on(ListAgentRuntimesCommand)
      .rejects(dnsFailure('bedrock-agentcore-control.af-south-1.amazonaws.com'));
    coreFar
      .on(ListGatewaysCommand)
      .rejects(dnsFailure('bedrock-agentcore-control.af-south-1.amazonaws.com'));
    const gaps = new GapRecorder();
    // Act
    const agents = await collectAgents(clients, {
      accountId: ACCOUNT,
      regions: [REGION, 'af-south-1'],
      gaps,
    });
    // Assert
    expect(agents).toEqual([]);
    expect(gaps.gaps.map((g) => [g.api, g.region, g.reason])).toEqual([
      ['bedrock-agentcore:ListAgentRuntimes', 'af-south-1', 'unsupported'],
      ['bedrock-agentcore:ListGateways', 'af-south-1', 'unsupported'],
      ['bedrock:ListAgents', 'af-south-1', 'unsupported'],
    ]);
  });

  it('records an access-denied gap in one region and collects the other', async () => {
    // Arrange
    const east = mockClient(clients.bedrockAgent(REGION));
    east
      .on(ListAgentsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: bedrock:ListAgents'));
    emptyAgentCore(REGION);
    const west = mockClient(clients.bedrockAgent('us-west-2'));
    west.on(ListAgentsCommand).resolves({
      agentSummaries: [
        { agentId: 'W1', agentName: 'west', agentStatus: 'NOT_PREPARED', updatedAt: CREATED },
      ],
    });
    west.on(GetAgentCommand).rejects(awsError('AccessDeniedException'));
    west.on(ListAgentActionGroupsCommand).resolves({ actionGroupSummaries: [] });
    west.on(ListAgentKnowledgeBasesCommand).resolves({ agentKnowledgeBaseSummaries: [] });
    west.on(ListAgentAliasesCommand).resolves({ agentAliasSummaries: [] });
    west.on(ListAgentTagsCommand).resolves({});
    emptyAgentCore('us-west-2');
    const gaps = new GapRecorder();
    // Act
    const agents = await collectAgents(clients, {
      accountId: ACCOUNT,
      regions: [REGION, 'us-west-2'],
      gaps,
    });
    // Assert
    expect(agents).toEqual([
      {
        kind: 'bedrock-agent',
        id: 'W1',
        arn: `arn:aws:bedrock:us-west-2:${ACCOUNT}:agent/W1`,
        name: 'west',
        accountId: ACCOUNT,
        region: 'us-west-2',
        status: 'NOT_PREPARED',
        tools: [],
        aliases: [],
        tags: {},
      },
    ]);
    expect(gaps.gaps.map((g) => [g.api, g.region, g.reason])).toEqual([
      ['bedrock:ListAgents', REGION, 'access-denied'],
      ['bedrock:GetAgent', 'us-west-2', 'access-denied'],
    ]);
  });

  it('follows nextToken through agent, action group and gateway target pages', async () => {
    // Arrange
    const bedrock = mockClient(clients.bedrockAgent(REGION));
    const agentPages: Record<string, object> = {
      '': {
        agentSummaries: [
          { agentId: 'A1', agentName: 'one', agentStatus: 'PREPARED', updatedAt: CREATED },
        ],
        nextToken: 't1',
      },
      t1: {
        agentSummaries: [
          { agentId: 'A2', agentName: 'two', agentStatus: 'PREPARED', updatedAt: CREATED },
        ],
      },
    };
    bedrock
      .on(ListAgentsCommand)
      .callsFake((input: { nextToken?: string }) => agentPages[input.nextToken ?? '']);
    bedrock.on(GetAgentCommand).callsFake((input: { agentId: string }) => ({
      agent: {
        agentId: input.agentId,
        agentName: input.agentId,
        agentArn: `arn:aws:bedrock:${REGION}:${ACCOUNT}:agent/${input.agentId}`,
        agentVersion: 'DRAFT',
        agentStatus: 'PREPARED',
        idleSessionTTLInSeconds: 600,
        agentResourceRoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
        createdAt: CREATED,
        updatedAt: CREATED,
      },
    }));
    bedrock
      .on(ListAgentActionGroupsCommand)
      .callsFake((input: { agentId: string; nextToken?: string }) =>
        input.nextToken
          ? {
              actionGroupSummaries: [
                {
                  actionGroupId: `${input.agentId}-g2`,
                  actionGroupName: 'g2',
                  actionGroupState: 'ENABLED',
                  updatedAt: CREATED,
                },
              ],
            }
          : {
              actionGroupSummaries: [
                {
                  actionGroupId: `${input.agentId}-g1`,
                  actionGroupName: 'g1',
                  actionGroupState: 'ENABLED',
                  updatedAt: CREATED,
                },
              ],
              nextToken: 'g',
            },
      );
    bedrock.on(GetAgentActionGroupCommand).rejects(awsError('AccessDeniedException'));
    bedrock.on(ListAgentKnowledgeBasesCommand).resolves({ agentKnowledgeBaseSummaries: [] });
    bedrock.on(ListAgentAliasesCommand).resolves({ agentAliasSummaries: [] });
    bedrock.on(ListAgentTagsCommand).resolves({ tags: {} });
    const core = mockClient(clients.agentCore(REGION));
    core.on(ListAgentRuntimesCommand).resolves({ agentRuntimes: [] });
    core.on(ListGatewaysCommand).resolves({
      items: [
        {
          gatewayId: 'gw',
          name: 'gw',
          status: 'READY',
          createdAt: CREATED,
          updatedAt: CREATED,
          authorizerType: 'CUSTOM_JWT',
        },
      ],
    });
    core.on(GetGatewayCommand).rejects(awsError('AccessDeniedException'));
    core.on(ListGatewayTargetsCommand).callsFake((input: { nextToken?: string }) =>
      input.nextToken
        ? {
            items: [
              {
                targetId: 't2',
                name: 'two',
                status: 'READY',
                createdAt: CREATED,
                updatedAt: CREATED,
              },
            ],
          }
        : {
            items: [
              {
                targetId: 't1',
                name: 'one',
                status: 'READY',
                createdAt: CREATED,
                updatedAt: CREATED,
              },
            ],
            nextToken: 'n',
          },
    );
    core.on(GetGatewayTargetCommand).rejects(awsError('AccessDeniedException'));
    core.on(ListAgentCoreTagsCommand).resolves({ tags: {} });
    const gaps = new GapRecorder();
    // Act
    const agents = await collectAgents(clients, { accountId: ACCOUNT, regions: [REGION], gaps });
    // Assert
    expect(agents.map((a) => [a.kind, a.id, a.tools.map((t) => t.name)])).toEqual([
      ['bedrock-agent', 'A1', ['g1', 'g2']],
      ['bedrock-agent', 'A2', ['g1', 'g2']],
      ['agentcore-gateway', 'gw', ['one', 'two']],
    ]);
    // GetGateway was denied: the ARN is built in the documented format.
    expect(agents[2]?.arn).toBe(`arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:gateway/gw`);
    expect(gaps.gaps.map((g) => [g.api, g.reason])).toEqual([
      ['bedrock-agentcore:GetGateway', 'access-denied'],
      ['bedrock-agentcore:GetGatewayTarget', 'access-denied'],
      ['bedrock:GetAgentActionGroup', 'access-denied'],
    ]);
    expect(gaps.gaps[2]?.detail).toMatch(/and 3 more calls/);
  });

  it('fails loudly when a listing fails for another reason', async () => {
    // Arrange
    const bedrock = mockClient(clients.bedrockAgent(REGION));
    bedrock.on(ListAgentsCommand).rejects(awsError('ValidationException', 'bad request'));
    emptyAgentCore(REGION);
    // Act
    const run = collectAgents(clients, {
      accountId: ACCOUNT,
      regions: [REGION],
      gaps: new GapRecorder(),
    });
    // Assert
    await expect(run).rejects.toThrow(ConnectorError);
  });
});

describe('toGatewayTool', () => {
  const where = { partition: 'aws', region: REGION };

  it('names the runtime ARN of an HTTP AgentCore-runtime target and the endpoint of a passthrough', () => {
    // Act
    const runtime = toGatewayTool(
      'rt',
      'READY',
      { http: { agentcoreRuntime: { arn: 'arn:rt' } } },
      where,
    );
    const passthrough = toGatewayTool(
      'pt',
      undefined,
      {
        http: { passthrough: { endpoint: 'https://api.example.com', protocolType: 'MCP' } },
      } as never,
      where,
    );
    // Assert
    expect(runtime).toEqual({ name: 'rt', kind: 'gateway-target', arn: 'arn:rt', state: 'READY' });
    expect(passthrough).toEqual({
      name: 'pt',
      kind: 'gateway-target',
      endpoint: 'https://api.example.com',
    });
  });

  it('names the API Gateway stage of an API Gateway target and nothing for a schema-only target', () => {
    // Act
    const apiGateway = toGatewayTool(
      'api',
      'READY',
      {
        mcp: {
          apiGateway: {
            restApiId: 'abc123',
            stage: 'prod',
            apiGatewayToolConfiguration: { toolFilters: [] },
          },
        },
      },
      where,
    );
    const openApi = toGatewayTool(
      'oa',
      'READY',
      { mcp: { openApiSchema: { inlinePayload: '{}' } } },
      where,
    );
    // Assert
    expect(apiGateway.arn).toBe('arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod');
    expect(openApi).toEqual({ name: 'oa', kind: 'gateway-target', state: 'READY' });
  });
});

describe('isServiceAbsent', () => {
  it('recognises DNS failures, UnknownEndpoint and UnrecognizedClientException but not denials', () => {
    // Act + Assert
    expect(isServiceAbsent(dnsFailure('x'))).toBe(true);
    expect(isServiceAbsent(awsError('UnknownEndpoint'))).toBe(true);
    expect(isServiceAbsent(awsError('UnrecognizedClientException'))).toBe(true);
    expect(isServiceAbsent(awsError('AccessDeniedException'))).toBe(false);
  });
});
