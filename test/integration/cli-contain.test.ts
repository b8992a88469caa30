/**
 * `leash contain`, `approve`, `deny`, `rollback` and `audit` in local mode, in-process against
 * moto (IAM state really changes) with the embedded store in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { main } from '#cli/index.ts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { motoClients } from '#test/helpers/scan-run.ts';
import { allow, createRole, trust } from '#test/helpers/seed-aws.ts';

const endpoint = inject('motoEndpoint');
let dir: string;
let admin: AwsClients;

beforeEach(async () => {
  await resetMoto(endpoint);
  dir = mkdtempSync(join(tmpdir(), 'leash-cli-contain-'));
  admin = motoClients(endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  admin.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the program, capturing its output. */
async function leash(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  try {
    const code = await main([
      'node',
      'leash',
      ...args,
      '--store-path',
      join(dir, 'store'),
      '--endpoint-url',
      endpoint,
    ]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

async function inlineNames(role: string): Promise<string[]> {
  const out = await admin.iam().send(new ListRolePoliciesCommand({ RoleName: role }));
  return (out.PolicyNames ?? []).sort();
}

describe('leash contain', () => {
  it('prints the plan, waits for approval, applies on approve, audits, and rolls back exactly', async () => {
    // Arrange
    const role = await createRole(admin, {
      name: 'orders-agent',
      trust: trust({ Service: 'bedrock.amazonaws.com' }),
      inline: { tools: allow('s3:GetObject') },
    });

    // Act
    const dry = await leash('contain', role.arn, '--kind', 'aws.quarantine', '--dry-run');
    const asked = await leash(
      'contain',
      role.arn,
      '--kind',
      'aws.quarantine',
      '--tag',
      'environment=production',
      '--reason',
      'leaked key',
    );
    const requestId = /Result: (ctn-[0-9a-f]{32}) pending/.exec(asked.out)?.[1];
    const untouched = await inlineNames(role.name);
    const approved = await leash('approve', requestId!, '--reason', 'confirmed');
    const contained = await inlineNames(role.name);
    const audit = await leash('audit', requestId!);
    const rolledBack = await leash('rollback', requestId!);

    // Assert
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/Plan: ctn-[0-9a-f]{32} planned/);
    expect(dry.out).toMatch(/call: iam:PutRolePolicy/);
    expect(asked.code).toBe(0);
    expect(requestId).toBeDefined();
    expect(untouched).toEqual(['tools']);
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/Result: ctn-[0-9a-f]{32} applied/);
    expect(contained).toEqual(['LeashQuarantine', 'tools']);
    expect(audit.code).toBe(0);
    for (const kind of [
      'requested',
      'decided',
      'approval-requested',
      'approved',
      'snapshot',
      'api-call',
      'applied',
    ])
      expect(audit.out).toContain(` ${kind} by `);
    expect(rolledBack.code).toBe(0);
    expect(await inlineNames(role.name)).toEqual(['tools']);
  });

  it('applies nothing when denied, and refuses a protected identity', async () => {
    // Arrange
    const role = await createRole(admin, {
      name: 'billing-agent',
      trust: trust({ Service: 'bedrock.amazonaws.com' }),
      inline: { tools: allow('s3:GetObject') },
    });
    const glass = await createRole(admin, {
      name: 'break-glass-admin',
      trust: trust({ Service: 'bedrock.amazonaws.com' }),
      inline: { all: allow('s3:*') },
    });

    // Act
    const asked = await leash('contain', role.arn, '--kind', 'aws.quarantine');
    const requestId = /Result: (ctn-[0-9a-f]{32}) pending/.exec(asked.out)?.[1];
    const denied = await leash('deny', requestId!, '--reason', 'false positive');
    const refused = await leash('contain', glass.arn, '--kind', 'aws.quarantine');

    // Assert
    expect(denied.code).toBe(0);
    expect(denied.out).toMatch(/Denied: ctn-[0-9a-f]{32} denied/);
    expect(await inlineNames(role.name)).toEqual(['tools']);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/refused: break-glass-admin matches the protected name pattern/);
    expect(await inlineNames(glass.name)).toEqual(['all']);
  });
});
