/**
 * The SDK's front door: open a workspace from its config, then run reconciliations and
 * work the registry. Nothing is created on disk until something needs writing, so a dry
 * run on a fresh folder leaves no database behind.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type KeySyncConfig } from './config/load.js';
import type { MasterKeyStatus } from './core/types.js';
import { KeySyncError } from './errors.js';
import { createLogger, type LogSink } from './log.js';
import { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
import type { SourceFile } from './sources/source-file.js';
import { listAudit, type AuditEvent, type AuditFilter } from './store/audit-repo.js';
import { countDiscrepancies, loadDiscrepancies, type DiscrepancyCount, type DiscrepancyEntries } from './store/discrepancies-repo.js';
import type { DriverName, SqliteDriver } from './store/drivers/driver.js';
import { nativeDriver } from './store/drivers/native.js';
import { ProcessLock } from './store/process-lock.js';
import {
  countByStatus,
  listMasterKeys,
  transitionMany,
  transitionMasterKey,
  type MasterKeyRecord,
  type RegistryFilter,
} from './store/registry-repo.js';
import { getRun, listRuns, type RunFilter, type RunRecord } from './store/runs-repo.js';
import { Store, type Db } from './store/store.js';
import type { DiscrepancyKind } from './store/tables.js';
import type { WorkspaceContext, WorkspacePaths } from './workspace-context.js';

export interface OpenWorkspaceOptions {
  /** SQLite driver: `native` (better-sqlite3, default) or `wasm` (node-sqlite3-wasm), or your own. */
  readonly driver?: DriverName | SqliteDriver;
  /** Receives every log line as well as the log file. */
  readonly onLog?: LogSink;
  /** The clock runs and approvals are stamped with (tests pin it). */
  readonly clock?: () => Date;
  /** How long an access waits for another process holding the database (default `database.busy_timeout_ms`). */
  readonly lockTimeoutMs?: number;
}

export interface Actor {
  /** Who is acting: recorded on the registry entry and in the audit log. */
  readonly actor: string;
  readonly reason?: string;
}

export interface Workspace {
  readonly config: KeySyncConfig;
  readonly paths: WorkspacePaths;
  readonly driver: DriverName;
  reconcile(options?: ReconcileOptions): Promise<ReconcileResult>;
  readonly registry: {
    list(filter?: RegistryFilter): Promise<MasterKeyRecord[]>;
    counts(): Promise<Record<MasterKeyStatus, number>>;
    approve(key: string, by: Actor): Promise<MasterKeyRecord>;
    reject(key: string, by: Actor & { readonly reason: string }): Promise<MasterKeyRecord>;
    deprecate(key: string, by: Actor): Promise<MasterKeyRecord>;
    /** Approves every proposal (or those named); returns how many changed. */
    approveAll(by: Actor & { readonly keys?: readonly string[] }): Promise<number>;
  };
  readonly audit: {
    list(filter?: AuditFilter): Promise<AuditEvent[]>;
  };
  readonly runs: {
    list(filter?: RunFilter): Promise<RunRecord[]>;
    get(runId: string): Promise<RunRecord | undefined>;
    /** The newest completed run. */
    latest(): Promise<RunRecord | undefined>;
    discrepancyCounts(runId: string): Promise<DiscrepancyCount[]>;
    discrepancies<K extends DiscrepancyKind>(runId: string, kind: K, system: string): Promise<DiscrepancyEntries[K]>;
  };
  close(): Promise<void>;
}

export async function openWorkspace(configPath: string, options: OpenWorkspaceOptions = {}): Promise<Workspace> {
  const config = loadConfig(configPath);
  const driver = await resolveDriver(options.driver ?? 'native');
  const context = createContext(config, driver, options);
  return workspaceApi(context, driver.name);
}

async function resolveDriver(driver: DriverName | SqliteDriver): Promise<SqliteDriver> {
  if (typeof driver !== 'string') return driver;
  if (driver === 'native') return nativeDriver;
  if (driver === 'wasm') return (await import('./store/drivers/wasm.js')).wasmDriver;
  throw new KeySyncError('UNKNOWN_DRIVER', 'usage', `Unknown database driver "${String(driver)}".`, { remedy: 'use native or wasm' });
}

