import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { type ActionCatalog, buildCatalog } from '#core/catalog/catalog.ts';
import {
  ACTION_EXCEPTIONS,
  apiGatewayVerb,
  createActionMapper,
  EVENT_SOURCE_PREFIX_OVERRIDES,
  eventSourcePrefix,
  INTENTIONAL_SHADOWS,
  isDataEvent,
  isReadOnlyEvent,
  PARAMETER_DEPENDENT_CANDIDATES,
  PERMISSIONLESS_CALLS,
  stripVersionSuffix,
} from '#core/cloudtrail/map-action.ts';
import type { ActionMapping, CloudTrailRecord } from '#core/cloudtrail/types.ts';

/** A management API call record; override any field. */
function aRecord(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    eventTime: '2026-01-01T00:00:00Z',
    eventType: 'AwsApiCall',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    userIdentity: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111111111111:user/alice',
      accountId: '111111111111',
    },
    recipientAccountId: '111111111111',
    ...overrides,
  };
}

function call(eventSource: string, eventName: string, extra: Partial<CloudTrailRecord> = {}) {
  return aRecord({ eventSource, eventName, ...extra });
}

describe('createActionMapper', () => {
  let catalog: ActionCatalog;
  let map: (record: CloudTrailRecord) => ActionMapping;

  beforeAll(async () => {
    catalog = await loadCatalog();
    map = createActionMapper(catalog);
  });

  /** The qualified actions a mapping names, or its kind and reason. */
  function describeMapping(mapping: ActionMapping): string[] | string {
    if (mapping.kind === 'action')
      return mapping.actionIds.map((id) => catalog.actions[id]!.qualified);
    return `${mapping.kind}:${mapping.reason}`;
  }

  function actionsOf(eventSource: string, eventName: string, extra?: Partial<CloudTrailRecord>) {
    return describeMapping(map(call(eventSource, eventName, extra)));
  }

  describe('non-API and permissionless events', () => {
    it('classes AWS service events as service events even without eventName', () => {
      // Arrange
      const record = aRecord({ eventType: 'AwsServiceEvent', eventName: undefined });

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({ kind: 'no-iam', reason: 'service-event' });
    });

    it('classes console sign-ins by event type', () => {
      // Arrange
      const record = call('signin.amazonaws.com', 'ConsoleLogin', {
        eventType: 'AwsConsoleSignIn',
      });

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({ kind: 'no-iam', reason: 'console-sign-in' });
    });

    it('classes every signin.amazonaws.com event as a sign-in, whatever its event type', () => {
      // Arrange
      const record = call('signin.amazonaws.com', 'GetSigninToken', { eventType: 'AwsApiCall' });

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({ kind: 'no-iam', reason: 'console-sign-in' });
    });

    it('classes CloudTrail Insights events as insights', () => {
      // Arrange
      const record = aRecord({ eventType: 'AwsCloudTrailInsight' });

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({ kind: 'no-iam', reason: 'insight' });
    });

    it.each([
      'AwsVpceEvent',
      'user.session.start',
    ])('classes the %s event type as a non-API event', (eventType) => {
      // Arrange
      const record = call('s3.amazonaws.com', 'GetObject', { eventType });

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({ kind: 'no-iam', reason: 'non-api-event' });
    });

    it('maps console actions and records without an event type like API calls', () => {
      // Arrange
      const consoleAction = call('iam.amazonaws.com', 'CreateUser', {
        eventType: 'AwsConsoleAction',
      });
      const untyped = call('iam.amazonaws.com', 'CreateUser', { eventType: undefined });

      // Act
      const mapped = [describeMapping(map(consoleAction)), describeMapping(map(untyped))];

      // Assert
      expect(mapped).toEqual([['iam:CreateUser'], ['iam:CreateUser']]);
    });

    it.each([
      ['sts.amazonaws.com', 'GetCallerIdentity'],
      ['sts.amazonaws.com', 'GetSessionToken'],
      ['dynamodb.amazonaws.com', 'DescribeEndpoints'],
    ])('classes %s %s as permissionless', (eventSource, eventName) => {
      // Arrange
      const record = call(eventSource, eventName);

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({ kind: 'no-iam', reason: 'permissionless' });
    });

    it('maps GetFederationToken to its action because the caller needs an explicit allow', () => {
      // Arrange
      const record = call('sts.amazonaws.com', 'GetFederationToken');

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual(['sts:GetFederationToken']);
    });
  });

  describe('malformed and unknown records', () => {
    it('reports records without eventSource or eventName as missing fields', () => {
      // Arrange
      const record = aRecord({ eventSource: undefined, eventName: 'CreateUser' });

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({
        kind: 'unmapped',
        eventSource: '',
        eventName: 'CreateUser',
        reason: 'missing-fields',
      });
    });

    it('reports an event source the catalog does not know as an unknown service', () => {
      // Arrange
      const record = call('billingconsole.amazonaws.com', 'GetAlternateContact');

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({
        kind: 'unmapped',
        eventSource: 'billingconsole.amazonaws.com',
        eventName: 'GetAlternateContact',
        reason: 'unknown-service',
      });
    });

    it('reports an event name the service does not have as an unknown action', () => {
      // Arrange
      const record = call('iam.amazonaws.com', 'NotCreateUser');

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toMatchObject({ kind: 'unmapped', reason: 'unknown-action' });
    });

    it('reports fields of the wrong type as missing instead of throwing', () => {
      // Arrange
      const record = {
        ...aRecord(),
        eventSource: 42,
        eventName: ['x'],
      } as unknown as CloudTrailRecord;

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({
        kind: 'unmapped',
        eventSource: '',
        eventName: '',
        reason: 'missing-fields',
      });
    });

    it('returns the memoized mapping for a repeated eventSource and eventName', () => {
      // Arrange
      const first = call('ec2.amazonaws.com', 'RunInstances');
      const second = call('ec2.amazonaws.com', 'RunInstances', { awsRegion: 'eu-west-1' });

      // Act
      const a = map(first);
      const b = map(second);

      // Assert
      expect(b).toBe(a);
    });
  });

  describe('event source to IAM prefix', () => {
    it.each([
      ['monitoring.amazonaws.com', 'DescribeAlarms', 'cloudwatch:DescribeAlarms'],
      ['email.amazonaws.com', 'SendEmail', 'ses:SendEmail'],
      ['appstream2.amazonaws.com', 'CreateFleet', 'appstream:CreateFleet'],
      ['models.lex.amazonaws.com', 'GetBots', 'lex:GetBots'],
      ['runtime.lex.amazonaws.com', 'PostText', 'lex:PostText'],
      ['mturk-requester.amazonaws.com', 'CreateHIT', 'mechanicalturk:CreateHIT'],
      ['streams.dynamodb.amazonaws.com', 'GetRecords', 'dynamodb:GetRecords'],
      ['tagging.amazonaws.com', 'GetResources', 'tag:GetResources'],
      ['runtime.sagemaker.amazonaws.com', 'InvokeEndpoint', 'sagemaker:InvokeEndpoint'],
      [
        'bedrock-agentcore-control.amazonaws.com',
        'CreateGateway',
        'bedrock-agentcore:CreateGateway',
      ],
      ['bedrock-agentcore.amazonaws.com', 'InvokeGateway', 'bedrock-agentcore:InvokeGateway'],
      ['bedrock-runtime.amazonaws.com', 'InvokeModel', 'bedrock:InvokeModel'],
      ['bedrock-mantle.us-east-1.api.aws', 'ListModels', 'bedrock-mantle:ListModels'],
      ['s3.amazonaws.com.cn', 'CreateBucket', 's3:CreateBucket'],
    ])('maps %s %s to %s', (eventSource, eventName, expected) => {
      // Arrange
      const record = call(eventSource, eventName);

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual([expected]);
    });

    it('strips the host suffix and takes the first label', () => {
      // Arrange
      const sources = ['s3.amazonaws.com', 'ec2.amazonaws.com', 'bedrock-mantle.us-east-1.api.aws'];

      // Act
      const prefixes = sources.map(eventSourcePrefix);

      // Assert
      expect(prefixes).toEqual(['s3', 'ec2', 'bedrock-mantle']);
    });

    it('points every override at a service the catalog has', () => {
      // Arrange
      const targets = Object.values(EVENT_SOURCE_PREFIX_OVERRIDES);

      // Act
      const missing = targets.filter((t) => !catalog.hasService(t));

      // Assert
      expect(missing).toEqual([]);
    });
  });

  describe('version suffixes', () => {
    it.each([
      ['CreateFunction20150331', 'CreateFunction'],
      ['UpdateFunctionCode20150331v2', 'UpdateFunctionCode'],
      ['GetDistribution2020_05_31', 'GetDistribution'],
      ['DescribeInstances', 'DescribeInstances'],
      ['Get2020Report', 'Get2020Report'],
      ['20150331', '20150331'],
    ])('strips %s to %s', (eventName, expected) => {
      // Arrange
      const name = eventName;

      // Act
      const stripped = stripVersionSuffix(name);

      // Assert
      expect(stripped).toBe(expected);
    });

    it.each([
      [
        'lambda.amazonaws.com',
        'UpdateFunctionConfiguration20150331v2',
        'lambda:UpdateFunctionConfiguration',
      ],
      ['lambda.amazonaws.com', 'AddPermission20150331', 'lambda:AddPermission'],
      ['cloudfront.amazonaws.com', 'UpdateDistribution2020_05_31', 'cloudfront:UpdateDistribution'],
    ])('maps the versioned %s %s to %s', (eventSource, eventName, expected) => {
      // Arrange
      const record = call(eventSource, eventName);

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual([expected]);
    });

    it('keeps a dated name that is itself a catalog action', () => {
      // Arrange
      const tiny = buildCatalog(
        [
          {
            service: 'lambda',
            name: 'Publish20150331',
            accessLevel: 'Write',
            resourceTypeCount: 1,
          },
          { service: 'lambda', name: 'Publish', accessLevel: 'Write', resourceTypeCount: 1 },
        ],
        'test',
      );
      const mapper = createActionMapper(tiny);

      // Act
      const mapping = mapper(call('lambda.amazonaws.com', 'Publish20150331'));

      // Assert
      expect(mapping).toMatchObject({
        kind: 'action',
        actionIds: [tiny.idOf('lambda:Publish20150331')],
      });
    });
  });

  describe('exception table', () => {
    it.each([
      ['ListObjects', ['s3:ListBucket']],
      ['ListObjectsV2', ['s3:ListBucket']],
      ['HeadBucket', ['s3:ListBucket']],
      ['ListBuckets', ['s3:ListAllMyBuckets']],
      ['ListObjectVersions', ['s3:ListBucketVersions']],
      ['HeadObject', ['s3:GetObject']],
      ['CreateMultipartUpload', ['s3:PutObject']],
      ['UploadPart', ['s3:PutObject']],
      ['CompleteMultipartUpload', ['s3:PutObject']],
      ['ListParts', ['s3:ListMultipartUploadParts']],
      ['CopyObject', ['s3:GetObject', 's3:PutObject']],
      ['DeleteObjects', ['s3:DeleteObject']],
      ['GetBucketEncryption', ['s3:GetEncryptionConfiguration']],
      ['DeleteBucketEncryption', ['s3:PutEncryptionConfiguration']],
      ['PutBucketLifecycle', ['s3:PutLifecycleConfiguration']],
      ['GetBucketLifecycleConfiguration', ['s3:GetLifecycleConfiguration']],
      ['DeleteBucketReplication', ['s3:PutReplicationConfiguration']],
      ['GetBucketReplication', ['s3:GetReplicationConfiguration']],
      ['DeleteBucketPublicAccessBlock', ['s3:PutBucketPublicAccessBlock']],
      ['GetPublicAccessBlock', ['s3:GetBucketPublicAccessBlock']],
      ['DeleteBucketCors', ['s3:PutBucketCORS']],
      ['DeleteBucketTagging', ['s3:PutBucketTagging']],
      ['PutBucketNotificationConfiguration', ['s3:PutBucketNotification']],
      ['ListBucketAnalyticsConfigurations', ['s3:GetAnalyticsConfiguration']],
      ['GetBucketCors', ['s3:GetBucketCORS']],
    ])('maps S3 %s to %j', (eventName, expected) => {
      // Arrange
      const record = call('s3.amazonaws.com', eventName);

      // Act
      const actions = actionsOf(record.eventSource!, record.eventName!);

      // Assert
      expect(actions).toEqual(expected);
    });

    it.each([
      ['lambda.amazonaws.com', 'Invoke', ['lambda:InvokeFunction']],
      ['lambda.amazonaws.com', 'InvokeAsync', ['lambda:InvokeAsync']],
      ['lambda.amazonaws.com', 'GetLayerVersionByArn', ['lambda:GetLayerVersion']],
      ['bedrock.amazonaws.com', 'Converse', ['bedrock:InvokeModel']],
      ['bedrock.amazonaws.com', 'ConverseStream', ['bedrock:InvokeModelWithResponseStream']],
      ['bedrock.amazonaws.com', 'InvokeModel', ['bedrock:InvokeModel']],
      ['bedrock.amazonaws.com', 'StartAsyncInvoke', ['bedrock:InvokeModel']],
      ['kms.amazonaws.com', 'ReEncrypt', ['kms:ReEncryptFrom', 'kms:ReEncryptTo']],
      ['budgets.amazonaws.com', 'CreateBudget', ['budgets:ModifyBudget']],
      ['budgets.amazonaws.com', 'DescribeBudgets', ['budgets:ViewBudget']],
      ['dynamodb.amazonaws.com', 'TransactGetItems', ['dynamodb:GetItem']],
      ['sns.amazonaws.com', 'PublishBatch', ['sns:Publish']],
      ['sqs.amazonaws.com', 'SendMessageBatch', ['sqs:SendMessage']],
      [
        'secretsmanager.amazonaws.com',
        'BatchGetSecretValue',
        ['secretsmanager:BatchGetSecretValue', 'secretsmanager:GetSecretValue'],
      ],
    ])('maps %s %s to %j', (eventSource, eventName, expected) => {
      // Arrange
      const record = call(eventSource, eventName);

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual(expected);
    });

    it('gives the service of the authorizing action', () => {
      // Arrange
      const record = call('s3.amazonaws.com', 'ListObjects');

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toMatchObject({ kind: 'action', service: 's3' });
    });

    it('names only actions the catalog has', () => {
      // Arrange
      const targets = [
        ...Object.values(ACTION_EXCEPTIONS).flat(),
        ...Object.values(PARAMETER_DEPENDENT_CANDIDATES).flat(),
        ...PERMISSIONLESS_CALLS,
      ];

      // Act
      const missing = targets.filter((t) => catalog.idOf(t) === undefined);

      // Assert
      expect(missing).toEqual([]);
    });

    it('keys every entry under a service the catalog has', () => {
      // Arrange
      const keys = [
        ...Object.keys(ACTION_EXCEPTIONS),
        ...Object.keys(PARAMETER_DEPENDENT_CANDIDATES),
      ];

      // Act
      const unknown = keys.filter((k) => !catalog.hasService(k.split(':')[0]!));

      // Assert
      expect(unknown).toEqual([]);
    });

    it('overrides a same-name catalog action only where that is intended', () => {
      // Arrange
      const keys = [
        ...Object.keys(ACTION_EXCEPTIONS),
        ...Object.keys(PARAMETER_DEPENDENT_CANDIDATES),
      ];

      // Act
      const shadows = keys.filter(
        (k) => catalog.idOf(k) !== undefined && !INTENTIONAL_SHADOWS.has(k),
      );

      // Assert
      expect(shadows).toEqual([]);
    });

    it('falls through to unknown-action when the catalog lacks an exception target', () => {
      // Arrange
      const tiny = buildCatalog(
        [{ service: 's3', name: 'GetObject', accessLevel: 'Read', resourceTypeCount: 1 }],
        'test',
      );
      const mapper = createActionMapper(tiny);

      // Act
      const mapping = mapper(call('s3.amazonaws.com', 'ListObjects'));

      // Assert
      expect(mapping).toMatchObject({ kind: 'unmapped', reason: 'unknown-action' });
    });
  });

  describe('request-dependent operations', () => {
    it('maps TransactWriteItems to the item actions its request used', () => {
      // Arrange
      const record = call('dynamodb.amazonaws.com', 'TransactWriteItems', {
        requestParameters: {
          transactItems: [{ put: { tableName: 'T' } }, { delete: { tableName: 'T' } }],
        },
      });

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual(['dynamodb:PutItem', 'dynamodb:DeleteItem']);
    });

    it('reads TransactWriteItems items written as an operation field', () => {
      // Arrange
      const record = call('dynamodb.amazonaws.com', 'TransactWriteItems', {
        requestParameters: { transactItems: [{ operation: 'ConditionCheck', tableName: 'T' }] },
      });

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual(['dynamodb:ConditionCheckItem']);
    });

    it('reports every candidate when the request parameters are not recorded', () => {
      // Arrange
      const record = call('dynamodb.amazonaws.com', 'TransactWriteItems', {
        requestParameters: null,
      });

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual([
        'dynamodb:ConditionCheckItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]);
    });

    it.each([
      [
        'ExecuteStatement',
        { statement: 'SELECT * FROM "T" WHERE pk=?' },
        ['dynamodb:PartiQLSelect'],
      ],
      [
        'BatchExecuteStatement',
        { statements: [{ statement: 'UPDATE "T" SET a=?' }, { statement: ' delete FROM "T"' }] },
        ['dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'],
      ],
      [
        'ExecuteTransaction',
        { transactStatements: [{ statement: 'INSERT INTO "T" VALUE {}' }] },
        ['dynamodb:PartiQLInsert'],
      ],
    ])('maps PartiQL %s to the verbs of its statements', (eventName, params, expected) => {
      // Arrange
      const record = call('dynamodb.amazonaws.com', eventName, { requestParameters: params });

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual(expected);
    });
  });

  describe('API Gateway management calls', () => {
    it.each([
      ['GetResource', 'apigateway:GET'],
      ['GetApis', 'apigateway:GET'],
      ['CreateRestApi', 'apigateway:POST'],
      ['CreateDeployment', 'apigateway:POST'],
      ['UpdateStage', 'apigateway:PATCH'],
      ['DeleteApi', 'apigateway:DELETE'],
      ['PutIntegration', 'apigateway:PUT'],
      ['ImportApi', 'apigateway:PUT'],
      ['ImportRestApi', 'apigateway:POST'],
      ['FlushStageCache', 'apigateway:DELETE'],
      ['UntagResource', 'apigateway:DELETE'],
      ['GetPortal', 'apigateway:GetPortal'],
    ])('maps %s to %s', (eventName, expected) => {
      // Arrange
      const record = call('apigateway.amazonaws.com', eventName);

      // Act
      const actions = describeMapping(map(record));

      // Assert
      expect(actions).toEqual([expected]);
    });

    it('leaves TagResource unmapped because v1 and v2 use different verbs', () => {
      // Arrange
      const record = call('apigateway.amazonaws.com', 'TagResource');

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toMatchObject({ kind: 'unmapped', reason: 'unknown-action' });
    });

    it('matches a verb only as a whole word', () => {
      // Arrange
      const names = ['Getaway', 'Get', 'GetStage'];

      // Act
      const verbs = names.map(apiGatewayVerb);

      // Assert
      expect(verbs).toEqual([undefined, undefined, 'GET']);
    });
  });

  describe('same-name fallback', () => {
    it('maps an event to the action of the same name', () => {
      // Arrange
      const record = call('ec2.amazonaws.com', 'RunInstances');

      // Act
      const mapping = map(record);

      // Assert
      expect(mapping).toEqual({
        kind: 'action',
        service: 'ec2',
        actionIds: [catalog.idOf('ec2:RunInstances')],
      });
    });
  });
});

describe('isDataEvent', () => {
  it.each([
    [{ eventCategory: 'Data' }, true],
    [{ eventCategory: 'Management', managementEvent: false }, false],
    [{ managementEvent: false }, true],
    [{ managementEvent: 'false' }, true],
    [{ managementEvent: true }, false],
    [{}, false],
  ] as const)('classes %j as data event: %s', (fields, expected) => {
    // Arrange
    const record = aRecord(fields);

    // Act
    const result = isDataEvent(record);

    // Assert
    expect(result).toBe(expected);
  });
});

describe('isReadOnlyEvent', () => {
  it.each([
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
    [undefined, false],
  ] as const)('reads readOnly %j as %s', (readOnly, expected) => {
    // Arrange
    const record = aRecord({ readOnly });

    // Act
    const result = isReadOnlyEvent(record);

    // Assert
    expect(result).toBe(expected);
  });
});
