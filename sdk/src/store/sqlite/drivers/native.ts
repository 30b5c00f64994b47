import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase } from 'kysely';
import type { SqliteDriver, SqliteOpenOptions } from './driver.js';

/** better-sqlite3: the CLI's driver, and the extension's whenever the native module loads. */
export const nativeDriver: SqliteDriver = {
  name: 'native',
  // A factory, so the file is opened on the first query rather than when the dialect is built.
  createDialect: (file, options) => new SqliteDialect({ database: async () => reusingLastWrite(await openNative(file, options)) }),
};

/**
 * Kysely prepares every statement it runs. A bulk insert runs one multi-row statement
 * of up to 8,000 parameters per chunk (store/batch.ts), and SQLite took about 4 ms to
 * compile each: a third of a run's registry and audit inserts. The last writing statement
 * is kept and run again when the same text comes next. Only statements that return no
 * rows: one that returns rows may still be iterated when its text comes again.
 */
function reusingLastWrite(db: BetterSqlite3.Database): SqliteDatabase {
  let last: { readonly sql: string; readonly statement: BetterSqlite3.Statement } | undefined;
  return {
    close: () => db.close(),
    prepare: (sql) => {
      if (last?.sql === sql) return last.statement;
      const statement = db.prepare(sql);
      last = statement.reader ? last : { sql, statement };
      return statement;
    },
  };
}

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
