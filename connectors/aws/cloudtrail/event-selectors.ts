/**
 * What a trail records, read from its event selectors (pure). A trail has either basic
 * `EventSelectors` or `AdvancedEventSelectors`, never both; with neither it records all
 * management events and no data events (CloudTrail's default).
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetEventSelectors.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
 */
import type {
  AdvancedEventSelector,
  AdvancedFieldSelector,
  EventSelector,
} from '@aws-sdk/client-cloudtrail';
import type { TrailInfo } from '#core/iam/inventory.ts';

/**
 * IAM service prefix of each CloudTrail data-event resource type namespace (`AWS::<Namespace>::
 * <Type>`), from the resource-type table of the CloudTrail User Guide "Logging data events"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html)
 * and reference/aws-iam.md §5.5. Every prefix is one the action catalog knows, so the engine
 * can match it against `DATA_EVENT_ACTIONS`. A namespace stands for all its types, so a type
 * AWS adds later (another `AWS::Bedrock::…`) is still recognised.
 */
export const DATA_EVENT_NAMESPACE_PREFIX: Readonly<Record<string, string>> = {
  // The three types basic selectors support (API_DataResource).
  S3: 's3',
  Lambda: 'lambda',
  DynamoDB: 'dynamodb', // Table and Stream
  // Advanced selectors only.
  S3Express: 's3express', // directory buckets: CreateSession and object calls
  S3ObjectLambda: 's3-object-lambda',
  S3Outposts: 's3-outposts',
  S3Tables: 's3tables',
  S3Vectors: 's3vectors',
  SNS: 'sns', // Topic and PlatformEndpoint: Publish, PublishBatch
  SQS: 'sqs',
  Kinesis: 'kinesis', // Stream and StreamConsumer
  KinesisVideo: 'kinesisvideo',
  Bedrock: 'bedrock', // AgentAlias, AsyncInvoke, FlowAlias, Guardrail, InlineAgent, KnowledgeBase, Model, Prompt, …
  BedrockAgentCore: 'bedrock-agentcore', // Gateway, Runtime, Memory, CodeInterpreter, Browser, …
  SageMaker: 'sagemaker', // Endpoint, FeatureGroup, ExperimentTrialComponent
  AppConfig: 'appconfig',
  AppSync: 'appsync',
  B2BI: 'b2bi',
  Backup: 'backup',
  Cassandra: 'cassandra',
  CloudWatch: 'cloudwatch', // Metric
  CodeWhisperer: 'codewhisperer',
  DataExchange: 'dataexchange',
  Deadline: 'deadline',
  FinSpace: 'finspace',
  Glue: 'glue',
  GreengrassV2: 'greengrass',
  GuardDuty: 'guardduty',
  IoT: 'iot',
  IoTSiteWise: 'iotsitewise',
  IoTTwinMaker: 'iottwinmaker',
  KendraRanking: 'kendra-ranking',
  MachineLearning: 'machinelearning',
  ManagedBlockchain: 'managedblockchain',
  MedicalImaging: 'medical-imaging',
  NeptuneGraph: 'neptune-graph',
  PCAConnectorAD: 'pca-connector-ad',
  PCAConnectorSCEP: 'pca-connector-scep',
  PaymentCryptography: 'payment-cryptography',
  QApps: 'qapps',
  QBusiness: 'qbusiness',
  RUM: 'rum',
  SCN: 'scn',
  ServiceDiscovery: 'servicediscovery',
  SocialMessaging: 'social-messaging',
  SSM: 'ssm', // ManagedNode
  SSMMessages: 'ssmmessages', // ControlChannel
  StepFunctions: 'states',
  SWF: 'swf',
  Timestream: 'timestream',
  VerifiedPermissions: 'verifiedpermissions',
  XRay: 'xray',
};

/**
 * Resource types whose IAM prefix is not their namespace's: the API behind the data event
 * belongs to another service than the resource.
 */
export const DATA_EVENT_TYPE_PREFIX: Readonly<Record<string, string>> = {
  'AWS::EC2::Snapshot': 'ebs', // EBS direct APIs
  'AWS::RDS::DBCluster': 'rds-data', // RDS Data API
  'AWS::CloudTrail::Channel': 'cloudtrail-data', // Lake PutAuditEvents
  'AWS::CloudFront::KeyValueStore': 'cloudfront-keyvaluestore',
  'AWS::Cognito::IdentityPool': 'cognito-identity',
};

