import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuthorityKey, Discrepancies } from '../../src/core/compare.js';
import { sortedByKey } from '../../src/core/text-order.js';
import type { NormalizedKey } from '../../src/core/types.js';
import { pushdownRunRead } from '../../src/run/run-read.js';
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
