/** `leash permissions aws`: prints the exact read-only IAM policy a live scan needs. */
import { scanPolicy } from '#connectors/aws/permissions.ts';

/** Options of `leash permissions aws`. */
export interface PermissionsOptions {
  trailBucket?: string[];
  kmsKey?: string[];
  orgRole?: string;
  partition?: string;
}

/** Prints the policy document as JSON on stdout. */
export function permissionsCommand(
  opts: PermissionsOptions,
  stdout: NodeJS.WritableStream,
): number {
  const policy = scanPolicy({
    ...(opts.trailBucket?.length ? { trailBuckets: opts.trailBucket } : {}),
    ...(opts.kmsKey?.length ? { trailKmsKeys: opts.kmsKey } : {}),
    ...(opts.orgRole
      ? { org: { memberRoleName: opts.orgRole, partition: opts.partition ?? 'aws' } }
      : {}),
  });
  stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return 0;
}
