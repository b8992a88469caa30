import { describe, expect, it } from 'vitest';
import {
  familiesOf,
  firstSegment,
  type GraphPermissionMap,
  GraphPermissionMapSchema,
  importPermissionsCatalog,
  matchGraphRequest,
  mergePermissionMaps,
  normalizeGraphPath,
  PermissionCatalogError,
  permissionsForRequest,
  permissionsInMap,
} from '#core/entra/permission-map.ts';

/** A small map written for these tests. */
function aMap(entries: GraphPermissionMap['entries']): GraphPermissionMap {
  return { schemaVersion: 1, source: 'test', entries };
}

const MAP = aMap([
  { method: 'GET', path: '/users', application: ['User.Read.All'], delegated: ['User.Read.All'] },
  { method: 'GET', path: '/users/{id}', application: ['User.Read.All'], delegated: ['User.Read'] },
  { method: 'GET', path: '/users/delta', application: ['User.ReadWrite.All'], delegated: [] },
  {
    method: 'GET',
    path: '/users/{id}/messages',
    application: ['Mail.Read', 'Mail.ReadBasic.All'],
    delegated: ['Mail.Read'],
  },
  { method: 'GET', path: '/users/{id}/messages/...', application: ['Mail.Read'], delegated: [] },
  {
    method: 'GET',
    path: '/users/{id}/messages/{id}/attachments',
    application: ['Mail.ReadWrite'],
    delegated: [],
  },
  { method: 'POST', path: '/users/{id}/sendMail', application: ['Mail.Send'], delegated: [] },
  {
    method: 'GET',
    path: '/serviceprincipals(appid={value})',
    application: ['Application.Read.All'],
    delegated: [],
  },
  {
    method: 'GET',
    path: '/users/{id}/mailfolders/{id}/.../messages',
    application: ['Mail.Read'],
    delegated: [],
  },
  {
    method: 'POST',
    path: '/serviceprincipals/{id}/approleassignments',
    application: ['AppRoleAssignment.ReadWrite.All'],
    delegated: [],
    alsoRequires: ['Application.Read.All'],
  },
  {
    method: 'GET',
    path: '/groups/{id}/members',
    application: ['GroupMember.Read.All'],
    delegated: [],
  },
]);

describe('normalizeGraphPath', () => {
  it('drops scheme, host, version, query and fragment, and lower-cases', () => {
    // Arrange
    const uri = 'https://graph.microsoft.com/v1.0/Users/ABC/Messages?$top=5&$select=id#frag';

    // Act
    const path = normalizeGraphPath(uri);

    // Assert
    expect(path).toBe('/users/abc/messages');
  });

  it('strips the beta prefix and empty segments, and decodes escapes', () => {
    expect(normalizeGraphPath('/beta//users/a%40b.com/')).toBe('/users/a@b.com');
  });

  it('keeps a stray percent sign that is not an escape', () => {
    expect(normalizeGraphPath('/users/100%/x')).toBe('/users/100%/x');
  });

  it('maps the service root to /', () => {
    expect(normalizeGraphPath('https://graph.microsoft.com/v1.0')).toBe('/');
  });
});

