import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { CloudTrailRecord } from '#core/cloudtrail/types.ts';
import { isDeniedErrorCode, parseEventTime, UsageAggregator } from '#core/engine/usage.ts';
import {
  ACCOUNT,
  aRecord,
  asRole,
  asUser,
  BEFORE_WINDOW,
  OTHER_ACCOUNT,
  roleArn,
  userArn,
  WINDOW,
} from '#test/helpers/builders.ts';

const FILE = 'AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/01/trail.json.gz';
const ALICE = userArn('alice');

describe('isDeniedErrorCode', () => {
  it.each([
    ['AccessDenied', true],
    ['AccessDeniedException', true],
    ['Client.UnauthorizedOperation', true],
    ['UnauthorizedOperation', true],
    ['UnauthorizedAccess', true],
    ['Client.AccessDenied', true],
    ['S3.AccessDeniedSomething', true],
    ['ThrottlingException', false],
    ['NoSuchEntity', false],
    [undefined, false],
  ])('reads %s as a denial: %s', (code, expected) => {
    // Arrange
    const errorCode = code;

    // Act
    const denied = isDeniedErrorCode(errorCode);

    // Assert
    expect(denied).toBe(expected);
  });
});

describe('UsageAggregator', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  /** An aggregator over the default window fed with the records. */
  function aggregate(...records: unknown[]): UsageAggregator {
    const aggregator = new UsageAggregator(catalog, WINDOW);
    records.forEach((r, i) => {
      aggregator.add(r, FILE, i);
    });
    return aggregator;
  }

  const id = (qualified: string) => {
    const found = catalog.idOf(qualified);
    if (found === undefined) throw new Error(`catalog has no ${qualified}`);
    return found;
  };

  it('counts successful calls as used, with count and first and last seen', () => {
    // Arrange
    const records = [
      aRecord({ eventName: 'ListBuckets', eventTime: '2026-11-02T00:00:00Z' }),
      aRecord({ eventName: 'ListBuckets', eventTime: '2026-11-01T00:00:00Z' }),
      aRecord({ eventName: 'ListBuckets', eventTime: '2026-11-03T00:00:00Z' }),
    ];

    // Act
    const usage = aggregate(...records).principals.get(ALICE)!;

    // Assert
    expect(usage.kind).toBe('iam-user');
    expect(usage.events).toBe(3);
    expect(usage.used.get(id('s3:ListAllMyBuckets'))).toEqual({
      count: 3,
      first: Date.parse('2026-11-01T00:00:00Z'),
      last: Date.parse('2026-11-03T00:00:00Z'),
    });
    expect(usage.firstSeen).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(usage.lastSeen).toBe(Date.parse('2026-11-03T00:00:00Z'));
    expect(usage.denied.size).toBe(0);
  });

  it('counts calls refused by authorization as denied, never as used', () => {
    // Arrange
    const records = [
      aRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        errorCode: 'AccessDenied',
      }),
      aRecord({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RunInstances',
        errorCode: 'Client.UnauthorizedOperation',
      }),
      aRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        errorCode: 'AccessDeniedException',
        eventTime: '2026-11-05T00:00:00Z',
      }),
    ];

    // Act
    const usage = aggregate(...records).principals.get(ALICE)!;

    // Assert
    expect(usage.used.size).toBe(0);
    const createUser = usage.denied.get(id('iam:CreateUser'))!;
    expect(createUser.count).toBe(2);
    expect(createUser.last).toBe(Date.parse('2026-11-05T00:00:00Z'));
    expect([...createUser.errorCodes].sort()).toEqual(['AccessDenied', 'AccessDeniedException']);
    expect(usage.denied.get(id('ec2:RunInstances'))!.errorCodes).toEqual(
      new Set(['Client.UnauthorizedOperation']),
    );
  });

  it('counts calls that failed for other reasons as used, since authorization passed', () => {
    // Arrange
    const record = aRecord({
      eventSource: 'iam.amazonaws.com',
      eventName: 'GetRole',
      errorCode: 'NoSuchEntity',
    });

    // Act
    const usage = aggregate(record).principals.get(ALICE)!;

    // Assert
    expect(usage.used.has(id('iam:GetRole'))).toBe(true);
    expect(usage.denied.size).toBe(0);
  });

  it('counts records outside the window without attributing them, bounds included', () => {
    // Arrange
    const records = [
      aRecord({ eventTime: BEFORE_WINDOW }),
      aRecord({ eventTime: '2027-01-01T00:00:00Z' }),
      aRecord({ eventTime: new Date(WINDOW.from).toISOString() }),
      aRecord({ eventTime: new Date(WINDOW.to).toISOString() }),
      aRecord({ eventTime: new Date(WINDOW.from - 1).toISOString() }),
    ];

    // Act
    const aggregator = aggregate(...records);

    // Assert
    expect(aggregator.coverage.recordsRead).toBe(5);
    expect(aggregator.coverage.recordsOutsideWindow).toBe(3);
    expect(aggregator.coverage.recordsInWindow).toBe(2);
    expect(aggregator.principals.get(ALICE)!.events).toBe(2);
    expect(aggregator.coverage.observedFrom).toBe(WINDOW.from);
    expect(aggregator.coverage.observedTo).toBe(WINDOW.to);
  });

  it('reads the Logstash @timestamp when eventTime is absent', () => {
    // Arrange
    const record = aRecord({ eventTime: undefined, '@timestamp': '2026-11-01T00:00:00Z' });

    // Act
    const aggregator = aggregate(record);

    // Assert
    expect(aggregator.coverage.recordsInWindow).toBe(1);
  });

  it('skips unusable records by reason, with file and location', () => {
    // Arrange
    const records = [
      'a string',
      [1, 2],
      null,
      aRecord({ eventTime: 'not a date' }),
      { ...aRecord(), eventTime: 12345 },
      aRecord({ userIdentity: undefined }),
      { ...aRecord(), userIdentity: null },
      aRecord(),
    ];

    // Act
    const { coverage } = aggregate(...records);

    // Assert
    const skipped = Object.fromEntries(
      [...coverage.skipped].map(([reason, s]) => [
        reason,
        { count: s.count, locations: s.examples.map((e) => `${e.file}|${e.location}`) },
      ]),
    );
    expect(skipped).toEqual({
      'not-an-object': {
        count: 3,
        locations: [`${FILE}|Records[0]`, `${FILE}|Records[1]`, `${FILE}|Records[2]`],
      },
      'invalid-event-time': {
        count: 2,
        locations: [`${FILE}|Records[3]`, `${FILE}|Records[4]`],
      },
      'no-user-identity': {
        count: 2,
        locations: [`${FILE}|Records[5]`, `${FILE}|Records[6]`],
      },
    });
    expect(coverage.recordsRead).toBe(8);
    expect(coverage.recordsInWindow).toBe(1);
  });

  it('keeps at most five examples per skip reason but counts them all', () => {
    // Arrange
    const records = Array.from({ length: 8 }, () => aRecord({ userIdentity: undefined }));

    // Act
    const { coverage } = aggregate(...records);

    // Assert
    const entry = coverage.skipped.get('no-user-identity')!;
    expect(entry.count).toBe(8);
    expect(entry.examples).toHaveLength(5);
  });

  it('uses the location prefix the source gives', () => {
    // Arrange
    const aggregator = new UsageAggregator(catalog, WINDOW);

    // Act
    aggregator.add(42, 'events.jsonl', 7, 'line');

    // Assert
    expect(aggregator.coverage.skipped.get('not-an-object')!.examples[0]!.location).toBe('line[7]');
  });

  it('links roles to who created, deployed and assumed them', () => {
    // Arrange
    const target = roleArn('agent-role');
    const builder = asRole(roleArn('deployer'));
    const records: CloudTrailRecord[] = [
      aRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateRole',
        readOnly: false,
        responseElements: { role: { arn: target } },
      }),
      aRecord({
        eventSource: 'lambda.amazonaws.com',
        eventName: 'CreateFunction20150331',
        userIdentity: builder,
        requestParameters: { functionName: 'f', role: target },
      }),
      aRecord({
        eventSource: 'bedrock.amazonaws.com',
        eventName: 'CreateAgent',
        userIdentity: asRole(roleArn('agent-builder')),
        requestParameters: { agentResourceRoleArn: target },
      }),
      aRecord({
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        requestParameters: { roleArn: target },
        eventTime: '2026-11-02T00:00:00Z',
      }),
      aRecord({
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        requestParameters: { roleArn: target },
        eventTime: '2026-11-03T00:00:00Z',
      }),
    ];

    // Act
    const { linkages } = aggregate(...records);

    // Assert
    const links = [...linkages.values()].map((l) => [l.relation, l.actor, l.via, l.count]);
    expect(links).toEqual([
      ['created', ALICE, 'CreateRole', 1],
      ['deployed', roleArn('deployer'), 'CreateFunction20150331', 1],
      ['deployed', roleArn('agent-builder'), 'CreateAgent', 1],
      ['assumed', ALICE, 'AssumeRole', 2],
    ]);
    expect([...linkages.values()].every((l) => l.target === target)).toBe(true);
    expect(linkages.get(`assumed|${target}|${ALICE}`)!.last).toBe(
      Date.parse('2026-11-03T00:00:00Z'),
    );
  });

  it('does not link from failed or denied calls, nor a role to itself', () => {
    // Arrange
    const self = roleArn('self');
    const records: CloudTrailRecord[] = [
      aRecord({
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        errorCode: 'AccessDenied',
        requestParameters: { roleArn: roleArn('a') },
      }),
      aRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateRole',
        errorCode: 'EntityAlreadyExists',
        responseElements: { role: { arn: roleArn('b') } },
      }),
      aRecord({
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        userIdentity: asRole(self),
        requestParameters: { roleArn: self },
      }),
      aRecord({
        eventSource: 'lambda.amazonaws.com',
        eventName: 'CreateFunction20150331',
        requestParameters: { role: 42 },
      }),
    ];

    // Act
    const { linkages } = aggregate(...records);

    // Assert
    expect(linkages.size).toBe(0);
  });

  it('counts data events per service from eventCategory or managementEvent', () => {
    // Arrange
    const records = [
      aRecord({ eventName: 'GetObject', eventCategory: 'Data', managementEvent: false }),
      aRecord({ eventName: 'PutObject', eventCategory: 'Data', readOnly: false }),
      aRecord({
        eventSource: 'dynamodb.amazonaws.com',
        eventName: 'GetItem',
        eventCategory: undefined,
        managementEvent: 'false',
      }),
      aRecord({ eventName: 'ListBuckets', eventCategory: 'Management' }),
    ];

    // Act
    const { coverage } = aggregate(...records);

    // Assert
    expect(Object.fromEntries(coverage.dataEventServices)).toEqual({ s3: 2, dynamodb: 1 });
    expect(coverage.mapped).toBe(4);
  });

  it('counts read-only and write events, leaving records without readOnly out of both', () => {
    // Arrange
    const records = [
      aRecord({ readOnly: true }),
      aRecord({ readOnly: 'true' }),
      aRecord({ eventName: 'CreateBucket', readOnly: false }),
      aRecord({ eventName: 'CreateBucket', readOnly: 'false' }),
      aRecord({ eventName: 'CreateBucket', readOnly: undefined }),
    ];

    // Act
    const { coverage } = aggregate(...records);

    // Assert
    expect(coverage.readOnlyEvents).toBe(2);
    expect(coverage.writeEvents).toBe(2);
  });

  it('tallies no-IAM, unmapped and unattributed records separately', () => {
    // Arrange
    const records = [
      aRecord({
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        eventType: 'AwsConsoleSignIn',
      }),
      aRecord({ eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity' }),
      aRecord({ eventSource: 'nosuch.amazonaws.com', eventName: 'DoThing' }),
      aRecord({ eventSource: 'nosuch.amazonaws.com', eventName: 'DoThing' }),
      aRecord({ eventSource: 's3.amazonaws.com', eventName: 'NoSuchCall' }),
      aRecord({ eventName: undefined }),
      aRecord({ userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' } }),
    ];

    // Act
    const aggregator = aggregate(...records);

    // Assert
    const { coverage } = aggregator;
    expect(Object.fromEntries(coverage.noIam)).toEqual({
      'console-sign-in': 1,
      permissionless: 1,
    });
    expect(coverage.unmapped).toBe(4);
    expect([...coverage.unmappedPairs.values()]).toEqual([
      { eventSource: 'nosuch.amazonaws.com', eventName: 'DoThing', count: 2 },
      { eventSource: 's3.amazonaws.com', eventName: 'NoSuchCall', count: 1 },
      { eventSource: 's3.amazonaws.com', eventName: '', count: 1 },
    ]);
    expect(Object.fromEntries(coverage.unattributed)).toEqual({ 'aws-service': 1 });
    // Attributable with an action: the three unmapped pairs and the mapped AWSService call is
    // unattributed, so only the user's records count; missing fields and no-IAM ones do not.
    expect(coverage.attributableWithAction).toBe(3);
    expect(coverage.attributableMapped).toBe(0);
    const alice = aggregator.principals.get(ALICE)!;
    expect(alice.consoleSignIns).toBe(1);
    expect(alice.unmappedEvents).toBe(4);
    expect(alice.events).toBe(6);
  });

  it('records source identities, Identity Center users and cross-account callers', () => {
    // Arrange
    const role = roleArn('shared');
    const records = [
      aRecord({
        userIdentity: asRole(role, {
          accountId: OTHER_ACCOUNT,
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: role, accountId: ACCOUNT },
            sourceIdentity: 'alice@example.com',
          },
        }),
      }),
      aRecord({
        userIdentity: asRole(role, {
          onBehalfOf: { userId: 'sso-user-1', identityStoreArn: 'arn:aws:identitystore::x' },
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: role, accountId: ACCOUNT },
            sourceIdentity: 'alice@example.com',
          },
        }),
      }),
    ];

    // Act
    const usage = aggregate(...records).principals.get(role)!;

    // Assert
    expect(usage.kind).toBe('iam-role');
    expect(Object.fromEntries(usage.sourceIdentities)).toEqual({ 'alice@example.com': 2 });
    expect([...usage.onBehalfOf.keys()]).toEqual(['sso-user-1']);
    expect(usage.crossAccountEvents).toBe(1);
    expect([...usage.callerAccounts]).toEqual([OTHER_ACCOUNT]);
  });

  it('attributes role sessions to the role and user calls to the user', () => {
    // Arrange
    const records = [
      aRecord({ userIdentity: asRole(roleArn('app')) }),
      aRecord({ userIdentity: asUser(userArn('bob')) }),
    ];

    // Act
    const { principals } = aggregate(...records);

    // Assert
    expect([...principals.keys()].sort()).toEqual([roleArn('app'), userArn('bob')].sort());
  });
});

describe('parseEventTime', () => {
  it('reads the CloudTrail shape and every other ISO shape exactly as Date.parse does', () => {
    for (const t of [
      '2026-11-01T12:34:56Z',
      '2024-02-29T23:59:59Z',
      '2026-11-01T12:34:56.123Z',
      '2026-11-01T12:34:56+02:00',
      '2026-11-01T24:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-1a-01T00:00:00Z',
      'not a time',
    ]) {
      expect(Object.is(parseEventTime(t), Date.parse(t)), t).toBe(true);
    }
  });
});
