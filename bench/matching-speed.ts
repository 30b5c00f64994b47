/**
 * `npm run bench:matching-speed [authority keys] [out-of-authority keys]`: the matching stage alone, in
 * process — index build plus candidates — on mock keys (docs/behaviour.md §8, §10): the
 * authority's keys of the normal scenario, and out-of-authority keys that are the scenario's
 * own (new numbers among the authority's) plus `match-variants` of common keys. Reports wall
 * and CPU time, since on a shared machine the wall time also counts waiting for a core. Runs
 * as one bundle (bench/run-bundled.mjs), as the product does.
 */
import { MatchIndex } from '../sdk/src/core/match-index.js';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../sdk/src/core/normalize.js';
import { findProbableMatches } from '../sdk/src/core/probable-match.js';
import { familyOf } from '../sdk/src/mock/key-families.js';
import { planKeys } from '../sdk/src/mock/key-plan.js';
import { planMatchVariants } from '../sdk/src/mock/match-variants.js';
import { createRandom } from '../sdk/src/mock/random.js';
import { SCENARIOS } from '../sdk/src/mock/scenarios.js';

const authorityCount = Number(process.argv[2] ?? 1_000_000);
const wanted = Number(process.argv[3] ?? 100_000);
const downstream = ['B', 'C', 'D', 'E'];
const plan = planKeys(authorityCount, SCENARIOS.normal, downstream.length, createRandom(42));
const width = Math.max(7, String(plan.universe).length);
const normalize = compileNormalizer(DEFAULT_NORMALIZE_RULES);
const key = (id: number) => normalize(familyOf(id).format(id, width));
const authority = [...plan.common, ...plan.onlyInAuthority].map(key).sort();
const variants = planMatchVariants(plan, downstream, width, DEFAULT_NORMALIZE_RULES, createRandom(7));
const outside = [...variants.truth.map((row) => normalize(row.raw)), ...plan.outsideBySystem.flatMap((ids) => [...ids].map(key))].slice(0, wanted);
const outOfAuthority = outside.map((k) => ({ key: k, sightings: [{ system: 'B', raw: k, line: 2 }] }));
const common = new Set([...plan.common].map(key));

const wall = performance.now();
const cpu = process.cpuUsage();
const index = new MatchIndex(authority, 2);
const built = performance.now();
// Which authority keys the downstream systems hold, by position, as the match stage has it
// from its merges (run/match-stage.ts): here every downstream system holds the common keys.
const held = Uint8Array.from(authority, (k) => (common.has(k) ? 1 : 0));
const matches = findProbableMatches({
  index,
  outOfAuthority,
  downstream,
  holds: (_system, _key, position) => held[position] === 1,
  rejected: new Set(),
  options: { maxDistance: 2, maxCandidates: 3, minScore: 0.85 },
});
const done = performance.now();
const used = process.cpuUsage(cpu);
console.log(
  `${outOfAuthority.length.toLocaleString('en-US')} out-of-authority keys against ${authority.length.toLocaleString('en-US')} authority keys: ` +
    `index ${((built - wall) / 1000).toFixed(2)} s, matching ${((done - built) / 1000).toFixed(2)} s, wall ${((done - wall) / 1000).toFixed(2)} s, ` +
    `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s; ${matches.length.toLocaleString('en-US')} keys with a candidate.`,
);
