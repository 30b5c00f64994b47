/**
 * Multi-row inserts in chunks, as precompiled SQL: one statement per row is 5–8× slower
 * (docs/decisions.md §9), Kysely's builder spends more time parsing a 1,000-row `values()`
 * than SQLite spends inserting it, and SQLite caps the bound parameters of one statement.
 * The placeholders are the dialect's own (`?` for SQLite, `$1` for PostgreSQL).
 */
import { CompiledQuery, sql } from 'kysely';
import type { Tx } from './backend.js';
import type { KeySyncTables } from './tables.js';

const MAX_PARAMETERS = 8000;

type Row<T extends keyof KeySyncTables> = { readonly [C in keyof KeySyncTables[T]]?: unknown };

/**
 * Inserts rows that all have the same columns (those of the first row). With `skipConflicts`,
 * a row meeting a unique key another row holds is left out instead of failing the statement
 * (on PostgreSQL after waiting for a transaction still inserting that key); the caller checks.
 */
export async function insertInChunks<T extends keyof KeySyncTables & string>(tx: Tx, table: T, rows: readonly Row<T>[], options: { readonly skipConflicts?: boolean } = {}): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as (keyof Row<T> & string)[];
  const perChunk = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const placeholder = placeholderStyle(tx);
  const values = (count: number) => {
    const tuples: string[] = [];
    for (let row = 0; row < count; row++) tuples.push(`(${columns.map((_, column) => placeholder(row * columns.length + column)).join(', ')})`);
    return tuples.join(', ');
  };
  const head = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values `;
  let fullChunkSql: string | undefined;
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const tail = options.skipConflicts ? ' on conflict do nothing' : '';
    const text = chunk.length === perChunk ? (fullChunkSql ??= head + values(perChunk) + tail) : head + values(chunk.length) + tail;
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column] ?? null);
    await tx.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

/** The dialect's placeholder for the parameter at an index, learnt by compiling one. */
function placeholderStyle(tx: Tx): (index: number) => string {
  const compiled = sql`${0}`.compile(tx).sql;
  return compiled === '?' ? () => '?' : (index) => `$${index + 1}`;
}

/** Splits a long `in (...)` list so no statement exceeds the parameter cap. */
export function* chunked<T>(items: readonly T[], size = MAX_PARAMETERS): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
