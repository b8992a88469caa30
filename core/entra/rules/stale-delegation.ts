/** LP-ENTRA-008: nobody answers for the identity: no owner or sponsor, or all of them gone. */
import type { EntraPersonRef } from '#core/entra/model.ts';
import {
  type EntraRuleContext,
  isAgent,
  type RuleResult,
  type Severity,
} from '#core/entra/rules/rule.ts';

/** True when a person can no longer answer for anything: disabled or deleted. */
export function isGone(p: EntraPersonRef): boolean {
  return p.deleted === true || p.accountEnabled === false;
}

/**
 * Fires when an app or agent has no owner and no sponsor, or when every one of them is disabled
 * or deleted. Managed identities are owned through their Azure resource and first-party apps by
 * Microsoft, so neither applies. An app published by another organization commonly has no owner
 * in this tenant: low severity. Agents must have a sponsor: one step higher.
 */
export function evaluateStaleDelegation(ctx: EntraRuleContext): RuleResult {
  const { sp, tenantId } = ctx;
  if (ctx.classification.firstParty || sp.servicePrincipalType === 'ManagedIdentity')
    return 'NotApplicable';
  const people = [...sp.owners, ...sp.sponsors];
  const agent = isAgent(ctx);
  const external =
    sp.appOwnerOrganizationId !== undefined &&
    sp.appOwnerOrganizationId.toLowerCase() !== tenantId.toLowerCase();
  const severity: Severity = agent ? 'high' : external ? 'low' : 'medium';
  if (people.length === 0)
    return [
      {
        title: `No owner or sponsor${agent ? ' for an AI agent' : ''}`,
        severity,
        evidence: {
          owners: 0,
          sponsors: 0,
          appOwnerOrganizationId: sp.appOwnerOrganizationId ?? null,
        },
      },
    ];
  if (!people.every(isGone)) return 'Compliant';
  return [
    {
      title: `Every owner and sponsor is disabled or deleted${agent ? ' for an AI agent' : ''}`,
      severity,
      evidence: {
        owners: sp.owners.map(describe),
        sponsors: sp.sponsors.map(describe),
      },
    },
  ];
}

function describe(p: EntraPersonRef): Record<string, unknown> {
  return {
    id: p.id,
    name: p.userPrincipalName ?? p.displayName ?? p.id,
    state: p.deleted ? 'deleted' : p.accountEnabled === false ? 'disabled' : 'active',
  };
}
