/** Port for progress of long work: the CLI draws a bar on stderr, Lambdas log summaries. */

/** A progress snapshot. */
export interface Progress {
  phase: 'inventory' | 'usage' | 'analysis' | 'report';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  records: number;
}

/** Receives progress snapshots; implementations throttle their own output. */
export type ProgressReporter = (progress: Progress) => void;
