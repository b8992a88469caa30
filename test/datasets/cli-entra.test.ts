import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '#cli/index.ts';
import { type FindingsDocument, FindingsDocumentSchema } from '#core/model/findings.ts';
import { type GraphServer, startGraphServer } from '#test/helpers/graph-server.ts';
import {
  SAMPLE_IDS,
  SCANNER_CLIENT_ID,
  SCANNER_SECRET,
  samplesTenant,
  TEST_TENANT_ID,
} from '#test/helpers/graph-tenant.ts';
import { graphServerTokens, startLogAnalyticsServer } from '#test/helpers/log-analytics-server.ts';

const SAMPLE = new URL('../../examples/sample-account', import.meta.url).pathname;

describe('leash scan --entra, against the loopback Graph server', () => {
  let server: GraphServer;
  let dir: string;

  beforeAll(async () => {
    server = await startGraphServer(samplesTenant());
    dir = await mkdtemp(join(tmpdir(), 'leash-entra-cli-'));
    await writeFile(join(dir, 'secret'), `${SCANNER_SECRET}\n`);
    await writeFile(join(dir, 'ca.pem'), server.ca);
    // The developer's own environment must not leak into the scan.
    vi.stubEnv('LEASH_ENTRA_CLIENT_SECRET', '');
    vi.stubEnv('AZURE_FEDERATED_TOKEN_FILE', '');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  const entraArgs = () => [
    '--entra',
    '--tenant-id',
    TEST_TENANT_ID,
    '--client-id',
    SCANNER_CLIENT_ID,
    '--client-secret-file',
    join(dir, 'secret'),
    '--authority-host',
    server.url,
    '--graph-url',
    server.url,
    '--ca-file',
    join(dir, 'ca.pem'),
  ];

  it('scans the tenant alone into a valid findings document', async () => {
    // Arrange
    const out = join(dir, 'entra-only');
    // Act
    const code = await main([
      'node',
      'leash',
      'scan',
      '--store',
      'memory',
      ...entraArgs(),
      '--out',
      out,
      '--as-of',
      '2026-11-15',
      '--no-progress',
    ]);
    // Assert
    expect(code).toBe(0);
    const doc = JSON.parse(await readFile(join(out, 'findings.json'), 'utf8')) as FindingsDocument;
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.identities.length).toBeGreaterThan(0);
    expect(
      doc.identities.every(
        (i) =>
          i.type === 'service-principal' || i.type === 'agent-identity' || i.type === 'agent-user',
      ),
    ).toBe(true);
    expect(doc.identities.filter((i) => i.type === 'agent-user')).toHaveLength(2);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(TEST_TENANT_ID);
  });

  it('puts an AWS scan and the tenant into one findings document', async () => {
    // Arrange
    const out = join(dir, 'both');
    // Act
    const code = await main([
      'node',
      'leash',
      'scan',
      '--store',
      'memory',
      '--from',
      SAMPLE,
      ...entraArgs(),
      '--out',
      out,
      '--as-of',
      '2026-11-15T00:00:00Z',
      '--no-progress',
    ]);
    // Assert
    expect(code).toBe(0);
    const doc = JSON.parse(await readFile(join(out, 'findings.json'), 'utf8')) as FindingsDocument;
    expect(FindingsDocumentSchema.safeParse(doc).success).toBe(true);
    const types = new Set(doc.identities.map((i) => i.type));
    expect(types.has('role') && types.has('service-principal')).toBe(true);
  });

  it('finds unused Graph permissions from the activity logs in a Log Analytics workspace', async () => {
    // Arrange: the mail client read messages; nothing else called Graph.
    const tenant = samplesTenant();
    const mailApp = String(
      tenant.servicePrincipals.find((sp) => sp.id === SAMPLE_IDS.mailClient)!.appId,
    );
    const logs = await startLogAnalyticsServer({
      workspaceId: 'ws-1',
      rows: [
        {
          TimeGenerated: '2026-11-10T10:00:00Z',
          AppId: mailApp,
          ServicePrincipalId: SAMPLE_IDS.mailClient,
          RequestMethod: 'GET',
          RequestUri:
            'https://graph.microsoft.com/v1.0/users/5f0c1a9e-0000-4000-8000-000000000001/messages',
          ResponseStatusCode: 200,
          Roles: 'Mail.Read',
        },
      ],
      verifyToken: graphServerTokens(server),
    });
    await writeFile(join(dir, 'ca-all.pem'), `${server.ca}\n${logs.ca}`);
    const out = join(dir, 'with-logs');
    const args = entraArgs().map((a) => (a === join(dir, 'ca.pem') ? join(dir, 'ca-all.pem') : a));
    try {
      // Act
      const code = await main([
        'node',
        'leash',
        'scan',
        '--store',
        'memory',
        ...args,
        '--log-analytics-workspace',
        'ws-1',
        '--log-analytics-endpoint',
        logs.endpoint,
        '--out',
        out,
        '--as-of',
        '2026-11-15',
        '--no-progress',
      ]);
      // Assert
      expect(code).toBe(0);
      const doc = JSON.parse(
        await readFile(join(out, 'findings.json'), 'utf8'),
      ) as FindingsDocument;
      const mail = doc.identities.find((i) => i.id === SAMPLE_IDS.mailClient)!;
      expect(mail.usedActions.map((u) => u.action).join(' ')).toMatch(/Mail\.Read/);
      // With logs read, nothing is unobservable for want of them, and the broader grant is reducible.
      const reasons = doc.identities.flatMap((i) => i.unobservableActions.map((u) => u.reason));
      expect(reasons).not.toContain('no-graph-activity-logs');
      expect(mail.findings.map((f) => f.ruleId)).toContain('LP-ENTRA-009');
      expect(logs.queries.length).toBeGreaterThan(0);
    } finally {
      await logs.close();
    }
  });

  it('refuses to run without a credential, and never takes a secret on the command line', async () => {
    expect(
      await main([
        'node',
        'leash',
        'scan',
        '--store',
        'memory',
        '--entra',
        '--tenant-id',
        TEST_TENANT_ID,
        '--client-id',
        SCANNER_CLIENT_ID,
        '--out',
        join(dir, 'x'),
      ]),
    ).toBe(2);
    expect(
      await main([
        'node',
        'leash',
        'scan',
        '--store',
        'memory',
        '--entra',
        '--client-secret',
        'x',
        '--out',
        join(dir, 'x'),
      ]),
    ).toBe(2);
  });
});
