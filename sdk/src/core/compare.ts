/**
 * Comparison (docs/behaviour.md §4): pure. Every list comes out sorted, so identical inputs give
 * identical discrepancies and byte-identical reports.
 *
 * Each system's KeyIndex is sorted by key hash, so A is matched against each other
 * system by one linear merge over typed arrays; only the keys that end up in a
 * discrepancy are turned back into strings.
 */
import { sameKey, type KeyIndex, type KeyIndexData } from './key-index.js';
import { sortedByKey, textOrder } from './text-order.js';
import type { NormalizedKey, RowLocator, Sighting, SystemId, SystemSighting } from './types.js';

/** A key the authority holds, with the locator of its first row there (to open the source at it). */
export interface AuthorityKey {
  readonly key: NormalizedKey;
  readonly line: RowLocator;
}

/** A key that downstream systems hold and the authority does not, with every row it was seen on. */
export interface OutOfAuthorityKey {
  readonly key: NormalizedKey;
  /** Every raw form in every system that has the key, systems in config order. */
  readonly sightings: readonly SystemSighting[];
}

/** Several raw keys of one system that normalise to one key. */
export interface DuplicateGroup {
  readonly system: SystemId;
  readonly key: NormalizedKey;
  readonly sightings: readonly Sighting[];
}

/** Match rates as fractions from 0 to 1: overall (null when nothing was compared) and per downstream system. */
export interface MatchRates {
  /**
   * Keys in every present system ÷ all unique keys: the earlier tool's figure. Null when no
   * downstream system was compared: with the authority alone, 100 % would claim a match
   * nobody checked.
   */
  readonly overall: number | null;
  /** |A ∩ S| ÷ |A| per system: the figure people act on. */
  readonly bySystem: Readonly<Record<SystemId, number>>;
}

/** Everything a comparison of the authority against the other systems found. */
export interface Discrepancies {
  readonly authority: SystemId;
  /** Systems that took part in the run, authority first, then config order. */
  readonly systems: readonly SystemId[];
  /** Downstream systems compared with the authority; 0 means the run compared nothing. */
  readonly comparedSystems: number;
  readonly keyCounts: Readonly<Record<SystemId, number>>;
  /** gaps[S] = A − S, for every non-authority system (possibly empty). */
  readonly gaps: ReadonlyMap<SystemId, readonly AuthorityKey[]>;
  readonly outOfAuthority: readonly OutOfAuthorityKey[];
  /** Keys in A and in no other system; empty when no other system was compared. */
  readonly onlyInAuthority: readonly AuthorityKey[];
  readonly duplicates: readonly DuplicateGroup[];
  readonly uniqueKeys: number;
  /** 0 when no other system was compared. */
  readonly keysInAllSystems: number;
  readonly matchRates: MatchRates;
}

export function compareSystems(authority: KeyIndex, others: readonly KeyIndex[]): Discrepancies {
  return compareIndexes(authority, others).discrepancies;
}

/** A comparison, and which authority keys each downstream system holds. */
export interface IndexComparison {
  readonly discrepancies: Discrepancies;
  /** Per downstream system, per authority key in its index's order: 1 when the system holds it (probable matching scores by it). */
  readonly presence: ReadonlyMap<SystemId, Uint8Array>;
}

/** compareSystems, keeping the merges' per-key presence, which the node engine's matching reads again. */
export function compareIndexes(authority: KeyIndex, others: readonly KeyIndex[]): IndexComparison {
  const a = authority.data;
  const presentIn = new Uint8Array(a.hashes.length);
  const matches = others.map((index) => {
    const match = mergeMatch(a, index.data);
    for (let i = 0; i < presentIn.length; i++) presentIn[i]! += match.inOther[i]!;
    return match;
  });
  const compared = others.length > 0;
  // Every gap list and the keys only in A are drawn from the authority keys some system lacks,
  // sorted by key once (in the normal mock data a ninth of A, not all of it).
  const missingSomewhere = new AuthorityKeysByKey(authority, (i) => presentIn[i]! < others.length);
  const gaps = new Map<SystemId, AuthorityKey[]>();
  others.forEach((index, n) => gaps.set(index.system, missingSomewhere.where((i) => matches[n]!.inOther[i] === 0)));
  const onlyInAuthority = compared ? missingSomewhere.where((i) => presentIn[i] === 0) : [];
  let keysInAllSystems = 0;
  if (compared) for (let i = 0; i < presentIn.length; i++) if (presentIn[i] === others.length) keysInAllSystems++;

  const outOfAuthority = collectOutOfAuthority(others.map((index, n) => ({ index, positions: matches[n]!.onlyInOther })));
  const uniqueKeys = authority.size + outOfAuthority.length;
  const systems = [authority, ...others];
  const bySystem: Record<SystemId, number> = {};
  for (const index of others) bySystem[index.system] = ratio(authority.size - gaps.get(index.system)!.length, authority.size);
  const discrepancies: Discrepancies = {
    authority: authority.system,
    systems: systems.map((index) => index.system),
    comparedSystems: others.length,
    keyCounts: Object.fromEntries(systems.map((index) => [index.system, index.size])),
    gaps,
    outOfAuthority,
    onlyInAuthority,
    duplicates: [...duplicateGroups(authority, false), ...others.flatMap((index) => duplicateGroups(index, true))],
    uniqueKeys,
    keysInAllSystems,
    matchRates: { overall: compared ? ratio(keysInAllSystems, uniqueKeys) : null, bySystem },
  };
  return { discrepancies, presence: new Map(others.map((index, n) => [index.system, matches[n]!.inOther])) };
}

