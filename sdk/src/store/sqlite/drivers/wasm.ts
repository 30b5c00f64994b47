import { closeSync, openSync, readSync } from 'node:fs';
import { SqliteDialect } from 'kysely';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import type { Database, SQLiteValue, Statement } from 'node-sqlite3-wasm';
import type { SqliteDriver, SqliteOpenOptions } from './driver.js';

/**
 * node-sqlite3-wasm behind Kysely's SqliteDialect: the extension's fallback when
 * better-sqlite3 was built for another ABI than Electron's. Blobs come back as Buffer,
 * as from the native driver; integers beyond 2^53 do not match (a bigint here, a rounded
 * number from better-sqlite3).
 */
export const wasmDriver: SqliteDriver = {
  name: 'wasm',
  createDialect: (file, options) => new SqliteDialect({ database: () => openWasm(file, options) }),
};

// The pragmas match native.ts; the driver tests check both connections report the same values.
async function openWasm(file: string, { readonly, busyTimeoutMs }: SqliteOpenOptions): Promise<SqliteDatabase> {
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  }
  if (isWalFile(file)) {
    throw new Error(
      `${file} is in WAL mode, which the WASM SQLite driver cannot open; ` +
        'open it once with the native driver (or run "PRAGMA journal_mode = DELETE") to convert it',
    );
  }
  // Loaded on first use: compiling the WASM module costs the CLI time it never needs to spend.
  const { Database } = (await import('node-sqlite3-wasm')).default;
  const db = new Database(file, { readOnly: readonly, fileMustExist: readonly });
  try {
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    if (!readonly) {
      db.exec('PRAGMA journal_mode = DELETE');
      db.exec('PRAGMA synchronous = FULL');
    }
    db.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return { prepare: (sql) => new WasmStatement(db, sql), close: () => db.close() };
}

/**
 * Kysely prepares a statement, reads `reader`, then runs it once. WASM memory is not
 * garbage-collected, so the SQLite statement is prepared only when first needed and
 * finalized right after its single execution.
 */
class WasmStatement implements SqliteStatement {
  readonly #db: Database;
  readonly #sql: string;
  #prepared: Statement | undefined;

  constructor(db: Database, sql: string) {
    this.#db = db;
    this.#sql = sql;
  }

  /** True when the statement yields columns (SELECT, RETURNING, value-returning PRAGMA), as in better-sqlite3. */
  get reader(): boolean {
    this.#prepared ??= this.#db.prepare(this.#sql);
    return columnCount(this.#prepared) > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#executeOnce((statement) => statement.all(toBindValues(parameters)).map(withBuffers));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number; lastInsertRowid: number | bigint } {
    return this.#executeOnce((statement) => statement.run(toBindValues(parameters)));
  }

  // A generator prepares nothing until the first row is pulled, and its `finally` also
  // runs when the consumer stops early (for..of calls `return()`).
  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    const statement = this.#take();
    try {
      for (const row of statement.iterate(toBindValues(parameters))) yield withBuffers(row);
    } finally {
      finalizeQuietly(statement);
    }
  }

  #executeOnce<T>(execute: (statement: Statement) => T): T {
    const statement = this.#take();
    try {
      return execute(statement);
    } finally {
      finalizeQuietly(statement);
    }
  }

  /** Hands the prepared statement to a caller that will finalize it. */
  #take(): Statement {
    const statement = this.#prepared ?? this.#db.prepare(this.#sql);
    this.#prepared = undefined;
    return statement;
  }
}

interface StatementInternals {
  _getColumnNames(): string[];
}

/**
 * node-sqlite3-wasm has no public column count; its internal `_getColumnNames` reads
 * sqlite3_column_count, which is known right after prepare. Checked so a library
 * update that drops it fails loudly instead of misrouting every query.
 */
function columnCount(statement: Statement): number {
  const internals = statement as unknown as Partial<StatementInternals>;
  if (typeof internals._getColumnNames !== 'function') {
    throw new Error('node-sqlite3-wasm no longer exposes Statement._getColumnNames; the WASM driver needs updating');
  }
  return internals._getColumnNames().length;
}

// sqlite3_finalize repeats the error of a failed step, which has already been thrown;
// the statement's memory is freed either way.
function finalizeQuietly(statement: Statement): void {
  try {
    statement.finalize();
  } catch {
    // already reported by the execution that failed
  }
}

/** better-sqlite3's binding rules, plus booleans as 0/1. */
function toBindValues(parameters: ReadonlyArray<unknown>): SQLiteValue[] {
  return parameters.map((value, index) => {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'bigint':
        return value;
      case 'boolean':
        return value ? 1 : 0;
      case 'undefined':
        return null;
      case 'object':
        if (value === null || value instanceof Uint8Array) return value;
    }
    const kind = typeof value === 'object' ? Object.prototype.toString.call(value).slice(8, -1) : typeof value;
    throw new TypeError(
      `Cannot bind parameter ${index + 1} (${kind}) to SQLite: use a string, number, bigint, boolean, Uint8Array or null`,
    );
  });
}

/** node-sqlite3-wasm copies blobs out as Uint8Array; viewing them as Buffer (no copy) matches better-sqlite3. */
function withBuffers<Row extends Record<string, unknown>>(row: Row): Row {
  for (const column in row) {
    const value = row[column];
    if (value instanceof Uint8Array) {
      row[column] = Buffer.from(value.buffer, value.byteOffset, value.byteLength) as Row[typeof column];
    }
  }
  return row;
}

/** Bytes 18 and 19 of the SQLite header are 2 when the file is in WAL mode; a missing or short file is not. */
function isWalFile(file: string): boolean {
  const header = Buffer.alloc(20);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    return readSync(fd, header, 0, header.length, 0) === header.length && header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
