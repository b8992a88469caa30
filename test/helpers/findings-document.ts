/**
 * Builders of findings documents for the store and report tests: the smallest valid document,
 * identities with findings, policies, granted actions and Entra permissions as needed.
 */
import {
  type EntraIdentityDetails,
  type Finding,
  type FindingsDocument,
  FindingsDocumentSchema,
  type IdentityResult,
} from '#core/model/findings.ts';

/** The account of the documents. */
export const DOC_ACCOUNT = '111111111111';
export const DOC_OTHER_ACCOUNT = '222222222222';
/** The Entra tenant of the documents. */
export const DOC_TENANT = '00000000-0000-0000-0000-000000000001';

/** A medium unused-permissions finding. */
export function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'LP-IAM-001',
    rule: 'unused-permissions',
    severity: 'medium',
    title: '12 of 40 granted actions unused (30%), in 2 wholly unused services',
    explanation: 'Granted actions were not used in the window.',
    evidence: { unused: 12, granted: 40, services: ['s3', 'sqs'] },
    ...overrides,
  };
}

/** What an identity may carry besides its findings. */
export interface IdentityOptions {
  accountId?: string;
  /** Customer-managed policies attached (name; ARN derived). */
  policies?: string[];
  /** Granted actions: the first `used` of them used, the rest unused. */
  actions?: string[];
  used?: number;
  overrides?: Partial<IdentityResult>;
}

/** An AWS role with the given findings. */
export function anIdentityResult(
  name: string,
  findings: Finding[] = [],
  options: IdentityOptions = {},
): IdentityResult {
  const accountId = options.accountId ?? DOC_ACCOUNT;
  const actions = options.actions ?? [];
  const used = options.used ?? 0;
  return {
    id: `arn:aws:iam::${accountId}:role/${name}`,
    name,
    type: 'role',
    accountId,
    path: '/',
    createDate: null,
    tags: {},
    class: 'workload',
    aiRole: null,
    classifiedBy: { rule: 'default', reason: 'test' },
    serviceLinked: false,
    confidence: 'high',
    links: {
      owners: [],
      createdBy: [],
      deployedBy: [],
      assumedBy: [],
      tools: [],
      sourceIdentities: [],
      identityCenterUsers: [],
    },
    activity: {
      events: 0,
      firstSeen: null,
      lastSeen: null,
      consoleSignIns: 0,
      lastActivityReportedByIam: null,
      crossAccountEvents: 0,
    },
    grant: {
      policies: (options.policies ?? []).map((p) => ({
        name: p,
        arn: `arn:aws:iam::${accountId}:policy/${p}`,
        kind: 'customer-managed' as const,
        viaGroup: null,
      })),
      allowedActions: actions.length,
      permissionsBoundary: null,
      conditionallyDeniedActions: [],
      unknownActions: [],
      missingPolicies: [],
    },
    usedActions: actions.slice(0, used).map((action) => ({
      action,
      count: 1,
      firstSeen: '2026-11-01T00:00:00Z',
      lastSeen: '2026-11-01T00:00:00Z',
    })),
    unusedActions: actions.slice(used),
    unobservableActions: [],
    deniedActions: [],
    usedNotGranted: [],
    usedServices: [],
    unusedServices: [],
    recommendation: 'rightsize',
    recommendedPolicy: null,
    findings,
    ...options.overrides,
  };
}

/** An Entra service principal holding Graph application permissions. */
export function anEntraIdentityResult(
  name: string,
  permissions: string[],
  directoryRoles: string[] = [],
): IdentityResult {
  const id = `sp-${name}`;
  const entra: EntraIdentityDetails = {
    tenantId: DOC_TENANT,
    appId: `app-${name}`,
    servicePrincipalType: 'Application',
    odataType: null,
    accountEnabled: true,
    firstParty: false,
    appOwnerOrganizationId: DOC_TENANT,
    agentIdentityBlueprintId: null,
    tags: [],
    owners: [],
    sponsors: [],
    ownersDisabled: false,
    signIn: null,
    credentials: [],
    federatedCredentials: [],
    permissions: permissions.map((permission) => ({
      permission,
      kind: 'application',
      resource: 'Microsoft Graph',
      resourceAppId: '00000003-0000-0000-c000-000000000000',
      status: 'unused',
      reason: null,
      requests: 0,
      lastSeen: null,
      calls: [],
      reducibleTo: [],
      grantIds: [`grant-${permission}`],
      grantedAt: null,
      highRisk: null,
    })),
    directoryRoles: directoryRoles.map((roleName) => ({
      roleName,
      roleDefinitionId: `role-${roleName}`,
      assignmentId: `assignment-${roleName}`,
      privileged: true,
      directoryScopeId: '/',
    })),
    gaps: [],
  };
  return anIdentityResult(name, [], {
    accountId: DOC_TENANT,
    overrides: { id, type: 'service-principal', path: null, entra },
  });
}

/** A valid findings document over the given identities. */
export function aFindingsDocument(
  identities: IdentityResult[],
  options: {
    accounts?: string[];
    tenants?: string[];
    accessGaps?: FindingsDocument['coverage']['accessGaps'];
    asOf?: string;
  } = {},
): FindingsDocument {
  const iso = options.asOf ?? '2026-11-01T00:00:00.000Z';
  return FindingsDocumentSchema.parse({
    schemaVersion: '1',
    tool: { name: 'leash', version: 'test', catalogVersion: 'test' },
    window: {
      asOf: iso,
      lookbackDays: 90,
      from: iso,
      to: iso,
      observedFrom: null,
      observedTo: null,
      observedDays: 0,
    },
    accounts: options.accounts ?? [DOC_ACCOUNT],
    ...(options.tenants ? { tenants: options.tenants } : {}),
    summary: {
      identities: identities.length,
      byClass: {},
      byAiRole: {},
      findingsBySeverity: {},
      findingsByRule: {},
      grantedActions: 0,
      unusedActions: 0,
      unobservableActions: 0,
      identitiesToRightsize: 0,
      identitiesToDecommission: 0,
    },
    coverage: {
      files: { cloudtrail: 0, iam: 0, ignored: 0, withIssues: 0 },
      records: {
        read: 0,
        inWindow: 0,
        outsideWindow: 0,
        mapped: 0,
        unmapped: 0,
        noIamAction: {},
        unattributed: {},
        skipped: {},
      },
      mappingRate: null,
      unmappedPairs: [],
      readEventsObserved: false,
      dataEventServices: [],
      gaps: [],
      accessGaps: options.accessGaps ?? [],
      trails: [],
      unknownPrincipals: [],
      issues: [],
    },
    identities,
    agents: [],
    functions: [],
  });
}
