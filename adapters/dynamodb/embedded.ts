/**
 * The embedded DynamoDB-compatible store of the CLI and the tests: dynalite on loopback. With a
 * `path` it persists to LevelDB there (the CLI uses `.leash/store`), so local scans keep their
 * history; without one it lives in memory.
 *
 * LevelDB lets one process at a time open a directory (its LOCK file). Dynalite opens it lazily
 * and, when the lock is taken, throws from inside its request handler where no caller can catch
 * it; so the directory is opened once here first, and a held lock becomes a StoreLockedError.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TABLE, ensureTable } from '#adapters/dynamodb/table.ts';

/** The part of dynalite's server that is used (dynalite ships no types). */
interface DynaliteServer {
  listen(port: number, host: string, callback: () => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
  address(): { port: number } | string | null;
  close(callback: (error?: Error) => void): void;
}
type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => DynaliteServer;

/** A running embedded store. */
export interface EmbeddedDynamo {
  endpoint: string;
  /** A client for the endpoint (fixed local region and credentials: nothing leaves loopback). */
  client: DynamoDBClient;
  /** A document client that drops undefined values, as the stores expect. */
  doc: DynamoDBDocumentClient;
  /** Destroys the clients and stops the server (flushing LevelDB when persisted). */
  stop(): Promise<void>;
}

/** The store directory is open in another process (or elsewhere in this one). */
export class StoreLockedError extends Error {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`the store ${path} is in use by another process`, options);
    this.name = 'StoreLockedError';
  }
}

/** Options of the embedded store. */
export interface EmbeddedDynamoOptions {
  /** Directory of the LevelDB files; in memory when absent. */
  path?: string;
  /** Table to create if missing. */
  table?: string;
}

/** Starts dynalite on 127.0.0.1 on a free port and creates the table. */
export async function startEmbeddedDynamo(
  options: EmbeddedDynamoOptions = {},
): Promise<EmbeddedDynamo> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as DynaliteFactory;
  if (options.path) {
    mkdirSync(options.path, { recursive: true });
    await probeLock(options.path, require.resolve('dynalite'));
  }
  // Table changes take effect at once: nothing to wait for on a local store.
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const stop = async () => {
    client.destroy();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  };
  try {
    await ensureTable(client, options.table ?? DEFAULT_TABLE);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, client, doc, stop };
}

/** The part of abstract-level's database that is used. */
interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens and closes the LevelDB directory with the same `level` package dynalite uses, so that a
 * held lock is reported before dynalite trips over it.
 * @throws StoreLockedError when another process holds the directory
 */
async function probeLock(path: string, dynaliteMain: string): Promise<void> {
  const { Level } = createRequire(dynaliteMain)('level') as {
    Level: new (path: string, options: { valueEncoding: string }) => LevelDatabase;
  };
  const db = new Level(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(path, { cause: error });
    throw error;
  }
  await db.close();
}
