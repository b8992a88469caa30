/**
 * What CloudTrail can and cannot show about each IAM action (reference/aws-iam.md §5.4–5.5).
 * Usage evidence has holes by design: some actions never produce an event of their own, and
 * some only appear as data events, which trails do not log by default. The engine uses this to
 * tell "unused" from "unobservable" (§7.1) and never recommends removing an action it could not
 * have seen.
 *
 * Misclassifying a data-plane action as `management` is the dangerous direction (its absence
 * would read as "unused"), so where the sources leave doubt the tables lean towards
 * `data-event` or `permission-only` and say so with `[infer]`.
 */
import type { CatalogAction } from '#core/catalog/catalog.ts';

/**
 * Actions that CloudTrail never records as an event of their own: they are checked inside
 * another call, or the call is not logged at all (§5.4).
 */
export const PERMISSION_ONLY_ACTIONS: readonly string[] = [
  // "Not tracked by CloudTrail" (Access Analyzer doc); authorized inside CreateFunction,
  // RunInstances, PutBucketReplication, … (SigmaHQ#2141).
  'iam:PassRole',
  // API Gateway data-plane calls are not CloudTrail events (§5.4 `[verify]`); the same holds
  // for the header-driven cache invalidation and the WebSocket @connections API `[infer]`.
  'execute-api:Invoke',
  'execute-api:InvalidateCache',
  'execute-api:ManageConnections',
  // Function URL requests are HTTP calls, not the Invoke API, and the Lambda CloudTrail docs
  // list only Invoke as a data event `[infer]`. Classed here so it is never called unused.
  'lambda:InvokeFunctionUrl',
  // Checked inside AssumeRole* when session tags, a source identity or context are passed;
  // they appear only as parameters of the AssumeRole event (IAM UG, session tags).
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
  // Header- or replication-driven S3 permissions without an operation of their own (S3 UG,
  // Object Lock governance bypass; replication ownership override).
  's3:BypassGovernanceRetention',
  's3:ObjectOwnerOverrideToBucketOwner',
];

/**
 * Data-event-only actions by IAM prefix (§5.5), for services whose data plane has no simple
 * naming rule. S3 object-level actions follow `isS3DataAction` instead.
 */
export const DATA_EVENT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  // AWS::DynamoDB::Table item-level APIs and AWS::DynamoDB::Stream reads. PartiQL actions are
  // observable through the ExecuteStatement/BatchExecuteStatement/ExecuteTransaction data events,
  // which the mapper resolves to them, so they are data events rather than permission-only.
  dynamodb: [
    'GetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'BatchGetItem',
    'BatchWriteItem',
    'Query',
    'Scan',
    'ConditionCheckItem',
    'PartiQLSelect',
    'PartiQLInsert',
    'PartiQLUpdate',
    'PartiQLDelete',
    'GetRecords',
    'GetShardIterator',
  ],
  // AWS::Lambda::Function: the Invoke API (InvokeFunction) and the legacy InvokeAsync.
  lambda: ['InvokeFunction', 'InvokeAsync'],
  // SNS Publish/PublishBatch (both authorized by sns:Publish).
  sns: ['Publish'],
  // AWS::SQS::Queue message APIs (CloudTrail UG "Logging data events").
  sqs: ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility'],
  // CloudWatch Logs ingestion and reads (PutLogEvents above all: every Lambda function's role
  // holds it) are not recorded as management events `[infer]`: a Lambda-run agent that logs all
  // day shows no PutLogEvents in its trail. Classed as data events so they are never called
  // unused from a trail that cannot show them.
  logs: ['PutLogEvents', 'GetLogEvents', 'FilterLogEvents', 'StartLiveTail', 'GetLogRecord'],
  // CloudWatch metric APIs are the AWS::CloudWatch::Metric data event type `[verify]`.
  cloudwatch: ['PutMetricData', 'GetMetricData', 'GetMetricStatistics', 'ListMetrics'],
  // X-Ray telemetry ingestion from the SDK daemon is not recorded per call `[infer]`.
  xray: ['PutTraceSegments', 'PutTelemetryRecords', 'GetSamplingRules', 'GetSamplingTargets'],
  // AWS::Kinesis::Stream record-level APIs.
  kinesis: ['GetRecords', 'GetShardIterator', 'PutRecord', 'PutRecords', 'SubscribeToShard'],
  // Bedrock UG "Monitor Amazon Bedrock API calls using CloudTrail". InvokeModel, Converse* and
  // the control plane are management events. StartAsyncInvoke and
  // InvokeModelWithBidirectionalStream are data events too, but they are authorized by
  // bedrock:InvokeModel, which its management events already show. RenderPrompt is called
  // "permission-only" in one place, yet CloudTrail logs it as an AWS::Bedrock::Prompt data event.
  bedrock: [
    'InvokeAgent',
    'InvokeInlineAgent',
    'Retrieve',
    'RetrieveAndGenerate',
    'InvokeFlow',
    'RenderPrompt',
    'ApplyGuardrail',
    'GetAsyncInvoke',
  ],
  // AgentCore: Gateway (InvokeGateway) and Registry discovery/MCP are documented data events;
  // Runtime invocation is `[2nd]`; the other runtime invocations and Memory's event/record APIs
  // are data-plane calls classed with them `[infer]`.
  'bedrock-agentcore': [
    'InvokeGateway',
    'InvokeRegistryMcp',
    'SearchRegistryRecords',
    'InvokeAgentRuntime',
    'InvokeAgentRuntimeForUser',
    'InvokeAgentRuntimeWithWebSocketStream',
    'InvokeAgentRuntimeWithWebSocketStreamForUser',
    'InvokeAgentRuntimeCommand',
    'InvokeAgentRuntimeCommandShell',
    'InvokeCodeInterpreter',
    'CreateEvent',
    'GetEvent',
    'ListEvents',
    'DeleteEvent',
    'RetrieveMemoryRecords',
    'GetMemoryRecord',
    'ListMemoryRecords',
    'DeleteMemoryRecord',
    'BatchCreateMemoryRecords',
    'BatchUpdateMemoryRecords',
    'BatchDeleteMemoryRecords',
  ],
  // Directory buckets: CreateSession is the data event that authorizes object access (S3 UG
  // s3-express-one-zone-logging).
  s3express: ['CreateSession'],
  // CloudTrail Lake channel ingestion.
  'cloudtrail-data': ['PutAuditEvents'],
  // AWS::SageMaker::Endpoint (runtime.sagemaker InvokeEndpoint*).
  sagemaker: ['InvokeEndpoint', 'InvokeEndpointAsync', 'InvokeEndpointWithResponseStream'],
  // EBS direct APIs (AWS::EC2::Snapshot).
  ebs: [
    'StartSnapshot',
    'CompleteSnapshot',
    'GetSnapshotBlock',
    'PutSnapshotBlock',
    'ListChangedBlocks',
    'ListSnapshotBlocks',
  ],
  // RDS Data API (AWS::RDS::DBCluster).
  'rds-data': [
    'ExecuteStatement',
    'BatchExecuteStatement',
    'BeginTransaction',
    'CommitTransaction',
    'RollbackTransaction',
    'ExecuteSql',
  ],
  // Session Manager channels (AWS::SSMMessages::ControlChannel).
  ssmmessages: [
    'CreateControlChannel',
    'CreateDataChannel',
    'OpenControlChannel',
    'OpenDataChannel',
  ],
  // Amazon Keyspaces CQL reads/writes (AWS::Cassandra::Table).
  cassandra: ['Select', 'Modify'],
  // Verified Permissions authorization checks (AWS::VerifiedPermissions::PolicyStore).
  verifiedpermissions: ['IsAuthorized', 'IsAuthorizedWithToken'],
};

