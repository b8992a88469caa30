/**
 * Live organization scan benchmark: a moto server holding an organization of 20 member accounts
 * (each with LeashScanRole trusted by the management account, a few users, roles, a group, a
 * customer managed policy and a Lambda function) and an organization trail whose bucket holds
 * two days of log files per account. `AwsLiveSource` then scans it as `leash scan --aws --org`
 * would: assume LeashScanRole into every member, read IAM, Lambda, Bedrock and the trails, and
 * read usage from the organization trail's files for a 90-day window.
 *
 * API calls are counted by a small HTTP proxy between the SDK and moto, so every request the
 * scan sends (STS, retries and S3 listings included) is counted once, whatever client sent it.
 *
 * What moto cannot do shapes the run: Access Advisor and LookupEvents are not implemented (HTTP
 * 500), so the scan runs with `lastAccessed: 'off'` and `usage: 'trail'`; ListFunctionUrlConfigs
 * is not implemented either, so the proxy answers it (an empty list). On AWS, Access
 * Advisor adds at least two calls per user and role, and Event history is limited to two calls
 * per second per account and region. Figures measure Leash plus moto on loopback, not AWS.
 *
 * Run: node --import tsx bench/live-org.ts [--json]
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { loadCatalog } from '#adapters/iam-data/load-catalog.ts';
import { AwsClients } from '#connectors/aws/clients.ts';
import { AwsLiveSource } from '#connectors/aws/live-scan.ts';
import { assumeInto } from '#connectors/aws/organizations/collect-org.ts';
import { scanPolicy } from '#connectors/aws/permissions.ts';
import { DAY_MS, runScan } from '#core/engine/scan.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import { startMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';
import {
  allow,
  callerAccount,
  createGroup,
  createManagedPolicy,
  createRole,
  createTrail,
  createUser,
  roleActor,
  trailFiles,
  trailRecord,
  trust,
  uploadTrailFiles,
  userActor,
} from '#test/helpers/seed-aws.ts';

const MEMBERS = 20;
const REGION = 'us-east-1';
const ROLE = 'LeashScanRole';
const BUCKET = 'org-trail-logs';
const LOOKBACK_DAYS = 90;
const HOUR_MS = 3_600_000;

/** Counts requests per service on their way to moto. */
interface Counter {
  total: number;
  byService: Map<string, number>;
  reset(): void;
}

/** A pass-through proxy to `target` that counts every AWS request (moto's own API excluded). */
async function countingProxy(
  target: string,
): Promise<{ endpoint: string; counter: Counter; server: Server }> {
  const upstream = new URL(target);
  const counter: Counter = {
    total: 0,
    byService: new Map(),
    reset() {
      this.total = 0;
      this.byService.clear();
    },
  };
  const count = (req: IncomingMessage) => {
    if (req.url?.startsWith('/moto-api/')) return;
    // SigV4 credential scope: AKID/date/region/service/aws4_request.
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
      req.headers.authorization ?? '',
    );
    const service = scope?.[1] ?? 'unsigned';
    counter.total++;
    counter.byService.set(service, (counter.byService.get(service) ?? 0) + 1);
  };
  const server = createServer((req, res) => {
    count(req);
    // moto 5.2.5 lacks ListFunctionUrlConfigs (an HTML 404, which fails the whole account's
    // collection): answer it as AWS does for a function without a URL. Still counted above.
    if (req.method === 'GET' && /^\/2021-10-31\/functions\/[^/]+\/urls(\?|$)/.test(req.url ?? '')) {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"FunctionUrlConfigs":[]}');
      return;
    }
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, counter, server };
}

