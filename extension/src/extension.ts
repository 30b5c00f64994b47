/**
 * Wiring only: find the folder's KeySync config, build its service, and hand it to the
 * command, tree, CodeLens, status-bar and history modules. Every disposable goes into
 * context.subscriptions.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { filesMockDataWouldOverwrite, type BadRowEntry, type RowLocator } from '@keysync/sdk';
import { aboutText } from './about-text.js';
import { ACTIONABLE_REPORT_GLOB } from './codelens/report-kind.js';
import { lensApproveAll, lensDecide, syncReportStatuses } from './codelens/lens-commands.js';
import { linkCandidate, rejectCandidate } from './match-commands.js';
import type { ProbableCandidate } from './probable-candidates.js';
import { ReportCodeLensProvider } from './codelens/report-lens.js';
import { badRowProblems } from './bad-row-problems.js';
import { LineDiagnostics } from './line-diagnostics.js';
import { HistoryPanel } from './history/history-panel.js';
import { copyKey, findKey, openReportRow, revealMasterKey, showAuditHistory } from './key-commands.js';
import { Log } from './log.js';
import { MarkdownPanel } from './markdown-panel.js';
import { approveAll, decide, decisionUndo, undoDecision } from './registry-commands.js';
import { runReconciliation } from './run-commands.js';
import { KeySyncService, registryPasswordKey } from './service.js';
import { createConfig } from './setup/create-config.js';
import { StatusBar } from './status-bar.js';
import { statusContent } from './status-text.js';
import { DiscrepancyTree } from './tree/discrepancy-tree.js';
import type { NodeOf, TreeNode } from './tree/tree-nodes.js';
import { guarded } from './ui.js';
import { openFileAt, openLatestReport, openSource, pickAndGenerateMockData, showRunError, showRunSummary } from './workspace-commands.js';
import { SourceRowDocuments, SOURCE_ROW_SCHEME } from './source-row-document.js';
import { setSourcePassword } from './source-passwords.js';

/** What tests and other extensions can reach through `extension.exports`. */
export interface KeySyncApi {
  service(): KeySyncService | undefined;
  readonly tree: DiscrepancyTree;
  readonly codeLens: ReportCodeLensProvider;
  readonly statusBar: StatusBar;
  readonly treeView: vscode.TreeView<TreeNode>;
  /** The config's problems in the Problems panel. */
  readonly diagnostics: LineDiagnostics;
  /** The latest run's bad rows in the Problems panel. */
  readonly badRowDiagnostics: LineDiagnostics;
  /** Resolves once the views reflect the latest change. */
  settled(): Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<KeySyncApi> {
  const log = new Log();
  let service: KeySyncService | undefined;
  let serviceChange: vscode.Disposable | undefined;
  const tree = new DiscrepancyTree(() => service);
  const codeLens = new ReportCodeLensProvider(() => service);
  const statusBar = new StatusBar();
  const diagnostics = new LineDiagnostics('keysync', vscode.DiagnosticSeverity.Error);
  const badRowDiagnostics = new LineDiagnostics('keysync-bad-rows', vscode.DiagnosticSeverity.Warning);
  /** The run whose bad rows the Problems panel shows: they are loaded once per run. */
  let badRowsShownFor: string | undefined;
  const history = new HistoryPanel(() => service);
  const summaryPanel = new MarkdownPanel('keysync.summary', 'KeySync Run Summary');
  const errorPanel = new MarkdownPanel('keysync.runError', 'KeySync Run Error');
  const auditPanel = new MarkdownPanel('keysync.audit', 'KeySync Audit History');
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SOURCE_ROW_SCHEME, new SourceRowDocuments(() => service)));
  const treeView = vscode.window.createTreeView('keysync.discrepancies', { treeDataProvider: tree, showCollapseAll: true });
  let settling: Promise<void> = Promise.resolve();

  const updateViews = () => {
    tree.refresh();
    codeLens.refresh();
    settling = (async () => {
      if (!service) {
        statusBar.hide();
        treeView.badge = undefined;
        treeView.message = undefined;
        diagnostics.show(new Map());
        badRowDiagnostics.show(new Map());
        badRowsShownFor = undefined;
        await setContext({ hasConfig: false, hasRun: false, pendingCount: 0, hasRealSources: false });
        return;
      }
      const state = await service.viewState();
      const pending = state.registryCounts?.proposed ?? 0;
      const problem = state.configProblem;
      diagnostics.show(new Map(problem ? [[problem.file, problem.problems.map(({ line, text }) => ({ line, message: text }))]] : []));
      treeView.message = problem && `${problem.summary}. Results shown are stale until the config is fixed.`;
      const latest = state.completed;
      if (latest?.id !== badRowsShownFor) {
        const current = service;
        const withBadRows = latest?.summary?.systems.filter((system) => system.badRows > 0) ?? [];
        const groups = await Promise.all(
          withBadRows.map(async ({ system }) => ({ system, rows: (await current.discrepancies(latest!.id, 'bad_row', system)) as BadRowEntry[] })),
        );
        badRowDiagnostics.show(badRowProblems(groups));
        badRowsShownFor = latest?.id;
      }
      statusBar.update(statusContent({ completed: state.completed, failed: state.failed, pending, configProblem: problem?.summary }));
      treeView.badge = pending ? { value: pending, tooltip: `${pending} master keys awaiting review` } : undefined;
      const hasRun = Boolean(state.completed || state.failed);
      // Only the "No run yet" welcome offers mock data, so only then is it worth hashing the sources.
      await setContext({ hasConfig: true, hasRun, pendingCount: pending, hasRealSources: !hasRun && hasRealSources(service.configUri.fsPath) });
      if (history.isOpen) await history.render();
    })().catch((error) => log.error(`refreshing views: ${(error as Error).message}`));
  };

  /**
   * Finds the config and (re)builds the service when its path changed, or always with
   * `rebuild` (a changed driver setting). The same file with new content keeps its service,
   * which reloads the config itself on the refresh.
   */
  let locating: Promise<void> = Promise.resolve();
  const locateService = (rebuild = false): Promise<void> => (locating = locating.then(() => relocate(rebuild)));
  const relocate = async (rebuild: boolean) => {
    const found = await findConfig();
    if (!rebuild && found?.configUri.fsPath === service?.configUri.fsPath) {
      if (service) service.refresh();
      else updateViews();
      return;
    }
    serviceChange?.dispose();
    await service?.dispose();
    service = found ? new KeySyncService(found.folder, found.configUri, log, context.secrets) : undefined;
    serviceChange = service?.onDidChange(updateViews);
    log.info(service ? `workspace config: ${service.configUri.fsPath}` : 'no keysync-config.yaml in this workspace');
    updateViews();
  };

  const need = (): KeySyncService => {
    if (!service) throw new Error('No keysync-config.yaml in this workspace. Run "KeySync: Create Config" or "KeySync: Generate Mock Data…" first.');
    return service;
  };
  const firstFolder = (): vscode.WorkspaceFolder => {
    const folder = service?.folder ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new Error('Open a folder first.');
    return folder;
  };
  const configPath = () => vscode.workspace.getConfiguration('keysync').get<string>('configPath', 'keysync-config.yaml');
  const command = (name: string, body: (...args: never[]) => Promise<unknown>) =>
    context.subscriptions.push(vscode.commands.registerCommand(name, guarded(log, name, body)));

  const run = (mode: 'full' | 'incremental', dryRun: boolean) => () => runReconciliation(need(), { mode, dryRun }, context.workspaceState, log, treeView.visible);
  command('keysync.run', run('full', false));
  command('keysync.runIncremental', run('incremental', false));
  command('keysync.dryRun', run('full', true));
  command('keysync.approve', (target?: TreeNode | string) => decide(need(), 'approve', target));
  command('keysync.reject', (target?: TreeNode | string) => decide(need(), 'reject', target));
  command('keysync.deprecate', (target?: TreeNode | string) => decide(need(), 'deprecate', target));
  command('keysync.approveAll', () => approveAll(need()));
  command('keysync.undoDecision', (key?: string) => undoDecision(need(), key));
  command('keysync.openLatestReport', () => openLatestReport(need()));
  command('keysync.showRunSummary', (result?: never) => showRunSummary(need(), summaryPanel, result));
  command('keysync.showRunHistory', () => history.show());
  command('keysync.refresh', () => locateService());
  // A team registry's password stays in SecretStorage, never in the config (README, "Team registry").
  command('keysync.setRegistryPassword', async () => {
    const current = need();
    const password = await vscode.window.showInputBox({ title: 'KeySync: PostgreSQL registry password', prompt: 'Kept in the editor’s secret storage for this config', password: true, ignoreFocusOut: true });
    if (password === undefined) return;
    await context.secrets.store(registryPasswordKey(current.configUri), password);
    await locateService(true);
  });
  command('keysync.createConfig', async () => {
    const uri = await createConfig(firstFolder(), configPath());
    await locateService();
    return uri;
  });
  command('keysync.generateMockData', async () => {
    const uri = await pickAndGenerateMockData(firstFolder(), service ? path.relative(firstFolder().uri.fsPath, service.configUri.fsPath) : configPath());
    await locateService();
    service?.refresh();
    return uri;
  });
  command('keysync.showLog', async () => log.show());
  command('keysync.about', async () => {
    const about = aboutText({ extensionVersion: String(context.extension.packageJSON.version), editorVersion: vscode.version, nodeVersion: process.versions.node });
    const choice = await vscode.window.showInformationMessage(about.message, { modal: true, detail: about.detail }, 'Copy');
    if (choice === 'Copy') await vscode.env.clipboard.writeText(`${about.message}\n${about.detail}`);
    return about;
  });
  command('keysync.showRunError', (runId?: string) => showRunError(need(), errorPanel, runId));
  command('keysync.openConfig', (file?: string, line?: number) => openFileAt(file ?? need().configUri.fsPath, line ?? 1));
  // From a row's click: (location, locator, system); from its context menu: the row itself.
  command('keysync.openSource', (target: string | TreeNode, locator?: RowLocator, system?: string) => {
    const [location, at, of] = typeof target === 'string' ? [target, locator ?? 1, system] : sourceRow(target);
    return openSource(location, at, of);
  });
  command('keysync.setSourcePassword', (system?: string) => setSourcePassword(need(), system));
  command('keysync.showMore', async (more: NodeOf<'more'>) => {
    // Focus moves to the first row the click revealed, not back to the top of the view.
    const first = await tree.showMore(more);
    if (first) await treeView.reveal(first, { select: true, focus: true });
    return first;
  });
  command('keysync.findKey', () => findKey(need(), (masterKey) => showAuditHistory(need(), auditPanel, masterKey)));
  command('keysync.copyKey', (node: TreeNode) => copyKey(node));
  command('keysync.revealMasterKey', (node: NodeOf<'key'>) => revealMasterKey(need(), tree, treeView, node));
  command('keysync.openReportRow', (node: NodeOf<'key'>) => openReportRow(need(), node));
  command('keysync.showAuditHistory', (target: string | NodeOf<'masterKey'>) =>
    showAuditHistory(need(), auditPanel, typeof target === 'string' ? target : target.record.masterKey),
  );
  command('keysync.lens.approve', (uri: vscode.Uri, masterKey: string) => lensDecide(need(), 'approve', uri, masterKey));
  command('keysync.lens.reject', (uri: vscode.Uri, masterKey: string) => lensDecide(need(), 'reject', uri, masterKey));
  command('keysync.lens.approveAll', (uri: vscode.Uri) => lensApproveAll(need(), uri));
  command('keysync.lens.syncCsv', (uri: vscode.Uri) => syncReportStatuses(need(), uri));
  // From the tree: the candidate node; from a probable_matches lens: the row's pair.
  command('keysync.linkCandidate', (target: NodeOf<'candidate'> | ProbableCandidate) => linkCandidate(need(), 'candidate' in target ? target.candidate : target));
  command('keysync.notAMatch', (target: NodeOf<'candidate'> | ProbableCandidate) => rejectCandidate(need(), 'candidate' in target ? target.candidate : target));

  const configWatcher = vscode.workspace.createFileSystemWatcher('**/keysync-config.yaml');
  // A run or decision from the CLI, a teammate or another window: the service's registry watch (service.ts).
  context.subscriptions.push(
    decisionUndo,
    log,
    tree,
    treeView,
    codeLens,
    statusBar,
    diagnostics,
    badRowDiagnostics,
    history,
    summaryPanel,
    errorPanel,
    auditPanel,
    configWatcher,
    // Every way a file changes: saved in place, replaced by rename (sed -i, git checkout, many editors), deleted.
    configWatcher.onDidCreate(() => void locateService()),
    configWatcher.onDidDelete(() => void locateService()),
    configWatcher.onDidChange(() => void locateService()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void locateService()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => updateViews()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('keysync.configPath') || event.affectsConfiguration('keysync.databaseDriver')) void locateService(true);
    }),
    vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: ACTIONABLE_REPORT_GLOB }, codeLens),
    { dispose: () => void service?.dispose() },
  );

  await locateService();
  return { service: () => service, tree, codeLens, statusBar, treeView, diagnostics, badRowDiagnostics, settled: () => locating.then(() => settling) };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

