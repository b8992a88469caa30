/**
 * Graph activity-log reader without a network: the KQL text, window slicing, row → request
 * shaping, error classification, and the slice loop against a fake query client.
 */
import type { TokenCredential } from '@azure/identity';
import {
  type LogsQueryResult,
  LogsQueryResultStatus,
  type LogsTable,
} from '@azure/monitor-query-logs';
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_COLUMNS,
  buildActivityQuery,
  classifyLogsError,
  createLogsClient,
  type GraphActivityLogOptions,
  type LogsQuerier,
  readGraphActivityLogs,
  sliceWindow,
  toGraphRequests,
} from '#connectors/entra/activity-logs.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import type { GraphRequest } from '#core/entra/model.ts';
import { matchGraphRequest } from '#core/entra/permission-map.ts';
import { aggregateGraphRequests } from '#core/entra/usage.ts';
import { kqlPath } from '#test/helpers/log-analytics-server.ts';
import { aServicePrincipal } from '#test/unit/entra/builders.ts';

const H = 3_600_000;
const DAY = 24 * H;
const FROM = Date.parse('2026-11-01T00:00:00Z');
const SP = '11111111-0000-0000-0000-0000000000f1';
const APP = '22222222-0000-0000-0000-0000000000f1';

/** The summarized table's columns, in the query's order. */
const COLUMNS = [
  { name: 'ServicePrincipalId', type: 'string' },
  { name: 'AppId', type: 'string' },
  { name: 'RequestMethod', type: 'string' },
  { name: 'Path', type: 'string' },
  { name: 'ResponseStatusCode', type: 'int' },
  { name: 'Scheme', type: 'string' },
  { name: 'Requests', type: 'long' },
  { name: 'LastSeen', type: 'datetime' },
] as const;

/** A summarized row, as the SDK hands it over (datetime cells already Dates). */
function aRow(overrides: Partial<Record<(typeof COLUMNS)[number]['name'], unknown>> = {}) {
  const row: Record<string, unknown> = {
    ServicePrincipalId: SP,
    AppId: APP,
    RequestMethod: 'GET',
    Path: '/users',
    ResponseStatusCode: 200,
    Scheme: 'application',
    Requests: 3,
    LastSeen: new Date('2026-11-01T10:00:00Z'),
    ...overrides,
  };
  return COLUMNS.map((c) => row[c.name]) as LogsTable['rows'][number];
}

const aTable = (rows: LogsTable['rows']): LogsTable => ({
  name: 'PrimaryResult',
  columnDescriptors: [...COLUMNS],
  rows,
});

const success = (rows: LogsTable['rows']): LogsQueryResult => ({
  status: LogsQueryResultStatus.Success,
  tables: [aTable(rows)],
});

/** An SDK RestError-shaped failure with the service's error body. */
const restError = (statusCode: number, code: string, message: string, body?: unknown) =>
  Object.assign(new Error(message), {
    name: 'RestError',
    statusCode,
    code,
    ...(body ? { details: body } : {}),
  });

interface Call {
  from: number;
  to: number;
  kql: string;
}

