/** Which key ids each system holds, from a scenario's shares. Pure given the random source. */
import type { Random } from './random.js';
import type { ScenarioShares } from './scenarios.js';

export interface KeyPlan {
  /** Distinct keys across all systems. */
  readonly universe: number;
  /** In the authority and in every other system. */
  readonly common: Uint32Array;
  readonly onlyInAuthority: Uint32Array;
  /** Keys outside the authority, one array per downstream system (config order). */
  readonly outsideBySystem: readonly Uint32Array[];
}

/** `authorityKeys` keys in the authority; the universe is sized so the shares hold. */
export function planKeys(authorityKeys: number, shares: ScenarioShares, downstreamCount: number, random: Random): KeyPlan {
  const universeTarget = Math.round(authorityKeys / (shares.common + shares.onlyInAuthority));
  const commonCount = Math.min(authorityKeys, Math.round(universeTarget * shares.common));
  const outsideCount = downstreamCount === 0 ? 0 : Math.max(0, universeTarget - authorityKeys);
  const universe = authorityKeys + outsideCount;

  // Ids are shuffled so a key's number says nothing about its category.
  const ids = new Uint32Array(universe);
  for (let i = 0; i < universe; i++) ids[i] = i + 1;
  random.shuffle(ids);

  const outside = ids.subarray(authorityKeys);
  const outsideBySystem = Array.from({ length: downstreamCount }, (_, system) =>
    outside.filter((_, position) => position % downstreamCount === system),
  );
  return {
    universe,
    common: ids.slice(0, commonCount),
    onlyInAuthority: ids.slice(commonCount, authorityKeys),
    outsideBySystem,
  };
}
