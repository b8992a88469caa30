import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import {
  actionName,
  analyzeTenant,
  buildEntraDocument,
  mergeEntraIntoDocument,
} from '#core/entra/analyze-tenant.ts';
import type { EntraServicePrincipal } from '#core/entra/model.ts';
import {
  type FindingsDocument,
  FindingsDocumentSchema,
  IdentityResultSchema,
} from '#core/model/findings.ts';
import { renderHtml } from '#core/report/render-html.ts';
import { renderMarkdown } from '#core/report/render-markdown.ts';
import { anInventory as anAwsInventory, aRole } from '#test/helpers/builders.ts';
import {
  AS_OF,
  aCredential,
  aDelegatedGrant,
  anAgentIdentity,
  anAppPermission,
  anInventory,
  aPerson,
  aRequest,
  aServicePrincipal,
  BEFORE_WINDOW,
  graphAppPermissions,
  IN_WINDOW,
  TENANT,
  WINDOW,
} from './builders.ts';

const DOC_OPTIONS = { toolVersion: 'test', window: WINDOW, lookbackDays: 90 };

/** A mail-reading workload that is used, an agent with too much, and an idle app. */
function aTenant(): {
  sps: EntraServicePrincipal[];
  mailer: EntraServicePrincipal;
  agent: EntraServicePrincipal;
  idle: EntraServicePrincipal;
} {
  const mailer = aServicePrincipal({
    displayName: 'mailer',
    signIn: { lastAppOnlySignIn: IN_WINDOW },
    appPermissions: graphAppPermissions('Mail.ReadBasic.All', 'Mail.Read', 'User.Read.All'),
  });
  const agent = anAgentIdentity({
    displayName: 'support-agent',
    signIn: { lastSignIn: IN_WINDOW },
    appPermissions: graphAppPermissions(
      'Sites.FullControl.All',
      'RoleManagement.ReadWrite.Directory',
    ),
    sponsors: [aPerson({ userPrincipalName: 'sponsor@contoso.example' })],
  });
  const idle = aServicePrincipal({
    displayName: 'idle',
    signIn: { lastSignIn: BEFORE_WINDOW },
    appPermissions: graphAppPermissions('Calendars.Read'),
    delegatedGrants: [aDelegatedGrant(['openid', 'Files.Read'])],
  });
  return { sps: [mailer, agent, idle], mailer, agent, idle };
}

