/**
 * Which Graph permissions include others. Microsoft's catalog lists, per path, the least
 * privileged permission and *some* higher ones, but not always every broader one: `GET
 * /sites/{id}` lists Sites.Read.All and Sites.ReadWrite.All, not Sites.FullControl.All, though
 * an app holding only FullControl reads sites with it. Crediting a request to held permissions
 * therefore also credits those that include a listed one, so a broad permission that did the
 * work is never called unused.
 *
 * Two sources, closed transitively:
 * - the naming rule: `X.ReadWrite[.S]` includes `X.Read[.S]`, which includes `X.ReadBasic[.S]`
 *   (Mail.ReadWrite ⊇ Mail.Read, User.ReadWrite.All ⊇ User.Read.All ⊇ User.ReadBasic.All);
 * - an explicit table for inclusions across names, from the Graph permissions reference.
 * A wrong inclusion can only make more permissions count as possibly used (fewer removals), so
 * the table errs on the side of including.
 */

/** Inclusions the naming rule does not give: permission → permissions it includes. */
const EXPLICIT: Record<string, readonly string[]> = {
  'Sites.FullControl.All': ['Sites.Manage.All'],
  'Sites.Manage.All': ['Sites.ReadWrite.All'],
  'Mail.Read': ['Mail.ReadBasic.All', 'Mail.ReadBasic'],
  'Mail.Read.Shared': ['Mail.ReadBasic.Shared'],
  'Calendars.Read': ['Calendars.ReadBasic.All'],
  // The app role is Calendars.ReadBasic.All, but the catalog names it Calendars.ReadBasic in
  // the Application scheme too: treat the app role as including that name.
  'Calendars.ReadBasic.All': ['Calendars.ReadBasic'],
  'Directory.ReadWrite.All': ['Directory.Read.All'],
  'Directory.Read.All': [
    'User.Read.All',
    'Group.Read.All',
    'GroupMember.Read.All',
    'Application.Read.All',
    'Device.Read.All',
    'Organization.Read.All',
    'Domain.Read.All',
    'OrgContact.Read.All',
    'RoleManagement.Read.Directory',
  ],
  'Group.ReadWrite.All': ['GroupMember.ReadWrite.All'],
  'Group.Read.All': ['GroupMember.Read.All'],
  'GroupMember.Read.All': ['GroupMember.ReadBasic.All'],
  'User.ReadWrite.All': ['User.EnableDisableAccount.All', 'User.RevokeSessions.All'],
  'User.Read.All': ['User.ReadBasic.All'],
  'Application.ReadWrite.All': ['Application.ReadWrite.OwnedBy'],
  'RoleManagement.Read.All': ['RoleManagement.Read.Directory'],
  'TeamSettings.Read.All': ['Team.ReadBasic.All'],
  'ChannelSettings.Read.All': ['Channel.ReadBasic.All'],
  'Chat.ReadWrite.All': ['Chat.Create'],
};

/** Permissions a name includes by the naming rule (one step). */
function byName(permission: string): string[] {
  const parts = permission.split('.');
  const verb = parts[1];
  const out: string[] = [];
  const swap = (to: string) => [parts[0], to, ...parts.slice(2)].join('.');
  if (verb === 'ReadWrite') out.push(swap('Read'));
  if (verb === 'Read') out.push(swap('ReadBasic'));
  return out;
}

const CLOSURE = new Map<string, ReadonlySet<string>>();

/**
 * Every permission that `permission` includes, transitively (itself excluded).
 * @example impliedPermissions('Sites.FullControl.All') has Sites.Manage.All, Sites.ReadWrite.All, Sites.Read.All
 */
export function impliedPermissions(permission: string): ReadonlySet<string> {
  const cached = CLOSURE.get(permission);
  if (cached) return cached;
  const seen = new Set<string>();
  const stack = [permission];
  while (stack.length > 0) {
    const p = stack.pop()!;
    for (const q of [...(EXPLICIT[p] ?? []), ...byName(p)]) {
      if (q === permission || seen.has(q)) continue;
      seen.add(q);
      stack.push(q);
    }
  }
  CLOSURE.set(permission, seen);
  return seen;
}

/** True when `broad` includes `narrow` and not the other way round. */
export function isBroader(broad: string, narrow: string): boolean {
  return (
    broad !== narrow &&
    impliedPermissions(broad).has(narrow) &&
    !impliedPermissions(narrow).has(broad)
  );
}

/**
 * The held permissions a request could have been authorized by: those the map lists for it,
 * and those that include one it lists.
 * @param authorizing the permissions the map gives for the request (one scheme)
 * @param held the permissions the identity holds in that scheme
 */
export function authorizingHeld(authorizing: Iterable<string>, held: Iterable<string>): string[] {
  const auth = new Set(authorizing);
  if (auth.size === 0) return [];
  const out: string[] = [];
  for (const h of held) {
    if (auth.has(h)) {
      out.push(h);
      continue;
    }
    for (const q of impliedPermissions(h)) {
      if (auth.has(q)) {
        out.push(h);
        break;
      }
    }
  }
  return out;
}
