/**
 * The matching stage (docs/behaviour.md §10): for each out-of-authority key no person has
 * linked yet, the authority keys it was probably meant to be. Runs after comparison, against
 * the registry as it stands (links and "not a match" decisions), inside the run's commit stage.
 */
import type { Discrepancies } from '../core/compare.js';
import { pairKey, ProbableMatchSearch, type MatchingOptions, type ProbableMatch } from '../core/probable-match.js';
import type { NormalizedKey } from '../core/types.js';
import { listRejectedMatches } from '../store/registry-repo.js';
import type { Db } from '../store/store.js';
import type { RunRead } from './run-read.js';
import type { WorkspaceContext } from './workspace-context.js';

export async function matchStage(
  context: WorkspaceContext,
  db: Db,
  request: { readonly read: RunRead; readonly discrepancies: Discrepancies; readonly linked: ReadonlySet<NormalizedKey> },
): Promise<ProbableMatch[]> {
  const { matching } = context.config.values;
  const unlinked = request.discrepancies.outOfAuthority.filter(({ key }) => !request.linked.has(key));
  if (!matching.enabled || unlinked.length === 0) return [];
  const rejected = new Set((await listRejectedMatches(db)).map((pair) => pairKey(pair.normalizedKey, pair.authorityKey)));
  const options: MatchingOptions = { maxDistance: matching.max_distance, maxCandidates: matching.max_candidates, minScore: matching.min_score };
  const search = new ProbableMatchSearch({
    outOfAuthority: unlinked,
    downstream: request.discrepancies.systems.filter((system) => system !== request.discrepancies.authority),
    holds: request.read.holdsLookup(),
    rejected,
    options,
  });
  // The authority's keys pass in chunks and are not kept: memory follows the out-of-authority keys.
  await request.read.streamAuthorityKeys((chunk) => search.offer(chunk));
  return search.results();
}
