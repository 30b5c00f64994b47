/**
 * What the stages after comparison need of the sources, whichever engine read them
 * (docs/behaviour.md §11): outcomes, bad rows and left-out systems for the summary and the
 * reports, and three questions about keys — which pending keys the authority holds now
 * (resolving proposals), every authority key (streamed past the match index), and whether a downstream
 * system holds an authority key (scoring a candidate). The node engine answers from the
 * authority's KeyIndex and the comparison's merges; the pushdown engines (duckdb, postgres)
 * from SQL and their discrepancies, holding no index.
 */
import type { AuthorityKey, Discrepancies } from '../core/compare.js';
import { findResolved } from '../core/provision.js';
import { hasSortedKey } from '../core/text-order.js';
import type { NormalizedKey, SystemId } from '../core/types.js';
import type { PushdownComparison } from '../sources/pushdown/pushdown-read.js';
import type { SourcesRead } from '../sources/read-all.js';
import type { SnapshotRef } from '../store/snapshots.js';
import type { ReadStageResult } from './read-stage.js';

export interface RunRead {
  readonly sources: Pick<SourcesRead, 'outcomes' | 'badRows' | 'skipped'>;
  /** Systems taken from their incremental snapshot rather than read. */
  readonly fromSnapshot: ReadonlySet<SystemId>;
  /** The given keys the authority holds. */
  authorityHolds(keys: readonly NormalizedKey[]): Promise<NormalizedKey[]>;
  /**
   * Every authority key, chunk by chunk, for matching: an engine that keeps the keys out of
   * the process (duckdb) streams them, and the caller keeps none (docs/decisions.md §18).
   */
  streamAuthorityKeys(onChunk: (keys: readonly NormalizedKey[]) => void): Promise<void>;
  /**
   * For one matching pass: whether a downstream system holds an authority key, the one at
   * `position` in `streamAuthorityKeys`' order (counted over all chunks). What the lookup
   * builds goes with it once the pass is over.
   */
  holdsLookup(): HoldsLookup;
  /** The snapshot files this run wrote (the node engine's, docs/decisions.md §10): the commit stores them, a run that does not commit removes them. */
  readonly snapshots: readonly SnapshotRef[];
}

/** Whether a downstream system holds an authority key (`position`: its place in the stream). */
export type HoldsLookup = (system: SystemId, authorityKey: NormalizedKey, position: number) => boolean;

/** Authority keys per chunk the node engine streams: its KeyIndex holds them all already, so the chunk only bounds the strings made at once. */
const AUTHORITY_CHUNK = 8192;

/**
 * The node engine's read: everything from the authority's KeyIndex. `presence` says which
 * system holds each authority key, by position (streamAuthorityKeys() gives them in the
 * index's order): the comparison's own merges, instead of a lookup per candidate. Nothing here
 * keeps a downstream system's index, so it goes once compared (docs/decisions.md §7).
 */
export function nodeRunRead(read: ReadStageResult, presence: ReadonlyMap<SystemId, Uint8Array>, snapshots: readonly SnapshotRef[]): RunRead {
  const { authority, outcomes, badRows, skipped } = read.sources;
  return {
    sources: { outcomes, badRows, skipped },
    fromSnapshot: read.fromSnapshot,
    snapshots,
    authorityHolds: async (keys) => findResolved(keys, (key) => authority.has(key)),
    streamAuthorityKeys: async (onChunk) => {
      for (let start = 0; start < authority.size; start += AUTHORITY_CHUNK) {
        const end = Math.min(authority.size, start + AUTHORITY_CHUNK);
        onChunk(Array.from({ length: end - start }, (_, i) => authority.keyAt(start + i)));
      }
    },
    holdsLookup: () => (system, _key, position) => presence.get(system)?.[position] === 1,
  };
}

/**
 * A pushdown engine's read (duckdb, postgres): the authority's keys stay in the engine. A
 * downstream system holds an authority key exactly when the key is not among its gaps, which
 * the discrepancies list. No snapshots: these engines run full (docs/behaviour.md §11).
 */
export function pushdownRunRead(comparison: PushdownComparison, discrepancies: Discrepancies): RunRead {
  return {
    sources: comparison,
    fromSnapshot: new Set(),
    authorityHolds: (keys) => comparison.authorityHolds(keys),
    streamAuthorityKeys: (onChunk) => comparison.streamAuthorityKeys(onChunk),
    holdsLookup: () => holdsFromGaps(discrepancies.gaps),
    snapshots: [],
  };
}

/** Downstream systems a bit each can tell apart in one number. */
const MOST_SYSTEMS_BY_BIT = 30;

/**
 * Whether a downstream system holds an authority key, from the gap lists. Matching asks it of
 * every authority key for every system (40M questions at 10M keys × 5), so it is one map from
 * each key some system lacks to the systems that lack it (a bit each), asked once per key, made
 * for the pass and gone with it: a set of each system's gap keys held to the end of the run
 * took 160 MB at 10M, and a binary search in the sorted lists was slower than both. Past 30
 * downstream systems the lists are searched.
 */
function holdsFromGaps(gaps: ReadonlyMap<SystemId, readonly AuthorityKey[]>): HoldsLookup {
  if (gaps.size > MOST_SYSTEMS_BY_BIT) {
    return (system, key) => {
      const list = gaps.get(system);
      return list !== undefined && !hasSortedKey(list, key);
    };
  }
  const bitOf = new Map([...gaps.keys()].map((system, place) => [system, 1 << place]));
  const lacking = new Map<NormalizedKey, number>();
  for (const [system, list] of gaps) {
    const bit = bitOf.get(system)!;
    for (const { key } of list) lacking.set(key, (lacking.get(key) ?? 0) | bit);
  }
  let lastKey: NormalizedKey | undefined;
  let lastLacking = 0;
  return (system, key) => {
    const bit = bitOf.get(system);
    if (bit === undefined) return false;
    if (key !== lastKey) {
      lastKey = key;
      lastLacking = lacking.get(key) ?? 0;
    }
    return (lastLacking & bit) === 0;
  };
}
