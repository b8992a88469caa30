/**
 * Generates a realistic gzipped CloudTrail corpus for the ingestion benchmark, once: trail files
 * in the S3 layout, ~1,000 records each, from a few hundred principals calling a realistic mix of
 * services, with denied calls, read and write events and some S3 data events.
 * Deterministic (seeded), so every run measures the same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ACCOUNT = '444455556666';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const CALLS: [string, string, boolean][] = [
  ['s3.amazonaws.com', 'GetObject', true],
  ['s3.amazonaws.com', 'PutObject', false],
  ['s3.amazonaws.com', 'ListObjects', true],
  ['s3.amazonaws.com', 'HeadObject', true],
  ['s3.amazonaws.com', 'ListBuckets', true],
  ['sts.amazonaws.com', 'AssumeRole', true],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['kms.amazonaws.com', 'GenerateDataKey', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['logs.amazonaws.com', 'PutLogEvents', false],
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', true],
  ['ec2.amazonaws.com', 'RunInstances', false],
  ['lambda.amazonaws.com', 'GetFunction', true],
  ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', false],
  ['dynamodb.amazonaws.com', 'DescribeTable', true],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', true],
  ['bedrock.amazonaws.com', 'InvokeModel', true],
  ['bedrock.amazonaws.com', 'Converse', true],
  ['iam.amazonaws.com', 'GetRole', true],
  ['iam.amazonaws.com', 'ListRoles', true],
  ['cloudformation.amazonaws.com', 'DescribeStacks', true],
  ['monitoring.amazonaws.com', 'PutMetricData', false],
  ['sqs.amazonaws.com', 'SendMessage', false],
  ['ssm.amazonaws.com', 'GetParameter', true],
  ['glue.amazonaws.com', 'GetTable', true],
  ['athena.amazonaws.com', 'StartQueryExecution', false],
];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes the corpus.
 * @returns the number of records and files written
 */
export async function generateCorpus(
  dir: string,
  records: number,
  perFile = 1000,
): Promise<{ files: number; records: number }> {
  const r = rng(42);
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const principals = Array.from({ length: 300 }, (_, i) =>
    i % 5 === 0
      ? { type: 'IAMUser', name: `user-${i}` }
      : { type: 'AssumedRole', name: `role-${i}` },
  );
  const start = Date.parse('2026-08-01T00:00:00Z');
  const span = 90 * 86_400_000;
  let files = 0;
  for (let written = 0; written < records; written += perFile) {
    const n = Math.min(perFile, records - written);
    const region = REGIONS[files % REGIONS.length]!;
    const fileTime = start + Math.floor((span * written) / records);
    const batch: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const pi = Math.floor(r() * r() * principals.length);
      const p = principals[pi]!;
      // A role session lasts about an hour; its name and principalId repeat across its calls.
      const session = `${(pi * 7919 + Math.floor(fileTime / 3_600_000)).toString(16)}`;
      const [source, name, readOnly] = CALLS[Math.floor(r() * CALLS.length)]!;
      const time = new Date(fileTime + Math.floor(r() * 300_000))
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      const data = source === 's3.amazonaws.com' && /Object/.test(name);
      const denied = r() < 0.02;
      const userIdentity =
        p.type === 'IAMUser'
          ? {
              type: 'IAMUser',
              principalId: `AIDA${hex(16).toUpperCase()}`,
              arn: `arn:aws:iam::${ACCOUNT}:user/${p.name}`,
              accountId: ACCOUNT,
              accessKeyId: `AKIA${hex(16).toUpperCase()}`,
              userName: p.name,
            }
          : {
              type: 'AssumedRole',
              principalId: `AROA${String(pi).padStart(16, '7')}:session-${session}`,
              arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${p.name}/session-${session}`,
              accountId: ACCOUNT,
              accessKeyId: `ASIA${session.padStart(16, '3').toUpperCase()}`,
              sessionContext: {
                sessionIssuer: {
                  type: 'Role',
                  principalId: `AROA${hex(16).toUpperCase()}`,
                  arn: `arn:aws:iam::${ACCOUNT}:role/${p.name}`,
                  accountId: ACCOUNT,
                  userName: p.name,
                },
                webIdFederationData: {},
                attributes: { creationDate: time, mfaAuthenticated: 'false' },
              },
            };
      batch.push({
        eventVersion: '1.09',
        userIdentity,
        eventTime: time,
        eventSource: source,
        eventName: name,
        awsRegion: region,
        sourceIPAddress: `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`,
        userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#22.11.0 api/s3#3.700.0',
        ...(denied
          ? {
              errorCode: 'AccessDenied',
              errorMessage: `User is not authorized to perform: ${name}`,
            }
          : {}),
        requestParameters: data
          ? {
              bucketName: `data-${hex(4)}`,
              key: `raw/2026/${hex(12)}.parquet`,
              Host: `data-${hex(4)}.s3.${region}.amazonaws.com`,
            }
          : { maxResults: 50 },
        responseElements: null,
        additionalEventData: data
          ? {
              SignatureVersion: 'SigV4',
              CipherSuite: 'TLS_AES_128_GCM_SHA256',
              bytesTransferredIn: 0,
              AuthenticationMethod: 'AuthHeader',
              'x-amz-id-2': hex(40),
              bytesTransferredOut: Math.floor(r() * 1e6),
            }
          : undefined,
        requestID: hex(32),
        eventID: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
        readOnly,
        resources: data
          ? [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::data/${hex(12)}` }]
          : undefined,
        eventType: 'AwsApiCall',
        managementEvent: !data,
        recipientAccountId: ACCOUNT,
        eventCategory: data ? 'Data' : 'Management',
        tlsDetails: {
          tlsVersion: 'TLSv1.3',
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: `${source.split('.')[0]}.${region}.amazonaws.com`,
        },
      });
    }
    const d = new Date(fileTime);
    const y = d.getUTCFullYear();
    const m = String(d.getUTCMonth() + 1).padStart(2, '0');
    const day = String(d.getUTCDate()).padStart(2, '0');
    const folder = join(dir, 'AWSLogs', ACCOUNT, 'CloudTrail', region, String(y), m, day);
    await mkdir(folder, { recursive: true });
    const stamp = d.toISOString().replace(/[-:]/g, '').slice(0, 13);
    const file = join(folder, `${ACCOUNT}_CloudTrail_${region}_${stamp}Z_${hex(16)}.json.gz`);
    await writeFile(file, gzipSync(JSON.stringify({ Records: batch })));
    files++;
  }
  return { files, records };
}