async function findConfig(): Promise<{ folder: vscode.WorkspaceFolder; configUri: vscode.Uri } | undefined> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const configured = vscode.workspace.getConfiguration('keysync', folder.uri).get<string>('configPath', 'keysync-config.yaml');
    const configUri = vscode.Uri.joinPath(folder.uri, configured);
    if (existsSync(configUri.fsPath)) return { folder, configUri };
  }
  const [found] = await vscode.workspace.findFiles('**/keysync-config.yaml', '**/node_modules/**', 1);
  const folder = found && vscode.workspace.getWorkspaceFolder(found);
  return found && folder ? { folder, configUri: found } : undefined;
}

/** True when the config's sources hold files that are not KeySync's mock data (or the config does not load). */
function hasRealSources(configPath: string): boolean {
  try {
    return filesMockDataWouldOverwrite({ dir: path.dirname(configPath), configPath }).length > 0;
  } catch {
    return true;
  }
}

/** Where a tree row's source is: a sighting's or key's own row, a gap's row in the authority. */
function sourceRow(node: TreeNode): [string, RowLocator, string] {
  if (node.type === 'sighting') return [node.file, node.line, node.system];
  if (node.type === 'key') {
    return 'sightings' in node.entry ? [node.file, node.entry.sightings[0]?.line ?? 1, node.system] : [node.authorityFile, node.entry.line, node.authority];
  }
  throw new Error('Open Source Row works on a key or source row.');
}

async function setContext(values: { hasConfig: boolean; hasRun: boolean; pendingCount: number; hasRealSources: boolean }): Promise<void> {
  await Promise.all(Object.entries(values).map(([key, value]) => vscode.commands.executeCommand('setContext', `keysync.${key}`, value)));
}
