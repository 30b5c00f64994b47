/**
 * One DuckDB database for one run (docs/decisions.md §20): in memory, its spill files in a
 * temp folder under the workspace, under `processing.memory_limit`. `@duckdb/node-api` is an
 * optional dependency loaded here and only here, when the duckdb engine is chosen; without
 * it the run fails with ENGINE_UNAVAILABLE and the node engine never notices.
 *
 * Every statement can be cancelled: an abort interrupts the query inside DuckDB
 * (`interrupt()`), and the statement then fails as a cancelled run.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { cancelledError, isKeySyncError, KeySyncError, throwIfAborted } from '../../errors.js';

/** What a DuckDB session needs to start. */
export interface DuckDbSettings {
  /** DuckDB's memory_limit, e.g. `4GB`. */
  readonly memoryLimit: string;
  /** A folder of its own for spill files, removed when the session closes (with any parent the session had to make). */
  readonly tempDirectory: string;
  /** Threads DuckDB may use; 0 leaves DuckDB's default (one per core). */
  readonly threads?: number;
  readonly signal?: AbortSignal;
  /** Told as each statement starts and ends: which one is slow, which one a cancel interrupted (the engine logs it at debug level). */
  readonly onStatement?: (event: StatementEvent) => void;
}

/** A statement starting (no outcome yet) or ending, with how long it ran. */
export interface StatementEvent {
  /** The SQL, or what an append writes to. */
  readonly statement: string;
  readonly outcome?: 'done' | 'interrupted' | 'failed';
  readonly ms?: number;
}

/** One row as DuckDB hands it over, column values as JavaScript values (BIGINT as bigint). */
export type DuckDbRow = readonly unknown[];

/** The statements the engine runs, each interruptible. */
export interface DuckDbSession {
  /** Runs a statement, discarding any result. */
  run(sql: string): Promise<void>;
  /** All rows of a small result. */
  all(sql: string): Promise<DuckDbRow[]>;
  /** The rows of a result chunk by chunk, so a large result never sits in memory whole. */
  stream(sql: string, onChunk: (rows: readonly DuckDbRow[]) => void | Promise<void>): Promise<void>;
  /** Appends rows of text columns to a table (an ordinary table of the in-memory database, not a TEMP one). */
  append(table: string, rows: Iterable<readonly string[]>): Promise<void>;
  /** An appender for rows pushed one at a time, synchronously (a source scan's sink); close it to flush. */
  appender(table: string): Promise<RowAppender>;
  close(): void;
}

/**
 * A text column as it must be selected to reach JavaScript whole: the driver decodes text
 * like TextDecoder, dropping one leading U+FEFF, so a value that starts with one gets a
 * second in front (a raw key may start with one; the node engine keeps it).
 */
export function textOut(column: string): string {
  return `CASE WHEN starts_with(${column}, chr(65279)) THEN chr(65279) || ${column} ELSE ${column} END`;
}

/** Rows appended one by one: each value a number, a text or null, in the table's column order. */
export interface RowAppender {
  row(values: readonly (number | string | null)[]): void;
  close(): void;
}

type NodeApi = typeof import('@duckdb/node-api');

/** How often an abort's interrupt is repeated while a statement is still running: well inside the 1 s a cancel may take. */
const INTERRUPT_REPEAT_MS = 50;

async function loadDuckDb(): Promise<NodeApi> {
  try {
    return await import('@duckdb/node-api');
  } catch (error) {
    throw new KeySyncError('ENGINE_UNAVAILABLE', 'config', 'processing.engine is duckdb, but the DuckDB package (@duckdb/node-api) is not installed.', {
      remedy: 'install it next to KeySync (npm install @duckdb/node-api), or set processing.engine: node',
      cause: error,
    });
  }
}

