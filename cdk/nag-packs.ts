import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag rule packs every Leash synth runs: `cdk synth` registers them in app.ts and the cdk
 * tests call the same list, so the two cannot drift apart.
 *
 * @param scope the app the packs are registered on; omit it when calling `validateScope` directly
 * @returns fresh pack instances, verbose so a violation says why the rule exists
 */
export function leashNagPacks(scope?: IConstruct): NagPack[] {
  return [
    new AwsSolutionsChecks(scope, { verbose: true }),
    new ServerlessChecks(scope, { verbose: true }),
  ];
}
