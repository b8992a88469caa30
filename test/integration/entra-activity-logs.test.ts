/**
 * Graph activity logs through the real `LogsQueryClient` and a real `ClientSecretCredential`:
 * the token comes from the loopback Graph server's token endpoint, the query goes to a loopback
 * Log Analytics that summarizes its in-memory MicrosoftGraphActivityLogs rows the way Leash's KQL
 * asks. All data is built here; nothing is read from ../shared/datasets.
 */
import { rootCertificates } from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GraphActivityLogOptions,
  LOGS_QUERY_API,
  readGraphActivityLogs,
} from '#connectors/entra/activity-logs.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { analyzeTenant } from '#core/entra/analyze-tenant.ts';
import type { GraphRequest } from '#core/entra/model.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import {
  type ActivityLogRow,
  graphServerTokens,
  type LogAnalyticsServer,
  startLogAnalyticsServer,
} from '#test/helpers/log-analytics-server.ts';
import { anInventory, aServicePrincipal, graphAppPermissions } from '#test/unit/entra/builders.ts';

const TENANT_ID = '00000000-0000-0000-0000-0000000000aa';
const READER_CLIENT_ID = '11111111-2222-3333-4444-0000000000a1';
/** Not a real secret: the loopback token endpoint's only client. */
const READER_SECRET = 'loopback-log-reader-secret-not-real';
const WORKSPACE_ID = '55555555-0000-0000-0000-000000000001';
const APP = {
  id: '11111111-0000-0000-0000-0000000000f1',
  appId: '22222222-0000-0000-0000-0000000000f1',
};
const OTHER = {
  id: '11111111-0000-0000-0000-0000000000f2',
  appId: '22222222-0000-0000-0000-0000000000f2',
};
const FROM = Date.parse('2026-11-01T00:00:00Z');
const TO = Date.parse('2026-11-04T00:00:00Z');
const GRAPH = 'https://graph.microsoft.com';

/** A successful app-only request by APP, unless overridden. */
function aLogRow(overrides: Partial<ActivityLogRow> = {}): ActivityLogRow {
  return {
    TimeGenerated: '2026-11-01T10:00:00.000Z',
    AppId: APP.appId,
    ServicePrincipalId: APP.id,
    RequestMethod: 'GET',
    RequestUri: `${GRAPH}/v1.0/users?$top=999`,
    ResponseStatusCode: 200,
    Roles: 'User.Read.All Mail.Read',
    Scopes: '',
    ...overrides,
  };
}

let graph: GraphServer;
let logs: LogAnalyticsServer;
let credential: ClientSecretCredential;

beforeAll(async () => {
  graph = await startGraphServer({
    tenantId: TENANT_ID,
    clients: [{ clientId: READER_CLIENT_ID, secret: READER_SECRET }],
    servicePrincipals: [],
    applications: [],
    users: [],
    groups: [],
    owners: {},
    sponsors: {},
    appRoleAssignments: [],
    oauth2PermissionGrants: [],
    roleDefinitions: [],
    roleAssignments: [],
    servicePrincipalSignInActivities: [],
    appCredentialSignInActivities: [],
  });
  logs = await startLogAnalyticsServer({
    workspaceId: WORKSPACE_ID,
    rows: [],
    verifyToken: graphServerTokens(graph),
  });
  credential = new ClientSecretCredential(TENANT_ID, READER_CLIENT_ID, READER_SECRET, {
    authorityHost: graph.url,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: [...rootCertificates, graph.ca] },
  });
});

afterAll(async () => {
  await logs?.close();
  await graph?.close();
});

beforeEach(() => {
  logs.rows.length = 0;
  logs.queries.length = 0;
  logs.clearFaults();
});

/** Reads the whole window through the real SDK; returns requests and gaps. */
async function read(
  overrides: Partial<GraphActivityLogOptions> = {},
): Promise<{ requests: GraphRequest[]; gaps: GapRecorder }> {
  const gaps = new GapRecorder();
  const requests: GraphRequest[] = [];
  for await (const r of readGraphActivityLogs({
    workspaceId: WORKSPACE_ID,
    credential,
    endpoint: logs.endpoint,
    ca: logs.ca,
    from: FROM,
    to: TO,
    gaps,
    retryDelayInMs: 10,
    ...overrides,
  }))
    requests.push(r);
  return { requests, gaps };
}

const byUri = (a: GraphRequest, b: GraphRequest) =>
  a.uri.localeCompare(b.uri) || a.status - b.status || a.time.localeCompare(b.time);

