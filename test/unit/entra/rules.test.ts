import { describe, expect, it } from 'vitest';
import { type AnalyzeTenantOptions, analyzeTenant } from '#core/entra/analyze-tenant.ts';
import type { EntraInventory, EntraServicePrincipal, GraphRequest } from '#core/entra/model.ts';
import { ENTRA_RULES } from '#core/entra/rules/index.ts';
import { raise, worst } from '#core/entra/rules/rule.ts';
import type { IdentityResult } from '#core/model/findings.ts';
import {
  aCredential,
  aDelegatedGrant,
  aDirectoryRole,
  anAgentIdentity,
  anAppPermission,
  anInventory,
  aPerson,
  aRequest,
  aServicePrincipal,
  BEFORE_WINDOW,
  graphAppPermissions,
  IN_WINDOW,
  MICROSOFT_TENANT,
  WINDOW,
} from './builders.ts';

/** Analyses one service principal and returns its result. */
function analyzeOne(
  sp: EntraServicePrincipal,
  requests: GraphRequest[] | undefined = [],
  inventory: Partial<EntraInventory> = {},
  options: Partial<AnalyzeTenantOptions> = {},
): IdentityResult {
  const result = analyzeTenant(anInventory([sp], inventory), requests, {
    window: WINDOW,
    ...options,
  });
  return result.identities[0]!;
}

function hits(r: IdentityResult, ruleId: string) {
  return r.findings.filter((f) => f.ruleId === ruleId);
}

describe('ENTRA_RULES', () => {
  it('registers stable, unique ids in order with their text', () => {
    const ids = ENTRA_RULES.map((r) => r.id);
    expect(ids).toEqual(
      Array.from({ length: 10 }, (_, i) => `LP-ENTRA-${String(i + 1).padStart(3, '0')}`),
    );
    for (const r of ENTRA_RULES) {
      expect(r.info.length).toBeGreaterThan(10);
      expect(r.explanation.length).toBeGreaterThan(40);
    }
  });

  it('raises severities one step, capped at critical', () => {
    expect(raise('medium')).toBe('high');
    expect(raise('critical')).toBe('critical');
    expect(worst('low', 'high')).toBe('high');
  });
});

describe('LP-ENTRA-001 unused service principal', () => {
  it('fires when the last sign-in is before the window', () => {
    // Arrange
    const sp = aServicePrincipal({ signIn: { lastSignIn: BEFORE_WINDOW } });

    // Act
    const r = analyzeOne(sp);

    // Assert
    const [f] = hits(r, 'LP-ENTRA-001');
    expect(f?.severity).toBe('medium');
    expect(f?.title).toBe('No sign-in in the last 90 days (last 2026-01-01)');
    expect(r.recommendation).toBe('decommission');
  });

  it('fires on a service principal the sign-in report does not list, high when it holds control-plane access', () => {
    const sp = aServicePrincipal({
      appPermissions: graphAppPermissions('Application.ReadWrite.All'),
    });
    const [f] = hits(analyzeOne(sp), 'LP-ENTRA-001');
    expect(f?.title).toBe('No sign-in on record');
    expect(f?.severity).toBe('high');
  });

  it('is low for a disabled service principal', () => {
    const sp = aServicePrincipal({ accountEnabled: false, signIn: {} });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-001')[0]?.severity).toBe('low');
  });

  it('does not fire after a sign-in in the window', () => {
    const sp = aServicePrincipal({ signIn: { lastAppOnlySignIn: IN_WINDOW } });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-001')).toEqual([]);
  });

  it('does not fire when a Graph request in the window shows activity', () => {
    const sp = aServicePrincipal({ signIn: { lastSignIn: BEFORE_WINDOW } });
    expect(hits(analyzeOne(sp, [aRequest(sp)]), 'LP-ENTRA-001')).toEqual([]);
  });

  it('does not fire without sign-in activity, and records the gap', () => {
    // Arrange: the report was not read and the SP has no row.
    const sp = aServicePrincipal();

    // Act
    const r = analyzeOne(sp, undefined, { signInActivity: false, activityLogs: false });

    // Assert
    expect(hits(r, 'LP-ENTRA-001')).toEqual([]);
    expect(r.entra?.gaps[0]).toMatch(/No sign-in activity/);
    expect(r.recommendation).toBe('insufficient-evidence');
    expect(r.confidence).toBe('low');
  });

  it('does not fire on an identity created during the window', () => {
    const sp = aServicePrincipal({ createdDateTime: IN_WINDOW, signIn: {} });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-001')).toEqual([]);
  });
});

