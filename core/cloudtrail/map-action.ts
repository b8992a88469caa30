/**
 * Maps a CloudTrail record's `eventSource`/`eventName` to the IAM actions that authorized the
 * call. A CloudTrail engineer states that `eventName` "matches up to the public AWS api call",
 * so the map is mostly a same-name catalog lookup plus the host, suffix and rename quirks that
 * reference/aws-iam.md §5 collects; the pipeline order follows §7.2.
 *
 * The mapper runs once per record on the ingestion hot path (100k+ records/s), so everything
 * that depends only on the (eventSource, eventName) pair is computed once and memoized.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { ActionMapping, CloudTrailRecord, NoIamReason } from '#core/cloudtrail/types.ts';

/**
 * eventSource hosts (without their `.amazonaws.com` suffix) whose IAM prefix differs from the
 * first host label (reference §5.1). Every target is checked against the catalog by a unit test.
 */
export const EVENT_SOURCE_PREFIX_OVERRIDES: Readonly<Record<string, string>> = {
  // trailscraper cloudtrail.py and cloudtracker SERVICE_RENAMES.
  monitoring: 'cloudwatch',
  email: 'ses',
  appstream2: 'appstream',
  'models.lex': 'lex',
  'runtime.lex': 'lex',
  'mturk-requester': 'mechanicalturk',
  'streams.dynamodb': 'dynamodb',
  tagging: 'tag',
  // SageMaker runtime (InvokeEndpoint*) is authorized by sagemaker:* actions `[2nd]`.
  'runtime.sagemaker': 'sagemaker',
  // AgentCore control plane and data plane share one IAM prefix (AgentCore CloudTrail docs).
  'bedrock-agentcore-control': 'bedrock-agentcore',
  // CloudTrail writes `bedrock.amazonaws.com` for runtime and agent calls, but captures taken
  // from proxies or SDK logs carry the TLS host (`bedrock-runtime…`, Bedrock UG CloudTrail
  // example), and all of them are authorized by `bedrock:*`.
  'bedrock-runtime': 'bedrock',
  'bedrock-agent': 'bedrock',
  'bedrock-agent-runtime': 'bedrock',
};

/**
 * Host suffixes stripped from eventSource before the IAM prefix is derived. `.api.aws` is the
 * dual-stack/OpenAI-compatible endpoint family (e.g. `bedrock-mantle.<region>.api.aws`, §5.1).
 */
const HOST_SUFFIXES = ['.amazonaws.com.cn', '.amazonaws.com', '.api.aws'] as const;

/**
 * Lambda and CloudFront event names carry the API version (`UpdateFunctionCode20150331v2`,
 * `GetDistribution2020_05_31`). Anchored on a full date so names that merely contain "20" are
 * safe, unlike the `.split("20")` of cloudtracker/Repokid (§5.2).
 */
const VERSION_SUFFIX = /\d{4}_?\d{2}_?\d{2}(v\d+)?$/;

/**
 * Calls that need no IAM permission, so observing them says nothing about a policy (§5.4).
 * - `sts:GetCallerIdentity`: "No permissions are required to perform this operation" (STS API
 *   reference); trailscraper drops it.
 * - `sts:GetSessionToken`: IAM UG "Permissions for GetSessionToken": "No permissions are
 *   required … you cannot use policies to control authentication operations"; including the
 *   action in a policy "has no effect". The AWS quarantine policy still lists it, which is
 *   harmless but does not make it a permission. (`sts:GetFederationToken` is different: the
 *   caller needs an explicit allow, so it maps to its own action.)
 * - `dynamodb:DescribeEndpoints`: iam-dataset map.json `sdk_permissionless_actions`.
 */
export const PERMISSIONLESS_CALLS: ReadonlySet<string> = new Set([
  'sts:GetCallerIdentity',
  'sts:GetSessionToken',
  'dynamodb:DescribeEndpoints',
]);

/**
 * Operations authorized by differently named IAM actions, keyed `prefix:EventName` (§5.3 and
 * iam-dataset map.json, each checked against the service's API reference). When several
 * actions are listed, the call needs all of them. A unit test checks that every target exists
 * in the catalog and that no key shadows a same-name action unless listed in
 * `INTENTIONAL_SHADOWS`.
 */
