/**
 * Probable matches (docs/behaviour.md §10): for each key outside the authority, the authority
 * keys it was most likely meant to be, ranked. Pure: the index over the out-of-authority keys
 * finds candidates as the authority's keys stream past it (core/match-index.ts); this ranks
 * them, lowers those a system holding the key already holds, drops pairs a person said are no
 * match, and keeps the best few.
 */
import type { OutOfAuthorityKey } from './compare.js';
import { CANDIDATE_SCORES, MATCH_SCORES, MatchIndex, roundScore, type MatchKind, type RawCandidate } from './match-index.js';
import type { NormalizedKey, SystemId } from './types.js';

/** The `matching` config as the match stage uses it (docs/behaviour.md §10). */
export interface MatchingOptions {
  readonly maxDistance: number;
  readonly maxCandidates: number;
  /** Candidates scoring below this (after the penalty) are not suggested. */
  readonly minScore: number;
}

/** One authority key an out-of-authority key may have been meant to be, with its score and reason. */
export interface Candidate {
  readonly authorityKey: NormalizedKey;
  readonly score: number;
  readonly kind: MatchKind;
  /** In words, for the report: `padding`, `edit distance 1`, `missing prefix segment`, …; says which system already holds it. */
  readonly reason: string;
}

/** An out-of-authority key and its candidates, as the `probable_matches` report lists them. */
export interface ProbableMatch {
  readonly key: NormalizedKey;
  /** Best first; ties by authority key. */
  readonly candidates: readonly Candidate[];
}

export interface MatchRequest {
  readonly outOfAuthority: readonly OutOfAuthorityKey[];
  /** The downstream systems compared in the run. */
  readonly downstream: readonly SystemId[];
  /**
   * Whether a downstream system holds an authority key (the candidate, under its own
   * spelling), the one at `position` in the stream of authority keys (counted from 0 over
   * every chunk given to `offer`): a run asks millions of times, so a caller can answer from
   * a table by position instead of looking the key up.
   */
  readonly holds: (system: SystemId, key: NormalizedKey, position: number) => boolean;
  /** Pairs a person rejected ("not a match"): never suggested again. */
  readonly rejected: ReadonlySet<string>;
  readonly options: MatchingOptions;
}

/** The key of a (key, authority key) pair in `MatchRequest.rejected`. */
export function pairKey(key: NormalizedKey, authorityKey: NormalizedKey): string {
  return `${key}\u0000${authorityKey}`;
}

/**
 * The largest edit distance whose score can still reach `minScore` (with the gap bonus, the
 * most a candidate gains): searching further would only find candidates to drop.
 */
export function usefulDistance(options: MatchingOptions): number {
  const reach = (MATCH_SCORES.editBase + MATCH_SCORES.gapBonus - options.minScore) / MATCH_SCORES.editPerUnit;
  return Math.max(0, Math.min(options.maxDistance, Math.floor(reach * 2 + 1e-9) / 2));
}

/**
 * Probable matches found by streaming the authority's keys past an index of the
 * out-of-authority keys: `offer` each chunk of authority keys in turn, then take `results`.
 * Per key only its best `maxCandidates` so far are kept, so memory follows the
 * out-of-authority keys whatever the authority's size (docs/decisions.md §18).
 */
export class ProbableMatchSearch {
  private readonly index: MatchIndex;
  /** The distinct systems that have each key, in sighting order. */
  private readonly systems: (readonly SystemId[])[];
  /** Each key's best candidates so far, best first (undefined: none yet). */
  private readonly kept: (Candidate[] | undefined)[];
  /** Position of the next authority key offered in the stream. */
  private next = 0;
  /**
   * The lowest candidate score worth looking for (Infinity: none) for an authority key that no
   * downstream system holds, that some hold, and that all hold (see `holdersOf`).
   */
  private readonly floors: readonly [number, number, number];
  /** The authority key being scanned and its position, for `found`: one callback for all, not a closure per key. */
  private authorityKey = '';
  private position = 0;
  private readonly found = (i: number, candidate: RawCandidate) => this.consider(i, this.authorityKey, this.position, candidate);

  constructor(private readonly request: MatchRequest) {
    const { outOfAuthority, options } = request;
    // Indexed only as far as a candidate can still reach min_score: no deletions at all when none can.
    this.index = new MatchIndex(
      outOfAuthority.map(({ key }) => key),
      usefulDistance(options),
    );
    this.systems = outOfAuthority.map(({ sightings }) => [...new Set(sightings.map((sighting) => sighting.system))]);
    this.kept = new Array(outOfAuthority.length);
    // What the registry can do to a candidate's score at most, by who holds the authority key
    // (as `consider` scores it): held by none, neither penalty nor bonus; by some, at most the
    // bonus; by all, the penalty for every key, since each is seen in some downstream system.
    const seenDownstreamOnly = this.systems.every((systems) => systems.every((system) => request.downstream.includes(system)));
    const floor = (most: number) =>
      options.maxCandidates <= 0 ? Infinity : Math.min(...CANDIDATE_SCORES.filter((score) => roundScore(Math.min(1, score + most)) >= options.minScore));
    this.floors = [floor(0), floor(MATCH_SCORES.gapBonus), floor(seenDownstreamOnly ? -MATCH_SCORES.heldPenalty : MATCH_SCORES.gapBonus)];
  }

