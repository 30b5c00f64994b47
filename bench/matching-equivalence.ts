/**
 * `node bench/run-bundled.mjs bench/matching-equivalence.ts`: fingerprints of probable
 * matching's results on the speed bench's keys (100,000 out-of-authority keys against
 * 1,000,000 authority keys, bench/matching-speed.ts), to show that a change to the search
 * changes no result: one SHA-256 each over the raw candidates (key, authority key, kind,
 * score, reason) at edit bounds 1, 1.5 and 2, and over the ranked matches at min_score 0.85
 * and 0.65, where a system holding a candidate or missing it moves its score (common keys
 * held by some downstream systems, then by all). Run it before
 * and after; every line must be equal (bench/results/matching.md).
 */
import { createHash } from 'node:crypto';
import { MatchIndex } from '../sdk/src/core/match-index.js';
import { ProbableMatchSearch } from '../sdk/src/core/probable-match.js';
import { DOWNSTREAM as downstream, matchingKeys } from './matching-keys.js';

const { authority, outside, common } = matchingKeys(1_000_000, 100_000);
// Keys seen in each downstream system in turn, and E holding no authority key, so that both the
// penalty (held by the key's own system) and the bonus (held only by others) occur.
const outOfAuthority = outside.map((k, i) => ({ key: k, sightings: [{ system: downstream[i % 4]!, raw: k, line: 2 }] }));
const held = Uint8Array.from(authority, (k) => (common.has(k) ? 1 : 0));
for (const bound of [1, 1.5, 2]) {
  const hash = createHash('sha256');
  let lines = 0;
  const index = new MatchIndex(outside, bound);
  const per: string[][] = outside.map(() => []);
  for (const a of authority) index.scan(a, (p, c) => per[p]!.push(`${outside[p]}\t${a}\t${c.kind}\t${c.score}\t${c.reason}`));
  for (const found of per) {
    found.sort();
    lines += found.length;
    for (const line of found) hash.update(line + '\n');
  }
  console.log(`raw bound ${bound}: ${lines} ${hash.digest('hex')}`);
}
// E holding no authority key: the common keys are held by some downstream systems, the rest by
// none. Then every system holding the common keys, as the speed bench has it: held by all.
const holdings = [
  { label: '', holds: (system: string, position: number) => held[position] === 1 && system !== 'E' },
  { label: ', common keys held by all', holds: (_system: string, position: number) => held[position] === 1 },
];
for (const { label, holds } of holdings) {
  for (const minScore of [0.85, 0.65]) {
    const search = new ProbableMatchSearch({
      outOfAuthority,
      downstream,
      holds: (system, _key, position) => holds(system, position),
      rejected: new Set(),
      options: { maxDistance: 2, maxCandidates: 3, minScore },
    });
    for (let start = 0; start < authority.length; start += 5000) search.offer(authority.slice(start, start + 5000));
    const matches = search.results();
    console.log(`ranked ${minScore}${label}: ${matches.length} ${createHash('sha256').update(JSON.stringify(matches)).digest('hex')}`);
  }
}
