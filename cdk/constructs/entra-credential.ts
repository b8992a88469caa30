import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';

/** Properties of {@link EntraCredential}. */
export interface EntraCredentialProps {
  readonly encryptionKey: IKey;
}

/**
 * The Secrets Manager secret holding the credential Leash signs in to Microsoft Entra with
 * (connectors/entra/secret-credential.ts describes the JSON). The stack stores a recognisable
 * placeholder; the customer puts the real value with `aws secretsmanager put-secret-value`, and
 * until then collect-entra reports a coverage gap saying exactly that. CloudFormation writes the
 * placeholder only when the secret is created, so later deployments leave the real value alone.
 *
 * Only created when `leash:entra` is true: the handlers take the secret's ARN from
 * `LEASH_ENTRA_SECRET_ARN`, and its absence is what turns Entra off.
 */
export class EntraCredential extends Construct {
  public readonly secret: Secret;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the key that encrypts the secret
   */
  constructor(scope: Construct, id: string, props: EntraCredentialProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description:
        'Leash: the Microsoft Entra credential (tenantId, clientId, secret or certificate)',
      encryptionKey: props.encryptionKey,
      // A placeholder, not a credential: safe in the template by design.
      secretStringValue: SecretValue.unsafePlainText(ENTRA_SECRET_PLACEHOLDER),
      // Deleted with the stack (recoverable for 30 days by Secrets Manager): a live credential to
      // the tenant should not outlive the deployment that used it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is an Entra app registration secret or certificate that Entra issues and ' +
        'expires; it is rotated in Entra and then put here, and a rotation Lambda in this ' +
        'account could not create one without write access to the tenant.',
    });
  }
}
