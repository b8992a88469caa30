import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { aLeashStack, allResources, aMemberStack, FULL_CONTEXT } from './leash-app.ts';

/**
 * The partial-wildcard actions an Allow of Leash's may hold, each with the reason no exact list
 * replaces it. Anything else with a `*` in an allowed action fails the test; an entry nothing uses
 * any more fails it too, so the list stays as short as the templates allow.
 */
const PARTIAL_WILDCARDS: Record<string, string> = {
  'kms:GenerateDataKey*':
    "Added by CDK's grant helpers on one customer-managed key: Table.grantWriteData (the " +
    'table key), Topic.grantPublish (the topic key), and by Secret in the data key policy ' +
    '(through Secrets Manager only). The helpers offer no exact variant.',
  'kms:ReEncrypt*':
    'Added by Table.grantWriteData on the table key and by Secret in the data key policy ' +
    '(through Secrets Manager only); CDK grant helpers offer no exact variant.',
};

/**
 * The one `service:*` Allow that stays: the default key policy statement that lets the account
 * (its IAM policies) administer and use a KMS key. Without it the key would answer to no one and
 * could not even be deleted (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 */
function isKeyAdministration(type: string, statement: Statement): boolean {
  const root = JSON.stringify(statement.Principal ?? {});
  return (
    type === 'AWS::KMS::Key' &&
    statement.Action === 'kms:*' &&
    root.includes(':root') &&
    statement.Condition === undefined
  );
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

/** Every policy statement of a template, IAM policies and resource policies alike. */
function statementsOf(template: Template): { where: string; type: string; statement: Statement }[] {
  const out: { where: string; type: string; statement: Statement }[] = [];
  const add = (where: string, type: string, document: { Statement: Statement[] } | undefined) => {
    for (const statement of document?.Statement ?? []) out.push({ where, type, statement });
  };
  const resources = allResources(template);
  for (const [id, { Type, Properties: p }] of Object.entries(resources)) {
    switch (Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::SQS::QueuePolicy':
        add(id, Type, p.PolicyDocument);
        break;
      case 'AWS::SecretsManager::ResourcePolicy':
        add(id, Type, p.ResourcePolicy);
        break;
      case 'AWS::KMS::Key':
        add(id, Type, p.KeyPolicy);
        break;
      case 'AWS::IAM::Role':
        add(`${id} trust`, Type, p.AssumeRolePolicyDocument);
        for (const policy of p.Policies ?? [])
          add(`${id} ${policy.PolicyName}`, Type, policy.PolicyDocument);
        break;
    }
  }
  return out;
}

const templates = {
  'Leash (defaults)': aLeashStack().template,
  'Leash (every option on)': aLeashStack(FULL_CONTEXT).template,
  LeashMember: aMemberStack().template,
};

describe('allowed actions in every policy of both templates', () => {
  it.each(Object.entries(templates))('%s: no "*", no "service:*", no NotAction', (_, template) => {
    // Act
    const offending = statementsOf(template)
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(({ type, statement }) => !isKeyAdministration(type, statement))
      .flatMap(({ where, statement }) => [
        ...(statement.NotAction ? [`${where}: NotAction`] : []),
        ...[statement.Action ?? []]
          .flat()
          .filter((a) => a === '*' || a.endsWith(':*'))
          .map((a) => `${where}: ${a}`),
      ]);

    // Assert
    expect(offending).toEqual([]);
  });

  it.each(
    Object.entries(templates),
  )('%s: partial wildcards only from the reviewed list', (_, template) => {
    // Act
    const partial = statementsOf(template)
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ where, statement }) =>
        [statement.Action ?? []]
          .flat()
          .filter((a) => /[*?]/.test(a) && a !== '*' && !a.endsWith(':*'))
          .map((action) => ({ where, action })),
      );

    // Assert
    expect(partial.filter(({ action }) => !(action in PARTIAL_WILDCARDS))).toEqual([]);
  });

  it('keeps the reviewed list to what the templates use, each entry with its reason', () => {
    // Act
    const used = new Set(
      Object.values(templates).flatMap((template) =>
        statementsOf(template).flatMap(({ statement }) => [statement.Action ?? []].flat()),
      ),
    );

    // Assert
    for (const [action, reason] of Object.entries(PARTIAL_WILDCARDS)) {
      expect(used.has(action), action).toBe(true);
      expect(reason.length).toBeGreaterThan(60);
    }
  });

  it('allows kms:* only to the account root in key policies, never to a role or service', () => {
    // Act
    const keyAdmin = Object.values(templates).flatMap((template) =>
      statementsOf(template).filter(({ statement }) => [statement.Action].flat().includes('kms:*')),
    );

    // Assert
    expect(keyAdmin.length).toBeGreaterThan(0);
    for (const { type, statement } of keyAdmin) {
      expect(isKeyAdministration(type, statement)).toBe(true);
    }
  });
});
