/**
 * The database as the rest of the SDK sees it: a Kysely instance behind two doors.
 * `read` and `write` go through the backend's access control (docs/behaviour.md §7) and, for
 * writes, one transaction, so a multi-row write lands whole or not at all. Where the registry
 * lives — a SQLite file or a PostgreSQL schema — is the backend's business (backend.ts).
 */
import { KeySyncError } from '../errors.js';
import type { Db, FirstIds, IdCounts, OpenedStore, StoreBackend, Tx } from './backend.js';
import { postgresConnection } from './postgres/connection.js';
import { openPostgres, type PostgresStoreOptions } from './postgres/postgres-backend.js';
import { openSqlite, type SqliteStoreOptions } from './sqlite/sqlite-backend.js';

export type { Db, Tx };
export { APPLICATION_ID, databaseLockDir } from './sqlite/sqlite-backend.js';

export interface ExclusiveSession {
  readonly db: Db;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** A run's commit stage: an exclusive session's doors, and ids set aside for what it will insert. */
export interface CommitSession extends ExclusiveSession {
  reserveIds(counts: IdCounts): Promise<FirstIds>;
}

export type StoreOptions = SqliteStoreOptions;

/**
 * A change that waited past the busy timeout (for a run committing on SQLite, for a row a
 * PostgreSQL run is committing), told as what was not applied:
 * `Approve MK-1: not applied. The database is in use by run …, committing its changes (process …).`
 */
export function notApplied(error: unknown, purpose: string): unknown {
  if (!(error instanceof KeySyncError) || error.code !== 'DATABASE_BUSY') return error;
  const message = `${purpose.charAt(0).toUpperCase()}${purpose.slice(1)}: not applied. ${error.message}`;
  return new KeySyncError('DATABASE_BUSY', 'database', message, { file: error.file, remedy: error.remedy, cause: error });
}

export class Store {
  private queue: Promise<unknown> = Promise.resolve();
  /** Commit sessions going on beside the queue (sessionsBesideOthers); close waits for them too. */
  private readonly beside = new Set<Promise<unknown>>();

  private constructor(
    private readonly db: Db,
    private readonly backend: StoreBackend,
    readonly readonly: boolean,
    /** Set when this is an empty registry read in place of a PostgreSQL one not created yet (a dry run): that registry. */
    readonly emptyInPlaceOf?: string,
  ) {}

  /** The registry in a SQLite file. */
  static async open(file: string, options: StoreOptions): Promise<Store> {
    return Store.from(await openSqlite(file, options), options.readonly ?? false);
  }

  /**
   * The registry in a PostgreSQL schema, shared by a team. A read-only open with `emptyWith`
   * reads a registry not created yet as an empty one, in memory with that driver, creating
   * nothing on the server (a dry run before the first run); without it, it is refused.
   */
  static async openPostgres(options: PostgresStoreOptions & { readonly emptyWith?: SqliteStoreOptions['driver'] }): Promise<Store> {
    const opened = await openPostgres(options);
    if (opened !== 'not created') return Store.from(opened, options.readonly ?? false);
    const location = postgresConnection(options).location;
    if (!options.emptyWith) {
      throw new KeySyncError('DATABASE_OUTDATED', 'database', 'The registry has not been created yet, and a read-only open cannot create it.', {
        file: location,
        remedy: 'run once without --dry-run (or any registry command) to create it',
      });
    }
    const empty = await openSqlite(`${location} (not created yet)`, { driver: options.emptyWith, readonly: true, emptyInMemory: true });
    return new Store(empty.db, empty.backend, true, location);
  }

  private static from(opened: OpenedStore, readonly: boolean): Store {
    return new Store(opened.db, opened.backend, readonly);
  }

  /** Where the registry lives, for messages (never a password). */
  get location(): string {
    return this.backend.location;
  }

  /** Runs queries while no other process is mid-write. */
  read<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.serialise(() => this.backend.access('read', () => work(this.db)));
  }

  /** Runs `work` in one transaction. */
  write<T>(purpose: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.serialise(() => this.backend.access(purpose, () => this.transaction(this.db, purpose, work)));
  }

  /**
   * Holds the registry across several steps — reads, file writes, then one transaction — so
   * nothing can change between what a run plans and what it commits.
   */
  exclusive<T>(purpose: string, work: (session: ExclusiveSession) => Promise<T>): Promise<T> {
    return this.serialise(() =>
      this.backend.exclusive(this.db, purpose, (db) => work({ db, transaction: (body) => this.transaction(db, purpose, body) })),
    );
  }

  /**
   * A run's plan, reports and commit (backend.ts, commitSession): on SQLite nothing else
   * writes meanwhile; on PostgreSQL decisions go on, and the run's commit applies its changes
   * only to entries still as it read them.
   */
  commitSession<T>(purpose: string, work: (session: CommitSession) => Promise<T>): Promise<T> {
    const session = () =>
      this.backend.commitSession(this.db, purpose, (db) =>
        work({ db, transaction: (body) => this.transaction(db, purpose, body), reserveIds: (counts) => this.backend.reserveIds(db, counts) }),
      );
    if (!this.backend.sessionsBesideOthers) return this.serialise(session);
    // On PostgreSQL this process's own decisions (the editor's, during its run) need not wait for the run either.
    const result = session().catch((error: unknown) => Promise.reject(this.backend.translateError(error)));
    const settled = result.catch(() => undefined);
    this.beside.add(settled);
    void settled.then(() => this.beside.delete(settled));
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.catch(() => undefined), ...this.beside]);
    await this.db.destroy();
  }

  private transaction<T>(db: Db, purpose: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.readonly) {
      return Promise.reject(new KeySyncError('DRY_RUN_CANNOT_WRITE', 'state', `Cannot ${purpose}: a dry run opens the database read-only.`));
    }
    return this.backend.transaction(db, work);
  }

  /** One operation at a time in this process; the backend orders processes. */
  private serialise<T>(operation: () => Promise<T>): Promise<T> {
    const translated = () => operation().catch((error: unknown) => Promise.reject(this.backend.translateError(error)));
    const result = this.queue.then(translated, translated);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
