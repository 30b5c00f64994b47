/**
 * Re-keying the registry after the normalisation rules changed: pure. Each entry's key is
 * recomputed from its stored source key. Decisions carry over; nothing is merged silently:
 * two decided entries landing on one key are a collision, which stops the whole re-keying.
 * A proposal landing on a key that another entry keeps is superseded: it is the same key,
 * proposed again only because the rules changed. Among proposals alone, the one already
 * under that key (else the oldest) keeps it.
 */
import type { MasterKeyRecord } from './records.js';
import type { Normalizer } from './normalize.js';
import type { NormalizedKey } from './types.js';

/** A registry entry whose normalised key changes under the current rules. */
export interface KeyMove {
  readonly id: number;
  readonly masterKey: string;
  readonly from: NormalizedKey;
  readonly to: NormalizedKey;
}

/** A proposal removed because a decided entry now takes its key (`proposal_superseded`). */
export interface Superseded {
  readonly id: number;
  readonly masterKey: string;
  readonly key: NormalizedKey;
  /** The decided entry that takes the key. */
  readonly byId: number;
}

/** Decided entries that would land on one key: the re-keying is refused. */
export interface Collision {
  readonly key: NormalizedKey;
  readonly entries: readonly { readonly id: number; readonly masterKey: string; readonly from: NormalizedKey; readonly status: string }[];
}

/** What `ws.registry.renormalize()` changes, or would change with `dryRun`. */
export interface RenormalizePlan {
  readonly moves: readonly KeyMove[];
  readonly superseded: readonly Superseded[];
  readonly collisions: readonly Collision[];
}

export function planRenormalize(registry: readonly MasterKeyRecord[], normalize: Normalizer): RenormalizePlan {
  const byTarget = new Map<NormalizedKey, MasterKeyRecord[]>();
  for (const record of registry) {
    // A source key that leaves nothing under the new rules keeps the key it has.
    const target = normalize(record.sourceKey) || record.normalizedKey;
    const group = byTarget.get(target) ?? [];
    group.push(record);
    byTarget.set(target, group);
  }
  const moves: KeyMove[] = [];
  const superseded: Superseded[] = [];
  const collisions: Collision[] = [];
  for (const [target, group] of [...byTarget].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const decided = group.filter((record) => record.status !== 'proposed');
    if (decided.length > 1) {
      collisions.push({ key: target, entries: group.map((record) => ({ id: record.id, masterKey: record.masterKey, from: record.normalizedKey, status: record.status })) });
      continue;
    }
    const keeper = decided[0] ?? group.find((record) => record.normalizedKey === target) ?? group[0]!;
    for (const record of group) if (record !== keeper) superseded.push({ id: record.id, masterKey: record.masterKey, key: record.normalizedKey, byId: keeper.id });
    if (keeper.normalizedKey !== target) moves.push({ id: keeper.id, masterKey: keeper.masterKey, from: keeper.normalizedKey, to: target });
  }
  return { moves, superseded, collisions };
}

/** A key and the authority key it was linked to, or said not to match. */
export interface KeyPair {
  readonly normalizedKey: NormalizedKey;
  readonly authorityKey: NormalizedKey;
}

/** A link or a rejected pair whose keys change with the re-keying. */
export interface PairMove {
  readonly from: KeyPair;
  readonly to: KeyPair;
}

/**
 * Links (`linked_to`) and rejected pairs (`rejected_matches`) under the current rules, so a
 * re-keyed registry keeps them (docs/behaviour.md §10). The key side follows the registry's
 * own moves; the authority side stores no source key, so its stored (normalised) form is
 * normalised again — exact whenever the new rules only add rewriting (case, trimming,
 * delimiters), as a rules change usually does. Pairs that land on one pair become one.
 */
export function planPairMoves(pairs: readonly KeyPair[], moves: readonly KeyMove[], normalize: Normalizer): PairMove[] {
  const movedKey = new Map(moves.map((move) => [move.from, move.to]));
  const result: PairMove[] = [];
  for (const from of pairs) {
    const to = { normalizedKey: movedKey.get(from.normalizedKey) ?? from.normalizedKey, authorityKey: normalize(from.authorityKey) || from.authorityKey };
    if (to.normalizedKey !== from.normalizedKey || to.authorityKey !== from.authorityKey) result.push({ from, to });
  }
  return result;
}
