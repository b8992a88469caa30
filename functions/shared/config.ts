/**
 * The handlers' settings, read from the environment once per cold start and checked with zod,
 * so a misconfigured deployment fails on its first invocation with the variable named, not
 * halfway through a scan.
 */
import { z } from 'zod';
import { DEFAULT_CONTAINMENT_ROLE, DEFAULT_SCANNER_ROLE, ENV } from '#functions/shared/contract.ts';

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    v
      ?.split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  );

const Settings = z.object({
  table: z.string().min(1),
  bucket: z.string().min(1),
  eventBus: z.string().min(1).optional(),
  topic: z.string().min(1).optional(),
  entraSecret: z.string().min(1).optional(),
  /** apply-containment: the Entra containment credential; unset, Entra kinds are not configured. */
  entraContainmentSecret: z.string().min(1).optional(),
  mode: z.enum(['account', 'organization']).default('account'),
  managementAccount: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  scannerRoleName: z.string().min(1).default(DEFAULT_SCANNER_ROLE),
  lookbackDays: z.coerce.number().int().min(1).max(400).default(90),
  regions: commaList,
  usage: z.enum(['auto', 'trail', 'lookup']).default('auto'),
  /** Containment: the audit table; unset, the audit log lives in `table` (tests, the CLI). */
  auditTable: z.string().min(1).optional(),
  /** Containment: the Cedar policy directory; unset, the policies shipped in the repository. */
  policyDir: z.string().min(1).optional(),
  /** Containment: protected name patterns besides the built-in ones. */
  protectedNames: commaList,
  approvalTtlMinutes: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(24 * 60),
  slackSecret: z.string().min(1).optional(),
  containmentRoleName: z.string().min(1).default(DEFAULT_CONTAINMENT_ROLE),
  approvalUrl: z.url().optional(),
  /** Region the functions run in (set by Lambda). */
  region: z.string().min(1).default('us-east-1'),
  /**
   * Endpoint for every AWS client: the tests point it at moto on loopback. Unset in a
   * deployment, where the SDK's own endpoint resolution applies.
   */
  endpoint: z.url().optional(),
});

/** Validated settings. */
export type Settings = z.infer<typeof Settings>;

/**
 * Reads the settings from an environment.
 * @param env normally `process.env`
 * @throws Error naming every missing or invalid variable
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const blank = (v: string | undefined) => (v === '' ? undefined : v);
  const raw = {
    table: blank(env[ENV.table]),
    bucket: blank(env[ENV.bucket]),
    eventBus: blank(env[ENV.eventBus]),
    topic: blank(env[ENV.topic]),
    entraSecret: blank(env[ENV.entraSecret]),
    entraContainmentSecret: blank(env[ENV.entraContainmentSecret]),
    mode: blank(env[ENV.mode]),
    managementAccount: blank(env[ENV.managementAccount]),
    scannerRoleName: blank(env[ENV.scannerRoleName]),
    lookbackDays: blank(env[ENV.lookbackDays]),
    regions: blank(env[ENV.regions]),
    usage: blank(env[ENV.usage]),
    auditTable: blank(env[ENV.auditTable]),
    policyDir: blank(env[ENV.policyDir]),
    protectedNames: blank(env[ENV.protectedNames]),
    approvalTtlMinutes: blank(env[ENV.approvalTtlMinutes]),
    slackSecret: blank(env[ENV.slackSecret]),
    containmentRoleName: blank(env[ENV.containmentRoleName]),
    approvalUrl: blank(env[ENV.approvalUrl]),
    region: blank(env.AWS_REGION),
    endpoint: blank(env.AWS_ENDPOINT_URL),
  };
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    const names: Record<string, string> = {
      ...ENV,
      region: 'AWS_REGION',
      endpoint: 'AWS_ENDPOINT_URL',
    };
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `${names[key] ?? key}: ${i.message}`;
    });
    throw new Error(`Leash is misconfigured: ${problems.join('; ')}`);
  }
  return parsed.data;
}
