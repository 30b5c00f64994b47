import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hashKey, KeyIndex } from '../../src/core/key-index.js';
import type { RowLocator } from '../../src/core/types.js';

interface Row {
  readonly key: string;
  readonly raw: string;
  readonly line: RowLocator;
}

/** What a sealed index must say, worked out plainly: each key once, in hash order (ties by key), with its sightings in row order. */
function expected(rows: readonly Row[]) {
  const byKey = new Map<string, { raw: string; line: RowLocator }[]>();
  let repeatedRows = 0;
  for (const { key, raw, line } of rows) {
    const sightings = byKey.get(key) ?? [];
    byKey.set(key, sightings);
    if (sightings.some((sighting) => sighting.raw === raw)) repeatedRows++;
    else sightings.push({ raw, line });
  }
  const keys = [...byKey.keys()].sort((a, b) => hashKey(a) - hashKey(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { keys, byKey, repeatedRows };
}

function check(rows: readonly Row[]): void {
  const index = new KeyIndex('B');
  for (const { key, raw, line } of rows) index.add(key, raw, line);
  const { keys, byKey, repeatedRows } = expected(rows);
  assert.equal(index.size, keys.length);
  assert.equal(index.repeatedRows, repeatedRows);
  keys.forEach((key, position) => {
    const sightings = byKey.get(key)!;
    assert.equal(index.keyAt(position), key);
    assert.equal(index.data.hashes[position], hashKey(key));
    assert.equal(index.rawAt(position), sightings[0]!.raw);
    assert.equal(index.locatorAt(position), sightings[0]!.line);
    // A locator that is not a line is kept elsewhere, and the array of lines holds 0 for it (snapshots store that array).
    const first = sightings[0]!.line;
    assert.equal(index.data.firstLines[position], typeof first === 'number' && first >>> 0 === first ? first : 0);
    assert.deepEqual(index.sightingsAt(position), sightings);
    assert.equal(index.find(key), position);
  });
}

/** A small deterministic generator (xorshift), so the large case is the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** 50,000 rows: about one in five repeats an earlier key; one in three has a raw form of its own. */
function manyRows(prefix: string): Row[] {
  const next = random(42);
  const rows: Row[] = [];
  for (let i = 0; i < 50_000; i++) {
    const id = next() < 0.2 && i > 0 ? Math.floor(next() * i) : i;
    const key = `${prefix}${String(id).padStart(7, '0')}`;
    rows.push({ key, raw: next() < 0.33 ? ` ${key.toLowerCase()}` : key, line: i + 2 });
  }
  return rows;
}

/** The rows in an index, told `expectedRows` (KeyIndex.expectRows) once `after` rows are in, when a hint is given. */
function indexOf(rows: readonly Row[], hint?: { readonly expectedRows: number; readonly after: number }): KeyIndex {
  const index = new KeyIndex('B');
  rows.forEach(({ key, raw, line }, position) => {
    if (position === hint?.after) index.expectRows(hint.expectedRows);
    index.add(key, raw, line);
  });
  if (hint !== undefined && hint.after >= rows.length) index.expectRows(hint.expectedRows);
  return index;
}

describe('KeyIndex (docs/decisions.md §7)', () => {
  it('property: sealed, it lists each key once in hash order with its first raw form, locator and every distinct raw form', () => {
    const key = fc.string({ unit: fc.constantFrom(...'AB01-é'), minLength: 1, maxLength: 5 });
    const line = fc.oneof(fc.nat({ max: 2 ** 32 - 1 }), fc.constantFrom(-1, 2 ** 32, 2 ** 40), fc.string({ minLength: 1, maxLength: 3 }));
    // Raw forms may need two bytes per code unit where keys do not (Ω), so the two texts' widths differ.
    const row = fc.record({ key, raw: fc.oneof(fc.constant(null), fc.string({ unit: fc.constantFrom(...'ab01 -Ω'), maxLength: 4 })), line });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => check(rows.map(({ key, raw, line }) => ({ key, raw: raw ?? key, line })))),
      { numRuns: 500 },
    );
  });

  for (const { label, prefix } of [
    { label: 'Latin-1 keys', prefix: 'CUST-' },
    { label: 'keys beyond Latin-1', prefix: 'ΚΛ-' },
  ]) {
    it(`gives the same at a size where rows are sorted bucket by bucket (50,000 rows, duplicates and raw forms of their own; ${label})`, () => {
      check(manyRows(prefix));
    });
  }

  it('gives the same when the first key beyond Latin-1 comes after 20,000 Latin-1 rows (50,000 rows; the texts widen part way)', () => {
    const rows = manyRows('CUST-');
    rows[20_000] = { key: 'CUST-Ω', raw: ' cust-ω', line: 20_002 };
    check(rows);
  });

  it('property: an expected row count, told before any row or after some, too low, about right or far too high, seals to the same arrays', () => {
    const rows = manyRows('CUST-');
    const unhinted = indexOf(rows).data;
    fc.assert(
      fc.property(fc.nat({ max: 200_000 }), fc.constantFrom(0, 1, 4095, 4096, 10_000), (expectedRows, after) => {
        assert.deepStrictEqual(indexOf(rows, { expectedRows, after }).data, unhinted);
      }),
      { numRuns: 12, examples: [[0, 0], [1_000, 0], [50_000, 0], [50_000, 4096], [200_000, 10_000]] },
    );
  });

  it('property: on small inputs too, an expected row count changes nothing', () => {
    const row = fc.record({ key: fc.string({ unit: fc.constantFrom(...'AB01-é'), minLength: 1, maxLength: 5 }), raw: fc.string({ maxLength: 4 }), line: fc.nat() });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.nat({ max: 100 }), fc.nat({ max: 60 }), (rows, expectedRows, after) => {
        assert.deepStrictEqual(indexOf(rows, { expectedRows, after }).data, indexOf(rows).data);
      }),
      { numRuns: 200 },
    );
  });

  for (const { label, prefix } of [
    { label: 'Latin-1 keys, sent as bytes', prefix: 'CUST-' },
    { label: 'keys beyond Latin-1, sent as two bytes a unit', prefix: 'ΚΛ-' },
  ]) {
    it(`sealed as parts (a read worker's way) and made an index again, gives the same data (${label})`, () => {
      const rows = manyRows(prefix);
      const parts = indexOf(rows).seal();
      assert.equal(parts.keyCodes instanceof Uint8Array, prefix === 'CUST-');
      assert.deepStrictEqual(KeyIndex.fromParts(structuredClone(parts)).data, indexOf(rows).data);
    });
  }

  it('gives keys and sightings as strings of their own equal to the views (long keys, lone surrogates, duplicates)', () => {
    const index = new KeyIndex('B');
    const keys = ['SHORT', 'A-KEY-LONGER-THAN-THIRTEEN', 'HALF-\uD800-OF-A-PAIR-AND-MORE', 'ΚΛΕΙΔΙ-ΜΑΚΡΥ-ΠΟΛΥ'];
    keys.forEach((key, i) => index.add(key, ` ${key.toLowerCase()} `, i + 2));
    index.add(keys[1]!, 'another raw form of the long key', 9);
    for (let position = 0; position < index.size; position++) {
      assert.equal(index.ownKeyAt(position), index.keyAt(position));
      assert.deepStrictEqual(index.ownSightingsAt(position), index.sightingsAt(position));
    }
  });

  it('refuses rows, and a row count, once sealed', () => {
    const index = new KeyIndex('B');
    index.add('A1', 'a1', 2);
    assert.equal(index.size, 1);
    assert.throws(() => index.add('A2', 'A2', 3), /sealed/);
    assert.throws(() => index.expectRows(10), /sealed/);
  });
});
