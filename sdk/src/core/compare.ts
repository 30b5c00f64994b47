/**
 * Comparison (SPEC §4): pure. Every list comes out sorted, so identical inputs give
 * identical discrepancies and byte-identical reports.
 */
import type { KeyIndex } from './key-index.js';
import type { NormalizedKey, Sighting, SystemId, SystemSighting } from './types.js';

export interface OutOfAuthorityKey {
  readonly key: NormalizedKey;
  /** Every raw form in every system that has the key, systems in config order. */
  readonly sightings: readonly SystemSighting[];
}

export interface DuplicateGroup {
  readonly system: SystemId;
  readonly key: NormalizedKey;
  readonly sightings: readonly Sighting[];
}

export interface MatchRates {
  /** Keys in every present system ÷ all unique keys: the earlier tool's figure. */
  readonly overall: number;
  /** |A ∩ S| ÷ |A| per system: the figure people act on. */
  readonly bySystem: Readonly<Record<SystemId, number>>;
}

export interface Discrepancies {
  readonly authority: SystemId;
  /** Systems that took part in the run, authority first, then config order. */
  readonly systems: readonly SystemId[];
  readonly keyCounts: Readonly<Record<SystemId, number>>;
  /** gaps[S] = A − S, for every non-authority system (possibly empty). */
  readonly gaps: ReadonlyMap<SystemId, readonly NormalizedKey[]>;
  readonly outOfAuthority: readonly OutOfAuthorityKey[];
  /** Keys in A and in no other system. */
  readonly onlyInAuthority: readonly NormalizedKey[];
  readonly duplicates: readonly DuplicateGroup[];
  readonly uniqueKeys: number;
  readonly keysInAllSystems: number;
  readonly matchRates: MatchRates;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareSystems(authority: KeyIndex, others: readonly KeyIndex[]): Discrepancies {
  const gaps = new Map<SystemId, NormalizedKey[]>(others.map((index) => [index.system, []]));
  const onlyInAuthority: NormalizedKey[] = [];
  let keysInAllSystems = 0;
  for (const key of authority.keys()) {
    let present = 0;
    for (const index of others) {
      if (index.has(key)) present++;
      else gaps.get(index.system)!.push(key);
    }
    if (present === others.length) keysInAllSystems++;
    if (present === 0) onlyInAuthority.push(key);
  }
  for (const list of gaps.values()) list.sort(byCodeUnit);
  onlyInAuthority.sort(byCodeUnit);

  const outOfAuthority = findOutOfAuthority(authority, others);
  const uniqueKeys = authority.size + outOfAuthority.length;
  const systems = [authority, ...others];
  const bySystem: Record<SystemId, number> = {};
  for (const index of others) {
    bySystem[index.system] = ratio(authority.size - gaps.get(index.system)!.length, authority.size);
  }
  return {
    authority: authority.system,
    systems: systems.map((index) => index.system),
    keyCounts: Object.fromEntries(systems.map((index) => [index.system, index.size])),
    gaps,
    outOfAuthority,
    onlyInAuthority,
    duplicates: findDuplicates(systems),
    uniqueKeys,
    keysInAllSystems,
    matchRates: { overall: ratio(keysInAllSystems, uniqueKeys), bySystem },
  };
}

function findOutOfAuthority(authority: KeyIndex, others: readonly KeyIndex[]): OutOfAuthorityKey[] {
  const sightingsByKey = new Map<NormalizedKey, SystemSighting[]>();
  for (const index of others) {
    for (const key of index.keys()) {
      if (authority.has(key)) continue;
      let sightings = sightingsByKey.get(key);
      if (!sightings) sightingsByKey.set(key, (sightings = []));
      for (const sighting of index.sightings(key)) sightings.push({ system: index.system, ...sighting });
    }
  }
  return [...sightingsByKey.keys()].sort(byCodeUnit).map((key) => ({ key, sightings: sightingsByKey.get(key)! }));
}

function findDuplicates(systems: readonly KeyIndex[]): DuplicateGroup[] {
  return systems.flatMap((index) =>
    [...index.duplicateKeys()].sort(byCodeUnit).map((key) => ({
      system: index.system,
      key,
      sightings: index.sightings(key),
    })),
  );
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** Σ over systems of |A − S|: the "Total Propagation Gaps" figure. */
export function totalGaps(discrepancies: Discrepancies): number {
  let total = 0;
  for (const keys of discrepancies.gaps.values()) total += keys.length;
  return total;
}
