import { describe, expect, it } from 'vitest';
import { analyzeTenant, buildEntraDocument } from '#core/entra/analyze-tenant.ts';
import type { EntraAgentUser, EntraInventory, EntraServicePrincipal } from '#core/entra/model.ts';
import { ENTRA_RULES } from '#core/entra/rules/index.ts';
import { FindingsDocumentSchema, type IdentityResult } from '#core/model/findings.ts';
import {
  anAgentIdentity,
  anAgentUser,
  anInventory,
  aServicePrincipal,
  BEFORE_WINDOW,
  IN_WINDOW,
  WINDOW,
} from './builders.ts';

/** Analyses a tenant and returns the result of the agent user. */
function analyzeUser(
  user: EntraAgentUser,
  sps: EntraServicePrincipal[],
  inventory: Partial<EntraInventory> = {},
): IdentityResult {
  const result = analyzeTenant(
    anInventory(sps, { agentUsers: [user], agentUserSignInActivity: true, ...inventory }),
    [],
    { window: WINDOW },
  );
  return result.identities.find((r) => r.id === user.id)!;
}

const ruleIds = (r: IdentityResult) => r.findings.map((f) => f.ruleId).sort();

describe('agent users', () => {
  it('registers LP-ENTRA-010 orphaned-agent-user with its text', () => {
    const rule = ENTRA_RULES.find((r) => r.id === 'LP-ENTRA-010')!;
    expect(rule.name).toBe('orphaned-agent-user');
    expect(rule.severity).toBe('medium');
    expect(rule.explanation.length).toBeGreaterThan(50);
  });

  it('is an ai-agent identity of type agent-user linked to its parent agent identity', () => {
    const parent = anAgentIdentity({ signIn: { lastSignIn: IN_WINDOW } });
    const user = anAgentUser({ identityParentId: parent.id, lastSignIn: IN_WINDOW });
    const r = analyzeUser(user, [parent]);
    expect(r).toMatchObject({
      type: 'agent-user',
      class: 'ai-agent',
      aiRole: 'agent',
      classifiedBy: { rule: 'entra-agent-user' },
      recommendation: 'none-needed',
      confidence: 'high',
    });
    expect(r.entra).toMatchObject({
      identityParentId: parent.id,
      userPrincipalName: user.userPrincipalName,
      servicePrincipalType: 'AgentUser',
      odataType: '#microsoft.graph.agentUser',
      signIn: { lastSignIn: IN_WINDOW },
    });
    expect(r.findings).toEqual([]);
  });

  it('LP-ENTRA-010 fires when the parent is absent, deleted or disabled', () => {
    const other = aServicePrincipal();
    const disabled = anAgentIdentity({ accountEnabled: false });
    const absent = analyzeUser(anAgentUser({ identityParentId: 'gone', lastSignIn: IN_WINDOW }), [
      other,
    ]);
    expect(ruleIds(absent)).toEqual(['LP-ENTRA-010']);
    expect(absent.findings[0]!.evidence).toMatchObject({ parentState: 'absent' });
    expect(absent.recommendation).toBe('decommission');

    const off = analyzeUser(anAgentUser({ identityParentId: disabled.id, lastSignIn: IN_WINDOW }), [
      other,
      disabled,
    ]);
    expect(off.findings[0]).toMatchObject({
      ruleId: 'LP-ENTRA-010',
      rule: 'orphaned-agent-user',
      evidence: { parentState: 'disabled' },
    });

    const none = analyzeUser(anAgentUser({ lastSignIn: IN_WINDOW }), [other]);
    expect(none.findings[0]!.evidence).toMatchObject({ parentState: 'no-parent' });
  });

  it('LP-ENTRA-010 does not fire for a disabled agent user or when service principals were not read', () => {
    const disabledUser = analyzeUser(
      anAgentUser({ identityParentId: 'gone', accountEnabled: false, lastSignIn: IN_WINDOW }),
      [aServicePrincipal()],
    );
    expect(ruleIds(disabledUser)).toEqual([]);
    const unread = analyzeUser(
      anAgentUser({ identityParentId: 'gone', lastSignIn: IN_WINDOW }),
      [],
    );
    expect(ruleIds(unread)).toEqual([]);
    expect(unread.confidence).toBe('low');
  });

  it('reuses LP-ENTRA-001 when sign-in activity shows no sign-in in the window', () => {
    const parent = anAgentIdentity({ signIn: { lastSignIn: IN_WINDOW } });
    const stale = analyzeUser(
      anAgentUser({ identityParentId: parent.id, lastSignIn: BEFORE_WINDOW }),
      [parent],
    );
    expect(ruleIds(stale)).toEqual(['LP-ENTRA-001']);
    expect(stale.recommendation).toBe('decommission');
    const never = analyzeUser(anAgentUser({ identityParentId: parent.id }), [parent]);
    expect(ruleIds(never)).toEqual(['LP-ENTRA-001']);
  });

  it('does not call an agent user unused without sign-in activity', () => {
    const parent = anAgentIdentity({ signIn: { lastSignIn: IN_WINDOW } });
    const r = analyzeUser(anAgentUser({ identityParentId: parent.id }), [parent], {
      agentUserSignInActivity: false,
    });
    expect(r.findings).toEqual([]);
    expect(r.recommendation).toBe('none-needed');
    expect(r.entra!.gaps.join(' ')).toMatch(/No sign-in activity/);
  });

  it('fits the findings.json schema and the summary', () => {
    const parent = anAgentIdentity({ signIn: { lastSignIn: IN_WINDOW } });
    const analysis = analyzeTenant(
      anInventory([parent], {
        agentUsers: [anAgentUser({ identityParentId: 'gone', lastSignIn: IN_WINDOW })],
        agentUserSignInActivity: true,
      }),
      [],
      { window: WINDOW },
    );
    const doc = buildEntraDocument(analysis, {
      toolVersion: 'test',
      window: WINDOW,
      lookbackDays: 90,
    });
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.summary.identities).toBe(2);
    expect(doc.summary.findingsByRule['LP-ENTRA-010']).toBe(1);
    expect(doc.summary.identitiesToDecommission).toBe(1);
  });
});
