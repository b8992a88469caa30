/**
 * `leash contain`, `approve`, `deny`, `rollback` and `audit` in local mode, in-process against
 * moto (IAM state really changes) with the embedded store in a temporary directory; the Entra
 * kinds against the loopback Graph server (the tenant really changes), signed in with the
 * options and environment `leash scan --entra` uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import {
  answerCommand,
  auditCommand,
  type ContainCommandOptions,
  containCommand,
  rollbackCommand,
} from '#cli/commands/contain.ts';
import { UsageError } from '#cli/errors.ts';
import { main } from '#cli/index.ts';
import type { AwsClients } from '#connectors/aws/clients.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { motoClients, SMALL_TENANT, smallTenant } from '#test/helpers/scan-run.ts';
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

/** An output stream that keeps what is written. */
function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('leash contain, Entra kinds', () => {
  const { TENANT, CLIENT, SECRET, APP_SP } = SMALL_TENANT;
  const GLASS_USER = 'f0000000-0000-4000-8000-0000000000b1';
  let graph: GraphServer;
  let entra: Omit<ContainCommandOptions, 'kind'>;

  beforeEach(async () => {
    const tenant = smallTenant();
    tenant.users.push({
      id: GLASS_USER,
      userPrincipalName: 'break-glass-admin@example.com',
      displayName: 'Break glass',
      accountEnabled: true,
      signInSessionsValidFromDateTime: '2026-01-01T00:00:00Z',
    });
    graph = await startGraphServer(tenant);
    const caFile = join(dir, 'graph-ca.pem');
    writeFileSync(caFile, graph.ca);
    // The client secret from the environment, as `leash scan --entra` takes it.
    vi.stubEnv('LEASH_ENTRA_CLIENT_SECRET', SECRET);
    entra = {
      storePath: join(dir, 'store'),
      endpointUrl: endpoint,
      tenantId: TENANT,
      clientId: CLIENT,
      authorityHost: graph.url,
      graphUrl: graph.url,
      caFile,
    };
  });

  afterEach(async () => {
    await graph.close();
  });

  /** Runs one command function with its own output streams. */
  async function run(
    command: (io: { stdout: Writable; stderr: Writable }) => Promise<number>,
  ): Promise<{ code: number; out: string; err: string }> {
    const out = sink();
    const err = sink();
    const code = await command({ stdout: out.stream, stderr: err.stream });
    return { code, out: out.text(), err: err.text() };
  }

  const enabled = () => graph.data.servicePrincipals.find((sp) => sp.id === APP_SP)!.accountEnabled;
  const graphWrites = () =>
    graph.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1.0'));

  it('plans, waits for approval, disables the service principal, audits and rolls back', async () => {
    // Arrange
    const kind = 'entra.disable-service-principal';

    // Act
    const dry = await run((io) => containCommand(APP_SP, { ...entra, kind, dryRun: true }, io));
    const asked = await run((io) =>
      containCommand(APP_SP, { ...entra, kind, reason: 'agent mailing outside' }, io),
    );
    const requestId = /Result: (ctn-[0-9a-f]{32}) pending/.exec(asked.out)?.[1];
    const untouched = enabled();
    const approved = await run((io) =>
      answerCommand('approve', requestId!, { ...entra, reason: 'confirmed' }, io),
    );
    const disabled = enabled();
    const rolledBack = await run((io) => rollbackCommand(requestId!, entra, io));
    const audit = await run((io) => auditCommand(requestId!, { ...entra, json: true }, io));

    // Assert
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/Plan: ctn-[0-9a-f]{32} planned/);
    expect(dry.out).toContain(
      `call: graph:PATCH /servicePrincipals/{id} {"id":"${APP_SP}","accountEnabled":false}`,
    );
    expect(asked.code).toBe(0);
    expect(untouched).toBe(true);
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/Result: ctn-[0-9a-f]{32} applied/);
    expect(disabled).toBe(false);
    expect(audit.code).toBe(0);
    const chain = JSON.parse(audit.out) as {
      status: string;
      entries: { kind: string; scope: string; detail: Record<string, unknown> }[];
    };
    expect(chain.entries.map((e) => e.kind)).toEqual([
      'requested',
      'decided',
      'approval-requested',
      'approved',
      'snapshot',
      'api-call',
      'applied',
      'rollback-requested',
      'rollback-planned',
      'rollback-call',
      'rolled-back',
    ]);
    const requested = chain.entries[0]!.detail.request as { target: Record<string, unknown> };
    // Named and typed as Graph has it, in the options' tenant.
    expect(requested.target).toMatchObject({
      provider: 'entra',
      scope: TENANT,
      id: APP_SP,
      name: 'mail-agent',
      type: 'service-principal',
    });
    expect(chain.entries.find((e) => e.kind === 'applied')!.detail.notes).toEqual([
      expect.stringContaining('Access tokens already issued stay valid'),
    ]);
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.out).toMatch(/Rollback: ctn-[0-9a-f]{32} rolled-back/);
    expect(enabled()).toBe(true);
    expect(graphWrites().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /v1.0/servicePrincipals/${APP_SP}`,
      `PATCH /v1.0/servicePrincipals/${APP_SP}`,
    ]);
  });

  it('takes the Entra sign-in options on the command line', async () => {
    // Act
    const dry = await leash(
      'contain',
      APP_SP,
      '--kind',
      'entra.disable-service-principal',
      '--dry-run',
      '--tenant-id',
      TENANT,
      '--client-id',
      CLIENT,
      '--authority-host',
      graph.url,
      '--graph-url',
      graph.url,
      '--ca-file',
      entra.caFile!,
    );

    // Assert
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      `call: graph:PATCH /servicePrincipals/{id} {"id":"${APP_SP}","accountEnabled":false}`,
    );
    expect(graphWrites()).toEqual([]);
  });

  it('refuses a protected identity by the name Graph gives it', async () => {
    // Act
    const refused = await run((io) =>
      containCommand(GLASS_USER, { ...entra, kind: 'entra.revoke-user-sessions' }, io),
    );

    // Assert
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      /refused: break-glass-admin@example\.com matches the protected name pattern/,
    );
    expect(graphWrites()).toEqual([]);
  });

  it('says which options an Entra kind needs, and what its target is', async () => {
    // Arrange
    const kind = 'entra.disable-service-principal';
    const { tenantId: _tenant, clientId: _client, ...noTenant } = entra;
    const io = { stdout: sink().stream, stderr: sink().stream };

    // Act
    const withoutTenant = containCommand(APP_SP, { ...noTenant, kind }, io);
    const arnTarget = containCommand('arn:aws:iam::111111111111:role/x', { ...entra, kind }, io);

    // Assert
    await expect(withoutTenant).rejects.toThrow(UsageError);
    await expect(withoutTenant).rejects.toThrow(
      /--tenant-id and --client-id of the containment app registration/,
    );
    await expect(arnTarget).rejects.toThrow(UsageError);
    await expect(arnTarget).rejects.toThrow(/the target is the object id \(a GUID\)/);
    expect(graph.requests).toEqual([]);
  });

  it('names the credential problem when Entra refuses the client secret, and changes nothing', async () => {
    // Arrange
    vi.stubEnv('LEASH_ENTRA_CLIENT_SECRET', 'not-the-secret');

    // Act
    const refused = containCommand(
      APP_SP,
      { ...entra, kind: 'entra.disable-service-principal' },
      { stdout: sink().stream, stderr: sink().stream },
    );

    // Assert
    await expect(refused).rejects.toMatchObject({
      name: 'EntraContainmentCredentialError',
      message: expect.stringMatching(
        new RegExp(
          `signing in to tenant ${TENANT} as application ${CLIENT} failed.*User\\.RevokeSessions\\.All`,
        ),
      ),
    });
    expect(enabled()).toBe(true);
    expect(graphWrites()).toEqual([]);
  });
});
