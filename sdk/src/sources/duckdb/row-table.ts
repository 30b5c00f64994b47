/**
 * A source's rows into a DuckDB table (docs/behaviour.md §11): the source type scans as it
 * always does, and this sink appends each row — its scan order, locator, raw key and what
 * is irregular about it — instead of indexing it. Rows the format could not read at all
 * (an unparseable CSV record, a missing key field) are bad rows already and stay here, few.
 * Normalising, the row policy's verdicts and every count happen in SQL afterwards.
 */
import type { BadRowReason, RowLocator } from '../../core/types.js';
import { PROGRESS_EVERY } from '../row-policy.js';
import type { RowSink } from '../source-type.js';
import type { DuckDbSession, RowAppender } from './duckdb-session.js';
import { createRowTableSql } from './engine-sql.js';

/** A row the format could not read: a bad row before any SQL. */
export interface UnreadableRow {
  readonly seq: number;
  readonly locator: RowLocator;
  readonly reason: BadRowReason;
  readonly detail: string;
}

export interface RowTableSink extends RowSink {
  readonly rows: number;
  readonly unreadableRows: readonly UnreadableRow[];
  finish(): void;
}

/** An empty row table (engine-sql.ts's ROW_TABLE_COLUMNS), replacing what an earlier attempt appended. */
export async function createRowTable(session: DuckDbSession, table: string): Promise<void> {
  for (const sql of createRowTableSql(table)) await session.run(sql);
}

/** A sink appending to `table` (created by createRowTable); `onRows` as the row policy calls it. */
export async function rowTableSink(session: DuckDbSession, table: string, onRows?: (rows: number) => void): Promise<RowTableSink> {
  const appender: RowAppender = await session.appender(table);
  const unreadable: UnreadableRow[] = [];
  let rows = 0;
  const counted = (): number => {
    rows++;
    if (onRows && rows % PROGRESS_EVERY === 0) onRows(rows);
    return rows;
  };
  // A whole-number locator (every CSV line, a rowid) goes in `line`, any other in `locator`.
  const locatorColumns = (locator: RowLocator): [number | null, string | null] =>
    typeof locator === 'number' && Number.isSafeInteger(locator) ? [locator, null] : [null, String(locator)];
  return {
    get rows() {
      return rows;
    },
    unreadableRows: unreadable,
    row(raw, locator, irregular) {
      const seq = counted();
      if (raw === undefined) {
        unreadable.push({ seq, locator, reason: 'missing key', detail: 'the row has no key field' });
        return;
      }
      appender.row([seq, ...locatorColumns(locator), raw, irregular ?? null]);
    },
    unreadable(locator, reason, detail) {
      unreadable.push({ seq: counted(), locator, reason, detail });
    },
    finish() {
      appender.close();
      onRows?.(rows);
    },
  };
}
