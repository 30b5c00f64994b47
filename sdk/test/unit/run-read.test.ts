import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuthorityKey, Discrepancies } from '../../src/core/compare.js';
import { sortedByKey } from '../../src/core/text-order.js';
import type { NormalizedKey } from '../../src/core/types.js';
import { ProbableMatchSearch, type MatchingOptions } from '../../src/core/probable-match.js';
import { findProbableMatches } from '../../src/run/match-stage.js';
import { pushdownRunRead, type AuthorityKeysWanted } from '../../src/run/run-read.js';
import type { PushdownComparison } from '../../src/sources/pushdown/pushdown-read.js';

/** A pushdown read over these gap lists (nothing else of the comparison is asked). */
function holdsOf(gaps: Map<string, AuthorityKey[]>) {
  const discrepancies = { gaps } as unknown as Discrepancies;
  return pushdownRunRead({} as PushdownComparison, discrepancies).holdsLookup();
}

/** Texts in the order a database's ORDER BY gives under byte order (UTF-8), as the pushdown engines stream authority keys. */
const inByteOrder = (texts: readonly string[]) => [...texts].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('a pushdown read: which downstream systems hold an authority key (run/run-read.ts)', () => {
  // Characters from U+E000 to U+FFFF and past U+FFFF: byte order and UTF-16 order disagree on them.
  const keyArb = fc.array(fc.constantFrom('A', 'B', '0', '-', 'é', '\uE000', '\uFFFF', '\u{1F600}', '\u{10400}'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('') as NormalizedKey);

  for (const order of ['byte order, as the engines stream them', 'any order, a key asked again']) {
    it(`answers from the gap lists of 1 to 4 systems, authority keys asked in ${order}`, () => {
      fc.assert(
        fc.property(fc.array(fc.array(keyArb, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.array(keyArb, { maxLength: 60 }), (lacks, keys) => {
          const gaps = new Map(lacks.map((lacked, place) => [`S${place}`, sortedByKey([...new Set(lacked)].map((key, line) => ({ key, line })))]));
          const holds = holdsOf(gaps);
          const asked = order.startsWith('byte') ? inByteOrder([...new Set(keys)]) : keys;
          for (const key of asked) {
            // Matching asks of one key system after system, and again for a candidate it keeps.
            for (let round = 0; round < 2; round++) {
              for (const [place, lacked] of lacks.entries()) assert.equal(holds(`S${place}`, key, 0), !lacked.includes(key), `S${place} and ${JSON.stringify(key)}`);
            }
            assert.equal(holds('A', key, 0), false, 'the authority is no downstream system');
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('matching over a pushdown read, in passes (run/match-stage.ts)', () => {
  // Keys of few characters, so that many are an edit or a padding apart; some past U+FFFF.
  const keyArb = fc.array(fc.constantFrom('A', 'B', '0', '1', '-', '\u{1F600}'), { minLength: 2, maxLength: 5 }).map((parts) => parts.join('') as NormalizedKey);
  const systems = ['B', 'C', 'D'];

  it('finds what one pass over every authority key finds, whatever the pass size and min_score', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 40 }),
        fc.uniqueArray(keyArb, { maxLength: 25 }),
        fc.array(fc.array(fc.nat(39), { maxLength: 30 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(0.5, 0.65, 0.85),
        async (authorityKeys, candidates, lacking, passKeys, minScore) => {
          const authority = sortedByKey(authorityKeys.map((key) => ({ key, line: 1 }))).map(({ key }) => key);
          const outOfAuthority = sortedByKey(candidates.filter((key) => !authorityKeys.includes(key)).map((key, i) => ({ key, sightings: [{ system: systems[i % 3]!, raw: key, line: i }] })));
          const gaps = new Map(systems.map((system, place) => [system, sortedByKey([...new Set(lacking[place]!)].filter((n) => n < authority.length).map((n) => ({ key: authority[n]!, line: n })))]));
          const options: MatchingOptions = { maxDistance: 2, maxCandidates: 2, minScore };
          // The reference: one search, every authority key offered, holders answered from the lists plainly.
          const reference = new ProbableMatchSearch({ outOfAuthority, downstream: systems, rejected: new Set(), options, holds: (system, key) => !gaps.get(system)!.some((gap) => gap.key === key) });
          reference.offer(authority);
          const comparison = { streamAuthorityKeys: async (onChunk: (keys: readonly NormalizedKey[]) => void) => onChunk(authority) } as unknown as PushdownComparison;
          const read = { ...pushdownRunRead(comparison, { gaps } as unknown as Discrepancies), matchPassKeys: passKeys };
          let passes = 0;
          const found = await findProbableMatches(read, { outOfAuthority, downstream: systems, rejected: new Set(), options }, () => passes++);
          assert.deepStrictEqual(found, reference.results());
          assert.equal(passes, Math.max(0, Math.ceil(outOfAuthority.length / passKeys) - 1), 'betweenPasses runs between passes');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('streams the keys some system lacks from the gap lists, once each and by key, with no query', async () => {
    const gaps = new Map([
      ['B', ['K-1', 'K-3', 'K-\u{1F600}'].map((key) => ({ key, line: 1 }))],
      ['C', ['K-2', 'K-3'].map((key) => ({ key, line: 1 }))],
      ['D', []],
    ]);
    const comparison = { streamAuthorityKeys: () => assert.fail('no query for the keys some system lacks') } as unknown as PushdownComparison;
    const read = pushdownRunRead(comparison, { gaps } as unknown as Discrepancies);
    const streamed: string[] = [];
    const wanted: AuthorityKeysWanted = 'lacked by some';
    await read.streamAuthorityKeys((keys) => streamed.push(...keys), wanted);
    assert.deepStrictEqual(streamed, ['K-1', 'K-2', 'K-3', 'K-\u{1F600}']);
  });
});
