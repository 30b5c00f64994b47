/**
 * Every SQL statement the duckdb engine runs, as text (docs/behaviour.md §11): the engine runs
 * these, and `keysync plan --sql` prints them, so what a reviewer reads is what runs. Tables
 * are named by a system's position in the config (`rows_0` is the first source), never by
 * its name, so no configured text enters the SQL but the normalisation rules' delimiter.
 */
import { memorySizeBytes } from '../../config/schema.js';
import type { NormalizeRules } from '../../core/normalize.js';
import { asciiNormalizeSql, DUCKDB_SQL } from '../../core/normalize-sql.js';
import type { CorruptDataPolicy } from '../../core/types.js';
import { textOut } from './duckdb-session.js';

/** The columns of a row table, in order; `key` is added by normalising. */
const ROW_TABLE_COLUMNS = 'seq BIGINT, line BIGINT, locator VARCHAR, raw VARCHAR, irregular VARCHAR';

/** The tables of one system, derived from its row table's name. */
export const tablesOf = (table: string) => ({
  rows: table,
  unicode: `${table}_unicode_keys`,
  keyed: `${table}_keyed`,
  raws: `${table}_raws`,
  keys: `${table}_keys`,
  asked: `${table}_asked`,
});

export const createRowTableSql = (table: string) => [`DROP TABLE IF EXISTS ${table}`, `CREATE TABLE ${table} (${ROW_TABLE_COLUMNS})`];

/** Normalising a row table: the distinct non-ASCII raw keys go to normalizeKey (`unicodeRawsSql`), the rest is SQL. */
export const createUnicodeTableSql = (table: string) => `CREATE TABLE ${tablesOf(table).unicode} (raw VARCHAR, key VARCHAR)`;
export const unicodeRawsSql = (table: string) => `SELECT DISTINCT ${textOut('raw')} FROM ${table} WHERE raw IS NOT NULL AND NOT ${DUCKDB_SQL.isAscii('raw')}`;
export function keyRowsSql(table: string, rules: NormalizeRules): string[] {
  const { unicode, keyed } = tablesOf(table);
  return [
    `CREATE TABLE ${keyed} AS SELECT t.*, CASE WHEN t.raw IS NULL THEN NULL WHEN ${DUCKDB_SQL.isAscii('t.raw')} THEN ${asciiNormalizeSql(rules, 't.raw', DUCKDB_SQL)} ` +
      `ELSE NULLIF(u.key, '') END AS key FROM ${table} t LEFT JOIN ${unicode} u ON u.raw = t.raw`,
    `DROP TABLE ${table}`,
    `DROP TABLE ${unicode}`,
    `ALTER TABLE ${keyed} RENAME TO ${table}`,
  ];
}

/** Each distinct raw form with its first row and row count, then each key with its first raw form and count of raw forms. */
export function indexSql(table: string, onCorruptData: CorruptDataPolicy): string[] {
  const { raws, keys } = tablesOf(table);
  const kept = onCorruptData === 'log' ? 'key IS NOT NULL' : 'key IS NOT NULL AND irregular IS NULL';
  return [
    `CREATE TABLE ${raws} AS SELECT key, raw, min(seq) AS seq, arg_min(line, seq) AS line, arg_min(locator, seq) AS locator, count(*) AS n FROM ${table} ` +
      `WHERE ${kept} GROUP BY key, raw`,
    `CREATE TABLE ${keys} AS SELECT key, arg_min(raw, seq) AS raw, min(seq) AS seq, arg_min(line, seq) AS line, arg_min(locator, seq) AS locator, count(*) AS raws FROM ${raws} ` +
      'GROUP BY key',
  ];
}

/** Keys, rows kept and distinct raw forms of one system (repeated rows = rows − raw forms). */
export function countsSql(table: string): string {
  const { raws, keys } = tablesOf(table);
  return `SELECT (SELECT count(*) FROM ${keys}), (SELECT coalesce(sum(n), 0) FROM ${raws}), (SELECT count(*) FROM ${raws})`;
}

/** The rows set aside (not a key, or ragged), in scan order. */
export const setAsideSql = (table: string) =>
  `SELECT seq, line, locator, ${textOut('raw')}, irregular, key IS NOT NULL FROM ${table} WHERE key IS NULL OR irregular IS NOT NULL ORDER BY seq`;

const held = (table: string, alias = 't') => `EXISTS (SELECT 1 FROM ${tablesOf(table).keys} o WHERE o.key = ${alias}.key)`;

/**
 * The gaps of every compared system at once: each authority key some of them lack, with the
 * authority's first locator and the places in `others` of those that lack it, comma-separated
 * (one object per key then goes into each of their lists; a key all of them lack is only in
 * the authority, and those no one lacks are the keys in every system), by key.
 */
export const gapsSql = (authority: string, others: readonly string[]) => {
  const lacking = `concat_ws(',', ${others.map((other, place) => `CASE WHEN NOT ${held(other, 'k')} THEN '${place}' END`).join(', ')})`;
  return `SELECT ${textOut('key')}, line, locator, lacking FROM (SELECT k.key, k.line, k.locator, ${lacking} AS lacking FROM ${tablesOf(authority).keys} k) t WHERE lacking <> '' ORDER BY key`;
};
/**
 * Every raw form, in every system of `others`, of a key the authority lacks, with the system's
 * place in `others`: by key, then system, then scan order, so a key's raw forms come together.
 */