/** An empty zip archive: moto stores the code, it never runs it here. */
const EMPTY_ZIP = Buffer.from([
  0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/** Seeds one member account; returns its trail records. */
async function seedMember(
  admin: AwsClients,
  accountId: string,
  management: string,
  start: number,
): Promise<Record<string, unknown>[]> {
  // moto creates OrganizationAccountAccessRole in every account it creates, as AWS does.
  const member = await assumeInto(admin, {
    accountId,
    roleName: 'OrganizationAccountAccessRole',
    sessionName: 'bench-setup',
  });
  try {
    await createRole(member, {
      name: ROLE,
      trust: trust({ AWS: `arn:aws:iam::${management}:root` }),
      inline: { 'leash-scan': scanPolicy() },
    });
    const tools = await createManagedPolicy(member, {
      name: 'app-tools',
      document: allow('s3:GetObject', 's3:PutObject', 'dynamodb:Query', 'dynamodb:PutItem'),
      laterVersions: [allow('s3:*', 'dynamodb:*')],
    });
    await createGroup(member, {
      name: 'developers',
      inline: { read: allow('logs:FilterLogEvents', 'ec2:DescribeInstances') },
    });
    const app = await createRole(member, {
      name: 'app-fn',
      trust: trust({ Service: 'lambda.amazonaws.com' }),
      managed: [tools],
    });
    const agent = await createRole(member, {
      name: 'agent-fn',
      trust: trust({ Service: 'lambda.amazonaws.com' }),
      inline: { broad: allow('bedrock:*', 's3:*', 'secretsmanager:GetSecretValue') },
    });
    await createRole(member, {
      name: 'old-batch',
      trust: trust({ Service: 'batch.amazonaws.com' }),
      inline: { batch: allow('batch:SubmitJob') },
    });
    const dev = await createUser(member, {
      name: 'dev',
      groups: ['developers'],
      loginProfile: true,
    });
    await createUser(member, {
      name: 'ci',
      inline: { deploy: allow('lambda:UpdateFunctionCode') },
      accessKeys: 1,
    });
    for (const [name, role] of [
      ['app', app],
      ['agent', agent],
    ] as const) {
      await member.lambda(REGION).send(
        new CreateFunctionCommand({
          FunctionName: `${name}-${accountId}`,
          Runtime: 'nodejs22.x',
          Role: role.arn,
          Handler: 'index.handler',
          Code: { ZipFile: EMPTY_ZIP },
          Environment: { Variables: { TABLE: 'items', SECRET_ARN: 'not-a-secret' } },
        }),
      );
    }
    const records: Record<string, unknown>[] = [];
    const asAgent = roleActor(agent, accountId, 'agent-fn');
    const asApp = roleActor(app, accountId, 'app-fn');
    const asDev = userActor(dev, accountId, { console: true });
    for (let i = 0; i < 30; i++) {
      const at = start + Math.floor((i * 48 * HOUR_MS) / 30);
      records.push(
        trailRecord(asAgent, accountId, {
          at,
          source: 'bedrock.amazonaws.com',
          name: 'InvokeModel',
        }),
        trailRecord(asApp, accountId, {
          at: at + 1000,
          source: 'dynamodb.amazonaws.com',
          name: 'DescribeTable',
        }),
      );
      if (i % 3 === 0)
        records.push(
          trailRecord(asDev, accountId, {
            at: at + 2000,
            source: 'ec2.amazonaws.com',
            name: 'DescribeInstances',
          }),
        );
    }
    return records;
  } finally {
    member.destroy();
  }
}

const json = process.argv.includes('--json');
const log = (line: string) => process.stderr.write(`${line}\n`);
const moto = await startMoto();
const proxy = await countingProxy(moto.endpoint);
const admin = new AwsClients({ endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
const scanClients = new AwsClients({ endpoint: proxy.endpoint, credentials: TEST_CREDENTIALS });
try {
  const setupStarted = Date.now();
  const management = await callerAccount(admin);
  await admin.organizations().send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const org = await admin.organizations().send(new DescribeOrganizationCommand({}));
  const orgId = org.Organization!.Id!;
  await createTrail(admin, {
    bucket: BUCKET,
    name: 'org-trail',
    multiRegion: true,
    organization: true,
  });
  const now = Date.now();
  const start = now - 3 * DAY_MS;
  let records = 0;
  for (let i = 0; i < MEMBERS; i++) {
    const created = await admin
      .organizations()
      .send(
        new CreateAccountCommand({ AccountName: `member-${i}`, Email: `member-${i}@example.com` }),
      );
    const id = created.CreateAccountStatus!.AccountId!;
    const recs = await seedMember(admin, id, management, start);
    records += recs.length;
    await uploadTrailFiles(admin, BUCKET, trailFiles(recs, id, { organizationId: orgId }));
  }
  log(
    `seeded ${MEMBERS} member accounts and ${records} trail records in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`,
  );

  const catalog = await loadCatalog();
  proxy.counter.reset();
  const started = process.hrtime.bigint();
  const source = new AwsLiveSource(scanClients, {
    from: now - LOOKBACK_DAYS * DAY_MS,
    to: now,
    regions: [REGION],
    org: { roleName: ROLE },
    usage: 'trail',
    lastAccessed: 'off',
  });
  // Split the figures at the end of the inventory: listing and reading log files follow.
  let inventory = { calls: 0, seconds: 0 };
  const grants = {
    loadInventory: async (issues: InputIssue[]) => {
      const inv = await source.loadInventory(issues);
      inventory = {
        calls: proxy.counter.total,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      };
      return inv;
    },
  };
  const doc = await runScan(
    { grants, usage: source, catalog },
    { asOf: now, lookbackDays: LOOKBACK_DAYS, toolVersion: 'bench', gaps: () => source.gaps.gaps },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const calls = proxy.counter.total;
  const byService = Object.fromEntries(
    [...proxy.counter.byService.entries()].sort((a, b) => b[1] - a[1]),
  );
  if (doc.accounts.length !== MEMBERS + 1 || doc.coverage.records.read !== records) {
    throw new Error(
      `scan incomplete: ${doc.accounts.length} accounts, ${doc.coverage.records.read} of ${records} records; gaps: ${JSON.stringify(doc.coverage.accessGaps.slice(0, 3))}`,
    );
  }
  const result = {
    accounts: doc.accounts.length,
    members: MEMBERS,
    identities: doc.identities.length,
    functions: doc.functions.length,
    records: doc.coverage.records.read,
    gaps: doc.coverage.accessGaps.length,
    calls,
    seconds,
    callsPerSecond: calls / seconds,
    inventoryCalls: inventory.calls,
    inventorySeconds: inventory.seconds,
    usageCalls: calls - inventory.calls,
    usageSeconds: seconds - inventory.seconds,
    byService,
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    console.log(
      `live org scan: ${MEMBERS} accounts (+ management), ${calls.toLocaleString('en-US')} API calls in ${seconds.toFixed(2)} s = ${Math.round(calls / seconds).toLocaleString('en-US')} calls/s; ${result.identities} identities, ${result.functions} functions, ${result.records.toLocaleString('en-US')} trail records, ${result.gaps} gaps`,
    );
    console.log(
      `  inventory (STS, IAM, Lambda, Bedrock, trails): ${inventory.calls} calls in ${inventory.seconds.toFixed(2)} s; usage (org trail files, ${LOOKBACK_DAYS}-day window): ${calls - inventory.calls} calls in ${(seconds - inventory.seconds).toFixed(2)} s`,
    );
    console.log(
      `  calls by service: ${Object.entries(byService)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
} finally {
  admin.destroy();
  scanClients.destroy();
  await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
  await moto.stop();
}
