/**
 * Every SQL statement the postgres engine runs, as text (docs/behaviour.md §11, docs/decisions.md
 * §21): the engine runs these and `keysync plan --sql` prints them, so what a reviewer reads is
 * what runs. Nothing is created: each statement is one CTE pipeline over the sources' own
 * tables or queries, inside one READ ONLY REPEATABLE READ transaction, so every statement sees
 * one snapshot. CTEs are named by a source's position in the config (`rows_0` is the first
 * source), never by its name. Raw keys are compared under the "C" collation, byte by byte,
 * whatever the column's or the database's collation.
 */
import type { NormalizeRules } from '../../core/normalize.js';
import { asciiNormalizeSql, POSTGRES_SQL } from '../../core/normalize-sql.js';
import { quoteIdentifier } from '../database/identifiers.js';

/** One source as the engine's SQL reads it. */
export interface EngineSource {
  /** Its place in the config: its CTEs are `rows_<position>`, `raws_<position>`, `keys_<position>`. */
  readonly position: number;
  /** The FROM clause of its scan (its quoted table, or its checked query as a subquery). */
  readonly from: string;
  readonly keyColumn: string;
  /** The expressions that name a row (the postgres source's locatorExpressions), none when rows are numbered. */
  readonly locators: readonly string[];
  /** In a plan, for a table: the locator is looked up in pg_catalog at run time, so the plan says so in its place. */
  readonly plannedLocator?: boolean;
}

/** What a plan writes for a table's locator, which the run looks up in pg_catalog first. */
const PLANNED_LOCATOR = "NULL::text /* at run time: json_build_array(<the primary key's columns>::text), or json_build_array(ctid::text) without one (pg_catalog) */";

/**
 * The session's start: one snapshot for every statement, nothing written, a limit per statement
 * (0: none). Rows are numbered in the order a scan yields them, which must be the order the
 * postgres source's cursor reads (a cursor never runs in parallel): no parallel scan, whose
 * workers interleave rows, and no synchronised scan, which starts a big table where another
 * scan is.
 */
export const beginSql = (statementTimeoutS: number) => [
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  `SET LOCAL statement_timeout = ${Math.round(statementTimeoutS * 1000)}`,
  'SET LOCAL max_parallel_workers_per_gather = 0',
  'SET LOCAL synchronize_seqscans = off',
];

/** A source's raw key as the postgres source reads it (`key::text`), compared byte by byte. */
const rawKey = (source: EngineSource) => `${quoteIdentifier(source.keyColumn, '"')}::text COLLATE "C"`;

/** The distinct raw keys of a source that hold a character outside ASCII: normalizeKey normalises those (docs/decisions.md §20). */
export const unicodeRawsSql = (source: EngineSource) =>
  `SELECT DISTINCT s.raw FROM (SELECT ${rawKey(source)} AS raw FROM ${source.from}) s WHERE s.raw IS NOT NULL AND NOT ${POSTGRES_SQL.isAscii('s.raw')}`;

/** The non-ASCII raw keys and their keys ('' for none), handed over as two array parameters. */
export const UNICODE_CTE = 'unicode AS MATERIALIZED (SELECT u.raw COLLATE "C" AS raw, u.key COLLATE "C" AS key FROM unnest($1::text[], $2::text[]) AS u(raw, key))';

/**
 * Each row of a source in scan order (`row_number() OVER ()` numbers rows as the scan yields
 * them, which is the order the postgres source's cursor reads), its locator texts and its key:
 * NULL for a row that is not a key, which the row policy words when it comes back.
 */
export function rowsCte(source: EngineSource, rules: NormalizeRules): string {
  const locator = source.plannedLocator ? PLANNED_LOCATOR : source.locators.length > 0 ? `json_build_array(${source.locators.join(', ')})::text` : 'NULL::text';
  return (
    `rows_${source.position} AS MATERIALIZED (SELECT s.seq, s.raw, s.loc, CASE WHEN s.raw IS NULL THEN NULL WHEN ${POSTGRES_SQL.isAscii('s.raw')} ` +
    `THEN ${asciiNormalizeSql(rules, 's.raw', POSTGRES_SQL)} ELSE NULLIF(u.key, '') END AS key ` +
    `FROM (SELECT row_number() OVER () AS seq, ${rawKey(source)} AS raw, ${locator} AS loc FROM ${source.from}) s LEFT JOIN unicode u ON u.raw = s.raw)`
  );
}

