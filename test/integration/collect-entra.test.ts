/**
 * The `collect-entra` Lambda in-process: the credential from moto's Secrets Manager, the tenant
 * from the loopback Graph server (a tenant built here, nothing from ../shared/datasets), the
 * result in moto's S3. A credential that is missing, still the placeholder, malformed or refused
 * by Entra is a coverage gap that says what to do, never a failure and never an echo of a value.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  it,
  vi,
} from 'vitest';
import { ENTRA_SECRET_PLACEHOLDER } from '#connectors/entra/secret-credential.ts';
import { getJson } from '#connectors/scan-run/bucket.ts';
import type { CollectEntraResult } from '#connectors/scan-run/collect-entra.ts';
import { type EntraRunFile, EntraRunFileSchema, entraKey } from '#connectors/scan-run/run-files.ts';
import { ENV, type RunWindow } from '#functions/shared/contract.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import {
  BUCKET,
  createBucketAndTable,
  loadHandler,
  motoClients,
  REGION,
  SMALL_TENANT,
  smallTenant,
  stubHandlerEnv,
} from '#test/helpers/scan-run.ts';

const endpoint = inject('motoEndpoint');
const { TENANT, CLIENT, SECRET, APP_SP } = SMALL_TENANT;
const AS_OF = '2026-11-15T00:00:00.000Z';
const RUN: RunWindow = {
  runId: 'run-entra-1',
  asOf: AS_OF,
  from: Date.parse(AS_OF) - 90 * 86_400_000,
  to: Date.parse(AS_OF),
};

let graph: GraphServer;

beforeAll(async () => {
  graph = await startGraphServer(smallTenant());
});

afterAll(async () => {
  await graph?.close();
});

beforeEach(async () => {
  await resetMoto(endpoint);
  await createBucketAndTable(endpoint);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Stores a secret (a JSON value unless a string is given) and returns its ARN. */
async function putSecret(name: string, value: unknown): Promise<string> {
  const client = new SecretsManagerClient({
    endpoint,
    region: REGION,
    credentials: TEST_CREDENTIALS,
  });
  const out = await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }),
  );
  client.destroy();
  return out.ARN!;
}

