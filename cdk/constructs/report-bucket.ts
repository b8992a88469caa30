import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  TargetObjectKeyFormat,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

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
}

/**
 * The S3 bucket that receives the weekly report and the findings, plus the separate bucket that
 * holds its S3 server access logs.
 *
 * Both buckets are private (BlockPublicAccess.BLOCK_ALL, ACLs disabled), deny non-TLS requests,
 * use SSE-S3 and are retained when the stack is deleted: findings describe who could do what in
 * the account, so they must outlive a `cdk destroy` and never become public.
 */
export class ReportBucket extends Construct {
  /** The bucket the weekly report and the findings are written to. */
  public readonly bucket: Bucket;
  /** The bucket that receives {@link ReportBucket.bucket}'s S3 server access logs. */
  public readonly accessLogsBucket: Bucket;

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

    this.bucket = new Bucket(this, 'Bucket', {
      // SSE-S3 rather than a customer-managed KMS key: readers need no key-policy grant and
      // there is no per-key cost, while BLOCK_ALL, the TLS-only policy and IAM guard access.
      encryption: BucketEncryption.S3_MANAGED,
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
      ],
    });
  }
}
