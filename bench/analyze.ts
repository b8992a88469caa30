/**
 * Child process of the benchmark: 5,000 roles, each carrying several real AWS managed policies
 * from ../shared/datasets (MAMIP snapshot) plus an inline policy with NotAction and wildcards,
 * joined with usage, analysed end to end (grants, join, classification, recommendation, rules)
 * and serialized into the findings document. Prints the timings as JSON.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { AccountAnalyzer, analyzeAccount } from '#core/engine/analyze-account.ts';
import { UsageAggregator } from '#core/engine/usage.ts';
import { emptyInventory, type IamRole, type ManagedPolicy } from '#core/iam/inventory.ts';
import { parsePolicyDocument } from '#core/policy/document.ts';

const policyDir = process.argv[2]!;
const ROLES = Number(process.argv[3] ?? 5000);
const ACCOUNT = '444455556666';

let seed = 7;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const catalog = await loadCatalog();
const inventory = emptyInventory();
inventory.accountIds.push(ACCOUNT);
const names = (await readdir(policyDir)).filter((f) => f.endsWith('.json')).sort();
const policies: ManagedPolicy[] = [];
for (const f of names) {
  const v = JSON.parse(await readFile(join(policyDir, f), 'utf8')) as {
    PolicyVersion: { Document: unknown; VersionId: string };
  };
  const name = f.replace(/\.json$/, '');
  const p: ManagedPolicy = {
    arn: `arn:aws:iam::aws:policy/${name}`,
    name,
    path: '/',
    awsManaged: true,
    defaultVersionId: v.PolicyVersion.VersionId,
    document: parsePolicyDocument(v.PolicyVersion.Document).document,
  };
  policies.push(p);
  inventory.policies.set(p.arn, p);
}
const inline = parsePolicyDocument({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      NotAction: ['iam:*', 'organizations:*', 'account:*'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
    },
    {
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*', 'ec2:Describe*', 'dynamodb:*Item', 'lambda:Invoke?unction'],
      Resource: ['arn:aws:s3:::data-*', 'arn:aws:s3:::data-*/*', '*'],
    },
    { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
  ],
}).document;
const roles: IamRole[] = [];
for (let i = 0; i < ROLES; i++) {
  const attached = Array.from(
    { length: 3 + Math.floor(rand() * 3) },
    () => policies[Math.floor(rand() * policies.length)]!,
  );
  const role: IamRole = {
    type: 'role',
    arn: `arn:aws:iam::${ACCOUNT}:role/bench-role-${i}`,
    name: `bench-role-${i}`,
    path: '/',
    accountId: ACCOUNT,
    createDate: '2025-01-01T00:00:00Z',
    tags: {},
    inlinePolicies: i % 2 === 0 ? [{ name: 'inline-wildcards', document: inline }] : [],
    attachedPolicies: attached.map((p) => ({ arn: p.arn, name: p.name })),
    serviceLinked: false,
    instanceProfiles: [],
    trustPolicy: parsePolicyDocument({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    }).document,
  };
  roles.push(role);
}
inventory.roles.push(...roles);

const asOf = Date.parse('2026-11-01T00:00:00Z');
const window = { from: asOf - 90 * 86_400_000, to: asOf };
const usage = new UsageAggregator(catalog, window);
const calls = [
  ['s3.amazonaws.com', 'GetObject'],
  ['s3.amazonaws.com', 'ListBuckets'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['logs.amazonaws.com', 'PutLogEvents'],
  ['kms.amazonaws.com', 'Decrypt'],
  ['bedrock.amazonaws.com', 'InvokeModel'],
  ['dynamodb.amazonaws.com', 'DescribeTable'],
  ['sts.amazonaws.com', 'AssumeRole'],
] as const;
for (const role of roles) {
  for (let k = 0; k < 30; k++) {
    const [eventSource, eventName] = calls[Math.floor(rand() * calls.length)]!;
    usage.add(
      {
        eventTime: new Date(
          window.from + Math.floor(rand() * (window.to - window.from)),
        ).toISOString(),
        eventSource,
        eventName,
        readOnly: eventName !== 'PutLogEvents',
        eventType: 'AwsApiCall',
        recipientAccountId: ACCOUNT,
        userIdentity: {
          type: 'AssumedRole',
          accountId: ACCOUNT,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/s`,
          sessionContext: { sessionIssuer: { type: 'Role', arn: role.arn, accountId: ACCOUNT } },
        },
      },
      'bench',
      k,
    );
  }
}
const input = {
  inventory,
  usage,
  catalog,
  window,
  lookbackDays: 90,
  issues: [],
  toolVersion: 'bench',
};

const t0 = performance.now();
const analyzer = new AccountAnalyzer(input);
let findings = 0;
let recommended = 0;
for (const role of roles) {
  const a = analyzer.analyze(role);
  findings += a.findings.length;
  if (a.recommendation) recommended++;
}
const analyzeMs = performance.now() - t0;
const t1 = performance.now();
const doc = analyzeAccount(input);
const documentMs = performance.now() - t1;
process.stdout.write(
  `${JSON.stringify({
    roles: ROLES,
    managedPoliciesAvailable: policies.length,
    analyzeSeconds: analyzeMs / 1000,
    analyzeAndDocumentSeconds: documentMs / 1000,
    findings,
    recommended,
    documentIdentities: doc.identities.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
