import type { Dialect } from 'kysely';

/** The built-in SQLite drivers: `native` (better-sqlite3) and `wasm` (node-sqlite3-wasm). */
export type DriverName = 'native' | 'wasm';

/** How a driver opens the database file. */
export interface SqliteOpenOptions {
  /** Open without write access; the file must exist. Used by dry runs so the file stays byte-identical. */
  readonly readonly: boolean;
  /** How long a statement waits for another connection's SQLite lock before failing with SQLITE_BUSY. */
  readonly busyTimeoutMs: number;
}

/**
 * A way to reach a SQLite file. The store only ever sees the Kysely dialect, so the
 * CLI (native better-sqlite3) and the VS Code extension (WASM fallback when the native
 * module does not match Electron's ABI) share every query.
 *
 * Both drivers must leave the file in rollback-journal mode: the WASM driver cannot
 * open a WAL database (docs/behaviour.md §7).
 */
export interface SqliteDriver {
  readonly name: DriverName;
  /** Opens the database file and returns the Kysely dialect the store runs every query through. */
  createDialect(file: string, options: SqliteOpenOptions): Dialect;
}
