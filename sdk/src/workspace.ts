/**
 * The SDK's front door: open a workspace from its config, then run reconciliations and
 * work the registry. Nothing is created on disk until something needs writing, so a dry
 * run on a fresh folder leaves no database behind.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type KeySyncConfig } from './config/load.js';
import { compileNormalizer } from './core/normalize.js';
import { planPairMoves, planRenormalize, type RenormalizePlan } from './core/renormalize.js';
import type { MasterKeyStatus, RowLocator, SystemId } from './core/types.js';
import { KeySyncError } from './errors.js';
import { createLogger, type LogSink } from './log.js';
import { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
import { openSource } from './sources/registry.js';
import { listAudit, type AuditEvent, type AuditFilter } from './store/audit-repo.js';
import type { DiscrepancyEntries, DiscrepancyKind } from './core/discrepancy-kinds.js';
import { countDiscrepancies, loadDiscrepancies, type DiscrepancyCount } from './store/discrepancies-repo.js';
import type { DriverName, SqliteDriver } from './store/sqlite/drivers/driver.js';
import { nativeDriver } from './store/sqlite/drivers/native.js';
import { postgresConnection } from './store/postgres/connection.js';
import { listenForRegistryChanges } from './store/postgres/registry-notifications.js';
import { PostgresRunLock } from './store/postgres/run-lock.js';
import { coalescedListener, versionPoll, type RegistryWatch } from './store/registry-watch.js';
import { sqliteFileVersion } from './store/sqlite/file-version.js';
import { ProcessLock, type LockStatus } from './store/process-lock.js';
import {
  applyPairMoves,
  applyRenormalize,
  countByStatus,
  EntryChangedSinceRead,
  listLinks,
  listMasterKeys,
  listRejectedMatches,
  rejectMatch,
  nextIds,
  transitionMany,
  transitionMasterKey,
  undoDecision,
  type MasterKeyRecord,
  type RegistryFilter,
  type RejectedMatch,
} from './store/registry-repo.js';
import { getRun, listRuns, type RunFilter, type RunRecord } from './store/runs-repo.js';
import { MAX_PLAN_ATTEMPTS } from './run/commit-stage.js';
import { databaseLockDir, notApplied, Store, type Db } from './store/store.js';
import { requireWholeNumbers, WHOLE_NUMBERS } from './whole-numbers.js';
import type { WorkspaceContext, WorkspacePaths } from './run/workspace-context.js';
import { assertWorkspacePaths } from './workspace-paths.js';

/** Options of {@link openWorkspace}. */
export interface OpenWorkspaceOptions {
  /** SQLite driver: `native` (better-sqlite3, default) or `wasm` (node-sqlite3-wasm), or your own. */
  readonly driver?: DriverName | SqliteDriver;
  /** Receives every log line as well as the log file. */
  readonly onLog?: LogSink;
  /** The clock runs and approvals are stamped with (tests pin it). */
  readonly clock?: () => Date;
  /** How long an access waits for another process holding the database (default `database.busy_timeout_ms`). */
  readonly lockTimeoutMs?: number;
  /**
   * Passwords for database sources, by system (the editor's SecretStorage): used to connect,
   * never written to a log, a report or the config.
   */
  readonly sourcePasswords?: ReadonlyMap<SystemId, string>;
  /**
   * A PostgreSQL registry's password kept by the host (the editor's SecretStorage), asked for
   * only when the URL, PGPASSWORD and the password file give none.
   */
  readonly databasePassword?: () => Promise<string | undefined>;
}

/** Who makes a registry decision, and why. */
export interface Actor {
  /** Who is acting: recorded on the registry entry and in the audit log. */
  readonly actor: string;
  readonly reason?: string;
}

