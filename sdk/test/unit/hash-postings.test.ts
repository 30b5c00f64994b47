import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CountedPostingsBuilder, HashPostings, sortByHash } from '../../src/core/hash-postings.js';

/**
 * Hashes that exercise the sort's buckets: any 32-bit value; a few values only (many entries
 * per hash); one top byte, so that one bucket holds everything; top 24 bits shared by
 * hashes that differ in their low 8 bits, which the sort leaves in the order they came; and
 * hashes that share their low 16 bits, the only ones stored, and differ in the top 16, which
 * only the directory's bucket tells apart.
 */
const hashArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc.constantFrom(0, 1, 0xffff_ffff, 0x8000_0000, 0x1234_5678),
  fc.integer({ min: 0, max: 0xff_ffff }).map((low) => (0xab00_0000 | low) >>> 0),
  fc.integer({ min: 0, max: 0xff }).map((low) => (0x00c0_ff00 | low) >>> 0),
  fc.integer({ min: 0, max: 0xffff }).map((top) => ((top << 16) | 0x5a5a) >>> 0),
);

/** The order sortByHash must give: by the hash's top 24 bits, entries that share them in the order added. */
function stableByTopBits(hashes: readonly number[]): number[] {
  return hashes.map((_, i) => i).sort((i, j) => (hashes[i]! >>> 8) - (hashes[j]! >>> 8) || i - j);
}

function sortedOf(hashes: readonly number[]): ReturnType<typeof sortByHash> {
  return sortByHash({ hashes: Uint32Array.from(hashes), values: Uint32Array.from(hashes.keys()) });
}

describe('hash postings (docs/decisions.md §18)', () => {
  it('property: sortByHash orders entries by the top 24 bits of their hash, and each hash\'s entries as they were added, on both sides of the plain-sort threshold', () => {
    fc.assert(
      fc.property(fc.array(hashArb, { minLength: 0, maxLength: 3000, size: 'max' }), (hashes) => {
        const sorted = sortedOf(hashes);
        const order = [...sorted.values];
        assert.deepStrictEqual([...order].sort((a, b) => a - b), [...hashes.keys()], 'every entry once');
        assert.deepStrictEqual([...sorted.hashes], order.map((i) => hashes[i]!));
        for (let k = 1; k < order.length; k++) {
          const [before, after] = [hashes[order[k - 1]!]!, hashes[order[k]!]!];
          assert.ok(before >>> 8 <= after >>> 8, 'ordered by the top 24 bits');
          if (before === after) assert.ok(order[k - 1]! < order[k]!, 'one hash\'s entries in the order added');
        }
      }),
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('sortByHash gives the stable order by the top 24 bits at 600, 5,000 and 200,000 entries (the radix sort\'s buckets)', () => {
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12345) >>> 0);
    for (const size of [600, 5000, 200_000]) {
      // Half spread over every bucket, half crowded into a few top bytes, with repeated hashes.
      const hashes = Array.from({ length: size }, (_, i) => (i % 2 ? random() : ((random() & 0x0300_00ff) | 0x4000_0000) >>> 0));
      assert.deepStrictEqual([...sortedOf(hashes).values], stableByTopBits(hashes), `${size} entries`);
    }
  });

  it('property: postings sorted after, and postings counted first then added (tagged), answer every lookup with the entries stored under that hash, in the order added', () => {
    fc.assert(
      fc.property(fc.array(hashArb, { minLength: 0, maxLength: 3000, size: 'max' }), (hashes) => {
        const sorted = HashPostings.of(Uint32Array.from(hashes), Uint32Array.from(hashes.keys()));
        const counted = new CountedPostingsBuilder(true);
        for (const hash of hashes) counted.count(hash);
        hashes.forEach((hash, i) => counted.add(hash, i, i * 7 + 1));
        const postings = counted.seal();
        assert.equal(postings.size, sorted.size);
        const entries = (of: HashPostings, hash: number) => {
          const found: [number, number][] = [];
          for (let entry = of.first(hash); entry >= 0; entry = of.next(entry, hash)) found.push([of.valueAt(entry), of.tagAt(entry)]);
          return found;
        };
        // Every entry of the hash, in the order added: the plain answer both must give.
        const positions = new Map<number, number[]>();
        hashes.forEach((hash, i) => positions.set(hash, [...(positions.get(hash) ?? []), i]));
        const stored = (hash: number, tagged: boolean) => (positions.get(hash) ?? []).map((i) => [i, tagged ? i * 7 + 1 : 0]);
        for (const hash of new Set([...hashes, 0x5555_5555, 7, 0xabcd_5a5a])) {
          assert.deepStrictEqual(entries(postings, hash), stored(hash, true));
          assert.deepStrictEqual(entries(sorted, hash), stored(hash, false));
        }
      }),
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('refuses to seal counted postings when the entries added are not those counted', () => {
    const counted = new CountedPostingsBuilder(false);
    counted.count(0x1000_0000);
    counted.count(0x2000_0000);
    counted.add(0x1000_0000, 1);
    assert.throws(() => counted.seal(), /not those counted/);
  });

  it('finds every value stored under a hash, in the order added, and nothing under a hash not stored', () => {
    const hashes = Array.from({ length: 20_000 }, (_, i) => Math.imul(i % 7000, 0x9e37_79b1) >>> 0);
    const postings = HashPostings.of(Uint32Array.from(hashes), Uint32Array.from(hashes.keys()));
    for (let i = 0; i < 7000; i++) {
      const found: number[] = [];
      postings.forEach(hashes[i]!, (value) => found.push(value));
      assert.deepStrictEqual(found, [i, i + 7000, i + 14_000].filter((value) => value < hashes.length));
    }
    assert.equal(postings.first(1), -1);
  });
});
