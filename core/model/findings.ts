/**
 * The findings document (`findings.json`): the stable, documented output of a scan. Field names
 * are part of Leash's contract with the teams and tools that read it; README documents them.
 * The zod schema is the reference: tests validate every document a scan writes against it.
 */
import { z } from 'zod';

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'ISO date-time');

/** Schema of one issue with the input. */
export const InputIssueSchema = z.object({
  file: z.string(),
  location: z.string().optional(),
  reason: z.string(),
  detail: z.string(),
});

/** Schema of one finding. */
export const FindingSchema = z.object({
  ruleId: z.string(),
  rule: z.string(),
  severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
  title: z.string(),
  explanation: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});

/** Schema of a generated policy. */
export const GeneratedPolicySchema = z.object({
  name: z.string(),
  size: z.number().int(),
  document: z.object({
    Version: z.literal('2012-10-17'),
    Statement: z.array(
      z.object({
        Sid: z.string(),
        Effect: z.literal('Allow'),
        Action: z.array(z.string()).min(1),
        Resource: z.array(z.string()).optional(),
        NotResource: z.array(z.string()).optional(),
        Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
      }),
    ),
  }),
});

/** An edge of the agent graph, with the events that prove it. */
export const EdgeSchema = z.object({
  arn: z.string(),
  via: z.string(),
  events: z.number().int(),
  lastSeen: isoDate,
  eventIds: z.array(z.string()),
  invokedBy: z.string().nullable(),
  sourceIdentities: z.array(z.string()),
  /** Role session names seen on AssumeRole edges (a few). */
  sessionNames: z.array(z.string()),
});

/** Schema of a tool an identity can use. */
export const ToolSchema = z.object({
  kind: z.enum(['lambda-function', 'role', 'knowledge-base', 'endpoint']),
  arn: z.string(),
  roleArn: z.string().nullable(),
  via: z.string(),
  reach: z.enum(['configured', 'granted', 'conditional']),
});

/** Schema of a coverage gap. */
export const CoverageGapSchema = z.object({
  provider: z.enum(['aws', 'entra', 'saas']),
  api: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  reason: z.enum(['access-denied', 'unsupported', 'failed']),
  detail: z.string(),
});

/** A person (or object) who owns or sponsors an Entra identity. */
export const EntraPersonSchema = z.object({
  id: z.string(),
  type: z.enum(['user', 'servicePrincipal', 'group', 'unknown']),
  displayName: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  /** False when disabled; null when not known. */
  accountEnabled: z.boolean().nullable(),
  deleted: z.boolean(),
});

/** One permission an Entra identity holds, with the verdict on its use. */
export const EntraPermissionSchema = z.object({
  permission: z.string(),
  kind: z.enum(['application', 'delegated']),
  /** Resource display name (`Microsoft Graph`). */
  resource: z.string(),
  resourceAppId: z.string().nullable(),
  status: z.enum(['used', 'unused', 'unobservable']),
  /** Why the use cannot be judged (unobservable only). */
  reason: z.string().nullable(),
  /** Requests that could have used it. */
  requests: z.number().int(),
  lastSeen: isoDate.nullable(),
  /** `METHOD template` of the calls credited to it (a few). */
  calls: z.array(z.string()),
  /** Narrower held permissions that covered every credited request. */
  reducibleTo: z.array(z.string()),
  /** appRoleAssignment / oauth2PermissionGrant ids granting it: what a revocation deletes. */
  grantIds: z.array(z.string()),
  grantedAt: isoDate.nullable(),
  highRisk: z.enum(['control-plane', 'data']).nullable(),
});

/**
 * Entra-only details of an identity (`type` service-principal, agent-identity or agent-user). Additive:
 * AWS identities do not carry it.
 */
