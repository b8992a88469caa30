/**
 * Actions that make an identity an AI identity: invoking models or agents (agents and AI
 * users), and creating agents, models, knowledge bases or training jobs (builders). Names are
 * checked against the catalog at load; an action the catalog lacks is ignored.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html
 */

/** Calls that run a model or an agent. */
export const MODEL_INVOCATION_ACTIONS = [
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
  'bedrock:InvokeAgent',
  'bedrock:InvokeInlineAgent',
  'bedrock:InvokeFlow',
  'bedrock:Retrieve',
  'bedrock:RetrieveAndGenerate',
  'bedrock:ApplyGuardrail',
  'bedrock-agentcore:InvokeAgentRuntime',
  'bedrock-agentcore:InvokeGateway',
  'bedrock-mantle:CreateInference',
  'sagemaker:InvokeEndpoint',
  'sagemaker:InvokeEndpointAsync',
  'sagemaker:InvokeEndpointWithResponseStream',
  'q:SendMessage',
] as const;

/** Calls that build AI: agents, models, knowledge bases, flows, training jobs. */
export const AI_BUILDER_ACTIONS = [
  'bedrock:CreateAgent',
  'bedrock:UpdateAgent',
  'bedrock:PrepareAgent',
  'bedrock:CreateAgentActionGroup',
  'bedrock:CreateAgentAlias',
  'bedrock:CreateKnowledgeBase',
  'bedrock:CreateFlow',
  'bedrock:CreatePrompt',
  'bedrock:CreateGuardrail',
  'bedrock:CreateModelCustomizationJob',
  'bedrock:CreateModelImportJob',
  'bedrock:CreateProvisionedModelThroughput',
  'bedrock-agentcore:CreateAgentRuntime',
  'bedrock-agentcore:CreateGateway',
  'sagemaker:CreateTrainingJob',
  'sagemaker:CreateModel',
  'sagemaker:CreateEndpoint',
  'sagemaker:CreateHyperParameterTuningJob',
] as const;

/** AWS service principals whose roles run agents. */
export const AGENT_SERVICE_PRINCIPALS = [
  'bedrock.amazonaws.com',
  'bedrock-agentcore.amazonaws.com',
];
