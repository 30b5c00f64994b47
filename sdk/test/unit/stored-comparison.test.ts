/**
 * A comparison made whole from its stored groups (core/compare.ts storedComparison) equals the
 * one made from the indexes, and so do which systems hold each authority key when answered
 * from its gap lists (run/run-read.ts presenceFromGaps): what an incremental run carrying the
 * previous comparison forward relies on (docs/decisions.md §22).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareIndexes, storedComparison } from '../../src/core/compare.js';
import { presenceFromGaps } from '../../src/run/run-read.js';
import { discrepancyGroups } from '../../src/store/discrepancies-repo.js';
import { indexOf, type KeyRow } from '../helpers/key-indexes.js';


const SYSTEMS = ['A', 'B', 'C', 'D'] as const;
// Keys past U+FFFF and from U+E000 sort differently by code unit and by code point.
const row = fc
  .tuple(fc.constantFrom('K1', 'K2', 'K3', 'K4', 'X1', 'X2', 'é', '\uE000', '\u{1F600}'), fc.constantFrom('', ' ', 'r'))
  .map(([key, raw]): KeyRow => [key, `${raw}${key}`]);

describe('a comparison made whole from its stored groups', () => {
  it('property: equals the comparison of the indexes, entry for entry, and the gap lists give the merges\' presence', () => {
    fc.assert(
      fc.property(fc.tuple(fc.array(row, { minLength: 1, maxLength: 14 }), fc.array(row, { maxLength: 14 }), fc.array(row, { maxLength: 14 }), fc.array(row, { maxLength: 14 })), fc.integer({ min: 1, max: 3 }), (rows, downstream) => {
        const systems = SYSTEMS.slice(0, downstream + 1);
        const build = () => systems.map((system, n) => indexOf(system, rows[n]!));
        const [authority, ...others] = build();
        const expected = compareIndexes(authority!, others);
        // Stored as a run stores them, through JSON.
        const stored = JSON.parse(JSON.stringify([...discrepancyGroups(expected.discrepancies, [])].map(({ kind, system, entries }) => ({ kind, system, entries: [...entries] })))) as {
          kind: string;
          system: string;
          entries: never[];
        }[];
        const group = (kind: string) => new Map(stored.filter((entry) => entry.kind === kind).map(({ system, entries }) => [system, entries]));
        const groups = { gaps: group('gap'), outOfAuthority: group('out_of_authority'), duplicates: group('duplicate'), onlyInAuthority: group('only_in_authority').get('') };
        const fresh = build()[0]!;
        const rebuilt = storedComparison(fresh, [...systems], expected.discrepancies.keyCounts, groups);
        assert.deepEqual(rebuilt, expected.discrepancies);
        assert.deepEqual(presenceFromGaps(fresh, rebuilt!.gaps), expected.presence);
        // Gap lists out of key order (never stored so, but not assumed): the keys in every system are still counted right.
        const reversed = storedComparison(fresh, [...systems], expected.discrepancies.keyCounts, { ...groups, gaps: new Map([...groups.gaps].map(([system, keys]) => [system, [...keys].reverse()])) });
        assert.equal(reversed!.keysInAllSystems, expected.discrepancies.keysInAllSystems);
        assert.deepEqual(reversed!.matchRates, expected.discrepancies.matchRates);
        // A group the comparison always stores, missing: nothing is made.
        assert.equal(storedComparison(fresh, [...systems], expected.discrepancies.keyCounts, { ...groups, onlyInAuthority: undefined }), undefined);
        assert.equal(storedComparison(fresh, [...systems], expected.discrepancies.keyCounts, { ...groups, gaps: new Map() }), undefined);
      }),
      { numRuns: 300 },
    );
  });
});