export const ACTION_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  // --- S3 (§5.3). Bucket listing and object reads.
  's3:ListObjects': ['s3:ListBucket'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:ListBuckets': ['s3:ListAllMyBuckets'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:ListMultipartUploads': ['s3:ListBucketMultipartUploads'],
  's3:ListParts': ['s3:ListMultipartUploadParts'],
  's3:HeadObject': ['s3:GetObject'],
  's3:SelectObjectContent': ['s3:GetObject'],
  // Multipart uploads are authorized as a PutObject of the final object (S3 UG "Multipart
  // upload API and permissions").
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  // Copies read the source and write the destination: "you must have read access to the source
  // object and write access to the destination bucket" (S3 API reference, CopyObject and
  // UploadPartCopy). Tagging/ACL extras depend on headers CloudTrail does not always record.
  's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
  's3:UploadPartCopy': ['s3:GetObject', 's3:PutObject'],
  // map.json picks DeleteObjectVersion when a key carries a VersionId; the key list is in the
  // request body, which S3 data events do not record, so the unversioned action is the floor.
  's3:DeleteObjects': ['s3:DeleteObject'],
  // Bucket configuration sub-resources whose actions are named after the configuration.
  's3:GetBucketEncryption': ['s3:GetEncryptionConfiguration'],
  's3:PutBucketEncryption': ['s3:PutEncryptionConfiguration'],
  's3:DeleteBucketEncryption': ['s3:PutEncryptionConfiguration'],
  's3:GetBucketLifecycle': ['s3:GetLifecycleConfiguration'],
  's3:GetBucketLifecycleConfiguration': ['s3:GetLifecycleConfiguration'],
  's3:PutBucketLifecycle': ['s3:PutLifecycleConfiguration'],
  's3:PutBucketLifecycleConfiguration': ['s3:PutLifecycleConfiguration'],
  's3:DeleteBucketLifecycle': ['s3:PutLifecycleConfiguration'],
  's3:GetBucketAnalyticsConfiguration': ['s3:GetAnalyticsConfiguration'],
  's3:ListBucketAnalyticsConfigurations': ['s3:GetAnalyticsConfiguration'],
  's3:PutBucketAnalyticsConfiguration': ['s3:PutAnalyticsConfiguration'],
  's3:DeleteBucketAnalyticsConfiguration': ['s3:PutAnalyticsConfiguration'],
  's3:GetBucketInventoryConfiguration': ['s3:GetInventoryConfiguration'],
  's3:ListBucketInventoryConfigurations': ['s3:GetInventoryConfiguration'],
  's3:PutBucketInventoryConfiguration': ['s3:PutInventoryConfiguration'],
  's3:DeleteBucketInventoryConfiguration': ['s3:PutInventoryConfiguration'],
  's3:GetBucketMetricsConfiguration': ['s3:GetMetricsConfiguration'],
  's3:ListBucketMetricsConfigurations': ['s3:GetMetricsConfiguration'],
  's3:PutBucketMetricsConfiguration': ['s3:PutMetricsConfiguration'],
  's3:DeleteBucketMetricsConfiguration': ['s3:PutMetricsConfiguration'],
  's3:GetBucketIntelligentTieringConfiguration': ['s3:GetIntelligentTieringConfiguration'],
  's3:ListBucketIntelligentTieringConfigurations': ['s3:GetIntelligentTieringConfiguration'],
  's3:PutBucketIntelligentTieringConfiguration': ['s3:PutIntelligentTieringConfiguration'],
  's3:DeleteBucketIntelligentTieringConfiguration': ['s3:PutIntelligentTieringConfiguration'],
  's3:GetBucketAccelerateConfiguration': ['s3:GetAccelerateConfiguration'],
  's3:PutBucketAccelerateConfiguration': ['s3:PutAccelerateConfiguration'],
  's3:GetBucketNotificationConfiguration': ['s3:GetBucketNotification'],
  's3:PutBucketNotificationConfiguration': ['s3:PutBucketNotification'],
  // map.json is right here; trailscraper's `DeleteReplicationConfiguration` does not exist.
  // iam:PassRole on PutBucketReplication is left to observability (it is permission-only).
  's3:GetBucketReplication': ['s3:GetReplicationConfiguration'],
  's3:PutBucketReplication': ['s3:PutReplicationConfiguration'],
  's3:DeleteBucketReplication': ['s3:PutReplicationConfiguration'],
  // API names (Get/Put/DeletePublicAccessBlock) and the CloudTrail spelling with "Bucket".
  's3:GetPublicAccessBlock': ['s3:GetBucketPublicAccessBlock'],
  's3:PutPublicAccessBlock': ['s3:PutBucketPublicAccessBlock'],
  's3:DeletePublicAccessBlock': ['s3:PutBucketPublicAccessBlock'],
  's3:DeleteBucketPublicAccessBlock': ['s3:PutBucketPublicAccessBlock'],
  's3:DeleteAccountPublicAccessBlock': ['s3:PutAccountPublicAccessBlock'],
  's3:DeleteBucketCors': ['s3:PutBucketCORS'],
  's3:DeleteBucketTagging': ['s3:PutBucketTagging'],
  // "To use this operation, you must have the s3:PutBucketOwnershipControls permission" (S3
  // API reference, DeleteBucketOwnershipControls).
  's3:DeleteBucketOwnershipControls': ['s3:PutBucketOwnershipControls'],
  's3:GetObjectLockConfiguration': ['s3:GetBucketObjectLockConfiguration'],
  's3:PutObjectLockConfiguration': ['s3:PutBucketObjectLockConfiguration'],
  // Legacy SOAP-era names still seen in old trails (cloudtracker EVENT_RENAMES).
  's3:GetBucketAccessControlPolicy': ['s3:GetBucketAcl'],
  's3:SetBucketAccessControlPolicy': ['s3:PutBucketAcl'],
  's3:GetBucketLoggingStatus': ['s3:GetBucketLogging'],
  's3:SetBucketLoggingStatus': ['s3:PutBucketLogging'],
  // --- Lambda (§5.3). `Invoke` is the data event for lambda:InvokeFunction; the streaming
  // variant "requires lambda:InvokeFunction" too (Lambda API reference).
  'lambda:Invoke': ['lambda:InvokeFunction'],
  'lambda:InvokeWithResponseStream': ['lambda:InvokeFunction'],
  'lambda:GetLayerVersionByArn': ['lambda:GetLayerVersion'],
  // --- Bedrock (§0.5, §5.3). Converse* "requires permission for the bedrock:InvokeModel"
  // action; StartAsyncInvoke and InvokeModelWithBidirectionalStream say the same (Bedrock API
  // reference); RetrieveAndGenerateStream requires bedrock:RetrieveAndGenerate.
  'bedrock:Converse': ['bedrock:InvokeModel'],
  // IAM Access Analyzer's V2 finding APIs are authorized by the original actions (Access
  // Analyzer API reference, ListFindingsV2 and GetFindingV2: "access-analyzer:ListFindings",
  // "access-analyzer:GetFinding").
  'access-analyzer:ListFindingsV2': ['access-analyzer:ListFindings'],
  'access-analyzer:GetFindingV2': ['access-analyzer:GetFinding'],
  'bedrock:ConverseStream': ['bedrock:InvokeModelWithResponseStream'],
  'bedrock:StartAsyncInvoke': ['bedrock:InvokeModel'],
  'bedrock:InvokeModelWithBidirectionalStream': ['bedrock:InvokeModel'],
  'bedrock:RetrieveAndGenerateStream': ['bedrock:RetrieveAndGenerate'],
  // --- KMS: ReEncrypt decrypts under one key and encrypts under another, and each key's
  // policy is checked (trailscraper's `ReEncrypt*` is "not precise").
  'kms:ReEncrypt': ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
  // --- Budgets: the classic budget API is authorized by two coarse actions (map.json).
  'budgets:CreateBudget': ['budgets:ModifyBudget'],
  'budgets:UpdateBudget': ['budgets:ModifyBudget'],
  'budgets:DeleteBudget': ['budgets:ModifyBudget'],
  'budgets:CreateNotification': ['budgets:ModifyBudget'],
  'budgets:UpdateNotification': ['budgets:ModifyBudget'],
  'budgets:DeleteNotification': ['budgets:ModifyBudget'],
  'budgets:CreateSubscriber': ['budgets:ModifyBudget'],
  'budgets:UpdateSubscriber': ['budgets:ModifyBudget'],
  'budgets:DeleteSubscriber': ['budgets:ModifyBudget'],
  'budgets:DescribeBudget': ['budgets:ViewBudget'],
  'budgets:DescribeBudgets': ['budgets:ViewBudget'],
  'budgets:DescribeBudgetPerformanceHistory': ['budgets:ViewBudget'],
  'budgets:DescribeNotificationsForBudget': ['budgets:ViewBudget'],
  'budgets:DescribeSubscribersForNotification': ['budgets:ViewBudget'],
  // --- DynamoDB: a transactional read is a GetItem per table (map.json).
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
  // --- SNS/SQS batch calls use the single-message permission ("PublishBatch … requires
  // sns:Publish", SNS API reference; SQS Developer Guide: batch actions are authorized by the
  // corresponding single actions).
  'sns:PublishBatch': ['sns:Publish'],
  'sqs:SendMessageBatch': ['sqs:SendMessage'],
  'sqs:DeleteMessageBatch': ['sqs:DeleteMessage'],
  'sqs:ChangeMessageVisibilityBatch': ['sqs:ChangeMessageVisibility'],
  // --- Secrets Manager: "you must have secretsmanager:BatchGetSecretValue … and
  // secretsmanager:GetSecretValue for each secret" (Secrets Manager API reference).
  'secretsmanager:BatchGetSecretValue': [
    'secretsmanager:BatchGetSecretValue',
    'secretsmanager:GetSecretValue',
  ],
};

