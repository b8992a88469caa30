/**
 * Classes each identity as human, workload or AI agent, and among AI identities as user,
 * builder or agent. Rules are tried in order and the first that decides is recorded, so a
 * reader of findings.json can see why.
 *
 * - agent: a non-human identity that runs models or agents (trusted by Bedrock, or a workload
 *   seen invoking models, or granted model invocation explicitly);
 * - builder: any identity that creates agents, models, knowledge bases or training jobs;
 * - user: a human who invokes models.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import {
  AGENT_SERVICE_PRINCIPALS,
  AI_BUILDER_ACTIONS,
  MODEL_INVOCATION_ACTIONS,
} from '#core/engine/ai-actions.ts';
import type { PrincipalUsage } from '#core/engine/usage.ts';
import type { CredentialReportRow, IamIdentity } from '#core/iam/inventory.ts';
import type { ActionSet } from '#core/policy/action-set.ts';
import type { EffectiveGrant } from '#core/policy/effective.ts';

/** The identity classes. */
export type IdentityClass = 'human' | 'workload' | 'ai-agent';
/** Roles among AI identities. */
export type AiRole = 'agent' | 'builder' | 'user';

/** The decision and the rule that made it. */
export interface Classification {
  class: IdentityClass;
  aiRole: AiRole | null;
  rule: string;
  reason: string;
}

/** What classification looks at. */
export interface ClassifyInput {
  identity: IamIdentity | { type: 'root'; arn: string; tags?: Record<string, string> };
  grant?: EffectiveGrant;
  usage?: PrincipalUsage;
  credentials?: CredentialReportRow;
}

/** Trust policy principals of a role, by kind. */
export interface TrustedPrincipals {
  services: string[];
  federated: string[];
  aws: string[];
}

/** Reads the principals a role's trust policy names in its Allow statements. */
export function trustedPrincipals(identity: IamIdentity): TrustedPrincipals {
  const out: TrustedPrincipals = { services: [], federated: [], aws: [] };
  if (identity.type !== 'role' || !identity.trustPolicy) return out;
  for (const st of identity.trustPolicy.statements) {
    if (st.effect !== 'Allow' || typeof st.principal !== 'object' || st.principal === null) {
      if (st.effect === 'Allow' && st.principal === '*') out.aws.push('*');
      continue;
    }
    const p = st.principal as Record<string, unknown>;
    const list = (v: unknown) =>
      (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
        (x): x is string => typeof x === 'string',
      );
    out.services.push(...list(p.Service));
    out.federated.push(...list(p.Federated));
    out.aws.push(...list(p.AWS));
  }
  return out;
}

/** Precomputed action ids for classification, built once per catalog. */
export class Classifier {
  private readonly invoke: number[];
  private readonly build: number[];

  constructor(readonly catalog: ActionCatalog) {
    const ids = (names: readonly string[]) =>
      names.map((n) => catalog.idOf(n)).filter((id): id is number => id !== undefined);
    this.invoke = ids(MODEL_INVOCATION_ACTIONS);
    this.build = ids(AI_BUILDER_ACTIONS);
  }

