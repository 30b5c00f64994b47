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
import type { ComparedKeys } from '../core/run-inputs.js';
import type { KeyIndex } from '../core/key-index.js';
import { findResolved } from '../core/provision.js';
import { hasSortedKey } from '../core/text-order.js';
import type { NormalizedKey, SystemId } from '../core/types.js';
import type { PushdownComparison } from '../sources/pushdown/pushdown-read.js';
import type { SourcesRead } from '../sources/read-all.js';
import type { SnapshotRef } from '../store/snapshots.js';

export interface RunRead {
  readonly sources: Pick<SourcesRead, 'outcomes' | 'badRows' | 'skipped'>;
  /** Systems taken from their incremental snapshot rather than read. */
  readonly fromSnapshot: ReadonlySet<SystemId>;
  /** The given keys the authority holds. */
  authorityHolds(keys: readonly NormalizedKey[]): Promise<NormalizedKey[]>;
  /**
   * Every authority key, chunk by chunk, for matching: an engine that keeps the keys out of
   * the process (duckdb, postgres) streams them, by key, and the caller keeps none (docs/decisions.md §18).
   * Asked for the keys `lacked by some` downstream system only, a pushdown engine gives those
   * from its gap lists, by key, with no query; the node engine gives every key all the same,
   * in its index's order, which `holdsLookup`'s positions follow.
   */
  streamAuthorityKeys(onChunk: (keys: readonly NormalizedKey[]) => void, keys: AuthorityKeysWanted): Promise<void>;
  /** Out-of-authority keys matched in one pass: each pass indexes that many and streams the authority's keys past them again. */
  readonly matchPassKeys: number;
  /**
   * For one matching pass: whether a downstream system holds an authority key, the one at
   * `position` in `streamAuthorityKeys`' order (counted over all chunks), asked key after key
   * in that order. What the lookup builds goes with it once the pass is over.
   */
  holdsLookup(): HoldsLookup;
  /** The snapshot files this run wrote (the node engine's, docs/decisions.md §10): the commit stores them, a run that does not commit removes them. */
  readonly snapshots: readonly SnapshotRef[];
  /**
   * Stored snapshots this run took for a source file that changed while its keys did not
   * (docs/decisions.md §22), under the file's new fingerprint: the commit stores them; their
   * files are an earlier run's, so a run that does not commit leaves them.
   */
  readonly repointedSnapshots: readonly SnapshotRef[];
  /** Which snapshot content each system's keys were compared from, where named (the node engine's; none for a pushdown engine). */
  readonly comparedKeys?: ComparedKeys;
}

/** Which authority keys matching needs: all, or only those some downstream system lacks (docs/decisions.md §18). */
export type AuthorityKeysWanted = 'all' | 'lacked by some';

/** Whether a downstream system holds an authority key (`position`: its place in the stream). */
export type HoldsLookup = (system: SystemId, authorityKey: NormalizedKey, position: number) => boolean;

/** Authority keys per chunk the node engine streams: its KeyIndex holds them all already, so the chunk only bounds the strings made at once. */
const AUTHORITY_CHUNK = 8192;

/** What the node engine's later stages need of its read: the authority's index, and what reading found of every source. */
export interface NodeRead {
  readonly authority: KeyIndex;
  readonly sources: Pick<SourcesRead, 'outcomes' | 'badRows' | 'skipped'>;
  /** Every system compared, authority first, then config order. */
  readonly systems: readonly SystemId[];
  readonly fromSnapshot: ReadonlySet<SystemId>;
  /** Snapshot files written (RunRead.snapshots) and references repointed (RunRead.repointedSnapshots). */
  readonly written: readonly SnapshotRef[];
  readonly repointed: readonly SnapshotRef[];
  /** The snapshot content each system's keys came from or went into, where named (ReadStageResult.contentIds). */
  readonly contentIds: ReadonlyMap<SystemId, string>;
}

/**
 * The node engine's read: everything from the authority's KeyIndex. `presence` says which
 * system holds each authority key, by position (streamAuthorityKeys() gives them in the
 * index's order): the comparison's own merges, instead of a lookup per candidate; asked for
 * once, when matching first needs it. Nothing here keeps a downstream system's index, so it
 * goes once compared (docs/decisions.md §7).
 */
export function nodeRunRead(read: NodeRead, presence: () => ReadonlyMap<SystemId, Uint8Array>): RunRead {
  const { authority, sources } = read;
  let held: ReadonlyMap<SystemId, Uint8Array> | undefined;
  return {
    sources: { outcomes: sources.outcomes, badRows: sources.badRows, skipped: sources.skipped },
    fromSnapshot: read.fromSnapshot,
    snapshots: read.written,
    repointedSnapshots: read.repointed,
    comparedKeys: { authority: authority.system, systems: read.systems, contents: Object.fromEntries(read.contentIds) },
    authorityHolds: async (keys) => findResolved(keys, (key) => authority.has(key)),
    streamAuthorityKeys: async (onChunk) => {
      for (let start = 0; start < authority.size; start += AUTHORITY_CHUNK) {
        const end = Math.min(authority.size, start + AUTHORITY_CHUNK);
        onChunk(Array.from({ length: end - start }, (_, i) => authority.keyAt(start + i)));
      }
    },
    holdsLookup: () => {
      held ??= presence();
      const map = held;
      return (system, _key, position) => map.get(system)?.[position] === 1;
    },
    // The node engine holds every key in memory anyway: one index over all out-of-authority keys.
    matchPassKeys: Infinity,
  };
}

