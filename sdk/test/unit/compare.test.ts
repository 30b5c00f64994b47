import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addOutOfAuthoritySighting, compareIndexes, compareSystems, SingleSightingKey, totalGaps, type Discrepancies, type OutOfAuthorityKey } from '../../src/core/compare.js';
import { KeyIndex } from '../../src/core/key-index.js';
import type { SystemSighting } from '../../src/core/types.js';

/** One source row: [normalised key, raw key, line]. */
type Row = readonly [string, string, number];

function indexOf(system: string, rows: readonly Row[]): KeyIndex {
  const index = new KeyIndex(system);
  for (const [key, raw, line] of rows) index.add(key, raw, line);
  return index;
}

/** Rows whose raw key equals the normalised key, on lines 2, 3, … */
function clean(system: string, keys: readonly string[]): KeyIndex {
  return indexOf(system, keys.map((key, i) => [key, key, i + 2] as const));
}

const keysOf = (entries: readonly { key: string }[]): string[] => entries.map((entry) => entry.key);

/** Entries as plain objects (a key seen once is a SingleSightingKey, whose sightings are a getter). */
const listed = (entries: readonly OutOfAuthorityKey[]) => entries.map(({ key, sightings }) => ({ key, sightings: [...sightings] }));

const gapsOf = (result: Discrepancies): Record<string, readonly string[]> =>
  Object.fromEntries([...result.gaps].map(([system, keys]) => [system, keys.map((entry) => entry.key)]));