export const EntraIdentitySchema = z.object({
  tenantId: z.string(),
  appId: z.string(),
  /** `Application`, `ManagedIdentity`, `ServiceIdentity` (agent identities), `Legacy`... */
  servicePrincipalType: z.string(),
  odataType: z.string().nullable(),
  accountEnabled: z.boolean(),
  /** A Microsoft first-party app: reported, never recommended for removal. */
  firstParty: z.boolean(),
  appOwnerOrganizationId: z.string().nullable(),
  agentIdentityBlueprintId: z.string().nullable(),
  /** Entra tags as listed (`tags` above holds them as keys with empty values). */
  tags: z.array(z.string()),
  owners: z.array(EntraPersonSchema),
  sponsors: z.array(EntraPersonSchema),
  /** True when there are owners or sponsors and every one is disabled or deleted. */
  ownersDisabled: z.boolean(),
  /** Sign-in activity; null when not read. */
  signIn: z
    .object({
      lastSignIn: isoDate.nullable(),
      lastAppOnlySignIn: isoDate.nullable(),
      lastDelegatedSignIn: isoDate.nullable(),
    })
    .nullable(),
  credentials: z.array(
    z.object({
      keyId: z.string(),
      kind: z.enum(['password', 'certificate']),
      on: z.enum(['application', 'servicePrincipal']),
      displayName: z.string().nullable(),
      startDateTime: isoDate.nullable(),
      endDateTime: isoDate.nullable(),
      lastSignIn: isoDate.nullable(),
      expired: z.boolean(),
    }),
  ),
  federatedCredentials: z.array(
    z.object({ name: z.string(), issuer: z.string(), subject: z.string() }),
  ),
  permissions: z.array(EntraPermissionSchema),
  directoryRoles: z.array(
    z.object({
      roleName: z.string(),
      roleDefinitionId: z.string(),
      assignmentId: z.string(),
      privileged: z.boolean(),
      directoryScopeId: z.string().nullable(),
    }),
  ),
  /** What could not be judged for this identity, and why. */
  gaps: z.array(z.string()),
  /**
   * Agent users only: the parent agent identity's object id (`user.identityParentId`). For an
   * agent user, `appId` is empty, `servicePrincipalType` is `AgentUser`, and `sponsors` are
   * the agent user's (not read yet: empty).
   */
  identityParentId: z.string().nullable().optional(),
  /** Agent users only: the user principal name. */
  userPrincipalName: z.string().nullable().optional(),
});

/** A permission an Entra or SaaS identity should lose, with the evidence. */
export const PermissionToRemoveSchema = z.object({
  permission: z.string(),
  /** Entra: application or delegated. SaaS (GitHub): the permission's scope. */
  kind: z.enum(['application', 'delegated', 'repository', 'organization', 'account']),
  resource: z.string(),
  reason: z.string(),
  /** The appRoleAssignment or oauth2PermissionGrant ids to delete or shrink. */
  grantIds: z.array(z.string()).optional(),
});

/** One permission a SaaS identity holds (GitHub: `contents` at `write`), with its verdict. */
export const SaasPermissionSchema = z.object({
  permission: z.string(),
  /** `read`, `write`, `admin` as the vendor names it. */
  access: z.string(),
  scope: z.enum(['repository', 'organization', 'account']),
  status: z.enum(['used', 'unused', 'unobservable']),
  /** Why its use cannot be judged (unobservable only). */
  reason: z.string().nullable(),
  /** Audit-log events credited to it in the window. */
  events: z.number().int(),
  lastSeen: isoDate.nullable(),
  /** Write to administration, secrets, workflows and the like. */
  highRisk: z.boolean(),
});

/**
 * SaaS-only details of an identity (`provider: 'saas'`): a GitHub App installation, an approved
 * fine-grained personal access token, or a deploy key. Additive: AWS and Entra identities do not
 * carry it.
 */
