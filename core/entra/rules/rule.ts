/**
 * Entra identity rules, in the cdk-nag manner of core/engine/rules: one file per rule, a stable
 * id (`LP-ENTRA-001`), and a result that is Compliant, NotApplicable or a list of findings. Human
 * text lives next to the registration in `rules/index.ts`.
 */
import type { RuleResult, Severity } from '#core/engine/rules/rule.ts';
import type { TimeWindow } from '#core/engine/usage.ts';
import type { EntraClassification } from '#core/entra/classify.ts';
import type { HighRisk } from '#core/entra/high-risk.ts';
import type { EntraAgentUser, EntraServicePrincipal } from '#core/entra/model.ts';
import type { PermissionKind } from '#core/entra/permission-map.ts';

export type { RuleHit, RuleResult, Severity } from '#core/engine/rules/rule.ts';

/** Why a held permission's use cannot be judged. */
export type UnobservableReason =
  /** Graph activity logs were not read, so no request is known. */
  | 'no-graph-activity-logs'
  /** The permission is on another resource (Exchange, SharePoint REST, Azure, a custom API). */
  | 'not-microsoft-graph'
  /** A delegated scope sign-in itself needs (openid, profile, email, offline_access, User.Read). */
  | 'sign-in-scope'
  /** The permission map does not say which requests the permission authorizes. */
  | 'not-in-permission-map'
  /** The identity made requests the map could not resolve, under paths the permission covers. */
  | 'unmapped-requests'
  /** Granted after the window began: it has not been observed for the whole window. */
  | 'granted-during-window';

/** One permission an identity holds, with what the requests say about it. */
export interface HeldPermission {
  permission: string;
  kind: PermissionKind;
  /** Resource display name (`Microsoft Graph`). */
  resource: string;
  resourceAppId?: string;
  /** True when the resource is Microsoft Graph, whose requests the activity logs hold. */
  graph: boolean;
  status: 'used' | 'unused' | 'unobservable';
  reason?: UnobservableReason;
  /** Requests that could have used it (when used). */
  use?: { count: number; first: number; last: number; calls: string[] };
  /**
   * Narrower held permissions that authorized every request credited to this one: it can be
   * removed without breaking any call seen. Empty when not reducible.
   */
  reducibleTo: string[];
  /** appRoleAssignment or oauth2PermissionGrant ids that grant it. */
  grantIds: string[];
  grantedAt?: string;
  highRisk?: HighRisk;
}

/** When the identity was last seen active, and whether that is known at all. */
export interface ActivityEvidence {
  /** False when neither sign-in activity nor Graph activity logs were read. */
  known: boolean;
  /** Latest sign-in or request, epoch ms. */
  lastActive: number | undefined;
  /** Requests attributed to the identity in the window. */
  requestsInWindow: number;
}

/** Everything an Entra rule may look at for one service principal. */
export interface EntraRuleContext {
  sp: EntraServicePrincipal;
  tenantId: string;
  classification: EntraClassification;
  window: TimeWindow;
  /** The analysis instant (credential expiry is judged against it), epoch ms. */
  asOf: number;
  /** True when Graph activity logs cover the window: only then is a permission called unused. */
  observable: boolean;
  /** True when credential sign-in activity was read. */
  credentialActivity: boolean;
  activity: ActivityEvidence;
  permissions: HeldPermission[];
  /**
   * Set when the identity is an agent user: `sp` then stands in for it (no permissions, roles or
   * credentials; `servicePrincipalType` `AgentUser`) and only the rules that apply to agent users
   * run (LP-ENTRA-001, LP-ENTRA-010).
   */
  agentUser?: {
    user: EntraAgentUser;
    /** The parent agent identity, when it is in the inventory. */
    parent: EntraServicePrincipal | undefined;
    /** False when service principals were not read: a missing parent then says nothing. */
    parentKnown: boolean;
  };
}

/** A registered Entra rule. */
export interface EntraRule {
  id: string;
  name: string;
  severity: Severity;
  /** One line: what the rule finds. */
  info: string;
  /** Why it matters and what to do. */
  explanation: string;
  evaluate(ctx: EntraRuleContext): RuleResult;
}

const ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** One step more severe (critical stays critical): the bump AI agents get. */
export function raise(severity: Severity): Severity {
  return ORDER[Math.min(ORDER.indexOf(severity) + 1, ORDER.length - 1)]!;
}

/** The more severe of two severities. */
export function worst(a: Severity, b: Severity): Severity {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

/** True for AI agents (agent identities, tagged agents, apps on AI services). */
export function isAgent(ctx: EntraRuleContext): boolean {
  return ctx.classification.aiRole === 'agent';
}
