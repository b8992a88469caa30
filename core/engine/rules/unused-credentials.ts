/** LP-IAM-002 and LP-IAM-003: access keys and console passwords not used in the window. */
import { iso, type RuleContext, type RuleHit, type RuleResult } from '#core/engine/rules/rule.ts';

/** Raises a finding per active access key not used since the window started. */
export function evaluateUnusedAccessKeys(ctx: RuleContext): RuleResult {
  const keys = ctx.credentials?.accessKeys.filter((k) => k.active) ?? [];
  if (ctx.identity.type !== 'user' || keys.length === 0) return 'NotApplicable';
  const hits: RuleHit[] = [];
  for (const key of keys) {
    const last = key.lastUsedDate ? Date.parse(key.lastUsedDate) : undefined;
    if (last !== undefined && last >= ctx.window.from) continue;
    // A key issued inside the window and never used yet is young, not stale.
    const rotated = key.lastRotated ? Date.parse(key.lastRotated) : undefined;
    if (last === undefined && rotated !== undefined && rotated >= ctx.window.from) continue;
    hits.push({
      title:
        last === undefined
          ? `Access key ${key.slot} is active and was never used`
          : `Access key ${key.slot} last used ${key.lastUsedDate!.slice(0, 10)}`,
      evidence: {
        slot: key.slot,
        lastUsed: last !== undefined ? iso(last) : null,
        lastUsedService: key.lastUsedService ?? null,
        lastRotated: key.lastRotated ?? null,
      },
    });
  }
  return hits.length > 0 ? hits : 'Compliant';
}

/** Raises a finding when a console password exists and was not used since the window started. */
export function evaluateUnusedPassword(ctx: RuleContext): RuleResult {
  const c = ctx.credentials;
  if (ctx.identity.type !== 'user' || !c?.passwordEnabled) return 'NotApplicable';
  const last = c.passwordLastUsed ? Date.parse(c.passwordLastUsed) : undefined;
  const signedIn = (ctx.usage?.consoleSignIns ?? 0) > 0;
  if (signedIn || (last !== undefined && last >= ctx.window.from)) return 'Compliant';
  const created = c.userCreationTime ? Date.parse(c.userCreationTime) : undefined;
  if (last === undefined && created !== undefined && created >= ctx.window.from) return 'Compliant';
  return [
    {
      title:
        last === undefined
          ? 'Console password was never used'
          : `Console password last used ${c.passwordLastUsed!.slice(0, 10)}`,
      evidence: { passwordLastUsed: last !== undefined ? iso(last) : null, mfaActive: c.mfaActive },
    },
  ];
}
