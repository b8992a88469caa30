/**
 * The single Leash table: key schema, the two sparse GSIs, and a creation helper for tests and
 * the embedded store (deployed tables come from CDK with the same definition, plus Time to Live
 * on the `ttl` attribute, epoch seconds).
 *
 * Access patterns:
 *
 * | Access pattern                                   | Index | Key condition                                   |
 * |--------------------------------------------------|-------|-------------------------------------------------|
 * | All findings (open and resolved) of an account   | table | pk = SCOPE#<accountId or tenantId>,             |
 * | or tenant, to diff a new scan against (strongly  |       | begins_with(sk, FINDING#)                       |
 * | consistent)                                      |       |                                                 |
 * | One finding's record                             | table | pk = SCOPE#<scope>, sk = FINDING#<key>          |
 * | Has run <runId> been recorded? (idempotency)     | table | pk = RUN#<runId>, sk = SUMMARY                  |
 * | New and resolved findings of a run (replay diff) | table | pk = RUN#<runId>, begins_with(sk, CHANGE#)      |
 * | Open findings of a severity                      | GSI1  | gsi1pk = OPEN#<severity> (sparse: open only)    |
 * | Scans in time order, with counts (trends)        | GSI1  | gsi1pk = SCANS, gsi1sk = <ISO time>#<runId>     |
 * | Finding history of an identity                   | GSI2  | gsi2pk = IDENTITY#<identityId>,                 |
 * |                                                  |       | begins_with(gsi2sk, FINDING#)                   |
 * | Identities of an account or tenant (to diff a    | table | pk = SCOPE#<scope>, begins_with(sk, IDENTITY#)  |
 * | scan against, strongly consistent)               |       |                                                 |
 * | Grants of an account or tenant (to diff; "added  | table | pk = SCOPE#<scope>, begins_with(sk, GRANT#)     |
 * | since", filtered on addedAt)                     |       |                                                 |
 * | One identity's latest profile                    | GSI2  | gsi2pk = IDENTITY#<identityId>, gsi2sk = PROFILE|
 * | Grants of an identity (present and removed)      | GSI2  | gsi2pk = IDENTITY#<identityId>,                 |
 * |                                                  |       | begins_with(gsi2sk, GRANT#)                     |
 * | Usage of an identity over a day range            | table | pk = USAGE#<identityId>,                        |
 * |                                                  |       | sk BETWEEN DAY#<from># AND DAY#<to>$            |
 * | One approval request (strongly consistent)       | table | pk = APPROVAL#<requestId>, sk = APPROVAL        |
 * | Pending approval requests, oldest first          | GSI1  | gsi1pk = APPROVALS#pending                      |
 * | (also approved, denied, expired)                 |       | (gsi1sk = <ISO requested>#<requestId>)          |
 * | A containment request's audit chain, in order    | table | pk = AUDIT#<requestId>, begins_with(sk, ENTRY#) |
 * | Audit entries about an identity, by time         | GSI2  | gsi2pk = IDENTITY#<identityId>,                 |
 * |                                                  |       | begins_with(gsi2sk, AUDIT#)                     |
 * | The containment lock of an identity              | table | pk = LOCK#<key>, sk = LOCK                      |
 *
 * Item types (`type` attribute):
 * - finding:  pk SCOPE#<scope>, sk FINDING#<key>; the StoredFinding attributes; gsi1 while open
 *   (gsi1sk <scope>#<key>), gsi2 always (gsi2sk FINDING#<key>).
 * - change:   pk RUN#<runId>, sk CHANGE#<new|resolved>#<key>; `record`, the finding as the run
 *   left it. Persisting findings are counted, not itemised, to keep a scan's writes small.
 * - summary:  pk RUN#<runId>, sk SUMMARY; the ScanRecord; gsi1pk SCANS. Written last, so it
 *   marks a run as complete.
 * - identity: pk SCOPE#<scope>, sk IDENTITY#<identityId>; the StoredIdentity (latest profile,
 *   first seen, added, last seen, last run, removed); gsi2sk PROFILE.
 * - grant:    pk SCOPE#<scope>, sk GRANT#<key> (hash of identity id and grant hash); the
 *   StoredGrant (source, hash of what it grants, first seen, added, last seen, removed); gsi2sk
 *   GRANT#<key>.
 * - usage:    pk USAGE#<identityId>, sk DAY#<yyyy-mm-dd>#<action>; count, first, last, `ttl`
 *   (epoch seconds: day + retention). Put whole: a rewrite sets, never adds.
 * - approval: pk APPROVAL#<requestId>, sk APPROVAL; the Approval; gsi1pk APPROVALS#<status>.
 *   Created with attribute_not_exists(pk); every transition conditioned on status = pending.
 * - audit:    pk AUDIT#<requestId>, sk ENTRY#<seq, 9 digits>; the AuditEntry; gsi2sk
 *   AUDIT#<ISO time>#<requestId>#<seq>. Put only with attribute_not_exists(pk): never replaced.
 * - lock:     pk LOCK#<key>, sk LOCK; key, holder, until (epoch ms), `ttl`. Put on condition
 *   free, expired or same holder; deleted on condition same holder (core/ports/lock-store.ts).
 *
 * Every key is derived from the run id, the finding key, the identity id, the grant hash, the
 * day and action, or the request id, so a retried write overwrites the same items with the
 * same values: nothing is duplicated. An account's identities and grants share its SCOPE#
 * partition with its findings: one scan of 1,000 roles writes some 6,000 items there, which
 * on-demand capacity absorbs by splitting the partition for heat.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';

/** Default table name of the embedded store. */
export const DEFAULT_TABLE = 'leash';

/** Names of the global secondary indexes. */
export const GSI1 = 'gsi1';
export const GSI2 = 'gsi2';

/**
 * Creates the table with its indexes if it does not exist, and waits until it is ACTIVE.
 * @throws Error when the table does not become ACTIVE within `timeoutMs`
 */
export async function ensureTable(
  client: DynamoDBClient,
  table: string = DEFAULT_TABLE,
  timeoutMs = 30_000,
): Promise<void> {
  if (!(await describeStatus(client, table))) {
    const attr = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' as const });
    const index = (IndexName: string) => ({
      IndexName,
      KeySchema: [
        { AttributeName: `${IndexName}pk`, KeyType: 'HASH' as const },
        { AttributeName: `${IndexName}sk`, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map(attr),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [index(GSI1), index(GSI2)],
      }),
    );
  }
  const deadline = Date.now() + timeoutMs;
  while ((await describeStatus(client, table)) !== 'ACTIVE') {
    if (Date.now() > deadline) throw new Error(`table ${table} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The table status, or undefined when it does not exist. */
async function describeStatus(client: DynamoDBClient, table: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    return out.Table?.TableStatus;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
