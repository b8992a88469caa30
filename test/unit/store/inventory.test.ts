import { describe, expect, it } from 'vitest';
import type { StoredGrant, StoredIdentity } from '#core/ports/inventory-store.ts';
import {
  absent,
  grantSources,
  identityProfile,
  inventoriedScopes,
  inventoryOf,
  planInventory,
  present,
} from '#core/store/inventory.ts';
import {
  aFindingsDocument,
  anEntraIdentityResult,
  anIdentityResult,
  DOC_ACCOUNT,
  DOC_OTHER_ACCOUNT,
  DOC_TENANT,
} from '#test/helpers/findings-document.ts';

const T1 = Date.parse('2026-11-01T00:00:00Z');
const T2 = T1 + 86_400_000;

describe('grantSources', () => {
  it('gives one grant per AWS policy and one for the effective action set', () => {
    // Arrange
    const role = anIdentityResult('app', [], {
      policies: ['A'],
      actions: ['s3:GetObject', 'iam:PassRole'],
      used: 1,
    });

    // Act
    const grants = grantSources(role);

    // Assert
    expect(grants.map((g) => g.source)).toEqual([
      {
        kind: 'customer-managed-policy',
        name: 'A',
        ref: `arn:aws:iam::${DOC_ACCOUNT}:policy/A`,
        detail: { viaGroup: null },
      },
      {
        kind: 'effective-actions',
        name: 'every action granted',
        ref: null,
        detail: { actions: 2, services: ['iam', 's3'] },
      },
    ]);
  });

  it('hashes the effective set by its content, not by its order or by use', () => {
    // Arrange
    const hashOf = (actions: string[], used: number) =>
      grantSources(anIdentityResult('app', [], { actions, used })).at(-1)?.hash;

    // Act + Assert
    expect(hashOf(['a:X', 'b:Y'], 0)).toBe(hashOf(['b:Y', 'a:X'], 2));
    expect(hashOf(['a:X', 'b:Y'], 0)).not.toBe(hashOf(['a:X', 'b:Z'], 0));
    expect(grantSources(anIdentityResult('bare'))).toEqual([]);
  });

  it('hashes a policy by what it is and where it comes from', () => {
    // Arrange
    const viaGroup = anIdentityResult('app', [], { policies: ['A'] });
    viaGroup.grant.policies[0]!.viaGroup = 'admins';

    // Act
    const direct = grantSources(anIdentityResult('app', [], { policies: ['A'] }))[0];
    const grouped = grantSources(viaGroup)[0];

    // Assert
    expect(direct?.hash).not.toBe(grouped?.hash);
    expect(grouped?.source.detail).toEqual({ viaGroup: 'admins' });
  });

  it('gives Entra permissions and directory roles, keeping grant ids out of the hash', () => {
    // Arrange
    const sp = anEntraIdentityResult('bot', ['Mail.Send'], ['Global Administrator']);
    const regranted = anEntraIdentityResult('bot', ['Mail.Send'], ['Global Administrator']);
    regranted.entra!.permissions[0]!.grantIds = ['another-grant'];
    regranted.entra!.directoryRoles[0]!.directoryScopeId = '/administrativeUnits/au-1';

    // Act
    const grants = grantSources(sp);
    const again = grantSources(regranted);

    // Assert
    expect(grants.map((g) => [g.source.kind, g.source.name])).toEqual([
      ['entra-application-permission', 'Microsoft Graph Mail.Send'],
      ['entra-directory-role', 'Global Administrator'],
    ]);
    expect(again[0]?.hash).toBe(grants[0]?.hash);
    expect(again[0]?.source.detail.grantIds).toEqual(['another-grant']);
    expect(again[1]?.source.name).toBe('Global Administrator at /administrativeUnits/au-1');
    expect(again[1]?.hash).not.toBe(grants[1]?.hash);
  });
});

describe('identityProfile and inventoryOf', () => {
  it('describes AWS and Entra identities', () => {
    expect(identityProfile(anIdentityResult('app', [], { actions: ['a:B'] }))).toMatchObject({
      arn: `arn:aws:iam::${DOC_ACCOUNT}:role/app`,
      appId: null,
      grantedActions: 1,
      unusedActions: 1,
    });
    expect(identityProfile(anEntraIdentityResult('bot', []))).toMatchObject({
      arn: null,
      appId: 'app-bot',
      scope: DOC_TENANT,
    });
  });

  it('keeps one of each identity and grant', () => {
    // Arrange
    const sp = anEntraIdentityResult('bot', ['Mail.Send', 'Mail.Send']);

    // Act
    const inv = inventoryOf(aFindingsDocument([sp, sp]));

    // Assert
    expect(inv.identities).toHaveLength(1);
    expect(inv.grants).toHaveLength(1);
  });
});