/** An open workspace: runs, the registry, the audit log, run history and locks of one config. */
export interface Workspace {
  readonly config: KeySyncConfig;
  readonly paths: WorkspacePaths;
  readonly driver: DriverName;
  /** Runs a reconciliation (docs/behaviour.md §7): reads, compares, proposes, writes the reports, commits once. */
  reconcile(options?: ReconcileOptions): Promise<ReconcileResult>;
  readonly registry: {
    /** Registry entries, filtered and paged. */
    list(filter?: RegistryFilter): Promise<MasterKeyRecord[]>;
    /** How many entries have each status. */
    counts(): Promise<Record<MasterKeyStatus, number>>;
    /** proposed → active. `key` is a master key, a normalised key or a raw key. */
    approve(key: string, by: Actor): Promise<MasterKeyRecord>;
    /** proposed → rejected; a reason is required. */
    reject(key: string, by: Actor & { readonly reason: string }): Promise<MasterKeyRecord>;
    /** active → deprecated. */
    deprecate(key: string, by: Actor): Promise<MasterKeyRecord>;
    /**
     * Takes back `by.actor`'s last decision on a key (approve, reject or deprecate), while it is
     * still the last thing that happened to the key; audited.
     */
    undo(key: string, by: Actor): Promise<MasterKeyRecord>;
    /**
     * Links a proposal to the authority key it should be (proposed → linked, docs/behaviour.md §10):
     * later runs no longer count its key as out of authority and list it in `key_corrections`.
     */
    link(key: string, authorityKey: string, by: Actor): Promise<MasterKeyRecord>;
    /** Takes a link back (linked → proposed). */
    unlink(key: string, by: Actor): Promise<MasterKeyRecord>;
    /** Records that a key is not the authority key suggested for it; that pair is never suggested again. */
    notAMatch(key: string, authorityKey: string, by: Actor): Promise<RejectedMatch>;
    /** Every pair recorded as not a match. */
    rejectedMatches(): Promise<RejectedMatch[]>;
    /** Approves every proposal (or those named); returns how many changed. */
    approveAll(by: Actor & { readonly keys?: readonly string[] }): Promise<number>;
    /**
     * Re-keys every entry from its source key under the current normalisation rules, in one
     * transaction (nothing with `dryRun`); refuses when two entries would share a key.
     */
    renormalize(by: Actor & { readonly dryRun?: boolean }): Promise<RenormalizePlan>;
  };
  readonly audit: {
    /** Audit events, oldest first. */
    list(filter?: AuditFilter): Promise<AuditEvent[]>;
    /**
     * The newest audit event's id (0 for none). Every decision and run adds events, so a view
     * polls this to notice what another process changed in a shared registry.
     */
    latestId(): Promise<number>;
  };
  readonly runs: {
    /** Runs, newest first. */
    list(filter?: RunFilter): Promise<RunRecord[]>;
    /** One run by id. */
    get(runId: string): Promise<RunRecord | undefined>;
    /** The newest completed run. */
    latest(): Promise<RunRecord | undefined>;
    /** How many entries the run stored per kind and system. */
    discrepancyCounts(runId: string): Promise<DiscrepancyCount[]>;
    /** A run's stored entries of one kind for one system (`''` for `only_in_authority`, which is no one system's), without reparsing reports. */
    discrepancies<K extends DiscrepancyKind>(runId: string, kind: K, system: string): Promise<DiscrepancyEntries[K]>;
  };
  /** The configured sources: where each lives, and one row of one again (for "open this row"). */
  readonly sources: {
    /** Where each system's source is, in config order: a file path, or a place in a database (never a password). */
    readonly locations: ReadonlyMap<SystemId, string>;
    /**
     * One row of a system's source again, column → value as text (null for NULL), fetched
     * now; undefined when the row is gone or the type cannot show rows (a CSV opens at its line).
     */
    showRow(system: SystemId, locator: RowLocator): Promise<ReadonlyMap<string, string | null> | undefined>;
  };
  readonly locks: {
    /** The locks currently held on this workspace's database (the run lock, the database lock). */
    list(): LockStatus[];
    /**
     * Removes a lock whose holder is gone — `keysync unlock`, for a holder on another host
     * that cannot be checked from here. A lock held by a live process on this host is refused.
     */
    breakLock(lock: LockStatus): boolean;
  };
  /**
   * Calls `listener` after a change to the registry, its audit log or run history is committed —
   * by another process, another workspace or this one (a decision, an undo, a link, a run):
   * a view reads again what it shows (docs/decisions.md §19). A PostgreSQL registry is told by
   * the server (LISTEN/NOTIFY, within a moment; while it cannot listen, the registry's version is
   * polled every second and listening is tried again); a SQLite file is polled every second.
   * A burst of changes may come as one call, and a call may come with nothing new; the listener
   * is never called with an error, and what it throws is logged. Stop with `dispose()`;
   * `close()` stops every watch.
   */
  watchRegistry(listener: () => void): RegistryWatch;
  /**
   * The registry's version: an opaque string that differs after every committed change to the
   * registry, its audit log or run history (a decision, an undo, a link, a run starting,
   * committing or failing). A view keeps the version it last showed and, when
   * `watchRegistry`'s listener is called, reads again only if the version moved.
   */
  registryVersion(): Promise<string>;
  /** Waits for the operations in flight to settle, then closes the database (and every registry watch); later calls are refused. */
  close(): Promise<void>;
}

