/**
 * The matching stage (docs/behaviour.md §10): for each out-of-authority key no person has
 * linked yet, the authority keys it was probably meant to be. Runs after comparison, against
 * the registry as it stands (links and "not a match" decisions), inside the run's commit stage.
 */
import type { Discrepancies } from '../core/compare.js';
import { pairKey, ProbableMatchSearch, type MatchingOptions, type MatchRequest, type ProbableMatch } from '../core/probable-match.js';
import type { NormalizedKey } from '../core/types.js';
import { listRejectedMatches } from '../store/registry-repo.js';
import type { Db } from '../store/store.js';
import type { RunRead } from './run-read.js';
import type { WorkspaceContext } from './workspace-context.js';

export async function matchStage(
  context: WorkspaceContext,
  db: Db,
  request: { readonly read: RunRead; readonly discrepancies: Discrepancies; readonly linked: ReadonlySet<NormalizedKey> },
  betweenPasses: () => void,
): Promise<ProbableMatch[]> {
  const { matching } = context.config.values;
  const unlinked = request.discrepancies.outOfAuthority.filter(({ key }) => !request.linked.has(key));
  if (!matching.enabled || unlinked.length === 0) return [];
  const rejected = new Set((await listRejectedMatches(db)).map((pair) => pairKey(pair.normalizedKey, pair.authorityKey)));
  const options: MatchingOptions = { maxDistance: matching.max_distance, maxCandidates: matching.max_candidates, minScore: matching.min_score };
  const downstream = request.discrepancies.systems.filter((system) => system !== request.discrepancies.authority);
  return findProbableMatches(request.read, { outOfAuthority: unlinked, downstream, rejected, options }, betweenPasses);
}

/**
 * The probable matches of `outOfAuthority`, in passes of `read.matchPassKeys` keys: each key's
 * candidates depend on the authority's keys alone, not on the other keys indexed beside it,
 * so passes give what one index over all of them gives, holding one pass's index at a time.
 * `betweenPasses` runs once the previous pass's index is garbage.
 */
export async function findProbableMatches(
  read: Pick<RunRead, 'streamAuthorityKeys' | 'holdsLookup' | 'matchPassKeys'>,
  request: Omit<MatchRequest, 'holds'>,
  betweenPasses: () => void,
): Promise<ProbableMatch[]> {
  const matches: ProbableMatch[] = [];
  for (let start = 0; start < request.outOfAuthority.length; start += read.matchPassKeys) {
    if (start > 0) betweenPasses();
    const search = new ProbableMatchSearch({ ...request, outOfAuthority: request.outOfAuthority.slice(start, start + read.matchPassKeys), holds: read.holdsLookup() });
    // The authority's keys pass in chunks and are not kept: memory follows the out-of-authority keys.
    await read.streamAuthorityKeys((chunk) => search.offer(chunk), search.needsKeysHeldByAll ? 'all' : 'lacked by some');
    for (const match of search.results()) matches.push(match);
  }
  return matches;
}
