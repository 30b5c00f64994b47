/**
 * Mock data as tables in one SQLite file (`--generate-data --into <file.db>`): each system's
 * generated CSV lines become rows of a table named after it, in order, so a table row's id is
 * its line in the CSV the generator would have written, less the header. A line that is not
 * valid CSV (the corrupt-rows injection) becomes a row without a key (NULL: a "no key" bad
 * row). The file is built beside its place and renamed over it, so a reader never sees half.
 */
import { renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export interface MockTable {
  readonly table: string;
  readonly lines: readonly string[];
}

const COLUMNS = ['key', 'last_seen_at', 'system', 'status'] as const;

export async function writeSystemsDatabase(file: string, tables: readonly MockTable[]): Promise<void> {
  // Loaded on first use: only --into needs it.
  const { default: Database } = await import('better-sqlite3');
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const db = new Database(temporary);
  try {
    db.transaction(() => {
      for (const { table, lines } of tables) {
        const name = `"${table.replace(/"/g, '""')}"`;
        db.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, ${COLUMNS.map((column) => `${column} TEXT`).join(', ')})`);
        const insert = db.prepare(`INSERT INTO ${name} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
        for (const line of lines) insert.run(...fieldsOf(line));
      }
    })();
    db.close();
    renameSync(temporary, file);
  } catch (error) {
    if (db.open) db.close();
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** A generated line's four fields; missing ones (and every one of an unparseable line) NULL. */
function fieldsOf(line: string): (string | null)[] {
  let fields: string[] = [];
  try {
    fields = (parse(line, { relax_column_count: true, relax_quotes: true }) as string[][])[0] ?? [];
  } catch {
    // Unparseable: no field is trustworthy.
  }
  return COLUMNS.map((_column, index) => fields[index] ?? null);
}