/**
 * Services whose every action is a data-plane call. S3 Object Lambda serves object reads and
 * writes through access points (AWS::S3ObjectLambda::AccessPoint data events).
 */
const DATA_EVENT_SERVICES: ReadonlySet<string> = new Set(['s3-object-lambda']);

/** How CloudTrail can show that an action was used. */
export type Observability =
  | { kind: 'management'; reason: string }
  | { kind: 'data-event'; service: string; reason: string }
  | { kind: 'permission-only'; reason: string };

const PERMISSION_ONLY = new Set(PERMISSION_ONLY_ACTIONS.map((a) => a.toLowerCase()));

const DATA_EVENTS = new Set(
  Object.entries(DATA_EVENT_ACTIONS).flatMap(([service, names]) =>
    names.map((name) => `${service}:${name}`.toLowerCase()),
  ),
);

// Names containing "Object" that are bucket- or access-point-level configuration, or
// permission-only: managed as management events or never logged.
const S3_OBJECT_NAME_EXCLUSIONS = /ObjectLambda|BucketObjectLock|ObjectOwnerOverrideToBucketOwner/;

// Multipart, replication and listing actions that authorize object-level calls.
const S3_NON_OBJECT_DATA_ACTIONS: ReadonlySet<string> = new Set(
  [
    'AbortMultipartUpload',
    'ListMultipartUploadParts',
    'ListBucketMultipartUploads',
    'ListBucket',
    'ListBucketVersions',
    'ReplicateDelete',
    'ReplicateTags',
  ].map((n) => n.toLowerCase()),
);

/**
 * True for S3 actions observable only through `AWS::S3::Object` data events. The rule: the name
 * contains "Object" (GetObject, PutObjectAcl, RestoreObject, ReplicateObject, …) but is not an
 * Object Lambda access point, bucket Object Lock configuration or permission-only action; or it
 * is one of the multipart, replication or listing actions that authorize object-level calls
 * (ListObjects, ListObjectsV2, ListParts and ListMultipartUploads are data events; `s3:ListBucket` also authorizes
 * the management-level HeadBucket, but its bulk use is ListObjects).
 */
export function isS3DataAction(name: string): boolean {
  if (S3_NON_OBJECT_DATA_ACTIONS.has(name.toLowerCase())) return true;
  return /Object/.test(name) && !S3_OBJECT_NAME_EXCLUSIONS.test(name);
}

const MANAGEMENT: Observability = Object.freeze({
  kind: 'management',
  reason: 'logged as a management event, which every trail records by default',
});

const PERMISSION_ONLY_CLASS: Observability = Object.freeze({
  kind: 'permission-only',
  reason: 'checked inside other calls or never logged: CloudTrail cannot show its use',
});

/**
 * Classifies an action by how CloudTrail can show its use: a management event (default), a
 * data event (off by default, extra cost), or never (permission-only).
 */
export function classifyObservability(action: CatalogAction): Observability {
  const key = action.qualified.toLowerCase();
  if (PERMISSION_ONLY.has(key)) return PERMISSION_ONLY_CLASS;
  const dataEvent =
    DATA_EVENTS.has(key) ||
    DATA_EVENT_SERVICES.has(action.service) ||
    (action.service === 's3' && isS3DataAction(action.name));
  if (dataEvent) {
    return {
      kind: 'data-event',
      service: action.service,
      reason: `logged only as a ${action.service} data event, which trails record only when configured`,
    };
  }
  return MANAGEMENT;
}
