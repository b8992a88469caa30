import { describe, expect, it } from 'vitest';
import { JsonArraySplitter } from '#core/cloudtrail/json-splitter.ts';
import { aRecord, asRole, roleArn } from '#test/helpers/builders.ts';

/** Feeds the text in the given chunk sizes (cycled) and returns the parsed elements and status. */
function split(text: string, envelope: boolean, sizes: readonly number[] = [text.length || 1]) {
  const splitter = new JsonArraySplitter(envelope ? 'Records' : undefined);
  const parts: string[] = [];
  let at = 0;
  let k = 0;
  while (at < text.length) {
    const size = Math.max(1, sizes[k++ % sizes.length]!);
    parts.push(...splitter.push(text.slice(at, at + size)));
    at += size;
  }
  return { parts, elements: parts.map((p) => JSON.parse(p) as unknown), status: splitter.end() };
}

/** A small deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records whose strings hold every character that could confuse the scanner. */
const TRICKY_RECORDS = [
  aRecord({ eventName: 'PutObject', requestParameters: { key: 'a}b]c{d[e' } }),
  aRecord({
    eventName: 'GetObject',
    requestParameters: { key: 'quote " and backslash \\ and \\" and "}' },
  }),
  aRecord({
    userIdentity: asRole(roleArn('app')),
    requestParameters: { nested: { list: [[1, 2], { x: [] }], empty: {}, s: '\\' } },
    responseElements: null,
  }),
  aRecord({ eventName: 'Unicode', requestParameters: { key: 'é ✓ \u2028 \t \n', n: -1.5e3 } }),
];

const ENVELOPE = JSON.stringify({ Records: TRICKY_RECORDS }, null, 2);
const BARE = JSON.stringify(TRICKY_RECORDS);

