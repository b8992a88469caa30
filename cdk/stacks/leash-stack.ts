import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ReportBucket } from '../constructs/report-bucket.ts';

/**
 * Everything Leash deploys into the account it watches. Environment-agnostic (no `env`, no
 * lookups), so `cdk synth` works offline without credentials.
 */
export class LeashStack extends Stack {
  /** Where the weekly report and the findings are written. */
  public readonly reports: ReportBucket;

  /**
   * @param scope the app
   * @param id the construct id, also the CloudFormation stack name unless `props.stackName` is set
   * @param props standard stack properties
   */
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'Leash: discovers identities, observes their usage, rightsizes and revokes.',
      ...props,
    });
    // Tagged here rather than in app.ts so that every instance, including the tests', carries it.
    Tags.of(this).add('app', 'leash');

    this.reports = new ReportBucket(this, 'Reports');

    new CfnOutput(this, 'ReportBucketName', {
      description: 'S3 bucket that receives the weekly report and the findings.',
      value: this.reports.bucket.bucketName,
    });
  }
}
