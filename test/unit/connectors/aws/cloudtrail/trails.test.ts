import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { describeTrails } from '#connectors/aws/cloudtrail/trails.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { ACCOUNT } from '#test/helpers/builders.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

// biome-ignore lint/suspicious/noExplicitAny: the stub's generic parameters are the client's own
type CloudTrailStub = AwsStub<any, any, any>;

const REGIONS = ['us-east-1', 'eu-west-1'] as const;

function aTrailDescription(name: string, region: string, overrides: Partial<Trail> = {}): Trail {
  return {
    Name: name,
    TrailARN: `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${name}`,
    HomeRegion: region,
    S3BucketName: 'logs',
    IsMultiRegionTrail: true,
    IsOrganizationTrail: false,
    ...overrides,
  };
}

function error(name: string): Error {
  return Object.assign(new Error(`${name} (test)`), { name });
}

describe('describeTrails', () => {
  let clients: AwsClients;
  let stubs: Record<string, CloudTrailStub>;
  let gaps: GapRecorder;

  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
    stubs = Object.fromEntries(
      REGIONS.map((r) => [r, mockClient(clients.cloudtrail(r) as CloudTrailClient)]),
    );
    for (const stub of Object.values(stubs)) {
      stub.on(DescribeTrailsCommand).resolves({ trailList: [] });
      stub.on(GetTrailStatusCommand).resolves({ IsLogging: true });
      stub.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'All' }] });
    }
    gaps = new GapRecorder();
  });

  afterEach(() => {
    for (const stub of Object.values(stubs)) stub.restore();
    clients.destroy();
  });

  it('asks for trails without shadows and describes a trail returned twice only once', async () => {
    // Arrange
    const trail = aTrailDescription('main', 'us-east-1', { S3KeyPrefix: 'ct' });
    stubs['us-east-1']!.on(DescribeTrailsCommand).resolves({ trailList: [trail] });
    stubs['eu-west-1']!.on(DescribeTrailsCommand).resolves({ trailList: [trail] });
    // Act
    const trails = await describeTrails(clients, { accountId: ACCOUNT, regions: REGIONS, gaps });
    // Assert
    expect(stubs['us-east-1']!.commandCalls(DescribeTrailsCommand)[0]!.args[0].input).toEqual({
      includeShadowTrails: false,
    });
    expect(trails).toEqual([
      {
        name: 'main',
        arn: trail.TrailARN,
        homeRegion: 'us-east-1',
        accountId: ACCOUNT,
        s3BucketName: 'logs',
        s3KeyPrefix: 'ct',
        isOrganizationTrail: false,
        isMultiRegionTrail: true,
        isLogging: true,
        managementEvents: 'All',
        dataEventServices: [],
      },
    ]);
    // Status and selectors are asked in the home region, by ARN.
    expect(stubs['eu-west-1']!.commandCalls(GetEventSelectorsCommand)).toHaveLength(0);
    expect(stubs['us-east-1']!.commandCalls(GetEventSelectorsCommand)[0]!.args[0].input).toEqual({
      TrailName: trail.TrailARN,
    });
  });

  it('records a gap for a region where DescribeTrails is denied and describes the others', async () => {
    // Arrange
    stubs['us-east-1']!.on(DescribeTrailsCommand).rejects(error('AccessDeniedException'));
    stubs['eu-west-1']!.on(DescribeTrailsCommand).resolves({
      trailList: [aTrailDescription('eu', 'eu-west-1')],
    });
    // Act
    const trails = await describeTrails(clients, { accountId: ACCOUNT, regions: REGIONS, gaps });
    // Assert
    expect(trails.map((t) => t.name)).toEqual(['eu']);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        api: 'cloudtrail:DescribeTrails',
        account: ACCOUNT,
        region: 'us-east-1',
        reason: 'access-denied',
      }),
    ]);
  });

  it('claims no recorded events for a trail whose selectors may not be read', async () => {
    // Arrange
    stubs['us-east-1']!.on(DescribeTrailsCommand).resolves({
      trailList: [aTrailDescription('main', 'us-east-1')],
    });
    stubs['us-east-1']!.on(GetEventSelectorsCommand).rejects(error('AccessDeniedException'));
    stubs['us-east-1']!.on(GetTrailStatusCommand).rejects(error('AccessDeniedException'));
    // Act
    const [trail] = await describeTrails(clients, { accountId: ACCOUNT, regions: REGIONS, gaps });
    // Assert
    expect(trail).toMatchObject({ managementEvents: 'None', dataEventServices: [] });
    expect(trail).not.toHaveProperty('isLogging');
    expect(gaps.gaps.map((g) => g.api).sort()).toEqual([
      'cloudtrail:GetEventSelectors',
      'cloudtrail:GetTrailStatus',
    ]);
  });

  it('drops a trail deleted between DescribeTrails and GetTrailStatus', async () => {
    // Arrange
    stubs['us-east-1']!.on(DescribeTrailsCommand).resolves({
      trailList: [aTrailDescription('gone', 'us-east-1'), aTrailDescription('kept', 'us-east-1')],
    });
    stubs['us-east-1']!.on(GetTrailStatusCommand, {
      Name: aTrailDescription('gone', 'us-east-1').TrailARN,
    }).rejects(error('TrailNotFoundException'));
    // Act
    const trails = await describeTrails(clients, { accountId: ACCOUNT, regions: REGIONS, gaps });
    // Assert
    expect(trails.map((t) => t.name)).toEqual(['kept']);
    expect(gaps.gaps).toEqual([]);
  });

  it("names the management account as an organization trail's owner", async () => {
    // Arrange
    stubs['us-east-1']!.on(DescribeTrailsCommand).resolves({
      trailList: [
        aTrailDescription('org', 'us-east-1', {
          TrailARN: 'arn:aws:cloudtrail:us-east-1:999999999999:trail/org',
          IsOrganizationTrail: true,
        }),
      ],
    });
    // Act
    const [trail] = await describeTrails(clients, { accountId: ACCOUNT, regions: REGIONS, gaps });
    // Assert
    expect(trail).toMatchObject({ accountId: '999999999999', isOrganizationTrail: true });
  });

  it('fails loudly on an unexpected error', async () => {
    // Arrange
    stubs['eu-west-1']!.on(DescribeTrailsCommand).rejects(error('ValidationException'));
    // Act
    const run = describeTrails(clients, { accountId: ACCOUNT, regions: REGIONS, gaps });
    // Assert
    await expect(run).rejects.toBeInstanceOf(ConnectorError);
  });
});
