/**
 * The explicit list of identity rules, with their human text. Ids are stable: reports,
 * suppressions and policy-as-code refer to them.
 */
import { evaluateAdminEquivalent } from '#core/engine/rules/admin-equivalent.ts';
import { evaluateAgentModelScope } from '#core/engine/rules/agent-model-scope.ts';
import { evaluateDeniedAttempts } from '#core/engine/rules/denied-attempts.ts';
import { evaluatePrivilegeEscalation } from '#core/engine/rules/privilege-escalation.ts';
import type { Rule } from '#core/engine/rules/rule.ts';
import {
  evaluateUnusedAccessKeys,
  evaluateUnusedPassword,
} from '#core/engine/rules/unused-credentials.ts';
import { evaluateUnusedIdentity } from '#core/engine/rules/unused-identity.ts';
import {
  evaluateUnusedPermissions,
  evaluateUnusedPolicies,
} from '#core/engine/rules/unused-permissions.ts';
import { evaluateYoungIdentity } from '#core/engine/rules/young-identity.ts';

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  {
    id: 'LP-IAM-001',
    name: 'unused-identity',
    severity: 'medium',
    info: 'The identity did nothing in the observed window.',
    explanation:
      'Neither CloudTrail nor IAM (RoleLastUsed, credential report) shows activity in the window. An identity nobody uses is pure exposure: disable or delete it after confirming with its owner.',
    evaluate: evaluateUnusedIdentity,
  },
  {
    id: 'LP-IAM-002',
    name: 'unused-access-key',
    severity: 'high',
    info: 'An active access key was not used in the window.',
    explanation:
      'Long-lived keys that are not used are the credentials most often leaked and least often missed. Deactivate the key (reversible), then delete it.',
    evaluate: evaluateUnusedAccessKeys,
  },
  {
    id: 'LP-IAM-003',
    name: 'unused-password',
    severity: 'medium',
    info: 'A console password was not used in the window.',
    explanation:
      'A console password nobody uses can still be phished or guessed. Remove the login profile.',
    evaluate: evaluateUnusedPassword,
  },
  {
    id: 'LP-IAM-004',
    name: 'young-identity',
    severity: 'info',
    info: 'The identity is younger than the window.',
    explanation:
      'It has not been observed for a full window, so its unused permissions may simply not have been needed yet. Treat its recommendations as low confidence.',
    evaluate: evaluateYoungIdentity,
  },
  {
    id: 'LP-IAM-005',
    name: 'admin-equivalent',
    severity: 'high',
    info: 'The identity holds administrator-equivalent access.',
    explanation:
      'A statement grants (nearly) every action, or all of IAM, on every resource without a condition. Replace it with the recommended policy.',
    evaluate: evaluateAdminEquivalent,
  },
  {
    id: 'LP-IAM-006',
    name: 'privilege-escalation-path',
    severity: 'high',
    info: 'The grant allows the identity to raise its own privileges.',
    explanation:
      'These action combinations let a holder gain permissions it was not given, so its effective access is broader than its policies read. Remove the actions or scope them to specific resources.',
    evaluate: evaluatePrivilegeEscalation,
  },
  {
    id: 'LP-IAM-007',
    name: 'unused-permissions',
    severity: 'medium',
    info: 'The identity holds permissions it did not use.',
    explanation:
      'Actions it could have been seen using but was not. The recommended policy keeps what was used and what could not be observed, under the original resource and condition scoping.',
    evaluate: evaluateUnusedPermissions,
  },
  {
    id: 'LP-IAM-008',
    name: 'unused-policy',
    severity: 'low',
    info: 'A whole policy grants nothing the identity used.',
    explanation:
      'Every action the policy grants went unused and none is unobservable. Detach it (or delete the inline policy).',
    evaluate: evaluateUnusedPolicies,
  },
  {
    id: 'LP-IAM-009',
    name: 'denied-attempts',
    severity: 'low',
    info: 'The identity tried calls it is not allowed.',
    explanation:
      'Denied calls are not usage and never enter a recommendation. Repeated denials show a broken deployment, or an identity (often an agent) probing beyond its grant.',
    evaluate: evaluateDeniedAttempts,
  },
  {
    id: 'LP-AI-001',
    name: 'agent-any-model',
    severity: 'medium',
    info: 'An AI agent may invoke any model.',
    explanation:
      'Its model-invocation grant covers every resource without a condition, so stolen credentials can run any model at your cost. Scope it to the model, inference profile or agent ARNs it uses.',
    evaluate: evaluateAgentModelScope,
  },
];
