/**
 * Service principal sign-in logs (beta `GET /auditLogs/signIns`) through the real
 * `@azure/identity` credential and Graph SDK client against the loopback Graph server: the
 * documented filter, paging with a pause between pages, 429 with Retry-After, 403 as a coverage
 * gap, and collectTenant's optional merge into the samples tenant (Microsoft's Graph response
 * samples, ../shared/datasets; the one sign-in sample is an interactive user sign-in, the
 * service principal entries follow its shape).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectTenant } from '#connectors/entra/collect-tenant.ts';
import { createGraphClient, type GraphClient } from '#connectors/entra/graph-client.ts';
import { PAGE_PAUSE_MS, readServicePrincipalSignIns } from '#connectors/entra/sign-in-logs.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import type { EntraServicePrincipal } from '#core/entra/model.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import {
  type GraphObject,
  type GraphServer,
  startGraphServer,
} from '#test/helpers/graph-server.ts';
import {
  readDataset,
  SAMPLE_IDS,
  SCANNER_CLIENT_ID,
  SCANNER_SECRET,
  samplesTenant,
  TEST_TENANT_ID,
} from '#test/helpers/graph-tenant.ts';

const DAY = 86_400_000;
const NOW = Date.now();
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MAIL_CLIENT_APP_ID = 'e2e2e2e2-0000-4000-8000-000000000001';

/** Microsoft's beta signIn sample: an interactive user sign-in to the Azure portal. */
const [userSignIn] = readDataset<{ value: Record<string, unknown>[] }>(
  'msgraph-docs-response-samples/beta__signin-list__ex1.json',
).value;

let seq = 0;
/** A service principal (client credentials) sign-in, shaped like the sample. */
function spSignIn(appId: string, spId: string, when: string, errorCode: number): GraphObject {
  seq++;
  return {
    ...userSignIn,
    id: `5151515${seq}-0000-4000-8000-000000000000`,
    createdDateTime: when,
    userDisplayName: null,
    userPrincipalName: null,
    userId: '',
    appId,
    appDisplayName: 'Contoso app',
    servicePrincipalId: spId,
    servicePrincipalName: 'Contoso app',
    isInteractive: false,
    clientAppUsed: null,
    authenticationDetails: [],
    status:
      errorCode === 0 ? { errorCode: 0 } : { errorCode, failureReason: 'Invalid client secret' },
    signInEventTypes: ['servicePrincipal'],
  };
}

const SIGN_INS: GraphObject[] = [
  // Newer than the report's 2021 sign-in: raises it.
  spSignIn(SAMPLE_IDS.signInAppId, SAMPLE_IDS.signInSp, ago(2 * DAY), 0),
  spSignIn(SAMPLE_IDS.signInAppId, SAMPLE_IDS.signInSp, ago(5 * DAY), 0),
  spSignIn(SAMPLE_IDS.signInAppId, SAMPLE_IDS.signInSp, ago(1 * DAY), 7000215),
  // Older than what the report already says (1 hour ago): kept out.
  spSignIn(SAMPLE_IDS.applicationAppId, SAMPLE_IDS.applicationSp, ago(3 * DAY), 0),
  // Failures only: counted, never a sign-in.
  spSignIn(MAIL_CLIENT_APP_ID, SAMPLE_IDS.mailClient, ago(1 * DAY), 7000222),
  spSignIn(MAIL_CLIENT_APP_ID, SAMPLE_IDS.mailClient, ago(4 * DAY), 7000222),
  // Outside the 30-day window.
  spSignIn(SAMPLE_IDS.spCredAppId, SAMPLE_IDS.spCredSp, ago(40 * DAY), 0),
  // An interactive user sign-in: not a service principal sign-in.
  {
    ...userSignIn,
    id: String(userSignIn?.id),
    createdDateTime: ago(1 * DAY),
    appId: MAIL_CLIENT_APP_ID,
    status: { errorCode: 0 },
    signInEventTypes: ['interactiveUser'],
  },
];

let server: GraphServer;
let sleeps: number[];

