/**
 * The `sqlite` source type (docs/behaviour.md §2): a table, view or SELECT in a SQLite file,
 * opened read-only. Keys are read as `CAST(key AS TEXT)` gives them (an integer as its
 * digits, a real as SQLite prints it, NULL as no key). Locators:
 * - a table: its primary key as every database type gives it (key-locator.ts): an integer
 *   value is the number (an INTEGER PRIMARY KEY is the rowid), any other `code=X-1`,
 *   `region=EU,id=1`; without a primary key its rowid (a WITHOUT ROWID table always has one);
 * - a view or a query: the 1-based row number.
 * The fingerprint is the file's, as for a CSV: any write to the file changes it.
 */
import path from 'node:path';
import type { SourceConfigOf } from '../../config/schema.js';
import { cancelledError, KeySyncError } from '../../errors.js';
import { statFingerprint } from '../file-fingerprint.js';
import { assertRegularFile } from '../read-file.js';
import { checkSingleSelect } from '../single-select.js';
import type { RowLocator, RowSink, ScanOptions, SourceContext, SourceReader, SourceType } from '../source-type.js';
import { openReadonlySqlite, type ReadonlySqlite, type Row } from './sqlite-file.js';
import { columnText, tableLocator, type TableShape } from './sqlite-rows.js';

export type SqliteSourceConfig = SourceConfigOf<'sqlite'>;

/** Rows between two looks at the cancel signal (the rows themselves come synchronously). */
const YIELD_EVERY = 50_000;

export const sqliteSourceType: SourceType<SqliteSourceConfig> = {
  type: 'sqlite',
  open(system, config, context) {
    return new SqliteReader(system, config, path.resolve(context.configDir, config.path), context);
  },
};

class SqliteReader implements SourceReader {
  readonly location: string;

  constructor(
    readonly system: string,
    private readonly config: SqliteSourceConfig,
    readonly file: string,
    private readonly context: SourceContext,
  ) {
    this.location = `sqlite:${file} ${config.table === undefined ? 'query' : `table ${config.table}`}`;
  }

  fingerprint(): Promise<string | undefined> {
    return statFingerprint(this.file);
  }

  async scan(sink: RowSink, options: ScanOptions = {}): Promise<void> {
    await this.withDatabase(async (db) => {
      const { sql, locate } = this.keyQuery(db);
      let number = 0;
      const rows = this.run(() => db.iterate(sql));
      for (;;) {
        const next = this.run(() => rows.next());
        if (next.done) break;
        number++;
        sink.row(next.value.k === null ? null : String(next.value.k), locate(next.value, number));
        if (number % YIELD_EVERY === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          if (options.signal?.aborted) {
            rows.return?.();
            throw cancelledError();
          }
        }
      }
    });
  }

  async showRow(locator: RowLocator): Promise<ReadonlyMap<string, string | null> | undefined> {
    return this.withDatabase(async (db) => {
      let row: Row | undefined;
      if (this.config.table !== undefined) {
        const shape = this.shape(db, this.config.table);
        const where = tableLocator(shape).where(locator);
        row = where ? this.run(() => db.all(`SELECT * FROM ${quote(this.config.table!)} WHERE ${where.sql} LIMIT 1`, where.parameters))[0] : undefined;
        if (!where && typeof locator === 'number') row = this.nthRow(db, `SELECT * FROM ${quote(this.config.table)}`, locator);
      } else {
        if (typeof locator === 'number') row = this.nthRow(db, this.checkedQuery(), locator);
      }
      return row && new Map(Object.entries(row).map(([column, value]) => [column, columnText(value)]));
    });
  }

  /** A view's or query's row by number: on demand, one row, so skipping to it is fine here. */
  private nthRow(db: ReadonlySqlite, select: string, number: number): Row | undefined {
    if (!Number.isInteger(number) || number < 1) return undefined;
    return this.run(() => db.all(`SELECT * FROM (${select}) LIMIT 1 OFFSET ?`, [number - 1]))[0];
  }

  /** The source's query without its trailing `;`; SOURCE_QUERY_REFUSED, before it runs, when it is not one SELECT. */
  private checkedQuery(): string {
    const check = checkSingleSelect(this.config.query!, 'sqlite');
    if (check.ok) return check.sql;
    throw new KeySyncError('SOURCE_QUERY_REFUSED', 'input', `The query of system ${this.system} is not a single SELECT: ${check.reason}; it was not run.`, {
      file: this.location,
      remedy: `write one SELECT statement as sources.${this.system}.query, or name a table with sources.${this.system}.table`,
    });
  }

