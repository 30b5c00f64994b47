/**
 * Probable matches (docs/behaviour.md §10): for each key outside the authority, the authority
 * keys it was most likely meant to be, ranked. Pure: the index finds candidates
 * (core/match-index.ts); this ranks them, lowers those a system holding the key already holds,
 * drops pairs a person said are no match, and keeps the best few.
 */
import type { OutOfAuthorityKey } from './compare.js';
import { MATCH_SCORES, MatchIndex, roundScore, type MatchKind } from './match-index.js';
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
  readonly index: MatchIndex;
  readonly outOfAuthority: readonly OutOfAuthorityKey[];
  /** The downstream systems compared in the run. */
  readonly downstream: readonly SystemId[];
  /**
   * Whether a downstream system holds a key (the candidate, under its own spelling), which is
   * at `position` in the index's keys: a run asks millions of times, so a caller can answer
   * from a table by position instead of looking the key up.
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

/** The keys that have at least one candidate, in the order given (sorted by key). */
export function findProbableMatches(request: MatchRequest): ProbableMatch[] {
  const matches: ProbableMatch[] = [];
  for (const { key, sightings } of request.outOfAuthority) {
    const candidates = rankCandidates(request, key, [...new Set(sightings.map((sighting) => sighting.system))]);
    if (candidates.length) matches.push({ key, candidates });
  }
  return matches;
}

/**
 * The largest edit distance whose score can still reach `minScore` (with the gap bonus, the
 * most a candidate gains): searching further would only find candidates to drop.
 */
export function usefulDistance(options: MatchingOptions): number {
  const reach = (MATCH_SCORES.editBase + MATCH_SCORES.gapBonus - options.minScore) / MATCH_SCORES.editPerUnit;
  return Math.max(0, Math.min(options.maxDistance, Math.floor(reach * 2 + 1e-9) / 2));
}

function rankCandidates(request: MatchRequest, key: NormalizedKey, systems: readonly SystemId[]): Candidate[] {
  const { index, options } = request;
  const ranked: Candidate[] = [];
  for (const found of index.candidates(key, usefulDistance(options))) {
    // Neither the bonus nor anything else lifts it to min_score: no lookups (a run ranks millions).
    if (roundScore(Math.min(1, found.score + MATCH_SCORES.gapBonus)) < options.minScore) continue;
    const authorityKey = index.keys[found.position]!;
    if (request.rejected.size && request.rejected.has(pairKey(key, authorityKey))) continue;
    const holders = systems.filter((system) => request.holds(system, authorityKey, found.position));
    const peers = holders.length ? [] : request.downstream.filter((system) => !systems.includes(system) && request.holds(system, authorityKey, found.position));
    const score = holders.length
      ? roundScore(found.score - MATCH_SCORES.heldPenalty)
      : peers.length
        ? roundScore(Math.min(1, found.score + MATCH_SCORES.gapBonus))
        : found.score;
    if (score < options.minScore) continue;
    const why = holders.length ? `; ${holders.join(', ')} already holds it` : peers.length ? `; missing from ${systems.join(', ')}, held by ${peers.join(', ')}` : '';
    ranked.push({ authorityKey, score, kind: found.kind, reason: `${found.reason}${why}` });
  }
  ranked.sort((a, b) => b.score - a.score || (a.authorityKey < b.authorityKey ? -1 : a.authorityKey > b.authorityKey ? 1 : 0));
  return ranked.slice(0, options.maxCandidates);
}
