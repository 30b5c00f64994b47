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

/**
 * An out-of-authority key seen on one row only, as most are: one object where a key, a list
 * and a sighting take three (56 bytes against 144 in Node's heap, which does not compress
 * pointers: 93 MB less for the 1.1M such keys of 10M keys × 5). Its `sightings` are made when
 * read, and it turns into JSON as any other entry does.
 */
export class SingleSightingKey implements OutOfAuthorityKey {
  constructor(
    readonly key: NormalizedKey,
    private readonly system: SystemId,
    private readonly raw: string,
    private readonly line: RowLocator,
  ) {}

  get sightings(): readonly SystemSighting[] {
    return [{ system: this.system, raw: this.raw, line: this.line }];
  }

  toJSON(): OutOfAuthorityKey {
    return { key: this.key, sightings: this.sightings };
  }
}

/**
 * Adds a sighting to out-of-authority entries that come by key, a key's sightings in system
 * order: to the last entry when it is of the same key, else as a new entry.
 */
export function addOutOfAuthoritySighting(entries: OutOfAuthorityKey[], key: NormalizedKey, sighting: SystemSighting): void {
  const last = entries.at(-1);
  if (last?.key !== key) entries.push(new SingleSightingKey(key, sighting.system, sighting.raw, sighting.line));
  else if (last instanceof SingleSightingKey) entries[entries.length - 1] = { key, sightings: [...last.sightings, sighting] };
  // Lists of two or more sightings are only ever made above, so they can grow.
  else (last.sightings as SystemSighting[]).push(sighting);
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
  return combineFindings(authority, others.map((index) => findingsOf(authority, index)));
}

/**
 * What comparing keeps of one downstream system, taken from its index by one merge with the
 * authority's: the index can go as soon as this is made, while other sources are still being
 * read (run/compare-as-read.ts), instead of every index being held until the last is read.
 */
export interface SystemFindings {
  readonly system: SystemId;
  readonly size: number;
  /** Per authority key, in its index's order: 1 when the system holds it. */
  readonly inSystem: Uint8Array;
  /** The system's keys the authority lacks, in its index's order, as strings of their own (no view keeps the index's texts alive). */
  readonly outsideKeys: readonly NormalizedKey[];
  /** Their sightings, at the same places. */
  readonly outsideSightings: readonly (readonly SystemSighting[])[];
  readonly duplicates: readonly DuplicateGroup[];
}

export function findingsOf(authority: KeyIndex, index: KeyIndex): SystemFindings {
  const { inOther, onlyInOther } = mergeMatch(authority.data, index.data);
  const outsideKeys: NormalizedKey[] = [];
  const outsideSightings: SystemSighting[][] = [];
  // In ascending position, as the merge found them: the index's arrays are read in order.
  for (const position of onlyInOther) {
    outsideKeys.push(index.ownKeyAt(position));
    outsideSightings.push(index.ownSightingsAt(position).map(({ raw, line }) => ({ system: index.system, raw, line })));
  }
  return { system: index.system, size: index.size, inSystem: inOther, outsideKeys, outsideSightings, duplicates: duplicateGroups(index, true) };
}

