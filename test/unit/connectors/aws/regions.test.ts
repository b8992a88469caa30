import { ListRegionsCommand } from '@aws-sdk/client-account';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { enabledRegions, forEachRegion, mergeGaps, partitionOf } from '#connectors/aws/regions.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const ACCOUNT = '111111111111';

/** An error shaped like the SDK's service exceptions. */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

describe('enabledRegions', () => {
  let clients: AwsClients;
  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
  });
  afterEach(() => clients.destroy());

  it('returns the override without calling AWS', async () => {
    // Arrange
    const account = mockClient(clients.account());
    const gaps = new GapRecorder();
    // Act
    const regions = await enabledRegions(clients, {
      accountId: ACCOUNT,
      gaps,
      override: ['eu-west-1', 'us-east-1', 'eu-west-1'],
    });
    // Assert
    expect(regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(account.calls()).toHaveLength(0);
  });

  it('lists enabled and enabled-by-default regions from the Account API across pages', async () => {
    // Arrange
    const account = mockClient(clients.account());
    account.on(ListRegionsCommand).callsFake((input: { NextToken?: string }) =>
      input.NextToken
        ? { Regions: [{ RegionName: 'af-south-1', RegionOptStatus: 'ENABLED' }] }
        : {
            Regions: [{ RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }],
            NextToken: 'n',
          },
    );
    const gaps = new GapRecorder();
    // Act
    const regions = await enabledRegions(clients, { accountId: ACCOUNT, gaps });
    // Assert
    expect(regions).toEqual(['af-south-1', 'us-east-1']);
    expect(
      account.commandCalls(ListRegionsCommand)[0]?.args[0].input.RegionOptStatusContains,
    ).toEqual(['ENABLED', 'ENABLED_BY_DEFAULT']);
    expect(gaps.gaps).toEqual([]);
  });

  it('falls back to EC2 DescribeRegions without a gap when the Account API is denied', async () => {
    // Arrange
    mockClient(clients.account()).on(ListRegionsCommand).rejects(awsError('AccessDeniedException'));
    const ec2 = mockClient(clients.ec2('us-east-1'));
    ec2
      .on(DescribeRegionsCommand)
      .resolves({ Regions: [{ RegionName: 'eu-central-1' }, { RegionName: 'us-east-1' }] });
    const gaps = new GapRecorder();
    // Act
    const regions = await enabledRegions(clients, { accountId: ACCOUNT, gaps });
    // Assert
    expect(regions).toEqual(['eu-central-1', 'us-east-1']);
    expect(ec2.commandCalls(DescribeRegionsCommand)[0]?.args[0].input).toEqual({
      AllRegions: false,
    });
    expect(gaps.gaps).toEqual([]);
  });

  it('scans us-east-1 only and records a gap naming both failures when neither API answers', async () => {
    // Arrange
    mockClient(clients.account())
      .on(ListRegionsCommand)
      .rejects(awsError('AccessDeniedException', 'no account'));
    mockClient(clients.ec2('us-east-1'))
      .on(DescribeRegionsCommand)
      .rejects(awsError('UnauthorizedOperation', 'no ec2'));
    const gaps = new GapRecorder();
    // Act
    const regions = await enabledRegions(clients, { accountId: ACCOUNT, gaps });
    // Assert
    expect(regions).toEqual(['us-east-1']);
    expect(gaps.gaps).toEqual([
      {
        provider: 'aws',
        api: 'ec2:DescribeRegions',
        account: ACCOUNT,
        reason: 'access-denied',
        detail: expect.stringMatching(
          /account:ListRegions: AccessDeniedException: no account; ec2:DescribeRegions: UnauthorizedOperation: no ec2/,
        ),
      },
    ]);
  });
});

describe('forEachRegion', () => {
  it('concatenates results in region order and merges each region gaps', async () => {
    // Arrange
    const gaps = new GapRecorder();
    // Act
    const items = await forEachRegion(['r1', 'r2'], gaps, async (region, regionGaps) => {
      for (let i = 0; i < 3; i++) {
        regionGaps.add({
          provider: 'aws',
          api: 'x:Get',
          region,
          reason: 'access-denied',
          detail: `call ${i}`,
        });
      }
      return [`${region}-a`, `${region}-b`];
    });
    // Assert
    expect(items).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b']);
    expect(gaps.gaps.map((g) => [g.region, g.detail])).toEqual([
      ['r1', 'call 0 (and 2 more calls)'],
      ['r2', 'call 0 (and 2 more calls)'],
    ]);
  });
});

describe('mergeGaps', () => {
  it('keeps gaps with different reasons or accounts apart', () => {
    // Act
    const merged = mergeGaps([
      { provider: 'aws', api: 'b:Get', account: '1', reason: 'access-denied', detail: 'x' },
      { provider: 'aws', api: 'b:Get', account: '2', reason: 'access-denied', detail: 'y' },
      { provider: 'aws', api: 'a:Get', account: '1', reason: 'unsupported', detail: 'z' },
    ]);
    // Assert
    expect(merged.map((g) => `${g.api} ${g.account} ${g.detail}`)).toEqual([
      'a:Get 1 z',
      'b:Get 1 x',
      'b:Get 2 y',
    ]);
  });
});

describe('partitionOf', () => {
  it('maps region prefixes to partitions', () => {
    // Act + Assert
    expect(partitionOf('eu-west-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
  });
});