describe('analyzeTenant', () => {
  it('credits each request to every held permission that could authorize it', () => {
    // Arrange
    const { sps, mailer, agent } = aTenant();
    const requests = [
      aRequest(mailer),
      aRequest(mailer, { time: '2026-11-03T00:00:00Z' }),
      aRequest(agent, { uri: 'https://graph.microsoft.com/v1.0/sites/contoso.sharepoint.com,a,b' }),
    ];

    // Act
    const { identities } = analyzeTenant(anInventory(sps), requests, { window: WINDOW });

    // Assert
    const m = identities.find((r) => r.id === mailer.id)!;
    expect(m.usedActions).toEqual([
      {
        action: 'Mail.Read',
        count: 2,
        firstSeen: '2026-11-01T12:00:00.000Z',
        lastSeen: '2026-11-03T00:00:00.000Z',
      },
      {
        action: 'Mail.ReadBasic.All',
        count: 2,
        firstSeen: '2026-11-01T12:00:00.000Z',
        lastSeen: '2026-11-03T00:00:00.000Z',
      },
    ]);
    expect(m.unusedActions).toEqual(['User.Read.All']);
    expect(m.permissionsToRemove).toEqual([
      {
        permission: 'User.Read.All',
        kind: 'application',
        resource: 'Microsoft Graph',
        reason: 'no request in the 90-day window could have used it (2 requests seen)',
        grantIds: [mailer.appPermissions[2]!.assignmentId],
      },
    ]);
    // Sites.FullControl.All is not listed for GET /sites/{id}, but includes what is.
    const a = identities.find((r) => r.id === agent.id)!;
    expect(a.usedActions.map((u) => u.action)).toEqual(['Sites.FullControl.All']);
    expect(a.unusedActions).toEqual(['RoleManagement.ReadWrite.Directory']);
  });

  it('produces results in the findings.json contract', () => {
    // Arrange
    const { sps, mailer } = aTenant();

    // Act
    const analysis = analyzeTenant(anInventory(sps), [aRequest(mailer)], { window: WINDOW });
    const doc = buildEntraDocument(analysis, DOC_OPTIONS);

    // Assert
    for (const r of analysis.identities)
      expect(IdentityResultSchema.safeParse(r).success).toBe(true);
    const parsed = FindingsDocumentSchema.safeParse(doc);
    expect(parsed.success, parsed.error?.message).toBe(true);
    expect(doc.tenants).toEqual([TENANT]);
    expect(doc.summary).toMatchObject({
      identities: 3,
      byClass: { workload: 2, 'ai-agent': 1 },
      byAiRole: { agent: 1 },
      identitiesToDecommission: 1,
    });
  });

  it('describes the identity: type, tenant, owners and sponsors, credentials, roles', () => {
    // Arrange
    const agent = anAgentIdentity({
      displayName: 'agent',
      tags: ['AgenticInstance'],
      agentIdentityBlueprintId: 'blueprint-1',
      credentials: [aCredential({ keyId: 'k', endDateTime: '2026-10-01T00:00:00Z' })],
      federatedCredentials: [
        {
          name: 'gh',
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'repo:x',
          audiences: [],
        },
      ],
      sponsors: [aPerson({ userPrincipalName: undefined, displayName: 'Dana' })],
      owners: [aPerson({ userPrincipalName: 'owner@contoso.example' })],
    });

    // Act
    const [r] = analyzeTenant(anInventory([agent]), [], { window: WINDOW }).identities;

    // Assert
    expect(r).toMatchObject({
      id: agent.id,
      name: 'agent',
      type: 'agent-identity',
      accountId: TENANT,
      class: 'ai-agent',
      aiRole: 'agent',
      tags: { AgenticInstance: '' },
      recommendedPolicy: null,
      links: { owners: ['owner@contoso.example', 'Dana'] },
    });
    expect(r?.entra).toMatchObject({
      appId: agent.appId,
      servicePrincipalType: 'ServiceIdentity',
      agentIdentityBlueprintId: 'blueprint-1',
      ownersDisabled: false,
      credentials: [{ keyId: 'k', expired: true }],
      federatedCredentials: [{ name: 'gh' }],
    });
    expect(r?.entra?.sponsors[0]).toMatchObject({ displayName: 'Dana', userPrincipalName: null });
  });

  it('keeps permissions whose use cannot be judged, with the reason', () => {
    // Arrange
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: [
        anAppPermission({
          permission: 'full_access_as_app',
          resourceName: 'Office 365 Exchange Online',
          resourceAppId: '00000002-0000-0ff1-ce00-000000000000',
        }),
        anAppPermission({ permission: 'SecurityEvents.Read.All' }),
        anAppPermission({ permission: 'Mail.Send' }),
        anAppPermission({ permission: 'AuditLog.Read.All', createdDateTime: IN_WINDOW }),
      ],
      delegatedGrants: [aDelegatedGrant(['openid', 'offline_access', 'User.Read'])],
    });
    // An unmapped call under /users may have used Mail.Send.
    const requests = [aRequest(sp, { uri: '/v1.0/users/u1/someNewThing' })];

    // Act
    const [r] = analyzeTenant(anInventory([sp]), requests, { window: WINDOW }).identities;

    // Assert
    expect(r?.unobservableActions).toEqual([
      { action: 'AuditLog.Read.All', reason: 'granted-during-window' },
      { action: 'Mail.Send', reason: 'unmapped-requests' },
      { action: 'SecurityEvents.Read.All', reason: 'not-in-permission-map' },
      {
        action: 'full_access_as_app (application, Office 365 Exchange Online)',
        reason: 'not-microsoft-graph',
      },
      { action: 'offline_access (delegated)', reason: 'sign-in-scope' },
      { action: 'openid (delegated)', reason: 'sign-in-scope' },
      { action: 'User.Read (delegated)', reason: 'sign-in-scope' },
    ]);
    expect(r?.unusedActions).toEqual([]);
    expect(r?.recommendation).toBe('none-needed');
    expect(r?.confidence).toBe('medium');
    expect(r?.entra?.gaps).toContain(
      '1 requests matched no template of the permission map: permissions covering the same paths are kept as unobservable.',
    );
  });

  it('credits only the scheme the token was issued under, when the log says', () => {
    // Arrange: Mail.Read held both as an app role and as a delegated scope.
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read'),
      delegatedGrants: [aDelegatedGrant(['Mail.Read'])],
    });

    // Act
    const app = analyzeTenant(anInventory([sp]), [aRequest(sp, { scheme: 'application' })], {
      window: WINDOW,
    }).identities[0]!;
    const unknown = analyzeTenant(anInventory([sp]), [aRequest(sp)], { window: WINDOW })
      .identities[0]!;

    // Assert
    expect(app.usedActions.map((u) => u.action)).toEqual(['Mail.Read']);
    expect(app.unusedActions).toEqual(['Mail.Read (delegated)']);
    expect(unknown.usedActions.map((u) => u.action)).toEqual([
      'Mail.Read',
      'Mail.Read (delegated)',
    ]);
  });

  it('reports denied calls apart, and calls no held permission explains', () => {
    // Arrange
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read'),
    });
    const requests = [
      aRequest(sp, { method: 'POST', uri: '/v1.0/users/u1/sendMail', status: 403 }),
      aRequest(sp, {
        method: 'POST',
        uri: '/v1.0/users/u1/sendMail',
        status: 403,
        time: '2026-11-02T00:00:00Z',
      }),
      aRequest(sp, { uri: '/v1.0/users' }),
    ];

    // Act
    const [r] = analyzeTenant(anInventory([sp]), requests, { window: WINDOW }).identities;

    // Assert
    expect(r?.deniedActions).toEqual([
      {
        action: 'POST /users/{id}/sendmail',
        count: 2,
        lastSeen: '2026-11-02T00:00:00.000Z',
        errorCodes: ['403'],
      },
    ]);
    expect(r?.usedNotGranted).toEqual(['GET /users']);
    expect(r?.activity.events).toBe(3);
    expect(r?.unusedActions).toEqual(['Mail.Read']);
  });

  it('recommends decommissioning an idle identity, removing every grant', () => {
    const { sps, idle } = aTenant();
    const r = analyzeTenant(anInventory(sps), [], { window: WINDOW }).identities.find(
      (x) => x.id === idle.id,
    )!;
    expect(r.recommendation).toBe('decommission');
    expect(r.permissionsToRemove?.map((p) => [p.permission, p.kind])).toEqual([
      ['Calendars.Read', 'application'],
      ['Files.Read', 'delegated'],
      ['openid', 'delegated'],
    ]);
    expect(r.permissionsToRemove?.[0]?.reason).toMatch(/did not sign in during the 90-day window/);
  });

  it('accepts a window in days ending at asOf, and needs asOf then', () => {
    const sp = aServicePrincipal({ signIn: { lastSignIn: '2026-11-10T00:00:00Z' } });
    const r = analyzeTenant(anInventory([sp]), [], { window: 3, asOf: AS_OF }).identities[0]!;
    expect(r.findings.map((f) => f.ruleId)).toContain('LP-ENTRA-001');
    expect(() => analyzeTenant(anInventory([sp]), [], { window: 3 })).toThrow(RangeError);
  });

  it('summarises coverage and the gaps of the tenant', () => {
    // Arrange
    const { sps, mailer } = aTenant();
    const requests = [
      aRequest(mailer),
      aRequest(mailer, { uri: '/v1.0/nowhere' }),
      aRequest({ id: 'x', appId: 'stranger' }),
    ];

    // Act
    const a = analyzeTenant(
      anInventory(sps, { credentialActivity: false, signInActivity: false }),
      requests,
      { window: WINDOW },
    );

    // Assert
    expect(a.coverage).toMatchObject({
      tenantId: TENANT,
      servicePrincipals: 3,
      activityLogs: true,
      signInActivityKnown: 3,
      credentialActivity: false,
      requests: { read: 3, inWindow: 3, attributed: 2, unattributed: 1, mapped: 1, unmapped: 1 },
      unmappedCalls: [{ method: 'GET', path: '/nowhere', count: 1 }],
      permissionMap: { source: 'leash-builtin' },
    });
    expect(a.gaps).toEqual([
      'Credential sign-in activity was not read: unused credentials cannot be found.',
      expect.stringMatching(/^1 Graph requests matched no template/),
      expect.stringMatching(/^1 Graph requests came from apps not in the inventory/),
    ]);
  });

  it('says when activity logs were not read', () => {
    const a = analyzeTenant(
      anInventory([aServicePrincipal()], { activityLogs: false, signInActivity: false }),
      undefined,
      { window: WINDOW },
    );
    expect(a.gaps[0]).toMatch(/Graph activity logs were not read/);
    expect(a.gaps[1]).toBe(
      '1 of 1 service principals have no sign-in activity: unused identities cannot be found among them.',
    );
  });

  it('names actions by scheme and resource', () => {
    expect(
      actionName({
        permission: 'Mail.Read',
        kind: 'application',
        resource: 'Microsoft Graph',
        graph: true,
      }),
    ).toBe('Mail.Read');
    expect(
      actionName({
        permission: 'Mail.Read',
        kind: 'delegated',
        resource: 'Microsoft Graph',
        graph: true,
      }),
    ).toBe('Mail.Read (delegated)');
  });
});