describe('matchGraphRequest', () => {
  it('matches case-insensitively on the method, the path and the template', () => {
    // Act
    const m = matchGraphRequest(MAP, 'post', '/v1.0/USERS/me@contoso.com/SENDMAIL');

    // Assert
    expect(m?.template).toBe('/users/{id}/sendmail');
    expect(m?.application).toEqual(['Mail.Send']);
  });

  it('replaces id segments by the {id} wildcard', () => {
    const m = matchGraphRequest(
      MAP,
      'GET',
      'https://graph.microsoft.com/v1.0/users/44444444-0000-0000-0000-000000000001/messages',
    );
    expect(m?.template).toBe('/users/{id}/messages');
  });

  it('prefers the longest, most literal template', () => {
    // /users/delta beats /users/{id}; the exact attachments template beats the subtree.
    expect(matchGraphRequest(MAP, 'GET', '/users/delta')?.application).toEqual([
      'User.ReadWrite.All',
    ]);
    expect(matchGraphRequest(MAP, 'GET', '/users/u1/messages/m1/attachments')?.template).toBe(
      '/users/{id}/messages/{id}/attachments',
    );
  });

  it('lets a template ending in ... cover a subtree, but not beat an exact template', () => {
    expect(matchGraphRequest(MAP, 'GET', '/users/u1/messages/m1/$value')?.template).toBe(
      '/users/{id}/messages/...',
    );
    expect(matchGraphRequest(MAP, 'GET', '/users/u1/messages')?.template).toBe(
      '/users/{id}/messages',
    );
  });

  it('matches ... in the middle of a template over any number of segments', () => {
    expect(
      matchGraphRequest(MAP, 'GET', '/users/u1/mailfolders/f1/childfolders/f2/messages')?.template,
    ).toBe('/users/{id}/mailfolders/{id}/.../messages');
  });

  it('matches function-style segments such as alternate keys', () => {
    const m = matchGraphRequest(
      MAP,
      'GET',
      "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
    );
    expect(m?.application).toEqual(['Application.Read.All']);
  });

  it('ignores the query string', () => {
    expect(
      permissionsForRequest(MAP, 'GET', '/users?$filter=startswith(displayName,%27a%27)'),
    ).toEqual(['User.Read.All']);
  });

  it('falls back past OData casts and $count', () => {
    expect(matchGraphRequest(MAP, 'GET', '/groups/g1/members/microsoft.graph.user')?.template).toBe(
      '/groups/{id}/members',
    );
    expect(matchGraphRequest(MAP, 'GET', '/groups/g1/members/$count')?.template).toBe(
      '/groups/{id}/members',
    );
  });

  it('returns undefined for a request no template matches', () => {
    expect(matchGraphRequest(MAP, 'GET', '/security/alerts')).toBeUndefined();
    expect(matchGraphRequest(MAP, 'DELETE', '/users/u1')).toBeUndefined();
    expect(permissionsForRequest(MAP, 'GET', '/security/alerts')).toEqual([]);
  });

  it('treats $batch and $metadata as needing no permission', () => {
    const m = matchGraphRequest(MAP, 'POST', 'https://graph.microsoft.com/v1.0/$batch');
    expect(m?.exempt).toBe(true);
    expect(permissionsForRequest(MAP, 'POST', '/$batch')).toEqual([]);
  });

  it('unions the permissions of templates tied on specificity', () => {
    // Arrange: two templates of equal score match /things/{id}/x.
    const map = aMap([
      { method: 'GET', path: '/things/{id}', application: ['A.Read.All'], delegated: [] },
      { method: 'GET', path: '/{id}/x', application: ['B.Read.All'], delegated: [] },
    ]);

    // Act
    const m = matchGraphRequest(map, 'GET', '/things/x');

    // Assert
    expect(m?.application).toEqual(['A.Read.All', 'B.Read.All']);
    expect(m?.template).toBe('/things/{id} | /{id}/x');
  });

  it('answers repeated requests from its cache with the same result', () => {
    const a = matchGraphRequest(MAP, 'GET', '/users/u9');
    const b = matchGraphRequest(MAP, 'GET', '/users/u9');
    expect(b).toBe(a);
  });
});

describe('permissionsForRequest', () => {
  it('returns both schemes and the permissions the call also requires, sorted', () => {
    expect(permissionsForRequest(MAP, 'POST', '/servicePrincipals/s1/appRoleAssignments')).toEqual([
      'AppRoleAssignment.ReadWrite.All',
      'Application.Read.All',
    ]);
    expect(permissionsForRequest(MAP, 'GET', '/users/u1')).toEqual(['User.Read', 'User.Read.All']);
  });
});

describe('mergePermissionMaps', () => {
  it('unions entries of the same method and template and keeps the others', () => {
    // Arrange
    const extra = aMap([
      { method: 'get', path: '/Users/{ID}', application: ['Directory.Read.All'], delegated: [] },
      {
        method: 'GET',
        path: '/security/alerts',
        application: ['SecurityEvents.Read.All'],
        delegated: [],
      },
    ]);

    // Act
    const merged = mergePermissionMaps(MAP, extra);

    // Assert
    expect(merged.source).toBe('test');
    expect(permissionsForRequest(merged, 'GET', '/users/u1')).toEqual([
      'Directory.Read.All',
      'User.Read',
      'User.Read.All',
    ]);
    expect(permissionsForRequest(merged, 'GET', '/security/alerts')).toEqual([
      'SecurityEvents.Read.All',
    ]);
    expect(GraphPermissionMapSchema.safeParse(merged).success).toBe(true);
  });
});

describe('permissionsInMap and familiesOf', () => {
  it('lists permission names per scheme, and the first path segments each is used under', () => {
    const names = permissionsInMap(MAP);
    expect(names.application.has('Mail.Send')).toBe(true);
    expect(names.delegated.has('Mail.Send')).toBe(false);
    expect(names.delegated.has('Application.Read.All')).toBe(true); // alsoRequires: both schemes
    expect([...(familiesOf(MAP).get('Application.Read.All') ?? [])]).toEqual(['serviceprincipals']);
    expect(firstSegment('/Users/{id}/messages')).toBe('users');
    expect(firstSegment("/servicePrincipals(appId='x')/owners")).toBe('serviceprincipals');
  });
});

