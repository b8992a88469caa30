/**
 * Tenants for the loopback Graph server (graph-server.ts):
 * - `samplesTenant()`: built from Microsoft's own Graph response samples in
 *   ../shared/datasets/msgraph-docs-response-samples (service principals, an application, app role
 *   assignments, delegated grants, role assignments, both sign-in activity reports), linked by
 *   the ids the samples already use, plus Microsoft Graph's real appRoles
 *   (../shared/datasets/msgraph-first-party-apps-and-permissions/GraphAppRoles.json) so that
 *   appRoleIds resolve to names such as Mail.Read. The samples lack agent identities, managed
 *   identities and account states; those few objects are added by hand and say so.
 * - `generatedTenant({ servicePrincipals })`: a deterministic (seeded) tenant of any size for
 *   volume tests and the benchmark.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphObject, GraphTenantData, TenantClient } from '#test/helpers/graph-server.ts';

/** The repository root (test/helpers → ../..). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The shared public datasets, next to the repository. */
export const DATASETS = resolve(REPO_ROOT, '../shared/datasets');

/** Microsoft Graph's appId in every tenant. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The tenant id of the test tenants (anonymised, STYLE.md §7). */
export const TEST_TENANT_ID = '00000000-0000-0000-0000-0000000000aa';
/** Microsoft's own tenant: owner organization of first-party apps. */
const MICROSOFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/** The scanner app registration the tests sign in as. Not a real secret. */
export const SCANNER_CLIENT_ID = '11111111-2222-3333-4444-000000000001';
export const SCANNER_SECRET = 'loopback-test-secret-not-real';

/** Reads a JSON file of the datasets, tolerating a UTF-8 BOM. */
export function readDataset<T = unknown>(relativePath: string): T {
  const text = readFileSync(resolve(DATASETS, relativePath), 'utf8');
  return JSON.parse(text.replace(/^\uFEFF/, '')) as T;
}

const sample = <T = Record<string, unknown>>(name: string): T =>
  readDataset<T>(`msgraph-docs-response-samples/${name}.json`);
const sampleValues = (name: string) => sample<{ value: Record<string, unknown>[] }>(name).value;

interface MerillRole {
  Id: string;
  Value: string;
  DisplayName: string;
  Description: string;
  AllowedMemberTypes: string[];
  IsEnabled: boolean;
  Origin: string;
}

let graphRolesCache: Record<string, unknown>[] | undefined;
/** Microsoft Graph's 716 application permissions as Graph `appRole` objects. */
export function graphAppRoles(): Record<string, unknown>[] {
  graphRolesCache ??= readDataset<MerillRole[]>(
    'msgraph-first-party-apps-and-permissions/GraphAppRoles.json',
  ).map((r) => ({
    allowedMemberTypes: r.AllowedMemberTypes,
    description: r.Description,
    displayName: r.DisplayName,
    id: r.Id,
    isEnabled: r.IsEnabled,
    origin: r.Origin,
    value: r.Value,
  }));
  return graphRolesCache;
}

/** The id of a Graph application permission by name (`Mail.Read`). */
export function graphRoleId(value: string): string {
  const role = graphAppRoles().find((r) => r.value === value);
  if (!role) throw new Error(`no Graph app role ${value}`);
  return role.id as string;
}

/** Microsoft Graph's delegated scope names. */
function graphDelegatedScopes(): string[] {
  return readDataset<{ Value: string }[]>(
    'msgraph-first-party-apps-and-permissions/GraphDelegateRoles.json',
  ).map((s) => s.Value);
}

/** Built-in role definitions as Graph returns them (`id` == `templateId` for built-ins). */
function builtInRole(id: string, displayName: string, description: string): GraphObject {
  return {
    id,
    description,
    displayName,
    isBuiltIn: true,
    isEnabled: true,
    templateId: id,
    version: '1',
    rolePermissions: [],
  };
}

const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  groupsAdministrator: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
};