export const SaasIdentitySchema = z.object({
  vendor: z.literal('github'),
  /** API host (`api.github.com`, or the GitHub Enterprise Server host). */
  host: z.string(),
  org: z.string(),
  kind: z.enum(['app-installation', 'fine-grained-token', 'deploy-key']),
  /** Installation id, PAT grant id (`pat_id`), or deploy key id: what a revocation names. */
  externalId: z.string(),
  /** Token owner, the app's installer, or who added the deploy key; null when not known. */
  owner: z.string().nullable(),
  createdAt: isoDate.nullable(),
  expiresAt: isoDate.nullable(),
  /** Last use the vendor reports for the credential itself (any call, reads included). */
  lastUsedAt: isoDate.nullable(),
  /** Apps: suspended; null for other kinds. */
  suspended: z.boolean().nullable(),
  repositorySelection: z.enum(['all', 'selected', 'subset', 'none', 'single']),
  /** Repositories it reaches (names), when listed. */
  repositories: z.array(z.string()),
  permissions: z.array(SaasPermissionSchema),
  /** Repositories holding AI agent code it can write to. */
  agentRepositories: z.array(z.string()),
  /** What could not be judged for this identity, and why. */
  gaps: z.array(z.string()),
  /** Vendor specifics (app id and slug, token id and name, key title, read-only flag...). */
  details: z.record(z.string(), z.unknown()),
});

/** Schema of one identity's result. */
export const IdentityResultSchema = z.object({
  id: z.string(),
  name: z.string(),
  /**
   * AWS: user, role, root. Entra: service-principal, agent-identity, agent-user (an Agent ID
   * agent user; accountId is the tenant id). SaaS: app-installation, access-token, deploy-key
   * (accountId is `host/org`).
   */
  type: z.enum([
    'user',
    'role',
    'root',
    'service-principal',
    'agent-identity',
    'agent-user',
    'app-installation',
    'access-token',
    'deploy-key',
  ]),
  /** Where the identity lives; absent means AWS or Entra as `type` says (documents before SaaS). */
  provider: z.enum(['aws', 'entra', 'saas']).optional(),
  accountId: z.string(),
  path: z.string().nullable(),
  createDate: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  class: z.enum(['human', 'workload', 'ai-agent']),
  aiRole: z.enum(['agent', 'builder', 'user']).nullable(),
  classifiedBy: z.object({ rule: z.string(), reason: z.string() }),
  serviceLinked: z.boolean(),
  confidence: z.enum(['high', 'medium', 'low']),
  links: z.object({
    owners: z.array(z.string()),
    createdBy: z.array(EdgeSchema),
    deployedBy: z.array(EdgeSchema),
    assumedBy: z.array(EdgeSchema),
    tools: z.array(ToolSchema),
    sourceIdentities: z.array(z.object({ value: z.string(), count: z.number() })),
    identityCenterUsers: z.array(z.string()),
  }),
  activity: z.object({
    events: z.number().int(),
    firstSeen: isoDate.nullable(),
    lastSeen: isoDate.nullable(),
    consoleSignIns: z.number().int(),
    lastActivityReportedByIam: isoDate.nullable(),
    crossAccountEvents: z.number().int(),
  }),
  grant: z.object({
    policies: z.array(
      z.object({
        name: z.string(),
        arn: z.string().nullable(),
        kind: z.enum(['aws-managed', 'customer-managed', 'inline']),
        viaGroup: z.string().nullable(),
      }),
    ),
    allowedActions: z.number().int(),
    permissionsBoundary: z.string().nullable(),
    conditionallyDeniedActions: z.array(z.string()),
    unknownActions: z.array(z.object({ pattern: z.string(), policy: z.string() })),
    missingPolicies: z.array(z.string()),
  }),
  usedActions: z.array(
    z.object({
      action: z.string(),
      count: z.number().int(),
      firstSeen: isoDate,
      lastSeen: isoDate,
    }),
  ),
  unusedActions: z.array(z.string()),
  unobservableActions: z.array(z.object({ action: z.string(), reason: z.string() })),
  deniedActions: z.array(
    z.object({
      action: z.string(),
      count: z.number().int(),
      lastSeen: isoDate,
      errorCodes: z.array(z.string()),
    }),
  ),
  usedNotGranted: z.array(z.string()),
  usedServices: z.array(z.string()),
  unusedServices: z.array(z.string()),
  recommendation: z.enum([
    'rightsize',
    'decommission',
    'none-needed',
    'not-applicable',
    'insufficient-evidence',
  ]),
  recommendedPolicy: z
    .object({
      policies: z.array(GeneratedPolicySchema),
      detach: z.array(
        z.object({
          policy: z.string(),
          arn: z.string().nullable(),
          kind: z.string(),
          viaGroup: z.string().nullable(),
          reason: z.string(),
        }),
      ),
      keptActions: z.number().int(),
      keptUnobservable: z.number().int(),
      removedActions: z.number().int(),
      fitsRoleInlineLimit: z.boolean(),
      exceedsManagedPolicyQuota: z.boolean(),
      diff: z.string(),
    })
    .nullable(),
  findings: z.array(FindingSchema),
  /** Entra: the permissions to remove (AWS identities use recommendedPolicy instead). */
  permissionsToRemove: z.array(PermissionToRemoveSchema).optional(),
  /** Entra-only details. */
  entra: EntraIdentitySchema.optional(),
  /** SaaS-only details (GitHub). */
  saas: SaasIdentitySchema.optional(),
});

