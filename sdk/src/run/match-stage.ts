/**
 * The matching stage (docs/behaviour.md §10): for each out-of-authority key no person has
 * linked yet, the authority keys it was probably meant to be. Runs after comparison, against
 * the registry as it stands (links and "not a match" decisions), inside the run's commit stage.
 */
import type { Discrepancies } from '../core/compare.js';
import { pairKey, ProbableMatchSearch, type MatchingOptions, type MatchRequest, type ProbableMatch } from '../core/probable-match.js';
import type { NormalizedKey } from '../core/types.js';
import { sameMatchingInputs, type RunInputs } from '../core/run-inputs.js';
import { decidedSince } from '../store/audit-repo.js';
import { loadProbableMatches } from '../store/probable-matches-repo.js';
import { listRejectedMatches } from '../store/registry-repo.js';
import type { PreviousRun } from '../store/runs-repo.js';
import type { Db } from '../store/store.js';
import type { RunRead } from './run-read.js';
import type { WorkspaceContext } from './workspace-context.js';

export interface MatchStageRequest {
  readonly read: RunRead;
  readonly discrepancies: Discrepancies;
  readonly linked: ReadonlySet<NormalizedKey>;
  /** What this run computes from (none for a pushdown engine), and the previous completed run, whose matches it may take. */
  readonly inputs?: RunInputs;
  readonly previous?: PreviousRun;
}

/** A run's probable matches, and the run they were taken from when they were not found again. */
export interface MatchStageResult {
  readonly matches: ProbableMatch[];
  readonly carriedFrom?: string;
}

/** Called before matching starts (not when the matches are carried), and between a pushdown engine's passes. */
export interface MatchStageHooks {
  readonly beforeSearch: () => void;
  readonly betweenPasses: () => void;
}

export async function matchStage(context: WorkspaceContext, db: Db, request: MatchStageRequest, hooks: MatchStageHooks): Promise<MatchStageResult> {
  const carried = await carriedMatches(db, request);
  if (carried) return { matches: carried, carriedFrom: request.previous!.runId };
  hooks.beforeSearch();
  return { matches: await findMatches(context, db, request, hooks.betweenPasses) };
}

/**
 * The previous run's matches, when this run would find them again (docs/decisions.md §22): the
 * same keys in every system and the same settings (core/run-inputs.ts), and no decision since
 * the run before it — a link or a "not a match" changes which keys are matched and with what.
 */
async function carriedMatches(db: Db, { inputs, previous }: MatchStageRequest): Promise<ProbableMatch[] | undefined> {
  if (!inputs || !previous || !sameMatchingInputs(previous.inputs, inputs)) return undefined;
  if (await decidedSince(db, previous.auditFromId)) return undefined;
  return loadProbableMatches(db, previous.runId);
}

async function findMatches(context: WorkspaceContext, db: Db, request: MatchStageRequest, betweenPasses: () => void): Promise<ProbableMatch[]> {
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
