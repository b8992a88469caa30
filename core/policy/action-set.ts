/**
 * A set of catalog actions held as a bitset over catalog ids. Effective permissions of thousands
 * of identities are unions and intersections of these; with ~22k actions a set is ~700 words, so
 * each operation is a short loop instead of hashing thousands of strings (bench/ measures it).
 */
export class ActionSet {
  /** Bit i is set when the action with catalog id i is in the set. */
  readonly words: Uint32Array;

  /** Creates an empty set able to hold ids `0 .. size-1`. */
  constructor(
    readonly size: number,
    words?: Uint32Array,
  ) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  /** A set holding every id below `size`. */
  static full(size: number): ActionSet {
    const set = new ActionSet(size);
    set.words.fill(0xffffffff);
    const extra = set.words.length * 32 - size;
    if (extra > 0) set.words[set.words.length - 1] = 0xffffffff >>> extra;
    return set;
  }

  /** A set holding the given ids. */
  static of(size: number, ids: Iterable<number>): ActionSet {
    const set = new ActionSet(size);
    for (const id of ids) set.add(id);
    return set;
  }

  /** Adds one id. */
  add(id: number): void {
    this.words[id >>> 5]! |= 1 << (id & 31);
  }

  /** True when the id is in the set. */
  has(id: number): boolean {
    return (this.words[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** A copy of this set. */
  clone(): ActionSet {
    return new ActionSet(this.size, this.words.slice());
  }

  /** Adds every id of `other` (in place); returns this. */
  unionWith(other: ActionSet): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]!;
    return this;
  }

  /** Keeps only ids also in `other` (in place); returns this. */
  intersectWith(other: ActionSet): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
    return this;
  }

  /** Removes every id of `other` (in place); returns this. */
  subtract(other: ActionSet): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= ~b[i]!;
    return this;
  }

  /** Keeps only ids NOT in `other`, i.e. the complement relative to the full catalog. */
  complement(): ActionSet {
    const full = ActionSet.full(this.size);
    return full.subtract(this);
  }

  /** True when no id is set. */
  isEmpty(): boolean {
    for (const w of this.words) if (w !== 0) return false;
    return true;
  }

  /** True when the two sets share an id. */
  intersects(other: ActionSet): boolean {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return true;
    return false;
  }

  /** Number of ids in the set. */
  count(): number {
    let n = 0;
    for (let w of this.words) {
      // Population count, Hacker's Delight 5-2.
      w = w - ((w >>> 1) & 0x55555555);
      w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
      n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  /** The ids in ascending order. */
  *ids(): IterableIterator<number> {
    const words = this.words;
    for (let i = 0; i < words.length; i++) {
      let w = words[i]!;
      while (w !== 0) {
        const bit = 31 - Math.clz32(w & -w);
        yield (i << 5) + bit;
        w &= w - 1;
      }
    }
  }

  /** Calls `fn` with each id in ascending order (faster than iterating `ids()`). */
  each(fn: (id: number) => void): void {
    const words = this.words;
    for (let i = 0; i < words.length; i++) {
      let w = words[i]!;
      while (w !== 0) {
        const low = w & -w;
        fn((i << 5) + 31 - Math.clz32(low));
        w ^= low;
      }
    }
  }

  /** The ids as an array in ascending order. */
  toArray(): number[] {
    const out: number[] = [];
    this.each((id) => {
      out.push(id);
    });
    return out;
  }

  /** Number of ids in `[start, end)`. */
  countRange(start: number, end: number): number {
    if (end <= start) return 0;
    const first = start >>> 5;
    const last = (end - 1) >>> 5;
    let n = 0;
    for (let i = first; i <= last; i++) {
      let w = this.words[i]!;
      if (i === first) w &= 0xffffffff << (start & 31);
      if (i === last && (end & 31) !== 0) w &= 0xffffffff >>> (32 - (end & 31));
      w = w - ((w >>> 1) & 0x55555555);
      w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
      n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }
}
