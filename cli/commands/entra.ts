/**
 * The Entra part of `leash scan`: builds the Graph client from the command's options and runs the
 * `scanTenant` use case (collect, activity logs, analysis), shared with the `collect-entra` Lambda.
 * The sign-in options and environment are shared with `leash contain` for the Entra kinds
 * ({@link entraGraphClient}). A thin adapter.
 */
import { readFile } from 'node:fs/promises';
import { loadGraphPermissionMap } from '#cli/commands/graph-permissions.ts';
import { UsageError } from '#cli/errors.ts';
import {
  createGraphClient,
  type GraphAuth,
  type GraphClient,
} from '#connectors/entra/graph-client.ts';
import { scanTenant, type TenantScan } from '#connectors/entra/scan-tenant.ts';
import { firstPartyAppIdsFrom } from '#core/entra/classify.ts';

/** The options that sign in to a tenant: `leash scan --entra` and `leash contain` share them. */
export interface EntraCredentialOptions {
  tenantId?: string;
  clientId?: string;
  clientSecretFile?: string;
  certificate?: string;
  federatedTokenFile?: string;
  authorityHost?: string;
  graphUrl?: string;
  caFile?: string;
}

/** Entra options of `leash scan`. */
export interface EntraScanOptions extends EntraCredentialOptions {
  firstPartyApps?: string;
  graphPermissions?: string;
  logAnalyticsWorkspace?: string;
  logAnalyticsEndpoint?: string;
  signInLogs?: boolean;
}

/** Environment the Entra scan may read (the CLI passes process.env). */
export interface EntraEnv {
  LEASH_ENTRA_CLIENT_SECRET?: string | undefined;
  AZURE_FEDERATED_TOKEN_FILE?: string | undefined;
}

/**
 * Chooses the credential: certificate, federated token file, secret file, or secret from the
 * environment.
 * @param what the option or command that needs it, named when none is given
 */
export async function entraAuth(
  opts: EntraCredentialOptions,
  env: EntraEnv,
  what = '--entra',
): Promise<GraphAuth> {
  if (opts.certificate) return { kind: 'certificate', certificatePath: opts.certificate };
  const tokenFile = opts.federatedTokenFile ?? env.AZURE_FEDERATED_TOKEN_FILE;
  if (tokenFile) {
    // Workload identity federation: the token file is rotated by the platform, so read it anew.
    return {
      kind: 'assertion',
      getAssertion: async () => (await readFile(tokenFile, 'utf8')).trim(),
    };
  }
  if (opts.clientSecretFile) {
    const secret = (await readFile(opts.clientSecretFile, 'utf8')).trim();
    if (!secret) throw new UsageError(`--client-secret-file ${opts.clientSecretFile} is empty`);
    return { kind: 'secret', secret };
  }
  if (env.LEASH_ENTRA_CLIENT_SECRET)
    return { kind: 'secret', secret: env.LEASH_ENTRA_CLIENT_SECRET };
  throw new UsageError(
    `${what} needs a credential: --certificate <pem>, --federated-token-file <path> (or AZURE_FEDERATED_TOKEN_FILE), --client-secret-file <path>, or LEASH_ENTRA_CLIENT_SECRET. Secrets are never taken on the command line.`,
  );
}

/**
 * The Graph client of the options' app registration, and the extra CA they trust.
 * @param what the option or command that needs it, named in usage errors
 * @throws UsageError without --tenant-id, --client-id or a credential
 */
export async function entraGraphClient(
  opts: EntraCredentialOptions,
  env: EntraEnv,
  what = '--entra',
): Promise<{ client: GraphClient; tenantId: string; ca?: string }> {
  if (!opts.tenantId || !opts.clientId)
    throw new UsageError(
      `${what} needs --tenant-id and --client-id (the app registration Leash signs in as)`,
    );
  const auth = await entraAuth(opts, env, what);
  const ca = opts.caFile ? await readFile(opts.caFile, 'utf8') : undefined;
  const client = createGraphClient({
    tenantId: opts.tenantId,
    clientId: opts.clientId,
    auth,
    ...(opts.authorityHost ? { authorityHost: opts.authorityHost } : {}),
    ...(opts.graphUrl ? { graphBaseUrl: opts.graphUrl } : {}),
    ...(ca ? { ca } : {}),
  });
  return { client, tenantId: opts.tenantId, ...(ca ? { ca } : {}) };
}

/**
 * Collects and analyses a tenant with the command's options (the `scanTenant` use case).
 * @returns the analysis, and the calls that could not be made
 */
export async function scanEntra(
  opts: EntraScanOptions,
  ctx: { from: number; to: number; asOf: number; env: EntraEnv; log: (line: string) => void },
): Promise<TenantScan> {
  const { client, tenantId, ca } = await entraGraphClient(opts, ctx.env);
  const map = await loadGraphPermissionMap(
    opts.graphPermissions ? { file: opts.graphPermissions } : {},
  );
  const firstPartyAppIds = opts.firstPartyApps
    ? firstPartyAppIdsFrom(await readFile(opts.firstPartyApps, 'utf8'))
    : undefined;
  return scanTenant(client, {
    tenantId,
    from: ctx.from,
    to: ctx.to,
    asOf: ctx.asOf,
    map,
    log: ctx.log,
    ...(opts.signInLogs ? { signInLogs: true } : {}),
    ...(opts.logAnalyticsWorkspace
      ? {
          logAnalytics: {
            workspaceId: opts.logAnalyticsWorkspace,
            ...(opts.logAnalyticsEndpoint ? { endpoint: opts.logAnalyticsEndpoint } : {}),
          },
        }
      : {}),
    ...(ca ? { ca } : {}),
    ...(firstPartyAppIds ? { firstPartyAppIds } : {}),
  });
}
