/**
 * Pure shaping of Graph JSON into the Entra model. Payloads are trimmed copies of Microsoft's
 * Graph response samples (microsoft-graph-docs, CC-BY-4.0) with anonymised ids.
 */
import { describe, expect, it } from 'vitest';
import {
  directoryObjectType,
  isAgentIdentity,
  later,
  normalizeGraphDate,
  splitScopes,
  toAppPermission,
  toCredentials,
  toDelegatedGrant,
  toDirectoryRole,
  toFederatedCredentials,
  toPersonRef,
  toServicePrincipal,
  toSignIn,
} from '#connectors/entra/shape.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

const GRAPH_SP = '00000000-0000-0000-0000-0000000000f1';
const MAIL_READ = '810c84a8-4a9e-49e6-bf7d-12d183f40d01';
const GRAPH = {
  id: GRAPH_SP,
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  appRoles: [{ id: MAIL_READ, value: 'Mail.Read' }],
};
const where = { file: 'test', location: 'x' };

describe('toServicePrincipal', () => {
  it('maps a listed service principal with empty relationships', () => {
    // Arrange
    const issues: InputIssue[] = [];
    // Act
    const sp = toServicePrincipal(
      {
        id: '00000000-0000-0000-0000-000000000001',
        appId: '00000000-0000-0000-0000-000000000002',
        displayName: 'foo',
        servicePrincipalType: 'Application',
        accountEnabled: false,
        appOwnerOrganizationId: '00000000-0000-0000-0000-000000000003',
        tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
        passwordCredentials: [
          {
            keyId: 'k1',
            displayName: 'sp secret',
            secretText: 'must-not-leak',
            endDateTime: '2027-01-01T00:00:00Z',
          },
        ],
        keyCredentials: [],
      },
      issues,
    );
    // Assert
    expect(sp).toEqual({
      id: '00000000-0000-0000-0000-000000000001',
      appId: '00000000-0000-0000-0000-000000000002',
      displayName: 'foo',
      servicePrincipalType: 'Application',
      accountEnabled: false,
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
      appOwnerOrganizationId: '00000000-0000-0000-0000-000000000003',
      credentials: [
        {
          keyId: 'k1',
          kind: 'password',
          on: 'servicePrincipal',
          displayName: 'sp secret',
          endDateTime: '2027-01-01T00:00:00.000Z',
        },
      ],
      federatedCredentials: [],
      owners: [],
      sponsors: [],
      appPermissions: [],
      delegatedGrants: [],
      directoryRoles: [],
    });
    expect(JSON.stringify(sp)).not.toContain('must-not-leak');
    expect(issues).toEqual([]);
  });

  it('recognises an agent identity by its @odata.type even without servicePrincipalType', () => {
    // Act
    const sp = toServicePrincipal(
      {
        '@odata.type': '#microsoft.graph.agentIdentity',
        id: 'a1',
        appId: 'a1',
        displayName: 'agent',
        agentIdentityBlueprintId: 'bp',
        createdDateTime: '2026-05-02T09:00:00Z',
      },
      [],
    );
    // Assert
    expect(sp).toMatchObject({
      servicePrincipalType: 'ServiceIdentity',
      odataType: '#microsoft.graph.agentIdentity',
      agentIdentityBlueprintId: 'bp',
      createdDateTime: '2026-05-02T09:00:00.000Z',
      accountEnabled: true,
    });
    expect(isAgentIdentity({ servicePrincipalType: 'ServiceIdentity' })).toBe(true);
    expect(isAgentIdentity({ servicePrincipalType: 'ManagedIdentity' })).toBe(false);
  });

  it('skips a principal without id or appId and records why', () => {
    // Arrange
    const issues: InputIssue[] = [];
    // Act
    const sp = toServicePrincipal(
      { displayName: 'amasf', servicePrincipalType: 'Application' },
      issues,
    );
    // Assert
    expect(sp).toBeUndefined();
    expect(issues).toEqual([
      {
        file: 'GET /servicePrincipals',
        location: 'amasf',
        reason: 'missing-field',
        detail: 'service principal without id; skipped',
      },
    ]);
  });
});