/** What an Entra analysis read and could use, per tenant. */
export const EntraCoverageSchema = z.object({
  tenantId: z.string(),
  servicePrincipals: z.number().int(),
  /** Graph activity logs were read: only then can permissions be called unused. */
  activityLogs: z.boolean(),
  /** Service principals with sign-in activity known. */
  signInActivityKnown: z.number().int(),
  credentialActivity: z.boolean(),
  requests: z.object({
    read: z.number().int(),
    inWindow: z.number().int(),
    outsideWindow: z.number().int(),
    invalid: z.number().int(),
    attributed: z.number().int(),
    unattributed: z.number().int(),
    mapped: z.number().int(),
    unmapped: z.number().int(),
    exempt: z.number().int(),
    denied: z.number().int(),
  }),
  /** The most frequent calls the permission map could not resolve (ids replaced by `{id}`). */
  unmappedCalls: z.array(
    z.object({ method: z.string(), path: z.string(), count: z.number().int() }),
  ),
  permissionMap: z.object({ source: z.string(), entries: z.number().int() }),
});

/** Schema of an AI agent resource (Bedrock agent, AgentCore runtime or gateway). */
export const AgentResultSchema = z.object({
  kind: z.enum(['bedrock-agent', 'agentcore-runtime', 'agentcore-gateway']),
  id: z.string(),
  arn: z.string(),
  name: z.string(),
  accountId: z.string(),
  region: z.string(),
  roleArn: z.string().nullable(),
  foundationModel: z.string().nullable(),
  status: z.string().nullable(),
  tools: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      arn: z.string().nullable(),
      lambdaArn: z.string().nullable(),
      endpoint: z.string().nullable(),
      functionRoleArn: z.string().nullable(),
    }),
  ),
  aliases: z.array(z.string()),
  owners: z.array(z.string()),
  createdBy: z.array(EdgeSchema),
});

/** Schema of a Lambda function. */
export const FunctionResultSchema = z.object({
  arn: z.string(),
  name: z.string(),
  accountId: z.string(),
  region: z.string(),
  roleArn: z.string(),
  runtime: z.string().nullable(),
  environmentVariableNames: z.array(z.string()),
  layers: z.array(z.string()),
  invokers: z.array(
    z.object({
      principal: z.string(),
      action: z.string(),
      sourceArn: z.string().nullable(),
      sourceAccount: z.string().nullable(),
    }),
  ),
  functionUrls: z.array(z.object({ url: z.string(), authType: z.string() })),
  eventSources: z.array(z.string()),
  owners: z.array(z.string()),
  createdBy: z.array(EdgeSchema),
});

