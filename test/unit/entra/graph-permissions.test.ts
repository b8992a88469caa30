import { describe, expect, it } from 'vitest';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import {
  GraphPermissionMapSchema,
  matchGraphRequest,
  permissionsForRequest,
  permissionsInMap,
} from '#core/entra/permission-map.ts';

const MAP = BUILTIN_GRAPH_PERMISSIONS;

describe('the built-in Graph permission map', () => {
  it('is a valid map', () => {
    expect(GraphPermissionMapSchema.safeParse(MAP).success).toBe(true);
    expect(MAP.source).toBe('leash-builtin');
  });

  it.each([
    'Mail.',
    'Calendars.',
    'Files.',
    'Sites.',
    'User.',
    'Group.',
    'Directory.',
    'Application.',
    'AppRoleAssignment.ReadWrite.All',
    'RoleManagement.',
    'AuditLog.Read.All',
    'Chat.',
    'ChannelMessage.',
    'Team.',
    'Policy.',
    'IdentityRiskyUser.',
    'Reports.Read.All',
  ])('covers %s', (prefix) => {
    const names = permissionsInMap(MAP);
    expect([...names.application, ...names.delegated].some((n) => n.startsWith(prefix))).toBe(true);
  });

  it.each([
    ['GET', '/users/{u}/messages', ['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadWrite']],
    ['POST', '/users/{u}/sendMail', ['Mail.Send']],
    ['GET', '/users/{u}/messages/{m}/attachments', ['Mail.Read', 'Mail.ReadWrite']],
    ['PATCH', '/users/{u}/messages/{m}', ['Mail.ReadWrite']],
    [
      'GET',
      '/users/{u}/calendar/events',
      ['Calendars.Read', 'Calendars.ReadBasic.All', 'Calendars.ReadWrite'],
    ],
    [
      'PUT',
      '/drives/{d}/items/{i}/content',
      ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'Sites.Selected'],
    ],
    ['POST', '/sites/{s}/permissions', ['Sites.FullControl.All']],
    [
      'POST',
      '/servicePrincipals/{s}/appRoleAssignedTo',
      ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All'],
    ],
    ['POST', '/roleManagement/directory/roleAssignments', ['RoleManagement.ReadWrite.Directory']],
    ['GET', '/auditLogs/signIns', ['AuditLog.Read.All', 'Directory.Read.All']],
    [
      'GET',
      "/reports/getOffice365ActiveUserDetail(period='D7')",
      ['AuditLog.Read.All', 'Reports.Read.All'],
    ],
    [
      'GET',
      '/chats/{c}/messages',
      [
        'Chat.Read.All',
        'Chat.ReadWrite.All',
        'ChatMessage.Read.All',
        'Group.Read.All',
        'Group.ReadWrite.All',
      ],
    ],
    [
      'GET',
      '/identityProtection/riskyUsers',
      ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
    ],
  ])('resolves %s %s to its application permissions', (method, path, expected) => {
    const uri = `https://graph.microsoft.com/v1.0${path.replace(/\{[a-z]\}/g, 'abc123')}`;
    const m = matchGraphRequest(MAP, method, uri);
    expect(m?.application).toEqual(expected);
  });

  it('gives /me paths delegated permissions only', () => {
    const m = matchGraphRequest(MAP, 'GET', '/me/messages');
    expect(m?.application).toEqual([]);
    expect(m?.delegated).toContain('Mail.Read');
    expect(m?.delegated).not.toContain('Mail.Read.Shared');
  });

  it('lets shared-mailbox delegated scopes reach /users/{id} paths', () => {
    expect(permissionsForRequest(MAP, 'GET', '/users/boss@contoso.com/messages')).toContain(
      'Mail.Read.Shared',
    );
  });

  it('prefers a read-only POST action over the write subtree', () => {
    const m = matchGraphRequest(MAP, 'POST', '/drives/d1/items/i1/preview');
    expect(m?.application).toContain('Files.Read.All');
  });

  it('requires Policy.Read.All and Application.Read.All alongside Conditional Access writes', () => {
    const m = matchGraphRequest(MAP, 'POST', '/identity/conditionalAccess/policies');
    expect(m?.application).toEqual(['Policy.ReadWrite.ConditionalAccess']);
    expect(m?.alsoRequires).toEqual(['Application.Read.All', 'Policy.Read.All']);
  });
});
