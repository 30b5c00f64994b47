/**
 * `npm run bench:matching-speed [authority keys] [out-of-authority keys] [min_score]`: the matching stage alone, in
 * process — the index over the out-of-authority keys, then the authority's keys streamed past
 * it — on the mock keys of bench/matching-keys.ts. Reports wall
 * and CPU time, since on a shared machine the wall time also counts waiting for a core. Runs
 * as one bundle (bench/run-bundled.mjs), as the product does.
 */
import { compareIndexes } from '../sdk/src/core/compare.js';
import { KeyIndex } from '../sdk/src/core/key-index.js';
import { ProbableMatchSearch } from '../sdk/src/core/probable-match.js';
import { DOWNSTREAM as downstream, matchingKeys } from './matching-keys.js';

const { authority: authorityKeys, outside, common } = matchingKeys(Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 100_000));
// The authority and a downstream system as the node engine holds them, built before the clock
// starts (reading is another stage): every downstream system holds the common keys.
const indexOf = (system: string, keys: Iterable<string>) => {
  const index = new KeyIndex(system);
  let line = 2;
  for (const key of keys) index.add(key, key, line++);
  return index;
};
const authorityIndex = indexOf('A', authorityKeys);
const commonIndex = indexOf('B', common);
// Which authority keys the downstream systems hold, by position: the comparison's merges give
// it to the match stage (run/engine-stage.ts), so it is made before the clock starts.
const held = compareIndexes(authorityIndex, [commonIndex]).presence.get('B')!;
// The stream's order is the index's, as the node engine walks it.
const authority = [...authorityIndex.keys()];
const outOfAuthority = outside.map((k) => ({ key: k, sightings: [{ system: 'B', raw: k, line: 2 }] }));
const CHUNK = 8192;
/** The config's default; lower, fewer authority keys can be passed over (docs/decisions.md §18). */
const minScore = Number(process.argv[4] ?? 0.85);

const wall = performance.now();
const cpu = process.cpuUsage();
const search = new ProbableMatchSearch({
  outOfAuthority,
  downstream,
  holds: (_system, _key, position) => held[position] === 1,
  rejected: new Set(),
  options: { maxDistance: 2, maxCandidates: 3, minScore },
});
const built = performance.now();
const builtCpu = process.cpuUsage(cpu);
// The authority's keys stream past the index in chunks, as the engines give them.
for (let start = 0; start < authority.length; start += CHUNK) search.offer(authority.slice(start, start + CHUNK));
const matches = search.results();
const done = performance.now();
const used = process.cpuUsage(cpu);
console.log(
  `${outOfAuthority.length.toLocaleString('en-US')} out-of-authority keys against ${authority.length.toLocaleString('en-US')} authority keys, min_score ${minScore}: ` +
    `index ${((built - wall) / 1000).toFixed(2)} s (CPU ${((builtCpu.user + builtCpu.system) / 1e6).toFixed(2)} s), matching ${((done - built) / 1000).toFixed(2)} s, ` +
    `wall ${((done - wall) / 1000).toFixed(2)} s, ` +
    `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s; ${matches.length.toLocaleString('en-US')} keys with a candidate.`,
);
