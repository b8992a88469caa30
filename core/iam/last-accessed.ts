/**
 * Reads IAM service-last-accessed (Access Advisor) results, the output of
 * `aws iam get-service-last-accessed-details`. The API output does not name the principal, so
 * the caller says whose it is (from an `Arn` field added by the exporter, or the file name).
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html
 */
import type { ServiceLastAccessed } from '#core/iam/inventory.ts';

/** True when a parsed JSON value looks like service-last-accessed output. */
export function isServiceLastAccessed(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Record<string, unknown>).ServicesLastAccessed)
  );
}

/** Finds an IAM principal ARN in a file name such as `arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx.json`. */
export function principalFromFileName(fileName: string): string | undefined {
  const base = fileName.replace(/\.json(\.gz)?$/i, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(base);
  } catch {
    return undefined;
  }
  return /^arn:[^:]+:iam::\d{12}:(user|role)\/.+/.test(decoded) ? decoded : undefined;
}

/**
 * Converts one result into Leash's shape.
 * @param value the parsed JSON
 * @param principalArn whose result it is
 */
export function toServiceLastAccessed(value: unknown, principalArn: string): ServiceLastAccessed {
  const v = value as { ServicesLastAccessed: Record<string, unknown>[] };
  const services: ServiceLastAccessed['services'] = [];
  for (const s of v.ServicesLastAccessed) {
    if (typeof s?.ServiceNamespace !== 'string') continue;
    const entry: ServiceLastAccessed['services'][number] = { namespace: s.ServiceNamespace };
    if (typeof s.ServiceName === 'string') entry.name = s.ServiceName;
    if (typeof s.LastAuthenticated === 'string') entry.lastAuthenticated = s.LastAuthenticated;
    if (typeof s.LastAuthenticatedEntity === 'string') {
      entry.lastAuthenticatedEntity = s.LastAuthenticatedEntity;
    }
    services.push(entry);
  }
  return { principalArn, services };
}
