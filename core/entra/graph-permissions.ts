/**
 * Leash's built-in Microsoft Graph request → permission map for the commonly granted
 * permissions: mail, calendars, files and sites, users, groups, directory, applications and
 * their grants, role management, audit logs and reports, Teams chats and channels, policies and
 * identity protection. Written from the Graph permissions reference (each API page's
 * "Permissions" table: least privileged and higher privileged permissions) and checked against
 * Microsoft's catalog (../shared/datasets/msgraph-permissions-catalog, see
 * test/datasets/entra-catalog.test.ts).
 *
 * Each set lists, for its methods and paths, every permission that authorizes the call, not
 * only the least privileged one: usage analysis must never call a held permission unused when
 * a request it could authorize was seen. Templates ending in `/...` cover a subtree; more
 * literal templates win over them. For any path this map does not know, import Microsoft's
 * catalog (`leash graph-permissions import`), which covers about 7,300 templates.
 */
import type { GraphPermissionMap } from '#core/entra/permission-map.ts';
import { mergePermissionMaps } from '#core/entra/permission-map.ts';

/** One set: every path × method is authorized by the permissions listed. */
interface PathSet {
  methods: readonly string[];
  paths: readonly string[];
  application: readonly string[];
  delegated: readonly string[];
  alsoRequires?: readonly string[];
}

const READ = ['GET'] as const;
const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A set for mailbox-style resources reachable as `/users/{id}/...` (app-only or delegated) and
 * `/me/...` (delegated only). `shared` are delegated permissions that reach other users'
 * mailboxes or calendars, so they apply to `/users/{id}` only.
 */
function perUser(
  s: Omit<PathSet, 'paths'> & { paths: readonly string[]; shared?: readonly string[] },
): PathSet[] {
  return [
    {
      methods: s.methods,
      paths: s.paths.map((p) => `/users/{id}${p}`),
      application: s.application,
      delegated: [...s.delegated, ...(s.shared ?? [])],
    },
    {
      methods: s.methods,
      paths: s.paths.map((p) => `/me${p}`),
      application: [],
      delegated: s.delegated,
    },
  ];
}

// Mail -------------------------------------------------------------------------------------
const MAIL_LIST = [
  '/messages',
  '/messages/{id}',
  '/messages/delta',
  '/mailfolders',
  '/mailfolders/{id}',
  '/mailfolders/delta',
  '/mailfolders/{id}/messages',
  '/mailfolders/{id}/messages/{id}',
  '/mailfolders/{id}/messages/delta',
  '/mailfolders/{id}/childfolders',
  '/mailfolders/{id}/childfolders/...',
];
// Message bodies and attachments: Mail.ReadBasic does not reach them.
const MAIL_CONTENT = ['/messages/...', '/mailfolders/...'];
const MAIL_SEND = [
  '/sendmail',
  '/messages/{id}/send',
  '/messages/{id}/reply',
  '/messages/{id}/replyall',
  '/messages/{id}/forward',
  '/mailfolders/{id}/messages/{id}/send',
  '/mailfolders/{id}/messages/{id}/reply',
  '/mailfolders/{id}/messages/{id}/replyall',
  '/mailfolders/{id}/messages/{id}/forward',
];

const MAIL: PathSet[] = [
  ...perUser({
    methods: READ,
    paths: MAIL_LIST,
    application: ['Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'],
    delegated: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
    shared: ['Mail.ReadBasic.Shared', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  }),
  ...perUser({
    methods: READ,
    paths: MAIL_CONTENT,
    application: ['Mail.Read', 'Mail.ReadWrite'],
    delegated: ['Mail.Read', 'Mail.ReadWrite'],
    shared: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  }),
  ...perUser({
    methods: WRITE,
    paths: ['/messages', ...MAIL_CONTENT],
    application: ['Mail.ReadWrite'],
    delegated: ['Mail.ReadWrite'],
    shared: ['Mail.ReadWrite.Shared'],
  }),
  ...perUser({
    methods: ['POST'],
    paths: MAIL_SEND,
    application: ['Mail.Send'],
    delegated: ['Mail.Send'],
    shared: ['Mail.Send.Shared'],
  }),
  ...perUser({
    methods: READ,
    paths: ['/mailboxsettings', '/mailboxsettings/...'],
    application: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    delegated: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  }),
  ...perUser({
    methods: ['PATCH'],
    paths: ['/mailboxsettings'],
    application: ['MailboxSettings.ReadWrite'],
    delegated: ['MailboxSettings.ReadWrite'],
  }),
];

// Calendars --------------------------------------------------------------------------------
const CALENDAR_TREES = [
  '/events',
  '/events/...',
  '/calendar',
  '/calendar/...',
  '/calendars',
  '/calendars/...',
  '/calendarview',
  '/calendarview/...',
  '/calendargroups',
  '/calendargroups/...',
];
// The app role is Calendars.ReadBasic.All; the delegated scope Calendars.ReadBasic.
const CALENDAR_READERS_APP = ['Calendars.ReadBasic.All', 'Calendars.Read', 'Calendars.ReadWrite'];
const CALENDAR_READERS = ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'];

const CALENDARS: PathSet[] = [
  ...perUser({
    methods: READ,
    paths: CALENDAR_TREES,
    application: CALENDAR_READERS_APP,
    delegated: CALENDAR_READERS,
    shared: ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared'],
  }),
  ...perUser({
    methods: ['POST'],
    paths: ['/calendar/getschedule'],
    application: CALENDAR_READERS_APP,
    delegated: CALENDAR_READERS,
    shared: ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared'],
  }),
  ...perUser({
    methods: WRITE,
    paths: CALENDAR_TREES,
    application: ['Calendars.ReadWrite'],
    delegated: ['Calendars.ReadWrite'],
    shared: ['Calendars.ReadWrite.Shared'],
  }),
  // Forwarding an event only reads it.
  ...perUser({
    methods: ['POST'],
    paths: [
      '/events/{id}/forward',
      '/calendar/events/{id}/forward',
      '/calendars/{id}/events/{id}/forward',
      '/calendargroups/{id}/calendars/{id}/events/{id}/forward',
    ],
    application: CALENDAR_READERS_APP,
    delegated: CALENDAR_READERS,
  }),
];

// Files (OneDrive and document libraries) and SharePoint sites -----------------------------
const DRIVE_ROOTS = [
  '/drives/{id}',
  '/users/{id}/drive',
  '/users/{id}/drives',
  '/me/drive',
  '/me/drives',
  '/groups/{id}/drive',
  '/groups/{id}/drives',
  '/sites/{id}/drive',
  '/sites/{id}/drives',
  '/shares/{id}',
];
const DRIVE_TREES = DRIVE_ROOTS.flatMap((r) => [r, `${r}/...`]);

const FILE_READERS_APP = [
  'Files.Read.All',
  'Files.ReadWrite.All',
  'Sites.Read.All',
  'Sites.ReadWrite.All',
  'Sites.Selected',
  // The catalog lists Group.* for drive items, through group-owned libraries.
  'Group.Read.All',
  'Group.ReadWrite.All',
];
const FILE_READERS_DEL = [
  'Files.Read',
  'Files.Read.All',
  'Files.ReadWrite',
  'Files.ReadWrite.All',
  'Sites.Read.All',
  'Sites.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
];

const FILES: PathSet[] = [
  { methods: READ, paths: DRIVE_TREES, application: FILE_READERS_APP, delegated: FILE_READERS_DEL },
  {
    methods: WRITE,
    paths: DRIVE_TREES,
    application: ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'Sites.Selected'],
    delegated: ['Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'],
  },
  {
    // POSTs that only read: previews, follows, sensitivity-label extraction.
    methods: ['POST'],
    paths: DRIVE_ROOTS.flatMap((r) =>
      ['preview', 'follow', 'unfollow', 'extractsensitivitylabels'].map(
        (a) => `${r}/items/{id}/${a}`,
      ),
    ),
    application: FILE_READERS_APP,
    delegated: FILE_READERS_DEL,
  },
];

