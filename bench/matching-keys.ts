/**
 * The keys the matching benches use (docs/behaviour.md §8, §10): the authority's keys of the
 * normal scenario (seed 42), sorted as a KeyIndex lists them, and out-of-authority keys that
 * are `match-variants` of common keys followed by the scenario's own (new numbers among the
 * authority's); `common` are the authority keys every downstream system holds.
 */
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../sdk/src/core/normalize.js';
import { familyOf } from '../sdk/src/mock/key-families.js';
import { planKeys } from '../sdk/src/mock/key-plan.js';
import { planMatchVariants } from '../sdk/src/mock/match-variants.js';
import { createRandom } from '../sdk/src/mock/random.js';
import { SCENARIOS } from '../sdk/src/mock/scenarios.js';

export const DOWNSTREAM = ['B', 'C', 'D', 'E'];

export function matchingKeys(authorityCount: number, outsideCount: number): { authority: string[]; outside: string[]; common: Set<string> } {
  const plan = planKeys(authorityCount, SCENARIOS.normal, DOWNSTREAM.length, createRandom(42));
  const width = Math.max(7, String(plan.universe).length);
  const normalize = compileNormalizer(DEFAULT_NORMALIZE_RULES);
  const key = (id: number) => normalize(familyOf(id).format(id, width));
  const authority = [...plan.common, ...plan.onlyInAuthority].map(key).sort();
  const variants = planMatchVariants(plan, DOWNSTREAM, width, DEFAULT_NORMALIZE_RULES, createRandom(7));
  const outside = [...variants.truth.map((row) => normalize(row.raw)), ...plan.outsideBySystem.flatMap((ids) => [...ids].map(key))].slice(0, outsideCount);
  return { authority, outside, common: new Set([...plan.common].map(key)) };
}