export async function openDuckDb(settings: DuckDbSettings): Promise<DuckDbSession> {
  throwIfAborted(settings.signal);
  const duckdb = await loadDuckDb();
  // The first folder this made (the temp folder, or a parent that did not exist): removed on close, so even a dry run leaves nothing behind.
  const created = mkdirSync(settings.tempDirectory, { recursive: true }) ?? settings.tempDirectory;
  const instance = await duckdb.DuckDBInstance.create(':memory:', {
    memory_limit: settings.memoryLimit,
    temp_directory: settings.tempDirectory,
    // No extension is fetched from the network, and no file outside the sources is touched.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    ...(settings.threads ? { threads: String(settings.threads) } : {}),
  });
  const connection = await instance.connect();
  // Appending while a result streams on the same connection would end the stream: appends
  // take a connection of their own, so tables appended to are ordinary tables of the
  // in-memory database (visible to both), never TEMP ones.
  const writer = await instance.connect();
  // DuckDB clears a connection's interrupt as a query begins, so one that lands while a
  // statement is still on its way (parsed, prepared, queued for a thread) is lost and the
  // statement runs to its end. After an abort the interrupt is therefore repeated until
  // every statement in flight has ended; no new one starts (guarded checks the signal first).
  let inFlight = 0;
  let repeating: NodeJS.Timeout | undefined;
  const stopInterrupting = () => {
    clearInterval(repeating);
    repeating = undefined;
  };
  const interrupt = () => {
    if (inFlight === 0) return stopInterrupting();
    connection.interrupt();
    writer.interrupt();
  };
  const onAbort = () => {
    interrupt();
    if (inFlight > 0) repeating ??= setInterval(interrupt, INTERRUPT_REPEAT_MS).unref();
  };
  settings.signal?.addEventListener('abort', onAbort, { once: true });
  const guarded = async <T>(statement: string, work: () => Promise<T>): Promise<T> => {
    throwIfAborted(settings.signal);
    inFlight++;
    const started = performance.now();
    const ended = (outcome: StatementEvent['outcome']) => settings.onStatement?.({ statement, outcome, ms: performance.now() - started });
    settings.onStatement?.({ statement });
    try {
      const result = await work();
      ended('done');
      return result;
    } catch (error) {
      const interrupted = settings.signal?.aborted || /interrupt/i.test(String((error as Error)?.message));
      ended(interrupted ? 'interrupted' : 'failed');
      throwIfAborted(settings.signal);
      if (isKeySyncError(error)) throw error;
      if (interrupted) throw cancelledError();
      throw error;
    } finally {
      inFlight--;
    }
  };
  return {
    run: (sql) => guarded(sql, async () => void (await connection.run(sql))),
    all: (sql) => guarded(sql, async () => (await connection.runAndReadAll(sql)).getRows() as DuckDbRow[]),
    stream: (sql, onChunk) =>
      guarded(sql, async () => {
        const result = await connection.stream(sql);
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          await onChunk(chunk.getRows() as DuckDbRow[]);
          throwIfAborted(settings.signal);
        }
      }),
    append: (table, rows) =>
      guarded(`append to ${table}`, async () => {
        const appender = await writer.createAppender(table);
        try {
          for (const row of rows) {
            for (const value of row) appender.appendVarchar(value);
            appender.endRow();
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      }),
    appender: (table) =>
      guarded(`appender for ${table}`, async () => {
        const appender = await writer.createAppender(table);
        return {
          row(values) {
            for (const value of values) {
              if (value === null) appender.appendNull();
              else if (typeof value === 'number') appender.appendBigInt(BigInt(value));
              else appender.appendVarchar(value);
            }
            appender.endRow();
          },
          close() {
            try {
              appender.flushSync();
            } finally {
              appender.closeSync();
            }
          },
        };
      }),
    close() {
      settings.signal?.removeEventListener('abort', onAbort);
      stopInterrupting();
      writer.closeSync();
      connection.closeSync();
      instance.closeSync();
      rmSync(created, { recursive: true, force: true });
    },
  };
}
