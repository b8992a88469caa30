/** In-memory LockStore: leases in a map (one process: the check and the write cannot race). */
import type { IdentityLock, LockStore } from '#core/ports/lock-store.ts';

/** Identity locks held in a map. */
export class MemoryLockStore implements LockStore {
  readonly #locks = new Map<string, IdentityLock>();

  async acquireLock(key: string, holder: string, at: number, until: number): Promise<IdentityLock> {
    const current = this.#locks.get(key);
    if (current && current.holder !== holder && current.until > at) return { ...current };
    const lock = { key, holder, until };
    this.#locks.set(key, lock);
    return { ...lock };
  }

  async releaseLock(key: string, holder: string): Promise<boolean> {
    if (this.#locks.get(key)?.holder !== holder) return false;
    this.#locks.delete(key);
    return true;
  }
}
