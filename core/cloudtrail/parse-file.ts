/**
 * Parses the text of one CloudTrail file in any of the shapes Leash accepts: the trail's
 * `{"Records":[...]}` envelope, a bare array, `lookup-events` output, a single record, or JSON
 * lines; a damaged file gives up the complete records before the damage. Pure, shared by the
 * file-system reader and the S3 trail reader.
 */
import { JsonArraySplitter } from '#core/cloudtrail/json-splitter.ts';
import type { InputIssue } from '#core/model/input-issue.ts';
import type { UsageBatch } from '#core/ports/usage-source.ts';

/** Records per batch handed to the aggregator. */
export const BATCH = 2000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Drops a UTF-8 byte order mark, which some exporters write and JSON.parse rejects. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses a whole CloudTrail file: envelope, array, lookup-events output, record or JSON lines. */
export function* parseWhole(raw: string, file: string, issues: InputIssue[]): Iterable<UsageBatch> {
  const text = stripBom(raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    yield* salvage(text, file, issues);
    return;
  }
  if (Array.isArray(value)) {
    yield* chunk(value, file, 'item');
  } else if (isLookupEvents(value)) {
    const records: unknown[] = [];
    const positions: number[] = [];
    for (const [i, e] of value.Events.entries()) {
      const r = lookupEventRecord(e, file, i, issues);
      if (r !== undefined) {
        records.push(r);
        positions.push(i);
      }
    }
    yield* chunk(records, file, 'Events', positions);
  } else if (
    value &&
    typeof value === 'object' &&
    Array.isArray((value as { Records?: unknown }).Records)
  ) {
    yield* chunk((value as { Records: unknown[] }).Records, file, 'Records');
  } else {
    yield { file, records: [value], firstIndex: 0, locationPrefix: 'item' };
  }
}

type LookupEvents = { Events: { CloudTrailEvent?: unknown }[] };

/** `aws cloudtrail lookup-events` output: each event carries the record as a JSON string. */
function isLookupEvents(value: unknown): value is LookupEvents {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as LookupEvents).Events)
  );
}

function lookupEventRecord(e: unknown, file: string, i: number, issues: InputIssue[]): unknown {
  try {
    const text = (e as { CloudTrailEvent?: unknown } | null)?.CloudTrailEvent;
    if (typeof text !== 'string') throw new Error('no CloudTrailEvent string');
    return JSON.parse(text);
  } catch (err) {
    issues.push({
      file,
      location: `Events[${i}]`,
      reason: 'invalid-json',
      detail: `event skipped: ${message(err)}`,
    });
    return undefined;
  }
}

/** Recovers what it can from text that is not one JSON value: JSON lines, or a truncated array. */
function* salvage(text: string, file: string, issues: InputIssue[]): Iterable<UsageBatch> {
  const trimmed = text.trimStart();
  const envelope = /^\{\s*"(Records|Events)"/.exec(trimmed)?.[1] as
    | 'Records'
    | 'Events'
    | undefined;
  if (trimmed.startsWith('[') || envelope) {
    const splitter = new JsonArraySplitter(envelope);
    const parts = splitter.push(text);
    const records: unknown[] = [];
    const positions: number[] = [];
    for (const [i, part] of parts.entries()) {
      const r = parsePart(part, envelope, file, i, issues);
      if (r !== undefined) {
        records.push(r);
        positions.push(i);
      }
    }
    const status = splitter.end();
    issues.push({
      file,
      location: `after ${envelope ?? 'item'}[${parts.length - 1}]`,
      reason: status === 'truncated' ? 'truncated-json' : 'invalid-json',
      detail: `file is not complete JSON; the ${parts.length} complete records before the damage were read`,
    });
    yield* chunk(records, file, envelope ?? 'item', positions);
    return;
  }
  // JSON lines: one record per line; a bad line is skipped and counted.
  const records: unknown[] = [];
  const positions: number[] = [];
  let bad = 0;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
      positions.push(i + 1);
    } catch {
      bad++;
      if (bad <= 5)
        issues.push({
          file,
          location: `line ${i + 1}`,
          reason: 'invalid-json',
          detail: 'line is not valid JSON; skipped',
        });
    }
  }
  if (records.length === 0) {
    issues.push({
      file,
      reason: 'invalid-json',
      detail: 'file is not JSON, JSON lines or a CloudTrail envelope; skipped',
    });
    return;
  }
  if (bad > 5)
    issues.push({ file, reason: 'invalid-json', detail: `${bad - 5} more invalid lines skipped` });
  yield* chunk(records, file, 'line', positions);
}

/** Parses one element of a split array; lookup-events elements carry the record as a string. */
export function parsePart(
  part: string,
  envelope: 'Records' | 'Events' | undefined,
  file: string,
  i: number,
  issues: InputIssue[],
): unknown {
  let value: unknown;
  try {
    value = JSON.parse(part);
  } catch {
    issues.push({
      file,
      location: `${envelope ?? 'item'}[${i}]`,
      reason: 'invalid-json',
      detail: 'record is not valid JSON; skipped',
    });
    return undefined;
  }
  return envelope === 'Events' ? lookupEventRecord(value, file, i, issues) : value;
}

export function* chunk(
  records: unknown[],
  file: string,
  locationPrefix: UsageBatch['locationPrefix'],
  positions?: number[],
): Iterable<UsageBatch> {
  for (let i = 0; i < records.length; i += BATCH) {
    const batch: UsageBatch = {
      file,
      records: records.slice(i, i + BATCH),
      firstIndex: i,
      locationPrefix,
    };
    if (positions) batch.positions = positions.slice(i, i + BATCH);
    yield batch;
  }
}
