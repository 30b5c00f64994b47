/**
 * What differs between the registry's two homes (docs/decisions.md §19): a SQLite file
 * (`sqlite/`) and a PostgreSQL schema (`postgres/`). The repositories never see it; they
 * take a Kysely instance and write dialect-neutral queries. The Store (store.ts) drives a
 * backend through these five operations.
 */
import type { Kysely } from 'kysely';
import type { KeySyncTables } from './tables.js';

export type Db = Kysely<KeySyncTables>;
/** The database inside a transaction (a connection-bound Kysely). */
export type Tx = Kysely<KeySyncTables>;

export interface StoreBackend {
  /** Where the registry lives, for messages: the file, or the server and schema (never a password). */
  readonly location: string;
  /**
   * Whether a run's commit session may go on beside this process's other operations: true for
   * PostgreSQL's pool of connections; SQLite has one connection, so they take turns.
   */
  readonly sessionsBesideOthers: boolean;
  /**
   * Runs one access (a read, or a write's transaction) while other processes cannot write:
   * SQLite takes KeySync's file lock; PostgreSQL needs nothing here (its transactions do it).
   */
  access<T>(purpose: string, work: () => Promise<T>): Promise<T>;
  /**
   * Holds the registry against every other writer across several steps — reads, file writes,
   * then one transaction — giving `work` the connection to use for all of them.
   */
  exclusive<T>(db: Db, purpose: string, work: (db: Db) => Promise<T>): Promise<T>;
  /**
   * A run's commit stage (docs/decisions.md §19): its plan, reports and commit on one
   * connection. SQLite holds its file lock throughout, as `exclusive` does; PostgreSQL holds
   * nothing, so decisions go on meanwhile and the run's changes apply only to entries still
   * as it read them (registry-repo.ts, applyRegistryPlan).
   */
  commitSession<T>(db: Db, purpose: string, work: (db: Db) => Promise<T>): Promise<T>;
  /**
   * The first ids of `counts` new rows the caller inserts as given (a run's planned master
   * keys and audit events), set aside so that no other writer takes them.
   */
  reserveIds(db: Db, counts: IdCounts): Promise<FirstIds>;
  /** One transaction on one connection; a write lands whole or not at all. */
  transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T>;
  /** A failure the user can act on as a KeySyncError naming `location`; anything else unchanged. */
  translateError(error: unknown): unknown;
}

/** How many rows of each table with planned ids a caller will insert. */
export interface IdCounts {
  readonly masterKeys: number;
  readonly audit: number;
}

/** The first id reserved in each table. */
export interface FirstIds {
  readonly masterKey: number;
  readonly audit: number;
}

/** An opened registry: the Kysely instance (migrated, or checked for a read-only open) and its backend. */
export interface OpenedStore {
  readonly db: Db;
  readonly backend: StoreBackend;
}