  /** Classifies one identity. */
  classify(input: ClassifyInput): Classification {
    const { identity, usage } = input;
    const tags = identity.tags ?? {};
    const override = tags['leash:class'];
    if (override === 'human' || override === 'workload' || override === 'ai-agent') {
      const ai = tags['leash:ai-role'];
      const aiRole =
        ai === 'agent' || ai === 'builder' || ai === 'user'
          ? ai
          : override === 'ai-agent'
            ? 'agent'
            : null;
      return {
        class: override,
        aiRole,
        rule: 'tag-override',
        reason: `tag leash:class=${override}`,
      };
    }
    const invokes = this.usedAny(usage, this.invoke);
    const builds = this.usedAny(usage, this.build);
    const humanAi = (): AiRole | null => (builds ? 'builder' : invokes ? 'user' : null);
    const aiNote = () =>
      builds ? '; creates AI resources (builder)' : invokes ? '; invokes models (AI user)' : '';

    if (identity.type === 'root') {
      return {
        class: 'human',
        aiRole: humanAi(),
        rule: 'root-user',
        reason: `the account root user${aiNote()}`,
      };
    }
    if (identity.type === 'role' && identity.serviceLinked) {
      return {
        class: 'workload',
        aiRole: null,
        rule: 'service-linked-role',
        reason: 'service-linked role owned by an AWS service',
      };
    }
    if (identity.type === 'user') {
      const console =
        input.credentials?.passwordEnabled ||
        identity.hasLoginProfile ||
        (usage?.consoleSignIns ?? 0) > 0;
      if (console) {
        return {
          class: 'human',
          aiRole: humanAi(),
          rule: 'console-user',
          reason: `IAM user with console access${aiNote()}`,
        };
      }
      if (invokes) {
        return {
          class: 'ai-agent',
          aiRole: 'agent',
          rule: 'programmatic-user-invokes-models',
          reason: 'IAM user with access keys only, seen invoking models',
        };
      }
      return {
        class: 'workload',
        aiRole: builds ? 'builder' : null,
        rule: 'programmatic-user',
        reason: `IAM user with access keys only${builds ? '; creates AI resources (builder)' : ''}`,
      };
    }

    const trust = trustedPrincipals(identity);
    const agentService = trust.services.find((s) => AGENT_SERVICE_PRINCIPALS.includes(s));
    if (agentService) {
      return {
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'trusted-by-agent-service',
        reason: `trust policy allows ${agentService}`,
      };
    }
    const saml =
      trust.federated.some((f) => /:saml-provider\//.test(f)) ||
      /^AWSReservedSSO_/.test(identity.name);
    if (saml || (usage?.onBehalfOf.size ?? 0) > 0) {
      return {
        class: 'human',
        aiRole: humanAi(),
        rule: 'federated-human-role',
        reason: `role assumed by people through SAML or IAM Identity Center${aiNote()}`,
      };
    }
    if (invokes) {
      return {
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'workload-invokes-models',
        reason: `workload role seen invoking models${trust.services.length ? ` (trusted by ${trust.services.join(', ')})` : ''}`,
      };
    }
    if (input.grant && this.explicitlyGrantsInvoke(input.grant) && trust.services.length > 0) {
      return {
        class: 'ai-agent',
        aiRole: 'agent',
        rule: 'workload-granted-model-invocation',
        reason: `workload role whose policy names model invocation explicitly (trusted by ${trust.services.join(', ')})`,
      };
    }
    const humans = trust.aws.length > 0 && (usage?.sourceIdentities.size ?? 0) > 0;
    if (humans && trust.services.length === 0 && trust.federated.length === 0) {
      return {
        class: 'human',
        aiRole: humanAi(),
        rule: 'assumed-by-people',
        reason: `role assumed by people (source identities ${[...usage!.sourceIdentities.keys()].join(', ')})${aiNote()}`,
      };
    }
    const by = [
      ...trust.services,
      ...trust.federated.map((f) => f.split('/').pop() ?? f),
      ...trust.aws,
    ].join(', ');
    return {
      class: 'workload',
      aiRole: builds ? 'builder' : null,
      rule: 'workload-role',
      reason: `role for workloads${by ? ` (trusted by ${by})` : ''}${builds ? '; creates AI resources (builder)' : ''}`,
    };
  }

  private usedAny(usage: PrincipalUsage | undefined, ids: number[]): boolean {
    return usage !== undefined && ids.some((id) => usage.used.has(id));
  }

  /** True when an Allow statement names a model-invocation action by its own service prefix. */
  private explicitlyGrantsInvoke(grant: EffectiveGrant): boolean {
    return grant.allowStatements.some(
      (gs) =>
        gs.statement.actions?.some((a) => /^(bedrock|bedrock-agentcore|sagemaker):/i.test(a)) ===
          true &&
        this.invoke.some((id) => gs.actions.has(id) && (grant.allowed as ActionSet).has(id)),
    );
  }
}