/** A role trusting GitHub Actions' OIDC provider, and what its `sub` condition admits. */
export const GitHubOidcTrustSchema = z.object({
  roleArn: z.string(),
  accountId: z.string(),
  /** The OIDC provider host (`token.actions.githubusercontent.com`, or a GHES host). */
  provider: z.string(),
  /** Index of the trust statement. */
  statement: z.number().int(),
  /** `aud` values required; empty when the statement does not check the audience. */
  audiences: z.array(z.string()),
  /** `sub` patterns admitted; empty when the statement has no `sub` condition. */
  subjects: z.array(z.string()),
  /** Repositories of the organization the patterns admit. */
  repositories: z.array(z.string()),
  /** Owners other than the organization the patterns name. */
  otherOwners: z.array(z.string()),
  /** Admits repositories of any owner (no `sub` condition, or a wildcard owner). */
  anyOwner: z.boolean(),
  /** Admits every repository of the organization (or of any owner). */
  anyRepository: z.boolean(),
  /** Admits any branch, tag, environment or event of an admitted repository. */
  anyRef: z.boolean(),
  /** Repositories whose workflows name this role (`role-to-assume`). */
  workflowRepositories: z.array(z.string()),
});

/** What a GitHub organization scan read, beyond its identities. */
export const GitHubOrganizationSchema = z.object({
  host: z.string(),
  org: z.string(),
  /** The identities' `accountId`: `host/org`. */
  scope: z.string(),
  auth: z.enum(['app', 'token']),
  repositories: z.number().int(),
  /** Null when the listing could not be read (a coverage gap says why). */
  installations: z.number().int().nullable(),
  tokens: z.number().int().nullable(),
  deployKeys: z.number().int(),
  auditLog: z.object({
    read: z.boolean(),
    /** Why it could not be read (plan, permission), or why it is partial. */
    reason: z.string().nullable(),
    events: z.number().int(),
    attributed: z.number().int(),
    truncated: z.boolean(),
  }),
  /** Pending requests for fine-grained token access: not access yet, listed for review. */
  pendingTokenRequests: z.array(
    z.object({
      requestId: z.string(),
      owner: z.string(),
      tokenName: z.string(),
      reason: z.string().nullable(),
      createdAt: isoDate.nullable(),
      expiresAt: isoDate.nullable(),
      repositorySelection: z.string(),
      repositories: z.array(z.string()),
      permissions: z.array(z.string()),
      highRisk: z.boolean(),
    }),
  ),
  oidc: z.object({
    /** The organization's `sub` claim template (`include_claim_keys`); null when not read. */
    subjectClaimKeys: z.array(z.string()).nullable(),
    trusts: z.array(GitHubOidcTrustSchema),
    /** False when no AWS inventory was scanned with it: no trust could be joined. */
    joined: z.boolean(),
  }),
  /** Repositories whose manifests or configuration show AI agents: AI-builder signals. */
  agentRepositories: z.array(
    z.object({
      repository: z.string(),
      signals: z.array(
        z.object({
          kind: z.enum(['package-manifest', 'mcp-config', 'agent-workflow']),
          path: z.string(),
          matches: z.array(z.string()),
        }),
      ),
      /** Cloud roles its workflows can assume (OIDC trust or `role-to-assume`). */
      deployRoles: z.array(z.string()),
      /** Ids of the GitHub identities that can write to it. */
      writers: z.array(z.string()),
    }),
  ),
  codeSearch: z.object({
    complete: z.boolean(),
    detail: z.string().nullable(),
    queries: z.number().int(),
    filesRead: z.number().int(),
  }),
  requests: z.object({
    total: z.number().int(),
    /** Responses that were rate limited (primary or secondary) and retried. */
    rateLimited: z.number().int(),
    rateLimitRemaining: z.number().int().nullable(),
    rateLimitLimit: z.number().int().nullable(),
  }),
});

