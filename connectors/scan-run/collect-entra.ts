/**
 * The `collect-entra` step of a scan run: reads the Entra credential from Secrets Manager, signs
 * in, collects and analyses the tenant with the same `scanTenant` use case as `leash scan
 * --entra`, and writes the result to `work/runs/<runId>/entra.json` for `analyze-scan`.
 *
 * Entra never fails the run: a missing, placeholder or malformed credential, or one Microsoft
 * Entra refuses, is written as a coverage gap that says what to fix, and the AWS half of the scan
 * is analysed and reported as usual.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createGraphClient,
  type GraphClient,
  type GraphClientOptions,
} from '#connectors/entra/graph-client.ts';
import { scanTenant } from '#connectors/entra/scan-tenant.ts';
import {
  type EntraSecret,
  entraSecretInstructions,
  graphOptionsFromSecret,
  readEntraCredential,
} from '#connectors/entra/secret-credential.ts';
import { type Bucket, putJson } from '#connectors/scan-run/bucket.ts';
import { type EntraRunFile, entraKey } from '#connectors/scan-run/run-files.ts';
import type { RunLog } from '#connectors/scan-run/run-log.ts';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import type { GraphPermissionMap } from '#core/entra/permission-map.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { RunWindow, S3Location } from '#functions/shared/contract.ts';

/** The Graph scope the connector's client asks tokens for (createGraphClient's default). */
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** What {@link collectEntraRun} needs. */
export interface CollectEntraDeps {
  bucket: Bucket;
  secrets: SecretsManagerClient;
  /** ARN (or name) of the credential's secret. */
  secretId: string;
  /** Request → permission map; default the built-in one. */
  map?: GraphPermissionMap;
  /** Retry tuning of the Graph client (tests shorten the waits). */
  graph?: Pick<GraphClientOptions, 'sleep' | 'maxRetries'>;
  log: RunLog;
}

/** What the step returns to the state machine: small, the tenant itself is in the file. */
export interface CollectEntraResult {
  runId: string;
  /** Null when no credential could be used. */
  tenantId: string | null;
  entra: S3Location;
  identities: number;
  gaps: number;
}

/**
 * Runs the step. Writing the same key again on a retry replaces the file: the step is idempotent.
 * @throws ConnectorError when Graph fails in a way that is neither a gap nor retryable (a bug);
 *   the SDK error when the secret cannot be read for a transient reason
 */
export async function collectEntraRun(
  deps: CollectEntraDeps,
  run: RunWindow,
): Promise<CollectEntraResult> {
  const key = entraKey(run.runId);
  const write = async (file: EntraRunFile): Promise<CollectEntraResult> => {
    await putJson(deps.bucket, key, file);
    return {
      runId: run.runId,
      tenantId: file.tenantId,
      entra: { bucket: deps.bucket.name, key },
      identities: file.analysis?.identities.length ?? 0,
      gaps: file.gaps.length,
    };
  };
  const notScanned = (gap: CoverageGap, tenantId: string | null) => {
    deps.log.warn('Entra tenant not scanned: coverage gap recorded', {
      reason: gap.reason,
      api: gap.api,
      secretId: deps.secretId,
      detail: gap.detail,
    });
    return write({ runId: run.runId, tenantId, analysis: null, gaps: [gap], issues: [] });
  };

  const credential = await readEntraCredential(deps.secrets, deps.secretId);
  if (!credential.ok) return notScanned(credential.gap, null);
  const { secret } = credential;
  const client = createGraphClient({ ...graphOptionsFromSecret(secret), ...deps.graph });
  const signInGap = await trySignIn(client, secret, deps.secretId);
  if (signInGap) return notScanned(signInGap, secret.tenantId);

  const asOf = Date.parse(run.asOf);
  const scan = await scanTenant(client, {
    tenantId: secret.tenantId,
    from: run.from,
    to: run.to,
    asOf,
    map: deps.map ?? BUILTIN_GRAPH_PERMISSIONS,
    ...(secret.caPem ? { ca: secret.caPem } : {}),
    log: (line) => deps.log.info(line),
  });
  for (const g of scan.gaps)
    deps.log.warn('Entra coverage gap', { api: g.api, reason: g.reason, detail: g.detail });
  return write({
    runId: run.runId,
    tenantId: secret.tenantId,
    analysis: scan.analysis,
    gaps: scan.gaps,
    issues: scan.issues,
  });
}

/**
 * Gets a token before any Graph call, so that a credential Microsoft Entra refuses (a wrong or
 * expired client secret, an unknown app, a certificate it does not hold) is one clear gap rather
 * than a failure of the first listing. The token is cached by the credential for the scan.
 * @returns the gap, or undefined when sign-in worked
 */
async function trySignIn(
  client: GraphClient,
  secret: EntraSecret,
  secretId: string,
): Promise<CoverageGap | undefined> {
  try {
    await client.credential.getToken(GRAPH_SCOPE);
    return undefined;
  } catch (err) {
    // @azure/identity messages carry the AADSTS code and text, never the secret itself.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    const short = message.length > 400 ? `${message.slice(0, 397)}...` : message;
    // Entra answered and refused (an AADSTS error: @azure/identity wraps MSAL's server errors as
    // AuthenticationRequiredError or AuthenticationError) or the credential cannot be built from
    // the secret (CredentialUnavailableError): a configuration problem. Anything else (the token
    // endpoint unreachable after MSAL's retries) is a failed call.
    const name = (err as { name?: unknown } | null)?.name;
    const refused =
      /AADSTS\d+/.test(message) ||
      name === 'AuthenticationError' ||
      name === 'AuthenticationRequiredError' ||
      name === 'CredentialUnavailableError';
    return {
      provider: 'entra',
      api: 'oauth2:token',
      reason: refused ? 'access-denied' : 'failed',
      detail: `Entra was not scanned: signing in to tenant ${secret.tenantId} as application ${secret.clientId} failed (${short}). Check the tenant id, client id and credential in the secret. ${entraSecretInstructions(secretId)}`,
    };
  }
}
