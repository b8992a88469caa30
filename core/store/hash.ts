/**
 * Stable hashing for store keys: 128-bit FNV-1a over UTF-8, and a canonical JSON form so that
 * the same value always hashes (and compares) the same whatever the order of its object keys.
 * core/ stays free of node:crypto; nothing here needs to resist an attacker, only to keep keys
 * short and collisions improbable (2^-64 at 2^32 items).
 */

// FNV-1a 128: offset basis 0x6c62272e07bb014262b821756295c58d, prime 2^88 + 2^8 + 0x3b. The hash
// is held in eight 16-bit limbs in locals, least significant first, so that every step is small
// integer arithmetic: some fifty times faster than BigInt, which matters because grant hashes
// run over tens of thousands of action names per identity.
const PRIME_LOW = 0x013b;

/** 128-bit FNV-1a of the UTF-8 bytes of a string, as 32 lowercase hex digits. */
export function fnv1a128(text: string): string {
  let a0 = 0xc58d;
  let a1 = 0x6295;
  let a2 = 0x2175;
  let a3 = 0x62b8;
  let a4 = 0x0142;
  let a5 = 0x07bb;
  let a6 = 0x272e;
  let a7 = 0x6c62;
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i++) {
    a0 ^= bytes[i]!;
    // h * prime mod 2^128 = h * 0x13b + (h << 88). 88 bits are five limbs and eight bits, so
    // limb k of the shifted value is (a[k-5] << 8 | a[k-6] >>> 8) & 0xffff, added with the carry.
    let v = a0 * PRIME_LOW;
    const t0 = v & 0xffff;
    v = a1 * PRIME_LOW + (v >>> 16);
    const t1 = v & 0xffff;
    v = a2 * PRIME_LOW + (v >>> 16);
    const t2 = v & 0xffff;
    v = a3 * PRIME_LOW + (v >>> 16);
    const t3 = v & 0xffff;
    v = a4 * PRIME_LOW + (v >>> 16);
    const t4 = v & 0xffff;
    v = a5 * PRIME_LOW + (v >>> 16) + ((a0 << 8) & 0xffff);
    const t5 = v & 0xffff;
    v = a6 * PRIME_LOW + (v >>> 16) + (((a1 << 8) | (a0 >>> 8)) & 0xffff);
    const t6 = v & 0xffff;
    v = a7 * PRIME_LOW + (v >>> 16) + (((a2 << 8) | (a1 >>> 8)) & 0xffff);
    a7 = v & 0xffff;
    a6 = t6;
    a5 = t5;
    a4 = t4;
    a3 = t3;
    a2 = t2;
    a1 = t1;
    a0 = t0;
  }
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return hex(a7) + hex(a6) + hex(a5) + hex(a4) + hex(a3) + hex(a2) + hex(a1) + hex(a0);
}

/**
 * JSON with object keys sorted at every level and `undefined` members dropped, as DynamoDB
 * stores them (`removeUndefinedValues`): two values that a store would keep as the same item
 * give the same text.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The hash of a value's canonical JSON. */
export function hashValue(value: unknown): string {
  return fnv1a128(canonicalJson(value));
}