/**
 * Exception keys that deliberately override a same-name catalog action because the operation
 * needs more than its namesake.
 */
export const INTENTIONAL_SHADOWS: ReadonlySet<string> = new Set([
  'secretsmanager:BatchGetSecretValue',
]);

// PartiQL calls are authorized per statement verb (map.json `conditions` on the statement text).
const PARTIQL_ACTIONS: readonly string[] = [
  'dynamodb:PartiQLSelect',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/**
 * Operations whose authorizing actions depend on the request (map.json `conditions`). The
 * record's requestParameters pick among the candidates; when they are absent or unreadable,
 * every candidate is reported. That over-counts usage, which is the safe side for rightsizing:
 * it can keep a grant, never remove a needed one.
 */
export const PARAMETER_DEPENDENT_CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  'dynamodb:TransactWriteItems': [
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  'dynamodb:ExecuteStatement': PARTIQL_ACTIONS,
  'dynamodb:BatchExecuteStatement': PARTIQL_ACTIONS,
  'dynamodb:ExecuteTransaction': PARTIQL_ACTIONS,
};

/**
 * API Gateway management calls are authorized by the HTTP verb of the REST call on the
 * `arn:aws:apigateway:<region>::/path` resource (§5.3, trailscraper `_to_api_gateway_statement`
 * uses botocore's http method). The v1 and v2 APIs name operations so that the leading verb
 * gives the HTTP method; the listed names are the exceptions, checked against the API Gateway
 * v1/v2 API references. `TagResource` is ambiguous (v1 PUT /tags, v2 POST /v2/tags) and stays
 * unmapped rather than guessed.
 */
const APIGATEWAY_VERBS: readonly (readonly [string, string])[] = [
  ['Get', 'GET'],
  ['Export', 'GET'], // v2 ExportApi: GET /v2/apis/{apiId}/exports/{specification}
  ['Create', 'POST'],
  ['Generate', 'POST'], // GenerateClientCertificate: POST /clientcertificates
  ['Test', 'POST'], // TestInvokeMethod / TestInvokeAuthorizer: POST
  ['Update', 'PATCH'],
  ['Delete', 'DELETE'],
  ['Flush', 'DELETE'], // FlushStageCache / FlushStageAuthorizersCache: DELETE …/cache/…
  ['Reset', 'DELETE'], // v2 ResetAuthorizersCache: DELETE …/cache/authorizers
  ['Untag', 'DELETE'], // v1 and v2 UntagResource: DELETE /tags/{arn}
  ['Put', 'PUT'],
  ['Import', 'PUT'], // ImportDocumentationParts, v2 ImportApi: PUT
  ['Reimport', 'PUT'], // v2 ReimportApi: PUT /v2/apis/{apiId}
];

/** Names whose verb does not follow the table above. */
const APIGATEWAY_VERB_OVERRIDES: Readonly<Record<string, string>> = {
  ImportRestApi: 'POST', // POST /restapis?mode=import
  ImportApiKeys: 'POST', // POST /apikeys?mode=import
};

/**
 * IAM prefix for an eventSource host: strip the host suffix, apply the overrides of §5.1, else
 * take the first label.
 * @returns the candidate prefix (lower case); the caller checks it against the catalog.
 */
export function eventSourcePrefix(eventSource: string): string {
  let host = eventSource.toLowerCase();
  for (const suffix of HOST_SUFFIXES) {
    if (host.endsWith(suffix)) {
      host = host.slice(0, -suffix.length);
      break;
    }
  }
  const override = EVENT_SOURCE_PREFIX_OVERRIDES[host];
  if (override !== undefined) return override;
  const dot = host.indexOf('.');
  return dot === -1 ? host : host.slice(0, dot);
}

/** Removes a Lambda/CloudFront API-version suffix (`…20150331v2`, `…2020_05_31`) if present. */
export function stripVersionSuffix(eventName: string): string {
  const stripped = eventName.replace(VERSION_SUFFIX, '');
  // A name that is only digits would strip to nothing; keep it as is so it stays unmapped.
  return stripped.length > 0 ? stripped : eventName;
}

/**
 * The HTTP-verb action (`GET`, `POST`, …) that authorizes an API Gateway management call.
 * @returns undefined when the name's verb is unknown or ambiguous.
 */
export function apiGatewayVerb(eventName: string): string | undefined {
  const override = APIGATEWAY_VERB_OVERRIDES[eventName];
  if (override !== undefined) return override;
  for (const [prefix, verb] of APIGATEWAY_VERBS) {
    // The verb must be a whole word: `GetStage` is a Get, a hypothetical `Getaway` is not.
    const next = eventName.charAt(prefix.length);
    if (eventName.startsWith(prefix) && next >= 'A' && next <= 'Z') return verb;
  }
  return undefined;
}

/**
 * True for data events: `eventCategory` "Data", or (older records without a category)
 * `managementEvent` false (CloudTrail record contents reference).
 */
export function isDataEvent(record: CloudTrailRecord): boolean {
  if (record.eventCategory !== undefined) return record.eventCategory === 'Data';
  return record.managementEvent === false || record.managementEvent === 'false';
}

/** True when CloudTrail marked the call read-only (`readOnly` true, as boolean or string). */
export function isReadOnlyEvent(record: CloudTrailRecord): boolean {
  return record.readOnly === true || record.readOnly === 'true';
}

// Event types that record an API call made by a principal (CloudTrail UG "CloudTrail record
// contents"). AwsVpceEvent (network activity) repeats calls already logged as AwsApiCall in
// the caller's account, so counting it again would double usage; it is a non-API event here.
const API_EVENT_TYPES: ReadonlySet<string> = new Set(['AwsApiCall', 'AwsConsoleAction']);

// Pairs remembered per mapper. Real trails have a few thousand distinct pairs; the cap stops
// malformed or hostile input from growing the memo without bound.
const MAX_MEMO_PAIRS = 100_000;

const NO_IAM: Readonly<Record<NoIamReason, ActionMapping>> = {
  'console-sign-in': Object.freeze({ kind: 'no-iam', reason: 'console-sign-in' }),
  permissionless: Object.freeze({ kind: 'no-iam', reason: 'permissionless' }),
  'service-event': Object.freeze({ kind: 'no-iam', reason: 'service-event' }),
  insight: Object.freeze({ kind: 'no-iam', reason: 'insight' }),
  'non-api-event': Object.freeze({ kind: 'no-iam', reason: 'non-api-event' }),
};

/** A memo entry: a fixed mapping, or a chooser that reads requestParameters. */
type PairResolution = ActionMapping | ((record: CloudTrailRecord) => ActionMapping);

/**
 * Builds the record → IAM action mapper for one catalog. Table entries whose targets the
 * catalog lacks are ignored (the unit tests keep the tables and the pinned catalog in step),
 * so a catalog update degrades to `unknown-action` instead of failing ingestion.
 * @returns a function that maps one record; it never throws on malformed records.
 */
export function createActionMapper(
  catalog: ActionCatalog,
): (record: CloudTrailRecord) => ActionMapping {
  const exceptions = resolveTable(catalog, ACTION_EXCEPTIONS);
  const dependent = resolveTable(catalog, PARAMETER_DEPENDENT_CANDIDATES);
  const permissionless = new Set([...PERMISSIONLESS_CALLS].map((k) => k.toLowerCase()));
  const memo = new Map<string, Map<string, PairResolution>>();
  let memoSize = 0;

  const resolvePair = (eventSource: string, eventName: string): PairResolution => {
    const prefix = eventSourcePrefix(eventSource);
    const unstrippedKey = `${prefix}:${eventName}`.toLowerCase();
    // Strip a version suffix only when the full name is not itself known (§5.2).
    const name =
      catalog.idOfParts(prefix, eventName) !== undefined ||
      exceptions.has(unstrippedKey) ||
      dependent.has(unstrippedKey)
        ? eventName
        : stripVersionSuffix(eventName);
    const key = `${prefix}:${name}`.toLowerCase();
    if (permissionless.has(key)) return NO_IAM.permissionless;
    const candidates = dependent.get(key);
    if (candidates !== undefined) return parameterChooser(key, candidates, catalog);
    const fixed = exceptions.get(key);
    if (fixed !== undefined) return actionMapping(catalog, fixed);
    if (!catalog.hasService(prefix)) {
      return { kind: 'unmapped', eventSource, eventName, reason: 'unknown-service' };
    }
    const id = catalog.idOfParts(prefix, name);
    if (id !== undefined) return actionMapping(catalog, [id]);
    if (prefix === 'apigateway') {
      const verb = apiGatewayVerb(name);
      const verbId = verb === undefined ? undefined : catalog.idOfParts('apigateway', verb);
      if (verbId !== undefined) return actionMapping(catalog, [verbId]);
    }
    return { kind: 'unmapped', eventSource, eventName, reason: 'unknown-action' };
  };

  return (record) => {
    const noIam = classifyEventType(record);
    if (noIam !== undefined) return NO_IAM[noIam];
    const { eventSource, eventName } = record;
    // Captures are parsed JSON, so a field can hold any type; only non-empty strings count.
    if (
      typeof eventSource !== 'string' ||
      typeof eventName !== 'string' ||
      !eventSource ||
      !eventName
    ) {
      return {
        kind: 'unmapped',
        eventSource: typeof eventSource === 'string' ? eventSource : '',
        eventName: typeof eventName === 'string' ? eventName : '',
        reason: 'missing-fields',
      };
    }
    let byName = memo.get(eventSource);
    let resolution = byName?.get(eventName);
    if (resolution === undefined) {
      resolution = resolvePair(eventSource, eventName);
      if (memoSize < MAX_MEMO_PAIRS) {
        if (byName === undefined) {
          byName = new Map();
          memo.set(eventSource, byName);
        }
        byName.set(eventName, resolution);
        memoSize++;
      }
    }
    return typeof resolution === 'function' ? resolution(record) : resolution;
  };
}

/** Event-type and sign-in screening, step (a) of the pipeline. */
function classifyEventType(record: CloudTrailRecord): NoIamReason | undefined {
  const type = record.eventType;
  if (type === 'AwsServiceEvent') return 'service-event';
  // signin.amazonaws.com events (ConsoleLogin, CheckMfa, SwitchRole, GetSigninToken, …) have no
  // IAM action (cloudtracker NO_IAM), whatever eventType the capture gives them.
  const source = record.eventSource;
  if (type === 'AwsConsoleSignIn' || (typeof source === 'string' && source.startsWith('signin.'))) {
    return 'console-sign-in';
  }
  if (type === 'AwsCloudTrailInsight') return 'insight';
  // Partial records (hand-written fixtures, some exports) omit eventType: treat them as calls.
  if (type !== undefined && !API_EVENT_TYPES.has(type)) return 'non-api-event';
  return undefined;
}

/** Resolves a `prefix:Name → actions` table to ids, dropping entries with unknown targets. */
function resolveTable(
  catalog: ActionCatalog,
  table: Readonly<Record<string, readonly string[]>>,
): Map<string, readonly number[]> {
  const resolved = new Map<string, readonly number[]>();
  for (const [key, targets] of Object.entries(table)) {
    const ids = targets.map((t) => catalog.idOf(t));
    if (ids.every((id) => id !== undefined)) resolved.set(key.toLowerCase(), ids as number[]);
  }
  return resolved;
}

function actionMapping(catalog: ActionCatalog, ids: readonly number[]): ActionMapping {
  const first = catalog.actions[ids[0] ?? -1];
  return Object.freeze({
    kind: 'action' as const,
    service: first?.service ?? '',
    actionIds: Object.freeze([...ids]),
  });
}

/**
 * A chooser for `PARAMETER_DEPENDENT_CANDIDATES`: reads requestParameters to pick the
 * candidates the request used, caching one mapping per subset (at most 2^4 of them).
 */
function parameterChooser(
  key: string,
  candidateIds: readonly number[],
  catalog: ActionCatalog,
): (record: CloudTrailRecord) => ActionMapping {
  const bySubset = new Map<number, ActionMapping>();
  const pick = key === 'dynamodb:transactwriteitems' ? transactWriteSubset : partiqlSubset;
  return (record) => {
    let mask = pick(key, record.requestParameters);
    // Unknown request shape: report every candidate (see PARAMETER_DEPENDENT_CANDIDATES).
    if (mask === 0) mask = (1 << candidateIds.length) - 1;
    let mapping = bySubset.get(mask);
    if (mapping === undefined) {
      mapping = actionMapping(
        catalog,
        candidateIds.filter((_, i) => (mask & (1 << i)) !== 0),
      );
      bySubset.set(mask, mapping);
    }
    return mapping;
  };
}

type Params = Record<string, unknown> | null | undefined;

/** Case-insensitive property read: CloudTrail camel-cases request fields inconsistently. */
function param(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const record = obj as Record<string, unknown>;
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(record)) if (k.toLowerCase() === lower) return record[k];
  return undefined;
}

