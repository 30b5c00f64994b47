/**
 * docs/behaviour.md §4 in SQL (docs/decisions.md §20): each system's rows become its raw forms
 * and keys (GROUP BY with the first row by scan order), gaps and out-of-authority keys are
 * anti-joins, duplicates are keys with several raw forms, and the counts of the summary are
 * counted where the keys are. Only discrepancy rows come back, chunk by chunk; lists are
 * sorted in JavaScript (UTF-16 order, as the node engine sorts), so both engines give the
 * same Discrepancies.
 */
import { addOutOfAuthoritySighting, type AuthorityKey, type Discrepancies, type DuplicateGroup, type OutOfAuthorityKey } from '../../core/compare.js';
import { inKeyOrder } from '../../core/text-order.js';
import type { CorruptDataPolicy, NormalizedKey, RowLocator, Sighting, SystemId } from '../../core/types.js';
import { addToLast, rawOf, type SetAsideRow, type SystemCounts } from '../pushdown/pushdown-read.js';
import type { DuckDbSession } from './duckdb-session.js';
import {
  authorityHoldsSql,
  authorityKeysListSql,
  countsSql,
  duplicatesSql,
  gapsSql,
  indexSql,
  outsideAuthoritySql,
  setAsideSql,
  tablesOf,
} from './engine-sql.js';

/** A system whose rows are in its row table, keyed (duckdb-normalize.ts). */
export interface KeyedSystem {
  readonly system: SystemId;
  /** Its row table; the engine derives `<table>_raws` and `<table>_keys` from it. */
  readonly table: string;
}


/** A locator from the two columns a row table keeps it in (row-table.ts). */
export function locatorOf(line: unknown, locator: unknown): RowLocator {
  return line === null ? (locator as string) : Number(line);
}

/**
 * Each distinct raw form (first row, and how many rows had it), then each key (its first raw
 * form, and how many raw forms): the index a KeyIndex holds, as two tables. Ragged rows count
 * only when `on_corrupt_data` keeps them.
 */
export async function indexSystem(session: DuckDbSession, system: KeyedSystem, onCorruptData: CorruptDataPolicy): Promise<SystemCounts> {
  for (const sql of indexSql(system.table, onCorruptData)) await session.run(sql);
  const [[keys, rows, raws]] = (await session.all(countsSql(system.table))) as [[bigint, bigint, bigint]];
  return { keys: Number(keys), repeatedRows: Number(rows) - Number(raws) };
}

/** The rows the SQL set aside as not keys, or ragged, in scan order: (seq, locator, raw, irregular, keyed). */
export async function streamSetAside(
  session: DuckDbSession,
  system: KeyedSystem,
  onRow: (row: SetAsideRow) => void,
): Promise<void> {
  await session.stream(setAsideSql(system.table), (rows) => {
    for (const [seq, line, locator, raw, irregular, keyed] of rows) {
      onRow({ seq: Number(seq), locator: locatorOf(line, locator), raw: raw as string | null, irregular: irregular as string | null, keyed: keyed as boolean });
    }
  });
}

/** compareSystems (core/compare.ts) over the systems' key tables; `others` in config order. */
export async function compareInDuckDb(
  session: DuckDbSession,
  authority: KeyedSystem,
  others: readonly KeyedSystem[],
  counts: ReadonlyMap<SystemId, SystemCounts>,
): Promise<Discrepancies> {
  const compared = others.length > 0;
  const { gaps, onlyInAuthority, lackedBySome } = await authorityKeysLacking(session, authority, others);
  const outOfAuthority = await outsideAuthority(session, authority, others);
  const authorityCount = counts.get(authority.system)!.keys;
  const keysInAllSystems = compared ? authorityCount - lackedBySome : 0;
  const uniqueKeys = authorityCount + outOfAuthority.length;
  const duplicates: DuplicateGroup[] = [];
  for (const system of [authority, ...others]) duplicates.push(...(await duplicateGroups(session, system)));
  const bySystem: Record<SystemId, number> = {};
  for (const other of others) bySystem[other.system] = ratio(authorityCount - gaps.get(other.system)!.length, authorityCount);
  const systems = [authority, ...others];
  return {
    authority: authority.system,
    systems: systems.map((system) => system.system),
    comparedSystems: others.length,
    keyCounts: Object.fromEntries(systems.map((system) => [system.system, counts.get(system.system)!.keys])),
    gaps,
    outOfAuthority,
    onlyInAuthority,
    duplicates,
    uniqueKeys,
    keysInAllSystems,
    matchRates: { overall: compared ? ratio(keysInAllSystems, uniqueKeys) : null, bySystem },
  };
}

