/**
 * `leash history`: the scans recorded in the store, oldest first, with their counts (open, new,
 * resolved, persisting, open by severity): the trend of local scans. `--json` for machines.
 */
import { openExistingStore, resolveStore, type StoreOptions } from '#cli/store.ts';
import { type ScanRecord, SEVERITIES } from '#core/ports/finding-store.ts';

/** Options of `leash history`, as commander gives them. */
export interface HistoryCommandOptions extends StoreOptions {
  json?: boolean;
}

/** One scan as `--json` prints it: the record with its time as ISO. */
export interface HistoryEntry extends Omit<ScanRecord, 'at'> {
  at: string;
}

/**
 * Runs the command.
 * @returns the exit code
 */
export async function historyCommand(
  opts: HistoryCommandOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd?: string },
): Promise<number> {
  const label = resolveStore(opts, io.cwd).label;
  const opened = await openExistingStore(opts, io.cwd);
  let scans: ScanRecord[] = [];
  if (opened) {
    try {
      scans = await opened.store.scans();
    } finally {
      await opened.close();
    }
  }
  if (opts.json) {
    const entries: HistoryEntry[] = scans.map((s) => ({ ...s, at: new Date(s.at).toISOString() }));
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (scans.length === 0) {
    io.stderr.write(`No scans recorded in ${label} yet: \`leash scan\` records each scan there.\n`);
    return 0;
  }
  io.stdout.write(formatHistory(scans));
  return 0;
}

/** The scans as a text table, oldest first. */
export function formatHistory(scans: readonly ScanRecord[]): string {
  const header = [
    'at',
    'run',
    'accounts/tenants',
    'open',
    'new',
    'resolved',
    'persisting',
    ...SEVERITIES,
  ];
  const rows = scans.map((s) => [
    new Date(s.at).toISOString(),
    s.runId,
    s.scopes.join(','),
    String(s.open),
    String(s.new),
    String(s.resolved),
    String(s.persisting),
    ...SEVERITIES.map((k) => String(s.openBySeverity[k] ?? 0)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Text columns left-aligned, counts right-aligned.
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
