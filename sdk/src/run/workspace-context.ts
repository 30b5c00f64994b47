/** What the orchestrator and the API facades share for one open workspace. */
import type { KeySyncConfig } from '../config/load.js';
import type { SystemId } from '../core/types.js';
import type { Logger } from '../log.js';
import type { ConfiguredSource } from '../sources/registry.js';
import type { AcquireOptions } from '../store/process-lock.js';
import type { Store } from '../store/store.js';

/** The files and folders a workspace uses, resolved from its config. */
export interface WorkspacePaths {
  /**
   * The SQLite file; for a PostgreSQL registry, the local place its snapshots go beside
   * (`<config folder>/.keysync/postgres`, docs/decisions.md §19), no file of its own.
   */
  readonly database: string;
  /** The PostgreSQL registry (`postgres://user@host:port/db, schema s`, no password), or null for a SQLite file. */
  readonly sharedRegistry: string | null;
  readonly output: string;
  readonly log: string | null;
  /** Each system's source file (file types: CSV, SQLite, Parquet), in config order. */
  readonly sources: ReadonlyMap<SystemId, string>;
}

export interface RunLock {
  /** Runs `work` holding the lock; `lockLost` aborts if the lock is lost meanwhile (a PostgreSQL session that ended). */
  with<T>(options: AcquireOptions, work: (lockLost?: AbortSignal) => Promise<T>): Promise<T>;
}

export interface WorkspaceContext {
  readonly config: KeySyncConfig;
  readonly paths: WorkspacePaths;
  /** Configured sources in config order, ready to read. */
  readonly sources: readonly ConfiguredSource[];
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Held for a whole run, so two runs on one database never interleave (a folder lock, or PostgreSQL's advisory lock). */
  readonly runLock: RunLock;
  /** How long a run or an access waits for another process's lock (`database.busy_timeout_ms` unless overridden). */
  readonly lockTimeoutMs: number;
  /** The shared writable store, opened on first use. */
  store(): Promise<Store>;
  /** A separate read-only store (in memory when no database exists yet): dry runs. */
  openReadonlyStore(): Promise<Store>;
}
