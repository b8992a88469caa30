/**
 * Graph error classification, gaps, paging restarts and batch retries, against an in-memory fake
 * client (no network).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import {
  batch,
  classifyGraph,
  describeGraph,
  guardGraph,
  listAll,
} from '#connectors/entra/graph-fetch.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';

/** A GraphError-shaped failure. */
const graphError = (statusCode: number, code: string, message = code) =>
  Object.assign(new Error(message), { statusCode, code });

/** A GraphClient whose requests are answered by `answer(url, method, body)`. */
function fakeClient(
  answer: (url: string, method: string, body?: unknown) => unknown,
  sleeps: number[] = [],
  maxRetries = 3,
): GraphClient {
  const api = (url: string) => {
    let path = url;
    const req = {
      version: (v: string) => {
        path = `/${v}${url}`;
        return req;
      },
      get: async () => answer(path, 'GET'),
      post: async (body: unknown) => answer(path, 'POST', body),
    };
    return req;
  };
  return {
    sdk: { api } as unknown as Client,
    credential: { getToken: async () => null },
    maxRetries,
    sleep: async (ms) => void sleeps.push(ms),
  };
}

describe('classifyGraph', () => {
  it.each([
    [403, 'Authorization_RequestDenied', '', 'access-denied'],
    [401, 'InvalidAuthenticationToken', '', 'access-denied'],
    [403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', '', 'unsupported'],
    [
      400,
      'BadRequest',
      "Resource not found for the segment 'servicePrincipalSignInActivities'.",
      'unsupported',
    ],
    [404, 'Request_ResourceNotFound', '', 'not-found'],
    [429, 'TooManyRequests', '', 'throttled'],
    [503, 'serviceNotAvailable', '', 'transient'],
    [400, 'Directory_ExpiredPageToken', '', 'fatal'],
    [400, 'BadRequest', 'Invalid filter clause', 'fatal'],
  ] as const)('%i %s is %s', (status, code, message, expected) => {
    // Act / Assert
    expect(classifyGraph(status, code, message)).toBe(expected);
  });

  it('describes a failure briefly', () => {
    expect(describeGraph(403, 'Authorization_RequestDenied', 'Insufficient privileges')).toBe(
      'HTTP 403: Authorization_RequestDenied: Insufficient privileges',
    );
    expect(describeGraph(undefined)).toBe('unknown error');
    expect(describeGraph(500, 'x', 'y'.repeat(400))).toHaveLength(300);
  });
});

describe('guardGraph', () => {
  it('turns denial into an entra gap, exhausted retries into a failed gap, and rethrows the rest', async () => {
    // Arrange
    const gaps = new GapRecorder();
    // Act
    const denied = await guardGraph(gaps, 'GET /oauth2PermissionGrants', () =>
      Promise.reject(graphError(403, 'Authorization_RequestDenied')),
    );
    const throttled = await guardGraph(gaps, 'GET /beta/reports/x', () =>
      Promise.reject(graphError(429, 'TooManyRequests')),
    );
    const broken = guardGraph(gaps, 'GET /servicePrincipals', () =>
      Promise.reject(graphError(400, 'BadRequest', 'Invalid filter clause')),
    );
    // Assert
    expect(denied).toBeUndefined();
    expect(throttled).toBeUndefined();
    await expect(broken).rejects.toThrow(
      'GET /servicePrincipals failed: HTTP 400: BadRequest: Invalid filter clause',
    );
    expect(gaps.gaps).toEqual([
      {
        provider: 'entra',
        api: 'GET /oauth2PermissionGrants',
        reason: 'access-denied',
        detail: 'HTTP 403: Authorization_RequestDenied: Authorization_RequestDenied',
      },
      {
        provider: 'entra',
        api: 'GET /beta/reports/x',
        reason: 'failed',
        detail: 'gave up after retries: HTTP 429: TooManyRequests: TooManyRequests',
      },
    ]);
  });
});

describe('listAll', () => {
  it('restarts from the first page on Directory_ExpiredPageToken and yields each id once', async () => {
    // Arrange
    let expired = false;
    const client = fakeClient((url) => {
      if (url === '/items')
        return {
          value: [{ id: 'a' }, { id: 'b' }],
          '@odata.nextLink': 'https://graph.microsoft.com/v1.0/items?$skiptoken=1',
        };
      if (!expired) {
        expired = true;
        throw graphError(400, 'Directory_ExpiredPageToken');
      }
      return { value: [{ id: 'c' }] };
    });
    // Act
    const items = await listAll<{ id: string }>(client, '/items');
    // Assert
    expect(items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
  });

  it('gives up after three restarts', async () => {
    // Arrange
    const client = fakeClient((url) => {
      if (url === '/items')
        return {
          value: [{ id: 'a' }],
          '@odata.nextLink': 'https://graph.microsoft.com/v1.0/items?$skiptoken=1',
        };
      throw graphError(400, 'Directory_ExpiredPageToken');
    });
    // Act / Assert
    await expect(listAll(client, '/items')).rejects.toMatchObject({
      code: 'Directory_ExpiredPageToken',
    });
  });
});

describe('batch', () => {
  it('groups by 20, maps answers by id, and re-sends throttled items after the longest Retry-After', async () => {
    // Arrange
    const sleeps: number[] = [];
    const sent: string[][] = [];
    let throttledOnce = false;
    const client = fakeClient((url, _method, body) => {
      expect(url).toBe('/beta/$batch');
      const requests = (body as { requests: { id: string; url: string }[] }).requests;
      sent.push(requests.map((r) => r.id));
      return {
        responses: requests
          .map((r) => {
            if (r.id === 'r3' && !throttledOnce) {
              throttledOnce = true;
              return { id: r.id, status: 429, headers: { 'Retry-After': '5' } };
            }
            return { id: r.id, status: 200, body: { url: r.url } };
          })
          .reverse(),
      };
    }, sleeps);
    const requests = Array.from({ length: 41 }, (_, i) => ({ id: `r${i}`, url: `/users/${i}` }));
    // Act
    const answers = await batch(client, requests, { version: 'beta' });
    // Assert
    expect(sent.map((s) => s.length)).toEqual([20, 1, 20, 1]);
    expect(answers.map((a) => (a.body as { url: string }).url)).toEqual(requests.map((r) => r.url));
    expect(sleeps).toEqual([5000]);
  });

  it('re-sends items missing from an answer and rejects duplicate ids', async () => {
    // Arrange
    let calls = 0;
    const client = fakeClient((_url, _m, body) => {
      calls++;
      const requests = (body as { requests: { id: string }[] }).requests;
      return { responses: calls === 1 ? [] : requests.map((r) => ({ id: r.id, status: 204 })) };
    });
    // Act
    const answers = await batch(client, [{ id: 'a', url: '/x', method: 'DELETE' }]);
    // Assert
    expect(answers.map((a) => a.status)).toEqual([204]);
    await expect(
      batch(client, [
        { id: 'a', url: '/x' },
        { id: 'a', url: '/y' },
      ]),
    ).rejects.toThrow('duplicate request id a');
  });
});
