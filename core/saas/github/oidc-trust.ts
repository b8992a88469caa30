/**
 * Joins AWS roles with GitHub Actions: a role whose trust policy admits GitHub's OIDC provider
 * (`token.actions.githubusercontent.com`, a GHE.com enterprise issuer, or a GitHub Enterprise
 * Server's `HOST/_services/token`) can be assumed by the workflows whose token `sub` its
 * condition admits. Each trust statement is tied to the organization's repositories its `sub`
 * patterns admit, and flagged when it admits any owner, any repository or any branch.
 *
 * `sub` as GitHub issues it (default template, `repo` + `context`):
 * `repo:ORG/REPO:ref:refs/heads/BRANCH`, `repo:ORG/REPO:environment:NAME`,
 * `repo:ORG/REPO:pull_request`, `repo:ORG/REPO:ref:refs/tags/TAG`. A customized template adds
 * `key:value` pairs in order; the `repo:` pair is still the repository. IAM's `StringLike` `*`
 * matches any run of characters (colons included), so `repo:org/app*` admits every ref of
 * `app` and of every repository whose name starts with `app`.
 * @see https://docs.github.com/actions/reference/security/oidc
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 */
import type { IamRole } from '#core/iam/inventory.ts';
import type { GitHubOidcTrust } from '#core/model/findings.ts';
import type { GitHubRepository, WorkflowRole } from '#core/saas/github/model.ts';

/** GitHub.com's Actions OIDC provider host. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** What the join needs from a GitHub organization. */
export interface OidcJoinInput {
  org: string;
  repositories: readonly Pick<GitHubRepository, 'name'>[];
  /** Roles named by workflow files (`role-to-assume`). */
  workflowRoles?: readonly WorkflowRole[];
  /**
   * OIDC provider hosts accepted besides github.com's (`ghe.example.com/_services/token`, or
   * `token.actions.githubusercontent.com/ENTERPRISE`). Enterprise suffixes of github.com's are
   * always accepted.
   */
  providerHosts?: readonly string[];
}

// Probes: names no real owner, repository, branch or environment has, so that a pattern
// matching them admits "any".
const PROBE_OWNER = 'leash-probe-owner-7c1f';
const PROBE_REPO = 'leash-probe-repository-7c1f';
const PROBE_REF = 'leash-probe-ref-7c1f';

/**
 * The GitHub OIDC trusts among the roles, one per trust statement that admits a GitHub
 * provider, sorted by role and statement.
 */
export function githubOidcTrusts(
  roles: readonly IamRole[],
  input: OidcJoinInput,
): GitHubOidcTrust[] {
  const out: GitHubOidcTrust[] = [];
  for (const role of roles) {
    for (const st of role.trustPolicy?.statements ?? []) {
      if (st.effect !== 'Allow') continue;
      if (
        st.actions &&
        !st.actions.some((a) => /^(sts:AssumeRoleWithWebIdentity|sts:\*|\*)$/i.test(a))
      )
        continue;
      const provider = githubProvider(st.principal, input.providerHosts ?? []);
      if (!provider) continue;
      const { subjects, audiences } = conditionValues(st.condition, provider);
      out.push({
        roleArn: role.arn,
        accountId: role.accountId,
        provider,
        statement: st.index,
        audiences: audiences.map((a) => a.value),
        subjects: subjects.map((s) => s.value),
        ...admission(subjects, input),
        workflowRepositories: [
          ...new Set(
            (input.workflowRoles ?? [])
              .filter((w) => w.roleArns.includes(role.arn))
              .map((w) => w.repository),
          ),
        ].sort(),
      });
    }
  }
  return out.sort((a, b) => a.roleArn.localeCompare(b.roleArn) || a.statement - b.statement);
}

/** The provider host a `Federated` principal names, when it is a GitHub Actions one. */
function githubProvider(principal: unknown, extraHosts: readonly string[]): string | undefined {
  if (typeof principal !== 'object' || principal === null) return undefined;
  const fed = (principal as Record<string, unknown>).Federated;
  const list = (Array.isArray(fed) ? fed : [fed]).filter((x): x is string => typeof x === 'string');
  for (const arn of list) {
    const host = /:oidc-provider\/(.+)$/.exec(arn)?.[1];
    if (!host) continue;
    const lower = host.toLowerCase();
    if (
      lower === GITHUB_OIDC_HOST ||
      lower.startsWith(`${GITHUB_OIDC_HOST}/`) ||
      lower.endsWith('/_services/token') ||
      extraHosts.some((h) => h.toLowerCase() === lower)
    )
      return host;
  }
  return undefined;
}

/** One admitted value and how it is compared. */
interface Admitted {
  value: string;
  wildcard: boolean;
  ignoreCase: boolean;
}

/**
 * The `sub` and `aud` values a statement requires. Negated operators (`StringNotLike`) only
 * narrow further and are not counted as admitting anything; `ForAllValues:` on a single-valued
 * key is ignored by IAM when the key is present, so it is read like the plain operator.
 */
function conditionValues(
  condition: Record<string, Record<string, unknown>> | undefined,
  provider: string,
): { subjects: Admitted[]; audiences: Admitted[] } {
  const subjects: Admitted[] = [];
  const audiences: Admitted[] = [];
  for (const [operator, block] of Object.entries(condition ?? {})) {
    const op = operator.replace(/^(ForAnyValue|ForAllValues):/i, '').replace(/IfExists$/i, '');
    if (!/^String(Equals|Like)(IgnoreCase)?$/i.test(op)) continue;
    const wildcard = /Like/i.test(op);
    const ignoreCase = /IgnoreCase$/i.test(op);
    for (const [key, raw] of Object.entries(block)) {
      const values = (Array.isArray(raw) ? raw : [raw]).filter(
        (v): v is string => typeof v === 'string',
      );
      const k = key.toLowerCase();
      const target =
        k === `${provider.toLowerCase()}:sub`
          ? subjects
          : k === `${provider.toLowerCase()}:aud`
            ? audiences
            : undefined;
      target?.push(...values.map((value) => ({ value, wildcard, ignoreCase })));
    }
  }
  return { subjects, audiences };
}