describe('compareSystems (docs/behaviour.md §4)', () => {
  describe('propagation gaps: gaps[S] = A − S', () => {
    it('lists, per system, the authority keys the system lacks, sorted by code unit', () => {
      const a = clean('A', ['K9', 'K3', 'K10', 'K1', 'b', 'a']);
      const b = clean('B', ['K1', 'a']);
      const c = clean('C', ['K3', 'K9', 'K10', 'K1', 'b', 'a']);
      const result = compareSystems(a, [b, c]);
      assert.deepStrictEqual(gapsOf(result), { B: ['K10', 'K3', 'K9', 'b'], C: [] });
      assert.deepStrictEqual([...result.gaps.keys()], ['B', 'C']);
      assert.strictEqual(totalGaps(result), 4);
    });

    it('names the systems authority first, then the others in the order given', () => {
      const result = compareSystems(clean('auth', ['X']), [clean('zeta', []), clean('alpha', [])]);
      assert.deepStrictEqual(result.systems, ['auth', 'zeta', 'alpha']);
      assert.deepStrictEqual([...result.gaps.keys()], ['zeta', 'alpha']);
      assert.deepStrictEqual(result.keyCounts, { auth: 1, zeta: 0, alpha: 0 });
    });
  });

  describe('out-of-authority keys', () => {
    it('lists keys outside A, sorted, with every (system, raw, line) sighting in config order', () => {
      const a = clean('A', ['K1']);
      const b = indexOf('B', [
        ['X', 'x', 2],
        ['K1', 'K1', 3],
        ['X', 'X ', 7],
        ['W', 'w', 9],
      ]);
      const c = indexOf('C', [
        ['X', 'X', 5],
        ['V', 'v', 4],
      ]);
      const result = compareSystems(a, [b, c]);
      const expected: Array<{ key: string; sightings: SystemSighting[] }> = [
        { key: 'V', sightings: [{ system: 'C', raw: 'v', line: 4 }] },
        { key: 'W', sightings: [{ system: 'B', raw: 'w', line: 9 }] },
        {
          key: 'X',
          sightings: [
            { system: 'B', raw: 'x', line: 2 },
            { system: 'B', raw: 'X ', line: 7 },
            { system: 'C', raw: 'X', line: 5 },
          ],
        },
      ];
      assert.deepStrictEqual(listed(result.outOfAuthority), expected);
    });

    it('makes a key seen once one object, which turns into JSON as a listed entry does', () => {
      const entries: OutOfAuthorityKey[] = [];
      addOutOfAuthoritySighting(entries, 'V', { system: 'C', raw: 'v', line: 4 });
      addOutOfAuthoritySighting(entries, 'X', { system: 'B', raw: 'x', line: 2 });
      addOutOfAuthoritySighting(entries, 'X', { system: 'B', raw: 'X ', line: 7 });
      addOutOfAuthoritySighting(entries, 'X', { system: 'C', raw: 'X', line: 5 });
      assert.ok(entries[0] instanceof SingleSightingKey);
      assert.ok(!(entries[1] instanceof SingleSightingKey));
      const expected = [
        { key: 'V', sightings: [{ system: 'C', raw: 'v', line: 4 }] },
        { key: 'X', sightings: [{ system: 'B', raw: 'x', line: 2 }, { system: 'B', raw: 'X ', line: 7 }, { system: 'C', raw: 'X', line: 5 }] },
      ];
      assert.deepStrictEqual(listed(entries), expected);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(entries)), expected);
    });

    it('keeps config order of systems even when a later system lists the key first', () => {
      const result = compareSystems(clean('A', []), [clean('C', ['Q']), clean('B', ['Q'])]);
      assert.deepStrictEqual(result.outOfAuthority[0]?.sightings.map((s) => s.system), ['C', 'B']);
    });
  });

  describe('keys only in A', () => {
    it('lists, sorted, the authority keys that no other system has', () => {
      const a = clean('A', ['K4', 'K2', 'K1', 'K3']);
      const result = compareSystems(a, [clean('B', ['K1', 'K9']), clean('C', ['K3'])]);
      assert.deepStrictEqual(keysOf(result.onlyInAuthority), ['K2', 'K4']);
    });
  });

  describe('duplicates', () => {
    it('groups ≥ 2 distinct raw keys per normalised key, per system, with their lines', () => {
      const a = indexOf('A', [
        ['K1', 'k1', 2],
        ['K2', 'K2', 3],
        ['K1', 'K1', 4],
        ['K1', ' k1', 8],
      ]);
      const b = indexOf('B', [
        ['K-2', 'k-2', 2],
        ['K-2', 'k_2', 3],
        ['A-1', 'a_1', 4],
        ['A-1', 'A 1', 5],
      ]);
      const result = compareSystems(a, [b]);
      assert.deepStrictEqual(result.duplicates, [
        { system: 'A', key: 'K1', sightings: [{ raw: 'k1', line: 2 }, { raw: 'K1', line: 4 }, { raw: ' k1', line: 8 }] },
        { system: 'B', key: 'A-1', sightings: [{ raw: 'a_1', line: 4 }, { raw: 'A 1', line: 5 }] },
        { system: 'B', key: 'K-2', sightings: [{ raw: 'k-2', line: 2 }, { raw: 'k_2', line: 3 }] },
      ]);
    });

    it('counts exact repeats of a raw key as repeatedRows, not as duplicates', () => {
      const b = indexOf('B', [
        ['K3', 'K3', 2],
        ['K3', 'K3', 3],
        ['K3', 'K3', 9],
        ['K4', 'k4', 4],
        ['K4', 'k4', 5],
      ]);
      const result = compareSystems(clean('A', ['K3']), [b]);
      assert.deepStrictEqual(result.duplicates, []);
      assert.strictEqual(b.repeatedRows, 3);
      assert.deepStrictEqual(b.sightings('K3'), [{ raw: 'K3', line: 2 }]);
    });

    it('counts a repeat of the second raw form as a repeat too', () => {
      const b = indexOf('B', [
        ['K', 'k', 2],
        ['K', 'K', 3],
        ['K', 'K', 4],
      ]);
      assert.strictEqual(b.repeatedRows, 1);
      assert.deepStrictEqual(b.sightings('K'), [{ raw: 'k', line: 2 }, { raw: 'K', line: 3 }]);
    });
  });

  describe('match rates', () => {
    it('overall = keys in every present system / all unique keys; per system = |A ∩ S| / |A|', () => {
      const a = clean('A', ['1', '2', '3', '4']);
      const b = clean('B', ['1', '2', '5']);
      const c = clean('C', ['1', '3']);
      const result = compareSystems(a, [b, c]);
      assert.strictEqual(result.uniqueKeys, 5);
      assert.strictEqual(result.keysInAllSystems, 1);
      assert.deepStrictEqual(result.matchRates, { overall: 1 / 5, bySystem: { B: 2 / 4, C: 2 / 4 } });
    });

    it('does not count a key present everywhere except A as in every system', () => {
      const result = compareSystems(clean('A', ['1']), [clean('B', ['1', '9']), clean('C', ['1', '9'])]);
      assert.strictEqual(result.keysInAllSystems, 1);
      assert.strictEqual(result.matchRates.overall, 1 / 2);
    });

    it('gives 0, not NaN, when the authority has no keys', () => {
      const result = compareSystems(clean('A', []), [clean('B', ['X'])]);
      assert.deepStrictEqual(result.matchRates, { overall: 0, bySystem: { B: 0 } });
    });
  });

  describe('a run with no other systems (nothing compared is not a 100 % match)', () => {
    it('has no gaps and no out-of-authority keys, and reports no comparison: no overall rate, no key in all systems, none only in A', () => {
      const result = compareSystems(clean('A', ['B2', 'A1']), []);
      assert.deepStrictEqual(result.systems, ['A']);
      assert.strictEqual(result.comparedSystems, 0);
      assert.strictEqual(result.gaps.size, 0);
      assert.deepStrictEqual(result.outOfAuthority, []);
      assert.deepStrictEqual(result.onlyInAuthority, []);
      assert.strictEqual(result.uniqueKeys, 2);
      assert.strictEqual(result.keysInAllSystems, 0);
      assert.deepStrictEqual(result.matchRates, { overall: null, bySystem: {} });
    });

    it('counts the systems compared otherwise', () => {
      assert.strictEqual(compareSystems(clean('A', ['K1']), [clean('B', ['K1']), clean('C', [])]).comparedSystems, 2);
    });
  });
});

