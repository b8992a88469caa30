/** Progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise. */
import type { Progress, ProgressReporter } from '#core/ports/progress.ts';

/**
 * Creates a reporter that writes to the given stream.
 * @param stream stderr
 * @param started when the work started (ms), for the rate
 */
export function createProgressBar(
  stream: NodeJS.WriteStream,
  started = Date.now(),
): { report: ProgressReporter; done: () => void } {
  const tty = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  const report: ProgressReporter = (p: Progress) => {
    const now = Date.now();
    if (p.phase !== 'usage') return;
    if (now - last < (tty ? 100 : 5000) && p.filesDone !== p.filesTotal) return;
    last = now;
    const secs = Math.max(0.001, (now - started) / 1000);
    const rate = Math.round(p.records / secs);
    const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1;
    const line = `CloudTrail ${bar(frac)} ${(frac * 100).toFixed(0).padStart(3)}%  files ${p.filesDone}/${p.filesTotal}  records ${p.records.toLocaleString('en-US')}  ${rate.toLocaleString('en-US')} rec/s`;
    if (tty) {
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
    } else {
      stream.write(`${line}\n`);
    }
  };
  return {
    report,
    done: () => {
      if (drawn) stream.write('\n');
    },
  };
}

function bar(frac: number): string {
  const width = 24;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}