describe('inventoriedScopes', () => {
  const gap = (
    provider: 'aws' | 'entra',
    api: string,
    reason: 'access-denied' | 'failed' | 'unsupported',
    account?: string,
  ) => ({ provider, api, reason, detail: 'x', ...(account ? { account } : {}) });

  it('leaves out accounts and tenants whose inventory could not be read whole', () => {
    // Arrange
    const doc = aFindingsDocument([], {
      accounts: [DOC_ACCOUNT, DOC_OTHER_ACCOUNT],
      tenants: [DOC_TENANT],
      accessGaps: [
        gap('aws', 'iam:GetAccountAuthorizationDetails', 'access-denied', DOC_OTHER_ACCOUNT),
        gap('entra', 'GET /oauth2PermissionGrants', 'failed'),
        gap('aws', 'cloudtrail:LookupEvents', 'access-denied', DOC_ACCOUNT),
      ],
    });

    // Act + Assert
    expect(inventoriedScopes(doc)).toEqual([DOC_ACCOUNT]);
  });

  it('takes an unsupported listing for an absent feature, and an AWS gap without account for all', () => {
    // Arrange
    const unsupported = aFindingsDocument([], {
      tenants: [DOC_TENANT],
      accessGaps: [gap('entra', 'GET /users/microsoft.graph.agentUser', 'unsupported')],
    });
    const everywhere = aFindingsDocument([], {
      accessGaps: [gap('aws', 'iam:GetAccountAuthorizationDetails', 'failed')],
    });

    // Act + Assert
    expect(inventoriedScopes(unsupported)).toEqual([DOC_TENANT, DOC_ACCOUNT]);
    expect(inventoriedScopes(everywhere)).toEqual([]);
  });

  it('leaves out a GitHub organization whose token or deploy key listing failed, not one whose audit log did', () => {
    // Arrange
    const org = 'github.com/acme';
    const identity = { ...anIdentityResult('deployer'), provider: 'saas' as const, accountId: org };
    const withGap = (api: string) =>
      aFindingsDocument([identity], {
        accounts: [],
        accessGaps: [{ provider: 'saas', api, reason: 'access-denied', detail: 'x', account: org }],
      });

    // Act + Assert
    expect(inventoriedScopes(withGap('GET /orgs/{org}/personal-access-tokens'))).toEqual([]);
    expect(inventoriedScopes(withGap('GET /repos/{owner}/{repo}/keys'))).toEqual([]);
    expect(inventoriedScopes(withGap('GET /orgs/{org}/audit-log'))).toEqual([org]);
  });
});

describe('present and absent', () => {
  it('starts, continues, ends and restarts a presence', () => {
    // Act
    const start = present(undefined, 'r1', T1);
    const still = present(start, 'r2', T2);
    const gone = absent(still, 'r3', T2 + 1);
    const back = present(gone, 'r4', T2 + 2);

    // Assert
    expect(start).toEqual({
      firstSeen: T1,
      addedAt: T1,
      addedRunId: 'r1',
      lastSeen: T1,
      lastRunId: 'r1',
      removedAt: null,
      removedRunId: null,
    });
    expect(still).toMatchObject({ firstSeen: T1, addedAt: T1, lastSeen: T2, lastRunId: 'r2' });
    expect(gone).toMatchObject({ removedAt: T2 + 1, removedRunId: 'r3', lastSeen: T2 });
    expect(absent(gone, 'r5', T2 + 9)).toBe(gone);
    expect(back).toMatchObject({
      firstSeen: T1,
      addedAt: T2 + 2,
      addedRunId: 'r4',
      removedAt: null,
    });
    // Removed by a partial attempt of the same run, then seen: the same presence as before.
    expect(present(gone, 'r3', T2 + 1)).toMatchObject({ addedAt: T1, removedAt: null });
  });
});

describe('planInventory', () => {
  it('plans the same records and diff when retried over its own partial writes', () => {
    // Arrange: r1 saw app (A) and old (O); r2 sees app (A, B) only
    const first = planInventory(
      aFindingsDocument([
        anIdentityResult('app', [], { policies: ['A'] }),
        anIdentityResult('old', [], { policies: ['O'] }),
      ]),
      'r1',
      T1,
      { identities: [], grants: [] },
    );
    const doc = aFindingsDocument([anIdentityResult('app', [], { policies: ['A', 'B'] })]);
    const clean = planInventory(doc, 'r2', T2, first);
    // A partial attempt wrote the removal of `old` and the grant B, not the rest.
    const partial = {
      identities: first.identities.map(
        (i) => clean.identities.find((c) => c.identityId === i.identityId && c.removedAt) ?? i,
      ),
      grants: [
        ...first.grants,
        ...clean.grants.filter((g) => g.source.name === 'B'),
      ] as StoredGrant[],
    };

    // Act
    const retry = planInventory(doc, 'r2', T2, partial);

    // Assert
    expect(retry.diff).toEqual(clean.diff);
    expect(clean.diff.identities.removed.map((i: StoredIdentity) => i.name)).toEqual(['old']);
    expect(clean.diff.grants.added.map((g) => g.source.name)).toEqual(['B']);
    expect(clean.diff.grants.removed.map((g) => g.source.name)).toEqual(['O']);
  });
});