describe('readGraphActivityLogs against a loopback Log Analytics', () => {
  it('summarizes requests per call shape in the workspace, not per request', async () => {
    // Arrange: 4 listings, 3 reads of different users, a denied mailbox read, a delegated call.
    logs.rows.push(
      ...['10', '11', '12', '13'].map((h) => aLogRow({ TimeGenerated: `2026-11-01T${h}:00:00Z` })),
      ...['a1', 'b2', 'c3'].map((n) =>
        aLogRow({
          RequestUri: `${GRAPH}/v1.0/users/44444444-0000-0000-0000-0000000000${n}?$select=id`,
        }),
      ),
      aLogRow({
        RequestUri: `${GRAPH}/v1.0/users/alice@contoso.example/messages`,
        ResponseStatusCode: 403,
      }),
      aLogRow({ RequestUri: `${GRAPH}/beta/me`, Roles: '', Scopes: 'User.Read openid' }),
    );

    // Act
    const { requests, gaps } = await read({ pageHours: 72 });

    // Assert
    expect(gaps.gaps).toEqual([]);
    expect(requests.sort(byUri)).toEqual([
      {
        servicePrincipalId: APP.id,
        appId: APP.appId,
        method: 'GET',
        uri: '/me',
        status: 200,
        time: '2026-11-01T10:00:00.000Z',
        count: 1,
        scheme: 'delegated',
      },
      {
        servicePrincipalId: APP.id,
        appId: APP.appId,
        method: 'GET',
        uri: '/users',
        status: 200,
        time: '2026-11-01T13:00:00.000Z',
        count: 4,
        scheme: 'application',
      },
      expect.objectContaining({ uri: '/users/{id}', status: 200, count: 3 }),
      expect.objectContaining({ uri: '/users/{id}/messages', status: 403, count: 1 }),
    ]);
    // One query, sent as the SDK sends it: the slice as an ISO timespan, the longest wait.
    expect(logs.queries).toHaveLength(1);
    expect(logs.queries[0]).toMatchObject({
      workspaceId: WORKSPACE_ID,
      timespan: '2026-11-01T00:00:00.000Z/2026-11-04T00:00:00.000Z',
      prefer: 'wait=600',
      status: 200,
    });
  });

  it('queries one slice per pageHours and keeps each slice its own groups', async () => {
    // Arrange: the same call on each of the three days, twice on the second.
    logs.rows.push(
      aLogRow({ TimeGenerated: '2026-11-01T08:00:00Z' }),
      aLogRow({ TimeGenerated: '2026-11-02T08:00:00Z' }),
      aLogRow({ TimeGenerated: '2026-11-02T09:00:00Z' }),
      aLogRow({ TimeGenerated: '2026-11-03T23:59:59Z' }),
    );

    // Act
    const { requests, gaps } = await read({ pageHours: 24 });

    // Assert
    expect(gaps.gaps).toEqual([]);
    expect(logs.queries.map((q) => q.timespan)).toEqual([
      '2026-11-01T00:00:00.000Z/2026-11-02T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z/2026-11-03T00:00:00.000Z',
      '2026-11-03T00:00:00.000Z/2026-11-04T00:00:00.000Z',
    ]);
    expect(requests.map((r) => [r.time, r.count])).toEqual([
      ['2026-11-01T08:00:00.000Z', 1],
      ['2026-11-02T09:00:00.000Z', 2],
      ['2026-11-03T23:59:59.000Z', 1],
    ]);
  });

  it('turns a partial result into a failed gap for that slice and keeps the other slices', async () => {
    // Arrange: two call shapes a day; the second day's answer is cut after one row.
    for (const day of ['01', '02', '03'])
      logs.rows.push(
        aLogRow({ TimeGenerated: `2026-11-${day}T08:00:00Z` }),
        aLogRow({ TimeGenerated: `2026-11-${day}T09:00:00Z`, RequestMethod: 'POST' }),
      );
    logs.partialError({ during: '2026-11-02T12:00:00Z', keepRows: 1 });

    // Act
    const { requests, gaps } = await read({ pageHours: 24 });

    // Assert
    expect(gaps.gaps).toEqual([
      {
        provider: 'entra',
        api: LOGS_QUERY_API,
        reason: 'failed',
        detail: expect.stringContaining(
          `workspace ${WORKSPACE_ID}, 2026-11-02T00:00:00.000Z/2026-11-03T00:00:00.000Z: partial result: PartialError`,
        ),
      },
    ]);
    // The SDK keeps the error's code chain (the details' own innererror is not deserialized).
    expect(gaps.gaps[0]!.detail).toContain('EngineError');
    const days = requests.map((r) => r.time.slice(0, 10));
    expect(days.filter((d) => d === '2026-11-01')).toHaveLength(2);
    expect(days.filter((d) => d === '2026-11-02')).toHaveLength(1);
    expect(days.filter((d) => d === '2026-11-03')).toHaveLength(2);
  });

  it('records an access-denied gap on 403 and stops reading, without throwing', async () => {
    // Arrange
    logs.rows.push(aLogRow());
    logs.deny();

    // Act
    const { requests, gaps } = await read({ pageHours: 24 });

    // Assert
    expect(requests).toEqual([]);
    expect(gaps.gaps).toEqual([
      {
        provider: 'entra',
        api: LOGS_QUERY_API,
        reason: 'access-denied',
        detail: expect.stringContaining('HTTP 403: InsufficientAccessError'),
      },
    ]);
    // Every slice would be refused alike: one query, not three.
    expect(logs.queries).toHaveLength(1);
  });

  it('records an access-denied gap when the credential cannot get a token', async () => {
    // Arrange
    logs.rows.push(aLogRow());
    const wrong = new ClientSecretCredential(TENANT_ID, READER_CLIENT_ID, 'not-the-secret', {
      authorityHost: graph.url,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: [...rootCertificates, graph.ca] },
    });

    // Act
    const { requests, gaps } = await read({ credential: wrong });

    // Assert
    expect(requests).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        reason: 'access-denied',
        detail: expect.stringContaining('AADSTS7000215'),
      }),
    ]);
    expect(logs.queries).toEqual([]);
  });

  it('records a gap for a workspace that does not exist', async () => {
    // Act
    const { requests, gaps } = await read({ workspaceId: '55555555-0000-0000-0000-0000000000ff' });

    // Assert
    expect(requests).toEqual([]);
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        api: LOGS_QUERY_API,
        reason: 'unsupported',
        detail: expect.stringContaining('HTTP 404: WorkspaceNotFoundError'),
      }),
    ]);
  });

  it('records a gap for a workspace that holds no Graph activity logs', async () => {
    // Arrange: no diagnostic setting exports MicrosoftGraphActivityLogs there.
    const empty = await startLogAnalyticsServer({
      workspaceId: WORKSPACE_ID,
      rows: [],
      hasTable: false,
      verifyToken: graphServerTokens(graph),
    });
    try {
      // Act
      const { gaps } = await read({ endpoint: empty.endpoint, ca: empty.ca });

      // Assert
      expect(gaps.gaps).toEqual([
        expect.objectContaining({
          reason: 'unsupported',
          detail: expect.stringContaining(
            "Failed to resolve table or column expression named 'MicrosoftGraphActivityLogs'",
          ),
        }),
      ]);
    } finally {
      await empty.close();
    }
  });

  it('waits for Retry-After on 429 and then reads the slice', async () => {
    // Arrange
    logs.rows.push(aLogRow());
    logs.throttle({ times: 1, retryAfterSeconds: 1 });
    const started = Date.now();

    // Act
    const { requests, gaps } = await read({ pageHours: 72 });

    // Assert
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(gaps.gaps).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(logs.queries.map((q) => q.status)).toEqual([429, 200]);
  });

  it('records a failed gap for a slice still throttled after the retries, and reads the next', async () => {
    // Arrange
    logs.rows.push(
      aLogRow({ TimeGenerated: '2026-11-01T08:00:00Z' }),
      aLogRow({ TimeGenerated: '2026-11-02T08:00:00Z' }),
    );
    logs.throttle({ during: '2026-11-01T12:00:00Z', times: 2, retryAfterSeconds: 0 });

    // Act
    const { requests, gaps } = await read({ from: FROM, to: FROM + 2 * 86_400_000, maxRetries: 1 });

    // Assert
    expect(gaps.gaps).toEqual([
      expect.objectContaining({
        reason: 'failed',
        detail: expect.stringMatching(
          /2026-11-01T00:00:00\.000Z\/.*HTTP 429.*gave up after retries/,
        ),
      }),
    ]);
    expect(requests.map((r) => r.time)).toEqual(['2026-11-02T08:00:00.000Z']);
  });

  it('reads only the requested apps', async () => {
    // Arrange
    logs.rows.push(aLogRow(), aLogRow({ AppId: OTHER.appId, ServicePrincipalId: OTHER.id }));

    // Act
    const { requests } = await read({ appIds: [OTHER.appId.toUpperCase()] });

    // Assert
    expect(requests.map((r) => r.appId)).toEqual([OTHER.appId]);
  });

  it('feeds analyzeTenant: a permission the app never exercised is unused, the one it did is used', async () => {
    // Arrange: the app holds Mail.Read and User.Read.All and only ever lists and reads users.
    const sp = aServicePrincipal({
      id: APP.id,
      appId: APP.appId,
      displayName: 'directory-sync',
      appPermissions: graphAppPermissions('Mail.Read', 'User.Read.All'),
    });
    logs.rows.push(
      ...Array.from({ length: 30 }, (_, i) =>
        aLogRow({ TimeGenerated: new Date(FROM + i * 7_200_000).toISOString() }),
      ),
      aLogRow({ RequestUri: `${GRAPH}/v1.0/users/44444444-0000-0000-0000-000000000001` }),
    );

    // Act
    const { requests, gaps } = await read({ pageHours: 24 });
    const analysis = analyzeTenant(anInventory([sp]), requests, {
      window: { from: FROM, to: TO },
    });

    // Assert
    expect(gaps.gaps).toEqual([]);
    // 31 requests arrive as a handful of summarized rows, and count as 31.
    expect(requests.length).toBeLessThan(31);
    const app = analysis.identities.find((r) => r.id === APP.id)!;
    expect(app.unusedActions).toEqual(['Mail.Read']);
    expect(app.usedActions).toEqual([
      expect.objectContaining({ action: 'User.Read.All', count: 31 }),
    ]);
    expect(app.permissionsToRemove).toEqual([
      expect.objectContaining({ permission: 'Mail.Read', kind: 'application' }),
    ]);
  });
});
