import {
  BootstraplessSynthesizer,
  CfnOutput,
  CfnParameter,
  Stack,
  type StackProps,
  Tags,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccountRoles, PROTECTED_TAG } from '../constructs/account-roles.ts';

/** Name of the parameter that tells a member account where Leash runs. */
export const LEASH_ACCOUNT_PARAMETER = 'LeashAccountId';

/**
 * What Leash needs in every other account it watches: the read-only scanner role and the
 * containment role, trusted only by Leash's own roles in the Leash account (parameter
 * `LeashAccountId`). Deployed to an organization as a CloudFormation StackSet from the
 * synthesized template (cdk.out/LeashMember.template.json).
 *
 * Synthesized without bootstrap requirements (no assets, no bootstrap-version rule), because
 * StackSet target accounts are not CDK-bootstrapped.
 */
export class LeashMemberStack extends Stack {
  public readonly roles: AccountRoles;

  /**
   * @param scope the app
   * @param id the construct id, also the stack name
   * @param props standard stack properties (no `env`: one template for every account)
   */
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'Leash member account: read-only scanner role and containment role.',
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    Tags.of(this).add('app', 'leash');
    Tags.of(this).add(PROTECTED_TAG, 'true');
    const leashAccountId = new CfnParameter(this, LEASH_ACCOUNT_PARAMETER, {
      type: 'String',
      description: 'The AWS account Leash is deployed in (the Leash stack).',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account id',
    });
    this.roles = new AccountRoles(this, 'AccountRoles', {
      leashAccountId: leashAccountId.valueAsString,
    });
    new CfnOutput(this, 'ScannerRoleArn', { value: this.roles.scanner.roleArn });
    new CfnOutput(this, 'ContainmentRoleArn', { value: this.roles.containment.roleArn });
  }
}
