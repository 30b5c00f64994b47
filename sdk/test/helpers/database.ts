/** Reads a workspace's SQLite file directly, as an operator would, to check what a run left. */
import Database from 'better-sqlite3';
import type { TempWorkspace } from './workspace.js';

/**
 * Opened writable, as the next process would open it: a killed write's hot journal is rolled
 * back on open, and reading through it would fail.
 */
export function queryWorkspace<T>(workspace: TempWorkspace, sql: string): T[] {
  const db = new Database(workspace.file('data/keysync.db'));
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
