/** The `leash` command-line program. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import {
  answerCommand,
  auditCommand,
  containCommand,
  ENTRA_CONTAINMENT_OPTIONS,
  GITHUB_CONTAINMENT_OPTIONS,
  rollbackCommand,
} from '#cli/commands/contain.ts';
import { GITHUB_SCAN_OPTIONS } from '#cli/commands/github.ts';
import { graphPermissionsImportCommand } from '#cli/commands/graph-permissions.ts';
import { historyCommand } from '#cli/commands/history.ts';
import { permissionsCommand } from '#cli/commands/permissions.ts';
import { reportCommand } from '#cli/commands/report.ts';
import { scanCommand } from '#cli/commands/scan.ts';
import { EXIT, handleError, UsageError } from '#cli/errors.ts';
import { DEFAULT_STORE_PATH } from '#cli/store.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Builds the program; exported for tests. */
export function buildProgram(run: (code: number) => void): Command {
  const program = new Command('leash')
    .description(
      'Keeps cloud identities, above all AI agents, on a short leash: finds what each identity is granted but never uses, and writes a least-privilege replacement.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const scan = program
    .command('scan')
    .description(
      'Scan an AWS account offline from exported files (--from) or live through the AWS APIs (--aws), a Microsoft Entra tenant (--entra) and a GitHub organization (--github), alone or together. Writes findings.json, report.md and report.html.',
    )
    .option(
      '--from <dir>',
      'folder (or file) of exports: get-account-authorization-details pages, credential report CSV, service-last-accessed JSON, and CloudTrail (AWSLogs/... .json.gz, .json, arrays, JSON lines, lookup-events output)',
    )
    .option(
      '--aws',
      'scan live with the standard AWS credentials (environment, profile, SSO, instance or container role)',
    )
    .option('--profile <name>', 'with --aws: the shared-config profile to use')
    .option(
      '--role-arn <arn>',
      'with --aws: assume this role first (read-only; see `leash permissions aws`)',
    )
    .option('--external-id <id>', 'with --role-arn or --org: the external id the role requires')
    .option(
      '--regions <list>',
      "with --aws: comma-separated regions instead of the account's enabled regions",
    )
    .option('--org', 'with --aws: scan every member account of the organization through --org-role')
    .option(
      '--org-role <name>',
      'with --org: the read-only role to assume in each member account',
      'LeashScanRole',
    )
    .option(
      '--usage <source>',
      'with --aws: auto (trail log files where a trail covers the account, else Event history), trail, or lookup',
      'auto',
    )
    .option(
      '--endpoint-url <url>',
      'with --aws: send every AWS call to this endpoint (LocalStack, moto)',
    )
    .option(
      '--entra',
      'scan a Microsoft Entra tenant through Microsoft Graph (alone, or with --from/--aws into one findings.json)',
    )
    .option('--tenant-id <id>', 'with --entra: the tenant id')
    .option('--client-id <id>', 'with --entra: the application (client) id Leash signs in as')
    .option(
      '--client-secret-file <path>',
      'with --entra: file holding the client secret (or set LEASH_ENTRA_CLIENT_SECRET; never on the command line)',
    )
    .option('--certificate <pem>', 'with --entra: PEM file with the certificate and private key')
    .option(
      '--federated-token-file <path>',
      'with --entra: workload identity federation token file (default AZURE_FEDERATED_TOKEN_FILE)',
    )
    .option(
      '--authority-host <url>',
      'with --entra: sign-in authority (default https://login.microsoftonline.com; national clouds)',
    )
    .option(
      '--graph-url <url>',
      'with --entra: Graph root (default https://graph.microsoft.com; national clouds)',
    )
    .option(
      '--ca-file <pem>',
      'with --entra: extra CA certificate to trust (a TLS-inspecting proxy)',
    )
    .option(
      '--first-party-apps <file>',
      "with --entra: Microsoft first-party apps list (MicrosoftApps.json) to exempt besides Microsoft's tenants",
    )
    .option(
      '--graph-permissions <file>',
      'with --entra: Graph permission map made by `leash graph-permissions import` (default .leash/graph-permissions.json when present)',
    )
    .option(
      '--log-analytics-workspace <id>',
      'with --entra: Log Analytics workspace holding MicrosoftGraphActivityLogs, so unused Graph permissions can be found',
    )
    .option(
      '--log-analytics-endpoint <url>',
      'with --log-analytics-workspace: query API root (default https://api.loganalytics.io/v1; national clouds)',
    );
  for (const o of GITHUB_SCAN_OPTIONS) scan.option(o.flags, o.description);
  scan
    .requiredOption(
      '--out <dir>',
      'folder to write findings.json and the reports to (created if missing)',
    )
    .option('--as-of <date>', 'end of the observation window, ISO date or date-time (default: now)')
    .option('--lookback <days>', 'length of the window, e.g. 90d or 12w', '90d')
    .option(
      '--format <list>',
      'reports to write besides findings.json: json,md,html',
      'json,md,html',
    )
    .option('--no-progress', 'do not draw progress on stderr')
    .option(
      '--store <kind>',
      'where the scan is recorded, for what changed since the previous one: local (the embedded store in --store-path) or memory (kept for this run only)',
      'local',
    )
    .option('--store-path <dir>', `directory of the local store (default ${DEFAULT_STORE_PATH})`)
    .addHelpText(
      'after',
      `
Examples:
  leash scan --from examples/sample-account --out out/ --as-of 2026-11-15T00:00:00Z
  leash scan --from ~/exports/prod --out report/ --lookback 30d --format json,md
  leash scan --aws --profile audit --out report/
  leash scan --aws --org --org-role LeashScanRole --regions us-east-1,eu-west-1 --out report/
  LEASH_ENTRA_CLIENT_SECRET=... leash scan --entra --tenant-id <id> --client-id <id> --out report/
  leash scan --aws --entra --tenant-id <id> --client-id <id> --certificate leash.pem --out report/
  leash scan --github acme --github-app-id 123456 --github-private-key leash-app.pem --out report/
  LEASH_GITHUB_TOKEN=... leash scan --aws --github acme --out report/

  leash scan --from export --out report/ --store memory

Every scan is recorded in the store (.leash/store by default), and stderr and the reports say
what changed since the previous scan of the same accounts and tenants; \`leash history\` lists
the recorded scans.

Exit codes: 0 success, 1 failure, 2 bad usage. Bad records and files never stop a scan:
they are skipped and listed, with file and location, in findings.json under coverage.issues.`,
    )
    .action(async (opts) => {
      run(
        await scanCommand(opts, {
          stdout: process.stdout,
          stderr: process.stderr,
          version: VERSION,
        }),
      );
    });
  program
    .command('history')
    .description(
      'List the scans recorded in the store, oldest first: open, new, resolved and persisting findings, and open findings by severity.',
    )
    .option('--store <kind>', 'local (the embedded store in --store-path) or memory', 'local')
    .option('--store-path <dir>', `directory of the local store (default ${DEFAULT_STORE_PATH})`)
    .option('--json', 'print the scans as JSON')
    .action(async (opts) => {
      run(await historyCommand(opts, { stdout: process.stdout, stderr: process.stderr }));
    });
  program
    .command('report')
    .description(
      'Write the weekly rightsizing report of a findings document, with what changed, the trend and containment from the store: report.html, report.md, report.csv, report.json.',
    )
    .argument('<findings>', 'findings.json, or the folder `leash scan --out` wrote')
    .requiredOption('--out <dir>', 'folder to write the reports to (created if missing)')
    .option(
      '--since <when>',
      'start of "what changed": a period before the scan (7d, 2w) or an ISO date',
      '7d',
    )
    .option('--format <list>', 'formats to write: html,md,csv,json', 'html,md,csv,json')
    .option('--store <kind>', 'local (the embedded store in --store-path) or memory', 'local')
    .option('--store-path <dir>', `directory of the local store (default ${DEFAULT_STORE_PATH})`)
    .action(async (findings: string, opts) => {
      run(await reportCommand(findings, opts, { stdout: process.stdout, stderr: process.stderr }));
    });
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command('graph-permissions')
    .description('Manage the Microsoft Graph request-to-permission map used by Entra scans.')
    .argument('<verb>', 'import')
    .argument(
      '<file>',
      "Microsoft's permissions catalog (permissions.json from microsoft-graph-devx-content)",
    )
    .option('--out <path>', 'where to write the imported map', '.leash/graph-permissions.json')
    .action(async (verb: string, file: string, opts: { out: string }) => {
      if (verb !== 'import')
        throw new UsageError(`graph-permissions knows the verb import, not "${verb}"`);
      run(
        await graphPermissionsImportCommand(
          { file, out: opts.out },
          { stdout: process.stdout, stderr: process.stderr },
        ),
      );
    });
  program
    .command('permissions')
    .description(
      'Print the exact least-privilege IAM policy a live scan needs (read-only, no wildcard actions).',
    )
    .argument('<provider>', 'aws')
    .option('--trail-bucket <name>', 'scope trail log reads to this bucket (repeatable)', collect)
    .option(
      '--kms-key <arn>',
      'allow kms:Decrypt through S3 for trail logs encrypted with this key (repeatable)',
      collect,
    )
    .option(
      '--org-role <name>',
      'add organizations:ListAccounts and sts:AssumeRole into this role in member accounts',
    )
    .option('--partition <name>', 'ARN partition for --org-role', 'aws')
    .addHelpText(
      'after',
      '\nExample:\n  leash permissions aws --trail-bucket org-trail-logs --org-role LeashScan > leash-scan-policy.json',
    )
    .action((provider: string, opts) => {
      if (provider !== 'aws')
        throw new UsageError(`permissions knows the provider aws, not "${provider}"`);
      run(permissionsCommand(opts, process.stdout));
    });
  registerContainment(program, run);
  return program;
}

/**
 * Runs the program.
 * @returns the exit code
 */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander error is bad usage.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return handleError(err, (line) => process.stderr.write(`${line}\n`));
  }
}

