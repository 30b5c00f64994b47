/**
 * Per-run discrepancies, stored so views (the extension's tree, `ws.runs.discrepancies`) never
 * reparse CSVs. One row per (run, kind, system) holding its entries as JSON: one write
 * per group instead of one per key keeps a million-key run's persist step cheap.
 */
import type { Discrepancies } from '../core/compare.js';
import type { DiscrepancyEntries, DiscrepancyKind, KeyWithSightings } from '../core/discrepancy-kinds.js';
import type { BadRow, SystemId } from '../core/types.js';
import { insertInChunks } from './batch.js';
import type { Db, Tx } from './backend.js';

export interface DiscrepancyGroup<K extends DiscrepancyKind = DiscrepancyKind> {
  readonly kind: K;
  readonly system: SystemId | '';
  readonly entries: DiscrepancyEntries[K];
}

/**
 * Splits a comparison into the groups the store and the views use, one at a time: each
 * group's entries (and its JSON, when stored) can go before the next is made.
 */
export function* discrepancyGroups(discrepancies: Discrepancies, badRows: readonly BadRow[]): Generator<DiscrepancyGroup> {
  for (const [system, keys] of discrepancies.gaps) yield { kind: 'gap', system, entries: [...keys] };
  for (const system of discrepancies.systems) {
    if (system === discrepancies.authority) continue;
    const entries: KeyWithSightings[] = [];
    for (const { key, sightings } of discrepancies.outOfAuthority) {
      if (sightings.some((s) => s.system === system)) entries.push({ key, sightings: sightings.filter((s) => s.system === system).map(({ raw, line }) => ({ raw, line })) });
    }
    yield { kind: 'out_of_authority', system, entries };
  }
  yield { kind: 'only_in_authority', system: '', entries: [...discrepancies.onlyInAuthority] };
  for (const system of discrepancies.systems) {
    const duplicates = discrepancies.duplicates.filter((group) => group.system === system);
    yield { kind: 'duplicate', system, entries: duplicates.map(({ key, sightings }) => ({ key, sightings })) };
  }
  for (const system of new Set(badRows.map((row) => row.system))) {
    const entries = badRows.filter((row) => row.system === system).map(({ system: _system, ...entry }) => entry);
    yield { kind: 'bad_row', system, entries };
  }
}

/**
 * One statement per group, its JSON made just before: at 10M keys the groups' JSON comes to
 * about 320 million characters (the largest group 42 million), all held at once when one
 * statement took every group.
 */
export async function saveDiscrepancies(tx: Tx, runId: string, groups: Iterable<DiscrepancyGroup>): Promise<void> {
  for (const group of groups) {
    await insertInChunks(tx, 'run_discrepancies', [
      { run_id: runId, kind: group.kind, system: group.system, count: group.entries.length, entries: JSON.stringify(group.entries) },
    ]);
  }
}

/** How many entries a run stored for one kind and system. */
export interface DiscrepancyCount {
  readonly kind: DiscrepancyKind;
  readonly system: SystemId | '';
  readonly count: number;
}

export async function countDiscrepancies(db: Db, runId: string): Promise<DiscrepancyCount[]> {
  return db.selectFrom('run_discrepancies').select(['kind', 'system', 'count']).where('run_id', '=', runId).execute();
}

export async function loadDiscrepancies<K extends DiscrepancyKind>(
  db: Db,
  runId: string,
  kind: K,
  system: SystemId | '',
): Promise<DiscrepancyEntries[K]> {
  const row = await db
    .selectFrom('run_discrepancies')
    .select('entries')
    .where('run_id', '=', runId)
    .where('kind', '=', kind)
    .where('system', '=', system)
    .executeTakeFirst();
  return row ? (JSON.parse(row.entries) as DiscrepancyEntries[K]) : ([] as DiscrepancyEntries[K]);
}