function roleDefinitions(): GraphObject[] {
  // Two samples are real (a custom role and Groups Administrator); the rest follow their shape.
  const strip = (o: Record<string, unknown>) => {
    const { '@odata.context': _c, 'inheritsPermissionsFrom@odata.context': _i, ...rest } = o;
    return rest as GraphObject;
  };
  return [
    strip(sample('beta__unifiedroledefinition-get__ex1')),
    strip(sample('beta__unifiedroledefinition-get__ex2')),
    builtInRole(
      ROLE.globalAdministrator,
      'Global Administrator',
      'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
    ),
    builtInRole(
      ROLE.globalReader,
      'Global Reader',
      'Can read everything that a Global Administrator can, but not update anything.',
    ),
    builtInRole(
      ROLE.applicationAdministrator,
      'Application Administrator',
      'Can create and manage all aspects of app registrations and enterprise apps.',
    ),
    builtInRole(
      ROLE.privilegedRoleAdministrator,
      'Privileged Role Administrator',
      'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
    ),
    builtInRole(
      ROLE.cloudApplicationAdministrator,
      'Cloud Application Administrator',
      'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.',
    ),
    builtInRole(
      ROLE.directoryReaders,
      'Directory Readers',
      'Can read basic directory information.',
    ),
  ];
}

function graphServicePrincipal(id: string): GraphObject {
  return {
    id,
    accountEnabled: true,
    appDisplayName: 'Microsoft Graph',
    appId: GRAPH_APP_ID,
    appOwnerOrganizationId: MICROSOFT_TENANT,
    displayName: 'Microsoft Graph',
    servicePrincipalType: 'Application',
    tags: [],
    appRoles: graphAppRoles(),
    keyCredentials: [],
    passwordCredentials: [],
  };
}

/** Ids of the samples tenant, for assertions. */
export const SAMPLE_IDS = {
  graph: 'fea94d6d-b5bf-44d2-a887-4f72a8d74f44',
  /** dxprovisioning-graphapi-client: holds Mail.ReadWrite (sample) and Mail.Read. */
  mailClient: '8e881353-1735-45af-af21-ee1344582a4d',
  mailReadWriteAssignment: 'UxOIjjUXr0WvIe4TRFgqTY4z9Wu5KxpBtlEpoTGjw-A',
  /** beta servicePrincipal-get sample ("foo"). */
  foo: '59e617e5-e447-4adc-8b88-00af644d7c92',
  /** v1.0 application-get sample and its service principal. */
  application: '03ef14b0-ca33-4840-8f4f-d6e91916010e',
  applicationAppId: '631a96bc-a705-4eda-9f99-fdaf9f54f6a2',
  applicationSp: 'a1a1a1a1-0000-4000-8000-000000000001',
  applicationSecretKeyId: 'b2b2b2b2-0000-4000-8000-000000000001',
  applicationCertKeyId: 'b2b2b2b2-0000-4000-8000-000000000002',
  applicationCertKeyId2: 'b2b2b2b2-0000-4000-8000-000000000003',
  /** appCredentialSignInActivities sample: application-origin certificate. */
  credApp: '6920caa5-1cae-4bc8-bf59-9c0b8495d240',
  credAppId: 'f4d9654f-0305-4072-878c-8bf266dfe146',
  credSp: 'cf533854-9fb7-4c01-9c0e-f68922ada8b6',
  credKeyId: '83f45296-fb8f-4aaa-a399-ac51084e02b7',
  /** appCredentialSignInActivities sample: service-principal-origin certificate. */
  spCredAppId: '09e9da93-c1e8-4000-8b96-1ea6a12acf72',
  spCredSp: 'afb9dcdc-34ef-4d8e-91b5-4f094758100c',
  spCredKeyId: '8a37cfec-b0a1-4cb1-ac08-c52b03834f4a',
  /** servicePrincipalSignInActivities sample's first appId. */
  signInAppId: '83f45296-fb8f-4aaa-a399-ac51084e02b7',
  signInSp: 'a1a1a1a1-0000-4000-8000-000000000002',
  /** oauth2PermissionGrant-list sample client and its resources. */
  grantClient: '263a5b01-03e5-408e-8557-bab681df104c',
  grantResource1: '1804a6f8-e623-4520-8f40-ba1b0c11c42d',
  grantResource2: '943603e4-e787-4fe9-93d1-e30f749aae39',
  grantAllPrincipals: 'AVs6JuUDjkCFV7q2gd8QTPimBBgj5iBFj0C6GwwRxC0',
  /** user oauth2PermissionGrants sample (consentType Principal, scope with a leading space). */
  userGrantClient: '85477313-ea43-4c7d-b8a4-54fed35d0b60',
  userGrantResource: '27fb395a-fb00-45fe-865e-e71db689eea0',
  userGrantUser: '7d54cb02-aaa3-4016-9f9c-a4b49422dd9b',
  userGrant: 'E3NHhUPqfUy4pFT-010LYFo5-ycA-_5Fhl7nHbaJ7qACy1R9o6oWQJ-cpLSUIt2b',
  /** rbacApplication roleAssignments sample principal: Global Administrator + Global Reader. */
  roleHolder: 'f1847572-48aa-47aa-96a3-2ec61904f41f',
  /** Added by hand (no sample exists). */
  agent: 'c0c0c0c0-0000-4000-8000-000000000001',
  agentBlueprintAppId: 'c0c0c0c0-0000-4000-8000-0000000000b1',
  managedIdentity: 'c0c0c0c0-0000-4000-8000-000000000002',
  adele: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
  alex: 'd0d0d0d0-0000-4000-8000-000000000001',
  disabledSponsor: 'd0d0d0d0-0000-4000-8000-000000000002',
  deletedOwner: 'd0d0d0d0-0000-4000-8000-0000000000de',
  /** Added by hand: the agent identity's agent user, and one whose agent identity is gone. */
  agentUser: 'c0c0c0c0-0000-4000-8000-0000000000a1',
  orphanedAgentUser: 'c0c0c0c0-0000-4000-8000-0000000000a2',
  deletedAgent: 'c0c0c0c0-0000-4000-8000-0000000000d1',
} as const;