/** `leash contain`, `approve`, `deny`, `rollback`, `audit` (cli/commands/contain.ts). */
function registerContainment(program: Command, run: (code: number) => void): void {
  const io = { stdout: process.stdout, stderr: process.stderr };
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const common = (c: Command) => {
    c.option('--store <kind>', 'local (the embedded store in --store-path) or memory', 'local')
      .option('--store-path <dir>', `directory of the local store (default ${DEFAULT_STORE_PATH})`)
      .option('--table <name>', "deployed mode: the deployment's table (stack output TableName)")
      .option(
        '--audit-table <name>',
        'deployed mode: the audit table (stack output AuditTableName)',
      )
      .option('--region <region>', 'AWS region of the deployment and the clients')
      .option('--endpoint-url <url>', 'send every AWS call to this endpoint (LocalStack, moto)')
      .option(
        '--containment-role <name>',
        "assume this role (path/name, e.g. leash/leash-containment) in the target's account",
      )
      .option('--policies <dir>', 'Cedar policy directory (default: the policies Leash ships)')
      .option('--json', 'print JSON');
    // The sign-in options of the Entra and GitHub kinds: approve and rollback act too.
    for (const o of [...ENTRA_CONTAINMENT_OPTIONS, ...GITHUB_CONTAINMENT_OPTIONS])
      c.option(o.flags, o.description);
    return c;
  };
  common(
    program
      .command('contain')
      .description(
        'Contain one AWS, Entra or GitHub identity: policy decides (auto, approval or forbidden); prints the exact calls first.',
      )
      .argument(
        '<target>',
        'AWS: ARN of the IAM role, IAM user or Lambda function; Entra: object id of the service principal, agent identity or user (in --tenant-id); GitHub: identity id of the findings (github:HOST/ORG/personal-access-tokens/ID, github:HOST/ORG/REPO/keys/ID, github:HOST/ORG/installations/ID)',
      )
      .requiredOption(
        '--kind <kind>',
        'aws.revoke-sessions, aws.quarantine, aws.deactivate-access-keys, ...; entra.disable-service-principal, entra.revoke-user-sessions, ...; github.revoke-token-access, github.delete-deploy-key, github.suspend-installation (README, Containment)',
      )
      .option('--dry-run', 'print the decision and the plan; change nothing')
      .option('--reason <text>', 'why (recorded in the audit log)')
      .option('--class <class>', 'ai-agent, workload or human (policy sees it)')
      .option('--tag <key=value>', 'a tag of the identity policy should see (repeatable)', collect)
      .option('--params <json>', 'kind parameters, e.g. {"policyArn":"arn:aws:iam::aws:policy/X"}')
      .option(
        '--name <name>',
        "GitHub kinds: the identity's name when GitHub has none for it (otherwise the name is read from GitHub, and a different --name is refused, so protected names apply)",
      )
      .addHelpText(
        'after',
        `
Examples:
  leash contain arn:aws:iam::111111111111:role/agent --kind aws.revoke-sessions --dry-run
  LEASH_ENTRA_CLIENT_SECRET=... leash contain <object id> --kind entra.disable-service-principal \\
    --tenant-id <tenant> --client-id <containment app>
  leash contain github:github.com/acme/api/keys/42 --kind github.delete-deploy-key \\
    --github-app-id 123456 --github-private-key leash-containment.pem`,
      ),
  ).action(async (target: string, opts) => run(await containCommand(target, opts, io)));
  for (const decision of ['approve', 'deny'] as const) {
    common(
      program
        .command(decision)
        .description(
          decision === 'approve'
            ? 'Approve a pending containment (local: applies it now; deployed: resumes the workflow).'
            : 'Deny a pending containment: nothing is applied.',
        )
        .argument('<requestId>', 'the ctn-... id')
        .option('--reason <text>', 'recorded with the answer'),
    ).action(async (id: string, opts) => run(await answerCommand(decision, id, opts, io)));
  }
  common(
    program
      .command('rollback')
      .description('Undo what a containment applied, exactly, and say what cannot be restored.')
      .argument('<requestId>', 'the ctn-... id')
      .option('--reason <text>', 'recorded in the audit log'),
  ).action(async (id: string, opts) => run(await rollbackCommand(id, opts, io)));
  common(
    program
      .command('audit')
      .description('Print the whole audit chain of a containment request.')
      .argument('<requestId>', 'the ctn-... id'),
  ).action(async (id: string, opts) => run(await auditCommand(id, opts, io)));
}
