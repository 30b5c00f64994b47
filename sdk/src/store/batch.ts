/**
 * Multi-row inserts in chunks: one statement per row is 5–8× slower (PERFORMANCE-NOTES),
 * and SQLite caps the bound parameters of one statement (32,766).
 */
import type { Insertable } from 'kysely';
import type { Tx } from './store.js';
import type { KeySyncTables } from './tables.js';

const MAX_PARAMETERS = 30_000;

export async function insertInChunks<T extends keyof KeySyncTables & string>(
  tx: Tx,
  table: T,
  rows: readonly Insertable<KeySyncTables[T]>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).length;
  const chunk = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  for (let start = 0; start < rows.length; start += chunk) {
    // Kysely's generic insert types do not narrow through a table-name parameter.
    await tx.insertInto(table).values(rows.slice(start, start + chunk) as never).execute();
  }
}

/** Splits a long `in (...)` list so no statement exceeds the parameter cap. */
export function* chunked<T>(items: readonly T[], size = MAX_PARAMETERS): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
