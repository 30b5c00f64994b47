/**
 * A run's probable matches, stored in parts as its discrepancies are (store/discrepancies-repo.ts),
 * so that a later run whose matching inputs are unchanged takes them instead of matching again
 * (docs/decisions.md §22). A run that found none keeps one empty part: "none" is then told apart
 * from "not stored" (runs before this was kept).
 */
import { sql } from 'kysely';
import type { ProbableMatch } from '../core/probable-match.js';
import { insertInChunks } from './batch.js';
import type { Db, Tx } from './backend.js';
import { ENTRIES_PER_PART } from './discrepancies-repo.js';

export async function saveProbableMatches(tx: Tx, runId: string, matches: readonly ProbableMatch[]): Promise<void> {
  await insertInChunks(tx, 'run_probable_matches', partRows(runId, matches), { rowsPerStatement: 1 });
}

function* partRows(runId: string, matches: readonly ProbableMatch[]) {
  for (let part = 0, start = 0; part === 0 || start < matches.length; part++, start += ENTRIES_PER_PART) {
    const slice = matches.slice(start, start + ENTRIES_PER_PART);
    yield { run_id: runId, part, count: slice.length, entries: JSON.stringify(slice) };
  }
}

/** A run's stored matches in order, or undefined when it stored none (an earlier version's run). */
export async function loadProbableMatches(db: Db, runId: string): Promise<ProbableMatch[] | undefined> {
  const parts = await db.selectFrom('run_probable_matches').select('entries').where('run_id', '=', runId).orderBy('part').execute();
  if (parts.length === 0) return undefined;
  return parts.flatMap((part) => JSON.parse(part.entries) as ProbableMatch[]);
}

/** Copies one run's stored matches to another by one statement; false when the first run has none stored. */
export async function copyProbableMatches(tx: Tx, fromRunId: string, toRunId: string): Promise<boolean> {
  const result = await tx
    .insertInto('run_probable_matches')
    .columns(['run_id', 'part', 'count', 'entries'])
    .expression((eb) =>
      eb
        .selectFrom('run_probable_matches')
        // Typed, for PostgreSQL: a bare parameter in a select list has no type to infer.
        .select([sql<string>`cast(${toRunId} as text)`.as('run_id'), 'part', 'count', 'entries'])
        .where('run_id', '=', fromRunId),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