/** Each downstream system's gaps, the keys only in the authority, and how many authority keys some system lacks. */
async function authorityKeysLacking(
  session: DuckDbSession,
  authority: KeyedSystem,
  others: readonly KeyedSystem[],
): Promise<{ gaps: Map<SystemId, AuthorityKey[]>; onlyInAuthority: AuthorityKey[]; lackedBySome: number }> {
  const lists = others.map((): AuthorityKey[] => []);
  const onlyInAuthority: AuthorityKey[] = [];
  let lackedBySome = 0;
  if (others.length > 0) {
    await session.stream(gapsSql(authority.table, others.map((other) => other.table)), (rows) => {
      for (const [key, line, locator, lacking] of rows) {
        // One object for every list the key is in: at 10M keys that is millions fewer.
        const authorityKey: AuthorityKey = { key: key as NormalizedKey, line: locatorOf(line, locator) };
        const places = (lacking as string).split(',');
        for (const place of places) lists[Number(place)]!.push(authorityKey);
        if (places.length === others.length) onlyInAuthority.push(authorityKey);
        lackedBySome++;
      }
    });
  }
  // By key from DuckDB, so almost always in Node's order already (core/text-order.ts).
  return {
    gaps: new Map(others.map((other, place) => [other.system, inKeyOrder(lists[place]!)])),
    onlyInAuthority: inKeyOrder(onlyInAuthority),
    lackedBySome,
  };
}

/** Every raw form, in every downstream system, of a key the authority lacks: systems in config order, raw forms in scan order. */
async function outsideAuthority(session: DuckDbSession, authority: KeyedSystem, others: readonly KeyedSystem[]): Promise<OutOfAuthorityKey[]> {
  const outside: OutOfAuthorityKey[] = [];
  if (others.length === 0) return outside;
  await session.stream(outsideAuthoritySql(authority.table, others.map((other) => other.table)), (rows) => {
    for (const [key, raw, line, locator, place] of rows) {
      addOutOfAuthoritySighting(outside, key as NormalizedKey, { system: others[Number(place)]!.system, raw: rawOf(key, raw), line: locatorOf(line, locator) });
    }
  });
  return inKeyOrder(outside);
}

async function duplicateGroups(session: DuckDbSession, system: KeyedSystem): Promise<DuplicateGroup[]> {
  const groups: { system: SystemId; key: NormalizedKey; sightings: Sighting[] }[] = [];
  await session.stream(duplicatesSql(system.table), (rows) => {
    for (const [key, raw, line, locator] of rows) {
      const sighting: Sighting = { raw: rawOf(key, raw), line: locatorOf(line, locator) };
      addToLast(groups, key as NormalizedKey, sighting, (first) => ({ system: system.system, key: key as NormalizedKey, sightings: [first] }));
    }
  });
  return inKeyOrder(groups);
}

/** The given keys that the authority holds, in the order given (a pending proposal whose key appeared in A is resolved). */
export async function authorityHolds(session: DuckDbSession, authority: KeyedSystem, keys: readonly NormalizedKey[]): Promise<NormalizedKey[]> {
  if (keys.length === 0) return [];
  const sql = authorityHoldsSql(authority.table);
  await session.run(sql.create);
  await session.append(tablesOf(authority.table).asked, keys.map((key) => [key]));
  const held = new Set<NormalizedKey>();
  await session.stream(sql.select, (rows) => {
    for (const [key] of rows) held.add(key as NormalizedKey);
  });
  await session.run(sql.drop);
  // In the order asked, as the node engine gives them: the plan's events follow it.
  return keys.filter((key) => held.has(key));
}

/** Every authority key, chunk by chunk (the matching stage streams them past its index of the out-of-authority keys). */
export async function streamAuthorityKeys(session: DuckDbSession, authority: KeyedSystem, onChunk: (keys: readonly NormalizedKey[]) => void): Promise<void> {
  await session.stream(authorityKeysListSql(authority.table), (rows) => onChunk(rows.map(([key]) => key as NormalizedKey)));
}


function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