/** Runs the handler with the secret and returns its output and the file it wrote. */
async function collect(
  secretId: string,
): Promise<{ result: CollectEntraResult; file: EntraRunFile; logs: string }> {
  stubHandlerEnv(endpoint, { [ENV.entraSecret]: secretId, POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  // Everything Powertools logs goes through stdout: keep it to check no value leaks.
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  const handler = await loadHandler<RunWindow, CollectEntraResult>(
    () => import('#functions/collect-entra.ts'),
  );
  const result = await handler(RUN);
  vi.restoreAllMocks();
  const clients = motoClients(endpoint);
  const raw = await getJson({ s3: clients.s3(REGION), name: BUCKET }, entraKey(RUN.runId));
  clients.destroy();
  return { result, file: EntraRunFileSchema.parse(raw), logs: lines.join('') };
}

/** A valid credential for the loopback tenant. */
const credential = (overrides: Record<string, unknown> = {}) => ({
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: SECRET,
  authorityHost: graph.url,
  graphBaseUrl: graph.url,
  caPem: graph.ca,
  ...overrides,
});

describe('collect-entra', () => {
  it('collects and analyses the tenant into the run’s entra.json', async () => {
    // Arrange
    const secretId = await putSecret('leash/entra', credential());

    // Act
    const { result, file } = await collect(secretId);

    // Assert
    expect(result).toEqual({
      runId: RUN.runId,
      tenantId: TENANT,
      entra: { bucket: BUCKET, key: `work/runs/${RUN.runId}/entra.json` },
      identities: 2,
      gaps: file.gaps.length,
    });
    expect(file.analysis?.tenantId).toBe(TENANT);
    const agent = file.analysis?.identities.find((i) => i.id === APP_SP);
    expect(agent?.entra?.permissions.map((p) => p.permission)).toEqual(['Mail.Read']);
    // Without activity logs a permission is never called unused.
    expect(agent?.entra?.permissions[0]?.status).toBe('unobservable');
  });

  it('records a gap that says how to fill the secret when it does not exist', async () => {
    // Act
    const { result, file } = await collect(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:leash/absent-AbCdEf',
    );

    // Assert
    expect(result.tenantId).toBeNull();
    expect(result.identities).toBe(0);
    expect(file.analysis).toBeNull();
    expect(file.gaps).toHaveLength(1);
    expect(file.gaps[0]).toMatchObject({
      provider: 'entra',
      api: 'secretsmanager:GetSecretValue',
      reason: 'unsupported',
    });
    expect(file.gaps[0]?.detail).toContain('does not exist');
    expect(file.gaps[0]?.detail).toContain(
      'aws secretsmanager put-secret-value --secret-id arn:aws:secretsmanager:us-east-1:123456789012:secret:leash/absent-AbCdEf --secret-string file://entra-credential.json',
    );
  });

  it('records a gap when the secret still holds the placeholder', async () => {
    // Arrange
    const secretId = await putSecret('leash/entra-placeholder', ENTRA_SECRET_PLACEHOLDER);

    // Act
    const { file } = await collect(secretId);

    // Assert
    expect(file.analysis).toBeNull();
    expect(file.gaps[0]?.detail).toContain('still holds the placeholder');
    expect(file.gaps[0]?.detail).toContain(`--secret-id ${secretId}`);
    expect(file.gaps[0]?.detail).toContain('"tenantId":"<directory id>"');
  });

  it('names the bad fields of a malformed credential without repeating any value', async () => {
    // Arrange: a client secret with a client id that is not a GUID
    const secretId = await putSecret(
      'leash/entra-bad',
      credential({ clientId: 'my-app', clientSecret: 'do-not-echo-this-value' }),
    );

    // Act
    const { file, logs } = await collect(secretId);

    // Assert
    expect(file.analysis).toBeNull();
    expect(file.gaps[0]?.detail).toContain('clientId: must be the application (client) id');
    expect(JSON.stringify(file)).not.toContain('do-not-echo-this-value');
    expect(logs).toContain('Entra tenant not scanned');
    expect(logs).not.toContain('do-not-echo-this-value');
  });

  it('does not repeat a secret that is not JSON', async () => {
    // Arrange
    const secretId = await putSecret('leash/entra-text', 'plain-text-do-not-echo');

    // Act
    const { file, logs } = await collect(secretId);

    // Assert
    expect(file.gaps[0]?.detail).toContain('does not hold JSON');
    expect(JSON.stringify(file)).not.toContain('plain-text-do-not-echo');
    expect(logs).not.toContain('plain-text-do-not-echo');
  });

  it('records a sign-in gap when Entra refuses the credential', async () => {
    // Arrange
    const secretId = await putSecret(
      'leash/entra-wrong',
      credential({ clientSecret: 'wrong-secret-do-not-echo' }),
    );

    // Act
    const { result, file, logs } = await collect(secretId);

    // Assert
    expect(result.tenantId).toBe(TENANT);
    expect(file.analysis).toBeNull();
    expect(file.gaps[0]).toMatchObject({
      provider: 'entra',
      api: 'oauth2:token',
      reason: 'access-denied',
    });
    expect(file.gaps[0]?.detail).toContain(
      `signing in to tenant ${TENANT} as application ${CLIENT} failed`,
    );
    expect(JSON.stringify(file)).not.toContain('wrong-secret-do-not-echo');
    expect(logs).not.toContain('wrong-secret-do-not-echo');
    // Nothing was asked of Graph itself.
    expect(
      graph.requests.filter(
        (r) => r.path.startsWith('/v1.0/servicePrincipals') && r.status !== 200,
      ),
    ).toEqual([]);
  });
});
