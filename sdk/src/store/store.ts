/**
 * The database as the rest of the SDK sees it: a Kysely instance behind two doors.
 * `read` and `write` go through the backend's access control (docs/behaviour.md §7) and, for
 * writes, one transaction, so a multi-row write lands whole or not at all. Where the registry
 * lives — a SQLite file or a PostgreSQL schema — is the backend's business (backend.ts).
 */
import { KeySyncError } from '../errors.js';
import type { Db, OpenedStore, StoreBackend, Tx } from './backend.js';
import { openPostgres, type PostgresStoreOptions } from './postgres/postgres-backend.js';
import { openSqlite, type SqliteStoreOptions } from './sqlite/sqlite-backend.js';

export type { Db, Tx };
export { APPLICATION_ID, databaseLockDir } from './sqlite/sqlite-backend.js';

export interface ExclusiveSession {
  readonly db: Db;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export type StoreOptions = SqliteStoreOptions;

export class Store {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Db,
    private readonly backend: StoreBackend,
    readonly readonly: boolean,
  ) {}

  /** The registry in a SQLite file. */
  static async open(file: string, options: StoreOptions): Promise<Store> {
    return Store.from(await openSqlite(file, options), options.readonly ?? false);
  }

  /** The registry in a PostgreSQL schema, shared by a team. */
  static async openPostgres(options: PostgresStoreOptions): Promise<Store> {
    return Store.from(await openPostgres(options), options.readonly ?? false);
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

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
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