/** The scanner client, able to sign in with the test secret (and a certificate when given). */
export function scannerClient(extra: Partial<TenantClient> = {}): TenantClient {
  return { clientId: SCANNER_CLIENT_ID, secret: SCANNER_SECRET, ...extra };
}

/** A service principal with Graph's empty defaults. */
const sp = (o: Record<string, unknown>): GraphObject => ({
  accountEnabled: true,
  servicePrincipalType: 'Application',
  tags: [],
  keyCredentials: [],
  passwordCredentials: [],
  appRoles: [],
  ...o,
  id: String(o.id),
});

/** A tenant made of Microsoft's Graph response samples (see the file comment). */
export function samplesTenant(clients: TenantClient[] = [scannerClient()]): GraphTenantData {
  const id = SAMPLE_IDS;
  const [assignment] = sampleValues(
    'v1.0__serviceprincipal-list-approleassignments__ex1',
  ) as GraphObject[];
  const grants = sampleValues('v1.0__oauth2permissiongrant-list__ex1').map(
    ({ '@odata.id': _id, ...g }) => g as GraphObject,
  );
  const userGrants = sampleValues('v1.0__user-list-oauth2permissiongrants__ex1') as GraphObject[];
  const roleAssignments = sampleValues(
    'beta__rbacapplication-list-roleassignments__ex1',
  ) as GraphObject[];
  const { '@odata.context': _ctx, ...application } = sample('v1.0__application-get__ex1');
  const [listedSp] = sampleValues('v1.0__serviceprincipal-list__ex1');
  const [, alex] = sampleValues('beta__user-list__ex3');

  // The application sample, with credentials added (its sample arrays are empty).
  const app: GraphObject = {
    ...(application as GraphObject),
    passwordCredentials: [
      {
        customKeyIdentifier: null,
        displayName: 'ci deploy secret',
        endDateTime: '2027-09-17T19:10:35Z',
        hint: 'Q~r',
        keyId: id.applicationSecretKeyId,
        secretText: null,
        startDateTime: '2025-09-17T19:10:35Z',
      },
    ],
    keyCredentials: [
      certificate(id.applicationCertKeyId, 'build signing cert', 'c2FtcGxlLXB1YmxpYy1jZXJ0LTE='),
      certificate(id.applicationCertKeyId2, 'old cert', 'c2FtcGxlLXB1YmxpYy1jZXJ0LTI='),
    ],
    federatedIdentityCredentials: [
      {
        id: 'e1e1e1e1-0000-4000-8000-000000000001',
        name: 'github-main',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:contoso/app:ref:refs/heads/main',
        audiences: ['api://AzureADTokenExchange'],
        description: null,
      },
    ],
  };
  const credApp: GraphObject = {
    id: id.credApp,
    appId: id.credAppId,
    displayName: 'Contoso reporting',
    keyCredentials: [certificate(id.credKeyId, 'reporting cert', 'c2FtcGxlLXB1YmxpYy1jZXJ0LTM=')],
    passwordCredentials: [],
  };

  const mailRead: GraphObject = {
    ...assignment!,
    id: 'UxOIjjUXr0WvIe4TRFgqTZMailReadAssignment01',
    appRoleId: graphRoleId('Mail.Read'),
  };

  const servicePrincipals: GraphObject[] = [
    graphServicePrincipal(id.graph),
    sp({
      id: id.mailClient,
      appId: 'e2e2e2e2-0000-4000-8000-000000000001',
      displayName: String(assignment!.principalDisplayName),
    }),
    sp(sample('beta__serviceprincipal-get__ex1') as GraphObject),
    // The list sample has no ids; it stands for the application sample's principal.
    sp({
      ...listedSp,
      id: id.applicationSp,
      appId: id.applicationAppId,
      displayName: String(application.displayName),
    }),
    sp({ id: id.credSp, appId: id.credAppId, displayName: 'Contoso reporting' }),
    sp({
      id: id.spCredSp,
      appId: id.spCredAppId,
      displayName: 'Contoso SAML app',
      keyCredentials: [
        {
          ...certificate(id.spCredKeyId, 'SAML signing', 'c2FtcGxlLXB1YmxpYy1jZXJ0LTQ='),
          usage: 'Verify',
        },
      ],
    }),
    sp({ id: id.signInSp, appId: id.signInAppId, displayName: 'Contoso sync' }),
    sp({
      id: id.grantClient,
      appId: 'e2e2e2e2-0000-4000-8000-000000000002',
      displayName: 'Contoso mail client',
    }),
    sp({
      id: id.grantResource1,
      appId: 'e2e2e2e2-0000-4000-8000-000000000003',
      displayName: 'Contoso Directory API',
    }),
    sp({
      id: id.grantResource2,
      appId: 'e2e2e2e2-0000-4000-8000-000000000004',
      displayName: 'Contoso Workspace API',
    }),
    sp({
      id: id.userGrantClient,
      appId: 'e2e2e2e2-0000-4000-8000-000000000005',
      displayName: 'Contoso contacts app',
    }),
    sp({
      id: id.userGrantResource,
      appId: 'e2e2e2e2-0000-4000-8000-000000000006',
      displayName: 'Contoso People API',
    }),
    sp({
      id: id.roleHolder,
      appId: 'e2e2e2e2-0000-4000-8000-000000000007',
      displayName: 'tenant automation',
    }),
    // By hand: an agent identity (object id == app id) and a managed identity.
    sp({
      '@odata.type': '#microsoft.graph.agentIdentity',
      id: id.agent,
      appId: id.agent,
      displayName: 'Expense triage agent',
      servicePrincipalType: 'ServiceIdentity',
      agentIdentityBlueprintId: id.agentBlueprintAppId,
      createdDateTime: '2026-05-02T09:00:00Z',
      tags: ['AgenticInstance'],
    }),
    sp({
      id: id.managedIdentity,
      appId: 'e2e2e2e2-0000-4000-8000-000000000008',
      displayName: 'func-invoice-prod',
      servicePrincipalType: 'ManagedIdentity',
      alternativeNames: [
        'isExplicit=False',
        '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Web/sites/func-invoice-prod',
      ],
    }),
  ];

  const users: GraphObject[] = [
    { ...(sample('v1.0__user-get__ex1') as GraphObject), accountEnabled: true },
    { ...alex, id: id.alex, accountEnabled: true } as GraphObject,
    {
      id: id.disabledSponsor,
      displayName: 'Former Sponsor',
      userPrincipalName: 'former.sponsor@contoso.com',
      accountEnabled: false,
    },
  ];

  return {
    tenantId: TEST_TENANT_ID,
    clients,
    servicePrincipals,
    applications: [app, credApp],
    users,
    groups: [],
    owners: {
      [id.mailClient]: [id.adele],
      [id.application]: [id.deletedOwner, id.alex],
      [id.applicationSp]: [id.alex],
      // A service principal can own another.
      [id.roleHolder]: [id.mailClient],
    },
    sponsors: { [id.agent]: [id.disabledSponsor] },
    appRoleAssignments: [assignment!, mailRead],
    oauth2PermissionGrants: [...grants, ...userGrants],
    roleDefinitions: roleDefinitions(),
    roleAssignments,
    servicePrincipalSignInActivities: sampleValues(
      'beta__reportroot-list-serviceprincipalsigninactivities__ex1',
    ) as GraphObject[],
    appCredentialSignInActivities: sampleValues(
      'beta__reportroot-list-appcredentialsigninactivities__ex1',
    ) as GraphObject[],
    // By hand (no sample exists): agent users, one per case.
    agentUsers: [
      {
        '@odata.type': '#microsoft.graph.agentUser',
        id: id.agentUser,
        userPrincipalName: 'expense-triage-agent@contoso.com',
        displayName: 'Expense triage agent (user)',
        accountEnabled: true,
        identityParentId: id.agent,
        createdDateTime: '2026-05-02T09:05:00Z',
        signInActivity: {
          lastSignInDateTime: '2026-05-20T08:00:00Z',
          lastNonInteractiveSignInDateTime: '2026-06-01T10:00:00Z',
        },
      },
      {
        '@odata.type': '#microsoft.graph.agentUser',
        id: id.orphanedAgentUser,
        userPrincipalName: 'retired-agent@contoso.com',
        displayName: 'Retired agent (user)',
        accountEnabled: true,
        identityParentId: id.deletedAgent,
        createdDateTime: '2026-01-10T09:00:00Z',
        signInActivity: { lastSignInDateTime: null, lastNonInteractiveSignInDateTime: null },
      },
    ],
  };
}