function clientFor(s: GraphServer, maxRetries?: number): GraphClient {
  return createGraphClient({
    tenantId: TEST_TENANT_ID,
    clientId: SCANNER_CLIENT_ID,
    auth: { kind: 'secret', secret: SCANNER_SECRET },
    authorityHost: s.url,
    graphBaseUrl: s.url,
    ca: s.ca,
    ...(maxRetries === undefined ? {} : { maxRetries }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

const window = () => ({ from: new Date(NOW - 30 * DAY), to: new Date(NOW) });
const signInRequests = () => server.requests.filter((r) => r.path === '/beta/auditLogs/signIns');

beforeAll(async () => {
  const tenant = samplesTenant();
  tenant.signIns = SIGN_INS;
  tenant.servicePrincipalSignInActivities.push({
    id: 'NjMxYTk2YmMtYTcwNS00ZWRhLTlmOTktZmRhZjlmNTRmNmEy',
    appId: SAMPLE_IDS.applicationAppId,
    lastSignInActivity: { lastSignInDateTime: ago(3_600_000), lastSignInRequestId: null },
  });
  // Two per page: the six sign-ins in the window span three pages.
  server = await startGraphServer(tenant, { pageSize: 2 });
});
afterAll(() => server.close());
beforeEach(() => {
  sleeps = [];
  server.clearFaults();
  server.requests.length = 0;
});

describe('readServicePrincipalSignIns', () => {
  it('reads the window with the documented beta filter, page by page, and sums per appId', async () => {
    // Arrange
    const gaps = new GapRecorder();
    const lines: string[] = [];
    // Act
    const logs = await readServicePrincipalSignIns(clientFor(server), {
      ...window(),
      gaps,
      log: (l) => lines.push(l),
    });
    // Assert
    expect(logs.complete).toBe(true);
    expect(gaps.gaps).toEqual([]);
    expect(Object.fromEntries(logs)).toEqual({
      [SAMPLE_IDS.signInAppId]: {
        lastSignIn: new Date(NOW - 2 * DAY).toISOString(),
        lastAttempt: new Date(NOW - DAY).toISOString(),
        count: 3,
        failures: 1,
      },
      [SAMPLE_IDS.applicationAppId]: {
        lastSignIn: new Date(NOW - 3 * DAY).toISOString(),
        lastAttempt: new Date(NOW - 3 * DAY).toISOString(),
        count: 1,
        failures: 0,
      },
      [MAIL_CLIENT_APP_ID]: {
        lastAttempt: new Date(NOW - DAY).toISOString(),
        count: 2,
        failures: 2,
      },
    });
    const first = new URLSearchParams(signInRequests()[0]?.query);
    expect(first.get('$top')).toBe('1000');
    expect(first.get('$filter')).toBe(
      `createdDateTime ge ${new Date(NOW - 30 * DAY).toISOString()} and createdDateTime le ${new Date(NOW).toISOString()} and signInEventTypes/any(t: t eq 'servicePrincipal')`,
    );
    // Three pages, the later ones by @odata.nextLink, with the report pause between them.
    expect(signInRequests().map((r) => [r.status, r.query.includes('$skiptoken')])).toEqual([
      [200, false],
      [200, true],
      [200, true],
    ]);
    expect(sleeps).toEqual([PAGE_PAUSE_MS, PAGE_PAUSE_MS]);
    expect(lines).toEqual([
      'Entra sign-in logs: 6 service principal sign-ins over 3 page(s), 3 apps',
    ]);
  });

  it('honours Retry-After on 429 and still reads everything', async () => {
    // Arrange
    server.throttle('/auditLogs/signIns', { times: 2, retryAfterSeconds: 7 });
    const gaps = new GapRecorder();
    // Act
    const logs = await readServicePrincipalSignIns(clientFor(server), { ...window(), gaps });
    // Assert
    expect(logs.complete).toBe(true);
    expect(logs.get(SAMPLE_IDS.signInAppId)?.count).toBe(3);
    expect(signInRequests().map((r) => r.status)).toEqual([429, 429, 200, 200, 200]);
    expect(sleeps).toEqual([7000, 7000, PAGE_PAUSE_MS, PAGE_PAUSE_MS]);
  });

  it('records a 403 as a coverage gap and returns an incomplete, empty summary', async () => {
    // Arrange
    server.deny('/auditLogs/signIns');
    const gaps = new GapRecorder();
    // Act
    const logs = await readServicePrincipalSignIns(clientFor(server), { ...window(), gaps });
    // Assert
    expect(logs.complete).toBe(false);
    expect(logs.size).toBe(0);
    expect(gaps.gaps).toMatchObject([
      {
        provider: 'entra',
        api: 'GET /beta/auditLogs/signIns',
        reason: 'access-denied',
        detail: expect.stringContaining('Authorization_RequestDenied'),
      },
    ]);
  });

  it('gives up after the retries as a failed gap', async () => {
    // Arrange
    server.throttle('/auditLogs/signIns', { times: 10, retryAfterSeconds: 1 });
    const gaps = new GapRecorder();
    // Act
    const logs = await readServicePrincipalSignIns(clientFor(server, 1), { ...window(), gaps });
    // Assert
    expect(logs.complete).toBe(false);
    expect(gaps.gaps).toMatchObject([{ api: 'GET /beta/auditLogs/signIns', reason: 'failed' }]);
  });
});

describe('collectTenant with signInLogs', () => {
  async function scan(signInLogs: boolean) {
    const gaps = new GapRecorder();
    const issues: InputIssue[] = [];
    const inventory = await collectTenant(clientFor(server), {
      tenantId: TEST_TENANT_ID,
      gaps,
      issues,
      signInLogs,
    });
    const byId = new Map(inventory.servicePrincipals.map((sp) => [sp.id, sp]));
    return { inventory, gaps, sp: (id: string): EntraServicePrincipal => byId.get(id)! };
  }

  it('raises lastSignIn from the logs but never lowers a later one', async () => {
    // Act
    const { inventory, gaps, sp } = await scan(true);
    // Assert
    expect(gaps.gaps).toEqual([]);
    expect(inventory.signInActivity).toBe(true);
    // The report said 2021-04-01; the logs saw a sign-in two days ago.
    expect(sp(SAMPLE_IDS.signInSp).signIn).toEqual({
      lastSignIn: new Date(NOW - 2 * DAY).toISOString(),
      lastAppOnlySignIn: '2021-03-01T08:00:00.000Z',
      lastDelegatedSignIn: '2021-01-01T08:00:00.000Z',
    });
    // The report's sign-in an hour ago is later than the logs' three days ago.
    expect(sp(SAMPLE_IDS.applicationSp).signIn?.lastSignIn).toBe(
      new Date(NOW - 3_600_000).toISOString(),
    );
    // Failures only, a user sign-in, and one outside the window: no sign-in.
    expect(sp(SAMPLE_IDS.mailClient).signIn).toBeUndefined();
    expect(sp(SAMPLE_IDS.spCredSp).signIn).toBeUndefined();
  });

  it('does not read the logs unless asked', async () => {
    // Act
    const { sp } = await scan(false);
    // Assert
    expect(signInRequests()).toEqual([]);
    expect(sp(SAMPLE_IDS.signInSp).signIn?.lastSignIn).toBe('2021-04-01T00:00:00.000Z');
  });

  it('counts complete logs as sign-in activity when the report is denied', async () => {
    // Arrange
    server.deny('/reports/servicePrincipalSignInActivities');
    // Act
    const { inventory, sp } = await scan(true);
    // Assert
    expect(inventory.signInActivity).toBe(true);
    expect(sp(SAMPLE_IDS.signInSp).signIn).toEqual({
      lastSignIn: new Date(NOW - 2 * DAY).toISOString(),
    });
  });

  it('claims no sign-in activity when both the report and the logs are denied', async () => {
    // Arrange
    server.deny('/reports/servicePrincipalSignInActivities');
    server.deny('/auditLogs/signIns');
    // Act
    const { inventory, gaps, sp } = await scan(true);
    // Assert
    expect(inventory.signInActivity).toBe(false);
    expect(sp(SAMPLE_IDS.signInSp).signIn).toBeUndefined();
    expect(gaps.gaps.map((g) => g.api).sort()).toEqual([
      'GET /beta/auditLogs/signIns',
      'GET /beta/reports/servicePrincipalSignInActivities',
    ]);
  });
});
