/**
 * `leash scan --aws` and `leash permissions aws` through the real command-line entry point,
 * against moto. Credentials come from the environment the way a user's would; the shared
 * config and credentials files point at an empty file so the developer's own AWS
 * configuration is never read.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { main } from '#cli/index.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { AWS_SCAN_ACTIONS } from '#connectors/aws/permissions.ts';
import { DAY_MS } from '#core/engine/scan.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { type AgentAccount, seedAgentAccount } from '#test/helpers/seed-aws.ts';

const endpoint = inject('motoEndpoint');

/** Sets how many requests moto serves before it enforces IAM (`inf`: never, the default). */
async function motoAuthAfter(count: number | 'inf'): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    body: String(count),
  });
  if (!res.ok) throw new Error(`reset-auth failed: ${res.status}`);
}

/** Environment variables the SDK's default credential chain and region lookup read. */
const AWS_ENV = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
];

/** Captures what the program writes to stdout and stderr. */
function captureOutput(): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += chunk.toString();
    return true;
  });
  return { stdout: () => out, stderr: () => err };
}

describe('leash scan --aws and leash permissions aws against moto', () => {
  let admin: AwsClients;
  let dir: string;
  let seeded: AgentAccount;
  let asOf: string;

  beforeEach(async () => {
    await resetMoto(endpoint);
    admin = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'leash-cli-aws-'));
    const empty = join(dir, 'empty-aws-config');
    await writeFile(empty, '');
    for (const name of AWS_ENV) vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_CONFIG_FILE', empty);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', empty);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    seeded = await seedAgentAccount(admin, Date.now());
    asOf = new Date(seeded.last + DAY_MS).toISOString();
  });

  afterEach(async () => {
    await motoAuthAfter('inf');
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    admin.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `leash scan --aws` over moto and reads the findings it wrote. */
  async function scanAws(): Promise<{
    code: number;
    doc: FindingsDocument | undefined;
    stdout: string;
    stderr: string;
  }> {
    const out = join(dir, 'out');
    const io = captureOutput();
    const code = await main([
      'node',
      'leash',
      'scan',
      '--store',
      'memory',
      '--aws',
      '--endpoint-url',
      endpoint,
      '--regions',
      'us-east-1',
      '--usage',
      'trail',
      '--out',
      out,
      '--as-of',
      asOf,
      '--lookback',
      '7d',
      '--format',
      'json,md',
      '--no-progress',
    ]);
    vi.restoreAllMocks();
    const text = await readFile(join(out, 'findings.json'), 'utf8').catch(() => undefined);
    return {
      code,
      doc: text === undefined ? undefined : (JSON.parse(text) as FindingsDocument),
      stdout: io.stdout(),
      stderr: io.stderr(),
    };
  }

  it('scans the account live and writes findings that match the schema', {
    timeout: 120_000,
  }, async () => {
    // Act
    const { code, doc, stdout, stderr } = await scanAws();

    // Assert
    expect(code, stderr).toBe(0);
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc!.accounts).toEqual([seeded.accountId]);
    expect(doc!.identities.map((i) => i.id).sort()).toEqual(
      [seeded.agent, seeded.ci, seeded.unused, seeded.alice, seeded.reporting]
        .map((x) => x.arn)
        .sort(),
    );
    expect(doc!.coverage.records).toMatchObject({ read: seeded.records, inWindow: seeded.records });
    expect(doc!.coverage.trails.map((t) => t.arn)).toEqual([seeded.trailArn]);
    const agent = doc!.identities.find((i) => i.id === seeded.agent.arn)!;
    expect(agent).toMatchObject({
      class: 'ai-agent',
      aiRole: 'agent',
      recommendation: 'rightsize',
    });
    expect(stdout.trim().split('\n')).toEqual([
      join(dir, 'out', 'findings.json'),
      join(dir, 'out', 'report.md'),
    ]);
    expect(stderr).toContain('Scanning AWS live, window 7 days');
    expect(stderr).toContain(`Account ${seeded.accountId}: 1 regions`);
    expect(stderr).toContain('5 identities');
  });

  it('prints a policy of exact actions that is enough for a live scan', {
    timeout: 120_000,
  }, async () => {
    // Arrange
    const io = captureOutput();
    const printed = await main([
      'node',
      'leash',
      'permissions',
      'aws',
      '--trail-bucket',
      seeded.bucket,
    ]);
    vi.restoreAllMocks();
    const policy = JSON.parse(io.stdout()) as {
      Version: string;
      Statement: { Action: string[]; Resource: string | string[] }[];
    };
    const actions = policy.Statement.flatMap((s) => s.Action);
    const iam = admin.iam();
    await iam.send(new CreateUserCommand({ UserName: 'leash-scanner' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'leash-scanner',
        PolicyName: 'leash-scan',
        PolicyDocument: JSON.stringify(policy),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'leash-scanner' })))
      .AccessKey!;
    vi.stubEnv('AWS_ACCESS_KEY_ID', key.AccessKeyId!);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', key.SecretAccessKey!);
    await motoAuthAfter(0);

    // Act
    const { code, doc, stderr } = await scanAws();
    await motoAuthAfter('inf');

    // Assert
    expect(printed).toBe(0);
    expect(policy.Version).toBe('2012-10-17');
    expect(actions.every((a) => /^[a-z0-9-]+:[A-Za-z]+$/.test(a))).toBe(true);
    const { organization: _org, ...single } = AWS_SCAN_ACTIONS;
    expect([...actions].sort()).toEqual(Object.values(single).flat().sort());
    expect(policy.Statement.find((s) => s.Action.includes('s3:GetObject'))?.Resource).toEqual([
      `arn:aws:s3:::${seeded.bucket}`,
      `arn:aws:s3:::${seeded.bucket}/*`,
    ]);
    // With moto enforcing IAM, the printed policy alone lets the scan read everything.
    expect(code, stderr).toBe(0);
    expect(doc!.coverage.accessGaps.filter((g) => g.reason === 'access-denied')).toEqual([]);
    expect(doc!.coverage.records.read).toBe(seeded.records);
    expect(doc!.identities).toHaveLength(6);
  });
});
