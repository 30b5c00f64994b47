/**
 * An incremental run whose every source is as the previous completed run compared it takes
 * that run's comparison instead of loading the snapshots and merging them (docs/decisions.md
 * §22): the same snapshot content in every system, under the same authority, as its inputs
 * record (core/run-inputs.ts). It also needs that run's probable matches to hold — the same
 * matching settings and no decision since — so that it need not match: the authority's
 * snapshot alone is loaded (provisioning asks which keys it holds), and the comparison is
 * made whole from the groups that run stored.
 */
import type { Discrepancies } from '../core/compare.js';
import { storedComparison } from '../core/compare.js';
import { sameMatchingInputs, type RunInputs } from '../core/run-inputs.js';
import type { SourceOutcome } from '../core/summary.js';
import type { BadRow, SystemId } from '../core/types.js';
import { logBadRows } from '../sources/read-all.js';
import { decidedSince } from '../store/audit-repo.js';
import { loadComparisonGroups } from '../store/discrepancies-repo.js';
import { previousRun } from '../store/runs-repo.js';
import { loadSnapshot, snapshotFolder } from '../store/snapshots.js';
import type { Store } from '../store/store.js';
import type { ReusableSnapshots } from './read-stage.js';
import { nodeRunRead, presenceFromGaps, type RunRead } from './run-read.js';
import type { WorkspaceContext } from './workspace-context.js';

export async function carriedComparison(
  context: WorkspaceContext,
  store: Store,
  { reusable }: ReusableSnapshots,
  onCompare: () => void,
): Promise<{ readonly read: RunRead; readonly discrepancies: Discrepancies } | undefined> {
  const { authority, matching } = context.config.values;
  const systems = [authority, ...context.sources.map((source) => source.system).filter((system) => system !== authority)];
  const contents: Record<SystemId, string> = {};
  for (const system of systems) {
    const contentId = reusable.get(system)?.outline.contentId;
    if (contentId === undefined) return undefined;
    contents[system] = contentId;
  }
  const inputs: RunInputs = { authority, systems, contents, matching };
  const groups = await store.read(async (db) => {
    const previous = await previousRun(db);
    if (!previous || !sameMatchingInputs(previous.inputs, inputs) || (await decidedSince(db, previous.auditFromId))) return undefined;
    return { runId: previous.runId, stored: await loadComparisonGroups(db, previous.runId) };
  });
  if (!groups) return undefined;
  const authorityContent = loadSnapshot(snapshotFolder(context.paths.database), reusable.get(authority)!.ref, authority);
  if (!authorityContent) return undefined;
  onCompare();
  const keyCounts = Object.fromEntries(systems.map((system) => [system, reusable.get(system)!.outline.keyCount]));
  const discrepancies = storedComparison(authorityContent.index, systems, keyCounts, groups.stored);
  if (!discrepancies) return undefined;
  context.logger.log('info', `every system's keys are as run ${groups.runId} compared them: its comparison is carried forward`);

  // In config order, as reading gives them.
  const outcomes: SourceOutcome[] = [];
  const badRows: BadRow[] = [];
  for (const source of context.sources) {
    const { outline } = reusable.get(source.system)!;
    outcomes.push({ system: source.system, file: source.location, status: 'read', rows: outline.rows, repeatedRows: outline.repeatedRows, badRows: outline.badRows.length });
    logBadRows(context.logger, source, outline.badRows);
    for (const row of outline.badRows) badRows.push(row);
  }
  const read = nodeRunRead(
    {
      authority: authorityContent.index,
      sources: { outcomes, badRows, skipped: [] },
      systems,
      fromSnapshot: new Set(systems),
      written: [],
      repointed: [...reusable.values()].flatMap((taken) => (taken.repointed ? [taken.repointed] : [])),
      contentIds: new Map(Object.entries(contents)),
    },
    // Matching is carried too, unless a decision is made meanwhile (a team registry): then from the gap lists.
    () => presenceFromGaps(authorityContent.index, discrepancies.gaps),
  );
  return { read, discrepancies };
}
