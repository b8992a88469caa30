/**
 * The explicit list of Entra identity rules, with their human text. Ids are stable: reports,
 * suppressions and policy-as-code refer to them.
 */
import { evaluateExpiredCredential } from '#core/entra/rules/expired-credential.ts';
import { evaluateHighRiskPermission } from '#core/entra/rules/high-risk-permission.ts';
import { evaluateLongLivedCredential } from '#core/entra/rules/long-lived-credential.ts';
import { evaluateOrphanedAgentUser } from '#core/entra/rules/orphaned-agent-user.ts';
import { evaluatePrivilegedRole } from '#core/entra/rules/privileged-role.ts';
import type { EntraRule } from '#core/entra/rules/rule.ts';
import { evaluateStaleDelegation } from '#core/entra/rules/stale-delegation.ts';
import { evaluateUnusedCredential } from '#core/entra/rules/unused-credential.ts';
import {
  evaluateReduciblePermission,
  evaluateUnusedPermission,
} from '#core/entra/rules/unused-permission.ts';
import { evaluateUnusedServicePrincipal } from '#core/entra/rules/unused-service-principal.ts';

/** Every Entra rule, in report order. */
export const ENTRA_RULES: readonly EntraRule[] = [
  {
    id: 'LP-ENTRA-001',
    name: 'unused-service-principal',
    severity: 'medium',
    info: 'The service principal or agent identity did not sign in during the window.',
    explanation:
      "Entra's sign-in activity shows no sign-in (as a client or as a resource) in the window. An identity nobody uses is pure exposure: disable it (reversible), confirm with its owner or sponsor, then delete it. Microsoft's own stale-app recommendation uses 90 days.",
    evaluate: evaluateUnusedServicePrincipal,
  },
  {
    id: 'LP-ENTRA-002',
    name: 'unused-credential',
    severity: 'medium',
    info: 'A valid secret or certificate was not used to sign in during the window.',
    explanation:
      'A credential nobody uses can still be leaked and used. Remove it (removePassword for secrets; rewrite keyCredentials for certificates, since removeKey needs proof of possession).',
    evaluate: evaluateUnusedCredential,
  },
  {
    id: 'LP-ENTRA-003',
    name: 'long-lived-credential',
    severity: 'medium',
    info: 'A client secret is valid for more than 180 days, or an AI agent holds a standing secret.',
    explanation:
      'Long-lived secrets are copied into scripts and vaults and outlive the people who made them. Prefer a managed identity or a federated identity credential; otherwise rotate secrets within 180 days. Agents should never hold a secret of their own.',
    evaluate: evaluateLongLivedCredential,
  },
  {
    id: 'LP-ENTRA-004',
    name: 'expired-credential',
    severity: 'low',
    info: 'An expired credential is still on the app.',
    explanation:
      'Expired credentials cannot sign in, but they clutter reviews and hide which credentials are live. Remove them.',
    evaluate: evaluateExpiredCredential,
  },
  {
    id: 'LP-ENTRA-005',
    name: 'unused-graph-permission',
    severity: 'medium',
    info: 'Application or delegated Graph permissions authorized none of the requests seen.',
    explanation:
      'Graph activity logs cover the window and no request the identity made could have used these permissions. Remove the app role assignments (or shrink the delegated grant); the identity keeps every permission that could have authorized a request it made.',
    evaluate: evaluateUnusedPermission,
  },
  {
    id: 'LP-ENTRA-006',
    name: 'high-risk-permission',
    severity: 'high',
    info: 'The identity holds application permissions that can take over the tenant or its data.',
    explanation:
      'Control-plane permissions (RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All and the like) let the holder grant itself anything; data permissions read or write every mailbox, file or site without a signed-in user. Keep them only where the app cannot work otherwise, scoped (Sites.Selected, RBAC for applications in Exchange) where possible. On AI agents, whose calls a model chooses, the severity is one step higher.',
    evaluate: evaluateHighRiskPermission,
  },
  {
    id: 'LP-ENTRA-007',
    name: 'privileged-directory-role',
    severity: 'high',
    info: 'A non-human identity holds a privileged Entra directory role.',
    explanation:
      'A privileged role on a service principal is standing administrator access that no person signs in for, protected only by the app credential. Remove the role assignment, or make it eligible-only through PIM. On AI agents it is critical.',
    evaluate: evaluatePrivilegedRole,
  },
  {
    id: 'LP-ENTRA-008',
    name: 'stale-delegation',
    severity: 'medium',
    info: 'Nobody answers for the identity: no owner or sponsor, or every one is disabled or deleted.',
    explanation:
      'Owners maintain an app and sponsors answer for an agent; when none remains, nobody reviews its access or notices misuse. Assign an active owner (and, for agents, a sponsor) or retire the identity.',
    evaluate: evaluateStaleDelegation,
  },
  {
    id: 'LP-ENTRA-009',
    name: 'reducible-permission',
    severity: 'low',
    info: 'A permission is broader than every request seen, and a narrower one the identity holds covers them.',
    explanation:
      'Every request this permission could have authorized was also authorized by a narrower permission the identity holds (Mail.ReadWrite beside Mail.Read with only reads seen). Remove the broader one.',
    evaluate: evaluateReduciblePermission,
  },
  {
    id: 'LP-ENTRA-010',
    name: 'orphaned-agent-user',
    severity: 'medium',
    info: "An enabled agent user's parent agent identity is disabled, deleted or absent.",
    explanation:
      'Entra does not delete an agent user with its agent identity or blueprint: it stays an enabled user account, with its mailbox, group memberships and licences, that no agent answers for any more. Disable the agent user (reversible), check what it still holds, then delete it, or re-enable its agent identity if the agent is still needed.',
    evaluate: evaluateOrphanedAgentUser,
  },
];
