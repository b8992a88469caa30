import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog, CatalogAction } from '#core/catalog/catalog.ts';
import { ACTION_EXCEPTIONS, PARAMETER_DEPENDENT_CANDIDATES } from '#core/cloudtrail/map-action.ts';
import {
  classifyObservability,
  DATA_EVENT_ACTIONS,
  isS3DataAction,
  PERMISSION_ONLY_ACTIONS,
} from '#core/cloudtrail/observability.ts';

describe('classifyObservability', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  function action(qualified: string): CatalogAction {
    const id = catalog.idOf(qualified);
    if (id === undefined) throw new Error(`catalog has no ${qualified}`);
    return catalog.actions[id]!;
  }

  it('names only actions the catalog has', () => {
    // Arrange
    const named = [
      ...PERMISSION_ONLY_ACTIONS,
      ...Object.entries(DATA_EVENT_ACTIONS).flatMap(([service, names]) =>
        names.map((name) => `${service}:${name}`),
      ),
    ];

    // Act
    const missing = named.filter((q) => catalog.idOf(q) === undefined);

    // Assert
    expect(missing).toEqual([]);
  });

  it.each([
    'iam:PassRole',
    'execute-api:Invoke',
    'lambda:InvokeFunctionUrl',
    'sts:TagSession',
    's3:BypassGovernanceRetention',
  ])('classes %s as permission-only', (qualified) => {
    // Arrange
    const subject = action(qualified);

    // Act
    const result = classifyObservability(subject);

    // Assert
    expect(result.kind).toBe('permission-only');
  });

  it.each([
    ['s3:GetObject', 's3'],
    ['s3:PutObject', 's3'],
    ['s3:DeleteObjectVersion', 's3'],
    ['s3:AbortMultipartUpload', 's3'],
    ['s3:ListBucket', 's3'],
    ['s3express:CreateSession', 's3express'],
    ['s3-object-lambda:GetObject', 's3-object-lambda'],
    ['dynamodb:GetItem', 'dynamodb'],
    ['dynamodb:Query', 'dynamodb'],
    ['dynamodb:PartiQLSelect', 'dynamodb'],
    ['dynamodb:GetRecords', 'dynamodb'],
    ['lambda:InvokeFunction', 'lambda'],
    ['sns:Publish', 'sns'],
    ['bedrock:InvokeAgent', 'bedrock'],
    ['bedrock:Retrieve', 'bedrock'],
    ['bedrock:RenderPrompt', 'bedrock'],
    ['bedrock:ApplyGuardrail', 'bedrock'],
    ['bedrock-agentcore:InvokeGateway', 'bedrock-agentcore'],
    ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore'],
  ])('classes %s as a %s data event', (qualified, service) => {
    // Arrange
    const subject = action(qualified);

    // Act
    const result = classifyObservability(subject);

    // Assert
    expect(result).toMatchObject({ kind: 'data-event', service });
  });

  it.each([
    'bedrock:InvokeModel',
    'bedrock:InvokeModelWithResponseStream',
    'bedrock:CreateAgent',
    'dynamodb:CreateTable',
    'dynamodb:DescribeStream',
    'lambda:CreateFunction',
    's3:CreateBucket',
    's3:PutBucketPolicy',
    's3:PutBucketObjectLockConfiguration',
    's3:CreateAccessPointForObjectLambda',
    'iam:CreateRole',
    'sts:AssumeRole',
  ])('classes %s as a management event', (qualified) => {
    // Arrange
    const subject = action(qualified);

    // Act
    const result = classifyObservability(subject);

    // Assert
    expect(result.kind).toBe('management');
  });

  it('gives every class a reason', () => {
    // Arrange
    const subjects = ['iam:PassRole', 's3:GetObject', 'iam:CreateRole'].map(action);

    // Act
    const reasons = subjects.map((s) => classifyObservability(s).reason);

    // Assert
    expect(reasons.every((r) => r.length > 0)).toBe(true);
  });

  it('selects exactly the object-level S3 actions by its naming rule', () => {
    // Arrange
    const s3 = catalog.serviceActionIds('s3').map((id) => catalog.actions[id]!.name);

    // Act
    const selected = s3.filter(isS3DataAction);

    // Assert: the rule's choice over the pinned catalog, reviewed by hand.
    expect(selected).toEqual([
      'AbortMultipartUpload',
      'DeleteObject',
      'DeleteObjectAnnotation',
      'DeleteObjectTagging',
      'DeleteObjectVersion',
      'DeleteObjectVersionAnnotation',
      'DeleteObjectVersionTagging',
      'GetObject',
      'GetObjectAcl',
      'GetObjectAnnotation',
      'GetObjectAttributes',
      'GetObjectLegalHold',
      'GetObjectRetention',
      'GetObjectTagging',
      'GetObjectTorrent',
      'GetObjectVersion',
      'GetObjectVersionAcl',
      'GetObjectVersionAnnotation',
      'GetObjectVersionAnnotationForReplication',
      'GetObjectVersionAttributes',
      'GetObjectVersionForReplication',
      'GetObjectVersionTagging',
      'GetObjectVersionTorrent',
      'ListBucket',
      'ListBucketMultipartUploads',
      'ListBucketVersions',
      'ListMultipartUploadParts',
      'ListObjectAnnotations',
      'ListObjectVersionAnnotations',
      'PutObject',
      'PutObjectAcl',
      'PutObjectAnnotation',
      'PutObjectLegalHold',
      'PutObjectRetention',
      'PutObjectTagging',
      'PutObjectVersionAcl',
      'PutObjectVersionAnnotation',
      'PutObjectVersionTagging',
      'ReplicateDelete',
      'ReplicateObject',
      'ReplicateObjectAnnotation',
      'ReplicateTags',
      'RestoreObject',
      'UpdateObjectEncryption',
    ]);
  });

  it('never calls an action the mapper emits permission-only', () => {
    // Arrange: every action the mapper's tables can produce is, by construction, observable.
    const emitted = [
      ...Object.values(ACTION_EXCEPTIONS).flat(),
      ...Object.values(PARAMETER_DEPENDENT_CANDIDATES).flat(),
    ];

    // Act
    const permissionOnly = emitted.filter(
      (q) => classifyObservability(action(q)).kind === 'permission-only',
    );

    // Assert
    expect(permissionOnly).toEqual([]);
  });
});