function certificate(keyId: string, displayName: string, key: string): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName,
    endDateTime: '2027-01-01T00:00:00Z',
    key,
    keyId,
    startDateTime: '2025-01-01T00:00:00Z',
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

// ---------------------------------------------------------------------------------------------
// Generated volume

/** mulberry32: a small seeded PRNG, so a tenant is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link generatedTenant}. */
export interface GeneratedTenantOptions {
  /** Total service principals, Microsoft Graph included. */
  servicePrincipals: number;
  seed?: number;
  clients?: TenantClient[];
}

/**
 * A deterministic tenant: about 70% applications with local registrations (secrets, certificates,
 * some federated credentials, owners, Graph app roles, some delegated grants), 12% managed
 * identities, 10% agent identities with sponsors (the first one's sponsor is disabled), the rest
 * multi-tenant apps from other organizations; a few hold privileged directory roles; about 60%
 * have sign-in activity.
 */
export function generatedTenant(options: GeneratedTenantOptions): GraphTenantData {
  const rand = prng(options.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
    h[12] = '4';
    h[16] = '8';
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  const isoDaysAgo = (days: number) =>
    new Date(Date.UTC(2026, 10, 15) - days * 86_400_000).toISOString();

  const roles = graphAppRoles();
  const common = [
    'Mail.Read',
    'User.Read.All',
    'Files.Read.All',
    'Sites.Read.All',
    'Directory.Read.All',
    'Application.Read.All',
  ].map(graphRoleId);
  const scopes = graphDelegatedScopes();
  const graphId = uuid();
  const data: GraphTenantData = {
    tenantId: TEST_TENANT_ID,
    clients: options.clients ?? [scannerClient()],
    servicePrincipals: [graphServicePrincipal(graphId)],
    applications: [],
    users: [],
    groups: [],
    owners: {},
    sponsors: {},
    appRoleAssignments: [],
    oauth2PermissionGrants: [],
    roleDefinitions: roleDefinitions(),
    roleAssignments: [],
    servicePrincipalSignInActivities: [],
    appCredentialSignInActivities: [],
  };

  const userCount = Math.max(20, Math.ceil(options.servicePrincipals / 20));
  for (let u = 0; u < userCount; u++)
    data.users.push({
      id: uuid(),
      displayName: `User ${u}`,
      userPrincipalName: `user${u}@contoso.example`,
      accountEnabled: u % 25 !== 7,
    });
  const disabled = data.users.find((u) => u.accountEnabled === false)!;
  const someUser = () => pick(data.users).id;

  let agents = 0;
  for (let i = 1; i < options.servicePrincipals; i++) {
    const r = rand();
    const id = uuid();
    const kind = r < 0.7 ? 'app' : r < 0.82 ? 'mi' : r < 0.92 ? 'agent' : 'external';
    const appId = kind === 'agent' ? id : uuid();
    const principal = sp({
      id,
      appId,
      displayName: `${kind}-${i}`,
      servicePrincipalType:
        kind === 'mi' ? 'ManagedIdentity' : kind === 'agent' ? 'ServiceIdentity' : 'Application',
      appOwnerOrganizationId: kind === 'external' ? uuid() : TEST_TENANT_ID,
    });
    data.servicePrincipals.push(principal);

    if (kind === 'app') {
      const app: GraphObject = {
        id: uuid(),
        appId,
        displayName: `app-${i}`,
        passwordCredentials: [],
        keyCredentials: [],
        federatedIdentityCredentials: [],
      };
      const secrets = Math.floor(rand() * 3);
      for (let s = 0; s < secrets; s++) {
        const keyId = uuid();
        (app.passwordCredentials as unknown[]).push({
          keyId,
          displayName: `secret ${s}`,
          hint: 'abc',
          startDateTime: isoDaysAgo(400),
          endDateTime: isoDaysAgo(-300),
          secretText: null,
        });
        if (rand() < 0.5)
          data.appCredentialSignInActivities.push({
            id: uuid(),
            appId,
            appObjectId: app.id,
            servicePrincipalObjectId: id,
            keyId,
            keyType: 'clientSecret',
            keyUsage: 'Verify',
            credentialOrigin: 'application',
            signInActivity: { lastSignInDateTime: isoDaysAgo(Math.floor(rand() * 120)) },
          });
      }
      if (rand() < 0.3)
        (app.keyCredentials as unknown[]).push(
          certificate(uuid(), 'cert', Buffer.from(`public-cert-${i}`).toString('base64')),
        );
      if (rand() < 0.1)
        (app.federatedIdentityCredentials as unknown[]).push({
          id: uuid(),
          name: 'ci',
          issuer: 'https://token.actions.githubusercontent.com',
          subject: `repo:contoso/svc-${i}:ref:refs/heads/main`,
          audiences: ['api://AzureADTokenExchange'],
        });
      data.applications.push(app);
      if (rand() < 0.8) data.owners[app.id] = [someUser()];
      if (rand() < 0.05) data.owners[app.id] = [...(data.owners[app.id] ?? []), uuid()]; // a deleted owner
      if (rand() < 0.3) data.owners[id] = [someUser()];
      const held = Math.floor(rand() * 4);
      for (let a = 0; a < held; a++)
        data.appRoleAssignments.push({
          id: uuid(),
          createdDateTime: isoDaysAgo(200),
          appRoleId: rand() < 0.6 ? pick(common) : (pick(roles).id as string),
          principalDisplayName: `${kind}-${i}`,
          principalId: id,
          principalType: 'ServicePrincipal',
          resourceDisplayName: 'Microsoft Graph',
          resourceId: graphId,
        });
      if (rand() < 0.2)
        data.oauth2PermissionGrants.push({
          id: uuid(),
          clientId: id,
          consentType: 'AllPrincipals',
          principalId: null,
          resourceId: graphId,
          scope: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(scopes)).join(' '),
        });
    } else if (kind === 'mi') {
      if (rand() < 0.5)
        data.appRoleAssignments.push({
          id: uuid(),
          createdDateTime: isoDaysAgo(100),
          appRoleId: pick(common),
          principalDisplayName: `${kind}-${i}`,
          principalId: id,
          principalType: 'ServicePrincipal',
          resourceDisplayName: 'Microsoft Graph',
          resourceId: graphId,
        });
    } else if (kind === 'agent') {
      principal['@odata.type'] = '#microsoft.graph.agentIdentity';
      principal.agentIdentityBlueprintId = uuid();
      principal.tags = ['AgenticInstance'];
      data.sponsors[id] =
        agents === 0 ? [disabled.id] : [someUser(), ...(rand() < 0.3 ? [someUser()] : [])];
      agents++;
      if (rand() < 0.5)
        data.appRoleAssignments.push({
          id: uuid(),
          createdDateTime: isoDaysAgo(30),
          appRoleId: pick(common),
          principalDisplayName: `${kind}-${i}`,
          principalId: id,
          principalType: 'ServicePrincipal',
          resourceDisplayName: 'Microsoft Graph',
          resourceId: graphId,
        });
    }
    // A few privileged principals, and some directory readers.
    if (rand() < 0.005)
      data.roleAssignments.push({
        id: uuid(),
        principalId: id,
        directoryScopeId: '/',
        roleDefinitionId: pick([
          ROLE.globalAdministrator,
          ROLE.applicationAdministrator,
          ROLE.privilegedRoleAdministrator,
          ROLE.cloudApplicationAdministrator,
        ]),
      });
    else if (rand() < 0.01)
      data.roleAssignments.push({
        id: uuid(),
        principalId: id,
        directoryScopeId: '/',
        roleDefinitionId: ROLE.directoryReaders,
      });
    if (rand() < 0.6) {
      const last = isoDaysAgo(Math.floor(rand() * 180));
      data.servicePrincipalSignInActivities.push({
        id: uuid(),
        appId,
        lastSignInActivity: { lastSignInDateTime: last },
        applicationAuthenticationClientSignInActivity: { lastSignInDateTime: last },
      });
    }
  }
  return data;
}
