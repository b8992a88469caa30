/**
 * GitHub containment targets: which token grant, deploy key or app installation a `github.*`
 * request names. The identity ids of the findings (core/saas/github/analyze-org.ts) encode it;
 * a request whose id does not may give the parts in `params` instead:
 *
 * | Kind                          | Identity id of the findings                       | Or params            |
 * |-------------------------------|---------------------------------------------------|----------------------|
 * | `github.revoke-token-access`  | `github:HOST/ORG/personal-access-tokens/PAT_ID`   | `patId`              |
 * | `github.delete-deploy-key`    | `github:HOST/ORG/REPO/keys/KEY_ID`                | `repo`, `keyId`      |
 * | `github.suspend-installation` | `github:HOST/ORG/installations/INSTALLATION_ID`   | `installationId`     |
 *
 * The scope is always `HOST/ORG` (core/saas/github/model.ts `githubScope`): a deploy key's
 * repository belongs to ORG (`params.owner`, when given, must be ORG). Request validation
 * (request.ts) and the actuators (connectors/saas/github/contain.ts) read targets through this
 * one function, so both agree on what a request names.
 */
import { z } from 'zod';
import type { RequestIssue } from '#core/containment/errors.ts';
import type { ContainmentKind, ContainmentRequest } from '#core/ports/containment.ts';

/** The GitHub kinds of containment. */
export type GitHubContainmentKind = Extract<ContainmentKind, `github.${string}`>;

/** What a `github.*` request acts on, with the host and organization of its scope. */
export type GitHubTargetRef =
  | { kind: 'github.revoke-token-access'; host: string; org: string; patId: number }
  | {
      kind: 'github.delete-deploy-key';
      host: string;
      org: string;
      /** Always the organization: deploy keys of its repositories. */
      owner: string;
      repo: string;
      keyId: number;
    }
  | { kind: 'github.suspend-installation'; host: string; org: string; installationId: number };

/** A GitHub numeric id, as JSON carries it. */
const numericId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** GitHub repository names: letters, digits, `.`, `_`, `-`. */
const repoName = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, 'a repository name (letters, digits, ., _ and -)');

/** The parameters of each GitHub kind; all optional when the target id encodes them. */
export const GITHUB_KIND_PARAMS = {
  /** The token grant (`pat_id`) to revoke. */
  'github.revoke-token-access': z.looseObject({ patId: numericId.optional() }),
  /** The repository of the organization and the deploy key in it. */
  'github.delete-deploy-key': z.looseObject({
    owner: z.string().trim().min(1).optional(),
    repo: repoName.optional(),
    keyId: numericId.optional(),
  }),
  /** The installation of the app to suspend. */
  'github.suspend-installation': z.looseObject({ installationId: numericId.optional() }),
} satisfies Record<GitHubContainmentKind, z.ZodType<Record<string, unknown>>>;

/** True for the `github.*` kinds. */
export function isGitHubKind(kind: ContainmentKind): kind is GitHubContainmentKind {
  return kind.startsWith('github.');
}

/**
 * The host and organization of a GitHub scope (`github.com/acme`, `ghe.example.com/acme`,
 * `127.0.0.1:8443/acme`), or null when it is not one.
 */
export function parseGitHubScope(scope: string): { host: string; org: string } | null {
  const m = /^([^/\s]+)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(scope);
  return m ? { host: m[1]!, org: m[2]! } : null;
}

/** Per kind: the id's tail after `github:HOST/ORG/`, and what it holds. */
const ID_TAIL: Record<GitHubContainmentKind, RegExp> = {
  'github.revoke-token-access': /^personal-access-tokens\/([1-9]\d{0,14})$/,
  'github.delete-deploy-key': /^([A-Za-z0-9._-]+)\/keys\/([1-9]\d{0,14})$/,
  'github.suspend-installation': /^installations\/([1-9]\d{0,14})$/,
};

const ID_FORMAT: Record<GitHubContainmentKind, string> = {
  'github.revoke-token-access': 'github:HOST/ORG/personal-access-tokens/PAT_ID',
  'github.delete-deploy-key': 'github:HOST/ORG/REPO/keys/KEY_ID',
  'github.suspend-installation': 'github:HOST/ORG/installations/INSTALLATION_ID',
};