/**
 * Opens the workspace of a config file: loads and checks the config; the database is
 * opened on first use. Close it with `ws.close()`.
 *
 * @example
 * ```ts
 * const ws = await openWorkspace('./keysync-config.yaml');
 * try {
 *   const run = await ws.reconcile({ mode: 'incremental' });
 *   console.log(run.summary.totals.overallMatchRate);
 * } finally {
 *   await ws.close();
 * }
 * ```
 */
export async function openWorkspace(configPath: string, options: OpenWorkspaceOptions = {}): Promise<Workspace> {
  const config = loadConfig(configPath);
  const driver = await resolveDriver(options.driver ?? 'native');
  const context = createContext(config, driver, options);
  return workspaceApi(context, driver.name);
}

async function resolveDriver(driver: DriverName | SqliteDriver): Promise<SqliteDriver> {
  if (typeof driver !== 'string') return driver;
  if (driver === 'native') return nativeDriver;
  if (driver === 'wasm') return (await import('./store/sqlite/drivers/wasm.js')).wasmDriver;
  throw new KeySyncError('UNKNOWN_DRIVER', 'usage', `Unknown database driver "${String(driver)}".`, { remedy: 'use native or wasm' });
}

/**
 * What the facade and the stages share for one config. Exported so that the stage tests
 * (sdk/test/unit/run-stages.test.ts) drive `run/` on the very context a workspace builds.
 */