describe('mergeEntraIntoDocument', () => {
  let catalog: ActionCatalog;

  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  function awsDocument(): FindingsDocument {
    return analyzeAccount({
      inventory: anAwsInventory({ roles: [aRole({ name: 'worker' })] }),
      usage: new UsageAggregator(catalog, WINDOW),
      catalog,
      window: WINDOW,
      lookbackDays: 90,
      issues: [],
      toolVersion: 'test',
    });
  }

  it('appends Entra identities to an AWS document and adds their counts to the summary', () => {
    // Arrange
    const aws = awsDocument();
    const { sps, mailer } = aTenant();
    const analysis = analyzeTenant(anInventory(sps), [aRequest(mailer)], { window: WINDOW });

    // Act
    const doc = mergeEntraIntoDocument(aws, analysis, { tenantId: TENANT });

    // Assert
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.accounts).toEqual(aws.accounts);
    expect(doc.tenants).toEqual([TENANT]);
    expect(doc.identities).toHaveLength(aws.identities.length + 3);
    expect(doc.summary.identities).toBe(aws.summary.identities + 3);
    expect(doc.summary.byClass['ai-agent']).toBe((aws.summary.byClass['ai-agent'] ?? 0) + 1);
    expect(doc.summary.grantedActions).toBe(aws.summary.grantedActions + 3 + 2 + 3);
    expect(doc.summary.findingsByRule['LP-ENTRA-007'] ?? 0).toBe(0);
    expect(doc.summary.findingsByRule['LP-ENTRA-006']).toBe(2);
    expect(doc.coverage.entra).toHaveLength(1);
    expect(doc.coverage.gaps.filter((g) => g.startsWith(`Entra tenant ${TENANT}: `))).toEqual(
      analysis.gaps.map((g) => `Entra tenant ${TENANT}: ${g}`),
    );
    expect(aws.identities).toHaveLength(1); // the input is not changed
  });

  it('replaces the identities of a tenant merged again, leaving the summary as after one merge', () => {
    // Arrange
    const aws = awsDocument();
    const { sps } = aTenant();
    const analysis = analyzeTenant(anInventory(sps), [], { window: WINDOW });
    const once = mergeEntraIntoDocument(aws, analysis, { tenantId: TENANT });

    // Act
    const twice = mergeEntraIntoDocument(once, analysis, { tenantId: TENANT });

    // Assert
    expect(twice.summary).toEqual(once.summary);
    expect(twice.identities).toHaveLength(once.identities.length);
    expect(twice.coverage.entra).toHaveLength(1);
    expect(twice.coverage.gaps).toEqual(once.coverage.gaps);
  });

  it('accepts bare identity results', () => {
    const aws = awsDocument();
    const analysis = analyzeTenant(anInventory([aServicePrincipal()]), [], { window: WINDOW });
    const doc = mergeEntraIntoDocument(aws, analysis.identities, { tenantId: TENANT });
    expect(doc.summary.identities).toBe(aws.summary.identities + 1);
    expect(doc.coverage.entra).toBeUndefined();
  });
});

describe('reports', () => {
  it('show Entra tenants, permissions to remove and Entra coverage', () => {
    // Arrange
    const { sps, mailer } = aTenant();
    const analysis = analyzeTenant(
      anInventory(sps),
      [aRequest(mailer), aRequest(mailer, { uri: '/v1.0/nowhere' })],
      { window: WINDOW },
    );
    const doc = buildEntraDocument(analysis, DOC_OPTIONS);

    // Act
    const md = renderMarkdown(doc);
    const html = renderHtml(doc);

    // Assert
    expect(md).toContain(`Entra tenant ${TENANT}`);
    expect(md).toContain(
      '- `User.Read.All` (application, Microsoft Graph): no request in the 90-day window',
    );
    expect(md).toContain('Holds 3 permissions: 2 used, 1 unused, 0 unobservable');
    expect(md).toContain('| GET /nowhere | 1 |');
    expect(html).toContain('<code>User.Read.All</code> (application, Microsoft Graph)');
    expect(html).toContain(`Entra tenant ${TENANT}: 3 service principals`);
  });
});