  /**
   * Whether a candidate can be kept for an authority key that every downstream system holds
   * (a low min_score): if not, only the keys some system lacks need be offered — the others
   * are passed over as they come.
   */
  get needsKeysHeldByAll(): boolean {
    return this.floors[2] !== Infinity;
  }

  /** The next authority keys of the stream. */
  offer(authorityKeys: readonly NormalizedKey[]): void {
    for (const authorityKey of authorityKeys) {
      const position = this.next++;
      // Most authority keys are held by every downstream system: at the default min_score no
      // candidate of theirs can be kept, and their lookups are skipped (docs/decisions.md §18).
      const floor = this.floors[this.holdersOf(authorityKey, position)];
      if (floor === Infinity) continue;
      this.authorityKey = authorityKey;
      this.position = position;
      this.index.scan(authorityKey, this.found, floor);
    }
  }

  /** 0 when no downstream system holds the authority key, 2 when all do, else 1. */
  private holdersOf(authorityKey: NormalizedKey, position: number): 0 | 1 | 2 {
    const { downstream, holds } = this.request;
    let holders = 0;
    for (const system of downstream) if (holds(system, authorityKey, position)) holders++;
    return holders === 0 ? 0 : holders === downstream.length ? 2 : 1;
  }

  /** The keys that have at least one candidate, in the order given (sorted by key); each key's candidates best first. */
  results(): ProbableMatch[] {
    const matches: ProbableMatch[] = [];
    this.request.outOfAuthority.forEach(({ key }, i) => {
      const candidates = this.kept[i];
      if (candidates?.length) matches.push({ key, candidates });
    });
    return matches;
  }

  /** Ranks one candidate of the key at `i` and keeps it if it is among the key's best so far. */
  private consider(i: number, authorityKey: NormalizedKey, position: number, found: RawCandidate): void {
    const { request } = this;
    const { options } = request;
    // Neither the bonus nor anything else lifts it to min_score: no lookups (a run ranks millions).
    if (roundScore(Math.min(1, found.score + MATCH_SCORES.gapBonus)) < options.minScore || options.maxCandidates <= 0) return;
    const key = request.outOfAuthority[i]!.key;
    if (request.rejected.size && request.rejected.has(pairKey(key, authorityKey))) return;
    const systems = this.systems[i]!;
    // Whether any system that has the key holds the candidate, else whether another does:
    // answered without building lists, as most candidates fall below min_score here.
    let held = false;
    for (const system of systems) if (request.holds(system, authorityKey, position)) held = true;
    let heldByPeers = false;
    if (!held) for (const system of request.downstream) if (!systems.includes(system) && request.holds(system, authorityKey, position)) heldByPeers = true;
    const score = held
      ? roundScore(found.score - MATCH_SCORES.heldPenalty)
      : heldByPeers
        ? roundScore(Math.min(1, found.score + MATCH_SCORES.gapBonus))
        : found.score;
    if (score < options.minScore) return;
    // Best first, ties by authority key (code-unit order): a total order, since the
    // authority's keys are distinct, so keeping the best few as they come equals sorting all.
    const kept = (this.kept[i] ??= []);
    if (kept.length === options.maxCandidates && !ranksBefore(score, authorityKey, kept[kept.length - 1]!)) return;
    const holders = () => systems.filter((system) => request.holds(system, authorityKey, position));
    const peers = () => request.downstream.filter((system) => !systems.includes(system) && request.holds(system, authorityKey, position));
    const why = held ? `; ${holders().join(', ')} already holds it` : heldByPeers ? `; missing from ${systems.join(', ')}, held by ${peers().join(', ')}` : '';
    let at = kept.length;
    while (at > 0 && ranksBefore(score, authorityKey, kept[at - 1]!)) at--;
    kept.splice(at, 0, { authorityKey, score, kind: found.kind, reason: `${found.reason}${why}` });
    if (kept.length > options.maxCandidates) kept.pop();
  }
}

/** Whether a candidate with `score` for `authorityKey` ranks before `other`: best score first, ties by authority key (code-unit order). */
function ranksBefore(score: number, authorityKey: NormalizedKey, other: Candidate): boolean {
  return score > other.score || (score === other.score && authorityKey < other.authorityKey);
}