describe('LP-ENTRA-002 unused credential', () => {
  it('fires on a secret last used before the window (high) and a certificate never used (medium)', () => {
    // Arrange
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      credentials: [
        aCredential({ displayName: 'old', lastSignIn: BEFORE_WINDOW }),
        aCredential({
          kind: 'certificate',
          keyId: 'cert-1',
          startDateTime: '2026-01-01T00:00:00Z',
        }),
      ],
    });

    // Act
    const found = hits(analyzeOne(sp), 'LP-ENTRA-002');

    // Assert
    expect(found.map((f) => [f.title, f.severity])).toEqual([
      ['Secret old last used 2026-01-01', 'high'],
      ['Certificate cert-1 never used since 2026-01-01', 'medium'],
    ]);
  });

  it('does not fire on a credential used in the window or younger than it', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      credentials: [aCredential({ lastSignIn: IN_WINDOW }), aCredential()],
    });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-002')).toEqual([]);
  });

  it('does not fire without credential activity', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      credentials: [aCredential({ startDateTime: BEFORE_WINDOW })],
    });
    const r = analyzeOne(sp, [], { credentialActivity: false });
    expect(hits(r, 'LP-ENTRA-002')).toEqual([]);
    expect(r.entra?.gaps).toContain(
      'No credential sign-in activity: unused credentials cannot be found.',
    );
  });
});

describe('LP-ENTRA-003 long-lived credential', () => {
  it('fires on a secret valid for more than 180 days, and one that never expires', () => {
    const sp = aServicePrincipal({
      credentials: [
        aCredential({
          displayName: 'year',
          startDateTime: '2026-06-01T00:00:00Z',
          endDateTime: '2027-06-01T00:00:00Z',
        }),
        aCredential({ displayName: 'forever', endDateTime: undefined }),
      ],
    });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-003').map((f) => [f.title, f.severity])).toEqual([
      ['Secret year is valid for 365 days', 'medium'],
      ['Secret forever never expires', 'medium'],
    ]);
  });

  it('fires on any standing secret of an AI agent, high', () => {
    const [f] = hits(
      analyzeOne(anAgentIdentity({ credentials: [aCredential({ displayName: 's' })] })),
      'LP-ENTRA-003',
    );
    expect(f?.title).toBe('Standing secret s on an AI agent');
    expect(f?.severity).toBe('high');
  });

  it('does not fire on a short secret of a workload, or on certificates', () => {
    const sp = aServicePrincipal({
      credentials: [
        aCredential(),
        aCredential({ kind: 'certificate', endDateTime: '2030-01-01T00:00:00Z' }),
      ],
    });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-003')).toEqual([]);
  });
});

describe('LP-ENTRA-004 expired credential', () => {
  it('fires on a credential that expired before the analysis', () => {
    const sp = aServicePrincipal({
      credentials: [aCredential({ displayName: 'gone', endDateTime: '2026-10-01T00:00:00Z' })],
    });
    const [f] = hits(analyzeOne(sp), 'LP-ENTRA-004');
    expect(f?.title).toBe('Secret gone expired 2026-10-01');
    expect(f?.severity).toBe('low');
    expect(hits(analyzeOne(sp), 'LP-ENTRA-002')).toEqual([]);
  });

  it('does not fire on a valid credential', () => {
    expect(
      hits(analyzeOne(aServicePrincipal({ credentials: [aCredential()] })), 'LP-ENTRA-004'),
    ).toEqual([]);
  });
});

describe('LP-ENTRA-005 unused Graph permission', () => {
  it('fires when activity logs show no request a held permission could authorize', () => {
    // Arrange
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read', 'Calendars.Read'),
    });

    // Act
    const r = analyzeOne(sp, [aRequest(sp)]);

    // Assert
    const [f] = hits(r, 'LP-ENTRA-005');
    expect(f?.title).toBe('1 Graph permission never used in the window');
    expect(f?.severity).toBe('medium');
    expect(r.unusedActions).toEqual(['Calendars.Read']);
  });

  it('is high when an unused permission is high-risk', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read', 'Mail.Send'),
    });
    expect(hits(analyzeOne(sp, [aRequest(sp)]), 'LP-ENTRA-005')[0]?.severity).toBe('high');
  });

  it('does not fire without activity logs: the permissions are unobservable', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Send'),
    });
    const r = analyzeOne(sp, undefined, { activityLogs: false });
    expect(hits(r, 'LP-ENTRA-005')).toEqual([]);
    expect(r.unobservableActions).toEqual([
      { action: 'Mail.Send', reason: 'no-graph-activity-logs' },
    ]);
  });

  it('does not fire when every permission was used', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read'),
    });
    expect(hits(analyzeOne(sp, [aRequest(sp)]), 'LP-ENTRA-005')).toEqual([]);
  });
});

