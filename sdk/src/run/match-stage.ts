/**
 * The matching stage (docs/behaviour.md §10): for each out-of-authority key no person has
 * linked yet, the authority keys it was probably meant to be. Runs after comparison, against
 * the registry as it stands (links and "not a match" decisions), with the database lock held.
 */
import { presenceIn, type Discrepancies } from '../core/compare.js';
import { MatchIndex } from '../core/match-index.js';
import { findProbableMatches, pairKey, usefulDistance, type MatchingOptions, type ProbableMatch } from '../core/probable-match.js';
import type { NormalizedKey } from '../core/types.js';
import type { SourcesRead } from '../sources/read-all.js';
import { listRejectedMatches } from '../store/registry-repo.js';
import type { Db } from '../store/store.js';
import type { WorkspaceContext } from './workspace-context.js';

export async function matchStage(
  context: WorkspaceContext,
  db: Db,
  request: { readonly sources: SourcesRead; readonly discrepancies: Discrepancies; readonly linked: ReadonlySet<NormalizedKey> },
): Promise<ProbableMatch[]> {
  const { matching } = context.config.values;
  const unlinked = request.discrepancies.outOfAuthority.filter(({ key }) => !request.linked.has(key));
  if (!matching.enabled || unlinked.length === 0) return [];
  const rejected = new Set((await listRejectedMatches(db)).map((pair) => pairKey(pair.normalizedKey, pair.authorityKey)));
  // Which system holds each authority key, by position (the index lists the authority's keys
  // in their own order): one merge per system instead of a lookup per candidate and system.
  const { authority } = request.sources;
  const held = new Map(request.sources.others.map((index) => [index.system, presenceIn(authority, index)]));
  const options: MatchingOptions = { maxDistance: matching.max_distance, maxCandidates: matching.max_candidates, minScore: matching.min_score };
  return findProbableMatches({
    // Indexed only as far as a candidate can still reach min_score: no deletions at all when none can.
    index: new MatchIndex([...authority.keys()], usefulDistance(options)),
    outOfAuthority: unlinked,
    downstream: request.sources.others.map((index) => index.system),
    holds: (system, _key, position) => held.get(system)?.[position] === 1,
    rejected,
    options,
  });
}