/** Each distinct raw form with its first row and row count, then each key with its first row and count of raw forms: a KeyIndex. */
function indexCtes(position: number): string[] {
  return [
    `raws_${position} AS MATERIALIZED (SELECT DISTINCT ON (key, raw) key, raw, seq, loc, count(*) OVER (PARTITION BY key, raw) AS n FROM rows_${position} WHERE key IS NOT NULL ORDER BY key, raw, seq)`,
    `keys_${position} AS MATERIALIZED (SELECT DISTINCT ON (key) key, seq, loc, count(*) OVER (PARTITION BY key) AS raws FROM raws_${position} ORDER BY key, seq)`,
  ];
}

/** What each row of the comparison is (its `part`), in the order they come back. */
export const PART = { counts: 0, setAside: 1, gap: 2, outsideAuthority: 3, duplicate: 4 } as const;

const row = (part: number, system: number, key: string, raw: string, seq: string, loc: string) =>
  `SELECT ${part} AS part, ${system} AS system, ${key} AS key, ${raw} AS raw, ${seq} AS seq, ${loc} AS loc`;
const held = (position: number, alias = 't') => `EXISTS (SELECT 1 FROM keys_${position} o WHERE o.key = ${alias}.key)`;

/**
 * The whole comparison as one statement (docs/behaviour.md §4): for every system its counts
 * (rows in `seq`; keys, rows kept and raw forms as a JSON array in `loc`) and the rows set aside, then
 * each authority key some compared system lacks, once, with the positions of the systems that lack it
 * (comma-separated in `raw`: Node puts one object in each of their gap lists, and a key every one
 * lacks is only in the authority), every raw form of a key the authority lacks and every raw form
 * of a duplicate. Only these discrepancy rows come back, ordered by part, then: counts and rows set
 * aside by system position and scan order; gaps by key; raw forms outside the authority by key,
 * system position and scan order; duplicates by system position, key and scan order. Ordered by
 * key (bytes, the "C" collation), each list arrives almost always in the order Node gives it and
 * each key's rows together, so Node neither sorts the lists nor maps keys to entries (docs/decisions.md §21).
 * `$1`, `$2`: the non-ASCII raw keys and their keys.
 */
export function compareSql(sources: readonly EngineSource[], authority: number, rules: NormalizeRules): string {
  const others = sources.filter((source) => source.position !== authority).map((source) => source.position);
  const all = sources.map((source) => source.position);
  const ctes = [UNICODE_CTE, ...sources.flatMap((source) => [rowsCte(source, rules), ...indexCtes(source.position)])];
  const parts: string[] = [];
  for (const position of all) {
    const counts = `json_build_array((SELECT count(*) FROM keys_${position})::text, (SELECT coalesce(sum(n), 0) FROM raws_${position})::text, (SELECT count(*) FROM raws_${position})::text)::text`;
    parts.push(row(PART.counts, position, 'NULL::text', 'NULL::text', `(SELECT count(*) FROM rows_${position})`, counts));
    parts.push(`${row(PART.setAside, position, 'NULL::text', 't.raw', 't.seq', 't.loc')} FROM rows_${position} t WHERE t.key IS NULL`);
  }
  if (others.length > 0) {
    const lacking = `concat_ws(',', ${others.map((other) => `CASE WHEN NOT ${held(other, 'k')} THEN '${other}' END`).join(', ')})`;
    parts.push(`${row(PART.gap, authority, 't.key', 't.lacking', 't.seq', 't.loc')} FROM (SELECT k.key, k.seq, k.loc, ${lacking} AS lacking FROM keys_${authority} k) t WHERE t.lacking <> ''`);
  }
  for (const other of others) parts.push(`${row(PART.outsideAuthority, other, 't.key', 't.raw', 't.seq', 't.loc')} FROM raws_${other} t WHERE NOT ${held(authority)}`);
  for (const position of all) {
    parts.push(`${row(PART.duplicate, position, 't.key', 't.raw', 't.seq', 't.loc')} FROM raws_${position} t WHERE EXISTS (SELECT 1 FROM keys_${position} k WHERE k.key = t.key AND k.raws > 1)`);
  }
  const byKey = [PART.gap, PART.outsideAuthority].join(', ');
  return `WITH ${ctes.join(',\n')}\nSELECT * FROM (\n${parts.join('\nUNION ALL ')}\n) d ORDER BY part, CASE WHEN part IN (${byKey}) THEN 0 ELSE system END, key COLLATE "C", system, seq`;
}