describe('LP-ENTRA-006 high-risk permission', () => {
  it('is high for a control-plane permission on a workload, critical on an agent', () => {
    const perms = graphAppPermissions('AppRoleAssignment.ReadWrite.All');
    expect(
      hits(analyzeOne(aServicePrincipal({ appPermissions: perms })), 'LP-ENTRA-006')[0]?.severity,
    ).toBe('high');
    const [f] = hits(analyzeOne(anAgentIdentity({ appPermissions: perms })), 'LP-ENTRA-006');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe('Holds AppRoleAssignment.ReadWrite.All as an AI agent');
  });

  it('is medium for a data permission on a workload, high on an agent', () => {
    const perms = graphAppPermissions('Files.ReadWrite.All');
    expect(
      hits(analyzeOne(aServicePrincipal({ appPermissions: perms })), 'LP-ENTRA-006')[0]?.severity,
    ).toBe('medium');
    expect(
      hits(analyzeOne(anAgentIdentity({ appPermissions: perms })), 'LP-ENTRA-006')[0]?.severity,
    ).toBe('high');
  });

  it('does not fire on low-risk or delegated permissions, nor on first-party apps', () => {
    expect(
      hits(
        analyzeOne(aServicePrincipal({ appPermissions: graphAppPermissions('User.Read.All') })),
        'LP-ENTRA-006',
      ),
    ).toEqual([]);
    expect(
      hits(
        analyzeOne(aServicePrincipal({ delegatedGrants: [aDelegatedGrant(['Mail.ReadWrite'])] })),
        'LP-ENTRA-006',
      ),
    ).toEqual([]);
    const ms = aServicePrincipal({
      appOwnerOrganizationId: MICROSOFT_TENANT,
      appPermissions: graphAppPermissions('Directory.ReadWrite.All'),
    });
    expect(hits(analyzeOne(ms), 'LP-ENTRA-006')).toEqual([]);
  });
});

describe('LP-ENTRA-007 privileged directory role', () => {
  it('fires on a privileged role: high, critical on an agent', () => {
    const roles = [aDirectoryRole()];
    const [f] = hits(analyzeOne(aServicePrincipal({ directoryRoles: roles })), 'LP-ENTRA-007');
    expect(f?.title).toBe('Holds the privileged directory role Global Administrator');
    expect(f?.severity).toBe('high');
    expect(
      hits(analyzeOne(anAgentIdentity({ directoryRoles: roles })), 'LP-ENTRA-007')[0]?.severity,
    ).toBe('critical');
  });

  it('does not fire on a role that is not privileged', () => {
    const sp = aServicePrincipal({
      directoryRoles: [aDirectoryRole({ roleName: 'Directory Readers', privileged: false })],
    });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-007')).toEqual([]);
  });
});

describe('LP-ENTRA-008 stale delegation', () => {
  it('fires when there is no owner or sponsor', () => {
    const [f] = hits(analyzeOne(aServicePrincipal({ owners: [] })), 'LP-ENTRA-008');
    expect(f?.title).toBe('No owner or sponsor');
    expect(f?.severity).toBe('medium');
  });

  it('fires when every owner and sponsor is disabled or deleted, high on an agent', () => {
    // Arrange
    const agent = anAgentIdentity({
      owners: [aPerson({ accountEnabled: false })],
      sponsors: [aPerson({ deleted: true, accountEnabled: undefined })],
    });

    // Act
    const r = analyzeOne(agent);

    // Assert
    const [f] = hits(r, 'LP-ENTRA-008');
    expect(f?.title).toBe('Every owner and sponsor is disabled or deleted for an AI agent');
    expect(f?.severity).toBe('high');
    expect(r.entra?.ownersDisabled).toBe(true);
  });

  it('is low for an app published by another organization', () => {
    const sp = aServicePrincipal({
      owners: [],
      appOwnerOrganizationId: '99999999-0000-0000-0000-000000000000',
    });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-008')[0]?.severity).toBe('low');
  });

  it('does not fire with one active owner, on managed identities, or on first-party apps', () => {
    const sp = aServicePrincipal({ owners: [aPerson({ accountEnabled: false }), aPerson()] });
    expect(hits(analyzeOne(sp), 'LP-ENTRA-008')).toEqual([]);
    expect(
      hits(
        analyzeOne(aServicePrincipal({ servicePrincipalType: 'ManagedIdentity', owners: [] })),
        'LP-ENTRA-008',
      ),
    ).toEqual([]);
    expect(
      hits(
        analyzeOne(aServicePrincipal({ appOwnerOrganizationId: MICROSOFT_TENANT, owners: [] })),
        'LP-ENTRA-008',
      ),
    ).toEqual([]);
  });
});

