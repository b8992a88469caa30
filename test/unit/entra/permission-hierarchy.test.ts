import { describe, expect, it } from 'vitest';
import {
  authorizingHeld,
  impliedPermissions,
  isBroader,
} from '#core/entra/permission-hierarchy.ts';

describe('impliedPermissions', () => {
  it('applies the naming rule transitively: ReadWrite includes Read includes ReadBasic', () => {
    expect([...impliedPermissions('User.ReadWrite.All')].sort()).toEqual(
      expect.arrayContaining(['User.Read.All', 'User.ReadBasic.All']),
    );
    expect([...impliedPermissions('Calendars.ReadWrite')].sort()).toEqual([
      'Calendars.Read',
      'Calendars.ReadBasic',
      'Calendars.ReadBasic.All',
    ]);
  });

  it('follows the explicit table across names', () => {
    const full = impliedPermissions('Sites.FullControl.All');
    expect(full.has('Sites.Manage.All')).toBe(true);
    expect(full.has('Sites.ReadWrite.All')).toBe(true);
    expect(full.has('Sites.Read.All')).toBe(true);
    expect(impliedPermissions('Mail.ReadWrite').has('Mail.ReadBasic.All')).toBe(true);
    expect(impliedPermissions('Directory.ReadWrite.All').has('User.Read.All')).toBe(true);
  });

  it('includes nothing for a permission it knows nothing about', () => {
    expect(impliedPermissions('Mail.Send').size).toBe(0);
  });
});

describe('isBroader', () => {
  it('is strict: a permission is not broader than itself or a narrower one', () => {
    expect(isBroader('Mail.ReadWrite', 'Mail.Read')).toBe(true);
    expect(isBroader('Mail.Read', 'Mail.ReadWrite')).toBe(false);
    expect(isBroader('Mail.Read', 'Mail.Read')).toBe(false);
    expect(isBroader('Files.Read.All', 'Sites.Read.All')).toBe(false);
  });
});

describe('authorizingHeld', () => {
  it('keeps held permissions the request lists or that include one it lists', () => {
    // Arrange: the request lists only Sites.Read.All.
    const held = ['Sites.FullControl.All', 'Mail.Send', 'Sites.Read.All'];

    // Act
    const out = authorizingHeld(['Sites.Read.All'], held);

    // Assert
    expect(out).toEqual(['Sites.FullControl.All', 'Sites.Read.All']);
  });

  it('credits the Calendars.ReadBasic.All app role where the catalog says Calendars.ReadBasic', () => {
    expect(authorizingHeld(['Calendars.ReadBasic'], ['Calendars.ReadBasic.All'])).toEqual([
      'Calendars.ReadBasic.All',
    ]);
  });

  it('returns nothing when the request lists nothing', () => {
    expect(authorizingHeld([], ['Mail.Read'])).toEqual([]);
  });
});