/**
 * IAM service prefix whose data events a resource type stands for.
 * @param resourceType a `resources.type` value or a basic `DataResource.Type`
 * @returns the prefix, or undefined for a type this table does not know
 */
export function dataEventService(resourceType: string): string | undefined {
  const exact = DATA_EVENT_TYPE_PREFIX[resourceType];
  if (exact) return exact;
  const m = /^AWS::([A-Za-z0-9]+)::[A-Za-z0-9]+$/.exec(resourceType);
  return m ? DATA_EVENT_NAMESPACE_PREFIX[m[1]!] : undefined;
}

/** What a trail's selectors record. */
export interface SelectorSummary {
  managementEvents: TrailInfo['managementEvents'];
  /** IAM prefixes with at least one data-event selector, sorted. */
  dataEventServices: string[];
  /** Data-event resource types the table does not know (not counted as recorded). */
  unknownResourceTypes: string[];
}

/**
 * Summarises a trail's selectors as GetEventSelectors returns them.
 *
 * A service counts as recorded when any selector logs its data events, even for only some
 * resources or operations: TrailInfo says where data events can appear, and the usage read
 * from the trail says which were seen.
 */
export function summarizeEventSelectors(selectors: {
  EventSelectors?: EventSelector[] | undefined;
  AdvancedEventSelectors?: AdvancedEventSelector[] | undefined;
}): SelectorSummary {
  const basic = selectors.EventSelectors ?? [];
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (basic.length === 0 && advanced.length === 0) {
    // "By default, trails created without specific event selectors are configured to log all
    // read and write management events, and no data events." (API_EventSelector)
    return { managementEvents: 'All', dataEventServices: [], unknownResourceTypes: [] };
  }
  const acc = {
    read: false,
    write: false,
    services: new Set<string>(),
    unknown: new Set<string>(),
  };
  for (const s of basic) addBasic(s, acc);
  for (const s of advanced) addAdvanced(s, acc);
  return {
    managementEvents: acc.read
      ? acc.write
        ? 'All'
        : 'ReadOnly'
      : acc.write
        ? 'WriteOnly'
        : 'None',
    dataEventServices: [...acc.services].sort(),
    unknownResourceTypes: [...acc.unknown].sort(),
  };
}

interface Accumulator {
  read: boolean;
  write: boolean;
  services: Set<string>;
  unknown: Set<string>;
}

function addType(type: string, acc: Accumulator): void {
  const service = dataEventService(type);
  if (service) acc.services.add(service);
  else acc.unknown.add(type);
}

function addBasic(s: EventSelector, acc: Accumulator): void {
  // IncludeManagementEvents and ReadWriteType default to true and All (API_EventSelector).
  if (s.IncludeManagementEvents !== false) {
    const rw = s.ReadWriteType ?? 'All';
    if (rw !== 'WriteOnly') acc.read = true;
    if (rw !== 'ReadOnly') acc.write = true;
  }
  for (const d of s.DataResources ?? []) {
    // A DataResource without values selects no resource.
    if (d.Type && (d.Values?.length ?? 0) > 0) addType(d.Type, acc);
  }
}

function addAdvanced(s: AdvancedEventSelector, acc: Accumulator): void {
  const fields = s.FieldSelectors ?? [];
  const field = (name: string) => fields.find((f) => f.Field === name);
  // eventCategory is required and takes only Equals (API_AdvancedFieldSelector).
  const categories = field('eventCategory')?.Equals ?? [];
  if (categories.includes('Management')) {
    const { read, write } = readWrite(field('readOnly'));
    acc.read ||= read;
    acc.write ||= write;
  }
  if (categories.includes('Data')) {
    for (const type of field('resources.type')?.Equals ?? []) addType(type, acc);
  }
}

/** Which of read and write events a `readOnly` field selects; absent selects both. */
function readWrite(f: AdvancedFieldSelector | undefined): { read: boolean; write: boolean } {
  if (!f) return { read: true, write: true };
  let read = true;
  let write = true;
  if (f.Equals) {
    read = f.Equals.includes('true');
    write = f.Equals.includes('false');
  }
  if (f.NotEquals?.includes('true')) read = false;
  if (f.NotEquals?.includes('false')) write = false;
  return { read, write };
}
