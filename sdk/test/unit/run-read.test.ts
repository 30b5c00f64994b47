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

describe('a pushdown read: which downstream systems hold an authority key (run/run-read.ts)', () => {
  for (const systems of [3, 31]) {
    it(`answers from the gap lists of ${systems} systems, a key asked about system after system or not`, () => {
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), { minLength: systems, maxLength: systems }), fc.array(fc.integer({ min: 0, max: 45 }), { maxLength: 60 }), (lacks, asked) => {
          const key = (n: number) => `K-${n}` as NormalizedKey;
          const gaps = new Map(lacks.map((numbers, place) => [`S${place}`, sortedByKey([...new Set(numbers)].map((n) => ({ key: key(n), line: n })))]));
          const holds = holdsOf(gaps);
          for (const n of asked) {
            for (const [place, numbers] of lacks.entries()) assert.equal(holds(`S${place}`, key(n), 0), !numbers.includes(n), `S${place} and ${key(n)}`);
            assert.equal(holds('A', key(n), 0), false, 'the authority is no downstream system');
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});
