/**
 * Sign-in log summary per appId, the request path, and paging, pauses and gaps against an
 * in-memory fake client (no network).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import {
  type AppSignIns,
  aggregateSignIns,
  PAGE_PAUSE_MS,
  type RawSignIn,
  readServicePrincipalSignIns,
  signInsPath,
} from '#connectors/entra/sign-in-logs.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';

const APP_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const APP_B = 'bbbbbbbb-0000-4000-8000-000000000002';

const signIn = (
  id: string,
  appId: string | undefined,
  createdDateTime: string | undefined,
  errorCode?: number | null,
): RawSignIn => ({
  id,
  ...(appId === undefined ? {} : { appId }),
  ...(createdDateTime === undefined ? {} : { createdDateTime }),
  status: errorCode === undefined ? {} : { errorCode },
  signInEventTypes: ['servicePrincipal'],
});

/** A GraphError-shaped failure. */
const graphError = (statusCode: number, code: string) =>
  Object.assign(new Error(code), { statusCode, code });

/** A GraphClient whose GETs are answered by `answer(url)`; sleeps are recorded. */
function fakeClient(answer: (url: string) => unknown, sleeps: number[] = []): GraphClient {
  const api = (url: string) => {
    let path = url;
    const req = {
      version: (v: string) => {
        path = `/${v}${url}`;
        return req;
      },
      get: async () => answer(path),
    };
    return req;
  };
  return {
    sdk: { api } as unknown as Client,
    credential: { getToken: async () => null },
    maxRetries: 3,
    sleep: async (ms) => void sleeps.push(ms),
  };
}

const WINDOW = { from: '2025-01-01T00:00:00Z', to: new Date('2025-01-31T00:00:00Z') };

describe('aggregateSignIns', () => {
  it('sums attempts and failures per appId and keeps the latest success and attempt', () => {
    // Arrange
    const logs = [
      signIn('1', APP_A, '2025-01-10T10:00:00Z', 0),
      signIn('2', APP_A, '2025-01-12T10:00:00Z', 7000215),
      signIn('3', APP_A, '2025-01-11T10:00:00+01:00', 0),
      signIn('4', APP_B, '2025-01-05T00:00:00Z', 50034),
    ];
    const into = new Map<string, AppSignIns>();
    // Act
    const skipped = aggregateSignIns(logs, into);
    // Assert
    expect(skipped).toBe(0);
    expect(Object.fromEntries(into)).toEqual({
      [APP_A]: {
        lastSignIn: '2025-01-11T09:00:00.000Z',
        lastAttempt: '2025-01-12T10:00:00.000Z',
        count: 3,
        failures: 1,
      },
      [APP_B]: { lastAttempt: '2025-01-05T00:00:00.000Z', count: 1, failures: 1 },
    });
  });

  it('treats a missing errorCode as an attempt that is neither success nor failure', () => {
    // Arrange
    const into = new Map<string, AppSignIns>();
    // Act
    aggregateSignIns(
      [
        signIn('1', APP_A, '2025-01-10T00:00:00Z'),
        signIn('2', APP_A, '2025-01-11T00:00:00Z', null),
      ],
      into,
    );
    // Assert
    expect(into.get(APP_A)).toEqual({
      lastAttempt: '2025-01-11T00:00:00.000Z',
      count: 2,
      failures: 0,
    });
  });

  it('skips entries without an appId or a readable date', () => {
    // Arrange
    const into = new Map<string, AppSignIns>();
    // Act
    const skipped = aggregateSignIns(
      [
        signIn('1', undefined, '2025-01-10T00:00:00Z', 0),
        signIn('2', APP_A, 'not a date', 0),
        signIn('3', APP_A, undefined, 0),
        signIn('4', APP_B, '2025-01-10T00:00:00Z', 0),
      ],
      into,
    );
    // Assert
    expect(skipped).toBe(3);
    expect([...into.keys()]).toEqual([APP_B]);
  });

  it('adds to an existing summary without lowering what it holds', () => {
    // Arrange
    const into = new Map<string, AppSignIns>([
      [
        APP_A,
        {
          lastSignIn: '2025-01-20T00:00:00.000Z',
          lastAttempt: '2025-01-21T00:00:00.000Z',
          count: 4,
          failures: 1,
        },
      ],
    ]);
    // Act
    aggregateSignIns([signIn('1', APP_A, '2025-01-02T00:00:00Z', 0)], into);
    // Assert
    expect(into.get(APP_A)).toEqual({
      lastSignIn: '2025-01-20T00:00:00.000Z',
      lastAttempt: '2025-01-21T00:00:00.000Z',
      count: 5,
      failures: 1,
    });
  });
});

