/**
 * Builders for the CDK tests: a LeashStack whose eight handlers all point at a fixture entry and
 * whose bundling is skipped, so the tests need neither the real handlers nor esbuild, and the
 * member-account stack. Templates of the default settings are built once per test file.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_NAMES, type HandlerName } from '../../cdk/constructs/leash-functions.ts';
import { LeashStack } from '../../cdk/stacks/leash-stack.ts';
import { LeashMemberStack } from '../../cdk/stacks/member-stack.ts';

/** A handler file that exists, for synthesis only (bundling is skipped). */
export const FIXTURE_ENTRY = 'test/cdk/fixtures/echo-handler.ts';

/** Every handler pointed at {@link FIXTURE_ENTRY}. */
export const FIXTURE_ENTRIES: Record<HandlerName, string> = Object.fromEntries(
  HANDLER_NAMES.map((name) => [name, FIXTURE_ENTRY]),
) as Record<HandlerName, string>;

/** An app with bundling skipped and the given `leash:*` context. */
export function anApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

/** A LeashStack on fixture entries, with its app and template. */
export function aLeashStack(context: Record<string, unknown> = {}): {
  app: App;
  stack: LeashStack;
  template: Template;
} {
  const app = anApp(context);
  const stack = new LeashStack(app, 'Leash', { entries: FIXTURE_ENTRIES });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The member-account stack, with its app and template. */
export function aMemberStack(): { app: App; stack: LeashMemberStack; template: Template } {
  const app = new App();
  const stack = new LeashMemberStack(app, 'LeashMember');
  return { app, stack, template: Template.fromStack(stack) };
}

/** Settings that switch every optional part on. */
export const FULL_CONTEXT = {
  'leash:mode': 'organization',
  'leash:managementAccountId': '111111111111',
  'leash:entra': true,
  'leash:notificationEmails': 'security@example.com, oncall@example.com',
  'leash:regions': 'us-east-1,eu-west-1',
  'leash:eventArchiveDays': 30,
  'leash:accountConcurrency': 25,
  'leash:lookbackDays': 30,
  'leash:scanSchedule': 'cron(30 2 * * ? *)',
  'leash:reportSchedule': 'cron(0 8 ? * FRI *)',
  'leash:scheduleTimezone': 'Europe/Berlin',
  'leash:approvalTtlMinutes': 120,
  'leash:protectedNamePatterns': 'prod-admin-*',
  'leash:slackWebhookSecretArn':
    'arn:aws:secretsmanager:us-east-1:111111111111:secret:leash/slack-AbCdEf',
} as const;

/** A value of synthesized CloudFormation JSON, which the tests index into freely. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped; assertions check the shape.
export type CfnJson = any;

/** One resource of a synthesized template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, CfnJson>;
  readonly [key: string]: CfnJson;
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Every resource of a template, by logical id. */
export function allResources(template: Template): Record<string, CfnResource> {
  return template.toJSON().Resources as Record<string, CfnResource>;
}
