/**
 * Multi-row inserts in chunks, as precompiled SQL: one statement per row is 5–8× slower
 * (docs/decisions.md §9), Kysely's builder spends more time parsing a 1,000-row `values()`
 * than SQLite spends inserting it, and SQLite caps the bound parameters of one statement.
 */
import { CompiledQuery } from 'kysely';
import type { Tx } from './store.js';
import type { KeySyncTables } from './tables.js';

const MAX_PARAMETERS = 8000;

type Row<T extends keyof KeySyncTables> = { readonly [C in keyof KeySyncTables[T]]?: unknown };

/** Inserts rows that all have the same columns (those of the first row). */
export async function insertInChunks<T extends keyof KeySyncTables & string>(tx: Tx, table: T, rows: readonly Row<T>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as (keyof Row<T> & string)[];
  const perChunk = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  const head = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values `;
  let fullChunkSql: string | undefined;
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const sql = chunk.length === perChunk ? (fullChunkSql ??= head + Array(perChunk).fill(placeholders).join(', ')) : head + Array(chunk.length).fill(placeholders).join(', ');
    const parameters: unknown[] = [];
    for (const row of chunk) for (const column of columns) parameters.push(row[column] ?? null);
    await tx.executeQuery(CompiledQuery.raw(sql, parameters));
  }
}

/** Splits a long `in (...)` list so no statement exceeds the parameter cap. */
export function* chunked<T>(items: readonly T[], size = MAX_PARAMETERS): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
