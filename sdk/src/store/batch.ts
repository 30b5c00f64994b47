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
 * Rows are taken one chunk at a time, so a caller can make them as it goes rather than hold
 * them all beside what they are made from: at 10M keys a run inserts 1.1M registry rows and
 * as many audit rows (docs/decisions.md §9).
 */
export async function insertInChunks<T extends keyof KeySyncTables & string>(tx: Tx, table: T, rows: Iterable<Row<T>>, options: InsertOptions = {}): Promise<void> {
  let statement: ChunkStatement<T> | undefined;
  let parameters: unknown[] = [];
  let count = 0;
  for (const row of rows) {
    statement ??= chunkStatement(tx, table, Object.keys(row) as (keyof Row<T> & string)[], options);
    for (const column of statement.columns) parameters.push(row[column] ?? null);
    if (++count < statement.perChunk) continue;
    await tx.executeQuery(CompiledQuery.raw(statement.sql(count), parameters));
    parameters = [];
    count = 0;
  }
  if (count > 0) await tx.executeQuery(CompiledQuery.raw(statement!.sql(count), parameters));
}

export interface InsertOptions {
  readonly skipConflicts?: boolean;
  /** At most this many rows per statement (rows holding large values need not all be held at once). */
  readonly rowsPerStatement?: number;
}

interface ChunkStatement<T extends keyof KeySyncTables> {
  readonly columns: readonly (keyof Row<T> & string)[];
  readonly perChunk: number;
  /** The statement's text for a chunk of rows (a full chunk's is made once). */
  sql(rows: number): string;
}

function chunkStatement<T extends keyof KeySyncTables & string>(tx: Tx, table: T, columns: (keyof Row<T> & string)[], options: InsertOptions): ChunkStatement<T> {
  const perChunk = Math.max(1, Math.min(options.rowsPerStatement ?? Infinity, Math.floor(MAX_PARAMETERS / columns.length)));
  const placeholder = placeholderStyle(tx);
  const values = (count: number) => {
    const tuples: string[] = [];
    for (let row = 0; row < count; row++) tuples.push(`(${columns.map((_, column) => placeholder(row * columns.length + column)).join(', ')})`);
    return tuples.join(', ');
  };
  const head = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values `;
  const tail = options.skipConflicts ? ' on conflict do nothing' : '';
  let fullChunkSql: string | undefined;
  return {
    columns,
    perChunk,
    sql: (rows) => (rows === perChunk ? (fullChunkSql ??= head + values(perChunk) + tail) : head + values(rows) + tail),
  };
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