/**
 * Which authority keys each downstream system holds, by the authority index's positions, from
 * the comparison's gap lists: for a comparison made without merging the indexes (run/carried-comparison.ts).
 */
export function presenceFromGaps(authority: KeyIndex, gaps: ReadonlyMap<SystemId, readonly AuthorityKey[]>): ReadonlyMap<SystemId, Uint8Array> {
  return new Map(
    [...gaps].map(([system, keys]) => {
      const holds = new Uint8Array(authority.size).fill(1);
      for (const { key } of keys) {
        const position = authority.find(key);
        if (position >= 0) holds[position] = 0;
      }
      return [system, holds] as const;
    }),
  );
}

/**
 * Out-of-authority keys per matching pass of a pushdown engine, whose memory must follow the
 * discrepancies: an index of about 80 MB sealed, up to 250 MB of ArrayBuffers while it is built
 * (measured at 10M keys × 5, docs/decisions.md §18).
 */
const PUSHDOWN_MATCH_PASS_KEYS = 262_144;

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
    streamAuthorityKeys: (onChunk, keys) => (keys === 'all' ? comparison.streamAuthorityKeys(onChunk) : streamGapKeys(discrepancies.gaps, onChunk)),
    holdsLookup: () => holdsFromGaps(discrepancies.gaps),
    matchPassKeys: PUSHDOWN_MATCH_PASS_KEYS,
    snapshots: [],
    repointedSnapshots: [],
  };
}

/**
 * Every key of some gap list, once, in the lists' order (by key): one merge of the sorted lists.
 * It lets the event loop in between chunks, as a stream from the engine would.
 */
async function streamGapKeys(gaps: ReadonlyMap<SystemId, readonly AuthorityKey[]>, onChunk: (keys: readonly NormalizedKey[]) => void): Promise<void> {
  const lists = [...gaps.values()];
  const next = lists.map(() => 0);
  let chunk: NormalizedKey[] = [];
  for (;;) {
    // Plain index loops: this runs once per gap key and pass, millions of times at 10M keys.
    let least: NormalizedKey | undefined;
    for (let i = 0; i < lists.length; i++) {
      const key = lists[i]![next[i]!]?.key;
      if (key !== undefined && (least === undefined || key < least)) least = key;
    }
    if (least === undefined) break;
    for (let i = 0; i < lists.length; i++) if (lists[i]![next[i]!]?.key === least) next[i]!++;
    chunk.push(least);
    if (chunk.length === AUTHORITY_CHUNK) {
      onChunk(chunk);
      chunk = [];
      await new Promise(setImmediate);
    }
  }
  if (chunk.length > 0) onChunk(chunk);
}

/**
 * Whether a downstream system holds an authority key, from the gap lists. Matching asks it of
 * every authority key for every system (40M questions at 10M keys × 5), key after key in the
 * order the engine streams them, which is the lists' order (by key) but where byte and UTF-16
 * order differ: so each list has a cursor that moves forward with the keys, and nothing is
 * built. (A map from every gap key to the systems lacking it, made for each pass, held 47 MB
 * for the 1.1M gap keys of 10M keys × 5.)
 */
function holdsFromGaps(gaps: ReadonlyMap<SystemId, readonly AuthorityKey[]>): HoldsLookup {
  const cursors = new Map([...gaps].map(([system, list]) => [system, new GapCursor(list)]));
  return (system, key) => {
    const cursor = cursors.get(system);
    return cursor !== undefined && !cursor.lacks(key);
  };
}

/** Whether keys, asked in ascending order, are in one gap list (sorted by key). */
class GapCursor {
  /** The first entry not below the last key asked in order. */
  private next = 0;
  /** A key is asked about several times in a row (once per holder question): the last answer is kept. */
  private lastKey: NormalizedKey | undefined;
  private lastLacks = false;

  constructor(private readonly list: readonly AuthorityKey[]) {}

  lacks(key: NormalizedKey): boolean {
    if (key === this.lastKey) return this.lastLacks;
    this.lastKey = key;
    const { list } = this;
    let at = this.next;
    // Out of order (a key past U+FFFF after one from U+E000 to U+FFFF): searched, the cursor stays.
    if (at > 0 && !(list[at - 1]!.key < key)) return (this.lastLacks = hasSortedKey(list, key));
    while (at < list.length && list[at]!.key < key) at++;
    this.next = at;
    return (this.lastLacks = at < list.length && list[at]!.key === key);
  }
}