describe('signInsPath', () => {
  it('asks beta for service principal sign-ins in the window, 1,000 a page', () => {
    // Act
    const path = signInsPath(WINDOW.from, WINDOW.to);
    // Assert
    const [base, query] = path.split('?');
    expect(base).toBe('/beta/auditLogs/signIns');
    const q = new URLSearchParams(query);
    expect(q.get('$top')).toBe('1000');
    expect(q.get('$filter')).toBe(
      "createdDateTime ge 2025-01-01T00:00:00.000Z and createdDateTime le 2025-01-31T00:00:00.000Z and signInEventTypes/any(t: t eq 'servicePrincipal')",
    );
    // The SDK sends the query as written, so spaces must already be encoded.
    expect(query).not.toMatch(/\s/);
  });

  it('rejects an unreadable bound', () => {
    // Act / Assert
    expect(() => signInsPath('yesterday', WINDOW.to)).toThrow(/invalid from/);
  });
});

describe('readServicePrincipalSignIns', () => {
  it('follows nextLink with a pause between pages and counts a repeated id once', async () => {
    // Arrange
    const sleeps: number[] = [];
    const urls: string[] = [];
    const client = fakeClient((url) => {
      urls.push(url);
      if (url.startsWith('/beta/auditLogs/signIns'))
        return {
          value: [signIn('1', APP_A, '2025-01-10T00:00:00Z', 0)],
          '@odata.nextLink': 'https://graph.example.invalid/beta/auditLogs/signIns?$skiptoken=p2',
        };
      if (url.endsWith('p2'))
        return {
          value: [
            signIn('1', APP_A, '2025-01-10T00:00:00Z', 0),
            signIn('2', APP_B, '2025-01-09T00:00:00Z', 1),
          ],
          '@odata.nextLink': 'https://graph.example.invalid/beta/auditLogs/signIns?$skiptoken=p3',
        };
      return { value: [] };
    }, sleeps);
    // Act
    const logs = await readServicePrincipalSignIns(client, { ...WINDOW, gaps: new GapRecorder() });
    // Assert
    expect(urls).toHaveLength(3);
    expect(sleeps).toEqual([PAGE_PAUSE_MS, PAGE_PAUSE_MS]);
    expect(logs.complete).toBe(true);
    expect(logs.get(APP_A)?.count).toBe(1);
    expect(logs.get(APP_B)).toEqual({
      lastAttempt: '2025-01-09T00:00:00.000Z',
      count: 1,
      failures: 1,
    });
  });

  it('keeps what was read before a gap and marks the summary incomplete', async () => {
    // Arrange
    const gaps = new GapRecorder();
    const client = fakeClient((url) => {
      if (url.endsWith('p2')) throw graphError(429, 'TooManyRequests');
      return {
        value: [signIn('1', APP_A, '2025-01-10T00:00:00Z', 0)],
        '@odata.nextLink': 'https://graph.example.invalid/beta/auditLogs/signIns?$skiptoken=p2',
      };
    });
    // Act
    const logs = await readServicePrincipalSignIns(client, {
      ...WINDOW,
      gaps,
      pagePauseMs: 0,
    });
    // Assert
    expect(logs.complete).toBe(false);
    expect(logs.get(APP_A)?.lastSignIn).toBe('2025-01-10T00:00:00.000Z');
    expect(gaps.gaps).toMatchObject([{ api: 'GET /beta/auditLogs/signIns', reason: 'failed' }]);
  });

  it('records an unlicensed tenant as unsupported', async () => {
    // Arrange
    const gaps = new GapRecorder();
    const client = fakeClient(() => {
      throw graphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    });
    // Act
    const logs = await readServicePrincipalSignIns(client, { ...WINDOW, gaps });
    // Assert
    expect(logs.complete).toBe(false);
    expect(gaps.gaps).toMatchObject([{ reason: 'unsupported' }]);
  });

  it('fails loudly on an error that is no gap', async () => {
    // Arrange
    const client = fakeClient(() => {
      throw graphError(400, 'BadRequest');
    });
    // Act
    const read = readServicePrincipalSignIns(client, { ...WINDOW, gaps: new GapRecorder() });
    // Assert
    await expect(read).rejects.toBeInstanceOf(ConnectorError);
  });
});
