/**
 * GitHub test data builders (STYLE.md §7): each returns a valid, minimal object a test overrides
 * field by field. The window is the one of test/helpers/builders.ts.
 */
import type {
  AgentSignal,
  GitHubAppInstallation,
  GitHubAuditEvent,
  GitHubDeployKey,
  GitHubInventory,
  GitHubRepository,
  GitHubTokenGrant,
} from '#core/saas/github/model.ts';

export { AS_OF, BEFORE_WINDOW, IN_WINDOW, WINDOW } from '#test/helpers/builders.ts';

/** The organization every builder uses. */
export const ORG = 'acme';
/** Its scope (`accountId` of its identities). */
export const SCOPE = 'github.com/acme';

let seq = 0;
const next = () => ++seq;

/** A repository. */
export function aRepository(
  name: string,
  overrides: Partial<GitHubRepository> = {},
): GitHubRepository {
  return {
    id: 100 + next(),
    name,
    private: true,
    archived: false,
    fork: false,
    defaultBranch: 'main',
    pushedAt: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

/** An installation on all repositories with contents read, made long before the window. */
export function anInstallation(
  overrides: Partial<GitHubAppInstallation> = {},
): GitHubAppInstallation {
  const n = next();
  return {
    id: n,
    appId: 1000 + n,
    appSlug: `app-${n}`,
    permissions: [
      { name: 'contents', access: 'read', scope: 'repository' },
      { name: 'metadata', access: 'read', scope: 'repository' },
    ],
    repositorySelection: 'all',
    events: [],
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: null,
    suspendedAt: null,
    suspendedBy: null,
    ...overrides,
  };
}

/** A token grant on one repository, granted before the window, used inside it, expiring. */
export function aToken(overrides: Partial<GitHubTokenGrant> = {}): GitHubTokenGrant {
  const n = next();
  return {
    patId: 5000 + n,
    tokenId: 9000 + n,
    tokenName: `script-${n}`,
    owner: 'dev',
    repositorySelection: 'subset',
    repositories: ['app'],
    permissions: [
      { name: 'contents', access: 'read', scope: 'repository' },
      { name: 'metadata', access: 'read', scope: 'repository' },
    ],
    accessGrantedAt: '2026-07-01T00:00:00Z',
    tokenExpired: false,
    tokenExpiresAt: '2027-01-01T00:00:00Z',
    tokenLastUsedAt: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

/** A read-only deploy key used inside the window. */
export function aDeployKey(overrides: Partial<GitHubDeployKey> = {}): GitHubDeployKey {
  const n = next();
  return {
    id: 700 + n,
    repository: 'app',
    title: `key-${n}`,
    readOnly: true,
    createdAt: '2025-01-01T00:00:00Z',
    lastUsed: '2026-11-01T00:00:00Z',
    addedBy: 'ops',
    verified: true,
    enabled: true,
    fingerprint: `SHA256:test${n}`,
    ...overrides,
  };
}

/** An audit-log event inside the window. */
export function anEvent(overrides: Partial<GitHubAuditEvent> = {}): GitHubAuditEvent {
  return {
    at: Date.parse('2026-11-01T12:00:00Z'),
    action: 'repo.update',
    actor: 'dev',
    programmaticAccessType: null,
    tokenId: null,
    repository: `${ORG}/app`,
    integration: null,
    ...overrides,
  };
}

/** An agent signal in a repository's package.json. */
export function aSignal(repository: string): AgentSignal {
  return {
    repository,
    kind: 'package-manifest',
    path: 'package.json',
    matches: ['@anthropic-ai/sdk'],
  };
}

/** An organization with repositories `app` and `agent`, the audit log read over the window. */
export function anInventory(parts: Partial<GitHubInventory> = {}): GitHubInventory {
  return {
    host: 'github.com',
    org: ORG,
    auth: 'app',
    repositories: [aRepository('app'), aRepository('agent')],
    installations: [],
    tokens: [],
    tokenRequests: [],
    deployKeys: [],
    deployKeysRead: 2,
    auditLog: {
      read: true,
      events: [],
      from: Date.parse('2026-08-17T00:00:00Z'),
      to: Date.parse('2026-11-15T00:00:00Z'),
      truncated: false,
    },
    agentSignals: [],
    workflowRoles: [],
    codeSearch: { complete: true, detail: null, queries: 8, filesRead: 0 },
    oidcSubjectClaimKeys: ['repo', 'context'],
    gaps: [],
    requests: { total: 10, rateLimited: 0, rateLimitRemaining: 4990, rateLimitLimit: 5000 },
    ...parts,
  };
}
