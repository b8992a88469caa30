import type { AdvancedEventSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import {
  DATA_EVENT_NAMESPACE_PREFIX,
  DATA_EVENT_TYPE_PREFIX,
  dataEventService,
  summarizeEventSelectors,
} from '#connectors/aws/cloudtrail/event-selectors.ts';

/** An advanced selector for the data events of one resource type. */
function dataSelector(type: string, extra: AdvancedEventSelector['FieldSelectors'] = []) {
  return {
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: [type] },
      ...(extra ?? []),
    ],
  };
}

/** An advanced selector for management events, optionally filtered on readOnly. */
function managementSelector(readOnly?: { Equals?: string[]; NotEquals?: string[] }) {
  return {
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Management'] },
      ...(readOnly ? [{ Field: 'readOnly', ...readOnly }] : []),
    ],
  };
}

describe('dataEventService', () => {
  it.each([
    ['AWS::S3::Object', 's3'],
    ['AWS::S3::AccessPoint', 's3'],
    ['AWS::Lambda::Function', 'lambda'],
    ['AWS::DynamoDB::Table', 'dynamodb'],
    ['AWS::DynamoDB::Stream', 'dynamodb'],
    ['AWS::SNS::Topic', 'sns'],
    ['AWS::SQS::Queue', 'sqs'],
    ['AWS::Kinesis::Stream', 'kinesis'],
    ['AWS::S3Express::Object', 's3express'],
    ['AWS::SageMaker::Endpoint', 'sagemaker'],
    ['AWS::Bedrock::AgentAlias', 'bedrock'],
    ['AWS::Bedrock::Model', 'bedrock'],
    ['AWS::Bedrock::SomeFutureType', 'bedrock'],
    ['AWS::BedrockAgentCore::Gateway', 'bedrock-agentcore'],
    ['AWS::BedrockAgentCore::Runtime', 'bedrock-agentcore'],
    ['AWS::StepFunctions::StateMachine', 'states'],
    ['AWS::EC2::Snapshot', 'ebs'],
    ['AWS::RDS::DBCluster', 'rds-data'],
    ['AWS::CloudTrail::Channel', 'cloudtrail-data'],
  ])('maps %s to the IAM prefix %s', (type, prefix) => {
    // Act
    const service = dataEventService(type);
    // Assert
    expect(service).toBe(prefix);
  });

  it.each([
    'AWS::EC2::Instance',
    'AWS::Unknown::Thing',
    'not a type',
  ])('knows no prefix for %s', (type) => {
    // Act
    const service = dataEventService(type);
    // Assert
    expect(service).toBeUndefined();
  });

  it('maps only to prefixes the action catalog knows', async () => {
    // Arrange
    const services = new Set((await loadCatalog()).services());
    // Act
    const prefixes = [
      ...Object.values(DATA_EVENT_NAMESPACE_PREFIX),
      ...Object.values(DATA_EVENT_TYPE_PREFIX),
    ];
    // Assert
    expect(prefixes.filter((p) => !services.has(p))).toEqual([]);
  });
});

describe('summarizeEventSelectors', () => {
  it('reads a trail without selectors as CloudTrail logs it by default', () => {
    // Act
    const summary = summarizeEventSelectors({ EventSelectors: [], AdvancedEventSelectors: [] });
    // Assert
    expect(summary).toEqual({
      managementEvents: 'All',
      dataEventServices: [],
      unknownResourceTypes: [],
    });
  });

  it.each<[string, EventSelector[], string, string[]]>([
    ['the default basic selector', [{}], 'All', []],
    ['write-only management events', [{ ReadWriteType: 'WriteOnly' }], 'WriteOnly', []],
    ['read-only management events', [{ ReadWriteType: 'ReadOnly' }], 'ReadOnly', []],
    [
      'read-only and write-only selectors together',
      [{ ReadWriteType: 'ReadOnly' }, { ReadWriteType: 'WriteOnly' }],
      'All',
      [],
    ],
    [
      'data events without management events',
      [
        {
          IncludeManagementEvents: false,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] },
            { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] },
            { Type: 'AWS::DynamoDB::Table', Values: ['arn:aws:dynamodb'] },
          ],
        },
      ],
      'None',
      ['dynamodb', 'lambda', 's3'],
    ],
    [
      'a data resource that selects no resource',
      [{ DataResources: [{ Type: 'AWS::S3::Object', Values: [] }] }],
      'All',
      [],
    ],
  ])('reads basic selectors: %s', (_, selectors, management, services) => {
    // Act
    const summary = summarizeEventSelectors({ EventSelectors: selectors });
    // Assert
    expect(summary.managementEvents).toBe(management);
    expect(summary.dataEventServices).toEqual(services);
  });

  it.each<[string, AdvancedEventSelector[], string, string[]]>([
    ['all management events', [managementSelector()], 'All', []],
    ['readOnly equals true', [managementSelector({ Equals: ['true'] })], 'ReadOnly', []],
    ['readOnly equals false', [managementSelector({ Equals: ['false'] })], 'WriteOnly', []],
    ['readOnly not equal to true', [managementSelector({ NotEquals: ['true'] })], 'WriteOnly', []],
    [
      'read and write in two selectors',
      [managementSelector({ Equals: ['true'] }), managementSelector({ Equals: ['false'] })],
      'All',
      [],
    ],
    [
      'data events only',
      [dataSelector('AWS::SNS::Topic'), dataSelector('AWS::SQS::Queue')],
      'None',
      ['sns', 'sqs'],
    ],
    [
      'Bedrock and AgentCore data events beside management events',
      [
        managementSelector(),
        dataSelector('AWS::Bedrock::AgentAlias'),
        dataSelector('AWS::Bedrock::KnowledgeBase'),
        dataSelector('AWS::BedrockAgentCore::Gateway'),
      ],
      'All',
      ['bedrock', 'bedrock-agentcore'],
    ],
    [
      'a data selector narrowed to some operations',
      [dataSelector('AWS::S3::Object', [{ Field: 'eventName', Equals: ['GetObject'] }])],
      'None',
      ['s3'],
    ],
    [
      'network activity events, which are neither',
      [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['NetworkActivity'] },
            { Field: 'eventSource', Equals: ['s3.amazonaws.com'] },
          ],
        },
      ],
      'None',
      [],
    ],
  ])('reads advanced selectors: %s', (_, selectors, management, services) => {
    // Act
    const summary = summarizeEventSelectors({ AdvancedEventSelectors: selectors });
    // Assert
    expect(summary.managementEvents).toBe(management);
    expect(summary.dataEventServices).toEqual(services);
  });

  it('lists data-event types it cannot map instead of counting them', () => {
    // Act
    const summary = summarizeEventSelectors({
      AdvancedEventSelectors: [dataSelector('AWS::Future::Thing'), dataSelector('AWS::SQS::Queue')],
    });
    // Assert
    expect(summary.dataEventServices).toEqual(['sqs']);
    expect(summary.unknownResourceTypes).toEqual(['AWS::Future::Thing']);
  });
});