export const outsideAuthoritySql = (authority: string, others: readonly string[]) =>
  `SELECT ${textOut('key')}, ${textOut('raw')}, line, locator, place FROM (\n` +
  others.map((other, place) => `SELECT key, raw, line, locator, seq, ${place} AS place FROM ${tablesOf(other).raws} t WHERE NOT ${held(authority)}`).join('\nUNION ALL ') +
  '\n) o ORDER BY key, place, seq';
/** Every raw form of the keys that have several, by key, then in scan order. */
export const duplicatesSql = (table: string) =>
  `SELECT ${textOut('key')}, ${textOut('raw')}, line, locator FROM ${tablesOf(table).raws} t ` +
  `WHERE EXISTS (SELECT 1 FROM ${tablesOf(table).keys} k WHERE k.key = t.key AND k.raws > 1) ORDER BY key, seq`;

/**
 * DuckDB's memory limit from the first normalising statement on: half the configured one.
 * DuckDB allocates beyond its limit while it aggregates a system's rows, and the comparing
 * statements' rows become the discrepancies in this process while DuckDB still holds every
 * system's indexes. At 20M keys × 5 and `2GB` the process peaked at 4,087–4,518 MB with the
 * whole limit, 3,159–3,858 MB with half while comparing only, and 2,727–2,782 MB with half from
 * here on (docs/scaling.md). Reading keeps the whole limit: the row tables spill as they grow.
 */
export function halfMemoryLimitSql(memoryLimit: string): string {
  return `SET memory_limit = '${Math.max(1, Math.floor(memorySizeBytes(memoryLimit) / 2 / 1024))}KiB'`;
}

/** Which of the asked keys (appended to `<authority>_asked`) the authority holds. */
export function authorityHoldsSql(authority: string): { create: string; select: string; drop: string } {
  const { asked } = tablesOf(authority);
  return { create: `CREATE OR REPLACE TABLE ${asked} (key VARCHAR)`, select: `SELECT ${textOut('key')} FROM ${asked} t WHERE ${held(authority)}`, drop: `DROP TABLE ${asked}` };
}
/**
 * Once compared, every table but the authority's keys is dropped: the registry stages ask only
 * of those, and DuckDB frees the rest before matching builds its index in Node
 * (docs/decisions.md §20). `tables` are every source's row table, read or left out.
 */
export const releaseAfterCompareSql = (tables: readonly string[], authority: string) =>
  tables.flatMap((table) => {
    const { rows, raws, keys } = tablesOf(table);
    return [rows, raws, ...(table === authority ? [] : [keys])].map((name) => `DROP TABLE IF EXISTS ${name}`);
  });

/** Every authority key, by key, as the gap lists are ordered (matching walks them together, run/run-read.ts). */
export const authorityKeysListSql = (authority: string) => `SELECT ${textOut('key')} FROM ${tablesOf(authority).keys} ORDER BY key`;

/** One configured system as the plan lists it. */
export interface PlannedSystem {
  readonly system: string;
  readonly location: string;
  readonly type: string;
}

/**
 * The whole run's SQL in the order the engine runs it, with comments saying what fills each
 * row table and what Node does between statements; the authority is the first system.
 */
export function engineSqlPlan(systems: readonly PlannedSystem[], authorityPosition: number, rules: NormalizeRules, onCorruptData: CorruptDataPolicy): string {
  const table = (position: number) => `rows_${position}`;
  const lines: string[] = [];
  const statement = (sql: string) => lines.push(`${sql};`);
  for (const [position, system] of systems.entries()) {
    lines.push('', `-- ${table(position)}: system ${system.system}, ${system.location}`);
    createRowTableSql(table(position)).forEach(statement);
    lines.push(`-- KeySync appends every row of its ${system.type} scan here (seq, line or locator, raw key, irregular).`);
  }
  lines.push('', '-- from here on, memory_limit is half the configured one');
  for (const [position, system] of systems.entries()) {
    lines.push('', `-- normalise and index ${system.system}`);
    statement(createUnicodeTableSql(table(position)));
    statement(unicodeRawsSql(table(position)));
    lines.push(`-- KeySync normalises each raw key above with normalizeKey and appends (raw, key) to ${tablesOf(table(position)).unicode}.`);
    keyRowsSql(table(position), rules).forEach(statement);
    indexSql(table(position), onCorruptData).forEach(statement);
    statement(countsSql(table(position)));
    statement(setAsideSql(table(position)));
  }
  const authority = table(authorityPosition);
  const others = systems.flatMap((_, position) => (position === authorityPosition ? [] : [table(position)]));
  lines.push('', '-- compare (a system left out of the run at read time is left out here too)');
  if (others.length > 0) statement(gapsSql(authority, others));
  if (others.length > 0) statement(outsideAuthoritySql(authority, others));
  [authority, ...others].forEach((each) => statement(duplicatesSql(each)));
  lines.push('', '-- release all but the authority keys');
  releaseAfterCompareSql(systems.map((_, position) => table(position)), authority).forEach(statement);
  const holds = authorityHoldsSql(authority);
  lines.push('', '-- registry stages: pending proposals whose key the authority now holds; the authority keys for matching');
  statement(holds.create);
  statement(holds.select);
  statement(holds.drop);
  statement(authorityKeysListSql(authority));
  return `${lines.join('\n').trim()}\n`;
}
