/**
 * Benchmark of the GitHub inventory: a generated 500-repository organization served by the
 * loopback GitHub server (test/helpers/github-server.ts, HTTP on 127.0.0.1, in this process),
 * read by scanGitHubOrg through the real Octokit client signed in as a GitHub App installation.
 * It runs twice: without pacing (the client's own cost, with the server sharing the CPU), and
 * with the throttling plugin's pacing as against github.com (searches 2 s apart). Prints one
 * line; with `--json`, the figures as JSON instead (for bench/run.ts).
 */
import { createGitHubClient } from '#connectors/saas/github/client.ts';
import { scanGitHubOrg } from '#connectors/saas/github/scan-org.ts';
import { APPS, GITHUB_AS_OF, generatedOrg, ORG } from '#test/helpers/github-org.ts';
import { startGitHubServer } from '#test/helpers/github-server.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 500);
/** A token's (and the smallest installation's) primary rate limit, per hour. */
const BUDGET = 5000;

const org = generatedOrg({ repositories: count });

async function run(pacing: 'none' | 'github') {
  const server = await startGitHubServer(org.data);
  try {
    const client = createGitHubClient({
      auth: {
        kind: 'app',
        appId: APPS.scanner.appId,
        privateKey: org.scannerPrivateKey,
        installationId: APPS.scanner.id,
      },
      baseUrl: server.url,
      pacing,
    });
    const started = performance.now();
    const { analysis } = await scanGitHubOrg(client, {
      org: ORG,
      from: GITHUB_AS_OF - 90 * 86_400_000,
      to: GITHUB_AS_OF,
      asOf: GITHUB_AS_OF,
    });
    const seconds = (performance.now() - started) / 1000;
    const n = (p: RegExp) => server.requests.filter((r) => p.test(r.path)).length;
    return {
      seconds,
      requests: client.stats.total,
      deployKeyRequests: n(/\/keys$/),
      auditLogRequests: n(/\/audit-log$/),
      searchRequests: n(/^\/search\//),
      contentRequests: n(/\/contents\//),
      identities: analysis.identities.length,
      agentRepositories: analysis.organization.agentRepositories.length,
      rateLimitRemaining: client.stats.rateLimitRemaining ?? -1,
    };
  } finally {
    await server.close();
  }
}

const fast = await run('none');
const paced = await run('github');
const figures = {
  repositories: count,
  seconds: fast.seconds,
  pacedSeconds: paced.seconds,
  requests: fast.requests,
  budget: BUDGET,
  fitsBudget: fast.requests <= BUDGET ? 1 : 0,
  deployKeyRequests: fast.deployKeyRequests,
  auditLogRequests: fast.auditLogRequests,
  searchRequests: fast.searchRequests,
  contentRequests: fast.contentRequests,
  identities: fast.identities,
  agentRepositories: fast.agentRepositories,
  rateLimitRemaining: fast.rateLimitRemaining,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
};
if (json) console.log(JSON.stringify(figures));
else
  console.log(
    `github inventory: ${count} repositories in ${fast.seconds.toFixed(2)} s (${paced.seconds.toFixed(1)} s with github.com pacing), ${fast.requests} requests of a ${BUDGET}/h budget (${fast.deployKeyRequests} deploy-key listings, ${fast.auditLogRequests} audit-log pages, ${fast.searchRequests} code searches, ${fast.contentRequests} file reads); ${fast.identities} identities, ${fast.agentRepositories} agent repositories`,
  );