type Admission = Pick<
  GitHubOidcTrust,
  'repositories' | 'otherOwners' | 'anyOwner' | 'anyRepository' | 'anyRef'
>;

/** What the `sub` values admit, against the organization's repositories. */
function admission(subjects: Admitted[], input: OidcJoinInput): Admission {
  const all = input.repositories.map((r) => r.name).sort();
  // No `sub` condition: every workflow of every repository on the provider may assume it.
  if (subjects.length === 0)
    return {
      repositories: all,
      otherOwners: [],
      anyOwner: true,
      anyRepository: true,
      anyRef: true,
    };
  const repositories = new Set<string>();
  const otherOwners = new Set<string>();
  let anyOwner = false;
  let anyRepository = false;
  let anyRef = false;
  const org = input.org;
  for (const s of subjects) {
    const refsOf = (owner: string, repo: string) => [
      `repo:${owner}/${repo}:ref:refs/heads/${PROBE_REF}`,
      `repo:${owner}/${repo}:ref:refs/tags/${PROBE_REF}`,
      `repo:${owner}/${repo}:environment:${PROBE_REF}`,
    ];
    const owner = ownerOf(s.value);
    if (owner !== undefined && !/[*?]/.test(owner) && owner.toLowerCase() !== org.toLowerCase())
      otherOwners.add(owner);
    // A wildcard in the owner (`repo:acme*/…`) admits owners anyone can register (`acme-evil`).
    if (
      (owner !== undefined && /[*?]/.test(owner)) ||
      prefixAdmits(s, `repo:${PROBE_OWNER}/`) ||
      prefixAdmits(s, `repository_owner:${PROBE_OWNER}:`)
    )
      anyOwner = true;
    // A customized template without the `repo` claim: the owner pair admits all its repositories.
    const ownerOnly = !/(?:^|:)repo:/.test(s.value) && prefixAdmits(s, `repository_owner:${org}:`);
    if (ownerOnly) {
      for (const r of all) repositories.add(r);
      anyRepository = true;
      anyRef = true;
      continue;
    }
    for (const r of all) {
      if (!prefixAdmits(s, `repo:${org}/${r}:`) && !matches(s, `repo:${org}/${r}`)) continue;
      repositories.add(r);
      if (refsOf(org, r).some((sub) => matches(s, sub))) anyRef = true;
    }
    if (prefixAdmits(s, `repo:${org}/${PROBE_REPO}:`)) {
      anyRepository = true;
      if (refsOf(org, PROBE_REPO).some((sub) => matches(s, sub))) anyRef = true;
    }
  }
  return {
    repositories: [...repositories].sort(),
    otherOwners: [...otherOwners].sort(),
    anyOwner,
    anyRepository: anyRepository || anyOwner,
    anyRef,
  };
}

/** The owner part of a pattern's `repo:` pair, or of a custom `repository_owner:` pair. */
function ownerOf(pattern: string): string | undefined {
  const repo = /(?:^|:)repo:([^:/]*)/.exec(pattern)?.[1];
  if (repo !== undefined) return repo;
  return /(?:^|:)repository_owner:([^:]*)/.exec(pattern)?.[1];
}

/** True when some value starting with `prefix` satisfies the comparison. */
function prefixAdmits(a: Admitted, prefix: string): boolean {
  const p = a.ignoreCase ? a.value.toLowerCase() : a.value;
  const v = a.ignoreCase ? prefix.toLowerCase() : prefix;
  if (!a.wildcard) return p.startsWith(v);
  return wildcardPrefix(p, v);
}

/** IAM string comparison: exact, or `StringLike` with `*` and `?`. */
function matches(a: Admitted, value: string): boolean {
  const p = a.ignoreCase ? a.value.toLowerCase() : a.value;
  const v = a.ignoreCase ? value.toLowerCase() : value;
  if (!a.wildcard) return p === v;
  return wildcardMatch(p, v);
}

/** `*` matches any run of characters, `?` exactly one; everything else literally. */
export function wildcardMatch(pattern: string, value: string): boolean {
  // Iterative matcher with backtracking on the last `*`: linear in practice, no regex building.
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * True when the pattern can match some string that starts with `prefix`: the set of pattern
 * positions reachable after consuming the prefix is not empty.
 */
export function wildcardPrefix(pattern: string, prefix: string): boolean {
  let states = closure(pattern, new Set([0]));
  for (const ch of prefix) {
    const next = new Set<number>();
    for (const i of states) {
      if (i >= pattern.length) continue;
      const c = pattern[i];
      if (c === '*') next.add(i);
      else if (c === '?' || c === ch) next.add(i + 1);
    }
    states = closure(pattern, next);
    if (states.size === 0) return false;
  }
  return true;
}

/** Adds the positions reachable by letting `*` match nothing. */
function closure(pattern: string, states: Set<number>): Set<number> {
  const out = new Set(states);
  for (const i of states)
    for (let j = i; j < pattern.length && pattern[j] === '*'; j++) out.add(j + 1);
  return out;
}

/** Roles among the trusts whose trust admits any owner, repository or branch. */
export function tooBroad(trust: GitHubOidcTrust): boolean {
  return trust.anyOwner || trust.anyRepository || trust.anyRef;
}