describe('LP-ENTRA-009 reducible permission', () => {
  it('fires when a narrower held permission authorized every request a broader one did', () => {
    // Arrange: Mail.ReadWrite beside Mail.Read, only reads seen.
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read', 'Mail.ReadWrite'),
    });

    // Act
    const r = analyzeOne(sp, [aRequest(sp)]);

    // Assert
    const [f] = hits(r, 'LP-ENTRA-009');
    expect(f?.severity).toBe('low');
    expect(f?.evidence).toEqual({
      permissions: [
        {
          permission: 'Mail.ReadWrite',
          kind: 'application',
          coveredBy: ['Mail.Read'],
          requests: 1,
        },
      ],
    });
    expect(r.usedActions.map((u) => u.action)).toEqual(['Mail.Read', 'Mail.ReadWrite']);
    expect(r.permissionsToRemove?.map((p) => p.permission)).toEqual(['Mail.ReadWrite']);
    expect(r.permissionsToRemove?.[0]?.reason).toMatch(/also authorized by Mail.Read/);
    expect(r.recommendation).toBe('rightsize');
  });

  it('does not fire once a request only the broader permission authorizes is seen', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read', 'Mail.ReadWrite'),
    });
    const r = analyzeOne(sp, [
      aRequest(sp),
      aRequest(sp, { method: 'PATCH', uri: '/v1.0/users/u1/messages/m1' }),
    ]);
    expect(hits(r, 'LP-ENTRA-009')).toEqual([]);
    expect(r.recommendation).toBe('none-needed');
  });

  it('does not use a permission the call only also requires as a stand-in', () => {
    // Application.ReadWrite.All authorizes the assignment; Application.Read.All is only also required.
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Application.ReadWrite.All', 'Application.Read.All'),
    });
    const r = analyzeOne(sp, [
      aRequest(sp, { method: 'POST', uri: '/v1.0/servicePrincipals/s1/appRoleAssignments' }),
    ]);
    expect(hits(r, 'LP-ENTRA-009')).toEqual([]);
    expect(r.usedActions.map((u) => u.action)).toEqual([
      'Application.Read.All',
      'Application.ReadWrite.All',
    ]);
  });

  it('never lets a ReadBasic permission stand in: it returns fewer properties on the same paths', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read', 'Mail.ReadBasic.All'),
    });
    expect(hits(analyzeOne(sp, [aRequest(sp)]), 'LP-ENTRA-009')).toEqual([]);
  });

  it('does not fire without activity logs', () => {
    const sp = aServicePrincipal({
      signIn: { lastSignIn: IN_WINDOW },
      appPermissions: graphAppPermissions('Mail.Read', 'Mail.ReadWrite'),
    });
    expect(hits(analyzeOne(sp, [aRequest(sp)], { activityLogs: false }), 'LP-ENTRA-009')).toEqual(
      [],
    );
  });
});

describe('first-party apps', () => {
  it('are never recommended for removal', () => {
    // Arrange: a Microsoft app, unused, with unused permissions.
    const sp = aServicePrincipal({
      appOwnerOrganizationId: MICROSOFT_TENANT,
      signIn: { lastSignIn: BEFORE_WINDOW },
      appPermissions: [anAppPermission({ permission: 'Mail.Send' })],
    });

    // Act
    const r = analyzeOne(sp, [aRequest({ id: 'other', appId: 'other' })]);

    // Assert
    expect(r.findings).toEqual([]);
    expect(r.recommendation).toBe('not-applicable');
    expect(r.permissionsToRemove).toEqual([]);
    expect(r.serviceLinked).toBe(true);
    expect(r.entra?.firstParty).toBe(true);
  });
});
