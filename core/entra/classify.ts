/**
 * Classes each Entra service principal as an AI agent or a workload, and flags Microsoft's own
 * (first-party) apps. Rules are tried in order and the first that decides is recorded, so a
 * reader of findings.json can see why. First-party is a flag, not a class: a Microsoft agent is
 * both.
 *
 * Agent conventions (../shared/reference/entra-graph.md A.2):
 * - Entra Agent ID: agent identities have `servicePrincipalType` `ServiceIdentity` and
 *   `@odata.type` `#microsoft.graph.agentIdentity`; blueprint principals have `@odata.type`
 *   `#microsoft.graph.agentIdentityBlueprintPrincipal`.
 * - Agents made before Agent ID are ordinary service principals recognised by their tags. The
 *   Entra portal's "AI agent applications" filter, as reproduced by a third-party module, is
 *   `startswith(tag, 'power-virtual-agents-')` (Copilot Studio, formerly Power Virtual Agents)
 *   or a tag equal to `AgenticApp` or `AgenticInstance` (Azure AI Foundry and other agent
 *   platforms). Microsoft confirms that such tags exist but does not list their values, so
 *   these are documented conventions, not a contract; tags are compared case-insensitively.
 * - An app holding permissions on an AI service (Azure OpenAI and Azure AI services, through the
 *   Microsoft Cognitive Services resource; Azure Machine Learning; Copilot Studio's service;
 *   Microsoft Copilot resources) runs models for its own purposes, so it is treated as an agent.
 */
import type { EntraServicePrincipal } from '#core/entra/model.ts';

/** Microsoft's tenants that own first-party apps: Microsoft Services, and Microsoft's own. */
export const MICROSOFT_TENANT_IDS: ReadonlySet<string> = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
]);

/** A few first-party apps recognised even without MicrosoftApps.json. */
const WELL_KNOWN_FIRST_PARTY = new Set([
  '00000003-0000-0000-c000-000000000000', // Microsoft Graph
  '00000002-0000-0ff1-ce00-000000000000', // Office 365 Exchange Online
  '00000003-0000-0ff1-ce00-000000000000', // Office 365 SharePoint Online
  '96ff4394-9197-43aa-b393-6a41652e21f8', // Power Virtual Agents service
]);

/** App ids of AI service resources: holding a permission on one marks an agent. */
export const AI_RESOURCE_APP_IDS: ReadonlySet<string> = new Set([
  '7d312290-28c8-473c-a0ed-8e53749b6d6d', // Microsoft Cognitive Services (Azure OpenAI, Azure AI services)
  '96ff4394-9197-43aa-b393-6a41652e21f8', // Power Virtual Agents service (Copilot Studio)
]);

/**
 * Resource display names of AI services, for grants whose resource app id is not known
 * (delegated grants carry only the resource's object id and name).
 */
const AI_RESOURCE_NAME =
  /cognitive services|openai|azure machine learning|azure ai\b|ai foundry|power virtual agents|copilot studio|microsoft copilot/i;

/** How an identity is typed in findings.json. */
export type EntraIdentityType = 'service-principal' | 'agent-identity' | 'agent-user';

/** The decision and the rule that made it. */
export interface EntraClassification {
  class: 'workload' | 'ai-agent';
  aiRole: 'agent' | null;
  type: EntraIdentityType;
  /** A Microsoft first-party app: never recommended for removal. */
  firstParty: boolean;
  rule: string;
  reason: string;
}

/** Options of classification. */
export interface EntraClassifyOptions {
  /** App ids of Microsoft first-party apps (from MicrosoftApps.json; see `firstPartyAppIdsFrom`). */
  firstPartyAppIds?: ReadonlySet<string>;
}

/**
 * Reads the app ids out of a MicrosoftApps.json export (merill/microsoft-info: an array of
 * `{ AppId, AppDisplayName, AppOwnerOrganizationId }`). Rows without an app id are skipped.
 * @param json the parsed file, or its text (a leading UTF-8 BOM is accepted)
 * @throws SyntaxError when given text that is not JSON
 */
export function firstPartyAppIdsFrom(json: unknown): Set<string> {
  const value = typeof json === 'string' ? JSON.parse(json.replace(/^\uFEFF/, '')) : json;
  const out = new Set<string>();
  if (!Array.isArray(value)) return out;
  for (const row of value) {
    const id = (row as { AppId?: unknown } | null)?.AppId;
    if (typeof id === 'string' && id.length > 0) out.add(id.toLowerCase());
  }
  return out;
}

