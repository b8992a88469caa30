/**
 * Port for identity locks: a short lease that serialises the containments of one identity, so
 * that two requests for the same role never interleave their snapshot, calls and read-back (a
 * snapshot taken halfway through another request's calls would make its rollback undo the other
 * request's work). A lease, not a mutex: a holder that crashes loses the lock at `until`.
 *
 * Stores make `acquireLock` a single conditional write (free, expired, or already this
 * holder's), so two callers racing for one key cannot both win.
 */

/** A lock as stored. */
export interface IdentityLock {
  /** What is locked (`aws:111111111111:arn:aws:iam::111111111111:role/app`). */
  key: string;
  /** Who holds it (a containment request id). */
  holder: string;
  /** Epoch ms at which the lease ends and anyone may take the lock. */
  until: number;
}

/** Stores identity locks. */
export interface LockStore {
  /**
   * Takes (or renews) the lock for `holder` until `until` when it is free, expired at `at`, or
   * already held by `holder`.
   * @returns the lock as it stands after the call: held by `holder` when taken, else the holder
   *   that has it
   */
  acquireLock(key: string, holder: string, at: number, until: number): Promise<IdentityLock>;
  /**
   * Releases the lock when `holder` holds it.
   * @returns true when released, false when it was not `holder`'s (expired and taken, or free)
   */
  releaseLock(key: string, holder: string): Promise<boolean>;
}
