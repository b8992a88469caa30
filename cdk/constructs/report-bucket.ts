import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
  TargetObjectKeyFormat,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct, type IConstruct } from 'constructs';

/** Properties of {@link ReportBucket}. */
export interface ReportBucketProps {
  /**
   * How long a superseded version of a report or findings object is kept before S3 deletes it.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionRetention?: Duration;
  /**
   * How long S3 server access log objects are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
  /**
   * A customer-managed KMS key for the bucket's default encryption (SSE-KMS with an S3 Bucket
   * Key, which cuts the KMS requests to one per bucket key period instead of one per object).
   * @default SSE-S3
   */
  readonly encryptionKey?: IKey;
  /**
   * Key prefixes whose objects S3 deletes after a number of days (current and older versions):
   * work files that are only useful for a while.
   * @default none
   */
  readonly expirations?: readonly PrefixExpiration[];
}

/** Objects under `prefix` expire `expiration` after they were written. */
export interface PrefixExpiration {
  /** A key prefix ending in `/`, e.g. `work/runs/`. */
  readonly prefix: string;
  readonly expiration: Duration;
}

/**
 * The Leash bucket (weekly reports, findings and the scan's work files), plus the separate
 * bucket that holds its S3 server access logs.
 *
 * Both buckets are private (BlockPublicAccess.BLOCK_ALL, ACLs disabled), deny non-TLS requests
 * and are retained when the stack is deleted: findings describe who could do what in the
 * account, so they must outlive a `cdk destroy` and never become public. The Leash bucket uses
 * the customer-managed key when one is given; the access-logs bucket always uses SSE-S3.
 *
 * Grant access with {@link ReportBucket.grantReadObjects} and {@link ReportBucket.grantWriteObjects}:
 * exact actions on key prefixes, where `Bucket.grantReadWrite` would add wildcard actions
 * (`s3:GetObject*`, `s3:DeleteObject*`, `s3:Abort*`, `kms:ReEncrypt*`) nobody here calls.
 */
export class ReportBucket extends Construct {
  /** The bucket the weekly report and the findings are written to. */
  public readonly bucket: Bucket;
  /** The bucket that receives {@link ReportBucket.bucket}'s S3 server access logs. */
  public readonly accessLogsBucket: Bucket;
  /** The key of {@link ReportBucket.bucket}'s default encryption, when customer-managed. */
  public readonly encryptionKey?: IKey;
  /** Prefix acknowledgments made so far, `<principal path> <finding id>`. */
  private readonly acknowledged = new Set<string>();

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props retention settings; every field has a default
   */
  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id);
    // Grant log delivery through a bucket policy instead of the legacy LogDeliveryWrite ACL, which
    // would force ACLs back on for the logs bucket. Set on this scope, before any child exists, so
    // it applies whether or not cdk.json sets the flag.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    // Has no access logs of its own: logging it into itself would log its own log deliveries
    // without end. cdk-nag's AwsSolutions-S1 accepts a bucket that receives another's logs.
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      // S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.accessLogRetention ?? Duration.days(365),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    this.encryptionKey = props.encryptionKey;
    this.bucket = new Bucket(this, 'Bucket', {
      ...(props.encryptionKey
        ? {
            encryption: BucketEncryption.KMS,
            encryptionKey: props.encryptionKey,
            bucketKeyEnabled: true,
          }
        : { encryption: BucketEncryption.S3_MANAGED }),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Versioning keeps last week's report and findings recoverable after an overwrite.
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'report-bucket/',
      // Date-partitioned keys let Athena prune access logs by day.
      targetObjectKeyFormat: TargetObjectKeyFormat.partitionedPrefix(),
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-old-report-versions',
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(90),
          // Once every older version has expired, a lone delete marker only costs list time.
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        ...(props.expirations ?? []).map(({ prefix, expiration }) => ({
          id: `expire-${prefix.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}`,
          prefix,
          expiration,
          // Superseded versions of a work file are as useless as the file: drop them at once.
          noncurrentVersionExpiration: Duration.days(1),
        })),
      ],
    });
  }

  /**
   * Lets `grantee` read objects under the prefixes: s3:GetObject on those keys, s3:ListBucket on
   * the bucket (without it S3 answers a read of a missing key with 403 instead of 404, and the
   * steps treat "not written yet" as normal) and kms:Decrypt through S3 on the bucket's key.
   * @param grantee the function or role
   * @param prefixes key prefixes ending in `/`
   */
  grantReadObjects(grantee: IGrantable, ...prefixes: string[]): void {
    this.grantOnPrefixes(grantee, ['s3:GetObject'], prefixes);
    Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
    });
    this.grantKey(grantee, ['kms:Decrypt']);
  }

  /**
   * Lets `grantee` write objects under the prefixes: s3:PutObject and s3:AbortMultipartUpload
   * (large uploads are multipart) on those keys, kms:GenerateDataKey and kms:Decrypt (a multipart
   * upload decrypts its data key for each part) through S3 on the bucket's key.
   * @param grantee the function or role
   * @param prefixes key prefixes ending in `/`
   */
  grantWriteObjects(grantee: IGrantable, ...prefixes: string[]): void {
    this.grantOnPrefixes(grantee, ['s3:PutObject', 's3:AbortMultipartUpload'], prefixes);
    this.grantKey(grantee, ['kms:GenerateDataKey', 'kms:Decrypt']);
  }

  /**
   * Object actions on every key under the prefixes, acknowledged for cdk-nag right here: the keys
   * (run ids, account ids, days) exist only at run time, and the prefix is the narrowest grant.
   */
  private grantOnPrefixes(grantee: IGrantable, actions: string[], prefixes: string[]): void {
    Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: prefixes.map((p) => this.bucket.arnForObjects(`${p}*`)),
    });
    const principal = grantee.grantPrincipal as Partial<IConstruct>;
    if (!principal.node) return;
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    for (const prefix of prefixes) {
      const id = `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`;
      // Reading and writing the same prefix make one finding, acknowledged once.
      const once = `${principal.node.path} ${id}`;
      if (this.acknowledged.has(once)) continue;
      this.acknowledged.add(once);
      Validations.of(principal as IConstruct).acknowledge({
        id,
        reason:
          `Objects under ${prefix} of the Leash bucket only: their keys are made at run time ` +
          '(run id, account, day), so the key prefix is the narrowest grant there is.',
      });
    }
  }

  /** Key actions, only through S3 in this region, when the bucket has a customer-managed key. */
  private grantKey(grantee: IGrantable, actions: string[]): void {
    if (!this.encryptionKey) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }
}