describe('toCredentials', () => {
  it('keeps metadata of secrets and certificates, never the secret value or the key', () => {
    // Act
    const creds = toCredentials(
      {
        passwordCredentials: [
          { keyId: 'p1', hint: 'Q~r', secretText: 'SECRET', startDateTime: '2025-09-17T19:10:35Z' },
        ],
        keyCredentials: [
          {
            keyId: 'c1',
            displayName: 'cert',
            key: 'UFVCTElDLUtFWQ==',
            type: 'AsymmetricX509Cert',
            usage: 'Verify',
          },
        ],
      },
      'application',
      where,
      [],
    );
    // Assert
    expect(creds).toEqual([
      {
        keyId: 'p1',
        kind: 'password',
        on: 'application',
        startDateTime: '2025-09-17T19:10:35.000Z',
      },
      { keyId: 'c1', kind: 'certificate', on: 'application', displayName: 'cert' },
    ]);
    expect(JSON.stringify(creds)).not.toMatch(/SECRET|UFVCTElD/);
  });

  it('records an issue for an unparsable date and drops it', () => {
    // Arrange
    const issues: InputIssue[] = [];
    // Act
    const creds = toCredentials(
      { passwordCredentials: [{ keyId: 'p1', endDateTime: 'next tuesday' }] },
      'servicePrincipal',
      where,
      issues,
    );
    // Assert
    expect(creds).toEqual([{ keyId: 'p1', kind: 'password', on: 'servicePrincipal' }]);
    expect(issues).toMatchObject([{ reason: 'invalid-date', location: 'x' }]);
  });
});

describe('normalizeGraphDate', () => {
  it.each([
    ['2021-04-01T00:00:00-8:00', '2021-04-01T08:00:00.000Z'],
    ['2021-02-02T04:22:45.4980259Z', '2021-02-02T04:22:45.498Z'],
    ['2026-05-02T09:00:00+05:30', '2026-05-02T03:30:00.000Z'],
    [null, undefined],
    ['', undefined],
    ['garbage', undefined],
  ])('normalizes %s', (input, expected) => {
    // Act / Assert
    expect(normalizeGraphDate(input)).toBe(expected);
  });

  it('picks the later of two timestamps', () => {
    expect(later('2021-01-01T00:00:00.000Z', '2021-02-01T00:00:00.000Z')).toBe(
      '2021-02-01T00:00:00.000Z',
    );
    expect(later(undefined, 'b')).toBe('b');
    expect(later('a', undefined)).toBe('a');
  });
});

describe('toAppPermission', () => {
  const assignment = {
    id: 'UxOIjjUXr0WvIe4TRFgqTY4z9Wu5KxpBtlEpoTGjw-A',
    createdDateTime: '2021-02-02T04:22:45.4980259Z',
    appRoleId: MAIL_READ,
    principalId: '00000000-0000-0000-0000-000000000001',
    principalType: 'ServicePrincipal',
    resourceDisplayName: 'Microsoft Graph',
    resourceId: GRAPH_SP,
  };

  it('resolves the appRoleId through the resource appRoles', () => {
    // Act
    const p = toAppPermission(assignment, GRAPH, []);
    // Assert
    expect(p).toEqual({
      assignmentId: assignment.id,
      resourceId: GRAPH_SP,
      resourceName: 'Microsoft Graph',
      resourceAppId: '00000003-0000-0000-c000-000000000000',
      appRoleId: MAIL_READ,
      permission: 'Mail.Read',
      createdDateTime: '2021-02-02T04:22:45.498Z',
    });
  });

  it('keeps an unresolved id and records an issue', () => {
    // Arrange
    const issues: InputIssue[] = [];
    // Act
    const p = toAppPermission(
      { ...assignment, appRoleId: '99999999-0000-0000-0000-000000000000' },
      undefined,
      issues,
    );
    // Assert
    expect(p?.permission).toBe('99999999-0000-0000-0000-000000000000');
    expect(issues).toMatchObject([
      { reason: 'unresolved-app-role', detail: expect.stringContaining('resource not readable') },
    ]);
  });

  it('names the default-access role of an API without app roles', () => {
    // Act
    const p = toAppPermission(
      { ...assignment, appRoleId: '00000000-0000-0000-0000-000000000000' },
      { id: 'r', appRoles: [] },
      [],
    );
    // Assert
    expect(p?.permission).toBe('default access');
  });
});

describe('toDelegatedGrant', () => {
  it('splits a space-padded scope string and keeps the consenting user', () => {
    // Act
    const g = toDelegatedGrant(
      {
        clientId: 'c',
        consentType: 'Principal',
        id: 'g1',
        principalId: 'u1',
        resourceId: 'r1',
        scope: ' Contacts.ReadWrite openid profile',
      },
      'Contoso People API',
    );
    // Assert
    expect(g).toEqual({
      id: 'g1',
      resourceId: 'r1',
      resourceName: 'Contoso People API',
      scopes: ['Contacts.ReadWrite', 'openid', 'profile'],
      consentType: 'Principal',
      principalId: 'u1',
    });
    expect(splitScopes('a  b a ')).toEqual(['a', 'b']);
    expect(splitScopes(null)).toEqual([]);
  });

  it('drops principalId on a tenant-wide grant and falls back to the resource id for its name', () => {
    // Act
    const g = toDelegatedGrant(
      {
        clientId: 'c',
        consentType: 'AllPrincipals',
        id: 'g2',
        principalId: null,
        resourceId: 'r2',
        scope: 'User.Read',
      },
      undefined,
    );
    // Assert
    expect(g).toEqual({
      id: 'g2',
      resourceId: 'r2',
      resourceName: 'r2',
      scopes: ['User.Read'],
      consentType: 'AllPrincipals',
    });
  });
});