describe('JsonArraySplitter', () => {
  it.each([
    ['an envelope', ENVELOPE, true],
    ['a bare array', BARE, false],
  ])('splits %s given whole into elements equal to JSON.parse', (_label, text, envelope) => {
    // Arrange
    const expected = TRICKY_RECORDS;

    // Act
    const { elements, status } = split(text, envelope);

    // Assert
    expect(elements).toEqual(expected);
    expect(status).toBe('complete');
  });

  it.each([
    ['an envelope', ENVELOPE, true],
    ['a bare array', BARE, false],
  ])('splits %s fed one character at a time', (_label, text, envelope) => {
    // Arrange
    const sizes = [1];

    // Act
    const { elements, status } = split(text, envelope, sizes);

    // Assert
    expect(elements).toEqual(TRICKY_RECORDS);
    expect(status).toBe('complete');
  });

  it.each(
    Array.from({ length: 40 }, (_, seed) => [seed]),
  )('splits an envelope and a bare array at random chunk boundaries (seed %i)', (seed) => {
    // Arrange
    const next = random(seed);
    const sizes = Array.from({ length: 64 }, () => 1 + Math.floor(next() * 40));
    const compactEnvelope = JSON.stringify({ Records: TRICKY_RECORDS });

    // Act
    const results = [
      split(ENVELOPE, true, sizes),
      split(compactEnvelope, true, sizes),
      split(BARE, false, sizes),
    ];

    // Assert
    for (const { elements, status } of results) {
      expect(elements).toEqual(TRICKY_RECORDS);
      expect(status).toBe('complete');
    }
  });

  it('finds the Records array after other envelope keys, split across chunks', () => {
    // Arrange
    const text = `{"Version":"x","Comment":"${'-'.repeat(50)}","Records" : [ {"a":1} , {"b":"]"} ]}`;

    // Act
    const byChar = split(text, true, [1]);
    const byThree = split(text, true, [3]);

    // Assert
    expect(byChar.elements).toEqual([{ a: 1 }, { b: ']' }]);
    expect(byThree.elements).toEqual([{ a: 1 }, { b: ']' }]);
    expect(byChar.status).toBe('complete');
  });

  it('splits arrays of scalars and nested arrays', () => {
    // Arrange
    const text = '[1, "a,]b", true, null, [1,[2]], {"k":[]} , -2.5 ]';

    // Act
    const { elements, status } = split(text, false, [1]);

    // Assert
    expect(elements).toEqual(JSON.parse(text));
    expect(status).toBe('complete');
  });

  it.each([
    ['an envelope', '{"Records":[]}', true],
    ['a bare array', '  [ ]  ', false],
  ])('yields nothing for %s that is empty', (_label, text, envelope) => {
    // Arrange
    const sizes = [1];

    // Act
    const { elements, status } = split(text, envelope, sizes);

    // Assert
    expect(elements).toEqual([]);
    expect(status).toBe('complete');
  });

  it.each([
    ['inside a record', ENVELOPE.slice(0, ENVELOPE.indexOf('"Unicode"')), 3],
    [
      'between records',
      `${JSON.stringify({ Records: TRICKY_RECORDS.slice(0, 3) }).slice(0, -2)},`,
      3,
    ],
    ['inside a string of the first record', ENVELOPE.slice(0, ENVELOPE.indexOf('a}b') + 2), 0],
    ['right after the opening bracket', '{"Records":[', 0],
  ])('reports input truncated %s and emits the complete records before it', (_label, text, complete) => {
    // Arrange
    const expected = TRICKY_RECORDS.slice(0, complete);

    // Act
    const whole = split(text, true);
    const byChar = split(text, true, [1]);

    // Assert
    expect(whole.elements).toEqual(expected);
    expect(byChar.elements).toEqual(expected);
    expect(whole.status).toBe('truncated');
    expect(byChar.status).toBe('truncated');
  });

  it('emits exactly the records before the damage of a truncated envelope', () => {
    // Arrange
    const text = `${JSON.stringify({ Records: TRICKY_RECORDS.slice(0, 2) }).slice(0, -2)},{"eventVersion":"1.0`;

    // Act
    const { elements, status } = split(text, true, [7]);

    // Assert
    expect(elements).toEqual(TRICKY_RECORDS.slice(0, 2));
    expect(status).toBe('truncated');
  });

  it.each([
    ['an object without Records', '{"eventName":"x","userIdentity":{}}', true],
    ['text without a bracket', 'not json at all', false],
    ['an empty input', '', true],
    ['a Records key without its array', '{"Records"', true],
  ])('reports no-array for %s', (_label, text, envelope) => {
    // Arrange
    const sizes = [1];

    // Act
    const { elements, status } = split(text, envelope, sizes);

    // Assert
    expect(elements).toEqual([]);
    expect(status).toBe('no-array');
  });

  it('ignores text after the array closes', () => {
    // Arrange
    const splitter = new JsonArraySplitter();

    // Act
    const first = splitter.push('[{"a":1}] trailing [{"b":2}]');
    const later = splitter.push('[{"c":3}]');

    // Assert
    expect(first).toEqual(['{"a":1}']);
    expect(later).toEqual([]);
    expect(splitter.end()).toBe('complete');
  });
});

describe('JsonArraySplitter with another envelope key', () => {
  it('splits the Events array of lookup-events output across chunk boundaries', () => {
    // Arrange
    const events = [
      { EventId: '1', CloudTrailEvent: '{"a":"}]"}' },
      { EventId: '2', CloudTrailEvent: '{}' },
    ];
    const text = JSON.stringify({ Events: events, NextToken: 'x' }, null, 2);
    const splitter = new JsonArraySplitter('Events');
    const parts: string[] = [];
    // Act
    for (let i = 0; i < text.length; i += 7) parts.push(...splitter.push(text.slice(i, i + 7)));
    // Assert
    expect(parts.map((p) => JSON.parse(p))).toEqual(events);
    expect(splitter.end()).toBe('complete');
  });
});