/** A query client answering each slice with `answer(slice)`; records the calls. */
function fakeClient(answer: (call: Call) => LogsQueryResult | Error): {
  client: LogsQuerier;
  calls: Call[];
} {
  const calls: Call[] = [];
  const client: LogsQuerier = {
    queryWorkspace: async (_ws, kql, timespan) => {
      const t = timespan as { startTime: Date; endTime: Date };
      const call = { from: t.startTime.getTime(), to: t.endTime.getTime(), kql };
      calls.push(call);
      const out = answer(call);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  return { client, calls };
}

async function readAll(
  client: LogsQuerier,
  overrides: Partial<GraphActivityLogOptions> = {},
): Promise<{ requests: GraphRequest[]; gaps: GapRecorder }> {
  const gaps = new GapRecorder();
  const requests: GraphRequest[] = [];
  for await (const r of readGraphActivityLogs({
    workspaceId: 'ws-1',
    credential: {} as TokenCredential,
    from: FROM,
    to: FROM + 3 * DAY,
    gaps,
    client,
    ...overrides,
  }))
    requests.push(r);
  return { requests, gaps };
}

describe('sliceWindow', () => {
  it('cuts the window into pageHours slices, the last one shorter', () => {
    // Act
    const slices = sliceWindow(FROM, FROM + 50 * H, 24);

    // Assert
    expect(slices).toEqual([
      { from: FROM, to: FROM + 24 * H },
      { from: FROM + 24 * H, to: FROM + 48 * H },
      { from: FROM + 48 * H, to: FROM + 50 * H },
    ]);
  });

  it('accepts fractional hours and a window shorter than one slice', () => {
    // Act + Assert
    expect(sliceWindow(FROM, FROM + H, 0.5)).toHaveLength(2);
    expect(sliceWindow(FROM, FROM + H, 24)).toEqual([{ from: FROM, to: FROM + H }]);
  });

  it.each([
    [FROM, FROM, 24],
    [FROM + 1, FROM, 24],
    [FROM, FROM + DAY, 0],
    [FROM, Number.NaN, 24],
  ])('refuses an empty window or a non-positive page (%s, %s, %s)', (from, to, hours) => {
    // Act + Assert
    expect(() => sliceWindow(from, to, hours)).toThrow(RangeError);
  });
});

describe('buildActivityQuery', () => {
  it('summarizes by caller, method, normalized path, status and scheme within the slice', () => {
    // Act
    const kql = buildActivityQuery({ from: FROM, to: FROM + DAY }, { take: 50_001 });

    // Assert
    expect(kql).toBe(
      [
        'MicrosoftGraphActivityLogs',
        '| where TimeGenerated >= datetime(2026-11-01T00:00:00.000Z) and TimeGenerated < datetime(2026-11-02T00:00:00.000Z)',
        '| extend Path = tolower(extract(@"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)", 1, RequestUri))',
        '| extend Path = replace_regex(Path, @"^/(?:v1\\.0|beta)(/|$)", @"/")',
        '| extend Path = replace_regex(Path, @"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}")',
        '| extend Path = replace_regex(Path, @"/[^/]*(?:@|%40)[^/]*", "/{id}")',
        '| extend Scheme = case(isnotempty(Scopes), "delegated", isnotempty(Roles), "application", "")',
        '| summarize Requests = count(), LastSeen = max(TimeGenerated) by ServicePrincipalId, AppId, RequestMethod, Path, ResponseStatusCode, Scheme',
        '| take 50001',
      ].join('\n'),
    );
  });

  it('filters on the given apps, case-insensitively', () => {
    // Act
    const kql = buildActivityQuery(
      { from: FROM, to: FROM + DAY },
      { appIds: [APP, '33333333-0000-0000-0000-00000000000A'], take: 10 },
    );

    // Assert
    expect(kql.split('\n')[2]).toBe(
      `| where AppId in~ ('${APP}', '33333333-0000-0000-0000-00000000000A')`,
    );
  });

  it('refuses an appId that is not a GUID, since it goes into the query text', () => {
    // Act + Assert
    expect(() =>
      buildActivityQuery({ from: FROM, to: FROM + DAY }, { appIds: ["x') or true //"], take: 1 }),
    ).toThrow(RangeError);
  });

  it('names every column the shaping reads', () => {
    // Arrange
    const kql = buildActivityQuery({ from: FROM, to: FROM + DAY }, { take: 1 });

    // Assert
    for (const name of Object.values(ACTIVITY_COLUMNS)) expect(kql).toContain(name);
  });
});

describe('the normalized path', () => {
  it.each([
    ['https://graph.microsoft.com/v1.0/users?$top=999', '/users'],
    [
      'https://graph.microsoft.com/beta/Users/44444444-AAAA-0000-0000-000000000001/Messages',
      '/users/{id}/messages',
    ],
    [
      'https://graph.microsoft.com/v1.0/users/alice@contoso.example/sendMail',
      '/users/{id}/sendmail',
    ],
    ['https://graph.microsoft.com/v1.0/users/alice%40contoso.example', '/users/{id}'],
    ['https://graph.microsoft.com/v1.0', '/'],
    [
      "/v1.0/servicePrincipals(appId='22222222-0000-0000-0000-0000000000f1')",
      "/serviceprincipals(appid='{id}')",
    ],
  ])('%s → %s (as the loopback server computes the KQL)', (uri, path) => {
    // Act + Assert
    expect(kqlPath(uri)).toBe(path);
  });

  it.each([
    ['GET', '/users/{id}/messages', 'Mail.Read'],
    ['GET', '/users/{id}', 'User.Read.All'],
    ['GET', '/users', 'User.Read.All'],
  ])('still resolves in the permission map: %s %s needs %s', (method, path, permission) => {
    // Act
    const match = matchGraphRequest(BUILTIN_GRAPH_PERMISSIONS, method, path);

    // Assert
    expect(match?.application).toContain(permission);
  });
});

describe('toGraphRequests', () => {
  it('shapes one request per summarized row, with its count and latest time', () => {
    // Arrange
    const table = aTable([
      aRow(),
      aRow({ ServicePrincipalId: '', Scheme: '', RequestMethod: 'post', Requests: 1 }),
      aRow({ Scheme: 'delegated', LastSeen: '2026-11-01T11:00:00Z', Path: '' }),
    ]);

    // Act
    const requests = toGraphRequests(table);

    // Assert
    expect(requests).toEqual([
      {
        servicePrincipalId: SP,
        appId: APP,
        method: 'GET',
        uri: '/users',
        status: 200,
        time: '2026-11-01T10:00:00.000Z',
        count: 3,
        scheme: 'application',
      },
      {
        appId: APP,
        method: 'POST',
        uri: '/users',
        status: 200,
        time: '2026-11-01T10:00:00.000Z',
        count: 1,
      },
      expect.objectContaining({ uri: '/', time: '2026-11-01T11:00:00Z', scheme: 'delegated' }),
    ]);
  });

  it('finds columns by name, whatever their order', () => {
    // Arrange
    const table: LogsTable = {
      name: 'PrimaryResult',
      columnDescriptors: [...COLUMNS].reverse(),
      rows: [[...aRow()].reverse()],
    };

    // Act + Assert
    expect(toGraphRequests(table)[0]).toMatchObject({ uri: '/users', count: 3, status: 200 });
  });

  it('fails loudly when a column of the query is missing', () => {
    // Arrange
    const table: LogsTable = {
      name: 'PrimaryResult',
      columnDescriptors: COLUMNS.slice(1),
      rows: [],
    };

    // Act + Assert
    expect(() => toGraphRequests(table)).toThrow(ConnectorError);
  });
});

describe('classifyLogsError', () => {
  it.each([
    [restError(403, 'InsufficientAccessError', 'insufficient access'), 'access-denied'],
    [restError(401, 'AuthorizationRequiredError', 'no auth'), 'access-denied'],
    [
      Object.assign(new Error('AADSTS7000215'), { name: 'AuthenticationRequiredError' }),
      'access-denied',
    ],
    [
      Object.assign(new Error('no credential'), { name: 'CredentialUnavailableError' }),
      'access-denied',
    ],
    [restError(404, 'WorkspaceNotFoundError', 'Workspace could not be found'), 'not-found'],
    [
      restError(400, 'BadArgumentError', 'The request had some invalid properties', {
        error: {
          code: 'BadArgumentError',
          innererror: {
            code: 'SemanticError',
            innererror: {
              message:
                "'where' operator: Failed to resolve table or column expression named 'MicrosoftGraphActivityLogs'",
            },
          },
        },
      }),
      'unsupported',
    ],
    [restError(400, 'BadArgumentError', 'Syntax error'), 'fatal'],
    [restError(429, 'ThrottledError', 'Too many requests'), 'throttled'],
    [restError(504, 'GatewayTimeout', 'timeout'), 'transient'],
    [Object.assign(new Error('socket hang up'), { code: 'REQUEST_SEND_ERROR' }), 'transient'],
    [new TypeError('bug'), 'fatal'],
  ])('%s → %s', (err, kind) => {
    // Act + Assert
    expect(classifyLogsError(err)).toBe(kind);
  });
});

describe('readGraphActivityLogs (fake client)', () => {
  it('queries each slice once, in time order, and yields its rows', async () => {
    // Arrange
    const { client, calls } = fakeClient(() => success([aRow()]));

    // Act
    const { requests, gaps } = await readAll(client);

    // Assert
    expect(calls.map((c) => (c.from - FROM) / H)).toEqual([0, 24, 48]);
    expect(requests).toHaveLength(3);
    expect(gaps.gaps).toEqual([]);
  });

  it('splits a slice with more groups than maxRows and reads both halves instead', async () => {
    // Arrange: a full day holds two groups, each half-day one.
    const { client, calls } = fakeClient((c) =>
      c.to - c.from > 12 * H
        ? success([aRow(), aRow({ Path: '/groups' })])
        : success([aRow({ LastSeen: new Date(c.from) })]),
    );

    // Act
    const { requests, gaps } = await readAll(client, { to: FROM + DAY, maxRows: 1 });

    // Assert
    expect(calls.map((c) => [(c.from - FROM) / H, (c.to - FROM) / H])).toEqual([
      [0, 24],
      [0, 12],
      [12, 24],
    ]);
    expect(calls[0]!.kql).toContain('| take 2');
    expect(requests.map((r) => r.time)).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-11-01T12:00:00.000Z',
    ]);
    expect(gaps.gaps).toEqual([]);
  });

  it('keeps the first maxRows of a slice too short to split, and records the gap', async () => {
    // Arrange
    const { client } = fakeClient(() => success([aRow(), aRow({ Path: '/groups' })]));

    // Act
    const { requests, gaps } = await readAll(client, { to: FROM + H, maxRows: 1 });

    // Assert
    expect(requests).toHaveLength(1);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({ reason: 'failed', detail: expect.stringContaining('more than 1') }),
    ]);
  });

  it('yields the rows of a partial result and records a failed gap for its slice only', async () => {
    // Arrange
    const { client } = fakeClient((c) =>
      c.from === FROM + DAY
        ? {
            status: LogsQueryResultStatus.PartialFailure,
            partialTables: [aTable([aRow({ Path: '/partial' })])],
            partialError: {
              code: 'PartialError',
              message: 'There were some errors when processing your query.',
              innererror: {
                code: 'LimitsExceeded',
                message: 'Query result set has exceeded the internal data size limit',
              },
            },
          }
        : success([aRow()]),
    );

    // Act
    const { requests, gaps } = await readAll(client);

    // Assert
    expect(requests.map((r) => r.uri)).toEqual(['/users', '/partial', '/users']);
    expect(gaps.gaps).toEqual([
      {
        provider: 'entra',
        api: 'LogAnalytics:query',
        reason: 'failed',
        detail:
          'workspace ws-1, 2026-11-02T00:00:00.000Z/2026-11-03T00:00:00.000Z: partial result: PartialError: LimitsExceeded: Query result set has exceeded the internal data size limit',
      },
    ]);
  });

  it('records a failed gap for a slice that keeps failing and goes on with the next', async () => {
    // Arrange
    const { client, calls } = fakeClient((c) =>
      c.from === FROM ? restError(503, 'ServiceUnavailable', 'unavailable') : success([aRow()]),
    );

    // Act
    const { requests, gaps } = await readAll(client);

    // Assert
    expect(calls).toHaveLength(3);
    expect(requests).toHaveLength(2);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        reason: 'failed',
        detail: expect.stringContaining(
          'HTTP 503: ServiceUnavailable: unavailable (gave up after retries)',
        ),
      }),
    ]);
  });

  it('stops at the first access-denied answer: the other slices would be refused alike', async () => {
    // Arrange
    const { client, calls } = fakeClient(() => restError(403, 'InsufficientAccessError', 'denied'));
    const lines: string[] = [];

    // Act
    const { requests, gaps } = await readAll(client, { log: (l) => lines.push(l) });

    // Assert
    expect(calls).toHaveLength(1);
    expect(requests).toEqual([]);
    expect(gaps.gaps.map((g) => g.reason)).toEqual(['access-denied']);
    expect(lines).toEqual(['Graph activity logs: access-denied, read stopped']);
  });

  it('throws a ConnectorError naming the API on a malformed query', async () => {
    // Arrange
    const { client } = fakeClient(() => restError(400, 'BadArgumentError', 'Syntax error'));

    // Act + Assert
    await expect(readAll(client)).rejects.toThrow(/LogAnalytics:query failed: .*HTTP 400/);
  });

  it('refuses a maxRows below 1', async () => {
    // Arrange
    const { client } = fakeClient(() => success([]));

    // Act + Assert
    await expect(readAll(client, { maxRows: 0 })).rejects.toThrow(RangeError);
  });
});

