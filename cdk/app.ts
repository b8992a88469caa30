// Entry point of `cdk synth` / `cdk deploy` (cdk.json "app"). Builds one environment-agnostic
// stack and fails synthesis on any cdk-nag violation that has not been acknowledged with a reason.
import { App, Validations } from 'aws-cdk-lib';
import { leashNagPacks } from './nag-packs.ts';
import { LeashStack } from './stacks/leash-stack.ts';

const app = new App();
new LeashStack(app, 'Leash');
// cdk-nag 3 runs as a policy-validation plugin (it replaced the v2 Aspect); acknowledgments are
// made with Validations.of(construct).acknowledge({ id, reason }) next to the construct.
Validations.of(app).addPlugins(...leashNagPacks(app));
app.synth();