/** Naive model: plain Sets and first-seen raw forms. */
function model(systems: readonly { name: string; rows: readonly Row[] }[]) {
  const raws = systems.map(({ rows }) => {
    const byKey = new Map<string, Map<string, number>>();
    for (const [key, raw, line] of rows) {
      const forms = byKey.get(key) ?? new Map<string, number>();
      if (!forms.has(raw)) forms.set(raw, line);
      byKey.set(key, forms);
    }
    return byKey;
  });
  const sets = raws.map((byKey) => new Set(byKey.keys()));
  const [a, ...others] = sets as [Set<string>, ...Set<string>[]];
  const sorted = (keys: Iterable<string>) => [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const all = new Set(sets.flatMap((set) => [...set]));
  const everywhere = [...all].filter((key) => sets.every((set) => set.has(key)));
  const outside = sorted([...all].filter((key) => !a.has(key)));
  return {
    gaps: Object.fromEntries(others.map((set, i) => [systems[i + 1]!.name, sorted([...a].filter((k) => !set.has(k)))])),
    // With no other system there is nothing to compare: no key is "only in A" or "everywhere".
    onlyInAuthority: others.length === 0 ? [] : sorted([...a].filter((k) => others.every((set) => !set.has(k)))),
    outOfAuthority: outside.map((key) => ({
      key,
      sightings: systems.slice(1).flatMap(({ name }, i) =>
        [...(raws[i + 1]!.get(key) ?? new Map<string, number>())].map(([raw, line]) => ({ system: name, raw, line })),
      ),
    })),
    duplicates: systems.flatMap(({ name }, i) =>
      sorted([...raws[i]!].filter(([, forms]) => forms.size >= 2).map(([key]) => key)).map((key) => ({
        system: name,
        key,
        sightings: [...raws[i]!.get(key)!].map(([raw, line]) => ({ raw, line })),
      })),
    ),
    uniqueKeys: all.size,
    keysInAllSystems: others.length === 0 ? 0 : everywhere.length,
    overall: others.length === 0 ? null : all.size === 0 ? 0 : everywhere.length / all.size,
    bySystem: Object.fromEntries(
      others.map((set, i) => [systems[i + 1]!.name, a.size === 0 ? 0 : [...a].filter((k) => set.has(k)).length / a.size]),
    ),
  };
}

describe('compareSystems against a naive Set model (docs/behaviour.md §4, property)', () => {
  const keyArb = fc.constantFrom('K1', 'K2', 'K3', 'K10', 'X', 'a', 'B-7');
  const rawArb = fc.constantFrom('r1', 'r2', 'R1', ' r1');
  const rowsArb = (keys: fc.Arbitrary<string>, maxLength: number) =>
    fc.array(fc.tuple(keys, rawArb), { maxLength, size: maxLength > 25 ? 'max' : undefined }).map((pairs) => pairs.map(([key, raw], i) => [key, `${key}:${raw}`, i + 2] as const));
  const systemsArb = (keys: fc.Arbitrary<string>, maxRows: number) =>
    fc
      .array(rowsArb(keys, maxRows), { minLength: 1, maxLength: 5 })
      .map((all) => all.map((rows, i) => ({ name: ['A', 'B', 'C', 'D', 'E'][i]!, rows })));
  // Lists long enough to be sorted by partitioning, not only by insertion (core/text-order.ts).
  const manyKeysArb = fc.integer({ min: 0, max: 150 }).map((n) => (n % 2 ? `K-${n}` : `K${n}`));

  it('matches the model for random systems and rows', () => {
    check(systemsArb(keyArb, 25), 500);
  });

  it('matches the model for systems of many keys', () => {
    check(systemsArb(manyKeysArb, 200), 100);
  });

  function check(arb: ReturnType<typeof systemsArb>, numRuns: number): void {
    fc.assert(
      fc.property(arb, (systems) => {
        const [authority, ...others] = systems.map(({ name, rows }) => indexOf(name, rows));
        const { discrepancies: result, presence } = compareIndexes(authority!, others);
        assert.deepStrictEqual(compareSystems(authority!, others), result);
        const expected = model(systems);
        // Presence, for matching: per downstream system, per authority key in index order, whether it holds the key.
        for (const other of others) {
          const held = Array.from({ length: authority!.size }, (_, i) => (other.has(authority!.keyAt(i)) ? 1 : 0));
          assert.deepStrictEqual([...presence.get(other.system)!], held);
        }
        assert.deepStrictEqual(gapsOf(result), expected.gaps);
        assert.deepStrictEqual(keysOf(result.onlyInAuthority), expected.onlyInAuthority);
        assert.deepStrictEqual(listed(result.outOfAuthority), expected.outOfAuthority);
        assert.deepStrictEqual(result.duplicates, expected.duplicates);
        assert.strictEqual(result.uniqueKeys, expected.uniqueKeys);
        assert.strictEqual(result.keysInAllSystems, expected.keysInAllSystems);
        assert.deepStrictEqual(result.matchRates, { overall: expected.overall, bySystem: expected.bySystem });
      }),
      { numRuns },
    );
  }
});
