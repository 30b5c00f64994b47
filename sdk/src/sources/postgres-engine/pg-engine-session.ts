/**
 * The postgres engine's one connection (docs/behaviour.md §11, docs/decisions.md §21): a READ
 * ONLY REPEATABLE READ transaction, so every statement of the run sees one snapshot and none
 * can write, with a statement timeout. Rows stream through a server-side cursor, a batch at a
 * time. An abort (Ctrl-C, the editor's Cancel, a lost run lock) cancels the running statement
 * from a second, short connection (`pg_cancel_backend`): ending the socket alone would leave a
 * backend that sends nothing (sorting, hashing) running until it next writes.
 */
import type { Client } from 'pg';
import { cancelledError, isKeySyncError, KeySyncError } from '../../errors.js';
import { postgresProblem } from '../postgres/postgres-errors.js';
import { postgresClient, TEXT_TYPES, type PostgresClient, type PostgresEndpoint } from '../postgres/postgres-session.js';
import { driverSays, redact, targetLocation } from '../database/database-target.js';
import { beginSql, endSql } from './engine-sql.js';

/** Rows fetched per round trip, as the postgres source fetches them. */
const BATCH_ROWS = 10_000;

export type PgRow = (string | null)[];

export interface PgEngineSession {
  /** `PostgreSQL 15.x …`, for messages. */
  readonly version: string;
  /** The server's pid for this session (what a cancel names). */
  readonly pid: number;
  /** The connection, for a source's own catalog lookup (its row identity) inside a savepoint. */
  readonly client: Client;
  /** The rows of `sql`; a failure is the engine's, or what `asSource` makes of the server's error (a source's own wording). */
  all(sql: string, values?: readonly unknown[], asSource?: (error: unknown) => unknown): Promise<PgRow[]>;
  /** Streams the rows of `sql` through a cursor; `onRows` has a batch before the next is fetched. */
  stream(sql: string, values: readonly unknown[], onRows: (rows: readonly PgRow[]) => void): Promise<void>;
  /** A failure of the session (a cancel, a timeout, the server's words) as the KeySyncError the run fails with. */
  failure(error: unknown): unknown;
  /** Runs `task` in a savepoint; its failure is rolled back to it, so the transaction goes on. */
  savepoint<T>(task: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface PgEngineOptions {
  readonly connectTimeoutS: number;
  /** Seconds a statement may run (`processing.statement_timeout_seconds`); 0 for no limit. */
  readonly statementTimeoutS: number;
  readonly signal?: AbortSignal;
}

/** Where the engine's session is, as its messages name it: `postgres://user@host:port/db`. */
export function engineLocation(endpoint: PostgresEndpoint): string {
  return targetLocation({ ...endpoint.target, table: undefined }).replace(/ query$/, '');
}

export async function openPgEngine(endpoint: PostgresEndpoint, options: PgEngineOptions): Promise<PgEngineSession> {
  const { signal } = options;
  if (signal?.aborted) throw cancelledError();
  const sessionOptions = { connectTimeoutS: options.connectTimeoutS, statementTimeoutS: undefined, keyColumn: '' };
  const { client, secrets, failure } = await postgresClient(endpoint, sessionOptions);
  const started = performance.now();
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    if (signal?.aborted) throw cancelledError();
    throw failure(error, 'connect', started);
  }
  let pid = 0;
  let version = '';
  /** A failure of one of the engine's statements, as a KeySyncError: cancelled, timed out, or the server's words. */
  const failed = (error: unknown): unknown => {
    if (signal?.aborted) return cancelledError();
    if (isKeySyncError(error)) return error;
    const code = (error as { code?: unknown })?.code;
    const location = engineLocation(endpoint);
    if (code === '57014') {
      return new KeySyncError('SOURCE_TIMEOUT', 'input', `The postgres engine's statement ran longer than processing.statement_timeout_seconds (${options.statementTimeoutS} s) and was stopped (SQLSTATE 57014).`, {
        file: location,
        remedy: 'raise processing.statement_timeout_seconds (0 for no limit), or set processing.engine: node',
      });
    }
    const problem = postgresProblem(error, {
      phase: 'read', user: endpoint.target.user, database: endpoint.target.database, table: undefined, keyColumn: '',
      sslmode: endpoint.sslmode, connectTimeoutS: options.connectTimeoutS, statementTimeoutS: options.statementTimeoutS, timedOut: false, serverSays: driverSays(error, secrets),
    });
    return new KeySyncError(problem.code, 'input', redact(`The postgres engine: ${problem.problem}.`, secrets), { file: location, remedy: redact(problem.remedy, secrets) });
  };
  let cancelling: Promise<void> | undefined;
  const cancel = () => {
    // A second connection asks the server to cancel the running statement, then goes.
    cancelling = (async () => {
      let second: PostgresClient | undefined;
      try {
        second = await postgresClient(endpoint, sessionOptions);
        await second.client.connect();
        await second.client.query({ text: 'SELECT pg_cancel_backend($1)', values: [pid] });
      } catch {
        // The main connection is ended below anyway, which ends its statement once the server notices.
      } finally {
        await second?.client.end().catch(() => undefined);
        await client.end().catch(() => undefined);
      }
    })();
  };
  const run = async <T>(work: () => Promise<T>, asSource?: (error: unknown) => unknown): Promise<T> => {
    if (signal?.aborted) throw cancelledError();
    try {
      return await work();
    } catch (error) {
      throw asSource && !signal?.aborted && isSourceError(error) ? asSource(error) : failed(error);
    }
  };
  try {
    const [[backend, serverVersion, encoding]] = (await client.query<PgRow>({ text: "SELECT pg_backend_pid()::text, version(), current_setting('server_encoding')", rowMode: 'array', types: TEXT_TYPES })).rows as [PgRow];
    pid = Number(backend);
    version = serverVersion!.split(' on ')[0]!;
    if (encoding !== 'UTF8') {
      throw new KeySyncError('ENGINE_REFUSED', 'config', `The postgres engine needs a UTF8 database; ${endpoint.target.database} is ${encoding}, where its text functions would not see which keys are ASCII.`, {
        file: engineLocation(endpoint),
        remedy: 'set processing.engine: node (it reads the same tables)',
      });
    }
    for (const sql of beginSql(options.statementTimeoutS)) await client.query(sql);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw failed(error);
  }
  signal?.addEventListener('abort', cancel, { once: true });
  let savepoints = 0;
  const session: PgEngineSession = {
    version,
    pid,
    client,
    failure: failed,
    all: (sql, values = [], asSource) => run(async () => (await query(client, sql, values)).rows, asSource),
    stream: (sql, values, onRows) =>
      run(async () => {
        const { default: Cursor } = await import('pg-cursor');
        const cursor = client.query(new Cursor<PgRow>(sql, [...values], { rowMode: 'array', types: TEXT_TYPES }));
        for (;;) {
          const rows = await cursor.read(BATCH_ROWS);
          if (rows.length === 0) break;
          if (signal?.aborted) throw cancelledError();
          onRows(rows);
        }
        await cursor.close();
      }),
    savepoint: async (task) => {
      const name = `keysync_${++savepoints}`;
      await run(() => client.query(`SAVEPOINT ${name}`));
      try {
        const result = await task();
        await run(() => client.query(`RELEASE SAVEPOINT ${name}`));
        return result;
      } catch (error) {
        if (!signal?.aborted) await client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw error;
      }
    },
    close: async () => {
      signal?.removeEventListener('abort', cancel);
      await cancelling;
      await client.query(endSql).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
  return session;
}

/**
 * A server error about what a source reads (no such table or column, no permission, bad data
 * in a query), which that source answers for in its own words; not a timeout, a cancel, a lost
 * connection or a server in trouble (SQLSTATE classes 57, 08, 53, 58, XX), which fail the run.
 */
export function isSourceError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(57|08|53|58|XX)/.test(code) && !isKeySyncError(error);
}

function query(client: Client, sql: string, values: readonly unknown[]) {
  return client.query<PgRow>({ text: sql, values: [...values], rowMode: 'array', types: TEXT_TYPES });
}
