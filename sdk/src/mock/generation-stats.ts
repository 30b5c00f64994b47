/**
 * `generation_stats.json`, written beside the mock data as the earlier tool did: what was
 * generated and what the plan implies, so a demo's measured figures can be checked against
 * it. Pure: the generator writes the text.
 */
import { KEY_FAMILIES, familyOf } from './key-families.js';
import type { KeyPlan } from './key-plan.js';
import { DIRTY_RATES, type FailureInjection, type Scenario, type ScenarioShares } from './scenarios.js';

export const GENERATION_STATS_NAME = 'generation_stats.json';

export interface GenerationStatsInput {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly keys: number;
  readonly plan: KeyPlan;
  readonly shares: ScenarioShares;
  readonly failures: readonly FailureInjection[];
  readonly systems: readonly { readonly system: string; readonly file: string; readonly keys: number; readonly rows: number }[];
  readonly plannedMatchRates: { readonly overall: number; readonly perSystem: number };
}

export function generationStatsText(input: GenerationStatsInput): string {
  const keysByFamily = new Map(KEY_FAMILIES.map((family) => [family.name, 0]));
  for (let id = 1; id <= input.plan.universe; id++) {
    const { name } = familyOf(id);
    keysByFamily.set(name, keysByFamily.get(name)! + 1);
  }
  const stats = {
    generator: 'keysync --generate-data',
    scenario: input.scenario,
    seed: input.seed,
    keys: { authority: input.keys, universe: input.plan.universe },
    families: KEY_FAMILIES.map((family) => ({ name: family.name, example: family.example, keys: keysByFamily.get(family.name) })),
    systems: input.systems,
    plannedShares: input.shares,
    plannedMatchRates: input.plannedMatchRates,
    dirtyRates: DIRTY_RATES,
    failures: input.failures,
  };
  return `${JSON.stringify(stats, null, 2)}\n`;
}