const SITES: PathSet[] = [
  {
    methods: READ,
    paths: [
      '/sites',
      '/sites/{id}',
      '/sites/root',
      '/sites/delta',
      '/sites/getallsites',
      '/sites/{id}/...',
      '/sites/root/...',
    ],
    // Site content (list items' files, analytics, activities) is also reachable with Files.*.
    application: [
      'Sites.Read.All',
      'Sites.ReadWrite.All',
      'Sites.Selected',
      'Files.Read.All',
      'Files.ReadWrite.All',
    ],
    delegated: ['Sites.Read.All', 'Sites.ReadWrite.All', 'Files.Read.All', 'Files.ReadWrite.All'],
  },
  {
    methods: WRITE,
    paths: ['/sites/{id}/...'],
    application: ['Sites.ReadWrite.All', 'Sites.Selected', 'Files.ReadWrite.All'],
    delegated: ['Sites.ReadWrite.All', 'Files.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: ['/sites/{id}/lists', '/sites/{id}/columns', '/sites/{id}/contenttypes'],
    application: ['Sites.Manage.All', 'Sites.ReadWrite.All'],
    delegated: ['Sites.Manage.All'],
  },
  {
    methods: ['GET', ...WRITE],
    paths: ['/sites/{id}/permissions', '/sites/{id}/permissions/{id}'],
    application: ['Sites.FullControl.All'],
    delegated: ['Sites.FullControl.All'],
  },
];

// Users ------------------------------------------------------------------------------------
const DIRECTORY_READ = ['Directory.Read.All', 'Directory.ReadWrite.All'];
/** Everything that reads the directory objects a membership check returns. */
const DIRECTORY_OBJECT_READERS = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Device.Read.All',
  'Device.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const USER_READERS = [
  'User.ReadBasic.All',
  'User.Read.All',
  'User.ReadWrite.All',
  ...DIRECTORY_READ,
];

