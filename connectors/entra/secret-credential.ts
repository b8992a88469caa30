/**
 * The Entra credential of a deployed Leash, read from Secrets Manager. The secret holds JSON:
 *
 * ```json
 * {"tenantId": "<directory id>", "clientId": "<application id>",
 *  "clientSecret": "<secret>"            // or
 *  "certificatePem": "<PEM: private key and certificate>",
 *  "authorityHost": "https://login.microsoftonline.us",   // optional: national clouds
 *  "graphBaseUrl": "https://graph.microsoft.us",           // optional
 *  "caPem": "<PEM>"}                                       // optional: a TLS-inspecting proxy's CA
 * ```
 *
 * The stack creates the secret holding {@link ENTRA_SECRET_PLACEHOLDER}; the customer replaces it.
 * A secret that is missing, still the placeholder, or malformed is not an error: the scan goes on
 * without Entra and says, in a coverage gap, exactly what to put in the secret and how. Nothing
 * here logs or returns a secret value, and error texts name fields, never their contents.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { GraphAuth, GraphClientOptions } from '#connectors/entra/graph-client.ts';
import { classifyError, errorName } from '#connectors/shared/errors.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';

/**
 * What the stack stores in the secret until the customer replaces it: valid JSON, so that a
 * placeholder is recognised as such rather than reported as malformed.
 */
export const ENTRA_SECRET_PLACEHOLDER = JSON.stringify({
  placeholder:
    'Replace this value with the Entra credential: {"tenantId","clientId","clientSecret" or "certificatePem"} (see README, Microsoft Entra).',
});

/** The API a gap about the credential names. */
export const ENTRA_SECRET_API = 'secretsmanager:GetSecretValue';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const https = z.url({ protocol: /^https$/ });

/** zod schema of the secret's JSON value. */
export const EntraSecretSchema = z
  .object({
    /** Directory (tenant) id, or a verified domain of the tenant. */
    tenantId: z.string().regex(/^[0-9a-z.-]+$/i, 'must be the directory (tenant) id'),
    clientId: z.string().regex(GUID, 'must be the application (client) id, a GUID'),
    clientSecret: z.string().min(1).optional(),
    certificatePem: z
      .string()
      .includes('PRIVATE KEY', { message: 'must hold the private key and the certificate' })
      .optional(),
    authorityHost: https.optional(),
    graphBaseUrl: https.optional(),
    caPem: z.string().includes('BEGIN CERTIFICATE').optional(),
  })
  .refine((s) => (s.clientSecret === undefined) !== (s.certificatePem === undefined), {
    message: 'give exactly one of clientSecret and certificatePem',
    path: ['clientSecret'],
  });

/** The secret's value, checked. */
export type EntraSecret = z.infer<typeof EntraSecretSchema>;

/** The credential, or the gap that says why there is none. */
export type EntraCredentialResult =
  | { ok: true; secret: EntraSecret }
  | { ok: false; gap: CoverageGap };

/**
 * What to do, in the words of a coverage gap: the JSON to write and the command that writes it.
 * @param secretId the secret's ARN or name
 */
export function entraSecretInstructions(secretId: string): string {
  return `Put the credential of the app registration Leash signs in as into the secret: write {"tenantId":"<directory id>","clientId":"<application id>","clientSecret":"<client secret>"} (or "certificatePem" with the PEM private key and certificate instead of "clientSecret") to a file, run \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://entra-credential.json\`, then delete the file. The app needs the application permissions Application.Read.All, Directory.Read.All, RoleManagement.Read.Directory and AuditLog.Read.All with admin consent. The next scan reads it.`;
}

/** Why a secret holds no usable credential, in words that name fields and never values. */
export interface EntraSecretProblem {
  reason: CoverageGap['reason'];
  /** `the secret <id> still holds the placeholder the stack put there`, and the like. */
  problem: string;
}

/** The checked secret, or what is wrong with it. */
export type EntraSecretResult =
  | { ok: true; secret: EntraSecret }
  | ({ ok: false } & EntraSecretProblem);

/**
 * Reads and checks an Entra credential secret, for any function that signs in with one (the
 * read-only scan credential, or the containment credential).
 * @param secretId ARN or name of the secret
 * @param reader the function whose role reads it, named when access is denied
 * @throws the SDK error when reading fails for a reason other than a missing secret or value,
 *   or access being denied (throttling that outlived retries, a network fault)
 */
export async function readEntraSecret(
  client: SecretsManagerClient,
  secretId: string,
  reader: string,
): Promise<EntraSecretResult> {
  const bad = (reason: CoverageGap['reason'], problem: string): EntraSecretResult => ({
    ok: false,
    reason,
    problem,
  });
  let text: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = out.SecretString;
  } catch (err) {
    const kind = classifyError(err);
    if (kind === 'not-found')
      return bad('unsupported', `the secret ${secretId} does not exist or has no value yet`);
    // A KMS key the function may not use fails as DecryptionFailure.
    if (kind === 'access-denied' || errorName(err) === 'DecryptionFailure')
      return bad(
        'access-denied',
        `Leash may not read the secret ${secretId} (${errorName(err)}); the ${reader} function's role needs secretsmanager:GetSecretValue on it and kms:Decrypt on its key`,
      );
    throw err;
  }
  if (text === undefined || text.trim() === '')
    return bad('unsupported', `the secret ${secretId} holds no text value`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: never pass it on.
    return bad('unsupported', `the secret ${secretId} does not hold JSON`);
  }
  if (typeof json === 'object' && json !== null && 'placeholder' in json)
    return bad(
      'unsupported',
      `the secret ${secretId} still holds the placeholder the stack put there`,
    );
  const parsed = EntraSecretSchema.safeParse(json);
  if (!parsed.success) {
    // Field names and rule texts only: zod's defaults never echo values, and ours say what is wanted.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`);
    return bad(
      'unsupported',
      `the secret ${secretId} is not a valid credential (${problems.join('; ')})`,
    );
  }
  return { ok: true, secret: parsed.data };
}

/**
 * Reads and checks the scan credential (collect-entra).
 * @param secretId ARN or name of the secret
 * @throws the SDK error when reading fails for a reason other than a missing secret or value,
 *   or access being denied (throttling that outlived retries, a network fault): the step is
 *   retried
 */
export async function readEntraCredential(
  client: SecretsManagerClient,
  secretId: string,
): Promise<EntraCredentialResult> {
  const read = await readEntraSecret(client, secretId, 'collect-entra');
  if (read.ok) return read;
  return {
    ok: false,
    gap: {
      provider: 'entra',
      api: ENTRA_SECRET_API,
      reason: read.reason,
      detail: `Entra was not scanned: ${read.problem}. ${entraSecretInstructions(secretId)}`,
    },
  };
}

/** Graph client options for a credential (sign-in method, national cloud hosts, extra CA). */
export function graphOptionsFromSecret(secret: EntraSecret): GraphClientOptions {
  const auth: GraphAuth = secret.certificatePem
    ? { kind: 'certificate', certificatePem: secret.certificatePem }
    : { kind: 'secret', secret: secret.clientSecret ?? '' };
  return {
    tenantId: secret.tenantId,
    clientId: secret.clientId,
    auth,
    ...(secret.authorityHost ? { authorityHost: secret.authorityHost } : {}),
    ...(secret.graphBaseUrl ? { graphBaseUrl: secret.graphBaseUrl } : {}),
    ...(secret.caPem ? { ca: secret.caPem } : {}),
  };
}
