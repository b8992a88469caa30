import type { PolicyViolation } from 'aws-cdk-lib';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { leashNagPacks } from '../../cdk/nag-packs.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';

function aLeashStack(): { app: App; stack: LeashStack; template: Template } {
  const app = new App();
  const stack = new LeashStack(app, 'Leash');
  return { app, stack, template: Template.fromStack(stack) };
}

function describeViolation(violation: PolicyViolation): string {
  const paths = violation.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId);
  return `${violation.ruleName} at ${paths.join(', ')}: ${violation.description}`;
}

/** The CloudFormation logical id of the report bucket (not its access-logs bucket). */
function reportBucketId(stack: LeashStack): string {
  return stack.getLogicalId(stack.reports.bucket.node.defaultChild as CfnBucket);
}

function accessLogsBucketId(stack: LeashStack): string {
  return stack.getLogicalId(stack.reports.accessLogsBucket.node.defaultChild as CfnBucket);
}

describe('LeashStack', () => {
  describe('report bucket', () => {
    it('encrypts objects at rest with S3-managed keys', () => {
      // Arrange
      const { template } = aLeashStack();

      // Act
      const buckets = template.findResources('AWS::S3::Bucket', {
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
        },
      });

      // Assert
      expect(Object.keys(buckets)).toHaveLength(2);
    });

    it('blocks every form of public access on both buckets', () => {
      // Arrange
      const { template } = aLeashStack();

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

    it('denies requests that do not use TLS 1.2 or newer', () => {
      // Arrange
      const { stack, template } = aLeashStack();

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

    it('keeps versions and expires superseded ones after 90 days', () => {
      // Arrange
      const { stack, template } = aLeashStack();

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
      ]);
    });

    it('writes server access logs to the separate access-logs bucket', () => {
      // Arrange
      const { stack, template } = aLeashStack();

      // Act
      const bucket = template.toJSON().Resources[reportBucketId(stack)];

      // Assert
      expect(accessLogsBucketId(stack)).not.toEqual(reportBucketId(stack));
      expect(bucket.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: accessLogsBucketId(stack) },
        LogFilePrefix: 'report-bucket/',
      });
    });

    it('lets only S3 log delivery from the report bucket write to the access-logs bucket', () => {
      // Arrange
      const { stack, template } = aLeashStack();

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
      // Bucket-policy delivery, not the legacy ACL grant, which would need ACLs enabled.
      expect(template.toJSON().Resources[accessLogsBucketId(stack)].Properties).not.toHaveProperty(
        'AccessControl',
      );
    });

    it('retains both buckets when the stack is deleted or the bucket replaced', () => {
      // Arrange
      const { template } = aLeashStack();

      // Act
      const retained = template.findResources('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });

      // Assert
      expect(Object.keys(retained)).toHaveLength(2);
    });
  });

  it('outputs the report bucket name', () => {
    // Arrange
    const { stack, template } = aLeashStack();

    // Act / Assert
    template.hasOutput('ReportBucketName', { Value: { Ref: reportBucketId(stack) } });
  });

  it('tags every taggable resource with app=leash', () => {
    // Arrange
    const { template } = aLeashStack();

    // Act
    const buckets = template.findResources('AWS::S3::Bucket');

    // Assert
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.Tags).toContainEqual({ Key: 'app', Value: 'leash' });
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
    it('has no unacknowledged AwsSolutions or Serverless violations', () => {
      // Arrange
      const { app } = aLeashStack();

      // Act
      const violations = leashNagPacks().flatMap((pack) => pack.validateScope(app).violations);

      // Assert
      expect(violations.map(describeViolation)).toEqual([]);
    });

    it('passes synthesis with the packs registered the way cdk/app.ts registers them', () => {
      // Arrange
      const { app } = aLeashStack();
      Validations.of(app).addPlugins(...leashNagPacks(app));

      // Act / Assert: a violation makes synth throw "Validation failed".
      expect(() => app.synth()).not.toThrow();
    });

    it('acknowledges only the reviewed rules, each with a specific reason', () => {
      // Arrange
      const { app } = aLeashStack();

      // Act
      const acknowledgments = app.node.findAll().flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
              path: construct.node.path,
              id: id.replace(/^annotation::/i, ''),
              reason,
            })),
          ),
      );

      // Assert: a new acknowledgment must be added here on purpose, after review.
      expect(acknowledgments.map(({ path, id }) => `${path} ${id}`)).toEqual([]);
      for (const { reason } of acknowledgments) {
        expect(reason.length).toBeGreaterThan(60);
      }
    });
  });
});