const USERS: PathSet[] = [
  {
    methods: READ,
    paths: [
      '/users',
      '/users/{id}',
      '/users/delta',
      '/users/{id}/manager',
      '/users/{id}/directreports',
    ],
    application: USER_READERS,
    // User.Read and User.ReadWrite reach /users/{id} when the id is the signed-in user's.
    delegated: [...USER_READERS, 'User.Read', 'User.ReadWrite', 'Directory.AccessAsUser.All'],
  },
  {
    methods: READ,
    paths: ['/me', '/me/manager', '/me/directreports'],
    application: [],
    delegated: ['User.Read', 'User.ReadWrite', ...USER_READERS, 'Directory.AccessAsUser.All'],
  },
  {
    methods: READ,
    paths: [
      '/users/{id}/memberof',
      '/users/{id}/transitivememberof',
      '/users/{id}/memberof/...',
      '/users/{id}/transitivememberof/...',
    ],
    application: ['User.Read.All', 'Group.Read.All', 'GroupMember.Read.All', ...DIRECTORY_READ],
    delegated: [
      'User.Read.All',
      'Group.Read.All',
      'GroupMember.Read.All',
      ...DIRECTORY_READ,
      'User.Read',
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: ['POST'],
    paths: ['/users'],
    application: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'],
  },
  {
    methods: ['PATCH'],
    paths: ['/users/{id}'],
    application: [
      'User.ReadWrite.All',
      'User.EnableDisableAccount.All',
      'User.ManageIdentities.All',
      'Directory.ReadWrite.All',
    ],
    delegated: [
      'User.ReadWrite.All',
      'User.EnableDisableAccount.All',
      'User.ManageIdentities.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: ['PATCH'],
    paths: ['/me'],
    application: [],
    delegated: ['User.ReadWrite', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    methods: ['DELETE'],
    paths: ['/users/{id}'],
    application: ['User.ReadWrite.All', 'User.DeleteRestore.All'],
    delegated: ['User.ReadWrite.All', 'User.DeleteRestore.All', 'Directory.AccessAsUser.All'],
  },
  {
    methods: ['POST'],
    paths: ['/users/{id}/revokesigninsessions'],
    application: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: [
      'User.RevokeSessions.All',
      'User.ReadWrite.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
];

// Groups -----------------------------------------------------------------------------------
const GROUP_READERS = [
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  ...DIRECTORY_READ,
];

const GROUP_CONVERSATIONS = [
  '/groups/{id}/conversations',
  '/groups/{id}/conversations/...',
  '/groups/{id}/threads',
  '/groups/{id}/threads/...',
];
const GROUP_CALENDAR = [
  '/groups/{id}/events',
  '/groups/{id}/events/...',
  '/groups/{id}/calendar',
  '/groups/{id}/calendar/...',
  '/groups/{id}/calendarview',
  '/groups/{id}/calendarview/...',
];

const GROUPS: PathSet[] = [
  {
    methods: READ,
    paths: [
      '/groups',
      '/groups/{id}',
      '/groups/delta',
      '/groups/{id}/members',
      '/groups/{id}/members/...',
      '/groups/{id}/transitivemembers',
      '/groups/{id}/transitivemembers/...',
      '/groups/{id}/owners',
      '/groups/{id}/owners/...',
      '/groups/{id}/memberof',
      '/groups/{id}/transitivememberof',
    ],
    application: GROUP_READERS,
    delegated: [...GROUP_READERS, 'Directory.AccessAsUser.All'],
  },
  {
    // Other group content.
    methods: READ,
    paths: ['/groups/{id}/...'],
    application: ['Group.Read.All', 'Group.ReadWrite.All'],
    delegated: ['Group.Read.All', 'Group.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: GROUP_CONVERSATIONS,
    application: [
      'Group-Conversation.Read.All',
      'Group-Conversation.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
    delegated: [
      'Group-Conversation.Read.All',
      'Group-Conversation.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
  },
  {
    methods: WRITE,
    paths: GROUP_CONVERSATIONS,
    application: ['Group-Conversation.ReadWrite.All', 'Group.ReadWrite.All'],
    delegated: ['Group-Conversation.ReadWrite.All', 'Group.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: GROUP_CALENDAR,
    application: [...CALENDAR_READERS_APP, 'Group.Read.All', 'Group.ReadWrite.All'],
    delegated: [...CALENDAR_READERS, 'Group.Read.All', 'Group.ReadWrite.All'],
  },
  {
    // Forwarding a group event only reads it.
    methods: WRITE,
    paths: GROUP_CALENDAR,
    application: [...CALENDAR_READERS_APP, 'Group.ReadWrite.All'],
    delegated: [...CALENDAR_READERS, 'Group.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: ['/groups/{id}/sites', '/groups/{id}/sites/...'],
    application: ['Sites.Read.All', 'Sites.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'],
    delegated: ['Sites.Read.All', 'Sites.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: [
      '/groups/{id}/checkmembergroups',
      '/groups/{id}/checkmemberobjects',
      '/groups/{id}/getmembergroups',
      '/groups/{id}/getmemberobjects',
    ],
    application: DIRECTORY_OBJECT_READERS,
    delegated: [...DIRECTORY_OBJECT_READERS, 'Directory.AccessAsUser.All'],
  },
  {
    methods: ['POST', 'DELETE'],
    paths: [
      '/groups/{id}/members/$ref',
      '/groups/{id}/members/{id}/$ref',
      '/groups/{id}/members/{id}',
      '/groups/{id}/owners/$ref',
      '/groups/{id}/owners/{id}/$ref',
    ],
    application: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: [
      'GroupMember.ReadWrite.All',
      'Group.ReadWrite.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: ['POST'],
    paths: ['/groups'],
    application: ['Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['Group.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'],
  },
  {
    methods: WRITE,
    paths: ['/groups/{id}', '/groups/{id}/...'],
    application: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['Group.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'],
  },
];

// Directory objects, organization, domains, devices, directory roles -----------------------
const DIRECTORY: PathSet[] = [
  {
    methods: READ,
    paths: [
      '/directoryobjects/{id}',
      '/directoryobjects/delta',
      '/directory/deleteditems',
      '/directory/deleteditems/...',
    ],
    application: DIRECTORY_READ,
    delegated: [...DIRECTORY_READ, 'Directory.AccessAsUser.All'],
  },
  {
    methods: ['POST'],
    paths: ['/directoryobjects/getbyids'],
    application: DIRECTORY_READ,
    delegated: [...DIRECTORY_READ, 'Directory.AccessAsUser.All'],
  },
  {
    methods: ['POST'],
    paths: [
      '/directoryobjects/{id}/checkmembergroups',
      '/directoryobjects/{id}/getmembergroups',
      '/directoryobjects/{id}/getmemberobjects',
      '/directoryobjects/{id}/checkmemberobjects',
      '/users/{id}/checkmembergroups',
      '/users/{id}/getmembergroups',
      '/users/{id}/getmemberobjects',
      '/users/{id}/checkmemberobjects',
      '/serviceprincipals/{id}/checkmembergroups',
      '/serviceprincipals/{id}/getmembergroups',
      '/serviceprincipals/{id}/getmemberobjects',
      '/serviceprincipals/{id}/checkmemberobjects',
    ],
    application: DIRECTORY_OBJECT_READERS,
    delegated: [...DIRECTORY_OBJECT_READERS, 'User.Read', 'Directory.AccessAsUser.All'],
  },
  {
    methods: READ,
    paths: ['/organization', '/organization/{id}', '/subscribedskus', '/subscribedskus/{id}'],
    application: [
      'Organization.Read.All',
      'Organization.ReadWrite.All',
      'User.Read.All',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'User.Read',
      'User.Read.All',
      'Organization.Read.All',
      'Organization.ReadWrite.All',
      ...DIRECTORY_READ,
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: READ,
    paths: ['/domains', '/domains/{id}', '/domains/{id}/...'],
    application: ['Domain.Read.All', 'Domain.ReadWrite.All', ...DIRECTORY_READ],
    delegated: ['Domain.Read.All', 'Domain.ReadWrite.All', ...DIRECTORY_READ],
  },
  {
    methods: READ,
    paths: ['/devices', '/devices/{id}', '/devices/delta', '/devices/{id}/...'],
    application: ['Device.Read.All', 'Device.ReadWrite.All', ...DIRECTORY_READ],
    delegated: ['Device.Read.All', 'Device.ReadWrite.All', ...DIRECTORY_READ],
  },
  {
    methods: READ,
    paths: [
      '/directoryroles',
      '/directoryroles/{id}',
      '/directoryroles/{id}/members',
      '/directoryroles/delta',
      '/directoryroletemplates',
      '/directoryroletemplates/{id}',
    ],
    application: [
      'RoleManagement.Read.Directory',
      'RoleManagement.ReadWrite.Directory',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'RoleManagement.Read.Directory',
      'RoleManagement.ReadWrite.Directory',
      ...DIRECTORY_READ,
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: ['POST', 'DELETE'],
    paths: ['/directoryroles/{id}/members/$ref', '/directoryroles/{id}/members/{id}/$ref'],
    application: ['RoleManagement.ReadWrite.Directory'],
    delegated: ['RoleManagement.ReadWrite.Directory', 'Directory.AccessAsUser.All'],
  },
];

// Applications, service principals and their grants ----------------------------------------
const APP_READERS = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Application.ReadWrite.OwnedBy',
  ...DIRECTORY_READ,
];
const APP_WRITERS = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy'];
const APP_OBJECTS = [
  '/applications',
  '/applications/{id}',
  '/applications/delta',
  '/applications(appid={value})',
  '/applications/{id}/...',
  '/serviceprincipals',
  '/serviceprincipals/{id}',
  '/serviceprincipals/delta',
  '/serviceprincipals(appid={value})',
  '/serviceprincipals/{id}/...',
];

// Token, claims-mapping and home-realm policies attached to apps also need Policy.Read.All.
const APP_POLICY_LINKS = [
  '/applications/{id}/tokenissuancepolicies',
  '/applications/{id}/tokenissuancepolicies/...',
  '/applications/{id}/tokenlifetimepolicies',
  '/applications/{id}/tokenlifetimepolicies/...',
  '/serviceprincipals/{id}/claimsmappingpolicies',
  '/serviceprincipals/{id}/claimsmappingpolicies/...',
  '/serviceprincipals/{id}/homerealmdiscoverypolicies',
  '/serviceprincipals/{id}/homerealmdiscoverypolicies/...',
  '/serviceprincipals/{id}/tokenlifetimepolicies',
  '/serviceprincipals/{id}/tokenlifetimepolicies/...',
];

const APPLICATIONS: PathSet[] = [
  {
    methods: READ,
    paths: APP_POLICY_LINKS,
    application: APP_READERS,
    delegated: APP_READERS,
    alsoRequires: ['Policy.Read.All'],
  },
  {
    methods: WRITE,
    paths: APP_POLICY_LINKS,
    application: APP_WRITERS,
    delegated: ['Application.ReadWrite.All'],
    alsoRequires: ['Policy.Read.All'],
  },
  {
    methods: READ,
    paths: APP_OBJECTS,
    application: APP_READERS,
    delegated: [...APP_READERS, 'Directory.AccessAsUser.All'],
  },
  {
    methods: READ,
    paths: [
      '/serviceprincipals/microsoft.graph.agentidentity',
      '/serviceprincipals/microsoft.graph.agentidentity/...',
    ],
    application: [
      'AgentIdentity.Read.All',
      'AgentIdentity.ReadWrite.All',
      'Application.Read.All',
      'Application.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'AgentIdentity.Read.All',
      'AgentIdentity.ReadWrite.All',
      'Application.Read.All',
      'Application.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
  },
  {
    // The catalog also lists Directory.* on service principal, owner and key writes.
    methods: WRITE,
    paths: APP_OBJECTS,
    application: [...APP_WRITERS, ...DIRECTORY_READ],
    delegated: ['Application.ReadWrite.All', ...DIRECTORY_READ, 'Directory.AccessAsUser.All'],
  },
  {
    // Credentials can also be added with Directory.ReadWrite.All.
    methods: ['POST'],
    paths: [
      '/applications/{id}/addpassword',
      '/applications/{id}/removepassword',
      '/serviceprincipals/{id}/addpassword',
      '/serviceprincipals/{id}/removepassword',
    ],
    application: [...APP_WRITERS, 'Directory.ReadWrite.All'],
    delegated: [
      'Application.ReadWrite.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: ['POST'],
    paths: ['/applications'],
    application: APP_WRITERS,
    delegated: ['Application.ReadWrite.All', 'Directory.AccessAsUser.All'],
  },
  {
    methods: ['POST', 'DELETE'],
    paths: [
      '/serviceprincipals/{id}/approleassignments',
      '/serviceprincipals/{id}/approleassignments/{id}',
      '/serviceprincipals/{id}/approleassignedto',
      '/serviceprincipals/{id}/approleassignedto/{id}',
      '/users/{id}/approleassignments',
      '/users/{id}/approleassignments/{id}',
      '/groups/{id}/approleassignments',
      '/groups/{id}/approleassignments/{id}',
    ],
    application: ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All'],
    delegated: [
      'AppRoleAssignment.ReadWrite.All',
      'Application.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
    // The catalog: assigning needs to read the principal and the resource as well.
    alsoRequires: ['Application.Read.All', 'Directory.Read.All'],
  },
  {
    methods: READ,
    paths: [
      '/oauth2permissiongrants',
      '/oauth2permissiongrants/{id}',
      '/oauth2permissiongrants/delta',
    ],
    application: [
      'DelegatedPermissionGrant.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'DelegatedPermissionGrant.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      ...DIRECTORY_READ,
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: ['POST', 'PATCH', 'DELETE'],
    paths: ['/oauth2permissiongrants', '/oauth2permissiongrants/{id}'],
    application: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: [
      'DelegatedPermissionGrant.ReadWrite.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
  },
];

// Role management (directory) --------------------------------------------------------------
const ROLE_MANAGEMENT: PathSet[] = [
  {
    methods: READ,
    paths: ['/rolemanagement/directory', '/rolemanagement/directory/...'],
    application: [
      'RoleManagement.Read.Directory',
      'RoleManagement.Read.All',
      'RoleManagement.ReadWrite.Directory',
      'RoleAssignmentSchedule.Read.Directory',
      'RoleAssignmentSchedule.ReadWrite.Directory',
      'RoleEligibilitySchedule.Read.Directory',
      'RoleEligibilitySchedule.ReadWrite.Directory',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'RoleManagement.Read.Directory',
      'RoleManagement.Read.All',
      'RoleManagement.ReadWrite.Directory',
      'RoleAssignmentSchedule.Read.Directory',
      'RoleAssignmentSchedule.ReadWrite.Directory',
      'RoleEligibilitySchedule.Read.Directory',
      'RoleEligibilitySchedule.ReadWrite.Directory',
      ...DIRECTORY_READ,
      'Directory.AccessAsUser.All',
    ],
  },
  {
    methods: WRITE,
    paths: ['/rolemanagement/directory/...'],
    application: ['RoleManagement.ReadWrite.Directory'],
    delegated: ['RoleManagement.ReadWrite.Directory', 'Directory.AccessAsUser.All'],
  },
  {
    // Custom role definitions: the catalog also lists Directory.ReadWrite.All.
    methods: WRITE,
    paths: [
      '/rolemanagement/directory/roledefinitions',
      '/rolemanagement/directory/roledefinitions/{id}',
    ],
    application: ['RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
    delegated: ['RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: [
      '/rolemanagement/directory/roleassignmentschedulerequests',
      '/rolemanagement/directory/roleassignmentschedulerequests/{id}/cancel',
    ],
    application: [
      'RoleAssignmentSchedule.ReadWrite.Directory',
      'RoleManagement.ReadWrite.Directory',
    ],
    delegated: ['RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'],
  },
  {
    methods: ['POST'],
    paths: [
      '/rolemanagement/directory/roleeligibilityschedulerequests',
      '/rolemanagement/directory/roleeligibilityschedulerequests/{id}/cancel',
    ],
    application: [
      'RoleEligibilitySchedule.ReadWrite.Directory',
      'RoleManagement.ReadWrite.Directory',
    ],
    delegated: [
      'RoleEligibilitySchedule.ReadWrite.Directory',
      'RoleManagement.ReadWrite.Directory',
    ],
  },
];

// Audit logs and reports --------------------------------------------------------------------
const AUDIT_AND_REPORTS: PathSet[] = [
  {
    methods: READ,
    paths: [
      '/auditlogs/signins',
      '/auditlogs/signins/{id}',
      '/auditlogs/directoryaudits',
      '/auditlogs/directoryaudits/{id}',
      '/auditlogs/...',
    ],
    application: ['AuditLog.Read.All', 'Directory.Read.All'],
    delegated: ['AuditLog.Read.All', 'Directory.Read.All'],
  },
  {
    methods: READ,
    paths: ['/auditlogs/provisioning', '/auditlogs/provisioning/{id}'],
    application: ['AuditLog.Read.All', 'Directory.Read.All', 'ProvisioningLog.Read.All'],
    delegated: ['AuditLog.Read.All', 'Directory.Read.All', 'ProvisioningLog.Read.All'],
  },
  {
    // Usage reports (getOffice365ActiveUserDetail(period='D7') and the like); audit-based
    // reports (Conditional Access, provisioning reconciliation) need AuditLog.Read.All.
    methods: READ,
    paths: ['/reports/...'],
    application: ['Reports.Read.All', 'AuditLog.Read.All'],
    delegated: ['Reports.Read.All', 'AuditLog.Read.All'],
  },
  {
    // Sign-in activity reports (beta) and authentication-method reports read audit data.
    methods: READ,
    paths: [
      '/reports/serviceprincipalsigninactivities',
      '/reports/serviceprincipalsigninactivities/{id}',
      '/reports/appcredentialsigninactivities',
      '/reports/appcredentialsigninactivities/{id}',
      '/reports/authenticationmethods',
      '/reports/authenticationmethods/...',
    ],
    application: ['AuditLog.Read.All', 'Directory.Read.All'],
    delegated: ['AuditLog.Read.All', 'Directory.Read.All'],
  },
];

// Teams: chats, channel messages, teams -----------------------------------------------------
const CHAT_BASIC_APP = ['Chat.ReadBasic.All', 'Chat.Read.All', 'Chat.ReadWrite.All'];
const CHAT_BASIC_DEL = ['Chat.ReadBasic', 'Chat.Read', 'Chat.ReadWrite'];
const TEAM_READERS = [
  'Team.ReadBasic.All',
  'TeamSettings.Read.All',
  'TeamSettings.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  ...DIRECTORY_READ,
];

const TEAMS: PathSet[] = [
  {
    methods: READ,
    paths: ['/chats', '/chats/{id}', '/users/{id}/chats', '/users/{id}/chats/{id}'],
    application: CHAT_BASIC_APP,
    delegated: CHAT_BASIC_DEL,
  },
  {
    methods: READ,
    paths: ['/chats/{id}/members', '/chats/{id}/members/{id}'],
    application: [...CHAT_BASIC_APP, 'ChatMember.Read.All', 'ChatMember.ReadWrite.All'],
    delegated: [...CHAT_BASIC_DEL, 'ChatMember.Read', 'ChatMember.ReadWrite'],
  },
  {
    methods: READ,
    paths: [
      '/chats/{id}/messages',
      '/chats/{id}/messages/...',
      '/users/{id}/chats/{id}/messages',
      '/users/{id}/chats/{id}/messages/...',
      '/users/{id}/chats/getallmessages',
      '/chats/getallmessages',
    ], // The catalog also lists Group.* for chat messages.
    application: [
      'Chat.Read.All',
      'Chat.ReadWrite.All',
      'ChatMessage.Read.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
    delegated: [
      'Chat.Read',
      'Chat.ReadWrite',
      'ChatMessage.Read',
      'Group.Read.All',
      'Group.ReadWrite.All',
    ],
  },
  {
    methods: ['POST'],
    paths: ['/chats'],
    application: ['Chat.Create', 'Chat.ReadWrite.All', 'Teamwork.Migrate.All'],
    delegated: ['Chat.Create', 'Chat.ReadWrite'],
  },
  {
    // App-only posting to chats and channels exists only for migration.
    methods: ['POST'],
    paths: ['/chats/{id}/messages', '/users/{id}/chats/{id}/messages'],
    application: ['Teamwork.Migrate.All'],
    delegated: ['ChatMessage.Send', 'Chat.ReadWrite', 'Group.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: [
      '/teams/{id}/channels/{id}/messages',
      '/teams/{id}/channels/{id}/messages/...',
      '/teams/{id}/channels/getallmessages',
      '/teams/{id}/channels/{id}/messages/delta',
    ],
    application: ['ChannelMessage.Read.All', 'Group.Read.All', 'Group.ReadWrite.All'],
    delegated: ['ChannelMessage.Read.All', 'Group.Read.All', 'Group.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: [
      '/teams/{id}/channels/{id}/messages',
      '/teams/{id}/channels/{id}/messages/{id}/replies',
    ],
    application: ['Teamwork.Migrate.All'],
    delegated: ['ChannelMessage.Send', 'Group.ReadWrite.All'],
  },
  {
    methods: ['PATCH'],
    paths: [
      '/teams/{id}/channels/{id}/messages/{id}',
      '/teams/{id}/channels/{id}/messages/{id}/replies/{id}',
    ],
    application: ['ChannelMessage.UpdatePolicyViolation.All', 'Teamwork.Migrate.All'],
    delegated: ['ChannelMessage.ReadWrite'],
  },
  {
    methods: READ,
    paths: [
      '/teams',
      '/teams/{id}',
      '/groups/{id}/team',
      '/users/{id}/joinedteams',
      '/me/joinedteams',
    ],
    application: [...TEAM_READERS, 'User.Read.All', 'User.ReadWrite.All'],
    delegated: [...TEAM_READERS, 'User.Read.All', 'User.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: [
      '/teams/{id}/channels',
      '/teams/{id}/channels/{id}',
      '/teams/{id}/allchannels',
      '/teams/{id}/primarychannel',
    ],
    application: [
      'Channel.ReadBasic.All',
      'ChannelSettings.Read.All',
      'ChannelSettings.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'Channel.ReadBasic.All',
      'ChannelSettings.Read.All',
      'ChannelSettings.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
  },
  {
    methods: READ,
    paths: ['/teams/{id}/members', '/teams/{id}/members/{id}'],
    application: [
      'TeamMember.Read.All',
      'TeamMember.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
    delegated: [
      'TeamMember.Read.All',
      'TeamMember.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      ...DIRECTORY_READ,
    ],
  },
  {
    methods: ['POST'],
    paths: ['/teams'],
    application: [
      'Team.Create',
      'Teamwork.Migrate.All',
      'Group.ReadWrite.All',
      'Directory.ReadWrite.All',
    ],
    delegated: ['Team.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    methods: ['PATCH'],
    paths: ['/teams/{id}'],
    application: ['TeamSettings.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['TeamSettings.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
];

// Policies (Conditional Access, authorization, cross-tenant and the rest) --------------------
const POLICY_WRITERS = [
  'Policy.ReadWrite.ApplicationConfiguration',
  'Policy.ReadWrite.AuthenticationFlows',
  'Policy.ReadWrite.AuthenticationMethod',
  'Policy.ReadWrite.Authorization',
  'Policy.ReadWrite.ConditionalAccess',
  'Policy.ReadWrite.ConsentRequest',
  'Policy.ReadWrite.CrossTenantAccess',
  'Policy.ReadWrite.ExternalIdentities',
  'Policy.ReadWrite.FeatureRollout',
  'Policy.ReadWrite.IdentityProtection',
  'Policy.ReadWrite.PermissionGrant',
  'Policy.ReadWrite.SecurityDefaults',
  'Policy.ReadWrite.TrustFramework',
];

const ROLE_POLICY_READERS = [
  'RoleManagementPolicy.Read.Directory',
  'RoleManagementPolicy.ReadWrite.Directory',
  'RoleManagement.Read.Directory',
  'RoleManagement.Read.All',
  'RoleManagement.ReadWrite.Directory',
  'Policy.Read.All',
];

const POLICIES: PathSet[] = [
  {
    methods: READ,
    paths: [
      '/identity/conditionalaccess/...',
      '/policies/conditionalaccesspolicies',
      '/policies/conditionalaccesspolicies/{id}',
    ],
    application: [
      'Policy.Read.All',
      'Policy.Read.ConditionalAccess',
      'Policy.ReadWrite.ConditionalAccess',
    ],
    delegated: [
      'Policy.Read.All',
      'Policy.Read.ConditionalAccess',
      'Policy.ReadWrite.ConditionalAccess',
    ],
  },
  {
    methods: WRITE,
    paths: [
      '/identity/conditionalaccess/...',
      '/policies/conditionalaccesspolicies',
      '/policies/conditionalaccesspolicies/{id}',
    ],
    application: ['Policy.ReadWrite.ConditionalAccess'],
    delegated: ['Policy.ReadWrite.ConditionalAccess'],
    alsoRequires: ['Policy.Read.All', 'Application.Read.All'],
  },
  {
    // Policies that apply to apps and consent read the directory as well.
    methods: READ,
    paths: ['/policies', '/policies/...'],
    application: ['Policy.Read.All', ...POLICY_WRITERS, 'Application.Read.All', ...DIRECTORY_READ],
    delegated: ['Policy.Read.All', ...POLICY_WRITERS, 'Application.Read.All', ...DIRECTORY_READ],
  },
  {
    methods: READ,
    paths: [
      '/policies/rolemanagementpolicies',
      '/policies/rolemanagementpolicies/...',
      '/policies/rolemanagementpolicyassignments',
      '/policies/rolemanagementpolicyassignments/...',
    ],
    application: ROLE_POLICY_READERS,
    delegated: ROLE_POLICY_READERS,
  },
  {
    methods: WRITE,
    paths: ['/policies/...'],
    application: POLICY_WRITERS,
    delegated: POLICY_WRITERS,
  },
  {
    methods: ['PATCH'],
    paths: ['/policies/authorizationpolicy', '/policies/authorizationpolicy/{id}'],
    application: ['Policy.ReadWrite.Authorization'],
    delegated: ['Policy.ReadWrite.Authorization'],
  },
];

// Identity protection -------------------------------------------------------------------------
const IDENTITY_PROTECTION: PathSet[] = [
  {
    methods: READ,
    paths: ['/identityprotection/riskyusers', '/identityprotection/riskyusers/...'],
    application: ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
    delegated: ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: [
      '/identityprotection/riskyusers/dismiss',
      '/identityprotection/riskyusers/confirmcompromised',
      '/identityprotection/riskyusers/confirmsafe',
    ],
    application: ['IdentityRiskyUser.ReadWrite.All'],
    delegated: ['IdentityRiskyUser.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: [
      '/identityprotection/riskdetections',
      '/identityprotection/riskdetections/{id}',
      '/identityprotection/serviceprincipalriskdetections',
      '/identityprotection/serviceprincipalriskdetections/{id}',
    ],
    application: ['IdentityRiskEvent.Read.All', 'IdentityRiskEvent.ReadWrite.All'],
    delegated: ['IdentityRiskEvent.Read.All', 'IdentityRiskEvent.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: [
      '/identityprotection/riskyserviceprincipals',
      '/identityprotection/riskyserviceprincipals/...',
    ],
    application: [
      'IdentityRiskyServicePrincipal.Read.All',
      'IdentityRiskyServicePrincipal.ReadWrite.All',
    ],
    delegated: [
      'IdentityRiskyServicePrincipal.Read.All',
      'IdentityRiskyServicePrincipal.ReadWrite.All',
    ],
  },
  {
    methods: ['POST'],
    paths: [
      '/identityprotection/riskyserviceprincipals/dismiss',
      '/identityprotection/riskyserviceprincipals/confirmcompromised',
    ],
    application: ['IdentityRiskyServicePrincipal.ReadWrite.All'],
    delegated: ['IdentityRiskyServicePrincipal.ReadWrite.All'],
  },
];

// Additions from the cross-check against Microsoft's catalog -----------------------------------
// Paths under the subtrees above where the catalog lists permissions the family sets do not:
// without them an identity exercising one of these permissions there would be called unused.
const CA_READERS = [
  'Policy.Read.All',
  'Policy.Read.ConditionalAccess',
  'Policy.ReadWrite.ConditionalAccess',
];

const CATALOG_ADDITIONS: PathSet[] = [
  ...perUser({
    methods: ['POST'],
    paths: ['/messages/{id}/unsubscribe'],
    application: ['Mail.Send'],
    delegated: ['Mail.Send'],
  }),
  ...perUser({
    methods: READ,
    paths: ['/mailfolders/{id}/messagerules', '/mailfolders/{id}/messagerules/{id}'],
    application: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    delegated: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  }),
  ...perUser({
    methods: WRITE,
    paths: ['/mailfolders/{id}/messagerules', '/mailfolders/{id}/messagerules/{id}'],
    application: ['MailboxSettings.ReadWrite'],
    delegated: ['MailboxSettings.ReadWrite'],
  }),
  {
    // More POSTs (and an unfollow DELETE) that only read drive content.
    methods: ['POST', 'DELETE'],
    paths: DRIVE_ROOTS.flatMap((r) => [
      `${r}/cortexdrivebatch`,
      `${r}/querycortexitemsnippetsinbatch`,
      `${r}/items/{id}/checkaccess`,
      `${r}/root:/{id}/extractsensitivitylabels`,
      `${r}/following/{id}`,
      `${r}/driveitem/preview`,
    ]),
    application: FILE_READERS_APP,
    delegated: FILE_READERS_DEL,
  },
  {
    methods: READ,
    paths: ['/sites/{id}/...'],
    application: [],
    delegated: ['Files.Read', 'Files.ReadWrite'],
  },
  {
    methods: WRITE,
    paths: ['/sites/{id}/...'],
    application: [],
    delegated: ['Files.ReadWrite'],
  },
  {
    methods: ['PATCH'],
    paths: ['/users/{id}'],
    application: [],
    delegated: ['User.ReadWrite'],
  },
  {
    methods: READ,
    paths: ['/applications'],
    application: [],
    delegated: ['User.Read'],
  },
  {
    methods: ['GET', 'POST', 'DELETE'],
    paths: [
      '/applications/{id}/appmanagementpolicies',
      '/applications/{id}/appmanagementpolicies/...',
      ...APP_POLICY_LINKS,
      '/serviceprincipals/{id}/claimspolicy',
    ],
    application: ['Policy.ReadWrite.ApplicationConfiguration', 'Application.Read.All'],
    delegated: ['Policy.ReadWrite.ApplicationConfiguration', 'Application.Read.All'],
  },
  {
    methods: ['PATCH', 'PUT'],
    paths: ['/serviceprincipals/{id}/claimspolicy'],
    application: ['Policy.ReadWrite.ApplicationConfiguration'],
    delegated: ['Policy.ReadWrite.ApplicationConfiguration'],
  },
  {
    methods: ['POST', 'DELETE'],
    paths: [
      '/serviceprincipals/{id}/delegatedpermissionclassifications',
      '/serviceprincipals/{id}/delegatedpermissionclassifications/{id}',
    ],
    application: ['Policy.ReadWrite.PermissionGrant'],
    delegated: ['Policy.ReadWrite.PermissionGrant'],
  },
  {
    methods: READ,
    paths: [
      '/serviceprincipals/{id}/oauth2permissiongrants',
      '/serviceprincipals/{id}/inheritedoauth2permissiongrants',
    ],
    application: ['DelegatedPermissionGrant.ReadWrite.All', ...APP_READERS],
    delegated: ['DelegatedPermissionGrant.ReadWrite.All', ...APP_READERS],
  },
  {
    methods: READ,
    paths: [
      '/serviceprincipals/{id}/approleassignments',
      '/serviceprincipals/{id}/approleassignedto',
      '/users/{id}/approleassignments',
      '/groups/{id}/approleassignments',
    ],
    application: [...APP_READERS, 'AppRoleAssignment.ReadWrite.All'],
    delegated: [...APP_READERS, 'AppRoleAssignment.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: ['/serviceprincipals/{id}/inheritedapproleassignments'],
    application: ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All'],
    delegated: ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All'],
    alsoRequires: ['Application.Read.All'],
  },
  {
    methods: WRITE,
    paths: [
      '/serviceprincipals/microsoft.graph.agentidentity',
      '/serviceprincipals/microsoft.graph.agentidentity/...',
    ],
    application: ['AgentIdentity.ReadWrite.All', ...APP_WRITERS],
    delegated: ['AgentIdentity.ReadWrite.All', 'Application.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: ['/groups/{id}/cloudlicensing/...'],
    application: ['User.Read.All', 'User.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'],
    delegated: ['User.Read.All', 'User.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'],
  },
  {
    methods: WRITE,
    paths: ['/groups/{id}/cloudlicensing/...'],
    application: ['User.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: ['/groups/{id}/permissiongrants', '/groups/{id}/permissiongrants/{id}'],
    application: ['GroupMember.Read.All', 'GroupMember.ReadWrite.All'],
    delegated: ['GroupMember.Read.All', 'GroupMember.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: ['/groups/{id}/validateproperties', '/groups/validateproperties'],
    application: ['Group.Read.All', 'Group.ReadWrite.All'],
    delegated: ['Group.Read.All', 'Group.ReadWrite.All'],
  },
  {
    methods: ['PATCH', 'DELETE'],
    paths: ['/groups/{id}/settings/{id}'],
    application: [
      'Policy.ReadWrite.Authorization',
      'Group.ReadWrite.All',
      'Directory.ReadWrite.All',
    ],
    delegated: ['Policy.ReadWrite.Authorization', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    methods: ['POST'],
    paths: ['/groups/{id}/checkmemberobjects', '/groups/{id}/getmemberobjects'],
    application: [],
    delegated: ['User.Read'],
  },
  {
    methods: READ,
    paths: ['/identity/conditionalaccess/authenticationstrength/...'],
    application: ['Policy.ReadWrite.AuthenticationMethod', ...CA_READERS],
    delegated: ['Policy.ReadWrite.AuthenticationMethod', ...CA_READERS],
  },
  {
    methods: WRITE,
    paths: ['/identity/conditionalaccess/authenticationstrength/...'],
    application: ['Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess'],
    delegated: ['Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess'],
  },
  {
    // Evaluating Conditional Access only reads the policies.
    methods: ['POST'],
    paths: ['/identity/conditionalaccess/evaluate'],
    application: CA_READERS,
    delegated: CA_READERS,
  },
  {
    methods: WRITE,
    paths: ['/policies/...'],
    application: ['Directory.ReadWrite.All'],
    delegated: ['Directory.ReadWrite.All'],
  },
  {
    methods: WRITE,
    paths: ['/policies/rolemanagementpolicies/...'],
    application: ['RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'],
    delegated: ['RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'],
  },
  {
    methods: READ,
    paths: ['/reports/correlations', '/reports/correlations/...'],
    application: ['ProvisioningLog.Read.All', 'AuditLog.Read.All', 'Reports.Read.All'],
    delegated: ['ProvisioningLog.Read.All', 'AuditLog.Read.All', 'Reports.Read.All'],
  },
  {
    methods: ['PATCH'],
    paths: [
      '/teams/{id}/channels/{id}/messages/{id}',
      '/teams/{id}/channels/{id}/messages/{id}/replies/{id}',
    ],
    application: ['Group.ReadWrite.All'],
    delegated: ['Group.ReadWrite.All'],
  },
  {
    methods: READ,
    paths: ['/teams/{id}/channels/getallretainedmessages'],
    application: ['ChannelMessage.Read.All'],
    delegated: ['ChannelMessage.Read.All'],
  },
];

/** Every set of the built-in map, in the order above. */
const SETS: readonly PathSet[] = [
  ...MAIL,
  ...CALENDARS,
  ...FILES,
  ...SITES,
  ...USERS,
  ...GROUPS,
  ...DIRECTORY,
  ...APPLICATIONS,
  ...ROLE_MANAGEMENT,
  ...AUDIT_AND_REPORTS,
  ...TEAMS,
  ...POLICIES,
  ...IDENTITY_PROTECTION,
  ...CATALOG_ADDITIONS,
];

/**
 * App roles without a delegated twin: shared reader lists name them, but they never appear in
 * a delegated list (checked against Graph's scopes in test/datasets/entra-catalog.test.ts).
 */
const APPLICATION_ONLY = new Set(['Application.ReadWrite.OwnedBy', 'Device.ReadWrite.All']);

/** Expands path sets into map entries, merging duplicates. */
function expand(sets: readonly PathSet[]): GraphPermissionMap {
  const raw: GraphPermissionMap = {
    schemaVersion: 1,
    source: 'leash-builtin',
    entries: sets.flatMap((s) =>
      s.methods.flatMap((method) =>
        s.paths.map((path) => ({
          method,
          path,
          application: [...s.application],
          delegated: s.delegated.filter((p) => !APPLICATION_ONLY.has(p)),
          ...(s.alsoRequires?.length ? { alsoRequires: [...s.alsoRequires] } : {}),
        })),
      ),
    ),
  };
  return mergePermissionMaps(raw);
}

/** Leash's built-in request → permission map. */
export const BUILTIN_GRAPH_PERMISSIONS: GraphPermissionMap = expand(SETS);
