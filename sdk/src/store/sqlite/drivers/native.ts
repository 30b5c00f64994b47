import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
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
      if (statement.reader) return rowsMadeHere(statement);
      last = { sql, statement };
      return statement;
    },
  };
}

/**
 * A reading statement whose rows come back as arrays and are made into objects here:
 * better-sqlite3 builds each row object property by property through V8's API, which took
 * 0.48–0.49 s for a 1M-key run's registry (111,111 rows of 15 columns) against 0.33–0.34 s
 * this way. A column named `__proto__` would set a prototype here, so such a
 * statement keeps better-sqlite3's own objects.
 */
function rowsMadeHere(statement: BetterSqlite3.Statement): SqliteStatement {
  const columns = statement.columns().map((column) => column.name);
  if (columns.includes('__proto__')) return statement;
  const rowOf = (values: readonly unknown[]) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
    return row;
  };
  statement.raw(true);
  return {
    reader: true,
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(rowOf),
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield rowOf(values);
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
