import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CountedPostingsBuilder, HashPostings } from '../../src/core/hash-postings.js';

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

/** Each hash's entries in the order added: the plain answer every lookup must give. */
function entriesByHash(hashes: readonly number[]): Map<number, number[]> {
  const positions = new Map<number, number[]>();
  hashes.forEach((hash, i) => positions.set(hash, [...(positions.get(hash) ?? []), i]));
  return positions;
}

function lookedUp(of: HashPostings, hash: number): [number, number][] {
  const found: [number, number][] = [];
  for (let entry = of.first(hash); entry >= 0; entry = of.next(entry, hash)) found.push([of.valueAt(entry), of.tagAt(entry)]);
  return found;
}

describe('hash postings (docs/decisions.md §18)', () => {
  it('property: postings of entries in any order, and postings counted first then added (tagged), answer every lookup with the entries stored under that hash, in the order added', () => {
    fc.assert(
      fc.property(fc.array(hashArb, { minLength: 0, maxLength: 3000, size: 'max' }), (hashes) => {
        const unordered = HashPostings.of(Uint32Array.from(hashes), Uint32Array.from(hashes.keys()));
        const counted = new CountedPostingsBuilder(true);
        for (const hash of hashes) counted.count(hash);
        hashes.forEach((hash, i) => counted.add(hash, i, i * 7 + 1));
        const postings = counted.seal();
        assert.equal(postings.size, unordered.size);
        const positions = entriesByHash(hashes);
        const stored = (hash: number, tagged: boolean) => (positions.get(hash) ?? []).map((i) => [i, tagged ? i * 7 + 1 : 0]);
        for (const hash of new Set([...hashes, 0x5555_5555, 7, 0xabcd_5a5a])) {
          assert.deepStrictEqual(lookedUp(postings, hash), stored(hash, true));
          assert.deepStrictEqual(lookedUp(unordered, hash), stored(hash, false));
        }
      }),
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('answers every lookup with the entries stored, in the order added, at 600, 5,000 and 200,000 entries', () => {
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12345) >>> 0);
    for (const size of [600, 5000, 200_000]) {
      // Half spread over every bucket, half crowded into a few top bytes, with repeated hashes.
      const hashes = Array.from({ length: size }, (_, i) => (i % 2 ? random() : ((random() & 0x0300_00ff) | 0x4000_0000) >>> 0));
      const postings = HashPostings.of(Uint32Array.from(hashes), Uint32Array.from(hashes.keys()));
      for (const [hash, positions] of entriesByHash(hashes)) {
        assert.deepStrictEqual(lookedUp(postings, hash), positions.map((i) => [i, 0]), `${size} entries`);
      }
    }
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
