/**
 * Microsoft's Graph permissions catalog (../shared/datasets/msgraph-permissions-catalog, pinned
 * at a commit) through `importPermissionsCatalog`, and the built-in map checked against it and
 * against Microsoft Graph's real permission names (msgraph-first-party-apps-and-permissions).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeTenant } from '#core/entra/analyze-tenant.ts';
import { firstPartyAppIdsFrom } from '#core/entra/classify.ts';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import { authorizingHeld } from '#core/entra/permission-hierarchy.ts';
import {
  type GraphPermissionMap,
  GraphPermissionMapSchema,
  importPermissionsCatalog,
  matchGraphRequest,
  mergePermissionMaps,
  permissionsForRequest,
  permissionsInMap,
} from '#core/entra/permission-map.ts';

const DATASETS = resolve(new URL('../..', import.meta.url).pathname, '../shared/datasets');
const read = (path: string) => readFileSync(resolve(DATASETS, path), 'utf8');
const readJson = <T>(path: string): T => JSON.parse(read(path).replace(/^\uFEFF/, '')) as T;

let catalog: GraphPermissionMap;

beforeAll(() => {
  catalog = importPermissionsCatalog(read('msgraph-permissions-catalog/permissions.json'));
});

describe("Microsoft's Graph permissions catalog", () => {
  it('imports every OAuth permission path into a valid map', () => {
    // Arrange
    const raw = readJson<{ permissions: Record<string, { authorizationType?: string }> }>(
      'msgraph-permissions-catalog/permissions.json',
    );

    // Act
    const names = permissionsInMap(catalog);

    // Assert
    expect(Object.keys(raw.permissions)).toHaveLength(917);
    expect(catalog.entries).toHaveLength(11_157);
    expect(new Set(catalog.entries.map((e) => e.path)).size).toBe(7_291);
    expect(names.application.size).toBeGreaterThan(600);
    expect(names.delegated.size).toBeGreaterThan(700);
    expect(GraphPermissionMapSchema.safeParse(catalog).success).toBe(true);
  });

  it.each([
    ['GET', '/users/{id}/messages', ['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadWrite']],
    [
      'GET',
      '/users',
      ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All'],
    ],
    ['POST', '/users/{id}/sendMail', ['Mail.Send']],
    [
      'GET',
      '/sites/{id}/drive/items/{id}',
      ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'],
    ],
  ])('resolves %s %s', (method, path, expected) => {
    // Arrange: a logged URI with real-looking ids, host, version and query.
    const uri = `https://graph.microsoft.com/v1.0${path
      .replace(
        '{id}',
        'contoso.sharepoint.com,5a58bb09-1fba-41c1-8125-69da264370a0,9f2ec1da-0be4-4a74-9254-973f0add78fd',
      )
      .replace('{id}', '01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K')}?$top=10`;

    // Act
    const m = matchGraphRequest(catalog, method, uri);

    // Assert
    expect(m?.template).toBe(path.toLowerCase());
    expect(m?.application).toEqual(expect.arrayContaining(expected));
    expect(permissionsForRequest(catalog, method, uri)).toEqual(expect.arrayContaining(expected));
  });

  it('resolves case variants the catalog lists twice to one template', () => {
    expect(
      matchGraphRequest(catalog, 'POST', '/users/abc/revokeSignInSessions')?.application,
    ).toEqual(expect.arrayContaining(['User.RevokeSessions.All']));
  });
});

describe('the built-in map', () => {
  it('names only permissions Microsoft Graph defines, in the right scheme', () => {
    // Arrange
    const appRoles = new Set(
      readJson<{ Value: string }[]>(
        'msgraph-first-party-apps-and-permissions/GraphAppRoles.json',
      ).map((r) => r.Value),
    );
    const scopes = new Set(
      readJson<{ Value: string }[]>(
        'msgraph-first-party-apps-and-permissions/GraphDelegateRoles.json',
      ).map((r) => r.Value),
    );

    // Act
    const names = permissionsInMap(BUILTIN_GRAPH_PERMISSIONS);

    // Assert
    expect([...names.application].filter((n) => !appRoles.has(n) && !scopes.has(n))).toEqual([]);
    expect([...names.delegated].filter((n) => !appRoles.has(n) && !scopes.has(n))).toEqual([]);
    const appOnly = BUILTIN_GRAPH_PERMISSIONS.entries.flatMap((e) => e.application);
    expect([...new Set(appOnly)].filter((n) => !appRoles.has(n))).toEqual([]);
    const delegatedOnly = BUILTIN_GRAPH_PERMISSIONS.entries.flatMap((e) => e.delegated);
    expect([...new Set(delegatedOnly)].filter((n) => !scopes.has(n))).toEqual([]);
  });

  it('credits every permission it knows wherever the catalog says it authorizes a call', () => {
    // For each catalog template the built-in map resolves (exactly or through a subtree), a
    // permission the built-in map uses elsewhere must be credited there too; otherwise an
    // identity exercising it on that path would be called unused.
    const vocabulary = permissionsInMap(BUILTIN_GRAPH_PERMISSIONS);
    const violations: string[] = [];
    for (const c of catalog.entries) {
      if (c.path === '/me' || c.path.startsWith('/me/')) continue; // app-only calls never use /me
      const uri = c.path.replace(/\{[^}]*\}/g, 'x1').replace(/\/\.\.\./g, '');
      const m = matchGraphRequest(BUILTIN_GRAPH_PERMISSIONS, c.method, uri);
      if (!m) continue;
      for (const kind of ['application', 'delegated'] as const) {
        const missing = c[kind].filter(
          (p) =>
            vocabulary[kind].has(p) &&
            authorizingHeld([...m[kind], ...m.alsoRequires], [p]).length === 0,
        );
        if (missing.length > 0)
          violations.push(`${kind} ${c.method} ${c.path}: ${missing.join(',')}`);
      }
    }
    // Catalog entries the built-in map knowingly does not follow: each lists a read permission
    // for a write (an AlsoRequires lost in the catalog), a permission of another workload, or a
    // rarely used delegated action. An imported catalog covers them.
    const known = [
      /^delegated POST \/applications\/validatepartner:/,
      /^delegated POST \/groups\/\{id\}\/(delete|get)passwordsinglesignoncredentials:/,
      /^\w+ DELETE \/identity\/conditionalaccess\/authenticationcontextclassreferences\/\{id\}: Policy\.Read\.ConditionalAccess$/,
      /^\w+ PATCH \/policies\/identitysecuritydefaultsenforcementpolicy: Policy\.Read\.All$/,
      /^delegated (GET|PATCH) \/policies\/ownerlessgrouppolicy:/,
      /^\w+ POST \/users\/\{id\}\/drive\/.*\/names\/add: Sites\.Read\.All$/,
      /^\w+ POST \/users\/\{id\}\/events\/\{id\}\/attachments\/createuploadsession: Mail\.ReadWrite$/,
      /^\w+ POST \/users\/\{id\}\/messages\/\{id\}\/attachments\/createuploadsession: Calendars\.ReadWrite$/,
    ];
    expect(violations.filter((v) => !known.some((k) => k.test(v)))).toEqual([]);
  });

  it('resolves fewer paths than the catalog, which extends it', () => {
    const builtinPaths = new Set(BUILTIN_GRAPH_PERMISSIONS.entries.map((e) => e.path)).size;
    expect(builtinPaths).toBeGreaterThan(300);
    expect(builtinPaths).toBeLessThan(7_291);
  });
});

describe('an analysis with the catalog merged into the built-in map', () => {
  it('observes permissions the built-in map does not know', () => {
    // Arrange: an app holding SecurityEvents.Read.All (not in the built-in map) and Mail.Send.
    const graph = '00000003-0000-0000-c000-000000000000';
    const sp = {
      id: 'sp-1',
      appId: 'app-1',
      displayName: 'soc-connector',
      servicePrincipalType: 'Application',
      accountEnabled: true,
      tags: [],
      credentials: [],
      federatedCredentials: [],
      owners: [],
      sponsors: [],
      appPermissions: ['SecurityEvents.Read.All', 'Mail.Send'].map((permission, i) => ({
        assignmentId: `a${i}`,
        resourceId: 'graph',
        resourceName: 'Microsoft Graph',
        resourceAppId: graph,
        appRoleId: `r${i}`,
        permission,
      })),
      delegatedGrants: [],
      directoryRoles: [],
      signIn: { lastSignIn: '2026-11-01T00:00:00Z' },
    };
    const request = {
      servicePrincipalId: 'sp-1',
      appId: 'app-1',
      method: 'GET',
      uri: 'https://graph.microsoft.com/v1.0/security/alerts?$top=50',
      status: 200,
      time: '2026-11-01T00:00:00Z',
    };
    const inventory = {
      tenantId: 't',
      servicePrincipals: [sp],
      activityLogs: true,
      signInActivity: true,
    };
    const window = {
      from: Date.parse('2026-08-17T00:00:00Z'),
      to: Date.parse('2026-11-15T00:00:00Z'),
    };

    // Act
    const builtin = analyzeTenant(inventory, [request], { window }).identities[0]!;
    const merged = analyzeTenant(inventory, [request], {
      window,
      map: mergePermissionMaps(BUILTIN_GRAPH_PERMISSIONS, catalog),
    }).identities[0]!;

    // Assert
    expect(builtin.unobservableActions).toEqual([
      { action: 'SecurityEvents.Read.All', reason: 'not-in-permission-map' },
    ]);
    expect(merged.usedActions.map((u) => u.action)).toEqual(['SecurityEvents.Read.All']);
    expect(merged.unusedActions).toEqual(['Mail.Send']);
  });
});

describe('MicrosoftApps.json', () => {
  it('yields the first-party app ids', () => {
    const ids = firstPartyAppIdsFrom(
      read('msgraph-first-party-apps-and-permissions/MicrosoftApps.json'),
    );
    expect(ids.size).toBeGreaterThan(4_000);
    expect(ids.has('00000003-0000-0000-c000-000000000000')).toBe(true);
  });
});
