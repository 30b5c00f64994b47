/**
 * Mock data as tables in one SQLite file (`--generate-data --into <file.db>`): each system's
 * generated CSV lines become rows of a table named after it, in order, so a table row's id is
 * its line in the CSV the generator would have written, less the header. A line that is not
 * valid CSV (the corrupt-rows injection) becomes a row without a key (NULL: a "no key" bad
 * row). The file is built beside its place and renamed over it, so a reader never sees half.
 */
import { renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fieldsOf, MOCK_COLUMNS, type MockTable } from './table-fields.js';

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
        db.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, ${MOCK_COLUMNS.map((column) => `${column} TEXT`).join(', ')})`);
        const insert = db.prepare(`INSERT INTO ${name} (${MOCK_COLUMNS.join(', ')}) VALUES (${MOCK_COLUMNS.map(() => '?').join(', ')})`);
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
