/** LP-AI-001: an AI agent that may invoke any model. */
import { MODEL_INVOCATION_ACTIONS } from '#core/engine/ai-actions.ts';
import type { RuleContext, RuleResult } from '#core/engine/rules/rule.ts';
import { coversAllResources, hasCondition } from '#core/policy/document.ts';

/**
 * Raises a finding when an AI agent's model-invocation grant covers every resource without a
 * condition: any model (the costliest included) can be run with its credentials, the pattern
 * behind LLMjacking.
 */
export function evaluateAgentModelScope(ctx: RuleContext): RuleResult {
  if (ctx.classification.class !== 'ai-agent') return 'NotApplicable';
  const ids = MODEL_INVOCATION_ACTIONS.map((a) => ctx.catalog.idOf(a)).filter(
    (id): id is number => id !== undefined,
  );
  const wide = ctx.grant.allowStatements.filter(
    (gs) =>
      coversAllResources(gs.statement) &&
      !hasCondition(gs.statement) &&
      ids.some((id) => gs.actions.has(id) && ctx.grant.allowed.has(id)),
  );
  if (wide.length === 0) return 'Compliant';
  const actions = ids
    .filter((id) => wide.some((gs) => gs.actions.has(id)))
    .map((id) => ctx.catalog.actions[id]!.qualified);
  return [
    {
      title: 'AI agent may invoke any model or agent on every resource',
      evidence: { policies: [...new Set(wide.map((gs) => gs.source.name))], actions },
    },
  ];
}
