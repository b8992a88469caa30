/**
 * The Entra revocation primitives through the real credential and Graph client against the
 * loopback Graph server: each changes the server's tenant state, records what undoing needs, and
 * `undo` restores the reversible ones. A fresh server (and tenant) per test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraphClient, type GraphClient } from '#connectors/entra/graph-client.ts';
import {
  deleteDelegatedGrant,
  disableServicePrincipal,
  removeAppPermission,
  removePassword,
  replaceKeyCredentials,
  revokeUserSessions,
  undo,
} from '#connectors/entra/revoke.ts';
import {
  type GraphObject,
  type GraphServer,
  startGraphServer,
} from '#test/helpers/graph-server.ts';
import {
  graphRoleId,
  SAMPLE_IDS,
  SCANNER_CLIENT_ID,
  SCANNER_SECRET,
  samplesTenant,
  TEST_TENANT_ID,
} from '#test/helpers/graph-tenant.ts';

const SP_SECRET_KEY_ID = 'f0f0f0f0-0000-4000-8000-000000000001';

let server: GraphServer;
let client: GraphClient;

const spById = (id: string) => server.data.servicePrincipals.find((s) => s.id === id)!;
const appById = (id: string) => server.data.applications.find((a) => a.id === id)!;
const writes = () =>
  server.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1.0'));

beforeEach(async () => {
  const tenant = samplesTenant();
  // The samples have no secret on a service principal itself; add one.
  const foo = tenant.servicePrincipals.find((s) => s.id === SAMPLE_IDS.foo)!;
  foo.passwordCredentials = [
    {
      keyId: SP_SECRET_KEY_ID,
      displayName: 'sp secret',
      hint: 'x~Y',
      startDateTime: '2026-01-01T00:00:00Z',
      endDateTime: '2027-01-01T00:00:00Z',
      secretText: null,
    },
  ];
  server = await startGraphServer(tenant);
  client = createGraphClient({
    tenantId: TEST_TENANT_ID,
    clientId: SCANNER_CLIENT_ID,
    auth: { kind: 'secret', secret: SCANNER_SECRET },
    authorityHost: server.url,
    graphBaseUrl: server.url,
    ca: server.ca,
    sleep: async () => {},
  });
});
afterEach(() => server.close());

describe('disableServicePrincipal', () => {
  it('disables the principal, keeps the prior state, and undo enables it again', async () => {
    // Act
    const result = await disableServicePrincipal(client, SAMPLE_IDS.mailClient);
    // Assert
    expect(result).toMatchObject({
      action: 'disable-service-principal',
      target: `servicePrincipals/${SAMPLE_IDS.mailClient}`,
      prior: { accountEnabled: true, servicePrincipalType: 'Application' },
      applied: true,
      reversible: true,
    });
    expect(result.note).toMatch(/about an hour/);
    expect(spById(SAMPLE_IDS.mailClient).accountEnabled).toBe(false);
    // Act
    const undone = await undo(client, result);
    // Assert
    expect(undone.applied).toBe(true);
    expect(spById(SAMPLE_IDS.mailClient).accountEnabled).toBe(true);
  });

  it('disables an agent identity through its own type', async () => {
    // Act
    const result = await disableServicePrincipal(client, SAMPLE_IDS.agent);
    await undo(client, result);
    // Assert
    expect(writes().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH /v1.0/servicePrincipals/microsoft.graph.agentIdentity/${SAMPLE_IDS.agent} 204`,
      `PATCH /v1.0/servicePrincipals/microsoft.graph.agentIdentity/${SAMPLE_IDS.agent} 204`,
    ]);
    expect(spById(SAMPLE_IDS.agent).accountEnabled).toBe(true);
  });

  it('leaves a managed identity alone and says how to contain it', async () => {
    // Act
    const result = await disableServicePrincipal(client, SAMPLE_IDS.managedIdentity);
    // Assert
    expect(result).toMatchObject({ applied: false, reversible: false });
    expect(result.note).toMatch(/Azure role assignments/);
    expect(writes()).toEqual([]);
  });

  it('changes nothing when the principal is already disabled', async () => {
    // Arrange
    spById(SAMPLE_IDS.foo).accountEnabled = false;
    // Act
    const result = await disableServicePrincipal(client, SAMPLE_IDS.foo);
    const undone = await undo(client, result);
    // Assert
    expect(result).toMatchObject({ applied: false, prior: { accountEnabled: false } });
    expect(undone.applied).toBe(false);
    expect(writes()).toEqual([]);
    expect(spById(SAMPLE_IDS.foo).accountEnabled).toBe(false);
  });
});

describe('removeAppPermission', () => {
  it('removes the app role assignment, and undo grants the same role again', async () => {
    // Arrange
    const assignment = SAMPLE_IDS.mailReadWriteAssignment;
    const held = () =>
      server.data.appRoleAssignments
        .filter((a) => a.principalId === SAMPLE_IDS.mailClient)
        .map((a) => a.appRoleId);
    // Act
    const result = await removeAppPermission(client, SAMPLE_IDS.mailClient, assignment);
    // Assert
    expect(result).toMatchObject({
      applied: true,
      reversible: true,
      prior: {
        id: assignment,
        appRoleId: graphRoleId('Mail.ReadWrite'),
        resourceId: SAMPLE_IDS.graph,
        principalId: SAMPLE_IDS.mailClient,
      },
    });
    expect(held()).toEqual([graphRoleId('Mail.Read')]);
    // Act
    const undone = await undo(client, result);
    // Assert
    expect(undone.applied).toBe(true);
    expect(undone.note).toMatch(/granted again as assignment /);
    expect(held().sort()).toEqual([graphRoleId('Mail.Read'), graphRoleId('Mail.ReadWrite')].sort());
  });

  it('changes nothing for an assignment the principal does not hold', async () => {
    // Act
    const result = await removeAppPermission(client, SAMPLE_IDS.mailClient, 'no-such-assignment');
    // Assert
    expect(result).toMatchObject({ applied: false, prior: undefined });
    expect(writes()).toEqual([]);
  });
});

describe('deleteDelegatedGrant', () => {
  it('deletes the grant, and undo re-creates it with the same scopes and user', async () => {
    // Arrange
    const grantsOf = (clientId: string) =>
      server.data.oauth2PermissionGrants.filter((g) => g.clientId === clientId);
    // Act
    const result = await deleteDelegatedGrant(client, SAMPLE_IDS.userGrant);
    // Assert
    expect(result).toMatchObject({
      applied: true,
      reversible: true,
      prior: { consentType: 'Principal', principalId: SAMPLE_IDS.userGrantUser },
    });
    expect(grantsOf(SAMPLE_IDS.userGrantClient)).toEqual([]);
    // Act
    await undo(client, result);
    // Assert
    expect(grantsOf(SAMPLE_IDS.userGrantClient)).toMatchObject([
      {
        consentType: 'Principal',
        principalId: SAMPLE_IDS.userGrantUser,
        resourceId: SAMPLE_IDS.userGrantResource,
        scope: ' Contacts.ReadWrite openid profile',
      },
    ]);
  });

  it('changes nothing for a grant that does not exist', async () => {
    // Act
    const result = await deleteDelegatedGrant(client, 'gone');
    // Assert
    expect(result.applied).toBe(false);
    expect(writes()).toEqual([]);
  });
});

describe('removePassword', () => {
  it('removes a secret from the application, keeps its metadata only, and cannot be undone', async () => {
    // Act
    const result = await removePassword(
      client,
      { application: SAMPLE_IDS.application },
      SAMPLE_IDS.applicationSecretKeyId,
    );
    const undone = await undo(client, result);
    // Assert
    expect(result).toMatchObject({
      action: 'remove-password',
      applied: true,
      reversible: false,
      prior: {
        keyId: SAMPLE_IDS.applicationSecretKeyId,
        displayName: 'ci deploy secret',
        hint: 'Q~r',
      },
    });
    expect(JSON.stringify(result.prior)).not.toMatch(/secretText/);
    expect(result.note).toMatch(/cannot be undone/);
    expect(appById(SAMPLE_IDS.application).passwordCredentials).toEqual([]);
    expect(undone).toMatchObject({ applied: false });
  });

  it('removes a secret held by the service principal itself', async () => {
    // Act
    const result = await removePassword(
      client,
      { servicePrincipal: SAMPLE_IDS.foo },
      SP_SECRET_KEY_ID,
    );
    // Assert
    expect(result.applied).toBe(true);
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1.0/servicePrincipals/${SAMPLE_IDS.foo}/removePassword`,
    ]);
    expect(spById(SAMPLE_IDS.foo).passwordCredentials).toEqual([]);
  });

  it('changes nothing for an unknown keyId', async () => {
    // Act
    const result = await removePassword(client, { application: SAMPLE_IDS.application }, 'nope');
    // Assert
    expect(result.applied).toBe(false);
    expect(writes()).toEqual([]);
  });
});

describe('replaceKeyCredentials', () => {
  it('rewrites the certificates keeping only the listed ones, with their public keys', async () => {
    // Act
    const result = await replaceKeyCredentials(client, SAMPLE_IDS.application, [
      SAMPLE_IDS.applicationCertKeyId,
    ]);
    // Assert
    expect(result).toMatchObject({
      applied: true,
      reversible: false,
      prior: [{ keyId: SAMPLE_IDS.applicationCertKeyId2, displayName: 'old cert' }],
    });
    const keys = appById(SAMPLE_IDS.application).keyCredentials as GraphObject[];
    expect(keys.map((k) => [k.keyId, k.key])).toEqual([
      [SAMPLE_IDS.applicationCertKeyId, 'c2FtcGxlLXB1YmxpYy1jZXJ0LTE='],
    ]);
    expect(JSON.stringify(result.prior)).not.toMatch(/c2FtcGxl/);
  });

  it('changes nothing when every certificate is kept', async () => {
    // Act
    const result = await replaceKeyCredentials(client, SAMPLE_IDS.application, [
      SAMPLE_IDS.applicationCertKeyId,
      SAMPLE_IDS.applicationCertKeyId2,
    ]);
    // Assert
    expect(result.applied).toBe(false);
    expect(writes()).toEqual([]);
  });
});

describe('revokeUserSessions', () => {
  it('resets the sign-in sessions of the user and cannot be undone', async () => {
    // Act
    const result = await revokeUserSessions(client, SAMPLE_IDS.adele);
    const undone = await undo(client, result);
    // Assert
    expect(result).toMatchObject({
      action: 'revoke-user-sessions',
      target: `users/${SAMPLE_IDS.adele}`,
      applied: true,
      reversible: false,
      prior: {},
    });
    expect(
      server.data.users.find((u) => u.id === SAMPLE_IDS.adele)?.signInSessionsValidFromDateTime,
    ).toEqual(expect.any(String));
    expect(undone.applied).toBe(false);
  });
});
