/**
 * `leash scan` and `leash history` with the embedded store persisted in a temporary directory:
 * the history a second scan reads, the changes it reports, and a store another process holds.
 * The input is the sample account's IAM exports (no CloudTrail, so each scan takes seconds).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedDynamo } from '#adapters/dynamodb/embedded.ts';
import type { HistoryEntry } from '#cli/commands/history.ts';
import { runLeash as leash } from '#test/helpers/cli.ts';

const SAMPLE_IAM = new URL('../../examples/sample-account/iam', import.meta.url).pathname;

/** Removes a role from the authorization-details exports. */
async function dropRole(dir: string, name: string): Promise<void> {
  for (const file of await readdir(dir)) {
    if (!file.startsWith('authorization-details')) continue;
    const page = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      RoleDetailList?: { RoleName: string }[];
    };
    page.RoleDetailList = page.RoleDetailList?.filter((r) => r.RoleName !== name);
    await writeFile(join(dir, file), JSON.stringify(page));
  }
}

describe('leash scan with the local store', () => {
  let dir: string;
  let input: string;
  let store: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leash-cli-store-'));
    input = join(dir, 'in');
    store = join(dir, 'store');
    await cp(SAMPLE_IAM, input, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const scan = (...extra: string[]) =>
    leash(
      'scan',
      '--from',
      input,
      '--out',
      join(dir, 'out'),
      '--as-of',
      '2026-11-15T00:00:00Z',
      '--no-progress',
      ...extra,
    );

  it('says the first scan is the first, and a second scan of the same input that nothing changed', async () => {
    // Act
    const first = await scan('--store-path', store);
    const second = await scan('--store-path', store);

    // Assert
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /First recorded scan of these accounts and tenants \(store .*store\): 15 findings, 15 identities/,
    );
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      /Since the previous scan \(2026-11-15T00:00:00.000Z, run cli-\S+; store .*\): 0 new, 0 resolved, 15 persisting\./,
    );
    expect(second.stderr).toContain(
      'Inventory: 0 identities added, 0 removed; 0 grants added, 0 removed.',
    );
    const md = await readFile(join(dir, 'out', 'report.md'), 'utf8');
    expect(md).toContain('## Since the previous scan');
    expect(md).toMatch(/0 new, 0 resolved, 15 persisting/);
  });

  it('reports the findings of a role that went away as resolved, in stderr and the reports', async () => {
    // Arrange
    await scan('--store-path', store);
    await dropRole(input, 'old-etl-role');

    // Act
    const after = await scan('--store-path', store);

    // Assert
    expect(after.code).toBe(0);
    expect(after.stderr).toMatch(/: 0 new, 2 resolved, 13 persisting\./);
    expect(after.stderr).toMatch(
      /Inventory: 0 identities added, 1 removed; 0 grants added, \d+ removed\./,
    );
    expect(after.stderr).toContain(
      'resolved: medium LP-IAM-007 old-etl-role: 262 of 499 granted actions unused',
    );
    const md = await readFile(join(dir, 'out', 'report.md'), 'utf8');
    expect(md).toMatch(
      /\| resolved \| \w+ \| LP-IAM-001 \| old-etl-role \| No activity in 90 observed days \|/,
    );
    const html = await readFile(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('<h2>Since the previous scan</h2>');
    expect(html).toMatch(/<td>resolved<\/td>.*old-etl-role/);

    // And leash history lists both scans, oldest first
    const history = await leash('history', '--store-path', store, '--json');
    expect(history.code).toBe(0);
    const entries = JSON.parse(history.stdout) as HistoryEntry[];
    expect(entries.map((e) => [e.open, e.new, e.resolved, e.persisting])).toEqual([
      [15, 15, 0, 0],
      [13, 0, 2, 13],
    ]);
    expect(entries[0]).toMatchObject({
      at: '2026-11-15T00:00:00.000Z',
      scopes: ['111122223333'],
      openBySeverity: { critical: 0, high: 10, medium: 4, low: 0, info: 1 },
    });
    const text = await leash('history', '--store-path', store);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^at\s+run\s+accounts\/tenants\s+open\s+new\s+resolved\s+persisting\s+critical/,
    );
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('records nothing with --store memory and refuses --store-path with it', async () => {
    // Act
    const memory = await scan('--store', 'memory');
    const both = await scan('--store', 'memory', '--store-path', store);
    const unknown = await scan('--store', 'dynamo');

    // Assert
    expect(memory.code).toBe(0);
    expect(memory.stderr).toContain('(memory store, kept for this run only)');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--store-path names the local store');
    expect(unknown.code).toBe(2);
    expect((await leash('history', '--store-path', store)).stderr).toContain('No scans recorded');
    expect(JSON.parse((await leash('history', '--store-path', store, '--json')).stdout)).toEqual(
      [],
    );
  });

  it('says another scan is using the store when its directory is locked', async () => {
    // Arrange: this process holds the store, as a running scan would
    const holder = await startEmbeddedDynamo({ path: store });
    try {
      // Act
      const locked = await scan('--store-path', store);
      const history = await leash('history', '--store-path', store);

      // Assert
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain(`the store ${store} is in use by another leash process`);
      expect(locked.stderr).toContain('--store-path <dir>');
      expect(locked.stderr).toContain('--store memory');
      expect(history.code).toBe(1);
    } finally {
      await holder.stop();
    }
  });
});
