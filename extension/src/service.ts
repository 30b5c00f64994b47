/**
 * One KeySync workspace as the extension sees it: the SDK workspace for the folder's
 * config (opened lazily, with the right SQLite driver), what the views show, and one
 * change event that every view listens to. All state comes from the SDK; the extension
 * keeps no reconciliation logic of its own.
 *
 * The config on disk is the truth: before every run, every registry action and every view
 * refresh the service compares the file's text with the text it loaded and reopens the
 * workspace when they differ — however the file changed (editor save, rename-over by
 * `sed -i` or `git checkout`, deletion and re-creation).
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  isKeySyncError,
  normalizeKey,
  openWorkspace,
  type AuditEvent,
  type KeySyncError,
  type MasterKeyRecord,
  type MasterKeyStatus,
  type ReconcileOptions,
  type ReconcileResult,
  type RegistryWatch,
  type ReviewDecision,
  type RowLocator,
  type RunRecord,
  type Workspace,
} from '@keysync/sdk';
import { configProblemReport, type ConfigProblemReport } from './config-problems.js';
import { chooseDriver } from './driver-choice.js';
import { editorEngineRefusal } from './engine-support.js';
import type { Log } from './log.js';
import { readSourcePasswords } from './source-password-store.js';
import { candidatesByKey, parseProbableMatches, type ProbableCandidate } from './probable-candidates.js';


/** Everything the tree, the status bar and the badge show, loaded once per change. */
export interface ViewState {
  /** The newest completed run. */
  readonly completed: RunRecord | undefined;
  /** The newest run, when it failed (after `completed`, if any). */
  readonly failed: RunRecord | undefined;
  /** Master keys by status now (the badge, the status bar, the tree's groups): counted by the SDK, not by loading the registry. */
  readonly registryCounts: Readonly<Record<MasterKeyStatus, number>> | undefined;
  /** Why the config on disk does not load; the results above are then from the last config that did. */
  readonly configProblem: ConfigProblemReport | undefined;
  /** The last dry run since the last real run: shown as a preview, never stored. */
  readonly dryRun: ReconcileResult | undefined;
}

