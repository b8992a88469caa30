import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { GSI1, GSI2 } from '#adapters/dynamodb/table.ts';

/** Properties of {@link LeashTable}. */
export interface LeashTableProps {
  /** The customer-managed key that encrypts the table (and its backups). */
  readonly encryptionKey: IKey;
}

/** The attribute DynamoDB deletes expired items by (epoch seconds), e.g. daily usage rows. */
export const TTL_ATTRIBUTE = 'ttl';

/**
 * The Leash single table: findings with their history, scans, and the item types later work adds
 * (identities, grants, daily usage, approvals, the containment audit log). Key schema and the two
 * sparse GSIs are those of adapters/dynamodb/table.ts, which the CLI's embedded store creates.
 *
 * On-demand capacity (a scan writes in bursts once a day), point-in-time recovery, the
 * customer-managed key, TTL on `ttl`, deletion protection and RETAIN: the history is the product,
 * so neither a `cdk destroy` nor a replacement may drop it.
 */
export class LeashTable extends Construct {
  public readonly table: Table;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the encryption key
   */
  constructor(scope: Construct, id: string, props: LeashTableProps) {
    super(scope, id);
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new Table(this, 'Table', {
      partitionKey: key('pk'),
      sortKey: key('sk'),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of [GSI1, GSI2]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: key(`${index}pk`),
        sortKey: key(`${index}sk`),
      });
    }
  }
}