export function createContext(
  config: KeySyncConfig,
  driver: SqliteDriver,
  options: OpenWorkspaceOptions,
): WorkspaceContext & {
  closeStore(): Promise<void>;
  storeOpened(): boolean;
  emptyStore(): Promise<Store>;
  /** Starts watching the registry for committed changes (`ws.watchRegistry()`); `registryVersion` is PostgreSQL's fallback. */
  watchChanges(onChange: () => void, registryVersion: () => Promise<string>): RegistryWatch;
} {
  const { values, baseDir } = config;
  const resolve = (file: string) => path.resolve(baseDir, file);
  // SQLite sources are read with the library the workspace's own database uses (the editor may have only the WASM one).
  const sourceContext = {
    configDir: baseDir, env: process.env, sqliteDriver: driver.name, ...(options.sourcePasswords ? { passwords: options.sourcePasswords } : {}),
  };
  const sources = [...values.sources].map(([system, source]) => openSource(system, source, sourceContext));
  const database = values.database;
  const postgres = database.type === 'postgres' ? { url: database.url, schema: database.schema, password: options.databasePassword } : undefined;
  const paths: WorkspacePaths = {
    database: resolve(database.type === 'sqlite' ? database.path : '.keysync/postgres'),
    sharedRegistry: postgres ? postgresConnection(postgres).location : null,
    output: resolve(values.output.directory),
    log: values.logging.file === null ? null : resolve(values.logging.file),
    sources: new Map(sources.flatMap((source) => (source.file === undefined ? [] : [[source.system, source.file] as const]))),
  };
  assertWorkspacePaths({ configFile: config.file, paths, sources });
  const storeOptions = { driver, lockTimeoutMs: options.lockTimeoutMs ?? database.busy_timeout_ms };
  const openStore = (readonly: boolean) =>
    postgres
      ? Store.openPostgres({ ...postgres, lockTimeoutMs: storeOptions.lockTimeoutMs, readonly, ...(readonly ? { emptyWith: driver } : {}) })
      : Store.open(paths.database, { ...storeOptions, readonly });
  let store: Promise<Store> | undefined;
  let empty: Promise<Store> | undefined;
  const logger = createLogger({ file: paths.log, level: values.logging.level, sink: options.onLog });
  return {
    config,
    paths,
    sources,
    logger,
    clock: options.clock ?? (() => new Date()),
    runLock: postgres ? new PostgresRunLock(postgres) : new ProcessLock(runLockDir(paths.database)),
    lockTimeoutMs: storeOptions.lockTimeoutMs,
    store() {
      store ??= openStore(false);
      // A failed open is not cached, so fixing the cause and retrying works.
      store.catch(() => (store = undefined));
      return store;
    },
    openReadonlyStore: () => openStore(true),
    storeOpened: () => store !== undefined,
    emptyStore() {
      // Read-only with no file: an in-memory store with the schema and nothing in it.
      empty ??= openStore(true);
      return empty;
    },
    watchChanges(onChange, registryVersion) {
      if (postgres) return listenForRegistryChanges(postgres, { onChange, registryVersion, log: (level, message) => logger.log(level, message) });
      const poll = versionPoll(() => sqliteFileVersion(paths.database), onChange);
      void poll.check().then(() => poll.start());
      return { dispose: async () => poll.close() };
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
  const operations = inFlightOperations();
  const track = operations.track;
  const watches = new Set<RegistryWatch>();
  const normalize = compileNormalizer(context.config.values.normalize);
  /** A person's change: one transaction, and a wait past the busy timeout says what was not applied. */
  const decide = async <T>(purpose: string, work: (tx: Db) => Promise<T>): Promise<T> => {
    try {
      return await (await context.store()).write(purpose, work);
    } catch (error) {
      throw notApplied(error, purpose);
    }
  };
  const transition = (key: string, action: 'approve' | 'reject' | 'deprecate' | 'link' | 'unlink', by: Actor, authorityKey?: string) =>
    track(async () => {
      const actor = requireActor(by);
      // The authority key is taken as the user typed it, normalised: a raw A key finds its normalised form.
      const linkedTo = authorityKey === undefined ? undefined : normalize(authorityKey);
      return decide(`${action} ${key}`, (tx) =>
        transitionMasterKey(tx, { given: key, normalized: normalize(key) }, { action, actor, reason: by.reason, now: now(), linkedTo }),
      );
    });
  // Reading a workspace that has no database yet creates none: an empty in-memory store
  // answers (so opening an editor on a folder, trusted or not, writes nothing).
  const read = <T>(work: (db: Db) => Promise<T>): Promise<T> =>
    track(async () => {
      const noDatabase = context.paths.sharedRegistry === null && !context.storeOpened() && !existsSync(context.paths.database);
      return (await (noDatabase ? context.emptyStore() : context.store())).read(work);
    });
  // Every decision and run adds audit events: the newest id moves with every change.
  const latestAuditId = () => read(async (db) => (await nextIds(db)).audit - 1);
  // The newest audit id alone can miss a commit: a run inserts events under ids it reserved
  // before a decision made during its commit stage took a later one (docs/decisions.md §19).
  // The newest run's status moves whenever a run starts, commits or fails.
  const registryVersion = () =>
    read(async (db) => {
      const [newestRun] = await listRuns(db, { limit: 1 });
      return `${(await nextIds(db)).audit - 1}/${newestRun ? `${newestRun.id}:${newestRun.status}` : ''}`;
    });
  return {
    config: context.config,
    paths: context.paths,
    driver,
    reconcile: (options) => track(() => reconcile(context, options)),
    registry: {
      list: async (filter) => {
        requireWholeNumbers('registry.list', filter, { limit: WHOLE_NUMBERS.limit, offset: WHOLE_NUMBERS.offset });
        return read((db) => listMasterKeys(db, filter));
      },
      counts: () => read((db) => countByStatus(db)),
      approve: (key, by) => transition(key, 'approve', by),
      reject: (key, by) => transition(key, 'reject', by),
      deprecate: (key, by) => transition(key, 'deprecate', by),
      link: (key, authorityKey, by) => transition(key, 'link', by, authorityKey),
      unlink: (key, by) => transition(key, 'unlink', by),
      notAMatch: (key, authorityKey, by) =>
        track(async () => {
          const actor = requireActor(by);
          return decide(`not a match: ${key} / ${authorityKey}`, (tx) =>
            rejectMatch(tx, { given: key, normalized: normalize(key) }, normalize(authorityKey), { actor, reason: by.reason, now: now() }),
          );
        }),
      rejectedMatches: () => read((db) => listRejectedMatches(db)),
      undo: (key, by) =>
        track(async () => {
          const actor = requireActor(by);
          return decide(`undo the last decision on ${key}`, (tx) => undoDecision(tx, { given: key, normalized: normalize(key) }, { actor, now: now() }));
        }),
      approveAll: (by) =>
        track(async () => {
          const actor = requireActor(by);
          // Named keys match as given or normalised, as approve() looks them up.
          const named = by.keys && [...new Set(by.keys.flatMap((key) => [key, normalize(key)]).filter(Boolean))];
          return decide('approve all proposals', async (tx) => {
            const keys = named ?? (await listMasterKeys(tx, { status: 'proposed' })).map((record) => record.normalizedKey);
            return transitionMany(tx, keys, { action: 'approve', actor, reason: by.reason, now: now() });
          });
        }),
      renormalize: (by) =>
        track(async () => {
          const actor = requireActor(by);
          const plan = (db: Db) => listMasterKeys(db).then((registry) => planRenormalize(registry, normalize));
          if (by.dryRun) return read(plan);
          // A PostgreSQL run committing meanwhile may decide a proposal this supersedes or add a
          // key it moves an entry to (docs/decisions.md §19): it plans again from the registry as it now stands.
          for (let attempt = 1; ; attempt++) {
            try {
              return await decide('re-key the registry', async (tx) => {
                const planned = await plan(tx);
                if (planned.collisions.length) throw renormalizeCollision(planned);
                await applyRenormalize(tx, planned, { actor, now: now() });
                // Links and "not a match" decisions follow their keys (docs/behaviour.md §10); links'
                // entries have moved already, so only their authority side can change.
                await applyPairMoves(tx, planPairMoves(await listLinks(tx), [], normalize), planPairMoves(await listRejectedMatches(tx), planned.moves, normalize), { actor, now: now() });
                return planned;
              });
            } catch (error) {
              if (!(error instanceof EntryChangedSinceRead)) throw error;
              if (attempt >= MAX_PLAN_ATTEMPTS) {
                throw new KeySyncError('DATABASE_BUSY', 'database', `Re-key the registry: not applied. The registry kept changing under it (the last: ${error.change}); nothing was changed.`, {
                  remedy: 'run it again when the run has finished',
                });
              }
            }
          }
        }),
    },
    audit: {
      list: async (filter) => {
        requireWholeNumbers('audit.list', filter, { limit: WHOLE_NUMBERS.limit, fromId: WHOLE_NUMBERS.auditId, toId: WHOLE_NUMBERS.auditId });
        return read((db) => listAudit(db, filter));
      },
      latestId: () => latestAuditId(),
    },
    runs: {
      list: async (filter) => {
        requireWholeNumbers('runs.list', filter, { limit: WHOLE_NUMBERS.limit });
        return read((db) => listRuns(db, filter));
      },
      get: (runId) => read((db) => getRun(db, runId)),
      latest: () => read(async (db) => (await listRuns(db, { status: 'completed', limit: 1 }))[0]),
      discrepancyCounts: (runId) => read((db) => countDiscrepancies(db, runId)),
      discrepancies: (runId, kind, system) => read((db) => loadDiscrepancies(db, runId, kind, system)),
    },
    sources: {
      locations: new Map(context.sources.map((source) => [source.system, source.location])),
      showRow: (system, locator) =>
        track(async () => {
          const source = context.sources.find((candidate) => candidate.system === system);
          if (!source) {
            throw new KeySyncError('USAGE', 'usage', `No source is configured for system ${system}.`, {
              remedy: `use one of ${context.sources.map((candidate) => candidate.system).join(', ')}`,
            });
          }
          return source.reader.showRow(locator);
        }),
    },
    locks: {
      list: () => workspaceLocks(context.paths).flatMap((lock) => lock.status() ?? []),
      breakLock(lock) {
        const held = workspaceLocks(context.paths).find((candidate) => candidate.lockDir === lock.lockDir);
        const current = held?.status();
        if (current?.state === 'alive') {
          throw new KeySyncError('LOCK_HOLDER_ALIVE', 'state', `The lock is held by process ${current.owner.pid} on this host, which is running (${current.owner.purpose}).`, {
            file: lock.lockDir,
            remedy: 'let it finish, or stop that process; KeySync removes a dead process’s lock by itself',
          });
        }
        return held?.breakLock(lock.owner.token) ?? false;
      },
    },
    registryVersion: () => registryVersion(),
    watchRegistry(listener) {
      operations.refuseWhenClosed();
      const coalesced = coalescedListener(listener, (error) => context.logger.log('warn', `a registry watch's listener failed: ${(error as Error)?.message ?? String(error)}`));
      const watch = context.watchChanges(coalesced.notify, registryVersion);
      const handle: RegistryWatch = {
        dispose: async () => {
          watches.delete(handle);
          coalesced.cancel();
          await watch.dispose();
        },
      };
      watches.add(handle);
      return handle;
    },
    // Waits for the operations in flight (a run commits or fails as it would have), then
    // closes; anything started after close() is refused rather than hitting a closed driver.
    close: () =>
      operations.close(async () => {
        await Promise.all([...watches].map((watch) => watch.dispose()));
        await context.closeStore();
      }),
  };
}

const runLockDir = (databaseFile: string): string => `${databaseFile}.keysync-run.lock`;

/** The folder locks beside a SQLite file; PostgreSQL's advisory locks end with their session, so there is none to break. */
function workspaceLocks(paths: WorkspacePaths): ProcessLock[] {
  if (paths.sharedRegistry !== null) return [];
  return [new ProcessLock(runLockDir(paths.database)), new ProcessLock(databaseLockDir(paths.database))];
}

/** Tracks a workspace's pending operations so that close() can wait for them. */
function inFlightOperations() {
  const pending = new Set<Promise<unknown>>();
  let closed: Promise<void> | undefined;
  return {
    track<T>(operation: () => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(workspaceClosed());
      const promise = operation();
      pending.add(promise);
      const forget = () => pending.delete(promise);
      promise.then(forget, forget);
      return promise;
    },
    refuseWhenClosed(): void {
      if (closed) throw workspaceClosed();
    },
    close(closeStores: () => Promise<void>): Promise<void> {
      closed ??= Promise.allSettled([...pending]).then(closeStores);
      return closed;
    },
  };
}

const workspaceClosed = () => new KeySyncError('WORKSPACE_CLOSED', 'state', 'The workspace was closed.', { remedy: 'open it again with openWorkspace()' });

function renormalizeCollision(plan: RenormalizePlan): KeySyncError {
  const shown = plan.collisions.slice(0, 5).map((collision) => `${collision.key} ← ${collision.entries.map((entry) => `${entry.masterKey} (${entry.status})`).join(', ')}`);
  const more = plan.collisions.length > shown.length ? `; and ${plan.collisions.length - shown.length} more` : '';
  return new KeySyncError('RENORMALIZE_COLLISION', 'state', `Re-keying would give ${plan.collisions.length} key(s) to more than one entry: ${shown.join('; ')}${more}. Nothing was changed.`, {
    remedy: 'keep the old rules until a person settles which entry each of these keys belongs to',
  });
}

/** Control characters, and the Unicode line and paragraph separators, which also break lines. */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

function requireActor(by: Actor): string {
  const actor = by.actor?.trim();
  if (!actor) {
    throw new KeySyncError('ACTOR_REQUIRED', 'usage', 'Every registry change needs an actor (who made it).', {
      remedy: 'pass { actor: "name" }',
    });
  }
  // The actor is shown in one-line tables, logs and reports; a line break there forges rows.
  if (CONTROL_CHARACTER.test(actor)) {
    throw new KeySyncError('ACTOR_INVALID', 'usage', `The actor ${JSON.stringify(actor)} contains a control character (a line break, a tab, …).`, {
      remedy: 'pass { actor: "name" } on one line, without control characters',
    });
  }
  return actor;
}
