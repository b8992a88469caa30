// Entry point of `cdk synth` / `cdk deploy` (cdk.json "app"). Builds two environment-agnostic
// stacks, Leash (the Leash account) and LeashMember (the template of the member-account StackSet),
// and fails synthesis on any cdk-nag violation that has not been acknowledged with a reason.
import { App, Validations } from 'aws-cdk-lib';
import { leashNagPacks } from './nag-packs.ts';
import { LeashStack } from './stacks/leash-stack.ts';
import { LeashMemberStack } from './stacks/member-stack.ts';

const app = new App();
new LeashStack(app, 'Leash');
new LeashMemberStack(app, 'LeashMember');
// cdk-nag 3 runs as a policy-validation plugin (it replaced the v2 Aspect); acknowledgments are
// made with Validations.of(construct).acknowledge({ id, reason }) next to the construct.
Validations.of(app).addPlugins(...leashNagPacks(app));
app.synth();