/** A catalog in the shape of Microsoft's permissions.json. */
function aCatalog(): unknown {
  return {
    $schema:
      'https://raw.githubusercontent.com/microsoftgraph/kibali/main/specs/permissions-schema.json',
    permissions: {
      'Mail.Read': {
        authorizationType: 'oAuth2',
        schemes: { Application: { requiresAdminConsent: true, privilegeLevel: 3 } },
        pathSets: [
          {
            schemeKeys: ['DelegatedWork', 'DelegatedPersonal', 'Application'],
            methods: ['GET'],
            paths: {
              '/users/{id}/messages': 'least=DelegatedWork,DelegatedPersonal,Application',
              '/me/messages': '',
            },
          },
        ],
      },
      'Mail.ReadBasic': {
        authorizationType: 'oAuth2',
        pathSets: [
          {
            schemeKeys: ['DelegatedWork'],
            methods: ['GET'],
            paths: { '/users/{id}/Messages': 'least=DelegatedWork' },
          },
        ],
      },
      'AppRoleAssignment.ReadWrite.All': {
        authorizationType: 'oAuth2',
        pathSets: [
          {
            schemeKeys: ['Application'],
            methods: ['POST', 'delete'],
            paths: {
              '/serviceprincipals/{id}/approleassignments':
                'least=Application;AlsoRequires=Application.Read.All,Directory.Read.All',
            },
          },
        ],
      },
      'ChannelMessage.Read.Group': {
        authorizationType: 'RSC',
        pathSets: [
          { schemeKeys: ['Application'], methods: ['GET'], paths: { '/teams/{id}/channels': '' } },
        ],
      },
      'Agent.Filtered': {
        pathSets: [
          {
            schemeKeys: ['Application'],
            methods: ['GET'],
            paths: { "/agents/agentInstances?$filter=agentCardManifest/id eq '{id}'": '' },
          },
        ],
      },
    },
  };
}

describe('importPermissionsCatalog', () => {
  it('turns pathSets into entries per method and lower-case template, by scheme', () => {
    // Act
    const map = importPermissionsCatalog(aCatalog(), 'fixture.json');

    // Assert
    expect(map.source).toBe('fixture.json');
    const messages = map.entries.find(
      (e) => e.method === 'GET' && e.path === '/users/{id}/messages',
    );
    expect(messages).toEqual({
      method: 'GET',
      path: '/users/{id}/messages',
      application: ['Mail.Read'],
      delegated: ['Mail.Read', 'Mail.ReadBasic'],
    });
    expect(map.entries.find((e) => e.path === '/me/messages')?.application).toEqual(['Mail.Read']);
    expect(GraphPermissionMapSchema.safeParse(map).success).toBe(true);
  });

  it('keeps AlsoRequires and upper-cases methods', () => {
    const map = importPermissionsCatalog(aCatalog());
    const del = map.entries.find((e) => e.method === 'DELETE');
    expect(del?.alsoRequires).toEqual(['Application.Read.All', 'Directory.Read.All']);
    expect(permissionsForRequest(map, 'POST', '/servicePrincipals/x/appRoleAssignments')).toContain(
      'Directory.Read.All',
    );
  });

  it('skips resource-specific consent permissions and strips queries from templates', () => {
    const map = importPermissionsCatalog(aCatalog());
    expect(map.entries.some((e) => e.path.startsWith('/teams'))).toBe(false);
    expect(map.entries.find((e) => e.path === '/agents/agentinstances')?.application).toEqual([
      'Agent.Filtered',
    ]);
  });

  it('reads the text of the file, with a UTF-8 BOM', () => {
    const map = importPermissionsCatalog(`\uFEFF${JSON.stringify(aCatalog())}`);
    expect(permissionsForRequest(map, 'GET', '/users/u1/messages')).toEqual([
      'Mail.Read',
      'Mail.ReadBasic',
    ]);
  });

  it('rejects text that is not JSON', () => {
    expect(() => importPermissionsCatalog('{ nope')).toThrow(PermissionCatalogError);
  });

  it('rejects JSON that is not the catalog, naming the problem', () => {
    expect(() => importPermissionsCatalog({ value: [] })).toThrow(
      /permissions catalog.*permissions/,
    );
    expect(() =>
      importPermissionsCatalog({ permissions: { X: { pathSets: [{ methods: 'GET' }] } } }),
    ).toThrow(PermissionCatalogError);
  });

  it('rejects a catalog without any usable path', () => {
    expect(() => importPermissionsCatalog({ permissions: { X: { pathSets: [] } } })).toThrow(
      /nothing to import/,
    );
  });
});
