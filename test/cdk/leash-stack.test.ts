import {
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import type { PolicyViolation } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ensureTable } from '#adapters/dynamodb/table.ts';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';
import { ENV, EVENT_SOURCE } from '#functions/shared/contract.ts';
import { ENTRA_CREDENTIAL_DESCRIPTIONS } from '../../cdk/constructs/entra-credential.ts';
import { HANDLER_NAMES } from '../../cdk/constructs/leash-functions.ts';
import { leashNagPacks } from '../../cdk/nag-packs.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';
import { LeashMemberStack } from '../../cdk/stacks/member-stack.ts';
import {
  aLeashStack,
  allResources,
  aMemberStack,
  anApp,
  type CfnJson,
  FIXTURE_ENTRIES,
  FULL_CONTEXT,
  resourcesOf,
} from './leash-app.ts';

// One synthesis per setting set, shared by the tests that only read the template.
const standard = aLeashStack();
const full = aLeashStack(FULL_CONTEXT);

function describeViolation(violation: PolicyViolation): string {
  const paths = violation.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId);
  return `${violation.ruleName} at ${paths.join(', ')}: ${violation.description}`;
}

/** The CloudFormation logical id of the Leash bucket (not its access-logs bucket). */
function reportBucketId(stack: LeashStack): string {
  return stack.getLogicalId(stack.reports.bucket.node.defaultChild as CfnBucket);
}

function accessLogsBucketId(stack: LeashStack): string {
  return stack.getLogicalId(stack.reports.accessLogsBucket.node.defaultChild as CfnBucket);
}

/** The logical id of the only resource of a type whose properties match. */
function idOf(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids, type).toHaveLength(1);
  return ids[0]!;
}

/** The data key: the one KMS key whose description names the bucket. */
function dataKeyId(template: Template): string {
  return idOf(template, 'AWS::KMS::Key', { Description: Match.stringLikeRegexp('Leash bucket') });
}

/** Lambda functions by their Powertools service name (= handler name). */
function functionsByName(template: Template) {
  return Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).map(([id, fn]) => [
      fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string,
      { id, ...fn },
    ]),
  );
}