/** Whether the service principal is one of Microsoft's own apps, and why. */
export function firstPartyReason(
  sp: EntraServicePrincipal,
  options: EntraClassifyOptions = {},
): string | undefined {
  const appId = sp.appId.toLowerCase();
  if (
    sp.appOwnerOrganizationId &&
    MICROSOFT_TENANT_IDS.has(sp.appOwnerOrganizationId.toLowerCase())
  )
    return `owned by Microsoft's tenant ${sp.appOwnerOrganizationId}`;
  if (options.firstPartyAppIds?.has(appId)) return 'its app id is in the list of Microsoft apps';
  if (WELL_KNOWN_FIRST_PARTY.has(appId)) return 'a well-known Microsoft app id';
  return undefined;
}

/** The agent tag a service principal carries, if any. */
function agentTag(sp: EntraServicePrincipal): { tag: string; platform: string } | undefined {
  for (const tag of sp.tags) {
    const t = tag.toLowerCase();
    if (t.startsWith('power-virtual-agents-')) return { tag, platform: 'Copilot Studio' };
    if (t === 'agenticapp' || t === 'agenticinstance')
      return { tag, platform: 'an agent platform (Azure AI Foundry or similar)' };
  }
  return undefined;
}

/** The first grant the service principal holds on an AI service, described. */
function aiGrant(sp: EntraServicePrincipal): string | undefined {
  for (const p of sp.appPermissions) {
    if (
      (p.resourceAppId && AI_RESOURCE_APP_IDS.has(p.resourceAppId.toLowerCase())) ||
      AI_RESOURCE_NAME.test(p.resourceName)
    )
      return `application permission ${p.permission} on ${p.resourceName}`;
  }
  for (const g of sp.delegatedGrants) {
    if (
      (g.resourceAppId && AI_RESOURCE_APP_IDS.has(g.resourceAppId.toLowerCase())) ||
      AI_RESOURCE_NAME.test(g.resourceName)
    )
      return `delegated permission ${g.scopes.join(' ') || '(no scope)'} on ${g.resourceName}`;
  }
  return undefined;
}

/**
 * Classifies one service principal.
 * @returns the class, the findings.json type, the first-party flag and the deciding rule
 */
export function classifyServicePrincipal(
  sp: EntraServicePrincipal,
  options: EntraClassifyOptions = {},
): EntraClassification {
  const fp = firstPartyReason(sp, options);
  const firstParty = fp !== undefined;
  const odata = (sp.odataType ?? '').replace(/^#/, '').toLowerCase();
  const agent = (rule: string, reason: string, type: EntraIdentityType = 'service-principal') => ({
    class: 'ai-agent' as const,
    aiRole: 'agent' as const,
    type,
    firstParty,
    rule,
    reason,
  });
  const workload = (rule: string, reason: string) => ({
    class: 'workload' as const,
    aiRole: null,
    type: 'service-principal' as const,
    firstParty,
    rule,
    reason,
  });

  if (sp.servicePrincipalType === 'ServiceIdentity' || odata === 'microsoft.graph.agentidentity')
    return agent(
      'entra-agent-identity',
      sp.servicePrincipalType === 'ServiceIdentity'
        ? 'an Entra Agent ID agent identity (servicePrincipalType ServiceIdentity)'
        : 'an Entra Agent ID agent identity (@odata.type agentIdentity)',
      'agent-identity',
    );
  if (odata === 'microsoft.graph.agentidentityblueprintprincipal')
    return agent(
      'entra-agent-blueprint-principal',
      'the service principal of an agent identity blueprint: it creates and acts for agent identities',
    );
  const tag = agentTag(sp);
  if (tag) return agent('entra-agent-tag', `tagged ${tag.tag}: an agent made with ${tag.platform}`);
  const grant = aiGrant(sp);
  if (grant) return agent('entra-ai-service-grant', `holds ${grant}`);
  if (fp) return workload('entra-first-party', `a Microsoft first-party app: ${fp}`);
  if (sp.servicePrincipalType === 'ManagedIdentity')
    return workload('entra-managed-identity', 'a managed identity of an Azure resource');
  return workload(
    'entra-application',
    `a service principal of type ${sp.servicePrincipalType || 'unknown'}`,
  );
}