describe('createLogsClient', () => {
  it('refuses an http endpoint: the SDK sends bearer tokens over TLS only', () => {
    // Act + Assert
    expect(() =>
      createLogsClient({ credential: {} as TokenCredential, endpoint: 'http://127.0.0.1:1/v1' }),
    ).toThrow(/https/);
  });

  it('builds a client for the default and a custom endpoint', () => {
    // Act + Assert
    expect(createLogsClient({ credential: {} as TokenCredential })).toBeDefined();
    expect(
      createLogsClient({
        credential: {} as TokenCredential,
        endpoint: 'https://api.loganalytics.us/v1/',
        ca: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
        maxRetries: 1,
        retryDelayInMs: 5,
      }),
    ).toBeDefined();
  });
});

describe('aggregateGraphRequests with summarized rows', () => {
  it('counts a row with count n as n requests', () => {
    // Arrange
    const sp = aServicePrincipal();
    const row: GraphRequest = {
      servicePrincipalId: sp.id,
      appId: sp.appId,
      method: 'GET',
      uri: '/users',
      status: 200,
      time: '2026-11-01T10:00:00Z',
      scheme: 'application',
      count: 7,
    };
    const denied: GraphRequest = { ...row, uri: '/users/{id}/messages', status: 403, count: 2 };

    // Act
    const agg = aggregateGraphRequests(
      [row, denied, { ...row, count: undefined }],
      [sp],
      { from: FROM, to: FROM + DAY },
      BUILTIN_GRAPH_PERMISSIONS,
    );

    // Assert
    const acc = agg.byServicePrincipal.get(sp.id)!;
    expect(acc.requests).toBe(10);
    expect([...acc.calls.values()].map((g) => g.count)).toEqual([8]);
    expect([...acc.denied.values()].map((d) => d.count)).toEqual([2]);
    expect(agg.coverage).toMatchObject({
      read: 10,
      inWindow: 10,
      attributed: 10,
      mapped: 8,
      denied: 2,
    });
  });
});
