/**
 * The agent graph: for each identity, the tools it can use. A tool is a Lambda function the
 * identity is configured to call (a Bedrock agent's action group, an AgentCore gateway target)
 * or may invoke by its grant, or a role it may assume (its grant allows sts:AssumeRole on the
 * role and the role's trust policy trusts it). Tools carry privilege: the role behind a tool can
 * hold more than the agent itself, and then the agent's reach includes it (LP-AI-002).
 * Only configuration and grants are used; nothing is guessed.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import type { IdentityAnalysis } from '#core/engine/analyze-account.ts';
import type { AccountInventory, IamRole } from '#core/iam/inventory.ts';
import type { Finding } from '#core/model/findings.ts';
import type { ActionSet } from '#core/policy/action-set.ts';
import { hasCondition } from '#core/policy/document.ts';
import { allowsOn } from '#core/policy/resource-match.ts';

/** One tool of an identity. */
export interface Tool {
  kind: 'lambda-function' | 'role' | 'knowledge-base' | 'endpoint';
  arn: string;
  /** The role the tool runs as, when known. */
  roleArn: string | null;
  /** How the identity reaches it. */
  via: string;
  /** `configured`: wired into an agent; `granted`: its policy allows it; `conditional`: only under a condition. */
  reach: 'configured' | 'granted' | 'conditional';
}

/** Does the role's trust policy let `principalArn` assume it? */
export function trusts(role: IamRole, principalArn: string): 'yes' | 'conditional' | 'no' {
  const account = principalArn.split(':')[4] ?? '';
  const partition = principalArn.split(':')[1] ?? 'aws';
  const accepted = new Set([principalArn, account, `arn:${partition}:iam::${account}:root`, '*']);
  let conditional = false;
  for (const st of role.trustPolicy?.statements ?? []) {
    if (st.effect !== 'Allow') continue;
    const acts = (st.actions ?? []).map((a) => a.toLowerCase());
    if (!acts.some((a) => a === 'sts:assumerole' || a === 'sts:*' || a === '*')) continue;
    const p = st.principal;
    const aws =
      p === '*'
        ? ['*']
        : typeof p === 'object' && p !== null
          ? (p as { AWS?: unknown }).AWS
          : undefined;
    const list = (Array.isArray(aws) ? aws : aws === undefined ? [] : [aws]).filter(
      (x): x is string => typeof x === 'string',
    );
    if (!list.some((x) => accepted.has(x))) continue;
    if (!hasCondition(st)) return 'yes';
    conditional = true;
  }
  return conditional ? 'conditional' : 'no';
}

/**
 * Builds every identity's tools.
 * @param analyses analysed identities; tools are computed for AI agents (their reach is the
 *   question) and for every identity a configured agent runs as
 */
