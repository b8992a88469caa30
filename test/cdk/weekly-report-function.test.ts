/**
 * The send-weekly-report function's wiring (issue 7): its size, the audit table it reads the
 * week's containment requests from (GetItem and Query only), and the Slack webhook, told and
 * readable only when `leash:slackWebhookSecretArn` names one.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GSI2 } from '#adapters/dynamodb/table.ts';
import { ENV } from '#functions/shared/contract.ts';
import { AUDIT_READ_ACTIONS } from '../../cdk/constructs/audit-table.ts';
import { aLeashStack, type CfnJson, resourcesOf } from './leash-app.ts';

const SLACK = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:leash/slack-AbCdEf';
const standard = aLeashStack();
const slack = aLeashStack({ 'leash:slackWebhookSecretArn': SLACK });

/** The send-weekly-report function and every statement of its role's policies. */
function weeklyReport(template: Template): { fn: CfnJson; statements: CfnJson[] } {
  const [fn] = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter(
    (f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'send-weekly-report',
  );
  const roleId = fn!.Properties.Role['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[]);
  return { fn: fn!, statements };
}

const auditTableId = (template: Template) =>
  Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table')).find((id) =>
    id.startsWith('AuditTable'),
  )!;

describe('send-weekly-report', () => {
  it('runs with 1,024 MB for at most 5 minutes', () => {
    // Act
    const { fn } = weeklyReport(standard.template);

    // Assert
    expect(fn.Properties.MemorySize).toBe(1024);
    expect(fn.Properties.Timeout).toBe(300);
  });

  it('is told the audit table and may only get and query it, its identity index included', () => {
    // Arrange
    const { fn, statements } = weeklyReport(standard.template);
    const auditId = auditTableId(standard.template);

    // Act
    const onAudit = statements.filter((st) => JSON.stringify(st.Resource).includes(auditId));

    // Assert
    expect(fn.Properties.Environment.Variables[ENV.auditTable]).toEqual({ Ref: auditId });
    const allowed = onAudit.filter((st) => st.Effect === 'Allow');
    expect(allowed).toHaveLength(1);
    expect([allowed[0]!.Action].flat().sort()).toEqual([...AUDIT_READ_ACTIONS].sort());
    expect(allowed[0]!.Resource).toEqual([
      { 'Fn::GetAtt': [auditId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [auditId, 'Arn'] }, `/index/${GSI2}`]] },
    ]);
    // Decrypting the audit items: decrypt and describe only, through DynamoDB only.
    const decrypt = statements.filter(
      (st) =>
        [st.Action].flat().includes('kms:Decrypt') &&
        JSON.stringify(st.Condition ?? {}).includes('dynamodb.'),
    );
    expect(decrypt).toHaveLength(1);
    expect([decrypt[0]!.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(decrypt[0]!.Condition.StringEquals['kms:ViaService']).toEqual({
      'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
    });
  });

  it('is told the Slack webhook secret, and may read that secret alone, when one is configured', () => {
    // Act
    const without = weeklyReport(standard.template);
    const withSlack = weeklyReport(slack.template);

    // Assert
    expect(without.fn.Properties.Environment.Variables).not.toHaveProperty(ENV.slackSecret);
    expect(
      without.statements.filter((st) =>
        [st.Action].flat().some((a: string) => a.startsWith('secretsmanager:')),
      ),
    ).toEqual([]);
    expect(withSlack.fn.Properties.Environment.Variables[ENV.slackSecret]).toBe(SLACK);
    const reads = withSlack.statements.filter((st) =>
      [st.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Resource).toBe(SLACK);
  });
});
