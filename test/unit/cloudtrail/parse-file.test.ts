import { describe, expect, it } from 'vitest';
import { parseWhole } from '#core/cloudtrail/parse-file.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

const rec = (n: number) => ({ eventName: `E${n}`, eventSource: 's3.amazonaws.com' });

function parse(text: string) {
  const issues: InputIssue[] = [];
  const batches = [...parseWhole(text, 'f.json', issues)];
  const records = batches.flatMap((b) => b.records);
  const locations = batches.flatMap((b) =>
    b.records.map(
      (_, i) => `${b.locationPrefix}[${b.positions ? b.positions[i] : b.firstIndex + i}]`,
    ),
  );
  return { records, locations, issues };
}

describe('parseWhole', () => {
  it('reads an envelope, a bare array and a single record', () => {
    expect(parse(JSON.stringify({ Records: [rec(1), rec(2)] })).records).toEqual([rec(1), rec(2)]);
    expect(parse(JSON.stringify([rec(1)])).locations).toEqual(['item[0]']);
    expect(parse(JSON.stringify(rec(3))).records).toEqual([rec(3)]);
  });

  it('drops a byte order mark', () => {
    expect(parse(`\uFEFF${JSON.stringify({ Records: [rec(1)] })}`).issues).toEqual([]);
  });

  it('reads lookup-events output, skipping an event without a parseable record', () => {
    // Arrange
    const text = JSON.stringify({
      Events: [
        { CloudTrailEvent: JSON.stringify(rec(1)) },
        { CloudTrailEvent: '{bad' },
        { EventId: 'no record' },
        { CloudTrailEvent: JSON.stringify(rec(4)) },
      ],
    });
    // Act
    const { records, locations, issues } = parse(text);
    // Assert
    expect(records).toEqual([rec(1), rec(4)]);
    expect(locations).toEqual(['Events[0]', 'Events[3]']);
    expect(issues.map((i) => i.location)).toEqual(['Events[1]', 'Events[2]']);
  });

  it('names JSON lines by their line number and counts bad lines beyond the first five', () => {
    // Arrange
    const lines = [
      JSON.stringify(rec(1)),
      '',
      ...Array.from({ length: 7 }, () => 'not json'),
      JSON.stringify(rec(2)),
    ];
    // Act
    const { records, locations, issues } = parse(lines.join('\n'));
    // Assert
    expect(records).toEqual([rec(1), rec(2)]);
    expect(locations).toEqual(['line[1]', 'line[10]']);
    expect(issues.length).toBe(6);
    expect(issues.at(-1)!.detail).toMatch(/2 more invalid lines/);
  });

  it('salvages the complete records of a truncated envelope and a truncated lookup-events file', () => {
    const env = parse(
      `{"Records":[${JSON.stringify(rec(1))},${JSON.stringify(rec(2))},{"eventName":"E3","even`,
    );
    expect(env.records).toEqual([rec(1), rec(2)]);
    expect(env.issues.map((i) => i.reason)).toEqual(['truncated-json']);
    const lookup = parse(
      `{"Events":[{"CloudTrailEvent":${JSON.stringify(JSON.stringify(rec(1)))}},{"CloudTr`,
    );
    expect(lookup.records).toEqual([rec(1)]);
  });

  it('reports text that is no JSON at all', () => {
    const { records, issues } = parse('hello\nworld');
    expect(records).toEqual([]);
    expect(issues.map((i) => i.reason)).toContain('invalid-json');
  });
});