function createContext(
  config: KeySyncConfig,
  driver: SqliteDriver,
  options: OpenWorkspaceOptions,
): WorkspaceContext & { closeStore(): Promise<void>; storeOpened(): boolean; emptyStore(): Promise<Store> } {
  const { values, baseDir } = config;
  const resolve = (file: string) => path.resolve(baseDir, file);
  const paths: WorkspacePaths = {
    database: resolve(values.database.path),
    output: resolve(values.output.directory),
    log: values.logging.file === null ? null : resolve(values.logging.file),
  };
  const sources: SourceFile[] = [...values.sources].map(([system, source]) => ({
    system,
    file: resolve(source.path),
    keyColumn: source.key_column,
    delimiter: source.delimiter,
    encoding: source.encoding,
  }));
  const storeOptions = { driver, lockTimeoutMs: options.lockTimeoutMs ?? values.database.busy_timeout_ms };
  let store: Promise<Store> | undefined;
  let empty: Promise<Store> | undefined;
  return {
    config,
    paths,
    sources,
    logger: createLogger({ file: paths.log, level: values.logging.level, sink: options.onLog }),
    clock: options.clock ?? (() => new Date()),
    runLock: new ProcessLock(`${paths.database}.keysync-run.lock`),
    store() {
      store ??= Store.open(paths.database, storeOptions);
      // A failed open is not cached, so fixing the cause and retrying works.
      store.catch(() => (store = undefined));
      return store;
    },
    openReadonlyStore: () => Store.open(paths.database, { ...storeOptions, readonly: true }),
    storeOpened: () => store !== undefined,
    emptyStore() {
      // Read-only with no file: an in-memory store with the schema and nothing in it.
      empty ??= Store.open(paths.database, { ...storeOptions, readonly: true });
      return empty;
    },
    async closeStore() {
      const opened = [store, empty];
      store = empty = undefined;
      for (const each of opened) if (each) await (await each).close();
    },
  };
}

function workspaceApi(context: ReturnType<typeof createContext>, driver: DriverName): Workspace {
  const now = () => context.clock().toISOString();
  const transition = (key: string, action: 'approve' | 'reject' | 'deprecate', by: Actor) =>
    context.store().then((store) =>
      store.write(`${action} ${key}`, (tx) => transitionMasterKey(tx, key, { action, actor: requireActor(by), reason: by.reason, now: now() })),
    );
  // Reading a workspace that has no database yet creates none: an empty in-memory store
  // answers (so opening an editor on a folder, trusted or not, writes nothing).
  const read = async <T>(work: (db: Db) => Promise<T>): Promise<T> => {
    const noDatabase = !context.storeOpened() && !existsSync(context.paths.database);
    return (await (noDatabase ? context.emptyStore() : context.store())).read(work);
  };
  return {
    config: context.config,
    paths: context.paths,
    driver,
    reconcile: (options) => reconcile(context, options),
    registry: {
      list: (filter) => read((db) => listMasterKeys(db, filter)),
      counts: () => read((db) => countByStatus(db)),
      approve: (key, by) => transition(key, 'approve', by),
      reject: (key, by) => transition(key, 'reject', by),
      deprecate: (key, by) => transition(key, 'deprecate', by),
      approveAll: (by) =>
        context.store().then((store) =>
          store.write('approve all proposals', async (tx) => {
            const keys = by.keys ?? (await listMasterKeys(tx, { status: 'proposed' })).map((record) => record.normalizedKey);
            return transitionMany(tx, keys, { action: 'approve', actor: requireActor(by), reason: by.reason, now: now() });
          }),
        ),
    },
    audit: {
      list: (filter) => read((db) => listAudit(db, filter)),
    },
    runs: {
      list: (filter) => read((db) => listRuns(db, filter)),
      get: (runId) => read((db) => getRun(db, runId)),
      latest: () => read(async (db) => (await listRuns(db, { status: 'completed', limit: 1 }))[0]),
      discrepancyCounts: (runId) => read((db) => countDiscrepancies(db, runId)),
      discrepancies: (runId, kind, system) => read((db) => loadDiscrepancies(db, runId, kind, system)),
    },
    close: () => context.closeStore(),
  };
}

function requireActor(by: Actor): string {
  const actor = by.actor?.trim();
  if (!actor) {
    throw new KeySyncError('ACTOR_REQUIRED', 'usage', 'Every registry change needs an actor (who made it).', {
      remedy: 'pass { actor: "name" } (the CLI uses --actor, defaulting to your user name)',
    });
  }
  return actor;
}
