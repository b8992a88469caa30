/**
 * Agent users (Entra Agent ID `agentUser`) through collectTenant and analyzeTenant against the
 * loopback Graph server: the samples tenant holds one agent user of its agent identity and one
 * whose agent identity is gone (added by hand: no Microsoft sample exists).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectTenant } from '#connectors/entra/collect-tenant.ts';
import { createGraphClient } from '#connectors/entra/graph-client.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import { analyzeTenant } from '#core/entra/analyze-tenant.ts';
import { IdentityResultSchema } from '#core/model/findings.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import {
  SAMPLE_IDS,
  SCANNER_CLIENT_ID,
  SCANNER_SECRET,
  samplesTenant,
  TEST_TENANT_ID,
} from '#test/helpers/graph-tenant.ts';

const AS_OF = Date.parse('2026-06-15T00:00:00Z');

async function scan(s: GraphServer) {
  const client = createGraphClient({
    tenantId: TEST_TENANT_ID,
    clientId: SCANNER_CLIENT_ID,
    auth: { kind: 'secret', secret: SCANNER_SECRET },
    authorityHost: s.url,
    graphBaseUrl: s.url,
    ca: s.ca,
    sleep: async () => {},
  });
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  const inventory = await collectTenant(client, { tenantId: TEST_TENANT_ID, gaps, issues });
  return { inventory, gaps, issues };
}

let server: GraphServer;
beforeAll(async () => {
  server = await startGraphServer(samplesTenant());
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
});

describe('agent users', () => {
  it('lists agent users with their parent and sign-in activity', async () => {
    const { inventory, gaps, issues } = await scan(server);
    expect(issues).toEqual([]);
    expect(gaps.gaps).toEqual([]);
    expect(inventory.agentUserSignInActivity).toBe(true);
    const users = [...(inventory.agentUsers ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    expect(users).toEqual([
      {
        id: SAMPLE_IDS.agentUser,
        userPrincipalName: 'expense-triage-agent@contoso.com',
        displayName: 'Expense triage agent (user)',
        accountEnabled: true,
        identityParentId: SAMPLE_IDS.agent,
        createdDateTime: '2026-05-02T09:05:00.000Z',
        lastSignIn: '2026-06-01T10:00:00.000Z',
        sponsors: [],
      },
      {
        id: SAMPLE_IDS.orphanedAgentUser,
        userPrincipalName: 'retired-agent@contoso.com',
        displayName: 'Retired agent (user)',
        accountEnabled: true,
        identityParentId: SAMPLE_IDS.deletedAgent,
        createdDateTime: '2026-01-10T09:00:00.000Z',
        sponsors: [],
      },
    ]);
    const listing = server.requests.find((r) =>
      r.path.endsWith('/users/microsoft.graph.agentUser'),
    );
    expect(decodeURIComponent(listing!.query)).toContain('signInActivity');
  });

  it('analyses them: the orphaned, never-used one is to decommission, the other is fine', async () => {
    const { inventory } = await scan(server);
    const analysis = analyzeTenant(inventory, undefined, { window: 90, asOf: AS_OF });
    const byId = new Map(analysis.identities.map((r) => [r.id, r]));
    const ok = byId.get(SAMPLE_IDS.agentUser)!;
    const orphan = byId.get(SAMPLE_IDS.orphanedAgentUser)!;
    for (const r of [ok, orphan]) {
      expect(IdentityResultSchema.safeParse(r).success).toBe(true);
      expect(r).toMatchObject({ type: 'agent-user', class: 'ai-agent', aiRole: 'agent' });
    }
    expect(ok.entra?.identityParentId).toBe(SAMPLE_IDS.agent);
    expect(ok.findings).toEqual([]);
    expect(ok.recommendation).toBe('none-needed');
    expect(orphan.findings.map((f) => f.ruleId).sort()).toEqual(['LP-ENTRA-001', 'LP-ENTRA-010']);
    expect(orphan.recommendation).toBe('decommission');
  });

  it('reads them again without signInActivity when that $select is refused, with a gap', async () => {
    const s = await startGraphServer({ ...samplesTenant(), denyAgentUserSignInActivity: true });
    try {
      const { inventory, gaps } = await scan(s);
      expect(inventory.agentUsers).toHaveLength(2);
      expect(inventory.agentUserSignInActivity).toBe(false);
      expect(inventory.agentUsers!.every((u) => u.lastSignIn === undefined)).toBe(true);
      expect(gaps.gaps).toMatchObject([
        {
          provider: 'entra',
          api: 'GET /users/microsoft.graph.agentUser (signInActivity)',
          reason: 'access-denied',
        },
      ]);
      // Sign-in unknown: LP-ENTRA-001 stays silent; the orphan is still found.
      const analysis = analyzeTenant(inventory, undefined, { window: 90, asOf: AS_OF });
      const orphan = analysis.identities.find((r) => r.id === SAMPLE_IDS.orphanedAgentUser)!;
      expect(orphan.findings.map((f) => f.ruleId)).toEqual(['LP-ENTRA-010']);
    } finally {
      await s.close();
    }
  });

  it('records a denied listing as a coverage gap and goes on', async () => {
    server.deny('/users/microsoft.graph.agentUser', { times: 10 });
    const { inventory, gaps } = await scan(server);
    expect(inventory.agentUsers).toBeUndefined();
    expect(inventory.servicePrincipals.length).toBeGreaterThan(0);
    expect(gaps.gaps).toMatchObject([
      { provider: 'entra', api: 'GET /users/microsoft.graph.agentUser', reason: 'access-denied' },
    ]);
  });
});
