/**
 * Port for activity records (CloudTrail) whatever their origin: exported files, S3 trail
 * buckets or the LookupEvents API. Sources yield batches so the hot loop is not paying an async
 * hop per record.
 */
import type { InputIssue } from '#core/model/input-issue.ts';

/** A batch of raw records from one file or page. */
export interface UsageBatch {
  /** Where the records came from (file path, S3 key, API page). */
  file: string;
  /** Parsed records, unvalidated. */
  records: unknown[];
  /** Index of the first record within its file, for locations. */
  firstIndex: number;
  /**
   * Position of each record when they are not consecutive (JSON lines: the 1-based line
   * number, so that a record after a bad or blank line is still named by its own line).
   */
  positions?: number[];
  /** How the index reads in a location (`Records`, `line`, `item`). */
  locationPrefix: 'Records' | 'Events' | 'line' | 'item';
}

/** Streams activity records. */
export interface UsageSource {
  /**
   * Yields every record in batches.
   * @param issues receives file-level problems (corrupt gzip, unreadable file); the stream goes on
   */
  batches(issues: InputIssue[]): AsyncIterable<UsageBatch>;
}
