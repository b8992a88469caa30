import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ExportDirectory } from '#adapters/fs/export-directory.ts';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { AwsLiveSource } from '#connectors/aws/live-scan.ts';
import { DAY_MS, runScan } from '#core/engine/scan.ts';
import type { FindingsDocument } from '#core/model/findings.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import { exportAccount, seedAgentAccount } from '#test/helpers/seed-aws.ts';

const endpoint = inject('motoEndpoint');
const LOOKBACK_DAYS = 7;

describe('live scan against moto', () => {
  let clients: AwsClients;
  let dir: string;

  beforeEach(async () => {
    await resetMoto(endpoint);
    clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'leash-live-'));
  });
  afterEach(async () => {
    clients.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('probe', async () => {
    const start = Date.now();
    const seeded = await seedAgentAccount(clients, start);
    await exportAccount(clients, dir, seeded.files);
    const asOf = seeded.last + DAY_MS;
    const catalog = await loadCatalog();
    const live = new AwsLiveSource(clients, {
      from: asOf - LOOKBACK_DAYS * DAY_MS,
      to: asOf,
      regions: ['us-east-1'],
      usage: 'trail',
    });
    const liveDoc = await runScan(
      { grants: live, usage: live, catalog },
      { asOf, lookbackDays: LOOKBACK_DAYS, toolVersion: 'test', gaps: () => live.gaps.gaps },
    );
    const offline = new ExportDirectory(dir);
    const offDoc = await runScan(
      { grants: offline, usage: offline, catalog },
      { asOf, lookbackDays: LOOKBACK_DAYS, toolVersion: 'test' },
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync('/tmp/scratch/live.json', JSON.stringify(liveDoc, null, 2));
    writeFileSync('/tmp/scratch/off.json', JSON.stringify(offDoc, null, 2));
    expect(summary(liveDoc)).toEqual(summary(offDoc));
  });
});

function summary(doc: FindingsDocument) {
  return doc.identities.map((i) => ({
    id: i.id,
    class: i.class,
    aiRole: i.aiRole,
    used: i.usedActions.map((u) => `${u.action} ${u.count}`),
    unused: i.unusedActions.length,
    denied: i.deniedActions.map((d) => `${d.action} ${d.count}`),
    rec: i.recommendation,
  }));
}
