import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareIndexes } from '../../src/core/compare.js';
import { CompareAsRead } from '../../src/run/compare-as-read.js';
import { indexOf, type KeyRow } from '../helpers/key-indexes.js';


const SYSTEMS = ['A', 'B', 'C', 'D'] as const;
const row = fc.tuple(fc.constantFrom('K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'X1', 'X2'), fc.constantFrom('r', 'R', ' r')).map(([key, raw]): KeyRow => [key, `${raw}${key}`]);

describe('CompareAsRead (run/compare-as-read.ts)', () => {
  it('property: downstream systems compared as they arrive, in any order, some never arriving (snapshots), give the comparison of all at once', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.array(row, { minLength: 1, maxLength: 12 }), fc.array(row, { maxLength: 12 }), fc.array(row, { maxLength: 12 }), fc.array(row, { maxLength: 12 })),
        fc.shuffledSubarray([...SYSTEMS]),
        (rows, arrivals) => {
          const build = () => SYSTEMS.map((system, n) => indexOf(system, rows[n]!));
          const expected = compareIndexes(build()[0]!, build().slice(1));
          const [authority, ...others] = build();
          const comparing = new CompareAsRead('A');
          const all = [authority!, ...others];
          for (const system of arrivals) comparing.arrived(all[SYSTEMS.indexOf(system)]!);
          const result = comparing.finish(authority!, others);
          assert.deepEqual(result.discrepancies, expected.discrepancies);
          assert.deepEqual(result.presence, expected.presence);
          // Putting the comparison together leaves the findings as they were.
          assert.deepEqual(comparing.finish(authority!, others).discrepancies, expected.discrepancies);
        },
      ),
    );
  });

  it('lets a downstream index go once compared, keeping its size; one read before the authority waits for it', () => {
    const [authority, b, c] = [indexOf('A', [['K1', 'k1'], ['K2', 'k2']]), indexOf('B', [['K1', 'k1'], ['X', 'x'], ['X', 'x ']]), indexOf('C', [['K2', 'k2']])];
    const comparing = new CompareAsRead('A');
    comparing.arrived(b!);
    assert.equal(b!.size, 2, 'not compared yet: read whole');
    assert.doesNotThrow(() => b!.keyAt(0));
    comparing.arrived(authority!);
    assert.throws(() => b!.keyAt(0), /KeyIndex for B was released/);
    assert.deepEqual([b!.size, b!.repeatedRows], [2, 0]);
    comparing.arrived(c!);
    assert.throws(() => c!.data, /released/);
    assert.doesNotThrow(() => authority!.keyAt(0), 'the authority is kept');
    const { discrepancies } = comparing.finish(authority!, [b!, c!]);
    assert.deepEqual(discrepancies.keyCounts, { A: 2, B: 2, C: 1 });
    assert.deepEqual(discrepancies.outOfAuthority, [{ key: 'X', sightings: [{ system: 'B', raw: 'x', line: 3 }, { system: 'B', raw: 'x ', line: 4 }] }]);
    assert.deepEqual(discrepancies.duplicates.map((group) => [group.system, group.key]), [['B', 'X']]);
  });
});
