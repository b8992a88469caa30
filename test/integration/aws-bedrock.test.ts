/**
 * The agent collector against moto through the real SDK v3 clients.
 *
 * moto 5.2.5 serves AgentCore control (runtimes, runtime endpoints, gateways, targets, tags), so
 * AgentCore is covered end to end here. Its Bedrock Agents backend answers dates as epoch
 * numbers, which SDK v3 rejects ("RFC-3339 date-times must be expressed as strings"), and has no
 * action groups, knowledge-base associations or aliases: Bedrock Agents are covered by the
 * aws-sdk-client-mock tests in test/unit/connectors/aws/bedrock. Here moto's empty ListAgents
 * answer only shows that a region without agents adds nothing.
 */
import {
  CreateAgentRuntimeCommand,
  CreateAgentRuntimeEndpointCommand,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { collectAgents } from '#connectors/aws/bedrock/collect-agents.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const endpoint = inject('motoEndpoint');
const ACCOUNT = '123456789012'; // moto's default account
const SECRET = 'runtime-env-secret-value-7';

describe('collectAgents against moto', () => {
  let clients: AwsClients;
  beforeEach(async () => {
    await resetMoto(endpoint);
    clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
  });
  afterEach(() => clients.destroy());

  it('inventories AgentCore runtimes and gateways in two regions with roles, endpoints, targets and tags', async () => {
    // Arrange
    const east = clients.agentCore('us-east-1');
    const west = clients.agentCore('us-west-2');
    const runtimeRole = `arn:aws:iam::${ACCOUNT}:role/planner-runtime`;
    const planner = await east.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: 'planner',
        agentRuntimeArtifact: {
          containerConfiguration: {
            containerUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/planner:1`,
          },
        },
        roleArn: runtimeRole,
        networkConfiguration: { networkMode: 'PUBLIC' },
        environmentVariables: { MODEL_API_KEY: SECRET },
        tags: { app: 'planner' },
      }),
    );
    const endpointOut = await east.send(
      new CreateAgentRuntimeEndpointCommand({
        agentRuntimeId: planner.agentRuntimeId,
        name: 'prod',
      }),
    );
    const gateway = await east.send(
      new CreateGatewayCommand({
        name: 'tools',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/tools-gateway`,
        protocolType: 'MCP',
        authorizerType: 'AWS_IAM',
        tags: { team: 'platform' },
      }),
    );
    await east.send(
      new CreateGatewayTargetCommand({
        gatewayIdentifier: gateway.gatewayId,
        name: 'crm',
        targetConfiguration: {
          mcp: {
            lambda: {
              lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:crm-tool`,
              toolSchema: {
                inlinePayload: [
                  {
                    name: 'lookup',
                    description: 'Find a customer',
                    inputSchema: { type: 'object' },
                  },
                ],
              },
            },
          },
        },
        credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
      }),
    );
    await east.send(
      new CreateGatewayTargetCommand({
        gatewayIdentifier: gateway.gatewayId,
        name: 'docs',
        targetConfiguration: { mcp: { mcpServer: { endpoint: 'https://mcp.example.com/mcp' } } },
      }),
    );
    const reviewer = await west.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: 'reviewer',
        agentRuntimeArtifact: {
          containerConfiguration: {
            containerUri: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/reviewer:1`,
          },
        },
        roleArn: `arn:aws:iam::${ACCOUNT}:role/reviewer-runtime`,
        networkConfiguration: { networkMode: 'PUBLIC' },
      }),
    );
    const gaps = new GapRecorder();
    // Act
    const agents = await collectAgents(clients, {
      accountId: ACCOUNT,
      regions: ['us-east-1', 'us-west-2'],
      gaps,
    });
    // Assert
    expect(gaps.gaps).toEqual([]);
    expect(agents).toEqual([
      {
        kind: 'agentcore-runtime',
        id: planner.agentRuntimeId,
        arn: planner.agentRuntimeArn,
        name: 'planner',
        accountId: ACCOUNT,
        region: 'us-east-1',
        roleArn: runtimeRole,
        status: 'READY',
        createdAt: planner.createdAt?.toISOString(),
        tools: [],
        aliases: [endpointOut.agentRuntimeEndpointArn],
        tags: { app: 'planner' },
      },
      {
        kind: 'agentcore-gateway',
        id: gateway.gatewayId,
        arn: gateway.gatewayArn,
        name: 'tools',
        accountId: ACCOUNT,
        region: 'us-east-1',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/tools-gateway`,
        status: 'READY',
        createdAt: gateway.createdAt?.toISOString(),
        tools: [
          {
            name: 'crm',
            kind: 'gateway-target',
            lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:crm-tool`,
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
        tags: { team: 'platform' },
      },
      {
        kind: 'agentcore-runtime',
        id: reviewer.agentRuntimeId,
        arn: reviewer.agentRuntimeArn,
        name: 'reviewer',
        accountId: ACCOUNT,
        region: 'us-west-2',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/reviewer-runtime`,
        status: 'READY',
        createdAt: reviewer.createdAt?.toISOString(),
        tools: [],
        aliases: [],
        tags: {},
      },
    ]);
    expect(JSON.stringify(agents)).not.toContain(SECRET);
  });
});
