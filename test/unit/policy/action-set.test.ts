import { describe, expect, it } from 'vitest';
import { ActionSet } from '#core/policy/action-set.ts';

/** Ids below `size` for which the predicate holds. */
function idsWhere(size: number, keep: (id: number) => boolean): number[] {
  return Array.from({ length: size }, (_, id) => id).filter(keep);
}

describe('ActionSet', () => {
  // Sizes around word boundaries: a single partial word, exact words, one past a word.
  const SIZES = [1, 5, 31, 32, 33, 64, 70, 100, 22091];

  describe.each(SIZES)('of size %i', (size) => {
    const evens = idsWhere(size, (id) => id % 2 === 0);
    const threes = idsWhere(size, (id) => id % 3 === 0);

    it('holds exactly the ids it was built from, in ascending order', () => {
      // Arrange
      const ids = [...threes].reverse();

      // Act
      const set = ActionSet.of(size, ids);

      // Assert
      expect(set.toArray()).toEqual(threes);
      expect([...set.ids()]).toEqual(threes);
      expect(set.count()).toBe(threes.length);
      expect(threes.every((id) => set.has(id))).toBe(true);
      expect(idsWhere(size, (id) => id % 3 !== 0).some((id) => set.has(id))).toBe(false);
    });

    it('builds a full set with every id below the size and none above it', () => {
      // Arrange
      const all = idsWhere(size, () => true);

      // Act
      const full = ActionSet.full(size);

      // Assert
      expect(full.count()).toBe(size);
      expect(full.toArray()).toEqual(all);
    });

    it('unions in place', () => {
      // Arrange
      const a = ActionSet.of(size, evens);
      const b = ActionSet.of(size, threes);

      // Act
      const result = a.unionWith(b);

      // Assert
      expect(result).toBe(a);
      expect(a.toArray()).toEqual(idsWhere(size, (id) => id % 2 === 0 || id % 3 === 0));
      expect(b.toArray()).toEqual(threes);
    });

    it('intersects in place', () => {
      // Arrange
      const a = ActionSet.of(size, evens);

      // Act
      a.intersectWith(ActionSet.of(size, threes));

      // Assert
      expect(a.toArray()).toEqual(idsWhere(size, (id) => id % 6 === 0));
    });

    it('subtracts in place', () => {
      // Arrange
      const a = ActionSet.of(size, evens);

      // Act
      a.subtract(ActionSet.of(size, threes));

      // Assert
      expect(a.toArray()).toEqual(idsWhere(size, (id) => id % 2 === 0 && id % 3 !== 0));
    });

    it('complements within the size, never setting bits past it', () => {
      // Arrange
      const a = ActionSet.of(size, evens);

      // Act
      const complement = a.complement();

      // Assert
      expect(complement.toArray()).toEqual(idsWhere(size, (id) => id % 2 !== 0));
      expect(complement.count()).toBe(size - evens.length);
      expect(complement.complement().toArray()).toEqual(evens);
      expect(a.toArray()).toEqual(evens);
    });

    it('complements the empty set to the full set', () => {
      // Arrange
      const empty = new ActionSet(size);

      // Act
      const complement = empty.complement();

      // Assert
      expect(complement.count()).toBe(size);
      expect(complement.words).toEqual(ActionSet.full(size).words);
    });
  });

  it('counts every bit of a word, the sign bit included', () => {
    // Arrange
    const set = ActionSet.of(64, [0, 1, 30, 31, 32, 63]);

    // Act
    const count = set.count();
    const ids = set.toArray();

    // Assert
    expect(count).toBe(6);
    expect(ids).toEqual([0, 1, 30, 31, 32, 63]);
    expect(set.has(31)).toBe(true);
    expect(set.has(63)).toBe(true);
    expect(set.has(62)).toBe(false);
  });

  it('lists the ids of words that are entirely set', () => {
    // Arrange
    const set = ActionSet.full(96);

    // Act
    const ids = set.toArray();

    // Assert
    expect(ids).toHaveLength(96);
    expect(ids[31]).toBe(31);
    expect(ids[95]).toBe(95);
  });

  it('clones into an independent copy', () => {
    // Arrange
    const original = ActionSet.of(40, [3, 35]);

    // Act
    const copy = original.clone();
    copy.add(7);

    // Assert
    expect(original.toArray()).toEqual([3, 35]);
    expect(copy.toArray()).toEqual([3, 7, 35]);
    expect(copy.size).toBe(40);
  });

  it('reports emptiness', () => {
    // Arrange
    const empty = new ActionSet(70);
    const one = ActionSet.of(70, [69]);

    // Act
    const results = [empty.isEmpty(), one.isEmpty()];

    // Assert
    expect(results).toEqual([true, false]);
  });

  it('tells whether two sets share an id', () => {
    // Arrange
    const a = ActionSet.of(70, [1, 65]);
    const b = ActionSet.of(70, [2, 65]);
    const c = ActionSet.of(70, [3, 64]);

    // Act
    const results = [a.intersects(b), a.intersects(c), a.intersects(new ActionSet(70))];

    // Assert
    expect(results).toEqual([true, false, false]);
  });

  it('holds nothing when built with size zero', () => {
    // Arrange
    const size = 0;

    // Act
    const full = ActionSet.full(size);

    // Assert
    expect(full.count()).toBe(0);
    expect(full.isEmpty()).toBe(true);
    expect(full.complement().toArray()).toEqual([]);
  });
});
