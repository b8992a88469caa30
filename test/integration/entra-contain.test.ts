/**
 * The Entra containment actuators through the real credential and Graph client against the
 * loopback Graph server, on a small tenant built here: each kind changes the tenant, a
 * redelivered plan writes nothing, and the rollback restores the snapshot (an app role
 * assignment or delegated grant comes back under a new id, as Graph creates a new object), or
 * says why it cannot.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import {
  type EntraContainmentKind,
  entraActuators,
  TOKEN_LIFETIME_NOTE,
} from '#connectors/entra/contain.ts';
import { createGraphClient } from '#connectors/entra/graph-client.ts';
import { type ContainmentDeps, contain, rollback } from '#core/containment/contain.ts';
import { containmentRequestId } from '#core/containment/request.ts';
import type {
  ContainmentActuator,
  ContainmentKind,
  ContainmentRequest,
  PolicyDecider,
} from '#core/ports/containment.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import { SMALL_TENANT, smallTenant } from '#test/helpers/scan-run.ts';

const APP_OBJECT = 'd0000000-0000-4000-8000-000000000002';
const SECRET_KEY = 'e0000000-0000-4000-8000-000000000001';
const GRANT = 'grant-user-read';
const USER = 'f0000000-0000-4000-8000-000000000001';
const MANAGED = 'a0000000-0000-4000-8000-000000000009';
const REQUESTED_AT = Date.parse('2026-11-15T10:00:00Z');

let server: GraphServer;
let actuators: Record<EntraContainmentKind, ContainmentActuator>;

/** Graph writes (token requests aside). */
const writes = () =>
  server.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1.0'));

/** The small tenant plus a secret, a delegated grant, a user and a managed identity. */
function tenant() {
  const t = smallTenant();
  t.applications.push({
    id: APP_OBJECT,
    appId: 'c0000000-0000-4000-8000-000000000002',
    displayName: 'mail-agent',
    keyCredentials: [],
    passwordCredentials: [
      {
        keyId: SECRET_KEY,
        displayName: 'ci secret',
        hint: 'Ab~',
        startDateTime: '2026-01-01T00:00:00Z',
        endDateTime: '2027-01-01T00:00:00Z',
        secretText: null,
      },
    ],
  });
  t.oauth2PermissionGrants.push({
    id: GRANT,
    clientId: SMALL_TENANT.APP_SP,
    consentType: 'AllPrincipals',
    principalId: null,
    resourceId: SMALL_TENANT.GRAPH_SP,
    scope: 'User.Read Mail.Read',
  });
  t.users.push({
    id: USER,
    userPrincipalName: 'agent.owner@example.com',
    displayName: 'Agent Owner',
    accountEnabled: true,
    signInSessionsValidFromDateTime: '2026-01-01T00:00:00Z',
  });
  t.servicePrincipals.push({
    id: MANAGED,
    appId: 'c0000000-0000-4000-8000-000000000009',
    displayName: 'vm-identity',
    servicePrincipalType: 'ManagedIdentity',
    accountEnabled: true,
    tags: [],
    keyCredentials: [],
    passwordCredentials: [],
    appRoles: [],
  });
  return t;
}

function aRequest(
  kind: ContainmentKind,
  id: string,
  params: Record<string, unknown> = {},
): ContainmentRequest {
  return {
    requestId: `req-${kind}`,
    kind,
    target: {
      provider: 'entra',
      scope: SMALL_TENANT.TENANT,
      id,
      name: 'mail-agent',
      type: 'service-principal',
      class: 'ai-agent',
      tags: {},
      environment: null,
      delegatingHuman: null,
    },
    trigger: { type: 'request', requester: 'analyst@example.com' },
    params,
    requestedAt: REQUESTED_AT,
  };
}

beforeEach(async () => {
  server = await startGraphServer(tenant());
  const client = createGraphClient({
    tenantId: SMALL_TENANT.TENANT,
    clientId: SMALL_TENANT.CLIENT,
    auth: { kind: 'secret', secret: SMALL_TENANT.SECRET },
    authorityHost: server.url,
    graphBaseUrl: server.url,
    ca: server.ca,
    sleep: async () => {},
  });
  let at = 0;
  actuators = entraActuators(client, { now: () => ++at });
});
afterEach(() => server.close());

