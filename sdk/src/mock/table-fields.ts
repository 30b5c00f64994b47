/**
 * Mock data as table rows (`--generate-data --into`, docs/behaviour.md §8): the columns after
 * `id` and how a generated CSV line becomes their values, the same for every database the
 * tables go into.
 */
import { parse } from 'csv-parse/sync';

/** One system's table: named after the system, its generated CSV data lines (no header) as rows, in order. */
export interface MockTable {
  readonly table: string;
  readonly lines: readonly string[];
}

export const MOCK_COLUMNS = ['key', 'last_seen_at', 'system', 'status'] as const;

/** A generated line's four fields; missing ones (and every one of an unparseable line, the corrupt-rows injection) NULL. */
export function fieldsOf(line: string): (string | null)[] {
  let fields: string[] = [];
  try {
    fields = (parse(line, { relax_column_count: true, relax_quotes: true }) as string[][])[0] ?? [];
  } catch {
    // Unparseable: no field is trustworthy.
  }
  return MOCK_COLUMNS.map((_column, index) => fields[index] ?? null);
}
