/** What the orchestrator and the API facades share for one open workspace. */
import type { KeySyncConfig } from '../config/load.js';
import type { SystemId } from '../core/types.js';
import type { Logger } from '../log.js';
import type { SourceFile } from '../sources/source-file.js';
import type { ProcessLock } from '../store/process-lock.js';
import type { Store } from '../store/store.js';

/** The files and folders a workspace uses, resolved from its config. */
export interface WorkspacePaths {
  readonly database: string;
  readonly output: string;
  readonly log: string | null;
  /** Each system's source file, in config order. */
  readonly sources: ReadonlyMap<SystemId, string>;
}

export interface WorkspaceContext {
  readonly config: KeySyncConfig;
  readonly paths: WorkspacePaths;
  /** Configured sources in config order, paths resolved. */
  readonly sources: readonly SourceFile[];
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Held for a whole run, so two runs on one database never interleave. */
  readonly runLock: ProcessLock;
  /** The shared writable store, opened on first use. */
  store(): Promise<Store>;
  /** A separate read-only store (in memory when no database exists yet): dry runs. */
  openReadonlyStore(): Promise<Store>;
}
