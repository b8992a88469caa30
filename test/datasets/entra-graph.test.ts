/**
 * The Entra connector through the real `@azure/identity` credentials and the real Graph SDK
 * client against the loopback Graph server (test/helpers/graph-server.ts): sign-in with a secret,
 * a certificate and a federated assertion; paging; `$batch`; 429 with Retry-After; 503/504;
 * expired page tokens; 403 as a coverage gap; and collectTenant over a tenant made of
 * Microsoft's own Graph response samples (../shared/datasets) and over a generated one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectTenant } from '#connectors/entra/collect-tenant.ts';
import {
  createGraphClient,
  type GraphAuth,
  type GraphClient,
} from '#connectors/entra/graph-client.ts';
import {
  batch,
  getJson,
  graphRequest,
  guardGraph,
  listAll,
} from '#connectors/entra/graph-fetch.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import type { EntraServicePrincipal } from '#core/entra/model.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import {
  type GraphServer,
  type GraphTenantData,
  selfSignedCertificate,
  startGraphServer,
} from '#test/helpers/graph-server.ts';
import {
  GRAPH_APP_ID,
  generatedTenant,
  SAMPLE_IDS,
  SCANNER_CLIENT_ID,
  SCANNER_SECRET,
  samplesTenant,
  scannerClient,
  TEST_TENANT_ID,
} from '#test/helpers/graph-tenant.ts';

const clientCert = selfSignedCertificate('leash-scanner');
const FEDERATED = {
  issuer: 'https://oidc.example.invalid/aws',
  subject: 'arn:aws:iam::111111111111:role/leash-scan',
};

let server: GraphServer;
let sleeps: number[];

/** A client signed in against the loopback server; sleeps are recorded, never waited. */
function clientFor(
  s: GraphServer,
  auth: GraphAuth = { kind: 'secret', secret: SCANNER_SECRET },
  maxRetries?: number,
): GraphClient {
  return createGraphClient({
    tenantId: TEST_TENANT_ID,
    clientId: SCANNER_CLIENT_ID,
    auth,
    authorityHost: s.url,
    graphBaseUrl: s.url,
    ca: s.ca,
    ...(maxRetries === undefined ? {} : { maxRetries }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

/** An unsigned JWT with the given claims, as an external issuer's token stands in a test. */
function assertion(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

async function scan(s: GraphServer, client = clientFor(s)) {
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  const inventory = await collectTenant(client, { tenantId: TEST_TENANT_ID, gaps, issues });
  const byId = new Map(inventory.servicePrincipals.map((sp) => [sp.id, sp]));
  return { inventory, gaps, issues, sp: (id: string): EntraServicePrincipal => byId.get(id)! };
}

beforeAll(async () => {
  const tenant = samplesTenant([
    scannerClient({ certificatePem: clientCert.certificatePem, federated: FEDERATED }),
  ]);
  // Three per page, so that every listing of the samples tenant spans several pages.
  server = await startGraphServer(tenant, { pageSize: 3 });
});
afterAll(() => server.close());
beforeEach(() => {
  sleeps = [];
  server.clearFaults();
  server.requests.length = 0;
});

describe('sign-in', () => {
  it('gets a token with a client secret and sends it to Graph', async () => {
    // Arrange
    const client = clientFor(server);
    // Act
    const page = await getJson<{ value: unknown[] }>(client, '/servicePrincipals?$top=1');
    // Assert
    expect(page.value).toHaveLength(1);
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /${TEST_TENANT_ID}/v2.0/.well-known/openid-configuration 200`,
      `POST /${TEST_TENANT_ID}/oauth2/v2.0/token 200`,
      'GET /v1.0/servicePrincipals 200',
    ]);
  });

  it('gets a token with a certificate, from PEM text or a file', async () => {
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'leash-entra-'));
    const file = join(dir, 'scanner.pem');
    await writeFile(file, clientCert.privateKeyPem + clientCert.certificatePem);
    try {
      // Act
      const fromPem = await getJson<{ id: string }>(
        clientFor(server, {
          kind: 'certificate',
          certificatePem: clientCert.privateKeyPem + clientCert.certificatePem,
        }),
        `/servicePrincipals/${SAMPLE_IDS.foo}`,
      );
      const fromFile = await getJson<{ id: string }>(
        clientFor(server, { kind: 'certificate', certificatePath: file }),
        `/servicePrincipals/${SAMPLE_IDS.foo}`,
      );
      // Assert: the server checked the PS256 signature against the registered certificate.
      expect([fromPem.id, fromFile.id]).toEqual([SAMPLE_IDS.foo, SAMPLE_IDS.foo]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gets a token with a federated client assertion', async () => {
    // Arrange
    const getAssertion = async () =>
      assertion({
        ...{ iss: FEDERATED.issuer, sub: FEDERATED.subject },
        aud: 'api://AzureADTokenExchange',
        exp: Math.floor(Date.now() / 1000) + 300,
      });
    // Act
    const sp = await getJson<{ id: string }>(
      clientFor(server, { kind: 'assertion', getAssertion }),
      `/servicePrincipals/${SAMPLE_IDS.foo}`,
    );
    // Assert
    expect(sp.id).toBe(SAMPLE_IDS.foo);
  });

  it('fails on a wrong secret without reaching Graph', async () => {
    // Arrange
    const client = clientFor(server, { kind: 'secret', secret: 'wrong' });
    // Act
    const call = getJson(client, '/servicePrincipals');
    // Assert
    await expect(call).rejects.toThrow(/AADSTS7000215/);
    expect(server.requests.filter((r) => r.path.startsWith('/v1.0'))).toEqual([]);
  });

  it('refuses http authorities and Graph URLs, which MSAL and the auth handler would not protect', () => {
    // Act / Assert
    expect(() =>
      createGraphClient({
        tenantId: TEST_TENANT_ID,
        clientId: SCANNER_CLIENT_ID,
        auth: { kind: 'secret', secret: 'x' },
        authorityHost: 'http://127.0.0.1:1',
      }),
    ).toThrow(/must use https/);
  });

  it('answers Graph requests without a bearer token with 401', async () => {
    // Act
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/v1.0/servicePrincipals`, { ca: server.ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    // Assert
    expect(status).toBe(401);
  });
});

describe('paging, retries and batching', () => {
  it('follows @odata.nextLink across pages', async () => {
    // Act
    const all = await listAll<{ id: string }>(
      clientFor(server),
      '/servicePrincipals?$select=id,displayName',
    );
    // Assert
    expect(all.map((s) => s.id).sort()).toEqual(
      server.data.servicePrincipals.map((s) => s.id).sort(),
    );
    const pagesRead = server.requests.filter((r) => r.path === '/v1.0/servicePrincipals');
    expect(pagesRead).toHaveLength(Math.ceil(server.data.servicePrincipals.length / 3));
    expect(pagesRead.slice(1).every((r) => r.query.includes('$skiptoken='))).toBe(true);
  });

  it('filters by servicePrincipalType, reads reports only in beta, and refuses batches over 20', async () => {
    // Arrange
    const client = clientFor(server);
    const gaps = new GapRecorder();
    // Act
    const managed = await listAll<{ id: string }>(
      client,
      "/servicePrincipals?$filter=servicePrincipalType%20eq%20'ManagedIdentity'",
    );
    const v1Report = await guardGraph(gaps, 'GET /reports/servicePrincipalSignInActivities', () =>
      listAll(client, '/reports/servicePrincipalSignInActivities'),
    );
    const tooBig = graphRequest(client, '/$batch').post({
      requests: Array.from({ length: 21 }, (_, i) => ({
        id: String(i),
        method: 'GET',
        url: '/users',
      })),
    });
    // Assert
    expect(managed.map((s) => s.id)).toEqual([SAMPLE_IDS.managedIdentity]);
    expect(v1Report).toBeUndefined();
    expect(gaps.gaps).toMatchObject([{ provider: 'entra', reason: 'unsupported' }]);
    await expect(tooBig).rejects.toMatchObject({ statusCode: 400 });
  });

  it('restarts from the first page when the page token expires, yielding each object once', async () => {
    // Arrange
    server.expirePageToken('/servicePrincipals', { times: 1 });
    // Act
    const all = await listAll<{ id: string }>(clientFor(server), '/servicePrincipals');
    // Assert
    const ids = all.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(server.data.servicePrincipals.length);
    const listed = server.requests.filter((r) => r.path === '/v1.0/servicePrincipals');
    expect(listed.map((r) => r.status)).toContain(400);
    expect(listed.filter((r) => !r.query.includes('skiptoken'))).toHaveLength(2);
  });

  it('retries a 429 after the Retry-After it was given', async () => {
    // Arrange
    server.throttle('/applications', { times: 2, retryAfterSeconds: 7 });
    // Act
    const apps = await listAll(clientFor(server), '/applications');
    // Assert
    expect(apps).toHaveLength(server.data.applications.length);
    expect(sleeps).toEqual([7000, 7000]);
    expect(
      server.requests.filter((r) => r.path === '/v1.0/applications').map((r) => r.status),
    ).toEqual([429, 429, 200]);
  });

  it('retries 503 and 504 with exponential backoff when there is no Retry-After', async () => {
    // Arrange
    server.unavailable('/oauth2PermissionGrants', { times: 1, status: 503 });
    server.unavailable('/oauth2PermissionGrants', { times: 1, status: 504 });
    // Act
    const grants = await listAll(clientFor(server), '/oauth2PermissionGrants');
    // Assert
    expect(grants).toHaveLength(server.data.oauth2PermissionGrants.length);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[0]).toBeLessThan(1250);
    expect(sleeps[1]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[1]).toBeLessThan(2250);
  });

  it('sends $batch in groups of 20 and retries throttled items after their Retry-After', async () => {
    // Arrange: 45 requests, 3 of whose items are throttled once.
    const ids = server.data.servicePrincipals.map((s) => s.id);
    const requests = Array.from({ length: 45 }, (_, i) => ({
      id: `q${i}`,
      url: `/servicePrincipals/${ids[i % ids.length]}?$select=id`,
    }));
    server.throttle(`/servicePrincipals/${ids[0]}`, { times: 3, retryAfterSeconds: 4 });
    // Act
    const answers = await batch(clientFor(server), requests, { concurrency: 2 });
    // Assert: every answer in request order (the server answers batches in reverse).
    expect(answers.map((a) => a.status)).toEqual(requests.map(() => 200));
    expect(answers.map((a) => (a.body as { id: string }).id)).toEqual(
      requests.map((_, i) => ids[i % ids.length]),
    );
    const batches = server.requests.filter((r) => r.path === '/v1.0/$batch');
    expect(batches.length).toBeGreaterThanOrEqual(4);
    expect(server.requests.filter((r) => r.inBatch && r.status === 429)).toHaveLength(3);
    expect(sleeps).toContain(4000);
  });

  it('returns the last 429 of an item that stays throttled beyond the retries', async () => {
    // Arrange
    server.throttle(`/servicePrincipals/${SAMPLE_IDS.foo}`, { times: 10, retryAfterSeconds: 1 });
    // Act
    const [answer] = await batch(clientFor(server, undefined, 2), [
      { id: 'x', url: `/servicePrincipals/${SAMPLE_IDS.foo}` },
    ]);
    // Assert
    expect(answer?.status).toBe(429);
    expect(sleeps).toEqual([1000, 1000]);
  });
});

describe('collectTenant over the Graph samples tenant', () => {
  it('resolves application permissions to names through the resource appRoles', async () => {
    // Act
    const { sp, gaps, issues } = await scan(server);
    // Assert
    const mail = sp(SAMPLE_IDS.mailClient);
    expect(mail.appPermissions.map((p) => p.permission).sort()).toEqual([
      'Mail.Read',
      'Mail.ReadWrite',
    ]);
    expect(
      mail.appPermissions.every(
        (p) => p.resourceAppId === GRAPH_APP_ID && p.resourceName === 'Microsoft Graph',
      ),
    ).toBe(true);
    expect(gaps.gaps).toEqual([]);
    expect(issues).toEqual([]);
  });

  it('lists every service principal type, with the agent identity and its disabled sponsor', async () => {
    // Act
    const { inventory, sp } = await scan(server);
    // Assert
    expect(inventory.servicePrincipals).toHaveLength(server.data.servicePrincipals.length);
    const agent = sp(SAMPLE_IDS.agent);
    expect(agent).toMatchObject({
      servicePrincipalType: 'ServiceIdentity',
      odataType: '#microsoft.graph.agentIdentity',
      agentIdentityBlueprintId: SAMPLE_IDS.agentBlueprintAppId,
      createdDateTime: '2026-05-02T09:00:00.000Z',
    });
    expect(agent.sponsors).toEqual([
      {
        id: SAMPLE_IDS.disabledSponsor,
        type: 'user',
        displayName: 'Former Sponsor',
        userPrincipalName: 'former.sponsor@contoso.com',
        accountEnabled: false,
      },
    ]);
    expect(sp(SAMPLE_IDS.managedIdentity).servicePrincipalType).toBe('ManagedIdentity');
    expect(inventory).toMatchObject({
      tenantId: TEST_TENANT_ID,
      activityLogs: false,
      credentialActivity: true,
    });
  });

  it('maps the registration credentials onto the principal by appId, never reading secret values', async () => {
    // Act
    const { inventory, sp } = await scan(server);
    // Assert
    const app = sp(SAMPLE_IDS.applicationSp);
    expect(app.applicationId).toBe(SAMPLE_IDS.application);
    expect(app.credentials.map((c) => `${c.kind}:${c.on}:${c.keyId}`).sort()).toEqual([
      `certificate:application:${SAMPLE_IDS.applicationCertKeyId}`,
      `certificate:application:${SAMPLE_IDS.applicationCertKeyId2}`,
      `password:application:${SAMPLE_IDS.applicationSecretKeyId}`,
    ]);
    expect(app.federatedCredentials).toEqual([
      {
        name: 'github-main',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:contoso/app:ref:refs/heads/main',
        audiences: ['api://AzureADTokenExchange'],
      },
    ]);
    const text = JSON.stringify(inventory);
    expect(text).not.toMatch(/secretText|"key"|c2FtcGxlLXB1YmxpYy1jZXJ0/);
  });

  it('marks a deleted owner, merges owners of the registration and of the principal, and knows principal owners', async () => {
    // Act
    const { sp } = await scan(server);
    // Assert
    expect(sp(SAMPLE_IDS.applicationSp).owners).toEqual([
      {
        id: SAMPLE_IDS.alex,
        type: 'user',
        displayName: 'Alex Wilber',
        userPrincipalName: 'AlexW@contoso.com',
        accountEnabled: true,
        ownerOf: ['servicePrincipal', 'application'],
      },
      { id: SAMPLE_IDS.deletedOwner, type: 'user', deleted: true, ownerOf: ['application'] },
    ]);
    expect(sp(SAMPLE_IDS.roleHolder).owners).toEqual([
      {
        id: SAMPLE_IDS.mailClient,
        type: 'servicePrincipal',
        displayName: 'dxprovisioning-graphapi-client',
        accountEnabled: true,
        ownerOf: ['servicePrincipal'],
      },
    ]);
  });

  it('reads delegated grants with split scopes, directory roles with the privileged flag, and sign-ins', async () => {
    // Act
    const { sp } = await scan(server);
    // Assert
    const client = sp(SAMPLE_IDS.grantClient);
    expect(
      client.delegatedGrants.map((g) => [g.resourceName, g.consentType, g.scopes.length]),
    ).toEqual([
      ['Contoso Directory API', 'AllPrincipals', 2],
      ['Contoso Workspace API', 'AllPrincipals', 34],
    ]);
    expect(sp(SAMPLE_IDS.userGrantClient).delegatedGrants).toEqual([
      {
        id: SAMPLE_IDS.userGrant,
        resourceId: SAMPLE_IDS.userGrantResource,
        resourceName: 'Contoso People API',
        resourceAppId: 'e2e2e2e2-0000-4000-8000-000000000006',
        scopes: ['Contacts.ReadWrite', 'openid', 'profile'],
        consentType: 'Principal',
        principalId: SAMPLE_IDS.userGrantUser,
      },
    ]);
    expect(sp(SAMPLE_IDS.roleHolder).directoryRoles.map((r) => [r.roleName, r.privileged])).toEqual(
      [
        ['Global Administrator', true],
        ['Global Reader', true],
      ],
    );
    // The docs' sample timestamps use "-8:00", normalized to UTC.
    expect(sp(SAMPLE_IDS.credSp).signIn).toEqual({
      lastSignIn: '2021-04-01T00:00:00.000Z',
      lastAppOnlySignIn: '2021-03-01T08:00:00.000Z',
      lastDelegatedSignIn: '2021-01-01T08:00:00.000Z',
    });
    expect(sp(SAMPLE_IDS.credSp).credentials[0]?.lastSignIn).toBe('2021-03-18T08:00:00.000Z');
    expect(sp(SAMPLE_IDS.spCredSp).credentials).toMatchObject([
      {
        keyId: SAMPLE_IDS.spCredKeyId,
        on: 'servicePrincipal',
        lastSignIn: '2021-02-01T09:23:46.000Z',
      },
    ]);
  });

  it('records a 403 as a coverage gap and goes on with the scan', async () => {
    // Arrange
    server.deny('/servicePrincipals/{id}/owners');
    server.deny('/oauth2PermissionGrants');
    server.deny('/reports/appCredentialSignInActivities');
    // Act
    const { inventory, gaps, sp } = await scan(server);
    // Assert
    expect(gaps.gaps.map((g) => `${g.provider} ${g.api} ${g.reason}`).sort()).toEqual([
      'entra GET /beta/reports/appCredentialSignInActivities access-denied',
      'entra GET /oauth2PermissionGrants access-denied',
      'entra GET /servicePrincipals/{id}/owners access-denied',
    ]);
    const owners = gaps.gaps.find((g) => g.api === 'GET /servicePrincipals/{id}/owners');
    expect(owners?.detail).toMatch(
      new RegExp(
        `HTTP 403: Authorization_RequestDenied: .*\\(${server.data.servicePrincipals.length} objects, first `,
      ),
    );
    expect(sp(SAMPLE_IDS.mailClient).appPermissions).toHaveLength(2);
    expect(sp(SAMPLE_IDS.applicationSp).owners.map((o) => o.ownerOf)).toEqual([
      ['application'],
      ['application'],
    ]);
    expect(sp(SAMPLE_IDS.grantClient).delegatedGrants).toEqual([]);
    expect(inventory.credentialActivity).toBe(false);
  });

  it('records a gap when throttling outlasts the retries, and goes on', async () => {
    // Arrange
    server.throttle('/roleManagement/directory/roleAssignments', {
      times: 10,
      retryAfterSeconds: 2,
    });
    // Act
    const { gaps, sp } = await scan(server, clientFor(server, undefined, 2));
    // Assert
    expect(gaps.gaps).toMatchObject([
      { provider: 'entra', api: 'GET /roleManagement/directory/roleAssignments', reason: 'failed' },
    ]);
    expect(sp(SAMPLE_IDS.roleHolder).directoryRoles).toEqual([]);
    expect(sp(SAMPLE_IDS.mailClient).appPermissions).toHaveLength(2);
  });

  it('fails loudly on an error that is neither denial nor throttling', async () => {
    // Arrange: a $filter Graph cannot parse is a bug of ours, not a gap.
    const gaps = new GapRecorder();
    // Act
    const call = guardGraph(gaps, 'GET /servicePrincipals', () =>
      listAll(clientFor(server), '/servicePrincipals?$filter=startswith(displayName,1)'),
    );
    // Assert
    await expect(call).rejects.toBeInstanceOf(ConnectorError);
    await expect(call).rejects.toThrow(
      /GET \/servicePrincipals failed: HTTP 400: BadRequest: Invalid filter clause/,
    );
    expect(gaps.gaps).toEqual([]);
  });
});

describe('collectTenant over a generated tenant', () => {
  let generated: GraphServer;
  let tenant: GraphTenantData;
  beforeAll(async () => {
    tenant = generatedTenant({ servicePrincipals: 400, seed: 3 });
    // Two per page: relationships longer than that continue past their $batch item.
    generated = await startGraphServer(tenant, { pageSize: 2 });
  });
  afterAll(() => generated.close());

  it('reads every principal and relationship the tenant holds', async () => {
    // Act
    const { inventory, gaps, issues } = await scan(generated);
    // Assert
    const sps = inventory.servicePrincipals;
    const count = (f: (sp: EntraServicePrincipal) => number) => sps.reduce((n, sp) => n + f(sp), 0);
    expect(sps).toHaveLength(400);
    expect(count((sp) => sp.appPermissions.length)).toBe(tenant.appRoleAssignments.length);
    expect(count((sp) => sp.delegatedGrants.length)).toBe(tenant.oauth2PermissionGrants.length);
    expect(count((sp) => sp.directoryRoles.length)).toBe(tenant.roleAssignments.length);
    expect(count((sp) => sp.federatedCredentials.length)).toBe(
      tenant.applications.reduce(
        (n, a) => n + ((a.federatedIdentityCredentials as unknown[]) ?? []).length,
        0,
      ),
    );
    expect(sps.filter((sp) => sp.servicePrincipalType === 'ServiceIdentity')).toHaveLength(
      Object.keys(tenant.sponsors).length,
    );
    expect(sps.some((sp) => sp.sponsors.some((s) => s.accountEnabled === false))).toBe(true);
    expect(sps.some((sp) => sp.owners.some((o) => o.deleted))).toBe(true);
    expect(sps.some((sp) => sp.directoryRoles.some((r) => r.privileged))).toBe(true);
    expect(
      sps.every((sp) => sp.appPermissions.every((p) => !/^[0-9a-f-]{36}$/.test(p.permission))),
    ).toBe(true);
    expect(gaps.gaps).toEqual([]);
    expect(issues).toEqual([]);
    // Relationships are fanned out through $batch, with next pages followed outside it.
    expect(generated.requests.filter((r) => r.path === '/v1.0/$batch').length).toBeGreaterThan(40);
    expect(
      generated.requests.some(
        (r) => !r.inBatch && /appRoleAssignments$/.test(r.path) && r.query.includes('skiptoken'),
      ),
    ).toBe(true);
  });
});
