/**
 * The Entra containment credential (issue 6): a secret of its own, created only with Entra on,
 * that apply-containment alone is told about and may read; the read-only scan credential stays
 * out of its reach, and it out of collect-entra's.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';
import { ENV } from '#functions/shared/contract.ts';
import { ENTRA_CREDENTIAL_DESCRIPTIONS } from '../../cdk/constructs/entra-credential.ts';
import { aLeashStack, type CfnJson, resourcesOf } from './leash-app.ts';

const off = aLeashStack();
const on = aLeashStack({ 'leash:entra': true });

/** Functions by handler name, with their logical ids. */
function functionsByName(template: Template): Record<string, CfnJson> {
  return Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).map(([id, fn]) => [
      fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
      { id, ...fn },
    ]),
  );
}

/** The logical id of the Entra secret of a purpose, if the template has one. */
function secretId(template: Template, purpose: 'scan' | 'containment'): string | undefined {
  const ids = Object.entries(resourcesOf(template, 'AWS::SecretsManager::Secret'))
    .filter(([, s]) => s.Properties.Description === ENTRA_CREDENTIAL_DESCRIPTIONS[purpose])
    .map(([id]) => id);
  expect(ids.length).toBeLessThanOrEqual(1);
  return ids[0];
}

/** The roles (logical ids) whose IAM policies allow reading a secret. */
function readersOf(template: Template, id: string): string[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) =>
      (p.Properties.PolicyDocument.Statement as CfnJson[]).some(
        (st) =>
          st.Effect === 'Allow' &&
          [st.Action].flat().includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(st.Resource).includes(id),
      ),
    )
    .flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref))
    .sort();
}

const roleOf = (fn: CfnJson): string => fn.Properties.Role['Fn::GetAtt'][0];

describe('Entra containment credential', () => {
  it('is not created, named or output while Entra is off', () => {
    // Act
    const fns = Object.values(functionsByName(off.template));

    // Assert
    expect(secretId(off.template, 'containment')).toBeUndefined();
    for (const fn of fns)
      expect(fn.Properties.Environment.Variables).not.toHaveProperty(ENV.entraContainmentSecret);
    expect(Object.keys(off.template.toJSON().Outputs)).not.toContain('EntraContainmentSecretArn');
  });

  it('is a secret of its own with the placeholder, encrypted with the data key, and output', () => {
    // Act
    const id = secretId(on.template, 'containment');
    const scan = secretId(on.template, 'scan');

    // Assert
    expect(id).toBeDefined();
    expect(scan).toBeDefined();
    expect(id).not.toBe(scan);
    const secret = resourcesOf(on.template, 'AWS::SecretsManager::Secret')[id!]!;
    expect(secret.Properties).toMatchObject({
      SecretString: ENTRA_SECRET_PLACEHOLDER,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
    });
    on.template.hasOutput('EntraContainmentSecretArn', { Value: { Ref: id } });
  });

  it('is named to apply-containment alone', () => {
    // Act
    const fns = functionsByName(on.template);
    const id = secretId(on.template, 'containment');

    // Assert
    const named = Object.entries(fns)
      .filter(([, fn]) => ENV.entraContainmentSecret in fn.Properties.Environment.Variables)
      .map(([name]) => name);
    expect(named).toEqual(['apply-containment']);
    expect(
      fns['apply-containment'].Properties.Environment.Variables[ENV.entraContainmentSecret],
    ).toEqual({ Ref: id });
  });

  it('is readable by apply-containment only, which may not read the scan credential', () => {
    // Arrange
    const fns = functionsByName(on.template);

    // Act
    const containmentReaders = readersOf(on.template, secretId(on.template, 'containment')!);
    const scanReaders = readersOf(on.template, secretId(on.template, 'scan')!);

    // Assert
    expect(containmentReaders).toEqual([roleOf(fns['apply-containment'])]);
    expect(scanReaders).toEqual([roleOf(fns['collect-entra'])]);
    // No resource policy widens either secret.
    on.template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });
});
