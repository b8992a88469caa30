/** CLI error classes and the single place that maps errors to exit codes. */
import { StoreLockedError } from '#adapters/dynamodb/embedded.ts';

/** Bad usage: wrong or missing options. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes: 0 success, 1 failure, 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Prints an error for a person and returns the exit code.
 * @param err anything thrown
 * @param write where to print (stderr)
 */
export function handleError(err: unknown, write: (line: string) => void): number {
  if (err instanceof UsageError) {
    write(`leash: ${err.message}\nRun 'leash --help' for usage.`);
    return EXIT.usage;
  }
  if (err instanceof StoreLockedError) {
    write(
      `leash: the store ${err.path} is in use by another leash process (another scan is using it).\nWait for it to finish, or give --store-path <dir> for another store, or --store memory for a run that keeps no history.`,
    );
    return EXIT.failure;
  }
  const message = err instanceof Error ? err.message : String(err);
  write(`leash: ${message}`);
  if (err instanceof Error && err.cause)
    write(`  caused by: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
  return EXIT.failure;
}