// Bit order matches PARAMETER_DEPENDENT_CANDIDATES['dynamodb:TransactWriteItems'].
const TRANSACT_WRITE_BITS: Readonly<Record<string, number>> = {
  conditioncheck: 1,
  put: 2,
  update: 4,
  delete: 8,
};

/** Which of ConditionCheck/Put/Update/Delete a TransactWriteItems request used, as a bitmask. */
function transactWriteSubset(_key: string, params: Params): number {
  const items = param(params, 'transactItems');
  if (!Array.isArray(items)) return 0;
  let mask = 0;
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    for (const k of Object.keys(item)) mask |= TRANSACT_WRITE_BITS[k.toLowerCase()] ?? 0;
    // Some renderings flatten each item to `{ operation: "Put", tableName }`.
    const op = param(item, 'operation');
    if (typeof op === 'string') mask |= TRANSACT_WRITE_BITS[op.toLowerCase()] ?? 0;
  }
  return mask;
}

// Bit order matches PARTIQL_ACTIONS.
const PARTIQL_BITS: Readonly<Record<string, number>> = {
  select: 1,
  insert: 2,
  update: 4,
  delete: 8,
};

/**
 * Which PartiQL verbs a statement call used. CloudTrail keeps the statement text and redacts
 * only non-key attribute values (DynamoDB Developer Guide, "Understanding DynamoDB log file
 * entries"), so the leading keyword is readable.
 */
function partiqlSubset(key: string, params: Params): number {
  const statements: unknown[] = [];
  if (key === 'dynamodb:executestatement') statements.push(param(params, 'statement'));
  else {
    const list = param(
      params,
      key === 'dynamodb:executetransaction' ? 'transactStatements' : 'statements',
    );
    if (Array.isArray(list)) for (const s of list) statements.push(param(s, 'statement'));
  }
  let mask = 0;
  for (const statement of statements) {
    if (typeof statement !== 'string') continue;
    const verb = /^\s*([A-Za-z]+)/.exec(statement)?.[1]?.toLowerCase();
    mask |= verb === undefined ? 0 : (PARTIQL_BITS[verb] ?? 0);
  }
  return mask;
}
