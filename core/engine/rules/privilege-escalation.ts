/**
 * LP-IAM-006: a grant that lets the identity raise its own privileges. Paths follow the
 * well-known IAM escalation catalogue (Rhino Security Labs, 2018, and later additions).
 */
import type { RuleContext, RuleResult } from '#core/engine/rules/rule.ts';
import { coversAllResources } from '#core/policy/document.ts';

/** An escalation path: every action in `all` is needed. */
interface EscalationPath {
  id: string;
  all: string[];
  how: string;
}

/** Known paths; each must be fully granted to count. */
export const ESCALATION_PATHS: readonly EscalationPath[] = [
  {
    id: 'create-policy-version',
    all: ['iam:CreatePolicyVersion'],
    how: 'write a new default version of a policy attached to itself',
  },
  {
    id: 'set-default-policy-version',
    all: ['iam:SetDefaultPolicyVersion'],
    how: 'switch an attached policy to a broader old version',
  },
  {
    id: 'attach-user-policy',
    all: ['iam:AttachUserPolicy'],
    how: 'attach AdministratorAccess to a user',
  },
  {
    id: 'attach-group-policy',
    all: ['iam:AttachGroupPolicy'],
    how: 'attach AdministratorAccess to a group',
  },
  {
    id: 'attach-role-policy',
    all: ['iam:AttachRolePolicy'],
    how: 'attach AdministratorAccess to a role it can use',
  },
  {
    id: 'put-user-policy',
    all: ['iam:PutUserPolicy'],
    how: 'write an inline admin policy on a user',
  },
  {
    id: 'put-group-policy',
    all: ['iam:PutGroupPolicy'],
    how: 'write an inline admin policy on a group',
  },
  {
    id: 'put-role-policy',
    all: ['iam:PutRolePolicy'],
    how: 'write an inline admin policy on a role',
  },
  { id: 'add-user-to-group', all: ['iam:AddUserToGroup'], how: 'join a more privileged group' },
  { id: 'create-access-key', all: ['iam:CreateAccessKey'], how: 'mint keys for another user' },
  {
    id: 'create-login-profile',
    all: ['iam:CreateLoginProfile'],
    how: 'set a console password for another user',
  },
  {
    id: 'update-login-profile',
    all: ['iam:UpdateLoginProfile'],
    how: "reset another user's console password",
  },
  {
    id: 'update-assume-role-policy',
    all: ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'],
    how: 'trust itself on a privileged role, then assume it',
  },
  {
    id: 'passrole-lambda',
    all: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
    how: 'run code as a more privileged role through a new Lambda function',
  },
  {
    id: 'passrole-lambda-event-source',
    all: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
    how: 'run code as a more privileged role through a Lambda triggered by a stream',
  },
  {
    id: 'update-lambda-code',
    all: ['lambda:UpdateFunctionCode'],
    how: 'replace the code of a function that runs as a more privileged role',
  },
  {
    id: 'passrole-ec2',
    all: ['iam:PassRole', 'ec2:RunInstances'],
    how: 'start an instance with a more privileged instance profile',
  },
  {
    id: 'passrole-cloudformation',
    all: ['iam:PassRole', 'cloudformation:CreateStack'],
    how: 'deploy a stack as a more privileged role',
  },
  {
    id: 'passrole-glue',
    all: ['iam:PassRole', 'glue:CreateDevEndpoint'],
    how: 'open a Glue endpoint as a more privileged role',
  },
  {
    id: 'passrole-bedrock-agent',
    all: ['iam:PassRole', 'bedrock:CreateAgent'],
    how: 'create an agent that acts as a more privileged role',
  },
  {
    id: 'passrole-agentcore-runtime',
    all: ['iam:PassRole', 'bedrock-agentcore:CreateAgentRuntime'],
    how: 'create an agent runtime that acts as a more privileged role',
  },
];

/**
 * Raises one finding listing every escalation path the effective grant allows in full, so an
 * administrator is not reported twenty times over.
 */
export function evaluatePrivilegeEscalation(ctx: RuleContext): RuleResult {
  if (ctx.identity.type === 'role' && ctx.identity.serviceLinked) return 'NotApplicable';
  const paths: Record<string, unknown>[] = [];
  let anyAllResources = false;
  for (const path of ESCALATION_PATHS) {
    const ids = path.all.map((a) => ctx.catalog.idOf(a));
    if (ids.some((id) => id === undefined || !ctx.grant.allowed.has(id))) continue;
    const grantedBy = path.all.map((action, i) => {
      const st = ctx.grant.allowStatements.filter((gs) => gs.actions.has(ids[i]!));
      return {
        action,
        policies: [...new Set(st.map((gs) => gs.source.name))],
        onAllResources: st.some((gs) => coversAllResources(gs.statement)),
      };
    });
    if (grantedBy.every((g) => g.onAllResources)) anyAllResources = true;
    paths.push({
      path: path.id,
      how: path.how,
      actions: grantedBy,
      used: path.all.filter((_, i) => ctx.evidence.used.has(ids[i]!)),
    });
  }
  const assume = ctx.catalog.idOf('sts:AssumeRole');
  if (assume !== undefined && ctx.grant.allowed.has(assume)) {
    const wide = ctx.grant.allowStatements.filter(
      (gs) => gs.actions.has(assume) && coversAllResources(gs.statement),
    );
    if (wide.length > 0) {
      paths.push({
        path: 'assume-any-role',
        how: 'assume any role that trusts its account (sts:AssumeRole on *)',
        actions: [
          {
            action: 'sts:AssumeRole',
            policies: [...new Set(wide.map((gs) => gs.source.name))],
            onAllResources: true,
          },
        ],
        used: ctx.evidence.used.has(assume) ? ['sts:AssumeRole'] : [],
      });
    }
  }
  if (paths.length === 0) return 'Compliant';
  const names = paths.map((p) => p.path as string);
  return [
    {
      title: `Can escalate privileges ${paths.length === 1 ? 'one way' : `${paths.length} ways`}: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}`,
      severity: anyAllResources ? 'high' : 'medium',
      evidence: { paths },
    },
  ];
}
