import { describe, expect, it } from 'vitest';
import {
  classifyServicePrincipal,
  firstPartyAppIdsFrom,
  firstPartyReason,
} from '#core/entra/classify.ts';
import {
  aDelegatedGrant,
  anAgentIdentity,
  anAppPermission,
  aServicePrincipal,
  MICROSOFT_TENANT,
} from './builders.ts';

describe('classifyServicePrincipal', () => {
  it('classes an agent identity by its servicePrincipalType', () => {
    // Arrange
    const sp = anAgentIdentity({ odataType: undefined });

    // Act
    const c = classifyServicePrincipal(sp);

    // Assert
    expect(c).toMatchObject({
      class: 'ai-agent',
      aiRole: 'agent',
      type: 'agent-identity',
      rule: 'entra-agent-identity',
      firstParty: false,
    });
    expect(c.reason).toMatch(/ServiceIdentity/);
  });

  it('classes an agent identity by its @odata.type', () => {
    const c = classifyServicePrincipal(
      aServicePrincipal({ odataType: '#microsoft.graph.agentIdentity' }),
    );
    expect(c).toMatchObject({ type: 'agent-identity', rule: 'entra-agent-identity' });
    expect(c.reason).toMatch(/@odata.type/);
  });

  it('classes an agent blueprint principal as an agent service principal', () => {
    const c = classifyServicePrincipal(
      aServicePrincipal({ odataType: '#microsoft.graph.agentIdentityBlueprintPrincipal' }),
    );
    expect(c).toMatchObject({
      class: 'ai-agent',
      type: 'service-principal',
      rule: 'entra-agent-blueprint-principal',
    });
  });

  it('classes a Copilot Studio agent by its power-virtual-agents- tag', () => {
    const c = classifyServicePrincipal(
      aServicePrincipal({
        tags: ['WindowsAzureActiveDirectoryIntegratedApp', 'power-virtual-agents-1234'],
      }),
    );
    expect(c).toMatchObject({ class: 'ai-agent', rule: 'entra-agent-tag' });
    expect(c.reason).toMatch(/Copilot Studio/);
  });

  it.each([
    'AgenticApp',
    'agenticinstance',
  ])('classes an agent-platform app by the %s tag', (tag) => {
    const c = classifyServicePrincipal(aServicePrincipal({ tags: [tag] }));
    expect(c).toMatchObject({ class: 'ai-agent', rule: 'entra-agent-tag' });
  });

  it('classes an app holding an application permission on Cognitive Services as an agent', () => {
    const sp = aServicePrincipal({
      appPermissions: [
        anAppPermission({
          resourceName: 'Microsoft Cognitive Services',
          resourceAppId: '7d312290-28c8-473c-a0ed-8e53749b6d6d',
          permission: 'Cognitive Services User',
        }),
      ],
    });
    expect(classifyServicePrincipal(sp)).toMatchObject({
      class: 'ai-agent',
      rule: 'entra-ai-service-grant',
    });
  });

  it('classes an app holding a delegated grant on Azure OpenAI (by resource name) as an agent', () => {
    const sp = aServicePrincipal({
      delegatedGrants: [
        aDelegatedGrant(['user_impersonation'], {
          resourceName: 'Azure OpenAI',
          resourceAppId: undefined,
        }),
      ],
    });
    const c = classifyServicePrincipal(sp);
    expect(c.rule).toBe('entra-ai-service-grant');
    expect(c.reason).toMatch(/user_impersonation on Azure OpenAI/);
  });

  it('classes a first-party app as a workload and flags it', () => {
    const c = classifyServicePrincipal(
      aServicePrincipal({ appOwnerOrganizationId: MICROSOFT_TENANT }),
    );
    expect(c).toMatchObject({ class: 'workload', firstParty: true, rule: 'entra-first-party' });
  });

  it('flags a first-party agent but classes it by the agent rule', () => {
    const c = classifyServicePrincipal(
      aServicePrincipal({ appOwnerOrganizationId: MICROSOFT_TENANT, tags: ['AgenticApp'] }),
    );
    expect(c).toMatchObject({ class: 'ai-agent', firstParty: true, rule: 'entra-agent-tag' });
  });

  it('classes a managed identity as a workload', () => {
    const c = classifyServicePrincipal(
      aServicePrincipal({ servicePrincipalType: 'ManagedIdentity' }),
    );
    expect(c).toMatchObject({ class: 'workload', aiRole: null, rule: 'entra-managed-identity' });
  });

  it('classes any other application as a workload', () => {
    expect(classifyServicePrincipal(aServicePrincipal())).toMatchObject({
      class: 'workload',
      type: 'service-principal',
      rule: 'entra-application',
      firstParty: false,
    });
  });
});

describe('first-party detection', () => {
  it('recognises Microsoft app ids from MicrosoftApps.json, with a BOM', () => {
    // Arrange
    const ids = firstPartyAppIdsFrom(
      `\uFEFF${JSON.stringify([{ AppId: 'AAAA-1', AppDisplayName: 'X' }, { AppDisplayName: 'no id' }])}`,
    );
    const sp = aServicePrincipal({ appId: 'aaaa-1' });

    // Act
    const reason = firstPartyReason(sp, { firstPartyAppIds: ids });

    // Assert
    expect(ids.size).toBe(1);
    expect(reason).toMatch(/list of Microsoft apps/);
    expect(classifyServicePrincipal(sp, { firstPartyAppIds: ids }).firstParty).toBe(true);
  });

  it('recognises well-known Microsoft app ids without the list', () => {
    expect(
      firstPartyReason(
        aServicePrincipal({
          appId: '00000003-0000-0000-c000-000000000000',
          appOwnerOrganizationId: undefined,
        }),
      ),
    ).toMatch(/well-known/);
  });

  it('reads nothing from a file that is not an array', () => {
    expect(firstPartyAppIdsFrom({ value: [] }).size).toBe(0);
  });

  it('does not flag the tenant own apps', () => {
    expect(firstPartyReason(aServicePrincipal())).toBeUndefined();
  });
});
