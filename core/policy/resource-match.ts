/**
 * Does an identity's grant allow an action on one specific resource? Used to find what an agent
 * can reach (functions it may invoke, roles it may assume). Resource patterns match ARNs
 * case-sensitively with `*` and `?`; policy variables (`${aws:username}`) match anything, the
 * cautious reading for reach. Conditions are not evaluated: a match under a condition is
 * reported as conditional.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 */
import { hasCondition } from '#core/policy/document.ts';
import type { EffectiveGrant } from '#core/policy/effective.ts';

const cache = new Map<string, RegExp>();

/** Compiles an ARN pattern (case-sensitive; policy variables match anything). */
export function arnPattern(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    let src = '^';
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      if (ch === '$' && pattern[i + 1] === '{') {
        const end = pattern.indexOf('}', i);
        if (end > 0) {
          src += '.*';
          i = end;
          continue;
        }
      }
      if (ch === '*') src += '.*';
      else if (ch === '?') src += '.';
      else src += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    }
    re = new RegExp(`${src}$`);
    cache.set(pattern, re);
  }
  return re;
}

/**
 * How the grant allows `actionId` on `arn`.
 * @returns `yes` (an unconditional statement covers it), `conditional` (only statements with a
 *   Condition do), or `no`
 */
export function allowsOn(
  grant: EffectiveGrant,
  actionId: number,
  arn: string,
): 'yes' | 'conditional' | 'no' {
  if (!grant.allowed.has(actionId)) return 'no';
  let conditional = false;
  for (const gs of grant.allowStatements) {
    if (!gs.actions.has(actionId)) continue;
    const st = gs.statement;
    const covers = st.notResources
      ? !st.notResources.some((p) => arnPattern(p).test(arn))
      : (st.resources ?? ['*']).some((p) => arnPattern(p).test(arn));
    if (!covers) continue;
    if (!hasCondition(st)) return 'yes';
    conditional = true;
  }
  return conditional ? 'conditional' : 'no';
}
