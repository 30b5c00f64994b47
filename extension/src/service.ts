/**
 * One KeySync workspace as the extension sees it: the SDK workspace for the folder's
 * config (opened lazily, with the right SQLite driver), the latest run and the registry,
 * and one change event that every view listens to. All state comes from the SDK; the
 * extension keeps no reconciliation logic of its own.
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  openWorkspace,
  type MasterKeyRecord,
  type ReconcileOptions,
  type ReconcileResult,
  type RunRecord,
  type Workspace,
} from '@keysync/sdk';
import { chooseDriver } from './driver-choice.js';
import type { Log } from './log.js';

export type Decision = 'approve' | 'reject' | 'deprecate';

export class KeySyncService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after anything that may change what views show: a run, a decision, a refresh. */
  readonly onDidChange = this.changed.event;
  private workspace: Promise<Workspace> | undefined;
  private registryCache: Promise<ReadonlyMap<string, MasterKeyRecord>> | undefined;
  private running = false;
  /** The config's text when this service was built, to tell a real edit from a touch. */
  private readonly configText: string;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly configUri: vscode.Uri,
    private readonly log: Log,
  ) {
    this.configText = readConfigText(configUri);
  }

  configChanged(): boolean {
    return readConfigText(this.configUri) !== this.configText;
  }

  /** The SDK workspace, opened on first use; a failed open is retried next time. */
  open(): Promise<Workspace> {
    this.workspace ??= (async () => {
      const setting = vscode.workspace.getConfiguration('keysync', this.folder.uri).get<'auto' | 'native' | 'wasm'>('databaseDriver', 'auto');
      const driver = await chooseDriver(setting, this.log);
      return openWorkspace(this.configUri.fsPath, { driver, onLog: (level, message) => this.log.write(level, message) });
    })();
    this.workspace.catch(() => (this.workspace = undefined));
    return this.workspace;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
    if (this.running) throw new Error('A KeySync run is already in progress in this window.');
    this.running = true;
    try {
      return await (await this.open()).reconcile(options);
    } finally {
      this.running = false;
      this.refresh();
    }
  }

  async latestRun(): Promise<RunRecord | undefined> {
    return (await this.open()).runs.latest();
  }

  /** The registry keyed by master key, shared by the tree and the CodeLens until the next change. */
  registryByMasterKey(): Promise<ReadonlyMap<string, MasterKeyRecord>> {
    this.registryCache ??= this.open()
      .then((workspace) => workspace.registry.list())
      .then((records) => new Map(records.map((record) => [record.masterKey, record])));
    this.registryCache.catch(() => (this.registryCache = undefined));
    return this.registryCache;
  }

  async decide(decision: Decision, masterKey: string, actor: string, reason?: string): Promise<MasterKeyRecord> {
    const workspace = await this.open();
    try {
      if (decision === 'reject') return await workspace.registry.reject(masterKey, { actor, reason: reason ?? '' });
      return await workspace.registry[decision](masterKey, { actor, reason });
    } finally {
      this.refresh();
    }
  }

  async approveAll(actor: string, normalizedKeys?: readonly string[]): Promise<number> {
    const workspace = await this.open();
    try {
      return await workspace.registry.approveAll({ actor, keys: normalizedKeys });
    } finally {
      this.refresh();
    }
  }

  /** Drops cached state and tells every view to reload. */
  refresh(): void {
    this.registryCache = undefined;
    this.changed.fire();
  }

  async dispose(): Promise<void> {
    this.changed.dispose();
    const workspace = this.workspace;
    this.workspace = undefined;
    if (workspace) await (await workspace).close().catch(() => undefined);
  }
}

function readConfigText(uri: vscode.Uri): string {
  try {
    return readFileSync(uri.fsPath, 'utf8');
  } catch {
    return '';
  }
}
