import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { BaselineResult } from './types.js';

const ASCII_WHITESPACE = '\t\n\v\f\r ';
// ECMAScript's whitespace (what String.prototype.trim and /\s/ match) rather than RE2's \s, which lacks \v and
// every non-ASCII space, so the result agrees with a JS implementation of the rules.
const UNICODE_WHITESPACE =
  ASCII_WHITESPACE +
  '\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

// The rules in order: trim, upper-case, separator runs to one '-', drop other characters, re-collapse the '-'
// runs that dropping brought together. DuckDB's upper() is a simple case mapping: unlike JS toUpperCase it does
// not expand ß, the ligatures ﬀ-ﬆ, ŉ, ǰ or ẖ-ẚ into ASCII letters, so keys holding those normalise
// differently.
function normalisedSql(column: string, whitespace: string): string {
  const upperTrimmed = `upper(trim(${column}, ${sqlString(whitespace)}))`;
  const separated = `regexp_replace(${upperTrimmed}, ${sqlString(`[${whitespace}_-]+`)}, '-', 'g')`;
  return `regexp_replace(regexp_replace(${separated}, '[^A-Z0-9-]+', '', 'g'), '-{2,}', '-', 'g')`;
}

// Per-row regex calls are what DuckDB spends its time on, so keys that are already normal (most of them) skip
// the chain, and only keys with a non-ASCII character (more bytes than characters) pay for the Unicode
// whitespace set, which makes trim and RE2 several times slower.
const NORMALISED_KEY = `CASE
      WHEN regexp_full_match("key", '[A-Z0-9]+(-[A-Z0-9]+)*') THEN "key"
      WHEN strlen("key") = length("key") THEN ${normalisedSql('"key"', ASCII_WHITESPACE)}
      ELSE ${normalisedSql('"key"', UNICODE_WHITESPACE)}
    END`;

// read_csv expands glob patterns such as * in the path; the benchmark's folders have none.
function distinctKeysSql(table: string, csvPath: string): string {
  return `CREATE TEMP TABLE ${table} AS
    SELECT DISTINCT normalised AS key
    FROM (
      SELECT ${NORMALISED_KEY} AS normalised
      FROM read_csv(${sqlString(csvPath)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
    )
    -- a key with no letter or digit normalises to '' or '-', and is a bad row
    WHERE normalised NOT IN ('', '-')`;
}

/** Propagation gaps and out-of-authority keys computed in DuckDB; `systems[0]` is the authority. */
export async function duckdbBaseline(dir: string, systems: string[]): Promise<BaselineResult> {
  if (systems.length < 2) throw new Error('duckdbBaseline needs an authority and at least one downstream system');
  const started = performance.now();
  const counts = await countKeys(systems.map((system) => resolve(join(dir, `${system}.csv`))));
  const wallMs = performance.now() - started;
  const keyCounts = counts.slice(0, systems.length);
  const gapCounts = counts.slice(systems.length, -1);
  return {
    tool: 'duckdb',
    wallMs,
    gaps: Object.fromEntries(systems.slice(1).map((system, i) => [system, gapCounts[i]!])),
    outOfAuthority: counts.at(-1)!,
    keysPerSystem: Object.fromEntries(systems.map((system, i) => [system, keyCounts[i]!])),
    exact: true,
  };
}

/** Distinct keys per file, then A − S per downstream file, then (∪ downstream) − A; the first path is A. */
async function countKeys(csvPaths: string[]): Promise<number[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    // Tables are named by position so system names never enter the SQL.
    const tables = csvPaths.map((_, i) => `keys_${i}`);
    for (const [i, csvPath] of csvPaths.entries()) await connection.run(distinctKeysSql(tables[i]!, csvPath));
    const [authority, ...downstream] = tables;
    const countsSql = `SELECT
      ${tables.map((t) => `(SELECT count(*) FROM ${t})`).join(',\n      ')},
      ${downstream.map((t) => `(SELECT count(*) FROM ${authority} ANTI JOIN ${t} USING (key))`).join(',\n      ')},
      (SELECT count(*) FROM (${downstream.map((t) => `SELECT key FROM ${t}`).join(' UNION ')})
        ANTI JOIN ${authority} USING (key))`;
    return (await connection.runAndReadAll(countsSql)).getRows()[0]!.map(Number);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
