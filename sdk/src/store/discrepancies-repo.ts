/**
 * Per-run discrepancies, stored so views (the extension's tree, `ws.runs.discrepancies`) never
 * reparse CSVs. Each (run, kind, system) group is stored as JSON in parts of up to
 * ENTRIES_PER_PART entries: one write per part instead of one per key keeps a million-key
 * run's persist step cheap, and parts that small are made in memory V8 reuses (docs/decisions.md §9).
 */
import { sql } from 'kysely';
import type { Discrepancies, StoredGroups } from '../core/compare.js';
import type { DiscrepancyEntries, DiscrepancyKind, KeyWithSightings } from '../core/discrepancy-kinds.js';
import type { BadRow, SystemId } from '../core/types.js';
import { insertInChunks } from './batch.js';
import type { Db, Tx } from './backend.js';

export interface DiscrepancyGroup<K extends DiscrepancyKind = DiscrepancyKind> {
  readonly kind: K;
  readonly system: SystemId | '';
  /** Iterated once, as the group is stored. */
  readonly entries: Iterable<DiscrepancyEntries[K][number]>;
}

/**
 * Splits a comparison into the groups the store and the views use, one at a time. Entries
 * that are not already a list of the run's (a system's share of the out-of-authority keys,
 * of the duplicates, of the bad rows) are made as they are stored, a part at a time, so they
 * never all exist at once: at 10M keys that was millions of objects made in the persist stage.
 */
export function* discrepancyGroups(discrepancies: Discrepancies, badRows: readonly BadRow[]): Generator<DiscrepancyGroup> {
  for (const [system, keys] of discrepancies.gaps) yield { kind: 'gap', system, entries: keys };
  for (const system of discrepancies.systems) {
    if (system !== discrepancies.authority) yield { kind: 'out_of_authority', system, entries: outOfAuthorityIn(discrepancies.outOfAuthority, system) };
  }
  yield { kind: 'only_in_authority', system: '', entries: discrepancies.onlyInAuthority };
  for (const system of discrepancies.systems) yield { kind: 'duplicate', system, entries: duplicatesIn(discrepancies.duplicates, system) };
  for (const system of new Set(badRows.map((row) => row.system))) yield { kind: 'bad_row', system, entries: badRowsOf(badRows, system) };
}

/** The out-of-authority keys a system holds, each with that system's sightings only. */
function* outOfAuthorityIn(outOfAuthority: Discrepancies['outOfAuthority'], system: SystemId): Generator<KeyWithSightings> {
  for (const { key, sightings } of outOfAuthority) {
    if (sightings.some((sighting) => sighting.system === system)) {
      yield { key, sightings: sightings.filter((sighting) => sighting.system === system).map(({ raw, line }) => ({ raw, line })) };
    }
  }
}

function* duplicatesIn(duplicates: Discrepancies['duplicates'], system: SystemId): Generator<KeyWithSightings> {
  for (const group of duplicates) if (group.system === system) yield { key: group.key, sightings: group.sightings };
}

function* badRowsOf(badRows: readonly BadRow[], system: SystemId): Generator<DiscrepancyEntries['bad_row'][number]> {
  for (const { system: rowSystem, ...entry } of badRows) if (rowSystem === system) yield entry;
}

/**
 * Entries per stored part: about 35 KB of JSON for gaps, 75 KB for out-of-authority keys (the mock's). A group stored whole made strings of tens
 * of millions of characters at 10M keys (320 million in all), each one fresh memory for the
 * JSON and again for its UTF-8 copy; parts this size are made and dropped in V8's young
 * generation, which is reused.
 */
export const ENTRIES_PER_PART = 1000;

/** An earlier run whose stored groups a run may take instead of writing them: `carries` says which are the same. */
export interface CarriedGroups {
  readonly fromRunId: string;
  readonly carries: (group: Pick<DiscrepancyGroup, 'kind' | 'system'>) => boolean;
}

/**
 * One statement per part, its JSON made just before; a group with no entries keeps one empty
 * part, so it is listed. A group `carried` says is the same as an earlier run's is copied from
 * that run's rows by one statement, with no JSON made, unless that run's rows are gone.
 * Returns how many groups were copied.
 */
export async function saveDiscrepancies(tx: Tx, runId: string, groups: Iterable<DiscrepancyGroup>, carried?: CarriedGroups): Promise<number> {
  let copied = 0;
  for (const group of groups) {
    if (carried?.carries(group) && (await copyGroup(tx, carried.fromRunId, runId, group))) copied++;
    else await insertInChunks(tx, 'run_discrepancies', partRows(runId, group), { rowsPerStatement: 1 });
  }
  return copied;
}