/**
 * What a `github.*` request acts on, from its target id and params, or every problem with them.
 * Pure: no GitHub call is made (whether the grant, key or installation exists is the actuator's
 * to find).
 */
export function githubTargetRef(
  request: Pick<ContainmentRequest, 'kind' | 'target' | 'params'>,
): { ref: GitHubTargetRef; issues: [] } | { ref: null; issues: RequestIssue[] } {
  const { kind, target } = request;
  if (!isGitHubKind(kind))
    return { ref: null, issues: [{ path: 'kind', message: `${kind} is not a GitHub kind` }] };
  const scope = parseGitHubScope(target.scope);
  if (!scope)
    return {
      ref: null,
      issues: [{ path: 'target.scope', message: 'a GitHub scope is HOST/ORG (github.com/acme)' }],
    };
  const parsed = GITHUB_KIND_PARAMS[kind].safeParse(request.params);
  if (!parsed.success)
    return {
      ref: null,
      issues: parsed.error.issues.map((i) => ({
        path: ['params', ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    };
  const params = parsed.data as {
    patId?: number;
    owner?: string;
    repo?: string;
    keyId?: number;
    installationId?: number;
  };
  const issues: RequestIssue[] = [];
  const fromId = idParts(kind, target.id, target.scope, issues);
  /** The id's value, or the param's; a conflict between the two is an issue. */
  const pick = <T extends string | number>(
    name: string,
    fromIdValue: T | undefined,
    param: T | undefined,
  ): T | undefined => {
    if (fromIdValue !== undefined && param !== undefined && fromIdValue !== param)
      issues.push({
        path: `params.${name}`,
        message: `${param} differs from ${fromIdValue} in target.id`,
      });
    const value = fromIdValue ?? param;
    if (value === undefined)
      issues.push({
        path: `params.${name}`,
        message: `needed: target.id is not ${ID_FORMAT[kind]}`,
      });
    return value;
  };
  const { host, org } = scope;
  let ref: GitHubTargetRef | null = null;
  switch (kind) {
    case 'github.revoke-token-access': {
      const patId = pick('patId', fromId?.[0] ? Number(fromId[0]) : undefined, params.patId);
      if (patId !== undefined) ref = { kind, host, org, patId };
      break;
    }
    case 'github.delete-deploy-key': {
      if (params.owner !== undefined && params.owner.toLowerCase() !== org.toLowerCase())
        issues.push({
          path: 'params.owner',
          message: `deploy keys of ${org}'s repositories only (the organization of target.scope), not ${params.owner}'s`,
        });
      const repo = pick('repo', fromId?.[0], params.repo);
      const keyId = pick('keyId', fromId?.[1] ? Number(fromId[1]) : undefined, params.keyId);
      if (repo !== undefined && keyId !== undefined)
        ref = { kind, host, org, owner: org, repo, keyId };
      break;
    }
    case 'github.suspend-installation': {
      const installationId = pick(
        'installationId',
        fromId?.[0] ? Number(fromId[0]) : undefined,
        params.installationId,
      );
      if (installationId !== undefined) ref = { kind, host, org, installationId };
      break;
    }
  }
  if (issues.length > 0 || !ref) return { ref: null, issues };
  return { ref, issues: [] };
}

/**
 * The parts a findings id encodes, or undefined when the id is not of the kind's format. An id
 * of the findings (`github:…`) for another organization than the scope is an issue.
 */
function idParts(
  kind: GitHubContainmentKind,
  id: string,
  scope: string,
  issues: RequestIssue[],
): string[] | undefined {
  if (!id.startsWith('github:')) return undefined;
  const prefix = `github:${scope}/`;
  // GitHub logins and hosts are case-insensitive; the id's tail is kept as written.
  if (id.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
    issues.push({
      path: 'target.id',
      message: `a GitHub identity id of ${scope} starts ${prefix}`,
    });
    return undefined;
  }
  const m = ID_TAIL[kind].exec(id.slice(prefix.length));
  return m ? m.slice(1) : undefined;
}