describe('reversible Entra containment', () => {
  const cases: {
    kind: EntraContainmentKind;
    id: string;
    params: Record<string, unknown>;
    contained: () => void;
  }[] = [
    {
      kind: 'entra.disable-service-principal',
      id: SMALL_TENANT.APP_SP,
      params: {},
      contained: () =>
        expect(
          server.data.servicePrincipals.find((s) => s.id === SMALL_TENANT.APP_SP)!.accountEnabled,
        ).toBe(false),
    },
    {
      kind: 'entra.remove-app-permission',
      id: SMALL_TENANT.APP_SP,
      params: { assignmentId: 'assignment-mail-read' },
      contained: () => expect(server.data.appRoleAssignments).toEqual([]),
    },
    {
      kind: 'entra.delete-delegated-grant',
      id: SMALL_TENANT.APP_SP,
      params: { grantId: GRANT },
      contained: () => expect(server.data.oauth2PermissionGrants).toEqual([]),
    },
  ];

  it.each(cases)('$kind: applies, writes nothing when redelivered, and rolls back', async (c) => {
    // Arrange
    const actuator = actuators[c.kind];
    const request = aRequest(c.kind, c.id, c.params);
    const before = await actuator.snapshot(request);
    const plan = actuator.plan(request, before);
    // Act
    const applied = await actuator.execute(request, plan);
    c.contained();
    const written = writes().length;
    const redelivered = await actuator.execute(request, plan);
    const writtenAgain = writes().length - written;
    const rollback = actuator.rollbackPlan(request, before, await actuator.snapshot(request));
    const rolledBack = await actuator.execute(request, rollback.calls);
    const restored = await actuator.snapshot(request);
    // Assert
    expect(plan).toHaveLength(1);
    expect(applied.calls.map((r) => r.outcome)).toEqual(['applied']);
    expect(applied.verified).toBe(true);
    expect(applied.notes).toEqual([TOKEN_LIFETIME_NOTE]);
    expect(redelivered.calls.map((r) => r.outcome)).toEqual(['already-applied']);
    expect(writtenAgain).toBe(0);
    expect(rollback.calls).toHaveLength(1);
    expect(rolledBack.verified).toBe(true);
    expect(actuator.comparable!(restored)).toEqual(actuator.comparable!(before));
  });

  it.each(
    cases.filter((c) => c.kind !== 'entra.disable-service-principal'),
  )('$kind: the use case rolls back to a state equal to the snapshot, new ids aside', async (c) => {
    // Arrange
    const decider: PolicyDecider = {
      decide: async () => ({ decision: 'auto', matched: ['test'], policyVersion: 't', errors: [] }),
    };
    const deps: ContainmentDeps = {
      store: openMemoryStore(),
      decider,
      actuators,
      notifier: { notify: async () => {} },
      now: Date.now,
      actor: 'test',
    };
    const request = {
      ...aRequest(c.kind, c.id, c.params),
      requestId: containmentRequestId({
        kind: c.kind,
        target: { provider: 'entra', scope: SMALL_TENANT.TENANT, id: c.id },
        origin: 'rollback test',
      }),
    };

    // Act
    const applied = await contain(request, deps);
    const undone = await rollback(request.requestId, 'carol@example.com', deps, 'false alarm');
    const chain = await deps.store.auditChain(request.requestId);

    // Assert
    expect(applied.status).toBe('applied');
    expect(undone.status).toBe('rolled-back');
    expect(chain.at(-1)).toMatchObject({
      kind: 'rolled-back',
      detail: { restored: true, differences: [] },
    });
  });

  it('plans the exact Graph call', async () => {
    // Arrange
    const actuator = actuators['entra.disable-service-principal'];
    const request = aRequest('entra.disable-service-principal', SMALL_TENANT.APP_SP);
    // Act
    const plan = actuator.plan(request, await actuator.snapshot(request));
    // Assert
    expect(plan.map((c) => [c.api, c.params])).toEqual([
      ['graph:PATCH /servicePrincipals/{id}', { id: SMALL_TENANT.APP_SP, accountEnabled: false }],
    ]);
    expect(writes()).toEqual([]);
  });

  it('refuses a managed identity with the way to contain it', async () => {
    // Arrange
    const actuator = actuators['entra.disable-service-principal'];
    const request = aRequest('entra.disable-service-principal', MANAGED);
    const before = await actuator.snapshot(request);
    // Act
    const plan = () => actuator.plan(request, before);
    // Assert
    expect(plan).toThrow(/Azure role assignments/);
  });
});

describe('irreversible Entra containment', () => {
  it('removes a client secret of the application and says it cannot be restored', async () => {
    // Arrange
    const actuator = actuators['entra.remove-password'];
    const request = aRequest('entra.remove-password', SMALL_TENANT.APP_SP, {
      keyId: SECRET_KEY,
      applicationId: APP_OBJECT,
    });
    const before = await actuator.snapshot(request);
    // Act
    const applied = await actuator.execute(request, actuator.plan(request, before));
    const redelivered = await actuator.execute(request, actuator.plan(request, before));
    const rollback = actuator.rollbackPlan(request, before, await actuator.snapshot(request));
    // Assert
    expect(applied.calls.map((c) => [c.call.api, c.call.params, c.outcome])).toEqual([
      [
        'graph:POST /{owner}/{id}/removePassword',
        { owner: 'applications', id: APP_OBJECT, keyId: SECRET_KEY },
        'applied',
      ],
    ]);
    expect(applied.verified).toBe(true);
    expect(server.data.applications[0]!.passwordCredentials).toEqual([]);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes().filter((w) => w.path.endsWith('/removePassword'))).toHaveLength(1);
    expect(rollback.calls).toEqual([]);
    expect(rollback.irreversible).toMatch(/cannot be restored/);
  });

  it("revokes a user's sessions once, and says the rollback cannot bring them back", async () => {
    // Arrange
    const actuator = actuators['entra.revoke-user-sessions'];
    const request = aRequest('entra.revoke-user-sessions', USER);
    const before = await actuator.snapshot(request);
    // Act
    const applied = await actuator.execute(request, actuator.plan(request, before));
    const redelivered = await actuator.execute(request, actuator.plan(request, before));
    const rollback = actuator.rollbackPlan(request, before, await actuator.snapshot(request));
    // Assert
    expect(applied.calls.map((c) => c.outcome)).toEqual(['applied']);
    expect(applied.verified).toBe(true);
    expect(applied.notes).toEqual([TOKEN_LIFETIME_NOTE]);
    expect(redelivered.calls.map((c) => c.outcome)).toEqual(['already-applied']);
    expect(writes().filter((w) => w.path.endsWith('/revokeSignInSessions'))).toHaveLength(1);
    expect(rollback).toMatchObject({
      calls: [],
      irreversible: expect.stringMatching(/cannot be restored/),
    });
  });
});