/** Copies a group's parts from one run to another; false when the first run has none (deleted since). */
async function copyGroup(tx: Tx, fromRunId: string, toRunId: string, { kind, system }: Pick<DiscrepancyGroup, 'kind' | 'system'>): Promise<boolean> {
  const result = await tx
    .insertInto('run_discrepancies')
    .columns(['run_id', 'kind', 'system', 'part', 'count', 'entries'])
    .expression((eb) =>
      eb
        .selectFrom('run_discrepancies')
        // Typed, for PostgreSQL: a bare parameter in a select list has no type to infer.
        .select([sql<string>`cast(${toRunId} as text)`.as('run_id'), 'kind', 'system', 'part', 'count', 'entries'])
        .where('run_id', '=', fromRunId)
        .where('kind', '=', kind)
        .where('system', '=', system),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

function* partRows(runId: string, { kind, system, entries }: DiscrepancyGroup) {
  let part = 0;
  let slice: unknown[] = [];
  const row = () => ({ run_id: runId, kind, system, part: part++, count: slice.length, entries: JSON.stringify(slice) });
  for (const entry of entries) {
    slice.push(entry);
    if (slice.length < ENTRIES_PER_PART) continue;
    yield row();
    slice = [];
  }
  if (slice.length > 0 || part === 0) yield row();
}

/** How many entries a run stored for one kind and system. */
export interface DiscrepancyCount {
  readonly kind: DiscrepancyKind;
  readonly system: SystemId | '';
  readonly count: number;
}

export async function countDiscrepancies(db: Db, runId: string): Promise<DiscrepancyCount[]> {
  const rows = await db
    .selectFrom('run_discrepancies')
    .select((eb) => ['kind', 'system', eb.fn.sum<number | string>('count').as('count')])
    .where('run_id', '=', runId)
    .groupBy(['kind', 'system'])
    .execute();
  // PostgreSQL sums integers as bigint, which its driver gives as a string.
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

export async function loadDiscrepancies<K extends DiscrepancyKind>(
  db: Db,
  runId: string,
  kind: K,
  system: SystemId | '',
): Promise<DiscrepancyEntries[K]> {
  const parts = await db
    .selectFrom('run_discrepancies')
    .select('entries')
    .where('run_id', '=', runId)
    .where('kind', '=', kind)
    .where('system', '=', system)
    .orderBy('part')
    .execute();
  const lists = parts.map((part) => JSON.parse(part.entries) as DiscrepancyEntries[K]);
  return lists.length === 1 ? lists[0]! : (lists.flat() as DiscrepancyEntries[K]);
}

/** Every comparison group a run stored (bad rows aside), for a run that compares the same keys (core/compare.ts storedComparison). */
export async function loadComparisonGroups(db: Db, runId: string): Promise<StoredGroups> {
  const parts = await db
    .selectFrom('run_discrepancies')
    .select(['kind', 'system', 'entries'])
    .where('run_id', '=', runId)
    .where('kind', '!=', 'bad_row')
    .orderBy('kind')
    .orderBy('system')
    .orderBy('part')
    .execute();
  // Each group's parts, joined once all are parsed: one copy of each entry, not one push.
  const partsOf = new Map<string, { kind: DiscrepancyKind; system: SystemId; lists: never[][] }>();
  for (const { kind, system, entries } of parts) {
    const id = `${kind}\u0000${system}`;
    let group = partsOf.get(id);
    if (!group) partsOf.set(id, (group = { kind, system, lists: [] }));
    group.lists.push(JSON.parse(entries) as never[]);
  }
  const gaps = new Map<SystemId, DiscrepancyEntries['gap']>();
  const outOfAuthority = new Map<SystemId, DiscrepancyEntries['out_of_authority']>();
  const duplicates = new Map<SystemId, DiscrepancyEntries['duplicate']>();
  let onlyInAuthority: DiscrepancyEntries['only_in_authority'] | undefined;
  for (const { kind, system, lists } of partsOf.values()) {
    const list = ([] as never[]).concat(...lists);
    if (kind === 'gap') gaps.set(system, list);
    else if (kind === 'out_of_authority') outOfAuthority.set(system, list);
    else if (kind === 'duplicate') duplicates.set(system, list);
    else onlyInAuthority = list;
  }
  return { gaps, outOfAuthority, duplicates, ...(onlyInAuthority ? { onlyInAuthority } : {}) };
}
