/**
 * The protected-identity guard: identities Leash never touches whatever policy says. It runs
 * before policy is asked, and again on the state read right before execution (tags may have
 * changed while a request waited for approval). The deployed containment role denies the same
 * identities in IAM (cdk/constructs/account-roles.ts); this is the first of the two fences.
 *
 * GitHub identities carry no tags: they are protected by name (`leash-*` covers Leash's own app
 * when its slug starts so; tokens are named `TOKEN (OWNER)`, deploy keys `TITLE (REPO)`), by id,
 * by a `leash:protected` tag in the request, and, whatever their name, when the actuator's
 * snapshot says the identity is the one Leash itself signs in as (`self: true`: the GitHub App
 * installation the containment client uses).
 */
import type { ContainmentState, ContainmentTarget } from '#core/ports/containment.ts';

/** The tag that protects an identity (any value but `false`; Entra tags carry no value). */
export const PROTECTED_TAG = 'leash:protected';

/** The IAM path of Leash's own roles. */
export const LEASH_PATH = '/leash/';

/** Which identities are protected, besides the tag and Leash's path. */
export interface ProtectionSettings {
  /**
   * Name patterns (`*` matches any run of characters), compared case-insensitively with the
   * identity name: break-glass roles and Leash's own identities.
   */
  protectedNamePatterns: readonly string[];
  /** Ids (ARNs, Entra object ids, GitHub identity ids) never touched. */
  protectedIdentityIds: readonly string[];
}

/** Break-glass roles by their usual names, and Leash's own (`leash-*`). */
export const DEFAULT_PROTECTION: ProtectionSettings = {
  protectedNamePatterns: ['*break-glass*', '*breakglass*', '*break_glass*', 'leash-*'],
  protectedIdentityIds: [],
};

/** Why Leash refuses to touch an identity. */
export interface Refusal {
  reason: 'protected' | 'service-linked';
  /** One sentence for the audit log and the person who asked. */
  detail: string;
}

/**
 * Whether an identity must not be contained, and why.
 * @param current the snapshot read right before execution: its `tags` (and `path`), when the
 *   actuator reports them, replace the request's; `self: true` marks Leash's own identity
 */
export function refusalFor(
  target: ContainmentTarget,
  settings: ProtectionSettings,
  current?: ContainmentState,
): Refusal | null {
  const tags = isStringRecord(current?.tags) ? current.tags : target.tags;
  const path = typeof current?.path === 'string' ? current.path : iamPathOf(target.id);
  if (target.provider === 'aws' && isServiceLinked(target.name, path))
    return {
      reason: 'service-linked',
      detail: `${target.name} is a service-linked role: AWS owns its permissions and only the service may change them; remove the service feature that created it instead`,
    };
  if (hasProtectedTag(tags))
    return { reason: 'protected', detail: `${target.name} is tagged ${PROTECTED_TAG}` };
  if (path?.startsWith(LEASH_PATH))
    return { reason: 'protected', detail: `${target.name} is one of Leash's own roles (${path})` };
  if (current?.self === true)
    return {
      reason: 'protected',
      detail: `${target.name} is the identity Leash itself signs in as: containing it would stop Leash, not the threat`,
    };
  if (settings.protectedIdentityIds.includes(target.id))
    return { reason: 'protected', detail: `${target.name} is listed as protected by id` };
  const pattern = settings.protectedNamePatterns.find((p) => globMatch(p, target.name));
  if (pattern)
    return {
      reason: 'protected',
      detail: `${target.name} matches the protected name pattern ${pattern} (break-glass or Leash's own)`,
    };
  return null;
}

/** Whether tags protect an identity: `leash:protected` with any value but `false`. */
export function hasProtectedTag(tags: Record<string, string>): boolean {
  return Object.entries(tags).some(
    ([k, v]) => k.toLowerCase() === PROTECTED_TAG && v.trim().toLowerCase() !== 'false',
  );
}

/**
 * The IAM path in a role or user ARN (`arn:aws:iam::1:role/leash/x` -> `/leash/`), or null for
 * other ARNs.
 */
export function iamPathOf(arn: string): string | null {
  const m = /^arn:[^:]+:iam::\d*:(?:role|user)(\/.*\/|\/)[^/]+$/.exec(arn);
  return m ? m[1]! : null;
}

function isServiceLinked(name: string, path: string | null): boolean {
  return Boolean(path?.startsWith('/aws-service-role/')) || name.startsWith('AWSServiceRoleFor');
}

function globMatch(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(text);
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  );
}
