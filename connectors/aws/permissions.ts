/**
 * The exact IAM actions a live AWS scan calls, and the read-only policy that grants them.
 * Every connector call is listed here (a unit test checks each against the IAM catalog), so
 * `leash permissions aws` and the deployment stack grant precisely what the scan uses: exact
 * actions, no wildcards.
 */

/** Actions by purpose. Keep in step with the connectors (connectors/aws/**). */
export const AWS_SCAN_ACTIONS = {
  iam: [
    'iam:GetAccountAuthorizationDetails',
    'iam:GenerateCredentialReport',
    'iam:GetCredentialReport',
    'iam:ListUsers',
    'iam:ListAccessKeys',
    'iam:GetAccessKeyLastUsed',
    'iam:GetLoginProfile',
    'iam:ListMFADevices',
    'iam:GenerateServiceLastAccessedDetails',
    'iam:GetServiceLastAccessedDetails',
  ],
  cloudtrail: [
    'cloudtrail:DescribeTrails',
    'cloudtrail:GetTrailStatus',
    'cloudtrail:GetEventSelectors',
    'cloudtrail:LookupEvents',
  ],
  trailLogs: ['s3:GetBucketLocation', 's3:ListBucket', 's3:GetObject'],
  lambda: [
    'lambda:ListFunctions',
    'lambda:GetPolicy',
    'lambda:ListFunctionUrlConfigs',
    'lambda:ListEventSourceMappings',
    'lambda:ListTags',
  ],
  bedrock: [
    'bedrock:ListAgents',
    'bedrock:GetAgent',
    'bedrock:ListAgentActionGroups',
    'bedrock:GetAgentActionGroup',
    'bedrock:ListAgentKnowledgeBases',
    'bedrock:ListAgentAliases',
    'bedrock:ListTagsForResource',
    'bedrock-agentcore:ListAgentRuntimes',
    'bedrock-agentcore:GetAgentRuntime',
    'bedrock-agentcore:ListAgentRuntimeEndpoints',
    'bedrock-agentcore:ListGateways',
    'bedrock-agentcore:GetGateway',
    'bedrock-agentcore:ListGatewayTargets',
    'bedrock-agentcore:GetGatewayTarget',
    'bedrock-agentcore:ListTagsForResource',
  ],
  regions: ['account:ListRegions', 'ec2:DescribeRegions'],
  organization: ['organizations:ListAccounts'],
} as const;

/** Options for the printed policy. */
export interface ScanPolicyOptions {
  /** Trail bucket names, to scope s3 reads; otherwise `*`. */
  trailBuckets?: string[];
  /** KMS key ARNs that encrypt trail log files (SSE-KMS), to allow kms:Decrypt through S3. */
  trailKmsKeys?: string[];
  /** Include organizations:ListAccounts and sts:AssumeRole into the member role. */
  org?: { memberRoleName: string; partition?: string };
}

/** One statement of the printed policy. */
interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** Builds the read-only policy a scan needs. */
export function scanPolicy(options: ScanPolicyOptions = {}): {
  Version: '2012-10-17';
  Statement: Statement[];
} {
  const a = AWS_SCAN_ACTIONS;
  const sorted = (xs: readonly string[]) => [...xs].sort();
  const statements: Statement[] = [
    { Sid: 'ReadIam', Effect: 'Allow', Action: sorted(a.iam), Resource: '*' },
    { Sid: 'ReadCloudTrail', Effect: 'Allow', Action: sorted(a.cloudtrail), Resource: '*' },
    {
      Sid: 'ReadWorkloadsAndAgents',
      Effect: 'Allow',
      Action: sorted([...a.lambda, ...a.bedrock, ...a.regions]),
      Resource: '*',
    },
    {
      Sid: 'ReadTrailLogs',
      Effect: 'Allow',
      Action: sorted(a.trailLogs),
      Resource: options.trailBuckets?.length
        ? options.trailBuckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`])
        : '*',
    },
  ];
  if (options.trailKmsKeys?.length) {
    statements.push({
      Sid: 'DecryptTrailLogs',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: options.trailKmsKeys,
      Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
    });
  }
  if (options.org) {
    const partition = options.org.partition ?? 'aws';
    statements.push(
      { Sid: 'ListMemberAccounts', Effect: 'Allow', Action: sorted(a.organization), Resource: '*' },
      {
        Sid: 'AssumeMemberScanRole',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: `arn:${partition}:iam::*:role/${options.org.memberRoleName}`,
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Every action a scan may call, flat and sorted. */
export function allScanActions(): string[] {
  return [
    ...new Set([...Object.values(AWS_SCAN_ACTIONS).flat(), 'kms:Decrypt', 'sts:AssumeRole']),
  ].sort();
}
