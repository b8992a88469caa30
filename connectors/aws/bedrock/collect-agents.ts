/**
 * Inventories the AI agents of an account: Bedrock Agents (role, model, action groups with the
 * Lambda behind each, knowledge bases, aliases) and Bedrock AgentCore runtimes and gateways (role,
 * gateway targets with the Lambda or MCP endpoint behind each). A region where a service is not
 * offered is an `unsupported` coverage gap, not a failure.
 */
import {
  type BedrockAgentClient,
  GetAgentActionGroupCommand,
  GetAgentCommand,
  ListTagsForResourceCommand as ListAgentTagsCommand,
  paginateListAgentActionGroups,
  paginateListAgentAliases,
  paginateListAgentKnowledgeBases,
  paginateListAgents,
} from '@aws-sdk/client-bedrock-agent';
import {
  type BedrockAgentCoreControlClient,
  GetAgentRuntimeCommand,
  GetGatewayCommand,
  GetGatewayTargetCommand,
  ListTagsForResourceCommand as ListAgentCoreTagsCommand,
  paginateListAgentRuntimeEndpoints,
  paginateListAgentRuntimes,
  paginateListGateways,
  paginateListGatewayTargets,
  type TargetConfiguration,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { forEachRegion, partitionOf } from '#connectors/aws/regions.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { classifyError, describeError, errorName } from '#connectors/shared/errors.ts';
import { mapLimit } from '#connectors/shared/limit.ts';
import type { AgentInfo } from '#core/iam/inventory.ts';

/** Options of {@link collectAgents}. */
export interface CollectAgentsOptions {
  accountId: string;
  regions: readonly string[];
  gaps: GapRecorder;
  /** Agents, runtimes or gateways read at once per region and service (default 4). */
  concurrency?: number;
}

type Tool = AgentInfo['tools'][number];

interface RegionContext {
  accountId: string;
  region: string;
  partition: string;
  gaps: GapRecorder;
  concurrency: number;
}

/**
 * The agent version whose action groups and knowledge bases are read. `DRAFT` is the working
 * copy every agent has; aliases route to numbered versions, snapshots of an earlier DRAFT.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/agents-deploy.html
 */
export const AGENT_VERSION = 'DRAFT';

/**
 * Lists the Bedrock agents, AgentCore runtimes and AgentCore gateways in the given regions.
 * Per region each service is tried on its own: one that is not offered there (DNS failure,
 * `UnknownEndpoint`, or `UnrecognizedClientException` on its first call) is an `unsupported`
 * gap, a denied call an `access-denied` gap, and the fields it would have filled stay empty.
 *
 * Calls: `bedrock:ListAgents`, `bedrock:GetAgent`, `bedrock:ListAgentActionGroups`,
 * `bedrock:GetAgentActionGroup`, `bedrock:ListAgentKnowledgeBases`, `bedrock:ListAgentAliases`,
 * `bedrock:ListTagsForResource`, `bedrock-agentcore:ListAgentRuntimes`,
 * `bedrock-agentcore:GetAgentRuntime`, `bedrock-agentcore:ListAgentRuntimeEndpoints`,
 * `bedrock-agentcore:ListGateways`, `bedrock-agentcore:GetGateway`,
 * `bedrock-agentcore:ListGatewayTargets`, `bedrock-agentcore:GetGatewayTarget`,
 * `bedrock-agentcore:ListTagsForResource`.
 *
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_Operations_Agents_for_Amazon_Bedrock.html
 * @see https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/Welcome.html
 * @throws ConnectorError when a call fails for a reason other than access denied or unsupported
 */
export async function collectAgents(
  clients: AwsClients,
  options: CollectAgentsOptions,
): Promise<AgentInfo[]> {
  const { accountId, regions, gaps, concurrency = 4 } = options;
  return forEachRegion(regions, gaps, async (region, regionGaps) => {
    const ctx: RegionContext = {
      accountId,
      region,
      partition: partitionOf(region),
      gaps: regionGaps,
      concurrency,
    };
    const [agents, runtimes, gateways] = await Promise.all([
      collectBedrockAgents(clients.bedrockAgent(region), ctx),
      collectRuntimes(clients.agentCore(region), ctx),
      collectGateways(clients.agentCore(region), ctx),
    ]);
    return [...agents, ...runtimes, ...gateways];
  });
}

// --- Bedrock Agents ------------------------------------------------------------------------

async function collectBedrockAgents(
  client: BedrockAgentClient,
  ctx: RegionContext,
): Promise<AgentInfo[]> {
  const summaries = await listOrUnsupported(ctx, 'bedrock:ListAgents', async () => {
    const out: { id: string; name?: string; status?: string }[] = [];
    for await (const page of paginateListAgents({ client }, {})) {
      for (const a of page.agentSummaries ?? []) {
        if (a.agentId) out.push({ id: a.agentId, name: a.agentName, status: a.agentStatus });
      }
    }
    return out;
  });
  if (!summaries) return [];
  return mapLimit(summaries, ctx.concurrency, (s) => describeBedrockAgent(client, s, ctx));
}

async function describeBedrockAgent(
  client: BedrockAgentClient,
  summary: { id: string; name?: string; status?: string },
  ctx: RegionContext,
): Promise<AgentInfo> {
  const agentId = summary.id;
  const where = { account: ctx.accountId, region: ctx.region };
  const agent = await ctx.gaps.guard('bedrock:GetAgent', where, async () => {
    const out = await client.send(new GetAgentCommand({ agentId }));
    return out.agent;
  });
  // ListAgents has no ARN; the documented format is used when GetAgent is denied.
  const arn = agent?.agentArn ?? `${arnPrefix(ctx, 'bedrock')}:agent/${agentId}`;
  const [actionGroups, knowledgeBases, aliases, tags] = await Promise.all([
    listActionGroups(client, agentId, ctx),
    ctx.gaps.guard('bedrock:ListAgentKnowledgeBases', where, async () => {
      const out: Tool[] = [];
      const input = { agentId, agentVersion: AGENT_VERSION };
      for await (const page of paginateListAgentKnowledgeBases({ client }, input)) {
        for (const kb of page.agentKnowledgeBaseSummaries ?? []) {
          if (!kb.knowledgeBaseId) continue;
          out.push({
            name: kb.knowledgeBaseId,
            kind: 'knowledge-base',
            arn: `${arnPrefix(ctx, 'bedrock')}:knowledge-base/${kb.knowledgeBaseId}`,
            ...(kb.knowledgeBaseState ? { state: kb.knowledgeBaseState } : {}),
          });
        }
      }
      return out;
    }),
    ctx.gaps.guard('bedrock:ListAgentAliases', where, async () => {
      const out: string[] = [];
      for await (const page of paginateListAgentAliases({ client }, { agentId })) {
        for (const a of page.agentAliasSummaries ?? []) {
          // The summary has no ARN; this is the agent-alias ARN format InvokeAgent is logged with.
          if (a.agentAliasId)
            out.push(`${arnPrefix(ctx, 'bedrock')}:agent-alias/${agentId}/${a.agentAliasId}`);
        }
      }
      return out;
    }),
    ctx.gaps.guard('bedrock:ListTagsForResource', where, async () => {
      const out = await client.send(new ListAgentTagsCommand({ resourceArn: arn }));
      return out.tags ?? {};
    }),
  ]);
  const status = agent?.agentStatus ?? summary.status;
  const name = agent?.agentName ?? summary.name ?? agentId;
  return {
    kind: 'bedrock-agent',
    id: agentId,
    arn,
    name,
    accountId: ctx.accountId,
    region: ctx.region,
    ...(agent?.agentResourceRoleArn ? { roleArn: agent.agentResourceRoleArn } : {}),
    ...(agent?.foundationModel ? { foundationModel: agent.foundationModel } : {}),
    ...(status ? { status } : {}),
    ...(agent?.createdAt ? { createdAt: agent.createdAt.toISOString() } : {}),
    tools: [...(actionGroups ?? []), ...(knowledgeBases ?? [])],
    aliases: aliases ?? [],
    tags: tags ?? {},
  };
}

/** Action groups of an agent's DRAFT version, each with the Lambda that executes it. */
async function listActionGroups(
  client: BedrockAgentClient,
  agentId: string,
  ctx: RegionContext,
): Promise<Tool[] | undefined> {
  const where = { account: ctx.accountId, region: ctx.region };
  const summaries = await ctx.gaps.guard('bedrock:ListAgentActionGroups', where, async () => {
    const out: { id: string; name: string; state?: string }[] = [];
    const input = { agentId, agentVersion: AGENT_VERSION };
    for await (const page of paginateListAgentActionGroups({ client }, input)) {
      for (const g of page.actionGroupSummaries ?? []) {
        if (g.actionGroupId)
          out.push({
            id: g.actionGroupId,
            name: g.actionGroupName ?? g.actionGroupId,
            state: g.actionGroupState,
          });
      }
    }
    return out;
  });
  if (!summaries) return undefined;
  const tools: Tool[] = [];
  // Sequential: an agent has a handful of action groups, and agents already run in parallel.
  for (const s of summaries) {
    const group = await ctx.gaps.guard('bedrock:GetAgentActionGroup', where, async () => {
      const out = await client.send(
        new GetAgentActionGroupCommand({
          agentId,
          agentVersion: AGENT_VERSION,
          actionGroupId: s.id,
        }),
      );
      return out.agentActionGroup;
    });
    // `customControl: RETURN_CONTROL` hands the call back to the application: no Lambda.
    const lambdaArn = group?.actionGroupExecutor?.lambda;
    const state = group?.actionGroupState ?? s.state;
    tools.push({
      name: s.name,
      kind: 'action-group',
      ...(lambdaArn ? { lambdaArn } : {}),
      ...(state ? { state } : {}),
    });
  }
  return tools;
}

// --- AgentCore runtimes ----------------------------------------------------------------------

async function collectRuntimes(
  client: BedrockAgentCoreControlClient,
  ctx: RegionContext,
): Promise<AgentInfo[]> {
  const summaries = await listOrUnsupported(
    ctx,
    'bedrock-agentcore:ListAgentRuntimes',
    async () => {
      const out: { id: string; arn: string; name: string; status?: string }[] = [];
      for await (const page of paginateListAgentRuntimes({ client }, {})) {
        for (const r of page.agentRuntimes ?? []) {
          if (!r.agentRuntimeId || !r.agentRuntimeArn) continue;
          out.push({
            id: r.agentRuntimeId,
            arn: r.agentRuntimeArn,
            name: r.agentRuntimeName ?? r.agentRuntimeId,
            status: r.status,
          });
        }
      }
      return out;
    },
  );
  if (!summaries) return [];
  const where = { account: ctx.accountId, region: ctx.region };
  return mapLimit(summaries, ctx.concurrency, async (s): Promise<AgentInfo> => {
    const [runtime, endpoints, tags] = await Promise.all([
      // Only the role, status and creation time are kept: the response also carries the
      // runtime's environment variables, whose values can be secrets.
      ctx.gaps.guard('bedrock-agentcore:GetAgentRuntime', where, async () => {
        const out = await client.send(new GetAgentRuntimeCommand({ agentRuntimeId: s.id }));
        return { roleArn: out.roleArn, status: out.status, createdAt: out.createdAt };
      }),
      ctx.gaps.guard('bedrock-agentcore:ListAgentRuntimeEndpoints', where, async () => {
        const out: string[] = [];
        const pages = paginateListAgentRuntimeEndpoints({ client }, { agentRuntimeId: s.id });
        for await (const page of pages) {
          for (const e of page.runtimeEndpoints ?? []) {
            if (e.agentRuntimeEndpointArn) out.push(e.agentRuntimeEndpointArn);
          }
        }
        return out;
      }),
      agentCoreTags(client, s.arn, ctx),
    ]);
    const status = runtime?.status ?? s.status;
    return {
      kind: 'agentcore-runtime',
      id: s.id,
      arn: s.arn,
      name: s.name,
      accountId: ctx.accountId,
      region: ctx.region,
      ...(runtime?.roleArn ? { roleArn: runtime.roleArn } : {}),
      ...(status ? { status } : {}),
      ...(runtime?.createdAt ? { createdAt: runtime.createdAt.toISOString() } : {}),
      tools: [],
      aliases: endpoints ?? [],
      tags: tags ?? {},
    };
  });
}

// --- AgentCore gateways ----------------------------------------------------------------------

async function collectGateways(
  client: BedrockAgentCoreControlClient,
  ctx: RegionContext,
): Promise<AgentInfo[]> {
  const summaries = await listOrUnsupported(ctx, 'bedrock-agentcore:ListGateways', async () => {
    const out: { id: string; name: string; status?: string; createdAt?: Date }[] = [];
    for await (const page of paginateListGateways({ client }, {})) {
      for (const g of page.items ?? []) {
        if (g.gatewayId)
          out.push({
            id: g.gatewayId,
            name: g.name ?? g.gatewayId,
            status: g.status,
            createdAt: g.createdAt,
          });
      }
    }
    return out;
  });
  if (!summaries) return [];
  const where = { account: ctx.accountId, region: ctx.region };
  return mapLimit(summaries, ctx.concurrency, async (s): Promise<AgentInfo> => {
    const gateway = await ctx.gaps.guard('bedrock-agentcore:GetGateway', where, () =>
      client.send(new GetGatewayCommand({ gatewayIdentifier: s.id })),
    );
    const arn = gateway?.gatewayArn ?? `${arnPrefix(ctx, 'bedrock-agentcore')}:gateway/${s.id}`;
    const [tools, tags] = await Promise.all([
      listGatewayTargets(client, s.id, ctx),
      agentCoreTags(client, arn, ctx),
    ]);
    const status = gateway?.status ?? s.status;
    const createdAt = gateway?.createdAt ?? s.createdAt;
    return {
      kind: 'agentcore-gateway',
      id: s.id,
      arn,
      name: gateway?.name ?? s.name,
      accountId: ctx.accountId,
      region: ctx.region,
      ...(gateway?.roleArn ? { roleArn: gateway.roleArn } : {}),
      ...(status ? { status } : {}),
      ...(createdAt ? { createdAt: createdAt.toISOString() } : {}),
      tools: tools ?? [],
      aliases: [],
      tags: tags ?? {},
    };
  });
}

async function listGatewayTargets(
  client: BedrockAgentCoreControlClient,
  gatewayId: string,
  ctx: RegionContext,
): Promise<Tool[] | undefined> {
  const where = { account: ctx.accountId, region: ctx.region };
  const summaries = await ctx.gaps.guard(
    'bedrock-agentcore:ListGatewayTargets',
    where,
    async () => {
      const out: { id: string; name: string; status?: string }[] = [];
      for await (const page of paginateListGatewayTargets(
        { client },
        { gatewayIdentifier: gatewayId },
      )) {
        for (const t of page.items ?? []) {
          if (t.targetId)
            out.push({ id: t.targetId, name: t.name ?? t.targetId, status: t.status });
        }
      }
      return out;
    },
  );
  if (!summaries) return undefined;
  const tools: Tool[] = [];
  for (const s of summaries) {
    const target = await ctx.gaps.guard('bedrock-agentcore:GetGatewayTarget', where, () =>
      client.send(new GetGatewayTargetCommand({ gatewayIdentifier: gatewayId, targetId: s.id })),
    );
    tools.push(
      toGatewayTool(
        target?.name ?? s.name,
        target?.status ?? s.status,
        target?.targetConfiguration,
        ctx,
      ),
    );
  }
  return tools;
}

/**
 * Shapes a gateway target: the Lambda (MCP `lambda` targets), the endpoint (MCP server and HTTP
 * passthrough targets), or the ARN of what it fronts (an AgentCore runtime, an API Gateway
 * stage). Schema-only targets (OpenAPI, Smithy) and connectors name neither.
 * @see https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_TargetConfiguration.html
 */
export function toGatewayTool(
  name: string,
  state: string | undefined,
  config: TargetConfiguration | undefined,
  where: { partition: string; region: string },
): Tool {
  const tool: Tool = { name, kind: 'gateway-target', ...(state ? { state } : {}) };
  const mcp = config?.mcp;
  const http = config?.http;
  if (mcp?.lambda?.lambdaArn) tool.lambdaArn = mcp.lambda.lambdaArn;
  if (mcp?.mcpServer?.endpoint) tool.endpoint = mcp.mcpServer.endpoint;
  if (mcp?.apiGateway) {
    const { restApiId, stage } = mcp.apiGateway;
    tool.arn = `arn:${where.partition}:apigateway:${where.region}::/restapis/${restApiId}/stages/${stage}`;
  }
  if (http?.passthrough?.endpoint) tool.endpoint = http.passthrough.endpoint;
  if (http?.agentcoreRuntime?.arn) tool.arn = http.agentcoreRuntime.arn;
  return tool;
}

async function agentCoreTags(
  client: BedrockAgentCoreControlClient,
  resourceArn: string,
  ctx: RegionContext,
): Promise<Record<string, string> | undefined> {
  const where = { account: ctx.accountId, region: ctx.region };
  return ctx.gaps.guard('bedrock-agentcore:ListTagsForResource', where, async () => {
    const out = await client.send(new ListAgentCoreTagsCommand({ resourceArn }));
    return out.tags ?? {};
  });
}

// --- Helpers ---------------------------------------------------------------------------------

/**
 * Errors that mean "this service is not offered in this region": no DNS name for the regional
 * endpoint, an endpoint the SDK cannot resolve, or a token the regional service does not know
 * (Bedrock answers `UnrecognizedClientException` in regions it is not launched in).
 */
const SERVICE_ABSENT = new Set(['UnknownEndpoint', 'UnrecognizedClientException', 'ENOTFOUND']);

/** True when an error says the service is not available in the region. */
export function isServiceAbsent(err: unknown): boolean {
  return SERVICE_ABSENT.has(errorName(err)) || classifyError(err) === 'unsupported';
}

/**
 * Runs the first listing call of a service in a region: an absent service is an `unsupported`
 * gap; everything else is handled by {@link GapRecorder.guard}.
 */
async function listOrUnsupported<T>(
  ctx: RegionContext,
  api: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const where = { account: ctx.accountId, region: ctx.region };
  try {
    return await fn();
  } catch (err) {
    if (isServiceAbsent(err)) {
      ctx.gaps.add({
        provider: 'aws',
        api,
        ...where,
        reason: 'unsupported',
        detail: describeError(err),
      });
      return undefined;
    }
    return ctx.gaps.guard(api, where, () => Promise.reject(err));
  }
}

function arnPrefix(ctx: RegionContext, service: string): string {
  return `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.accountId}`;
}