interface Match {
  /** Per authority key: 1 when the other system has it. */
  readonly inOther: Uint8Array;
  /** Positions of the other system's keys the authority lacks. */
  readonly onlyInOther: number[];
}

/** One merge over two hash-sorted indexes; equal hashes are settled by comparing the keys. */
function mergeMatch(a: KeyIndexData, b: KeyIndexData): Match {
  const inOther = new Uint8Array(a.hashes.length);
  const onlyInOther: number[] = [];
  let i = 0;
  let j = 0;
  while (j < b.hashes.length) {
    if (i >= a.hashes.length || b.hashes[j]! < a.hashes[i]!) {
      onlyInOther.push(j++);
      continue;
    }
    if (a.hashes[i]! < b.hashes[j]!) {
      i++;
      continue;
    }
    const hash = a.hashes[i]!;
    let aEnd = i + 1;
    while (aEnd < a.hashes.length && a.hashes[aEnd] === hash) aEnd++;
    for (; j < b.hashes.length && b.hashes[j] === hash; j++) {
      let found = -1;
      for (let k = i; k < aEnd && found < 0; k++) if (sameKey(a, k, b, j)) found = k;
      if (found >= 0) inOther[found] = 1;
      else onlyInOther.push(j);
    }
    i = aEnd;
  }
  return { inOther, onlyInOther };
}

/** Authority keys at the positions a filter selects, sorted by key, each made once for every list drawn from them. */
class AuthorityKeysByKey {
  private readonly positions: Int32Array;
  private readonly keys: AuthorityKey[];

  constructor(authority: KeyIndex, keep: (position: number) => boolean) {
    const positions: number[] = [];
    const keys: AuthorityKey[] = [];
    // Made in position order, so the index's arrays are read in order, then sorted.
    for (let i = 0; i < authority.size; i++) {
      if (!keep(i)) continue;
      positions.push(i);
      keys.push({ key: authority.keyAt(i), line: authority.locatorAt(i) });
    }
    const order = textOrder(keys.map(({ key }) => key));
    this.positions = order.map((item) => positions[item]!);
    this.keys = Array.from(order, (item) => keys[item]!);
  }

  /** Those of the keys whose positions `keep` selects, still sorted by key. */
  where(keep: (position: number) => boolean): AuthorityKey[] {
    const kept: AuthorityKey[] = [];
    for (let i = 0; i < this.positions.length; i++) if (keep(this.positions[i]!)) kept.push(this.keys[i]!);
    return kept;
  }
}

/** Keys of downstream systems the authority lacks, sorted by key; a key several systems hold is one entry, its sightings in system order. */
function collectOutOfAuthority(outside: readonly { index: KeyIndex; positions: readonly number[] }[]): OutOfAuthorityKey[] {
  const keys: NormalizedKey[] = [];
  const sightingsOf: SystemSighting[][] = [];
  // In ascending position per system, as the merge found them: an index's arrays are then read
  // in order, not at random. Strings of their own: the downstream indexes are let go after
  // comparing (run/engine-stage.ts), and a view into one's texts would keep them alive.
  for (const { index, positions } of outside) {
    for (const position of positions) {
      keys.push(index.ownKeyAt(position));
      sightingsOf.push(index.ownSightingsAt(position).map(({ raw, line }) => ({ system: index.system, raw, line })));
    }
  }
  // Items are numbered in system order, and equal keys come out by item number: sightings in system order.
  const outOfAuthority: { key: NormalizedKey; sightings: SystemSighting[] }[] = [];
  for (const item of textOrder(keys)) {
    const last = outOfAuthority[outOfAuthority.length - 1];
    if (last?.key === keys[item]) last.sightings.push(...sightingsOf[item]!);
    else outOfAuthority.push({ key: keys[item]!, sightings: sightingsOf[item]! });
  }
  return outOfAuthority;
}

/** A system's duplicate groups, sorted by key; with `own`, as strings of their own (a downstream index is let go after comparing). */
function duplicateGroups(index: KeyIndex, own: boolean): DuplicateGroup[] {
  return sortedByKey(
    index.data.duplicates.map(([position]) => ({
      system: index.system,
      key: own ? index.ownKeyAt(position) : index.keyAt(position),
      sightings: own ? index.ownSightingsAt(position) : index.sightingsAt(position),
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
