import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type IGrantable, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { GSI2 } from '#adapters/dynamodb/table.ts';

/** Properties of {@link AuditTable}. */
export interface AuditTableProps {
  /** The customer-managed key that encrypts the table (and its backups). */
  readonly encryptionKey: IKey;
}

/** What may be done to audit items: append (conditional PutItem) and read. */
export const AUDIT_APPEND_ACTIONS = ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'];

/** What a reader of the audit log may do (the weekly report): get and query, nothing else. */
export const AUDIT_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];

/**
 * Every DynamoDB action that can change or remove an existing item, or the table (transactions
 * have no action of their own: IAM checks UpdateItem, DeleteItem... for each item in them).
 */
export const AUDIT_FORBIDDEN_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLInsert',
  'dynamodb:RestoreTableToPointInTime',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateTimeToLive',
];

/**
 * The containment audit log, in a table of its own so that IAM can make it append-only for
 * Leash: the functions that write it hold exactly PutItem, GetItem and Query on it (and its
 * identity index), never UpdateItem, DeleteItem, BatchWriteItem or PartiQL writes, and every
 * Leash role carries an explicit Deny of those ({@link AuditTable.denyChanges}), so no grant
 * added later can give them back.
 *
 * What IAM cannot do: DynamoDB has no condition key for a request's ConditionExpression, so IAM
 * cannot stop a PutItem that replaces an existing item of the same key. Leash's store always
 * puts audit entries with `attribute_not_exists(pk)` (adapters/dynamodb/audit-log.ts) and the
 * tests check that a second, different entry at the same place is refused; point-in-time
 * recovery (35 days) keeps every version a replacement would hide. No TTL: entries never expire.
 * Deletion protection and RETAIN keep the table through a `cdk destroy`.
 */
export class AuditTable extends Construct {
  public readonly table: Table;
  private readonly key: IKey;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the encryption key
   */
  constructor(scope: Construct, id: string, props: AuditTableProps) {
    super(scope, id);
    this.key = props.encryptionKey;
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    // The key schema of adapters/dynamodb/table.ts: the audit adapter is the same code over
    // another table (pk AUDIT#<requestId>, sk ENTRY#<seq>; gsi2 by identity).
    this.table = new Table(this, 'Table', {
      partitionKey: key('pk'),
      sortKey: key('sk'),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI2,
      partitionKey: key(`${GSI2}pk`),
      sortKey: key(`${GSI2}sk`),
    });
  }

  /**
   * Lets a function append entries and read chains: the exact actions of
   * {@link AUDIT_APPEND_ACTIONS} on the table and its identity index, and the table key's exact
   * encrypt and decrypt actions.
   */
  grantAppend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: AUDIT_APPEND_ACTIONS,
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${GSI2}`],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }

  /**
   * Lets a function read the log and nothing more: the exact actions of
   * {@link AUDIT_READ_ACTIONS} on the table and its identity index, and decrypt with the table's
   * key through DynamoDB.
   */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: AUDIT_READ_ACTIONS,
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${GSI2}`],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }

  /** Adds the explicit Deny of every change to audit items to a role (any Leash role). */
  denyChanges(role: Role): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditLogIsAppendOnly',
        effect: Effect.DENY,
        actions: AUDIT_FORBIDDEN_ACTIONS,
        resources: [this.table.tableArn, `${this.table.tableArn}/index/*`],
      }),
    );
  }
}
