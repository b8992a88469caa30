/**
 * The inventory of a GitHub organization as Leash reads it: app installations, approved
 * fine-grained personal access tokens and pending requests, deploy keys, the audit log's
 * programmatic events, Actions OIDC settings and the AI agent signals found in code. Pure data,
 * shaped from the REST API by `connectors/saas/github/shape.ts`.
 * @see https://docs.github.com/rest/orgs/personal-access-tokens
 */
import type { CoverageGap } from '#core/model/coverage-gap.ts';

/** Where a GitHub permission applies (fine-grained tokens list them under these three). */
export type GitHubPermissionScope = 'repository' | 'organization' | 'account';

/** One permission as GitHub grants it: `contents` at `write`. */
export interface GitHubPermission {
  name: string;
  /** `read`, `write` or `admin`. */
  access: string;
  scope: GitHubPermissionScope;
}

/** A repository of the organization. */
export interface GitHubRepository {
  id: number;
  name: string;
  private: boolean;
  archived: boolean;
  fork: boolean;
  defaultBranch: string | null;
  pushedAt: string | null;
}

/** A GitHub App installed on the organization. */
export interface GitHubAppInstallation {
  id: number;
  appId: number;
  appSlug: string;
  permissions: GitHubPermission[];
  /** `all` reaches every repository, present and future. */
  repositorySelection: 'all' | 'selected';
  /**
   * The selected repositories, when they could be listed (GitHub lists them only to the app
   * itself); undefined otherwise.
   */
  repositories?: string[];
  events: string[];
  createdAt: string | null;
  updatedAt: string | null;
  suspendedAt: string | null;
  suspendedBy: string | null;
  /** Who installed it: the actor of `integration_installation.create`, when the audit log has it. */
  installedBy?: string;
  /** True for the installation Leash itself signs in as. */
  self?: boolean;
}

/** A fine-grained personal access token approved for the organization (a "PAT grant"). */
export interface GitHubTokenGrant {
  /** The grant id (`pat_id`): what a revocation names. */
  patId: number;
  /** The token's own id: what the audit log's `token_id` holds. */
  tokenId: number;
  tokenName: string;
  owner: string;
  repositorySelection: 'none' | 'all' | 'subset';
  /** The subset's repositories, when listed. */
  repositories?: string[];
  permissions: GitHubPermission[];
  accessGrantedAt: string | null;
  tokenExpired: boolean;
  tokenExpiresAt: string | null;
  tokenLastUsedAt: string | null;
}

/** A pending request for a fine-grained token to access the organization. */
export interface GitHubTokenRequest {
  requestId: number;
  tokenId: number;
  tokenName: string;
  owner: string;
  reason: string | null;
  repositorySelection: 'none' | 'all' | 'subset';
  repositories?: string[];
  permissions: GitHubPermission[];
  createdAt: string | null;
  tokenExpiresAt: string | null;
}

/** A deploy key of one repository. */
export interface GitHubDeployKey {
  id: number;
  repository: string;
  title: string;
  readOnly: boolean;
  createdAt: string | null;
  /**
   * Last use as GitHub reports it: a date, null when GitHub reports none, undefined when the
   * response does not carry the field (older GitHub Enterprise Server).
   */
  lastUsed?: string | null;
  addedBy: string | null;
  verified: boolean;
  enabled: boolean | null;
  /** SHA-256 fingerprint of the public key (`SHA256:…`), for matching; the key itself is not kept. */
  fingerprint: string;
}

/** One audit-log event, reduced to what attribution needs. */
export interface GitHubAuditEvent {
  /** Epoch ms (`@timestamp`). */
  at: number;
  action: string;
  actor: string | null;
  /** `Fine-grained personal access token`, `GitHub App server-to-server token`, ... */
  programmaticAccessType: string | null;
  /** The fine-grained token's id, for events made with one. */
  tokenId: number | null;
  /** `org/repo`, when the event concerns a repository. */
  repository: string | null;
  /** The app an `integration_installation.*` event is about (its slug or name), when given. */
  integration: string | null;
}

/** What the audit log could give. */
export type GitHubAuditLog =
  | {
      read: true;
      events: GitHubAuditEvent[];
      /** The covered period, epoch ms: from the window's start (or the oldest event read) to its end. */
      from: number;
      to: number;
      /** True when a page budget stopped the read before the window's start. */
      truncated: boolean;
    }
  | { read: false; reason: string };

/** Evidence that a repository holds an AI agent. */
export interface AgentSignal {
  repository: string;
  kind: 'package-manifest' | 'mcp-config' | 'agent-workflow';
  path: string;
  /** The frameworks, SDKs, MCP servers or actions found (`@anthropic-ai/sdk`). */
  matches: string[];
}

/** Cloud roles a workflow file names (`role-to-assume`). */
export interface WorkflowRole {
  repository: string;
  path: string;
  roleArns: string[];
}

/** Everything read from one organization. */
export interface GitHubInventory {
  /** API host (`api.github.com`, `ghe.example.com`). */
  host: string;
  org: string;
  auth: 'app' | 'token';
  repositories: GitHubRepository[];
  /** Undefined when the listing could not be read (a coverage gap says why). */
  installations?: GitHubAppInstallation[];
  tokens?: GitHubTokenGrant[];
  tokenRequests?: GitHubTokenRequest[];
  deployKeys: GitHubDeployKey[];
  /** Repositories whose deploy keys were read. */
  deployKeysRead: number;
  auditLog: GitHubAuditLog;
  agentSignals: AgentSignal[];
  workflowRoles: WorkflowRole[];
  codeSearch: { complete: boolean; detail: string | null; queries: number; filesRead: number };
  /** The organization's OIDC `sub` template (`include_claim_keys`); null when not read. */
  oidcSubjectClaimKeys: string[] | null;
  /** Calls that could not be made. */
  gaps: CoverageGap[];
  requests: {
    total: number;
    rateLimited: number;
    rateLimitRemaining: number | null;
    rateLimitLimit: number | null;
  };
}

/** The `accountId` (store scope) of an organization's identities: `host/org`. */
export function githubScope(host: string, org: string): string {
  return `${host}/${org}`;
}