/**
 * Every authority key, for matching, ordered by key as the gap lists are: matching asks of each
 * key in turn whether each system lacks it, which a cursor in each list then answers (run/run-read.ts).
 * `$1`, `$2` as in compareSql, the authority's only.
 */
export const authorityKeysSql = (authority: EngineSource, rules: NormalizeRules) =>
  `WITH ${UNICODE_CTE},\n${rowsCte(authority, rules)}\nSELECT key FROM rows_${authority.position} WHERE key IS NOT NULL GROUP BY key ORDER BY key COLLATE "C"`;

/** Which of the keys in `$3` the authority holds, in the order asked. */
export const authorityHoldsSql = (authority: EngineSource, rules: NormalizeRules) =>
  `WITH ${UNICODE_CTE},\n${rowsCte(authority, rules)}\n` +
  `SELECT a.key FROM unnest($3::text[]) WITH ORDINALITY AS a(key, n) WHERE EXISTS (SELECT 1 FROM rows_${authority.position} r WHERE r.key = a.key COLLATE "C") ORDER BY a.n`;

/** The end of the session: the transaction wrote nothing, and is rolled back. */
export const endSql = 'ROLLBACK';

/** One configured source as the plan lists it. */
export interface PlannedSource extends EngineSource {
  readonly system: string;
  readonly location: string;
  readonly table: boolean;
}

/**
 * The whole run's SQL in the order the engine runs it, with comments saying what each
 * parameter holds and what Node does between statements; `probes` the probe statements, by rule set.
 */
export function postgresSqlPlan(sources: readonly PlannedSource[], authority: number, rules: NormalizeRules, statementTimeoutS: number, probes: readonly { readonly name: string; readonly sql: string }[]): string {
  const lines: string[] = [];
  const statement = (sql: string) => lines.push(`${sql};`);
  lines.push('-- one session, one snapshot, nothing written');
  beginSql(statementTimeoutS).forEach(statement);
  lines.push('', '-- the start-up probe, once per rule set: $1 holds the probe cases (core/normalize-sql.ts); a difference from normalizeKey refuses the run');
  for (const probe of probes) {
    lines.push(`-- probe: ${probe.name}`);
    statement(probe.sql);
  }
  for (const source of sources) {
    lines.push('', `-- rows_${source.position}: system ${source.system}, ${source.location}`);
    if (source.table) lines.push("-- KeySync looks up the table's primary key in pg_catalog (its row locators), in a savepoint, as the postgres source does.");
    statement(unicodeRawsSql(source));
    lines.push('-- KeySync normalises each raw key above with normalizeKey: $1 below holds those raw keys, $2 their keys.');
  }
  const authoritySource = sources.find((source) => source.position === authority)!;
  lines.push('', '-- compare: only discrepancy rows come back, through a cursor (a system left out of the run at read time is left out here too)');
  statement(compareSql(sources, authority, rules));
  lines.push('', "-- registry stages: pending proposals whose key the authority now holds ($3), the authority keys for matching; $1, $2 the authority's non-ASCII keys");
  statement(authorityHoldsSql(authoritySource, rules));
  statement(authorityKeysSql(authoritySource, rules));
  lines.push('');
  statement(endSql);
  return `${lines.join('\n').trim()}\n`;
}
