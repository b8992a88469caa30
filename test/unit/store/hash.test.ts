import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv1a128, hashValue } from '#core/store/hash.ts';

/** The textbook FNV-1a 128 in BigInt arithmetic, to check the limb arithmetic against. */
function reference(text: string): string {
  let hash = 0x6c62272e07bb014262b821756295c58dn;
  const prime = 0x0000000001000000000000000000013bn;
  const mask = (1n << 128n) - 1n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = ((hash ^ BigInt(byte)) * prime) & mask;
  }
  return hash.toString(16).padStart(32, '0');
}

describe('fnv1a128', () => {
  it('gives the published FNV-1a 128 of the empty string and of "a"', () => {
    expect(fnv1a128('')).toBe('6c62272e07bb014262b821756295c58d');
    expect(fnv1a128('a')).toBe('d228cb696f1a8caf78912b704e4a8964');
  });

  it.each([
    'LP-IAM-001\0arn:aws:iam::111111111111:role/app\0Policy # is unused',
    'ünïcödé ✓ 日本語 🐕',
    'x'.repeat(10_000),
    Array.from({ length: 300 }, (_, i) => String.fromCharCode(i)).join(''),
  ])('matches the BigInt reference for %#', (text) => {
    expect(fnv1a128(text)).toBe(reference(text));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members, as a store keeps them', () => {
    // Arrange
    const a = { b: 1, a: { d: [{ y: 1, x: 2 }], c: undefined } };
    const b = { a: { d: [{ x: 2, y: 1 }] }, b: 1 };

    // Act + Assert
    expect(canonicalJson(a)).toBe('{"a":{"d":[{"x":2,"y":1}]},"b":1}');
    expect(hashValue(a)).toBe(hashValue(b));
    expect(hashValue([1, 2])).not.toBe(hashValue([2, 1]));
  });
});
