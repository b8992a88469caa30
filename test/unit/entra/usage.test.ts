import { describe, expect, it } from 'vitest';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import { aggregateGraphRequests, genericTemplate } from '#core/entra/usage.ts';
import { aRequest, aServicePrincipal, WINDOW } from './builders.ts';

describe('aggregateGraphRequests', () => {
  it('counts requests in the window per service principal, by template', () => {
    // Arrange
    const sp = aServicePrincipal();
    const requests = [
      aRequest(sp),
      aRequest(sp, { time: '2026-11-02T00:00:00Z', uri: '/v1.0/users/other/messages?$top=1' }),
      aRequest(sp, { time: '2026-01-01T00:00:00Z' }),
    ];

    // Act
    const agg = aggregateGraphRequests(requests, [sp], WINDOW, BUILTIN_GRAPH_PERMISSIONS);

    // Assert
    const mine = agg.byServicePrincipal.get(sp.id)!;
    expect(mine.requests).toBe(2);
    expect([...mine.calls.values()].map((g) => [g.match.template, g.count])).toEqual([
      ['/users/{id}/messages', 2],
    ]);
    expect(agg.coverage).toMatchObject({ read: 3, inWindow: 2, outsideWindow: 1, mapped: 2 });
  });

  it('attributes by appId when the service principal id is missing, and counts strangers', () => {
    const sp = aServicePrincipal();
    const agg = aggregateGraphRequests(
      [
        aRequest(sp, { servicePrincipalId: undefined, appId: sp.appId.toUpperCase() }),
        aRequest({ id: 'x', appId: 'stranger' }),
      ],
      [sp],
      WINDOW,
      BUILTIN_GRAPH_PERMISSIONS,
    );
    expect(agg.byServicePrincipal.get(sp.id)?.requests).toBe(1);
    expect(agg.coverage.unattributed.get('stranger')).toBe(1);
  });

  it('keeps denied calls apart from usage, and groups unmapped calls by shape', () => {
    const sp = aServicePrincipal();
    const agg = aggregateGraphRequests(
      [
        aRequest(sp, { status: 403 }),
        aRequest(sp, { status: 401, uri: '/v1.0/nowhere/12345' }),
        aRequest(sp, { uri: '/v1.0/nowhere/12345' }),
        aRequest(sp, { uri: '/v1.0/nowhere/67890' }),
        aRequest(sp, { method: 'POST', uri: '/v1.0/$batch' }),
        aRequest(sp, { time: 'not a date' }),
      ],
      [sp],
      WINDOW,
      BUILTIN_GRAPH_PERMISSIONS,
    );
    const mine = agg.byServicePrincipal.get(sp.id)!;
    expect([...mine.denied.keys()].sort()).toEqual([
      'GET /nowhere/{id}',
      'GET /users/{id}/messages',
    ]);
    expect([...mine.unmapped.values()]).toEqual([
      { method: 'GET', path: '/nowhere/{id}', count: 2 },
    ]);
    expect(mine.calls.size).toBe(0);
    expect(agg.coverage).toMatchObject({ denied: 2, unmapped: 2, exempt: 1, invalid: 1 });
  });

  it('keeps the token scheme apart when the log gives it', () => {
    const sp = aServicePrincipal();
    const agg = aggregateGraphRequests(
      [aRequest(sp, { scheme: 'application' }), aRequest(sp, { scheme: 'delegated' })],
      [sp],
      WINDOW,
      BUILTIN_GRAPH_PERMISSIONS,
    );
    expect([...agg.byServicePrincipal.get(sp.id)!.calls.values()].map((g) => g.scheme)).toEqual([
      'application',
      'delegated',
    ]);
  });
});

describe('genericTemplate', () => {
  it('replaces id-like segments and keeps names', () => {
    expect(
      genericTemplate(
        "/sites/contoso.sharepoint.com,1,2/lists/44444444-0000-0000-0000-000000000001/items/17/getactivities(interval='day')",
      ),
    ).toBe('/sites/{id}/lists/{id}/items/{id}/getactivities(...)');
    expect(genericTemplate('/users/a@b.com/aabbccdd11223344eeff')).toBe('/users/{id}/{id}');
    expect(genericTemplate('/users/u1/memberof/microsoft.graph.group')).toBe(
      '/users/u1/memberof/microsoft.graph.group',
    );
  });
});
