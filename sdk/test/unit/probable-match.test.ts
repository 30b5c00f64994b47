import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OutOfAuthorityKey } from '../../src/core/compare.js';
import { boundedDistance } from '../../src/core/edit-distance.js';
import { FORM, formOf, segmentBounds } from '../../src/core/key-forms.js';
import { CANDIDATE_SCORES, MatchIndex, type RawCandidate } from '../../src/core/match-index.js';
import { pairKey, ProbableMatchSearch, type MatchingOptions } from '../../src/core/probable-match.js';

const DEFAULTS: MatchingOptions = { maxDistance: 2, maxCandidates: 3, minScore: 0.65 };

const outside = (key: string, ...systems: string[]): OutOfAuthorityKey => ({
  key,
  sightings: (systems.length ? systems : ['B']).map((system, line) => ({ system, raw: key, line: line + 2 })),
});

function match(authority: readonly string[], keys: readonly OutOfAuthorityKey[], options: Partial<MatchingOptions> = {}, held: Record<string, string[]> = {}, rejected: string[] = []) {
  const search = new ProbableMatchSearch({
    outOfAuthority: keys,
    downstream: ['B', 'C', 'D'],
    holds: (system, key) => (held[system] ?? []).includes(key),
    rejected: new Set(rejected),
    options: { ...DEFAULTS, ...options },
  });
  search.offer(authority);
  return search.results();
}

/** Every authority key `key` may have been meant to be, unranked: the authority streamed past an index of `key` alone. */
function candidatesOf(authority: readonly string[], key: string, maxDistance: number): (RawCandidate & { authorityKey: string })[] {
  const index = new MatchIndex([key], maxDistance);
  const found: (RawCandidate & { authorityKey: string })[] = [];
  for (const authorityKey of authority) index.scan(authorityKey, (_, candidate) => found.push({ ...candidate, authorityKey }));
  return found;
}

const top = (authority: readonly string[], key: string, options: Partial<MatchingOptions> = {}) => match(authority, [outside(key)], options)[0]?.candidates ?? [];

/** Weighted optimal string alignment over the whole table, written plainly: the reference for boundedDistance. */
function referenceDistance(a: string, b: string): number {
  const conf = (c: string) => ({ O: '0', I: '1', L: '1', S: '5', B: '8', Z: '2' })[c.toUpperCase()] ?? c;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const sub = a[i - 1] === b[j - 1] ? 0 : conf(a[i - 1]!) === conf(b[j - 1]!) ? 0.5 : 1;
      d[i]![j] = Math.min(d[i - 1]![j - 1]! + sub, d[i - 1]![j]! + 1, d[i]![j - 1]! + 1);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] && a[i - 1] !== b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

