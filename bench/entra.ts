/**
 * Benchmark of the Entra inventory: a generated 10,000-service-principal tenant served by the
 * loopback Graph server (test/helpers/graph-server.ts, TLS on 127.0.0.1, in this process), read
 * by collectTenant through the real @azure/identity credential and Graph SDK client.
 * Prints one line; with `--json`, the figures as JSON instead (for bench/run.ts). The server
 * shares the CPU with the collector, so the time is an upper bound for the client's own work and
 * says nothing about Graph's throttling of a real tenant.
 */

import { collectTenant } from '#connectors/entra/collect-tenant.ts';
import { createGraphClient } from '#connectors/entra/graph-client.ts';
import { GapRecorder } from '#connectors/shared/coverage.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { startGraphServer } from '#test/helpers/graph-server.ts';
import {
  generatedTenant,
  SCANNER_CLIENT_ID,
  SCANNER_SECRET,
  TEST_TENANT_ID,
} from '#test/helpers/graph-tenant.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000);

const tenant = generatedTenant({ servicePrincipals: count, seed: 7 });
// Graph's own page size for these lists is at most 999 (agent identities 100).
const server = await startGraphServer(tenant, { pageSize: 999 });
try {
  const client = createGraphClient({
    tenantId: TEST_TENANT_ID,
    clientId: SCANNER_CLIENT_ID,
    auth: { kind: 'secret', secret: SCANNER_SECRET },
    authorityHost: server.url,
    graphBaseUrl: server.url,
    ca: server.ca,
  });
  const gaps = new GapRecorder();
  const issues: InputIssue[] = [];
  const started = performance.now();
  const inventory = await collectTenant(client, { tenantId: TEST_TENANT_ID, gaps, issues });
  const seconds = (performance.now() - started) / 1000;
  const graphRequests = server.requests.filter(
    (r) => !r.path.includes('/oauth2/') && !r.path.includes('/.well-known/'),
  );
  const figures = {
    servicePrincipals: inventory.servicePrincipals.length,
    seconds,
    // HTTP requests to Graph (token requests excluded), and how many of them were $batch.
    requests: graphRequests.filter((r) => !r.inBatch).length,
    batches: graphRequests.filter((r) => r.path.endsWith('/$batch')).length,
    batchItems: graphRequests.filter((r) => r.inBatch).length,
    gaps: gaps.gaps.length,
    issues: issues.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  const n = (x: number) => x.toLocaleString('en-US');
  if (json) console.log(JSON.stringify(figures));
  else
    console.log(
      `entra inventory: ${n(figures.servicePrincipals)} service principals in ${seconds.toFixed(2)} s (${n(figures.requests)} requests, ${n(figures.batches)} batches); ${n(figures.batchItems)} batch items, peak RSS ${figures.peakRssMiB.toFixed(0)} MiB (server included)`,
    );
} finally {
  await server.close();
}
