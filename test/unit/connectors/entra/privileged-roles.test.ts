/** Leash's privileged directory role table. */
import { describe, expect, it } from 'vitest';
import { isPrivilegedRole, PRIVILEGED_ROLE_TEMPLATES } from '#connectors/entra/privileged-roles.ts';

describe('isPrivilegedRole', () => {
  it('knows the privileged built-in templates, case-insensitively, and trusts Graph when it says', () => {
    // Act / Assert
    expect(PRIVILEGED_ROLE_TEMPLATES.get('62e90394-69f5-4237-9190-012177145e10')).toBe(
      'Global Administrator',
    );
    expect(isPrivilegedRole({ templateId: '9B895D92-2CD3-44C7-9D02-A6AC2D5EA5C3' })).toBe(true);
    expect(isPrivilegedRole({ id: '158c047a-c907-4556-b7ef-446551a6b5f7' })).toBe(true);
    expect(isPrivilegedRole({ id: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b' })).toBe(false);
    expect(
      isPrivilegedRole({ id: '62e90394-69f5-4237-9190-012177145e10', isPrivileged: false }),
    ).toBe(false);
    expect(isPrivilegedRole({})).toBe(false);
  });
});
