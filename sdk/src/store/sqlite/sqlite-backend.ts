/**
 * The registry in a SQLite file: KeySync's inter-process lock around every access
 * (docs/decisions.md §4), `BEGIN IMMEDIATE` transactions, the file-header checks, and the
 * schema version in `PRAGMA user_version`. Any SqliteDriver reaches the file.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, sql } from 'kysely';
import { KeySyncError } from '../../errors.js';
import type { Db, OpenedStore, StoreBackend, Tx } from '../backend.js';
import { migrationProvider, SCHEMA_VERSION } from '../migrations.js';
import { ProcessLock } from '../process-lock.js';
import { nextIds } from '../registry-repo.js';
import type { KeySyncTables } from '../tables.js';
import type { SqliteDriver } from './drivers/driver.js';
import { sqliteDdl } from './ddl.js';
import { checkDatabaseFile } from './file-header.js';
import { translateSqliteError } from './sqlite-errors.js';

/** Marks a SQLite file as KeySync's (`PRAGMA application_id`), so a foreign file is refused untouched. */
export const APPLICATION_ID = 0x4b53594e; // "KSYN"

/** The lock every access to the database takes (see process-lock.ts). */
export const databaseLockDir = (databaseFile: string): string => `${databaseFile}.keysync-db.lock`;

export interface SqliteStoreOptions {
  readonly driver: SqliteDriver;
  /** Open read-only; a missing file then gives an empty in-memory store (dry runs). */
  readonly readonly?: boolean;
  /** How long an access waits for another process's lock (the SDK's, then SQLite's). */
  readonly lockTimeoutMs?: number;
  /** An empty registry in memory, whatever `file` is (it only names it in messages): a dry run with no registry to read. */
  readonly emptyInMemory?: boolean;
}

export async function openSqlite(file: string, options: SqliteStoreOptions): Promise<OpenedStore> {
  const readonly = options.readonly ?? false;
  const lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
  const inMemory = options.emptyInMemory === true || (readonly && !existsSync(file));
  if (!readonly) createParentFolder(file);
  const lock = inMemory ? null : new ProcessLock(databaseLockDir(file));
  const access = <T>(purpose: string, work: () => Promise<T>): Promise<T> => lockedOrNot(file, lock, lockTimeoutMs, work, purpose);
  const db = await access('read', () => openChecked(file, options.driver, readonly, inMemory, lockTimeoutMs));
  const backend: StoreBackend = {
    location: file,
    sessionsBesideOthers: false,
    access,
    // The file lock already keeps every other process out; SQLite has one connection.
    exclusive: (db, purpose, work) => access(purpose, () => work(db)),
    // A run's commit holds the file lock too: SQLite has one writer at a time, so a decision
    // meanwhile waits up to busy_timeout_ms and is then refused, naming the run (store.ts).
    commitSession: (db, purpose, work) => access(purpose, () => work(db)),
    // Under the file lock nobody else inserts: the next free ids are simply free.
    reserveIds: (db) => nextIds(db),
    transaction: inTransaction,
    translateError: (error) => translateSqliteError(error, file),
  };
  return { db, backend };
}

function createParentFolder(file: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KeySyncError('DATABASE_UNUSABLE', 'database', `The database's folder cannot be created (${code}).`, {
      file,
      cause: error,
      remedy: code === 'ENOTDIR' || code === 'EEXIST' ? 'a file stands where a folder of database.path should be: choose another path' : 'check database.path and the permissions of its folder',
    });
  }
}

/**
 * One transaction on one connection. Kysely's own would roll back after an error and, when
 * SQLite had already rolled back by itself (a full disk, an I/O error), throw "no transaction
 * is active" in place of the error that matters.
 */
async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    // IMMEDIATE takes the write lock now: a busy database fails here, before any work.
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

function lockedOrNot<T>(file: string, lock: ProcessLock | null, timeoutMs: number, work: () => Promise<T>, purpose: string): Promise<T> {
  if (!lock) return work();
  return lock.with({ purpose, timeoutMs }, () => {
    clearStaleWasmLock(file);
    return work();
  });
}

/**
 * node-sqlite3-wasm locks with a `<db>.lock` folder, which a killed process leaves behind
 * and which then blocks every later WASM access. Every KeySync access holds the SDK's lock,
 * so while we hold it such a folder can only be left over: remove it.
 */
function clearStaleWasmLock(databaseFile: string): void {
  rmSync(`${databaseFile}.lock`, { recursive: true, force: true });
}

async function openChecked(file: string, driver: SqliteDriver, readonly: boolean, inMemory: boolean, busyTimeoutMs: number): Promise<Db> {
  if (!inMemory) checkDatabaseFile(file, APPLICATION_ID);
  if (readonly && !inMemory && existsSync(`${file}-journal`)) {
    throw new KeySyncError('DATABASE_NEEDS_RECOVERY', 'database', 'An interrupted write left a rollback journal beside the database; a read-only open cannot roll it back.', {
      file,
      remedy: 'run once without --dry-run (any registry command will do) so SQLite recovers the file',
    });
  }
  const db = new Kysely<KeySyncTables>({
    dialect: driver.createDialect(inMemory ? ':memory:' : file, { readonly: readonly && !inMemory, busyTimeoutMs }),
  });
  try {
    if (!readonly || inMemory) await migrate(db, file);
    else await refuseOutdated(db, file);
    return db;
  } catch (error) {
    await db.destroy();
    throw translateOpenError(error, file);
  }
}

/** A read-only open cannot migrate, so an older file is refused rather than misread. */
async function refuseOutdated(db: Db, file: string): Promise<void> {
  const version = await pragmaNumber(db, 'user_version');
  if (version < SCHEMA_VERSION) {
    throw new KeySyncError('DATABASE_OUTDATED', 'database', `The database uses an older schema (${version}) and a dry run cannot upgrade it.`, {
      file,
      remedy: 'run once without --dry-run to upgrade it',
    });
  }
}

function translateOpenError(error: unknown, file: string): unknown {
  const known = translateSqliteError(error, file);
  if (known instanceof KeySyncError) return known;
  const message = (error as Error).message ?? String(error);
  return new KeySyncError('DATABASE_OPEN_FAILED', 'database', `The database cannot be opened: ${message}.`, {
    file,
    cause: error,
    remedy: /locked|busy/i.test(message)
      ? 'another program holds the database; try again when it has finished'
      : 'check the file; if it is damaged, restore it from a backup',
  });
}

async function migrate(db: Db, file: string): Promise<void> {
  if ((await pragmaNumber(db, 'user_version')) === SCHEMA_VERSION) return;
  // Claimed before the tables exist, so a kill mid-migration never leaves a file that looks foreign.
  await sql.raw(`PRAGMA application_id = ${APPLICATION_ID}`).execute(db);
  const { error } = await new Migrator({ db, provider: migrationProvider(sqliteDdl) }).migrateToLatest();
  if (error) {
    throw new KeySyncError('DATABASE_MIGRATION', 'database', `Upgrading the database schema failed: ${(error as Error).message}.`, {
      file,
      cause: error,
      remedy: 'restore the file from a backup, or report this with the file attached',
    });
  }
  await sql.raw(`PRAGMA user_version = ${SCHEMA_VERSION}`).execute(db);
}

async function pragmaNumber(db: Db, name: 'application_id' | 'user_version'): Promise<number> {
  const result = await sql.raw<Record<string, number>>(`PRAGMA ${name}`).execute(db);
  return Number(Object.values(result.rows[0] ?? {})[0] ?? 0);
}