describe('probable matches (docs/behaviour.md §10)', () => {
  const A = ['CUST-000123', 'CUST-000456', 'PROD-ABC-000789', 'ORD0999999', 'TXN-2024-000001'];

  describe('each reason', () => {
    it('padding: equal once leading zeros inside digit runs are removed', () => {
      assert.deepEqual(top(A, 'CUST-00123'), [{ authorityKey: 'CUST-000123', score: 0.95, kind: 'padding', reason: 'padding' }]);
      assert.equal(top(A, 'CUST-123')[0]?.reason, 'padding');
    });
    it('delimiters: equal once every delimiter is removed', () => {
      assert.deepEqual(top(A, 'CUST000123')[0], { authorityKey: 'CUST-000123', score: 0.95, kind: 'delimiters', reason: 'delimiters' });
      assert.equal(top(A, 'PRODABC000789')[0]?.authorityKey, 'PROD-ABC-000789');
    });
    it('padding and delimiters together score a little less', () => {
      assert.deepEqual(top(A, 'CUST00123')[0], { authorityKey: 'CUST-000123', score: 0.9, kind: 'padding', reason: 'padding and delimiters' });
    });
    it('edit distance: a substitution, an insertion, a deletion and an adjacent transposition each cost 1', () => {
      for (const key of ['CUST-000124', 'CUST-0001234', 'CUST-00013', 'CUST-000132']) {
        const [first] = top(['CUST-000123'], key);
        assert.equal(first?.authorityKey, 'CUST-000123', key);
        assert.equal(first?.kind === 'edit' || first?.kind === 'padding', true, key);
      }
      assert.deepEqual(top(['CUST-000123'], 'CUST-000132')[0], { authorityKey: 'CUST-000123', score: 0.8, kind: 'edit', reason: 'edit distance 1' });
    });
    it('confusable characters cost half: O/0, I/1/L, S/5, B/8, Z/2', () => {
      assert.deepEqual(top(['CUST-000123'], 'CUST-O00123')[0], { authorityKey: 'CUST-000123', score: 0.85, kind: 'edit', reason: 'edit distance 0.5' });
      assert.equal(top(['AB-1258'], 'A8-I2S8')[0]?.reason, 'edit distance 1.5');
      // Four confusables are two edits' worth: found through the folded form, beyond two deletions.
      assert.equal(top(['SOIB-1'], '5018-1')[0]?.reason, 'edit distance 2');
    });
    it('two edits score below one; beyond max_distance nothing is suggested', () => {
      assert.equal(top(['CUST-000123'], 'CUST-000231')[0]?.score, 0.7);
      assert.deepEqual(top(['CUST-000123'], 'CUST-000231', { maxDistance: 1 }), []);
      assert.deepEqual(top(['CUST-000123'], 'CUST-009999'), []);
    });
    it('a missing or extra prefix or suffix segment', () => {
      assert.equal(top(A, '000123')[0]?.reason, 'missing prefix segment');
      assert.equal(top(A, '0999999')[0]?.authorityKey, 'ORD0999999');
      assert.equal(top(A, 'PROD-ABC')[0]?.reason, 'missing suffix segment');
      assert.equal(top(A, 'X-CUST-000456')[0]?.reason, 'extra prefix segment');
      assert.equal(top(A, 'CUST-000456-EU')[0]?.reason, 'extra suffix segment');
      assert.equal(top(A, 'CUST-000456-EU')[0]?.score, 0.75);
    });
  });

  describe('ranking', () => {
    it('ties are broken by the authority key; at most max_candidates are kept', () => {
      const candidates = top(['K-13', 'K-11', 'K-12', 'K-10'], 'K-1X', { maxCandidates: 3, maxDistance: 1 });
      assert.deepEqual(candidates.map((c) => c.authorityKey), ['K-10', 'K-11', 'K-12']);
      assert.ok(candidates.every((c) => c.score === 0.8));
    });
    it('a candidate the same downstream system already holds ranks lower, and says so', () => {
      const [first, second] = match(['CUST-000124', 'CUST-000125'], [outside('CUST-000126', 'B')], { minScore: 0 }, { B: ['CUST-000124'] })[0]!.candidates;
      assert.equal(first?.authorityKey, 'CUST-000125');
      assert.equal(second?.authorityKey, 'CUST-000124');
      assert.equal(second?.score, 0.6);
      assert.equal(second?.reason, 'edit distance 1; B already holds it');
    });
    it('a candidate missing from the systems that have the key but held by another ranks higher: the key explains their gap', () => {
      const [first, second] = match(['CUST-000124', 'CUST-000125'], [outside('CUST-000126', 'B')], {}, { C: ['CUST-000125'], D: ['CUST-000125'] })[0]!.candidates;
      assert.deepEqual(first, { authorityKey: 'CUST-000125', score: 0.9, kind: 'edit', reason: 'edit distance 1; missing from B, held by C, D' });
      assert.equal(second?.score, 0.8);
    });
    it('min_score drops weak candidates; a key with none is left out', () => {
      assert.deepEqual(match(['CUST-000123'], [outside('CUST-000231')], { minScore: 0.75 }), []);
    });
    it('a rejected pair ("not a match") is never suggested again', () => {
      const result = match(['CUST-000123', 'CUST-00124'], [outside('CUST-00123')], {}, {}, [pairKey('CUST-00123', 'CUST-000123')]);
      assert.deepEqual(result[0]?.candidates.map((c) => c.authorityKey), ['CUST-00124']);
    });
    it('is deterministic whatever the order of the authority keys', () => {
      const keys = ['K-10', 'K-11', 'K-12', 'K-13', 'K-1', 'K-010', 'K10'];
      const expected = top(keys, 'K-01');
      for (let i = 0; i < 5; i++) assert.deepEqual(top(fc.sample(fc.shuffledSubarray(keys, { minLength: keys.length }), 1)[0]!, 'K-01'), expected);
    });
  });

  describe('edge cases', () => {
    it('keys whose forms are nothing or almost nothing: no crash, no spurious match', () => {
      assert.equal(formOf('---', FORM.delimiters), '');
      assert.equal(formOf('000', FORM.padding), '0');
      assert.equal(segmentBounds('-'), null);
      assert.deepEqual(top(['-', '0', 'A'], ''), []);
      // Nothing in common would be left: one character against another is no suggestion.
      assert.deepEqual(top(['0', 'A'], 'B'), []);
      assert.deepEqual(top([], 'CUST-1'), []);
      assert.deepEqual(top(['00', '000'], '0').map((c) => c.authorityKey), ['00', '000']);
    });
    it('very long keys are matched by their forms only, at bounded cost', () => {
      const long = `K-${'7'.repeat(5000)}`;
      const authority = [long, ...Array.from({ length: 2000 }, (_, i) => `K-${String(i).repeat(40)}`)];
      const started = Date.now();
      assert.equal(top(authority, `K${'7'.repeat(5000)}`)[0]?.authorityKey, long);
      assert.deepEqual(top(authority, `K-${'7'.repeat(4999)}8`), []);
      assert.ok(Date.now() - started < 5000);
    });
    it('the bounded distance equals a plain full-table computation within the bound', () => {
      const key = fc.string({ unit: fc.constantFrom(...'AB0O1IL5S8-'), maxLength: 8 });
      fc.assert(
        fc.property(key, key, fc.constantFrom(0.5, 1, 1.5, 2), (a, b, bound) => {
          const reference = referenceDistance(a, b);
          assert.equal(boundedDistance(a, b, bound), reference <= bound ? reference : Infinity);
        }),
        { numRuns: 2000 },
      );
    });
  });

  it('property: a one-edit variant of an authority key always has that key among its candidates (max_distance ≥ 1)', () => {
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'];
    const key = fc.string({ unit: fc.constantFrom(...alphabet), minLength: 3, maxLength: 14 }).filter((k) => /[A-Z0-9]/.test(k));
    const edit = fc.record({ kind: fc.constantFrom('substitute', 'insert', 'delete', 'transpose'), at: fc.nat(), char: fc.constantFrom(...alphabet) });
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 40 }), fc.nat(), edit, fc.constantFrom(1, 1.5, 2), (authority, pick, { kind, at, char }, maxDistance) => {
        const target = authority[pick % authority.length]!;
        const i = at % target.length;
        const variant =
          kind === 'substitute' ? target.slice(0, i) + char + target.slice(i + 1)
          : kind === 'insert' ? target.slice(0, i) + char + target.slice(i)
          : kind === 'delete' ? target.slice(0, i) + target.slice(i + 1)
          : i + 1 < target.length ? target.slice(0, i) + target[i + 1] + target[i] + target.slice(i + 2) : target;
        fc.pre(/[A-Z0-9]/.test(variant) && !authority.includes(variant));
        const found = candidatesOf(authority, variant, maxDistance).map((c) => c.authorityKey);
        assert.ok(found.includes(target), `${variant} should find ${target}; found ${found.join(', ')}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('property: keeping each key\'s best candidates as the authority streams past, in any chunks, equals ranking all its candidates at once', () => {
    // The plain ranking (docs/behaviour.md §10) of every candidate, sorted, then cut to max_candidates.
    const systemsOf = ['B', 'C', 'D'];
    const key = fc.string({ unit: fc.constantFrom(...'05S1-A'), minLength: 1, maxLength: 6 });
    const scenario = fc.record({
      authority: fc.uniqueArray(key, { minLength: 1, maxLength: 30 }),
      // Now and then a key seen only in a system that is not compared (X).
      keys: fc.uniqueArray(fc.record({ key, system: fc.constantFrom(...systemsOf, ...systemsOf, 'X') }), { selector: (k) => k.key, minLength: 1, maxLength: 8 }),
      held: fc.array(fc.tuple(fc.constantFrom(...systemsOf), fc.nat())),
      // Authority keys every downstream system holds, whose lookups the search may skip.
      heldByAll: fc.array(fc.nat()),
      chunk: fc.integer({ min: 1, max: 8 }),
      minScore: fc.constantFrom(0.5, 0.65, 0.85),
      maxCandidates: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(scenario, ({ authority, keys, held, heldByAll, chunk, minScore, maxCandidates }) => {
        const holds = new Set(held.map(([system, at]) => `${system}:${authority[at % authority.length]}`));
        for (const at of heldByAll) for (const system of systemsOf) holds.add(`${system}:${authority[at % authority.length]}`);
        const options = { maxDistance: 2, maxCandidates, minScore };
        const outOfAuthority = keys.filter(({ key }) => !authority.includes(key)).map(({ key, system }) => outside(key, system));
        const search = new ProbableMatchSearch({ outOfAuthority, downstream: systemsOf, holds: (system, k) => holds.has(`${system}:${k}`), rejected: new Set(), options });
        for (let start = 0; start < authority.length; start += chunk) search.offer(authority.slice(start, start + chunk));
        const expected = outOfAuthority.flatMap(({ key, sightings }) => {
          const own = sightings.map((sighting) => sighting.system);
          const ranked = candidatesOf(authority, key, 2).flatMap((found) => {
            const holders = own.filter((system) => holds.has(`${system}:${found.authorityKey}`));
            const peers = holders.length ? [] : systemsOf.filter((system) => !own.includes(system) && holds.has(`${system}:${found.authorityKey}`));
            const score = Math.round((holders.length ? found.score - 0.2 : peers.length ? Math.min(1, found.score + 0.1) : found.score) * 100) / 100;
            const why = holders.length ? `; ${holders.join(', ')} already holds it` : peers.length ? `; missing from ${own.join(', ')}, held by ${peers.join(', ')}` : '';
            return score >= minScore ? [{ authorityKey: found.authorityKey, score, kind: found.kind, reason: found.reason + why }] : [];
          });
          ranked.sort((a, b) => b.score - a.score || (a.authorityKey < b.authorityKey ? -1 : 1));
          return ranked.length ? [{ key, candidates: ranked.slice(0, maxCandidates) }] : [];
        });
        assert.deepEqual(search.results(), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a scan with a floor finds exactly the candidates of a full scan that score at least the floor', () => {
    const key = fc.string({ unit: fc.constantFrom(...'05S5O1-A'), minLength: 1, maxLength: 7 });
    const floors = [0, ...new Set(CANDIDATE_SCORES), 1];
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 12 }), fc.uniqueArray(key, { minLength: 1, maxLength: 30 }), fc.constantFrom(1, 1.5, 2), fc.constantFrom(...floors), (keys, authority, maxDistance, floor) => {
        const index = new MatchIndex(keys, maxDistance);
        for (const a of authority) {
          const all: string[] = [];
          const some: string[] = [];
          index.scan(a, (position, candidate) => candidate.score >= floor && all.push(`${position} ${candidate.reason}`));
          index.scan(a, (position, candidate) => some.push(`${position} ${candidate.reason}`), floor);
          assert.deepEqual(some.sort(), all.sort(), `${a} at floor ${floor}`);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('property: the edit candidates are exactly the keys the symmetric deletes reach, within the bound (docs/decisions.md §18)', () => {
    // Written plainly: every text with up to two characters removed from the key meets every
    // text with up to one removed from an authority key, or the two are equal with padding,
    // delimiters and confusables folded; a reached key counts when within the bound. The index
    // gets there by shortcuts (rebuilding the authority key from a deletion entry, one removal
    // with confusables folded for keys one shorter) that must change nothing. Few characters,
    // confusables and runs among them, so that near keys and shifts are common.
    const removals = (text: string, most: number): Set<string> => {
      let level = new Set([text]);
      const all = new Set(level);
      for (let n = 0; n < most; n++) {
        const next = new Set<string>();
        for (const t of level) for (let i = 0; i < t.length; i++) next.add(t.slice(0, i) + t.slice(i + 1));
        for (const t of next) all.add(t);
        level = next;
      }
      return all;
    };
    const folded = FORM.padding | FORM.delimiters | FORM.confusables;
    const key = fc.string({ unit: fc.constantFrom(...'05S5O1-A'), minLength: 1, maxLength: 7 });
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 40 }), key, fc.constantFrom(0.5, 1, 1.5, 2), (authority, asked, bound) => {
        const fromKey = removals(asked, 2);
        const expected = new Map<string, number>();
        if (/[A-Z0-9]/.test(asked)) {
          for (const candidate of authority) {
            const reached = formOf(candidate, folded) === formOf(asked, folded) || [...removals(candidate, 1)].some((t) => fromKey.has(t));
            const distance = referenceDistance(asked, candidate);
            if (candidate !== asked && reached && distance <= bound && distance < Math.min(asked.length, candidate.length)) expected.set(candidate, distance);
          }
        }
        const found = candidatesOf(authority, asked, bound);
        const reached = new Set(found.map((c) => c.authorityKey));
        for (const [candidate, distance] of expected) assert.ok(reached.has(candidate), `${asked} should reach ${candidate} (${distance}) within ${bound}`);
        for (const c of found.filter((c) => c.kind === 'edit')) assert.equal(c.reason, `edit distance ${expected.get(c.authorityKey)}`, `${asked} → ${c.authorityKey}`);
      }),
      { numRuns: 3000 },
    );
  });
});