export class KeySyncService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after anything that may change what views show: a run, a decision, a refresh. */
  readonly onDidChange = this.changed.event;
  /** The open SDK workspace and the config text it was opened with. */
  private opened: { readonly workspace: Workspace; readonly configText: string } | undefined;
  /** Opens and reloads one at a time. */
  private opening: Promise<unknown> = Promise.resolve();
  private problem: KeySyncError | undefined;
  /** Runs and registry actions in flight: the workspace they hold is not swapped under them. */
  private busy = 0;
  private running = false;
  private dryRun: ReconcileResult | undefined;
  private viewCache: Promise<ViewState> | undefined;
  /** The whole registry, loaded only when a view needs entries (master-key groups, CodeLens). */
  private registryCache: Promise<ReadonlyMap<string, MasterKeyRecord>> | undefined;
  /** The latest run's candidates: its report never changes once written. */
  private candidateCache: { readonly runId: string; readonly byKey: ReadonlyMap<string, readonly ProbableCandidate[]> } | undefined;

  /** Set when a source password changed: the workspace is opened again with it. */
  private passwordsStale = false;
  /** The SDK's watch on the open workspace's registry: another process's change reloads the views. */
  private registryWatch: RegistryWatch | undefined;
  /** The registry version (`ws.registryVersion()`) the views have shown: this window's own change, or one already on screen. */
  private versionSeen: string | undefined;
  /** Raised by each of this window's own writes, so a view load that began before one does not set `versionSeen` back. */
  private ownWrites = 0;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly configUri: vscode.Uri,
    private readonly log: Log,
    /** Where source and registry passwords are kept (source-passwords.ts, registry-password.ts). */
    readonly secrets: vscode.SecretStorage,
  ) {}

  /** The SDK workspace for the config on disk now; throws the config's KeySyncError when it does not load. */
  open(): Promise<Workspace> {
    const next = this.opening.then(
      () => this.openCurrent(),
      () => this.openCurrent(),
    );
    this.opening = next.catch(() => undefined);
    return next;
  }

  private async openCurrent(): Promise<Workspace> {
    const configText = readConfigText(this.configUri);
    if (this.opened?.configText === configText && !this.passwordsStale) {
      // Back to the text that loaded (a broken edit undone): whatever was wrong is gone.
      this.problem = undefined;
      return this.opened.workspace;
    }
    if (this.opened && this.busy > 0) return this.opened.workspace;
    let workspace: Workspace;
    try {
      const setting = vscode.workspace.getConfiguration('keysync', this.folder.uri).get<'auto' | 'native' | 'wasm'>('databaseDriver', 'auto');
      const driver = await chooseDriver(setting, this.log);
      const sourcePasswords = await readSourcePasswords(this.secrets, this.configUri);
      this.passwordsStale = false;
      workspace = await openWorkspace(this.configUri.fsPath, {
        driver,
        sourcePasswords,
        onLog: (level, message) => this.log.write(level, message),
        // A PostgreSQL registry's password, when the URL, PGPASSWORD and ~/.pgpass give none.
        databasePassword: async () => this.secrets.get(registryPasswordKey(this.configUri)),
      });
    } catch (error) {
      if (isKeySyncError(error) && error.kind === 'config') this.problem = error;
      throw error;
    }
    // The earlier tool's keys, accepted with a warning each (the CLI prints them on stderr).
    for (const warning of workspace.config.warnings) this.log.write('warn', `${this.configUri.fsPath}:${warning.line}: ${warning.text}`);
    const previous = this.opened;
    this.opened = { workspace, configText };
    this.watchRegistry(workspace);
    this.problem = undefined;
    if (previous) {
      this.log.info(`${this.configUri.fsPath} changed on disk: reloaded`);
      await previous.workspace.close().catch(() => undefined);
    }
    return workspace;
  }

  /** For reading results: the current workspace or, while the config is broken, the last one that loaded. */
  private async forViews(): Promise<Workspace | undefined> {
    try {
      return await this.open();
    } catch (error) {
      if (error === this.problem) return this.opened?.workspace;
      throw error;
    }
  }

  /** A source password was set or removed: the next access opens the workspace with it. */
  passwordsChanged(): void {
    this.passwordsStale = true;
    this.refresh();
  }

  /** The configured systems, in config order. */
  async systems(): Promise<string[]> {
    return [...(await this.open()).config.values.sources.keys()];
  }

  /** One source row, fetched from the source now, with where the source is. */
  async showRow(system: string, locator: RowLocator): Promise<{ location: string; row: ReadonlyMap<string, string | null> | undefined }> {
    const workspace = await this.open();
    const row = await workspace.sources.showRow(system, locator);
    return { location: workspace.sources.locations.get(system) ?? system, row };
  }

  get isRunning(): boolean {
    return this.running;
  }

  async reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
    if (this.running) throw new Error('A KeySync run is already in progress in this window.');
    this.running = true;
    try {
      // Refused before the run starts: nothing is recorded, and the engine's native library is never loaded here.
      const refusal = editorEngineRefusal((await this.open()).config.values.processing.engine, this.configUri.fsPath);
      if (refusal) throw refusal;
      if (!options.dryRun) this.dryRun = undefined;
      const result = await this.act((workspace) => workspace.reconcile(options));
      if (options.dryRun) this.dryRun = result;
      return result;
    } finally {
      this.running = false;
      this.refresh();
    }
  }

  /** The newest completed run, from the last config that loaded. */
  async latestRun(): Promise<RunRecord | undefined> {
    return (await this.viewState()).completed;
  }

  async runs(limit: number): Promise<RunRecord[]> {
    return (await (await this.forViews())?.runs.list({ limit })) ?? [];
  }

  /**
   * A run's probable-match candidates by (system, normalised key), read back from its
   * probable_matches report (probable-candidates.ts says why); none when it has no such report.
   */
  candidates(run: RunRecord): ReadonlyMap<string, readonly ProbableCandidate[]> {
    const file = run.reports?.probable_matches;
    if (this.candidateCache?.runId !== run.id) {
      let text = '';
      try {
        text = file ? readFileSync(file, 'utf8') : '';
      } catch {
        // Deleted or moved by hand: the run simply shows no candidates.
      }
      this.candidateCache = { runId: run.id, byKey: candidatesByKey(parseProbableMatches(text) ?? []) };
    }
    return this.candidateCache.byKey;
  }

  /** Links an out-of-authority key to the authority key it should be (docs/behaviour.md §10). */
  async link(normalizedKey: string, authorityKey: string, actor: string): Promise<MasterKeyRecord> {
    try {
      return await this.act((workspace) => workspace.registry.link(normalizedKey, authorityKey, { actor }));
    } finally {
      this.refresh();
    }
  }

  /** Records that a key is not the authority key suggested for it; that pair is never suggested again. */
  async notAMatch(normalizedKey: string, authorityKey: string, actor: string): Promise<void> {
    try {
      await this.act((workspace) => workspace.registry.notAMatch(normalizedKey, authorityKey, { actor }));
    } finally {
      this.refresh();
    }
  }

  async discrepancies(runId: string, kind: Parameters<Workspace['runs']['discrepancies']>[1], system: string): Promise<unknown[]> {
    return ((await (await this.forViews())?.runs.discrepancies(runId, kind, system)) ?? []) as unknown[];
  }

  /** A normalised key's audit events (its registry transitions and proposals), oldest first. */
  async auditOf(normalizedKey: string): Promise<AuditEvent[]> {
    return (await (await this.forViews())?.audit.list({ key: normalizedKey })) ?? [];
  }

  /** A key as a user typed it, under the loaded config's normalisation rules. */
  async normalize(given: string): Promise<string> {
    const workspace = await this.forViews();
    return workspace ? normalizeKey(given, workspace.config.values.normalize) : given.trim();
  }

  /** The registry keyed by master key, shared by the tree and the CodeLens until the next change. */
  registryByMasterKey(): Promise<ReadonlyMap<string, MasterKeyRecord>> {
    this.registryCache ??= this.forViews().then(async (workspace) => {
      const records = workspace ? await workspace.registry.list() : [];
      return new Map(records.map((record) => [record.masterKey, record]));
    });
    this.registryCache.catch(() => (this.registryCache = undefined));
    return this.registryCache;
  }

  /** What the views show, loaded once until the next change. */
  viewState(): Promise<ViewState> {
    this.viewCache ??= this.loadViewState();
    this.viewCache.catch(() => (this.viewCache = undefined));
    return this.viewCache;
  }

  private async loadViewState(): Promise<ViewState> {
    const workspace = await this.forViews();
    const ownWrites = this.ownWrites;
    // Taken before reading: a change that lands during the read counts as unseen.
    const versionSeen = await workspace?.registryVersion().catch(() => undefined);
    const [completed, [newest], counts] = workspace
      ? await Promise.all([workspace.runs.latest(), workspace.runs.list({ limit: 1 }), workspace.registry.counts()])
      : [undefined, [], undefined];
    if (ownWrites === this.ownWrites) this.versionSeen = versionSeen;
    return {
      completed,
      failed: newest?.status === 'failed' ? newest : undefined,
      registryCounts: counts,
      configProblem: this.problem && configProblemReport(this.problem, this.configUri.fsPath),
      dryRun: this.dryRun,
    };
  }

  async undo(normalizedKey: string, actor: string): Promise<MasterKeyRecord> {
    try {
      return await this.act((workspace) => workspace.registry.undo(normalizedKey, { actor }));
    } finally {
      this.refresh();
    }
  }

  async decide(decision: ReviewDecision, masterKey: string, actor: string, reason?: string): Promise<MasterKeyRecord> {
    try {
      return await this.act((workspace) =>
        decision === 'reject' ? workspace.registry.reject(masterKey, { actor, reason: reason ?? '' }) : workspace.registry[decision](masterKey, { actor, reason }),
      );
    } finally {
      this.refresh();
    }
  }

  async approveAll(actor: string, normalizedKeys?: readonly string[]): Promise<number> {
    try {
      return await this.act((workspace) => workspace.registry.approveAll({ actor, keys: normalizedKeys }));
    } finally {
      this.refresh();
    }
  }

  /** Runs an action on the workspace of the config on disk, which is not swapped while the action holds it. */
  private async act<T>(body: (workspace: Workspace) => Promise<T>): Promise<T> {
    const workspace = await this.open();
    this.busy++;
    try {
      return await body(workspace);
    } finally {
      // What this window just wrote (a failed run writes too) is about to be shown, as every
      // action refreshes when it ends: the watch's news of it must not reload the views a
      // second time, which would collapse the tree under the user.
      this.ownWrites++;
      this.versionSeen = await workspace.registryVersion().catch(() => this.versionSeen);
      this.busy--;
    }
  }

  /**
   * A teammate's decision, the CLI's run, another window's approval: the SDK says the registry
   * changed (docs/decisions.md §19; LISTEN/NOTIFY for PostgreSQL, the file polled for SQLite),
   * and the views reload if the registry's version is not the one they show. Not while this
   * window's own action is in flight: that action refreshes when it ends, and shows it all.
   */
  private watchRegistry(workspace: Workspace): void {
    void this.registryWatch?.dispose();
    this.registryWatch = workspace.watchRegistry(() => {
      if (this.opened?.workspace !== workspace || this.busy > 0) return;
      workspace.registryVersion().then(
        (latest) => {
          if (this.versionSeen !== undefined && latest !== this.versionSeen && this.busy === 0) this.refresh();
        },
        () => undefined,
      );
    });
  }

  /** Drops cached state and tells every view to reload (re-reading the config). */
  refresh(): void {
    this.viewCache = undefined;
    this.registryCache = undefined;
    this.changed.fire();
  }

  async dispose(): Promise<void> {
    await this.registryWatch?.dispose();
    this.changed.dispose();
    await this.opening;
    const opened = this.opened;
    this.opened = undefined;
    await opened?.workspace.close().catch(() => undefined);
  }
}

/** Where SecretStorage keeps a config's PostgreSQL registry password (`keysync.setRegistryPassword`). */
export function registryPasswordKey(configUri: vscode.Uri): string {
  return `keysync.registryPassword:${configUri.toString()}`;
}

function readConfigText(uri: vscode.Uri): string {
  try {
    return readFileSync(uri.fsPath, 'utf8');
  } catch {
    return '';
  }
}