export function buildTools(
  analyses: IdentityAnalysis[],
  inventory: AccountInventory,
  catalog: ActionCatalog,
): Map<string, Tool[]> {
  const tools = new Map<string, Tool[]>();
  const add = (arn: string, tool: Tool) => {
    const list = tools.get(arn) ?? [];
    if (!list.some((t) => t.arn === tool.arn && t.via === tool.via)) list.push(tool);
    tools.set(arn, list);
  };
  const functionRole = new Map(inventory.functions.map((f) => [f.arn, f.roleArn]));
  for (const agent of inventory.agents) {
    if (!agent.roleArn) continue;
    for (const t of agent.tools) {
      if (t.lambdaArn) {
        add(agent.roleArn, {
          kind: 'lambda-function',
          arn: t.lambdaArn,
          roleArn: functionRole.get(t.lambdaArn) ?? null,
          via: `${t.kind} ${t.name} of ${agent.kind} ${agent.name}`,
          reach: 'configured',
        });
      } else if (t.kind === 'knowledge-base' && t.arn) {
        add(agent.roleArn, {
          kind: 'knowledge-base',
          arn: t.arn,
          roleArn: null,
          via: `knowledge base of ${agent.kind} ${agent.name}`,
          reach: 'configured',
        });
      } else if (t.endpoint) {
        add(agent.roleArn, {
          kind: 'endpoint',
          arn: t.endpoint,
          roleArn: null,
          via: `${t.kind} ${t.name} of ${agent.kind} ${agent.name}`,
          reach: 'configured',
        });
      }
    }
  }
  const invoke = catalog.idOf('lambda:InvokeFunction');
  const assume = catalog.idOf('sts:AssumeRole');
  // Roles by the AWS principals their trust policies name (ARNs, account ids, '*').
  const byTrusted = new Map<string, IamRole[]>();
  for (const role of inventory.roles) {
    for (const st of role.trustPolicy?.statements ?? []) {
      if (st.effect !== 'Allow') continue;
      const p = st.principal;
      const aws =
        p === '*'
          ? ['*']
          : typeof p === 'object' && p !== null
            ? (p as { AWS?: unknown }).AWS
            : undefined;
      for (const x of Array.isArray(aws) ? aws : aws === undefined ? [] : [aws]) {
        if (typeof x !== 'string') continue;
        const list = byTrusted.get(x) ?? [];
        if (!list.includes(role)) list.push(role);
        byTrusted.set(x, list);
      }
    }
  }
  for (const a of analyses) {
    if (a.classification.class !== 'ai-agent') continue;
    const arn = a.identity.arn;
    if (invoke !== undefined && a.grant.allowed.has(invoke)) {
      for (const fn of inventory.functions) {
        const how = allowsOn(a.grant, invoke, fn.arn);
        if (how !== 'no')
          add(arn, {
            kind: 'lambda-function',
            arn: fn.arn,
            roleArn: fn.roleArn,
            via: 'lambda:InvokeFunction',
            reach: how === 'yes' ? 'granted' : 'conditional',
          });
      }
    }
    if (assume !== undefined && a.grant.allowed.has(assume)) {
      // Only roles whose trust policy names this identity, its account or anyone can be reached:
      // look those up instead of testing every role of the inventory.
      const account = arn.split(':')[4] ?? '';
      const partition = arn.split(':')[1] ?? 'aws';
      const candidates = new Set([
        ...(byTrusted.get(arn) ?? []),
        ...(byTrusted.get(account) ?? []),
        ...(byTrusted.get(`arn:${partition}:iam::${account}:root`) ?? []),
        ...(byTrusted.get('*') ?? []),
      ]);
      for (const role of candidates) {
        if (role.arn === arn || role.serviceLinked) continue;
        const how = allowsOn(a.grant, assume, role.arn);
        if (how === 'no') continue;
        const trust = trusts(role, arn);
        if (trust === 'no') continue;
        const reach = how === 'yes' && trust === 'yes' ? 'granted' : 'conditional';
        add(arn, { kind: 'role', arn: role.arn, roleArn: role.arn, via: 'sts:AssumeRole', reach });
      }
    }
  }
  return tools;
}

const SAMPLE = 15;

/**
 * LP-AI-002: for each AI agent, the tools whose role holds actions the agent itself does not.
 * @returns findings by identity ARN
 */
export function toolChainFindings(
  analyses: IdentityAnalysis[],
  tools: Map<string, Tool[]>,
  catalog: ActionCatalog,
): Map<string, Finding[]> {
  const byArn = new Map(analyses.map((a) => [a.identity.arn, a]));
  const out = new Map<string, Finding[]>();
  for (const a of analyses) {
    if (a.classification.class !== 'ai-agent') continue;
    const rows: Record<string, unknown>[] = [];
    let extraTotal = 0;
    let privileged = false;
    const seen = new Set<string>();
    for (const t of tools.get(a.identity.arn) ?? []) {
      if (!t.roleArn || t.roleArn === a.identity.arn || seen.has(t.arn)) continue;
      seen.add(t.arn);
      const target = byArn.get(t.roleArn);
      if (!target) continue;
      const extra: ActionSet = target.grant.allowed.clone().subtract(a.grant.allowed);
      const n = extra.count();
      if (n === 0) continue;
      extraTotal += n;
      const ids = extra.toArray();
      const pm = ids.filter((id) =>
        catalog.actions[id]!.accessLevels.includes('Permissions management'),
      );
      if (pm.length > 0) privileged = true;
      rows.push({
        tool: t.arn,
        kind: t.kind,
        via: t.via,
        reach: t.reach,
        role: t.roleArn,
        extraActions: n,
        permissionsManagementActions: pm.length,
        sample: [...pm, ...ids.filter((id) => !pm.includes(id))]
          .slice(0, SAMPLE)
          .map((id) => catalog.actions[id]!.qualified),
      });
    }
    if (rows.length === 0) continue;
    out.set(a.identity.arn, [
      {
        ruleId: 'LP-AI-002',
        rule: 'tool-chain-reach',
        severity: privileged ? 'high' : 'medium',
        title: `Through ${rows.length} tool${rows.length === 1 ? '' : 's'}, the agent reaches ${extraTotal} actions it does not hold itself`,
        explanation:
          'A function the agent may invoke, or a role it may assume, runs with permissions the agent lacks, so the agent can act with them. Rightsize the tool roles, or narrow what the agent may invoke or assume.',
        evidence: { tools: rows },
      },
    ]);
  }
  return out;
}