  /** The statement reading the key (and locator) of every row, checked before it runs. */
  private keyQuery(db: ReadonlySqlite): { sql: string; locate: (row: Row, number: number) => RowLocator } {
    const key = quote(this.config.key_column.trim());
    if (this.config.query !== undefined) {
      const sql = `SELECT CAST(${key} AS TEXT) AS k FROM (${this.checkedQuery()})`;
      return { sql, locate: (_row, number) => number };
    }
    const table = this.config.table!;
    const shape = this.shape(db, table);
    if (!shape.columns.includes(this.config.key_column.trim())) throw this.noKeyColumn(shape.columns);
    const locator = tableLocator(shape);
    return { sql: `SELECT CAST(${key} AS TEXT) AS k${locator.select} FROM ${quote(table)}`, locate: locator.read };
  }

  /** The table's columns and primary key, or SOURCE_NO_TABLE. */
  private shape(db: ReadonlySqlite, table: string): TableShape {
    const kind = this.run(() => db.all('SELECT type, sql FROM sqlite_schema WHERE name = ? COLLATE NOCASE AND type IN (\'table\', \'view\')', [table]))[0];
    if (!kind) {
      const tables = this.run(() => db.all("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
      const names = tables.map((row) => String(row.name));
      throw new KeySyncError('SOURCE_NO_TABLE', 'input', `The SQLite file of system ${this.system} has no table or view "${table}" (it has ${names.length ? names.map((name) => JSON.stringify(name)).join(', ') : 'none'}).`, {
        file: this.location,
        remedy: `set sources.${this.system}.table to one of its tables, or check sources.${this.system}.path`,
      });
    }
    const info = this.run(() => db.all(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, [table]));
    const primaryKey = info.filter((column) => Number(column.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((column) => String(column.name));
    const withoutRowid = /\bWITHOUT\s+ROWID\s*$/i.test(String(kind.sql ?? '').trim());
    return { columns: info.map((column) => String(column.name)), primaryKey, kind: kind.type === 'view' ? 'view' : withoutRowid ? 'without rowid' : 'table' };
  }

  private noKeyColumn(columns: readonly string[]): KeySyncError {
    const wanted = this.config.key_column.trim();
    const otherCase = columns.find((column) => column.toLowerCase() === wanted.toLowerCase());
    return new KeySyncError('SOURCE_NO_KEY_COLUMN', 'input', `The table has no "${wanted}" column (found ${columns.slice(0, 8).map((column) => JSON.stringify(column)).join(', ')}${columns.length > 8 ? ', …' : ''}).`, {
      file: this.location,
      remedy: otherCase !== undefined ? `set key_column: "${otherCase}" for source ${this.system}` : `set key_column for source ${this.system} to one of its columns`,
    });
  }

  private async withDatabase<T>(use: (db: ReadonlySqlite) => Promise<T>): Promise<T> {
    await assertRegularFile(this.file, 'SQLite file');
    let db: ReadonlySqlite;
    try {
      db = await openReadonlySqlite(this.file, this.context.sqliteDriver ?? 'native');
      // Opening reads nothing: a file that is not SQLite fails on the first statement.
      db.all('SELECT count(*) FROM sqlite_schema');
    } catch (error) {
      throw this.sqliteError(error);
    }
    try {
      return await use(db);
    } finally {
      db.close();
    }
  }

  /** A statement, with SQLite's own errors turned into the source's KeySyncErrors. */
  private run<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      throw this.sqliteError(error);
    }
  }

  private sqliteError(error: unknown): unknown {
    if (error instanceof KeySyncError) return error;
    const message = (error as Error)?.message ?? String(error);
    if (/not a database|file is encrypted|malformed|unsupported file format/i.test(message)) {
      return new KeySyncError('SOURCE_NOT_SQLITE', 'input', `The file of system ${this.system} is not a readable SQLite database (${message}).`, {
        file: this.location,
        cause: error,
        remedy: `point sources.${this.system}.path at a SQLite database file, or restore it from a good copy`,
      });
    }
    const column = /no such column: (.+)$/i.exec(message)?.[1];
    if (column !== undefined && this.config.query !== undefined) {
      return new KeySyncError('SOURCE_NO_KEY_COLUMN', 'input', `The query of system ${this.system} has no column ${column} (SQLite: ${message}).`, {
        file: this.location,
        cause: error,
        remedy: `select a "${this.config.key_column.trim()}" column in the query, or set key_column for source ${this.system}`,
      });
    }
    if (/unable to open|cannot open|SQLITE_CANTOPEN/i.test(message)) {
      return new KeySyncError('SOURCE_UNREADABLE', 'input', `The SQLite file of system ${this.system} cannot be opened (${message}).`, {
        file: this.location,
        cause: error,
        remedy: 'check the file and its permissions (it is opened read-only; a WAL-mode file needs its folder readable)',
      });
    }
    return new KeySyncError('SOURCE_QUERY_FAILED', 'input', `Reading system ${this.system} failed: ${message}.`, {
      file: this.location,
      cause: error,
      remedy: this.config.query !== undefined ? `fix sources.${this.system}.query` : `check sources.${this.system}.table and key_column`,
    });
  }
}

/** An identifier in double quotes, its own double quotes doubled: any table or column name is safe. */
export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
