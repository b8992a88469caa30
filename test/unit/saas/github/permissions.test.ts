import { describe, expect, it } from 'vitest';
import {
  flatPermissions,
  isHighRisk,
  permissionsOfAction,
  scopeOf,
  unobservableReason,
} from '#core/saas/github/permissions.ts';

describe('permissionsOfAction', () => {
  it('maps secret events before the generic repository and organization ones', () => {
    expect(permissionsOfAction('repo.create_actions_secret')).toContain('secrets');
    expect(permissionsOfAction('org.update_actions_secret')).toContain('organization_secrets');
    expect(permissionsOfAction('environment.create_actions_secret')).toContain('secrets');
    expect(permissionsOfAction('protected_branch.update')).toEqual(['administration']);
    expect(permissionsOfAction('repo.update_default_branch')).toEqual(['administration']);
    expect(permissionsOfAction('team.add_member')).toEqual(['members']);
    expect(permissionsOfAction('org.update_member')).toEqual(['members']);
    expect(permissionsOfAction('org.update_default_repository_permission')).toEqual([
      'organization_administration',
    ]);
    expect(permissionsOfAction('pull_request.merge')).toEqual(['pull_requests']);
    expect(permissionsOfAction('secret_scanning_alert.resolve')).toEqual([]);
  });
});

describe('unobservableReason', () => {
  it('judges only writes the audit log records, and only when it was read', () => {
    const admin = { name: 'administration', access: 'write', scope: 'repository' as const };
    expect(unobservableReason(admin, true)).toBeUndefined();
    expect(unobservableReason(admin, false)).toBe('no-audit-log');
    expect(unobservableReason({ ...admin, access: 'read' }, true)).toBe('reads-not-in-audit-log');
    expect(unobservableReason({ ...admin, name: 'contents' }, true)).toBe(
      'not-recorded-by-audit-log',
    );
    expect(unobservableReason({ ...admin, name: 'metadata', access: 'read' }, true)).toBe(
      'needed-for-every-call',
    );
  });
});

describe('permission scopes and risk', () => {
  it('files flat app permissions under repository, organization or account', () => {
    // Act
    const perms = flatPermissions({ members: 'write', contents: 'read', gpg_keys: 'read' });

    // Assert
    expect(perms.map((p) => [p.name, p.scope])).toEqual([
      ['contents', 'repository'],
      ['gpg_keys', 'account'],
      ['members', 'organization'],
    ]);
    expect(scopeOf('organization_secrets')).toBe('organization');
  });

  it('calls write to administration, secrets and workflows high risk, reads not', () => {
    expect(isHighRisk({ name: 'secrets', access: 'write', scope: 'repository' })).toBe(true);
    expect(isHighRisk({ name: 'workflows', access: 'write', scope: 'repository' })).toBe(true);
    expect(isHighRisk({ name: 'administration', access: 'read', scope: 'repository' })).toBe(false);
    expect(isHighRisk({ name: 'contents', access: 'write', scope: 'repository' })).toBe(false);
  });
});