describe('LeashStack', () => {
  describe('data key', () => {
    it('is customer-managed, rotated and retained', () => {
      // Arrange
      const { template } = standard;

      // Act / Assert
      template.hasResource('AWS::KMS::Key', {
        Properties: {
          Description: Match.stringLikeRegexp('Leash bucket'),
          EnableKeyRotation: true,
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('Leash bucket', () => {
    it('encrypts with the data key (and an S3 Bucket Key); the access logs with SSE-S3', () => {
      // Arrange
      const { stack, template } = standard;
      const resources = template.toJSON().Resources;

      // Act
      const bucket = resources[reportBucketId(stack)].Properties.BucketEncryption;
      const logs = resources[accessLogsBucketId(stack)].Properties.BucketEncryption;

      // Assert
      expect(bucket.ServerSideEncryptionConfiguration).toEqual([
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [dataKeyId(template), 'Arn'] },
          },
        },
      ]);
      // S3 server access logging cannot deliver to an SSE-KMS bucket.
      expect(logs.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
    });

    it('blocks every form of public access on both buckets', () => {
      // Arrange
      const { template } = standard;

      // Act
      const buckets = template.findResources('AWS::S3::Bucket', {
        Properties: {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        },
      });

      // Assert
      expect(Object.keys(buckets)).toHaveLength(2);
    });

    it('denies requests that do not use TLS 1.2 or newer, on both buckets', () => {
      // Arrange
      const { stack, template } = standard;

      // Act
      const policies = template.findResources('AWS::S3::BucketPolicy', {
        Properties: {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
              }),
            ]),
          },
        },
      });

      // Assert
      const protectedBuckets = Object.values(policies).map((p) => p.Properties.Bucket.Ref);
      expect(protectedBuckets.sort()).toEqual(
        [reportBucketId(stack), accessLogsBucketId(stack)].sort(),
      );
    });

    it('versions objects and expires run files after 14 days, usage after lookback + 35', () => {
      // Arrange
      const { stack, template } = standard;

      // Act
      const bucket = template.toJSON().Resources[reportBucketId(stack)];

      // Assert
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
        expect.objectContaining({
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          ExpiredObjectDeleteMarker: true,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        }),
        expect.objectContaining({
          Prefix: 'work/runs/',
          ExpirationInDays: 14,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        }),
        expect.objectContaining({
          Prefix: 'work/usage/',
          ExpirationInDays: 125,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        }),
      ]);
    });

    it('keeps usage snapshots for the configured lookback plus 35 days', () => {
      // Arrange
      const { stack, template } = full;

      // Act
      const rules = template.toJSON().Resources[reportBucketId(stack)].Properties
        .LifecycleConfiguration.Rules as { Prefix?: string; ExpirationInDays?: number }[];

      // Assert
      expect(rules.find((r) => r.Prefix === 'work/usage/')?.ExpirationInDays).toBe(30 + 35);
    });

    it('writes server access logs to the separate access-logs bucket', () => {
      // Arrange
      const { stack, template } = standard;

      // Act
      const bucket = template.toJSON().Resources[reportBucketId(stack)];

      // Assert
      expect(bucket.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: accessLogsBucketId(stack) },
        LogFilePrefix: 'report-bucket/',
      });
    });

    it('lets only S3 log delivery from the Leash bucket write to the access-logs bucket', () => {
      // Arrange
      const { stack, template } = standard;

      // Act / Assert
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: accessLogsBucketId(stack) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:PutObject',
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Condition: {
                ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [reportBucketId(stack), 'Arn'] } },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            }),
          ]),
        },
      });
      expect(template.toJSON().Resources[accessLogsBucketId(stack)].Properties).not.toHaveProperty(
        'AccessControl',
      );
    });

    it('retains both buckets when the stack is deleted or the bucket replaced', () => {
      // Arrange
      const { template } = standard;

      // Act
      const retained = template.findResources('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });

      // Assert
      expect(Object.keys(retained)).toHaveLength(2);
    });
  });

  describe('table', () => {
    it('has the key schema and indexes the DynamoDB adapter creates', async () => {
      // Arrange: capture what adapters/dynamodb/table.ts asks DynamoDB for.
      let created: CreateTableCommandInput | undefined;
      const client = {
        send: async (command: { constructor: { name: string }; input: unknown }) => {
          if (command.constructor.name === 'CreateTableCommand') {
            created = command.input as CreateTableCommandInput;
            return {};
          }
          if (!created) throw new ResourceNotFoundException({ message: 'none', $metadata: {} });
          return { Table: { TableStatus: 'ACTIVE' } };
        },
      } as unknown as DynamoDBClient;
      await ensureTable(client, 'leash');
      const { template } = standard;

      // Act
      const table = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]!.Properties;

      // Assert
      const sortByName = <T extends { AttributeName?: string; IndexName?: string }>(xs: T[]) =>
        [...xs].sort((a, b) =>
          (a.AttributeName ?? a.IndexName ?? '').localeCompare(
            b.AttributeName ?? b.IndexName ?? '',
          ),
        );
      expect(sortByName(table.AttributeDefinitions)).toEqual(
        sortByName(created!.AttributeDefinitions as { AttributeName: string }[]),
      );
      expect(table.KeySchema).toEqual(created!.KeySchema);
      expect(sortByName(table.GlobalSecondaryIndexes)).toEqual(
        sortByName(created!.GlobalSecondaryIndexes as { IndexName: string }[]),
      );
    });

    it('is on-demand, recoverable to a point in time, KMS-encrypted with the data key, with TTL', () => {
      // Arrange
      const { template } = standard;

      // Act / Assert
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: {
            SSEEnabled: true,
            SSEType: 'KMS',
            KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyId(template), 'Arn'] },
          },
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          DeletionProtectionEnabled: true,
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('event bus', () => {
    it('is named leash and has no archive unless one is configured', () => {
      // Arrange
      const { template } = standard;

      // Act / Assert
      template.hasResourceProperties('AWS::Events::EventBus', { Name: 'leash' });
      template.resourceCountIs('AWS::Events::Archive', 0);
    });

    it("archives Leash's own events for the configured days", () => {
      // Arrange
      const { template } = full;

      // Act / Assert
      template.hasResourceProperties('AWS::Events::Archive', {
        SourceArn: { 'Fn::GetAtt': [idOf(template, 'AWS::Events::EventBus'), 'Arn'] },
        EventPattern: { source: [EVENT_SOURCE] },
        RetentionDays: 30,
      });
    });
  });

  describe('notification topic', () => {
    it('is encrypted with its own rotated key that CloudWatch alarms may use', () => {
      // Arrange
      const { template } = standard;
      const keyId = idOf(template, 'AWS::KMS::Key', {
        Description: Match.stringLikeRegexp('notification topic'),
      });

      // Act / Assert
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            }),
          ]),
        },
      });
    });

    it("denies publishing without TLS and lets only this account's alarms publish as a service", () => {
      // Arrange
      const { template } = standard;

      // Act / Assert
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: { 'aws:SourceArn': Match.anyValue() },
              },
            }),
          ],
        },
      });
    });

    it('subscribes each configured email, with undeliverable messages kept in a queue', () => {
      // Arrange
      const { template } = full;

      // Act
      const subscriptions = Object.values(resourcesOf(template, 'AWS::SNS::Subscription'));

      // Assert
      expect(subscriptions.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
        ['email', 'security@example.com'],
        ['email', 'oncall@example.com'],
      ]);
      for (const s of subscriptions) {
        expect(s.Properties.RedrivePolicy).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        });
      }
      standard.template.resourceCountIs('AWS::SNS::Subscription', 0);
    });
  });

  describe('Entra credential', () => {
    it('is not created, nor named to the functions, while Entra is off', () => {
      // Arrange
      const { template } = standard;

      // Act
      const fns = Object.values(functionsByName(template));

      // Assert
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      for (const fn of fns) {
        expect(fn.Properties.Environment.Variables).not.toHaveProperty(ENV.entraSecret);
        expect(fn.Properties.Environment.Variables).not.toHaveProperty(ENV.entraContainmentSecret);
      }
    });

    it('is a KMS-encrypted secret holding the placeholder collect-entra recognises', () => {
      // Arrange
      const { template } = full;

      // Act
      const secrets = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret'));

      // Assert: the scan credential and the containment credential, alike but for the purpose
      expect(secrets.map((s) => s.Properties.Description).sort()).toEqual(
        [ENTRA_CREDENTIAL_DESCRIPTIONS.containment, ENTRA_CREDENTIAL_DESCRIPTIONS.scan].sort(),
      );
      for (const secret of secrets)
        expect(secret.Properties).toMatchObject({
          KmsKeyId: { 'Fn::GetAtt': [dataKeyId(template), 'Arn'] },
          SecretString: ENTRA_SECRET_PLACEHOLDER,
        });
    });

    it('is named to the functions and readable by collect-entra only', () => {
      // Arrange
      const { template } = full;
      const secretId = idOf(template, 'AWS::SecretsManager::Secret', {
        Description: ENTRA_CREDENTIAL_DESCRIPTIONS.scan,
      });
      const fns = functionsByName(template);

      // Act
      const readers = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
        .filter((p) =>
          p.Properties.PolicyDocument.Statement.some(
            (s: { Action: unknown; Resource: unknown }) =>
              JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue') &&
              JSON.stringify(s.Resource) === JSON.stringify({ Ref: secretId }),
          ),
        )
        .flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref));

      // Assert
      expect(readers).toEqual([fns['collect-entra']!.Properties.Role['Fn::GetAtt'][0]]);
      for (const fn of Object.values(fns)) {
        expect(fn.Properties.Environment.Variables[ENV.entraSecret]).toEqual({ Ref: secretId });
      }
    });
  });

  describe('functions', () => {
    it('deploys the eight handlers on nodejs22.x ARM64 with Powertools settings', () => {
      // Arrange
      const { template } = standard;

      // Act
      const fns = functionsByName(template);

      // Assert
      expect(Object.keys(fns).sort()).toEqual([...HANDLER_NAMES].sort());
      for (const [name, fn] of Object.entries(fns)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
        expect(fn.Properties.Environment.Variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: name,
          POWERTOOLS_METRICS_NAMESPACE: 'Leash',
        });
      }
    });

    it('sizes each step: minutes and gigabytes for collection and analysis', () => {
      // Arrange
      const { template } = standard;

      // Act
      const sizes = Object.fromEntries(
        Object.entries(functionsByName(template)).map(([name, fn]) => [
          name,
          [fn.Properties.MemorySize, fn.Properties.Timeout],
        ]),
      );

      // Assert
      expect(sizes).toEqual({
        'start-scan': [512, 120],
        'collect-account': [2048, 900],
        'read-trail-objects': [2048, 900],
        'read-event-history': [1024, 900],
        'collect-entra': [1024, 900],
        'analyze-scan': [4096, 900],
        'publish-events': [512, 120],
        'send-weekly-report': [1024, 300],
        'decide-containment': [1024, 30],
        'wait-for-approval': [512, 30],
        'apply-containment': [1024, 120],
        'answer-approval': [512, 30],
        'expire-approvals': [512, 120],
      });
    });

    it('gives every handler the settings functions/shared/config.ts reads', () => {
      // Arrange
      const { template } = full;

      // Act
      const fns = Object.values(functionsByName(template));

      // Assert
      for (const fn of fns) {
        expect(fn.Properties.Environment.Variables).toMatchObject({
          [ENV.table]: { Ref: expect.stringMatching(/^StoreTable/) },
          [ENV.bucket]: { Ref: expect.any(String) },
          [ENV.eventBus]: { Ref: idOf(template, 'AWS::Events::EventBus') },
          [ENV.topic]: { Ref: idOf(template, 'AWS::SNS::Topic') },
          [ENV.mode]: 'organization',
          [ENV.managementAccount]: '111111111111',
          [ENV.scannerRoleName]: 'leash/leash-scanner',
          [ENV.lookbackDays]: '30',
          [ENV.regions]: 'us-east-1,eu-west-1',
        });
      }
    });

    it('leaves out the management account and regions when they are not set', () => {
      // Arrange
      const { template } = standard;

      // Act
      const variables = Object.values(functionsByName(template)).map(
        (fn) => fn.Properties.Environment.Variables,
      );

      // Assert
      for (const v of variables) {
        expect(v[ENV.mode]).toBe('account');
        expect(v).not.toHaveProperty(ENV.managementAccount);
        expect(v).not.toHaveProperty(ENV.regions);
      }
    });

    it('runs the four scanning functions under the fixed role names the scanner role trusts', () => {
      // Arrange
      const { template } = standard;

      // Act
      const roles = Object.fromEntries(
        Object.entries(functionsByName(template)).map(([name, fn]) => {
          const role = template.toJSON().Resources[fn.Properties.Role['Fn::GetAtt'][0]];
          return [name, [role.Properties.Path, role.Properties.RoleName ?? null]];
        }),
      );

      // Assert
      expect(roles).toEqual({
        'start-scan': ['/leash/', 'leash-start-scan'],
        'collect-account': ['/leash/', 'leash-collect-account'],
        'read-trail-objects': ['/leash/', 'leash-read-trail-objects'],
        'read-event-history': ['/leash/', 'leash-read-event-history'],
        'collect-entra': ['/leash/', null],
        'analyze-scan': ['/leash/', null],
        'publish-events': ['/leash/', null],
        'send-weekly-report': ['/leash/', null],
        'decide-containment': ['/leash/', null],
        'wait-for-approval': ['/leash/', null],
        'apply-containment': ['/leash/', 'leash-apply-containment'],
        'answer-approval': ['/leash/', null],
        'expire-approvals': ['/leash/', null],
      });
    });

    it('grants each step exactly the work files, table access and targets it uses', () => {
      // Arrange
      const { template } = full;
      const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
      const prefixOf = (resource: CfnJson) =>
        (resource['Fn::Join']?.[1]?.[1] as string | undefined)?.replace(/^\//, '') ?? '?';

      // Act
      const access = Object.fromEntries(
        Object.entries(functionsByName(template)).map(([name, fn]) => {
          const roleId = fn.Properties.Role['Fn::GetAtt'][0];
          const statements = policies
            .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
            .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[]);
          const on = (action: string) =>
            statements.filter((st) => [st.Action].flat().includes(action));
          const prefixes = (action: string) =>
            on(action)
              .flatMap((st) => [st.Resource].flat())
              .map(prefixOf)
              .sort();
          return [
            name,
            {
              read: prefixes('s3:GetObject'),
              write: prefixes('s3:PutObject'),
              table:
                on('dynamodb:PutItem').length > 0
                  ? 'rw'
                  : on('dynamodb:Query').length > 0
                    ? 'r'
                    : '-',
              other: [
                'events:PutEvents',
                'sns:Publish',
                'secretsmanager:GetSecretValue',
                'sts:AssumeRole',
              ].filter((a) => on(a).length > 0),
            },
          ];
        }),
      );

      // Assert
      expect(access).toEqual({
        'start-scan': {
          read: ['work/runs/*'],
          write: ['work/runs/*'],
          table: '-',
          other: ['sts:AssumeRole'],
        },
        'collect-account': {
          read: ['work/runs/*'],
          write: ['work/runs/*'],
          table: '-',
          other: ['sts:AssumeRole'],
        },
        'read-trail-objects': {
          read: ['work/runs/*', 'work/usage/*'],
          write: ['work/usage/*'],
          table: 'rw',
          other: ['sts:AssumeRole'],
        },
        'read-event-history': {
          read: ['work/runs/*'],
          write: ['work/runs/*'],
          table: '-',
          other: ['sts:AssumeRole'],
        },
        'collect-entra': {
          read: [],
          write: ['work/runs/*'],
          table: '-',
          other: ['secretsmanager:GetSecretValue'],
        },
        'analyze-scan': {
          read: ['work/runs/*', 'work/usage/*'],
          write: ['findings/*'],
          table: 'rw',
          other: [],
        },
        'publish-events': {
          read: ['findings/*'],
          write: [],
          table: 'rw',
          other: ['events:PutEvents'],
        },
        'send-weekly-report': {
          read: ['findings/*', 'reports/*'],
          write: ['reports/*'],
          table: 'r',
          // The Slack webhook (FULL_CONTEXT configures one).
          other: ['sns:Publish', 'secretsmanager:GetSecretValue'],
        },
        'decide-containment': { read: [], write: [], table: 'rw', other: [] },
        'wait-for-approval': {
          read: [],
          write: [],
          table: 'rw',
          // The Slack webhook (FULL_CONTEXT configures one).
          other: ['sns:Publish', 'secretsmanager:GetSecretValue'],
        },
        'apply-containment': {
          read: [],
          write: [],
          table: 'rw',
          // The Entra containment credential (FULL_CONTEXT turns Entra on).
          other: ['secretsmanager:GetSecretValue', 'sts:AssumeRole'],
        },
        'answer-approval': { read: [], write: [], table: 'rw', other: [] },
        'expire-approvals': { read: [], write: [], table: 'rw', other: [] },
      });
    });

    it('sends failed weekly-report invocations to an encrypted, TLS-only queue', () => {
      // Arrange
      const { template } = standard;
      const fn = functionsByName(template)['send-weekly-report']!;

      // Act
      const config = Object.values(resourcesOf(template, 'AWS::Lambda::EventInvokeConfig'));

      // Assert
      expect(config).toHaveLength(1);
      expect(config[0]!.Properties).toMatchObject({
        FunctionName: { Ref: fn.id },
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        },
      });
      const queueId =
        config[0]!.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[queueId].Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });
  });

  describe('queues', () => {
    it('encrypts every dead-letter queue and denies requests without TLS', () => {
      // Arrange
      const { template } = full;
      const queues = Object.keys(resourcesOf(template, 'AWS::SQS::Queue'));

      // Act
      const tlsOnly = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'))
        .filter((p) =>
          p.Properties.PolicyDocument.Statement.some(
            (s: { Effect: string; Condition?: unknown }) =>
              s.Effect === 'Deny' &&
              JSON.stringify(s.Condition) ===
                JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          ),
        )
        .flatMap((p) => p.Properties.Queues.map((q: { Ref: string }) => q.Ref));

      // Assert
      expect(queues).toHaveLength(6);
      expect(tlsOnly.sort()).toEqual([...queues].sort());
      for (const id of queues) {
        expect(template.toJSON().Resources[id].Properties.SqsManagedSseEnabled).toBe(true);
      }
    });
  });

  describe('alarms', () => {
    it("alarm on each function's errors, failed and timed-out scans, and every dead letter", () => {
      // Arrange
      const { template } = standard;
      const topicId = idOf(template, 'AWS::SNS::Topic');

      // Act
      const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(
        (a) => a.Properties,
      );

      // Assert
      const byMetric = alarms.map((a) => `${a.Namespace} ${a.MetricName}`).sort();
      expect(byMetric).toEqual(
        [
          ...HANDLER_NAMES.map(() => 'AWS/Lambda Errors'),
          ...Array(2).fill('AWS/States ExecutionsFailed'),
          ...Array(2).fill('AWS/States ExecutionsTimedOut'),
          ...Array(6).fill('AWS/SQS ApproximateNumberOfMessagesVisible'),
        ].sort(),
      );
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId }],
        });
      }
    });

    it('watch every function by name', () => {
      // Arrange
      const { template } = standard;

      // Act
      const watched = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))
        .filter((a) => a.Properties.MetricName === 'Errors')
        .map((a) => a.Properties.Dimensions[0].Value.Ref)
        .sort();

      // Assert
      expect(watched).toEqual(
        Object.values(functionsByName(template))
          .map((fn) => fn.id)
          .sort(),
      );
    });
  });

  it('outputs the names and ARNs an operator needs', () => {
    // Arrange
    const { stack, template } = full;

    // Act
    const outputs = Object.keys(template.toJSON().Outputs).sort();

    // Assert
    template.hasOutput('ReportBucketName', { Value: { Ref: reportBucketId(stack) } });
    expect(outputs).toEqual(
      [
        'ApplyContainmentRoleArn',
        'ApprovalUrl',
        'AuditTableName',
        'ContainmentRoleArn',
        'ContainmentStateMachineArn',
        'EntraContainmentSecretArn',
        'EntraSecretArn',
        'EventBusName',
        'NotificationTopicArn',
        'ReportBucketName',
        'ScanStateMachineArn',
        'ScannerRoleArn',
        'TableName',
      ].sort(),
    );
  });

  it('tags every taggable resource with app=leash and leash:protected=true', () => {
    // Arrange
    const { template } = full;

    // Act
    const tagged = Object.entries(allResources(template)).filter(([, r]) =>
      Array.isArray(r.Properties?.Tags),
    );

    // Assert
    expect(tagged.length).toBeGreaterThan(30);
    for (const [, resource] of tagged) {
      expect(resource.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'app', Value: 'leash' },
          { Key: 'leash:protected', Value: 'true' },
        ]),
      );
    }
  });

  it('needs no account, region or context lookup to synthesize', () => {
    // Arrange
    const { app } = aLeashStack();

    // Act
    const assembly = app.synth();

    // Assert
    expect(assembly.getStackByName('Leash').environment).toMatchObject({
      account: 'unknown-account',
      region: 'unknown-region',
    });
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  describe('cdk-nag', () => {
    it.each([
      ['the default settings', standard],
      ['every option on', full],
    ])('finds no unacknowledged AwsSolutions or Serverless violation with %s', (_, built) => {
      // Arrange
      const { app } = built;

      // Act
      const violations = leashNagPacks().flatMap((pack) => pack.validateScope(app).violations);

      // Assert
      expect(violations.map(describeViolation)).toEqual([]);
    });

    it('finds none in the member stack either', () => {
      // Arrange
      const { app } = aMemberStack();

      // Act
      const violations = leashNagPacks().flatMap((pack) => pack.validateScope(app).violations);

      // Assert
      expect(violations.map(describeViolation)).toEqual([]);
    });

    it('passes synthesis with the packs registered the way cdk/app.ts registers them', () => {
      // Arrange
      const app = anApp(FULL_CONTEXT);
      new LeashStack(app, 'Leash', { entries: FIXTURE_ENTRIES });
      new LeashMemberStack(app, 'LeashMember');
      Validations.of(app).addPlugins(...leashNagPacks(app));

      // Act / Assert: a violation makes synth throw "Validation failed".
      expect(() => app.synth()).not.toThrow();
    });
  });
});