/** The comparison of the authority with every downstream system, from each one's findings (in config order). */
export function combineFindings(authority: KeyIndex, others: readonly SystemFindings[]): IndexComparison {
  const presentIn = new Uint8Array(authority.size);
  for (const { inSystem } of others) for (let i = 0; i < presentIn.length; i++) presentIn[i]! += inSystem[i]!;
  const compared = others.length > 0;
  // Every gap list and the keys only in A are drawn from the authority keys some system lacks,
  // sorted by key once (in the normal mock data a ninth of A, not all of it).
  const missingSomewhere = new AuthorityKeysByKey(authority, (i) => presentIn[i]! < others.length);
  const gaps = new Map<SystemId, AuthorityKey[]>();
  for (const { system, inSystem } of others) gaps.set(system, missingSomewhere.where((i) => inSystem[i] === 0));
  const onlyInAuthority = compared ? missingSomewhere.where((i) => presentIn[i] === 0) : [];
  let keysInAllSystems = 0;
  if (compared) for (let i = 0; i < presentIn.length; i++) if (presentIn[i] === others.length) keysInAllSystems++;

  const outOfAuthority = collectOutOfAuthority(others);
  const uniqueKeys = authority.size + outOfAuthority.length;
  const bySystem: Record<SystemId, number> = {};
  for (const { system } of others) bySystem[system] = ratio(authority.size - gaps.get(system)!.length, authority.size);
  const discrepancies: Discrepancies = {
    authority: authority.system,
    systems: [authority.system, ...others.map(({ system }) => system)],
    comparedSystems: others.length,
    keyCounts: Object.fromEntries([[authority.system, authority.size], ...others.map(({ system, size }) => [system, size])]),
    gaps,
    outOfAuthority,
    onlyInAuthority,
    duplicates: [...duplicateGroups(authority, false), ...others.flatMap(({ duplicates }) => duplicates)],
    uniqueKeys,
    keysInAllSystems,
    matchRates: { overall: compared ? ratio(keysInAllSystems, uniqueKeys) : null, bySystem },
  };
  return { discrepancies, presence: new Map(others.map(({ system, inSystem }) => [system, inSystem])) };
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

/**
 * A comparison's groups as a run stores them (store/discrepancies-repo.ts): each system's
 * gaps, its share of the out-of-authority keys (its own sightings only) and its duplicates,
 * and the keys only in the authority.
 */
export interface StoredGroups {
  readonly gaps: ReadonlyMap<SystemId, readonly AuthorityKey[]>;
  readonly outOfAuthority: ReadonlyMap<SystemId, readonly { readonly key: NormalizedKey; readonly sightings: readonly Sighting[] }[]>;
  readonly duplicates: ReadonlyMap<SystemId, readonly { readonly key: NormalizedKey; readonly sightings: readonly Sighting[] }[]>;
  readonly onlyInAuthority?: readonly AuthorityKey[];
}

/**
 * The comparison a run stored, made whole again for a run that compares the same keys
 * (docs/decisions.md §22): equal, entry for entry, to what compareIndexes gives from the
 * indexes. `keyCounts` are each system's unique keys; `systems` the authority first, then the
 * others in config order. Undefined when a group the comparison always stores is missing.
 */
export function storedComparison(authority: KeyIndex, systems: readonly SystemId[], keyCounts: Readonly<Record<SystemId, number>>, groups: StoredGroups): Discrepancies | undefined {
  const others = systems.filter((system) => system !== authority.system);
  if (others.some((system) => !groups.gaps.has(system) || !groups.outOfAuthority.has(system)) || !systems.every((system) => groups.duplicates.has(system))) return undefined;
  const onlyInAuthority = others.length > 0 ? groups.onlyInAuthority : [];
  if (!onlyInAuthority) return undefined;
  const gaps = new Map(others.map((system) => [system, [...groups.gaps.get(system)!]]));
  // Keys some system lacks, once each: the rest are in every system.
  const missingSomewhere = distinctKeys([...gaps.values()]);
  const outOfAuthority = collectOutOfAuthority(
    others.map((system) => {
      const entries = groups.outOfAuthority.get(system)!;
      return { outsideKeys: entries.map(({ key }) => key), outsideSightings: entries.map(({ sightings }) => sightings.map(({ raw, line }) => ({ system, raw, line }))) };
    }),
  );
  const compared = others.length > 0;
  const keysInAllSystems = compared ? authority.size - missingSomewhere : 0;
  const uniqueKeys = authority.size + outOfAuthority.length;
  const bySystem: Record<SystemId, number> = {};
  for (const system of others) bySystem[system] = ratio(authority.size - gaps.get(system)!.length, authority.size);
  return {
    authority: authority.system,
    systems,
    comparedSystems: others.length,
    keyCounts,
    gaps,
    outOfAuthority,
    onlyInAuthority: [...onlyInAuthority],
    duplicates: systems.flatMap((system) => groups.duplicates.get(system)!.map(({ key, sightings }) => ({ system, key, sightings }))),
    uniqueKeys,
    keysInAllSystems,
    matchRates: { overall: compared ? ratio(keysInAllSystems, uniqueKeys) : null, bySystem },
  };
}

/**
 * How many distinct keys the lists hold together. Gap lists come sorted by key, each key once
 * (AuthorityKeysByKey), so they are merged, which at 1M keys × 5 took a fifth of the time a
 * set of their 444,444 keys did; lists found out of that order are counted by a set.
 */
function distinctKeys(lists: readonly (readonly AuthorityKey[])[]): number {
  const next = lists.map(() => 0);
  let distinct = 0;
  let last: NormalizedKey | undefined;
  for (;;) {
    let smallest: NormalizedKey | undefined;
    for (let l = 0; l < lists.length; l++) {
      const entry = lists[l]![next[l]!];
      if (entry !== undefined && (smallest === undefined || entry.key < smallest)) smallest = entry.key;
    }
    if (smallest === undefined) return distinct;
    // Taken in strictly ascending order unless a list is out of order or holds a key twice.
    if (last !== undefined && !(last < smallest)) return new Set(lists.flatMap((list) => list.map(({ key }) => key))).size;
    last = smallest;
    distinct++;
    for (let l = 0; l < lists.length; l++) if (lists[l]![next[l]!]?.key === smallest) next[l]!++;
  }
}

/** Keys of downstream systems the authority lacks, sorted by key; a key several systems hold is one entry, its sightings in system order. */
function collectOutOfAuthority(others: readonly Pick<SystemFindings, 'outsideKeys' | 'outsideSightings'>[]): OutOfAuthorityKey[] {
  const keys = others.flatMap(({ outsideKeys }) => outsideKeys);
  const sightingsOf = others.flatMap(({ outsideSightings }) => outsideSightings);
  // Items are numbered in system order, and equal keys come out by item number: sightings in
  // system order. The entries' lists are their own, leaving the findings as they were.
  const outOfAuthority: OutOfAuthorityKey[] = [];
  for (const item of textOrder(keys)) for (const sighting of sightingsOf[item]!) addOutOfAuthoritySighting(outOfAuthority, keys[item]!, sighting);
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