describe('toDirectoryRole', () => {
  it('names the role from the expanded definition and flags privileged templates', () => {
    // Act
    const role = toDirectoryRole({
      id: 'lAPpYvVpN0KRkAEhdxReEHJ1hPGqSKpHlqMuxhkE9B8-1',
      principalId: 'p',
      directoryScopeId: '/',
      roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
      roleDefinition: {
        id: '62e90394-69f5-4237-9190-012177145e10',
        displayName: 'Global Administrator',
        templateId: '62e90394-69f5-4237-9190-012177145e10',
      },
    });
    // Assert
    expect(role).toEqual({
      assignmentId: 'lAPpYvVpN0KRkAEhdxReEHJ1hPGqSKpHlqMuxhkE9B8-1',
      roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
      roleName: 'Global Administrator',
      privileged: true,
      directoryScopeId: '/',
    });
  });

  it('falls back to the definition id without $expand, and trusts Graph isPrivileged when given', () => {
    // Act
    const plain = toDirectoryRole({
      id: 'a',
      roleDefinitionId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
    });
    const custom = toDirectoryRole({
      id: 'b',
      roleDefinitionId: 'custom',
      roleDefinition: { id: 'custom', displayName: 'App Registration Reader', isPrivileged: true },
    });
    // Assert
    expect(plain).toMatchObject({
      roleName: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
      privileged: false,
    });
    expect(custom).toMatchObject({ roleName: 'App Registration Reader', privileged: true });
  });
});

describe('owners, sponsors and federated credentials', () => {
  it('maps owners by @odata.type and marks a user that no longer exists', () => {
    // Act
    const enabled = toPersonRef(
      { '@odata.type': '#microsoft.graph.user', id: 'u1', displayName: 'Adele Vance' },
      { id: 'u1', accountEnabled: false, userPrincipalName: 'AdeleV@contoso.com' },
    );
    const deleted = toPersonRef({ '@odata.type': '#microsoft.graph.user', id: 'u2' }, null);
    const unread = toPersonRef(
      { '@odata.type': '#microsoft.graph.user', id: 'u3', displayName: 'X' },
      undefined,
    );
    // Assert
    expect(enabled).toEqual({
      id: 'u1',
      type: 'user',
      displayName: 'Adele Vance',
      userPrincipalName: 'AdeleV@contoso.com',
      accountEnabled: false,
    });
    expect(deleted).toEqual({ id: 'u2', type: 'user', deleted: true });
    expect(unread).toEqual({ id: 'u3', type: 'user', displayName: 'X' });
    expect(
      [
        '#microsoft.graph.group',
        '#microsoft.graph.agentIdentity',
        '#microsoft.graph.device',
        undefined,
      ].map(directoryObjectType),
    ).toEqual(['group', 'servicePrincipal', 'unknown', 'unknown']);
  });

  it('keeps the trust of a federated credential', () => {
    // Act / Assert
    expect(
      toFederatedCredentials([
        {
          name: 'ci',
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'repo:o/r:ref:refs/heads/main',
          audiences: ['api://AzureADTokenExchange'],
          description: null,
        },
      ]),
    ).toEqual([
      {
        name: 'ci',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:o/r:ref:refs/heads/main',
        audiences: ['api://AzureADTokenExchange'],
      },
    ]);
    expect(toFederatedCredentials(undefined)).toEqual([]);
  });
});

describe('toSignIn', () => {
  it('takes the overall, app-only client and delegated client activity', () => {
    // Act
    const s = toSignIn({
      appId: 'a',
      lastSignInActivity: { lastSignInDateTime: '2021-04-01T00:00:00Z' },
      applicationAuthenticationClientSignInActivity: {
        lastSignInDateTime: '2021-03-01T00:00:00-8:00',
      },
      delegatedClientSignInActivity: null,
    });
    // Assert
    expect(s).toEqual({
      lastSignIn: '2021-04-01T00:00:00.000Z',
      lastAppOnlySignIn: '2021-03-01T08:00:00.000Z',
    });
  });
});
