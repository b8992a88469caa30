import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StoreLockedError } from '#adapters/dynamodb/embedded.ts';
import { formatHistory, historyCommand } from '#cli/commands/history.ts';
import { describeChanges } from '#cli/commands/scan.ts';
import { EXIT, handleError, UsageError } from '#cli/errors.ts';
import { newRunId, openExistingStore, openStore, resolveStore } from '#cli/store.ts';
import type { ScanRecord, StoredFinding } from '#core/ports/finding-store.ts';
import type { RecordedScan } from '#core/store/record-scan.ts';
import { aFinding } from '#test/helpers/findings-document.ts';

const T1 = Date.parse('2026-11-01T00:00:00Z');

function sink(): Writable & { text: () => string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => buf;
  return w;
}

const aScan = (overrides: Partial<ScanRecord> = {}): ScanRecord => ({
  runId: 'cli-1',
  at: T1,
  scopes: ['111111111111'],
  open: 3,
  new: 3,
  resolved: 0,
  persisting: 0,
  openBySeverity: { critical: 1, high: 2, medium: 0, low: 0, info: 0 },
  ...overrides,
});

const stored = (title: string): StoredFinding => ({
  key: title,
  scope: '111111111111',
  identityId: 'arn:aws:iam::111111111111:role/app',
  identityName: 'app',
  finding: aFinding({ title }),
  status: 'open',
  firstSeen: T1,
  lastSeen: T1,
  resolvedAt: null,
  openedRunId: 'r',
  lastRunId: 'r',
  resolvedRunId: null,
});

const recorded = (overrides: Partial<RecordedScan> = {}): RecordedScan => ({
  previous: null,
  diff: { newFindings: [stored('a')], resolved: [], persisting: 0 },
  inventory: {
    identities: { added: [], removed: [], present: 4 },
    grants: { added: [], removed: [], present: 9 },
  },
  ...overrides,
});

describe('resolveStore', () => {
  it('defaults to the local store under .leash/store, named relative to the directory', () => {
    expect(resolveStore({}, '/work/x')).toEqual({
      kind: 'local',
      path: '/work/x/.leash/store',
      label: '.leash/store',
    });
    expect(resolveStore({ storePath: '/elsewhere' }, '/work/x').label).toBe('/elsewhere');
    expect(resolveStore({ store: 'memory' }, '/work/x')).toEqual({
      kind: 'memory',
      path: null,
      label: 'memory',
    });
  });

  it('refuses an unknown kind and a path for the memory store', () => {
    expect(() => resolveStore({ store: 'dynamo' })).toThrow(UsageError);
    expect(() => resolveStore({ store: 'memory', storePath: 'x' })).toThrow(/--store-path/);
  });
});

describe('openStore and openExistingStore', () => {
  it('opens a memory store, and nothing for a local store that does not exist', async () => {
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'leash-store-unit-'));

    // Act
    const memory = await openStore({ store: 'memory' });
    const missing = await openExistingStore({ storePath: 'absent' }, dir);

    // Assert
    expect(await memory.store.scans()).toEqual([]);
    await memory.close();
    expect(missing).toBeNull();
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  });
});

describe('newRunId', () => {
  it('orders run ids by the time they were made, and makes each unique', () => {
    const a = newRunId(T1);
    const b = newRunId(T1 + 1);
    expect(a).toMatch(/^cli-20261101T000000000Z-[0-9a-f]{8}$/);
    expect(a < b).toBe(true);
    expect(newRunId(T1)).not.toBe(a);
  });
});

describe('describeChanges', () => {
  it('says the first scan is the first, and where it was recorded', () => {
    expect(describeChanges(recorded(), '.leash/store')).toEqual([
      'First recorded scan of these accounts and tenants (store .leash/store): 1 finding, 4 identities and 9 grants recorded.',
    ]);
    expect(describeChanges(recorded(), 'memory')[0]).toContain(
      '(memory store, kept for this run only)',
    );
  });

  it('counts the changes since the previous scan and names the first few', () => {
    // Arrange
    const many = Array.from({ length: 12 }, (_, i) => stored(`Finding ${i}`));
    const changes = recorded({
      previous: aScan(),
      diff: { newFindings: many, resolved: [stored('gone')], persisting: 7 },
    });

    // Act
    const lines = describeChanges(changes, '.leash/store');

    // Assert
    expect(lines[0]).toBe(
      'Since the previous scan (2026-11-01T00:00:00.000Z, run cli-1; store .leash/store): 12 new, 1 resolved, 7 persisting.',
    );
    expect(lines[1]).toBe('Inventory: 0 identities added, 0 removed; 0 grants added, 0 removed.');
    expect(lines[2]).toBe('  new: medium LP-IAM-001 app: Finding 0');
    expect(lines).toHaveLength(13);
    expect(lines.at(-1)).toBe('  and 3 more (see the report)');
  });
});

describe('leash history', () => {
  it('prints the scans as a table, oldest first, counts right-aligned', () => {
    const text = formatHistory([
      aScan(),
      aScan({ runId: 'cli-2', at: T1 + 1, new: 0, persisting: 3 }),
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /^2026-11-01T00:00:00.000Z {2}cli-1 {2}111111111111 +3 +3 +0 +0 +1 +2 +0 +0 +0$/,
    );
  });

  it('says when nothing is recorded, and prints [] as JSON', async () => {
    // Arrange
    const stdout = sink();
    const stderr = sink();
    const dir = await mkdtemp(join(tmpdir(), 'leash-history-unit-'));

    // Act
    await historyCommand({}, { stdout, stderr, cwd: dir });
    await historyCommand({ json: true, store: 'memory' }, { stdout, stderr, cwd: dir });

    // Assert
    expect(stderr.text()).toBe(
      'No scans recorded in .leash/store yet: `leash scan` records each scan there.\n',
    );
    expect(stdout.text()).toBe('[]\n');
  });
});

describe('handleError', () => {
  it('tells a person what to do when the store is locked', () => {
    // Arrange
    const lines: string[] = [];

    // Act
    const code = handleError(new StoreLockedError('/w/.leash/store'), (l) => lines.push(l));

    // Assert
    expect(code).toBe(EXIT.failure);
    expect(lines.join('\n')).toMatch(
      /the store \/w\/.leash\/store is in use by another leash process.*\n.*--store-path <dir>.*--store memory/,
    );
  });
});
