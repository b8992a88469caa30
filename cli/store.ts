/**
 * The store the CLI records scans in: by default the embedded DynamoDB-compatible store
 * (dynalite) persisted under `.leash/store` in the working directory, so local scans keep their
 * history; `--store memory` for a throwaway run; `--store-path DIR` for another directory.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { startEmbeddedDynamo } from '#adapters/dynamodb/embedded.ts';
import { openDynamoStore } from '#adapters/dynamodb/leash-store.ts';
import { openMemoryStore } from '#adapters/memory/leash-store.ts';
import { UsageError } from '#cli/errors.ts';
import type { LeashStore } from '#core/ports/leash-store.ts';

/** Where the embedded store lives by default, relative to the working directory. */
export const DEFAULT_STORE_PATH = '.leash/store';

/** Kinds of store `--store` accepts. */
export const STORE_KINDS = ['local', 'memory'] as const;

/** The store options of `leash scan` and `leash history`. */
export interface StoreOptions {
  /** `local` (default) or `memory`. */
  store?: string;
  /** Directory of the local store (default `.leash/store`). */
  storePath?: string;
}

/** An open store and how to name it to a person. */
export interface OpenedStore {
  store: LeashStore;
  kind: (typeof STORE_KINDS)[number];
  /** The local store's directory; null for memory. */
  path: string | null;
  /** `.leash/store` (relative to the working directory when inside it) or `memory`. */
  label: string;
  /** Flushes and closes the store. */
  close(): Promise<void>;
}

/**
 * Checks the store options and resolves the local store's directory.
 * @throws UsageError for an unknown kind, or `--store-path` with `--store memory`
 */
export function resolveStore(
  opts: StoreOptions,
  cwd: string = process.cwd(),
): { kind: OpenedStore['kind']; path: string | null; label: string } {
  const kind = opts.store ?? 'local';
  if (!(STORE_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`--store accepts ${STORE_KINDS.join(' or ')}, not "${kind}"`);
  if (kind === 'memory') {
    if (opts.storePath !== undefined)
      throw new UsageError(
        '--store-path names the local store; it does not go with --store memory',
      );
    return { kind: 'memory', path: null, label: 'memory' };
  }
  const path = resolve(cwd, opts.storePath ?? DEFAULT_STORE_PATH);
  const rel = relative(cwd, path);
  return {
    kind: 'local',
    path,
    label: rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path,
  };
}

/**
 * Opens the store the options name, creating the local store's directory if needed.
 * @throws UsageError for bad options
 * @throws StoreLockedError when another process has the local store open
 */
export async function openStore(opts: StoreOptions, cwd?: string): Promise<OpenedStore> {
  const where = resolveStore(opts, cwd);
  if (where.kind === 'memory') {
    return { ...where, store: openMemoryStore(), close: async () => {} };
  }
  const embedded = await startEmbeddedDynamo({ path: where.path! });
  return {
    ...where,
    store: openDynamoStore({ documentClient: embedded.doc }),
    close: () => embedded.stop(),
  };
}

/**
 * Opens the store for reading: a local store whose directory does not exist is not created.
 * @returns null when there is no such local store
 * @throws UsageError for bad options
 * @throws StoreLockedError when another process has the local store open
 */
export async function openExistingStore(
  opts: StoreOptions,
  cwd?: string,
): Promise<OpenedStore | null> {
  const where = resolveStore(opts, cwd);
  if (where.path !== null && !existsSync(where.path)) return null;
  return openStore(opts, cwd);
}

/**
 * A run id for a CLI scan: time-ordered (so scans recorded with the same `--as-of` list in the
 * order they ran) and unique.
 */
export function newRunId(now: number = Date.now()): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
  return `cli-${stamp}-${randomBytes(4).toString('hex')}`;
}
