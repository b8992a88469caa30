import {
  type CloudTrailClient,
  type Event,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import {
  type LookupEventsOptions,
  LookupEventsSource,
} from '#connectors/aws/cloudtrail/lookup-source.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { RateLimiter } from '#connectors/shared/limit.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { Progress } from '#core/ports/progress.ts';
import type { UsageBatch } from '#core/ports/usage-source.ts';
import { ACCOUNT, AS_OF, aRecord } from '#test/helpers/builders.ts';
import { TEST_CREDENTIALS } from '#test/helpers/moto.ts';

// biome-ignore lint/suspicious/noExplicitAny: the stub's generic parameters are the client's own
type CloudTrailStub = AwsStub<any, any, any>;

const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2'] as const;
const DAY = 86_400_000;

/** A clock that only moves when something sleeps on it. */
class FakeClock {
  t = 0;
  readonly now = (): number => this.t;
  readonly sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
}

/** An Event history entry carrying a builder record with the given id. */
function anEvent(id: string): Event {
  return { EventId: id, CloudTrailEvent: JSON.stringify({ ...aRecord(), eventID: id }) };
}

/** `n` events with ids `<prefix>-0` … */
function events(prefix: string, n: number): Event[] {
  return Array.from({ length: n }, (_, i) => anEvent(`${prefix}-${i}`));
}

function error(name: string): Error {
  return Object.assign(new Error(`${name} (test)`), { name });
}

async function read(source: LookupEventsSource): Promise<{
  batches: UsageBatch[];
  issues: InputIssue[];
}> {
  const issues: InputIssue[] = [];
  const batches: UsageBatch[] = [];
  for await (const b of source.batches(issues)) batches.push(b);
  return { batches, issues };
}

function ids(batches: UsageBatch[], region?: string): string[] {
  return batches
    .filter((b) => region === undefined || b.file.endsWith(`/${region}`))
    .flatMap((b) => b.records.map((r) => (r as { eventID: string }).eventID));
}

describe('LookupEventsSource', () => {
  let clients: AwsClients;
  let stubs: Record<string, CloudTrailStub>;
  let clocks: Map<string, FakeClock>;
  let gaps: GapRecorder;
  let waits: number[];

  /** Options with a fake clock per region and retries that do not wait. */
  function options(overrides: Partial<LookupEventsOptions> = {}): LookupEventsOptions {
    return {
      accountId: ACCOUNT,
      regions: REGIONS,
      from: AS_OF - 7 * DAY,
      to: AS_OF,
      gaps,
      now: () => AS_OF,
      sleep: async (ms) => {
        waits.push(ms);
      },
      limiter: (region) => {
        const clock = new FakeClock();
        clocks.set(region, clock);
        return new RateLimiter(2, 1, clock.now, clock.sleep);
      },
      ...overrides,
    };
  }

  beforeEach(() => {
    clients = new AwsClients({ credentials: TEST_CREDENTIALS });
    stubs = Object.fromEntries(
      REGIONS.map((r) => [r, mockClient(clients.cloudtrail(r) as CloudTrailClient)]),
    );
    for (const stub of Object.values(stubs)) stub.on(LookupEventsCommand).resolves({ Events: [] });
    clocks = new Map();
    gaps = new GapRecorder();
    waits = [];
  });

  afterEach(() => {
    for (const stub of Object.values(stubs)) stub.restore();
    clients.destroy();
  });

  it('follows NextToken over three pages of 50 events', async () => {
    // Arrange
    stubs['us-east-1']!.on(LookupEventsCommand)
      .resolvesOnce({ Events: events('p1', 50), NextToken: 't1' })
      .resolvesOnce({ Events: events('p2', 50), NextToken: 't2' })
      .resolvesOnce({ Events: events('p3', 7) });
    const progress: Progress[] = [];
    const source = new LookupEventsSource(
      clients,
      options({ regions: ['us-east-1'], onProgress: (p) => progress.push(p) }),
    );
    // Act
    const { batches, issues } = await read(source);
    // Assert
    const inputs = stubs['us-east-1']!.commandCalls(LookupEventsCommand).map(
      (c) => c.args[0].input as LookupEventsCommandInput,
    );
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, 't1', 't2']);
    expect(inputs[0]).toMatchObject({
      MaxResults: 50,
      StartTime: new Date(AS_OF - 7 * DAY),
      EndTime: new Date(AS_OF),
    });
    expect(ids(batches)).toHaveLength(107);
    expect(batches.map((b) => [b.file, b.firstIndex, b.locationPrefix])).toEqual([
      [`cloudtrail-lookup://${ACCOUNT}/us-east-1`, 0, 'Events'],
      [`cloudtrail-lookup://${ACCOUNT}/us-east-1`, 50, 'Events'],
      [`cloudtrail-lookup://${ACCOUNT}/us-east-1`, 100, 'Events'],
    ]);
    expect(issues).toEqual([]);
    expect(gaps.gaps).toEqual([]);
    expect(progress.at(-1)).toMatchObject({ filesDone: 1, filesTotal: 1, records: 107 });
  });

  it('keeps each region to two calls per second on its own clock', async () => {
    // Arrange
    const times = new Map<string, number[]>();
    for (const region of REGIONS) {
      let page = 0;
      stubs[region]!.on(LookupEventsCommand).callsFake(() => {
        const clock = clocks.get(region)!;
        times.set(region, [...(times.get(region) ?? []), clock.now()]);
        page++;
        return {
          Events: events(`${region}-${page}`, 2),
          NextToken: page < 9 ? `t${page}` : undefined,
        };
      });
    }
    const source = new LookupEventsSource(clients, options());
    // Act
    const { batches } = await read(source);
    // Assert
    for (const region of REGIONS) {
      const t = times.get(region)!;
      expect(t).toHaveLength(9);
      // Any three consecutive calls span at least a second: never more than two in one second.
      for (let i = 0; i + 2 < t.length; i++) expect(t[i + 2]! - t[i]!).toBeGreaterThanOrEqual(1000);
      expect(ids(batches, region)).toHaveLength(18);
    }
  });

  it('records a gap for a region where LookupEvents is denied and completes the others', async () => {
    // Arrange
    stubs['us-east-1']!.on(LookupEventsCommand).rejects(error('AccessDeniedException'));
    stubs['eu-west-1']!.on(LookupEventsCommand).resolves({ Events: events('eu', 3) });
    stubs['us-west-2']!.on(LookupEventsCommand)
      .resolvesOnce({ Events: events('usw2-a', 2), NextToken: 'n' })
      .resolvesOnce({ Events: events('usw2-b', 2) });
    const source = new LookupEventsSource(clients, options());
    // Act
    const { batches } = await read(source);
    // Assert
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        provider: 'aws',
        api: 'cloudtrail:LookupEvents',
        account: ACCOUNT,
        region: 'us-east-1',
        reason: 'access-denied',
      }),
    ]);
    expect(ids(batches, 'eu-west-1')).toHaveLength(3);
    expect(ids(batches, 'us-west-2')).toHaveLength(4);
  });

  it("gives up a region that keeps timing out with a 'failed' gap, keeping its events so far", async () => {
    // Arrange
    stubs['us-west-2']!.on(LookupEventsCommand)
      .resolvesOnce({ Events: events('before', 4), NextToken: 'n' })
      .rejects(error('TimeoutError'));
    stubs['eu-west-1']!.on(LookupEventsCommand).resolves({ Events: events('eu', 1) });
    const source = new LookupEventsSource(clients, options({ maxRetries: 3 }));
    // Act
    const { batches } = await read(source);
    // Assert
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        api: 'cloudtrail:LookupEvents',
        region: 'us-west-2',
        reason: 'failed',
        detail: expect.stringContaining('TimeoutError'),
      }),
    ]);
    expect(stubs['us-west-2']!.commandCalls(LookupEventsCommand)).toHaveLength(1 + 4);
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(ids(batches, 'us-west-2')).toHaveLength(4);
    expect(ids(batches, 'eu-west-1')).toHaveLength(1);
  });

  it('rides out a throttling storm that outlasts the SDK retries', async () => {
    // Arrange
    const stub = stubs['us-east-1']!;
    const behaviour = stub.on(LookupEventsCommand);
    for (let i = 0; i < 5; i++) behaviour.rejectsOnce(error('ThrottlingException'));
    behaviour.resolvesOnce({ Events: events('after', 5) });
    const source = new LookupEventsSource(clients, options({ regions: ['us-east-1'] }));
    // Act
    const { batches } = await read(source);
    // Assert
    expect(gaps.gaps).toEqual([]);
    expect(ids(batches)).toHaveLength(5);
    expect(stub.commandCalls(LookupEventsCommand)).toHaveLength(6);
    expect(waits).toHaveLength(5);
  });

  it('fails loudly on an error that is neither denial, throttling nor a timeout', async () => {
    // Arrange
    stubs['us-east-1']!.on(LookupEventsCommand).rejects(error('InvalidLookupAttributesException'));
    const source = new LookupEventsSource(clients, options());
    // Act
    const run = read(source);
    // Assert
    await expect(run).rejects.toBeInstanceOf(ConnectorError);
  });

  it('reads no further back than the 90 days of Event history, and says so', async () => {
    // Arrange
    const source = new LookupEventsSource(
      clients,
      options({ regions: ['us-east-1'], from: AS_OF - 120 * DAY }),
    );
    // Act
    await read(source);
    // Assert
    const input = stubs['us-east-1']!.commandCalls(LookupEventsCommand)[0]!.args[0]
      .input as LookupEventsCommandInput;
    expect(input.StartTime).toEqual(new Date(AS_OF - 90 * DAY));
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ api: 'cloudtrail:LookupEvents', reason: 'unsupported' }),
    ]);
  });

  it('skips an event whose CloudTrailEvent is not JSON, naming it', async () => {
    // Arrange
    stubs['us-east-1']!.on(LookupEventsCommand).resolves({
      Events: [anEvent('good-0'), { EventId: 'bad', CloudTrailEvent: '{oops' }, anEvent('good-2')],
    });
    const source = new LookupEventsSource(clients, options({ regions: ['us-east-1'] }));
    // Act
    const { batches, issues } = await read(source);
    // Assert
    expect(ids(batches)).toEqual(['good-0', 'good-2']);
    expect(batches[0]!.positions).toEqual([0, 2]);
    expect(issues).toEqual([
      expect.objectContaining({
        file: `cloudtrail-lookup://${ACCOUNT}/us-east-1`,
        location: 'Events[1]',
        reason: 'invalid-json',
      }),
    ]);
  });
});