/** Schema of the whole document. */
export const FindingsDocumentSchema = z.object({
  schemaVersion: z.literal('1'),
  tool: z.object({ name: z.literal('leash'), version: z.string(), catalogVersion: z.string() }),
  window: z.object({
    asOf: isoDate,
    lookbackDays: z.number(),
    from: isoDate,
    to: isoDate,
    observedFrom: isoDate.nullable(),
    observedTo: isoDate.nullable(),
    observedDays: z.number(),
  }),
  accounts: z.array(z.string()),
  /** Entra tenants analysed into this document. */
  tenants: z.array(z.string()).optional(),
  summary: z.object({
    identities: z.number().int(),
    byClass: z.record(z.string(), z.number().int()),
    byAiRole: z.record(z.string(), z.number().int()),
    findingsBySeverity: z.record(z.string(), z.number().int()),
    findingsByRule: z.record(z.string(), z.number().int()),
    grantedActions: z.number().int(),
    unusedActions: z.number().int(),
    unobservableActions: z.number().int(),
    identitiesToRightsize: z.number().int(),
    identitiesToDecommission: z.number().int(),
  }),
  coverage: z.object({
    files: z.object({
      cloudtrail: z.number().int(),
      iam: z.number().int(),
      ignored: z.number().int(),
      withIssues: z.number().int(),
    }),
    records: z.object({
      read: z.number().int(),
      inWindow: z.number().int(),
      outsideWindow: z.number().int(),
      mapped: z.number().int(),
      unmapped: z.number().int(),
      noIamAction: z.record(z.string(), z.number().int()),
      unattributed: z.record(z.string(), z.number().int()),
      skipped: z.record(z.string(), z.number().int()),
    }),
    mappingRate: z.number().nullable(),
    unmappedPairs: z.array(
      z.object({ eventSource: z.string(), eventName: z.string(), count: z.number().int() }),
    ),
    readEventsObserved: z.boolean(),
    dataEventServices: z.array(z.string()),
    gaps: z.array(z.string()),
    accessGaps: z.array(CoverageGapSchema),
    trails: z.array(
      z.object({
        name: z.string(),
        arn: z.string(),
        homeRegion: z.string(),
        isLogging: z.boolean().nullable(),
        managementEvents: z.string(),
        dataEventServices: z.array(z.string()),
      }),
    ),
    unknownPrincipals: z.array(z.object({ arn: z.string(), events: z.number().int() })),
    issues: z.array(InputIssueSchema),
    /** Entra tenants: what was read and could be used. */
    entra: z.array(EntraCoverageSchema).optional(),
  }),
  identities: z.array(IdentityResultSchema),
  agents: z.array(AgentResultSchema),
  functions: z.array(FunctionResultSchema),
  /** GitHub organizations scanned into this document (`--github`). */
  github: z.array(GitHubOrganizationSchema).optional(),
});

/** The findings document. */
export type FindingsDocument = z.infer<typeof FindingsDocumentSchema>;
/** One identity's result. */
export type IdentityResult = z.infer<typeof IdentityResultSchema>;
/** One finding. */
export type Finding = z.infer<typeof FindingSchema>;
/** Entra-only details of an identity. */
export type EntraIdentityDetails = z.infer<typeof EntraIdentitySchema>;
/** A permission to remove. */
export type PermissionToRemove = z.infer<typeof PermissionToRemoveSchema>;
/** Coverage of one Entra tenant. */
export type EntraCoverage = z.infer<typeof EntraCoverageSchema>;
/** SaaS-only details of an identity. */
export type SaasIdentityDetails = z.infer<typeof SaasIdentitySchema>;
/** One permission of a SaaS identity. */
export type SaasPermission = z.infer<typeof SaasPermissionSchema>;
/** What a GitHub organization scan read. */
export type GitHubOrganizationResult = z.infer<typeof GitHubOrganizationSchema>;
/** A role trusting GitHub Actions. */
export type GitHubOidcTrust = z.infer<typeof GitHubOidcTrustSchema>;
