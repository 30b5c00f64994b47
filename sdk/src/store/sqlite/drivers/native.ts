import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { SqliteDriver, SqliteOpenOptions } from './driver.js';

/** better-sqlite3: the CLI's driver, and the extension's whenever the native module loads. */
export const nativeDriver: SqliteDriver = {
  name: 'native',
  // A factory, so the file is opened on the first query rather than when the dialect is built.
  createDialect: (file, options) => new SqliteDialect({ database: async () => openNative(file, options) }),
};

// The pragmas match wasm.ts; the driver tests check both connections report the same values.
// Loaded on first use: where the native module cannot load (desktop VS Code's Electron ABI),
// importing the SDK must still work so the extension can fall back to the WASM driver.
async function openNative(file: string, { readonly, busyTimeoutMs }: SqliteOpenOptions): Promise<BetterSqlite3.Database> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  try {
    if (!readonly) {
      // The WASM driver cannot open a WAL file, so a shared file must stay in rollback-journal mode.
      db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
