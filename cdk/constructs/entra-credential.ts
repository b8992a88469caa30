import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';

/** What a credential is for: the read-only scan, or containment's write access. */
export type EntraCredentialPurpose = 'scan' | 'containment';

/** Properties of {@link EntraCredential}. */
export interface EntraCredentialProps {
  readonly encryptionKey: IKey;
  /**
   * Which app registration's credential the secret holds, which names it in its description.
   * @default 'scan'
   */
  readonly purpose?: EntraCredentialPurpose;
}

/** The secret's description, by purpose. */
export const ENTRA_CREDENTIAL_DESCRIPTIONS: Readonly<Record<EntraCredentialPurpose, string>> = {
  scan: 'Leash: the Microsoft Entra credential (tenantId, clientId, secret or certificate)',
  containment:
    'Leash: the Entra containment credential, an app registration with write permissions ' +
    'separate from the scanner (tenantId, clientId, secret or certificate)',
};

/**
 * The Secrets Manager secret holding the credential Leash signs in to Microsoft Entra with
 * (connectors/entra/secret-credential.ts describes the JSON). The stack stores a recognisable
 * placeholder; the customer puts the real value with `aws secretsmanager put-secret-value`, and
 * until then collect-entra reports a coverage gap saying exactly that (and apply-containment
 * fails each Entra request with an error saying the same). CloudFormation writes the
 * placeholder only when the secret is created, so later deployments leave the real value alone.
 *
 * Only created when `leash:entra` is true, twice: the scan credential (purpose `scan`, read by
 * collect-entra, ARN in `LEASH_ENTRA_SECRET_ARN`, whose absence is what turns Entra off) and the
 * containment credential (purpose `containment`, read by apply-containment only, ARN in
 * `LEASH_ENTRA_CONTAINMENT_SECRET_ARN`). Same JSON and placeholder; different app registrations,
 * because containment needs write permissions the read-only scanner must not hold.
 */
export class EntraCredential extends Construct {
  public readonly secret: Secret;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the key that encrypts the secret, and what the credential is for
   */
  constructor(scope: Construct, id: string, props: EntraCredentialProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: ENTRA_CREDENTIAL_DESCRIPTIONS[props.purpose ?? 'scan'],
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
        'expires; it is rotated in Entra and then put here. A rotation Lambda in this account ' +
        'would need the right to add credentials to app registrations in the tenant, which no ' +
        'Leash function holds or should hold.',
    });
  }
}
