/** Commands around the workspace: mock data, reports, the run summary and error, source rows. */
import path from 'node:path';
import * as vscode from 'vscode';
import { filesMockDataWouldOverwrite, generateMockData, REPORT_NAMES, SCENARIOS, type ReconcileResult, type RowLocator, type Scenario } from '@keysync/sdk';
import { formatCount } from './format.js';
import type { MarkdownPanel } from './markdown-panel.js';
import { runErrorMarkdown, summaryMarkdown } from './markdown-text.js';
import type { KeySyncService } from './service.js';
import { isLineLocation } from './source-location.js';
import { sourceRowUri } from './source-row-document.js';
import { orCancel, requireTrust, UserCancelled } from './ui.js';

/**
 * A source row: a CSV file opened at its line, or any other source's row as a read-only
 * document fetched from the source now (docs/behaviour.md §2).
 */
export async function openSource(location: string, locator: RowLocator, system?: string): Promise<void> {
  if (!isLineLocation(location, locator)) {
    if (system === undefined) throw new Error(`Cannot open ${location}: which system it belongs to is not known.`);
    const document = await vscode.workspace.openTextDocument(sourceRowUri({ system, locator, location }));
    await vscode.window.showTextDocument(document, { preview: true });
    return;
  }
  await openFileAt(location, locator);
}

/** A text file at a 1-based line. */
export async function openFileAt(file: string, line: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
}

const KEY_COUNTS = ['1,000', '10,000', '100,000', '1,000,000'];

/** The key universe's shares of a scenario, as the pick list describes it. */
const scenarioShares = ({ common, outsideAuthority, onlyInAuthority }: (typeof SCENARIOS)[Scenario]): string =>
  `${Math.round(common * 100)} % common · ${Math.round(outsideAuthority * 100)} % outside A · ${Math.round(onlyInAuthority * 100)} % only in A`;

export async function pickAndGenerateMockData(folder: vscode.WorkspaceFolder, configPath: string): Promise<vscode.Uri> {
  requireTrust('write files');
  const configFile = path.join(folder.uri.fsPath, configPath);
  const force = await confirmOverwrite(filesMockDataWouldOverwrite({ dir: path.dirname(configFile), configPath: configFile }));
  const scenario = orCancel(
    await vscode.window.showQuickPick(
      Object.entries(SCENARIOS).map(([label, shares]) => ({ label, description: scenarioShares(shares) })),
      { title: 'Mock data: scenario (1/3)' },
    ),
  ).label as Scenario;
  const keys = Number(
    orCancel(await vscode.window.showQuickPick(KEY_COUNTS, { title: 'Mock data: keys in the authority (2/3)' })).replaceAll(',', ''),
  );
  const seed = Number(
    orCancel(
      await vscode.window.showInputBox({
        title: 'Mock data: random seed (3/3)',
        value: '42',
        validateInput: (value) => (/^\d+$/.test(value.trim()) ? undefined : 'A whole number ≥ 0.'),
      }),
    ).trim(),
  );
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `KeySync: generating ${scenario} mock data (${formatCount(keys)} keys)` },
    () => generateMockData({ dir: path.dirname(configFile), configPath: configFile, scenario, keys, seed, force }),
  );
  const rows = result.files.reduce((sum, file) => sum + file.rows, 0);
  void vscode.window
    .showInformationMessage(`KeySync: wrote ${result.files.length} CSV files (${formatCount(rows)} rows).`, 'Run Reconciliation')
    .then((choice) => choice && vscode.commands.executeCommand('keysync.run'));
  return vscode.Uri.file(result.configPath);
}

/**
 * The SDK refuses to overwrite files it did not generate; a modal naming them is the only
 * way to let it. Returns the `force` to pass; dismissing the modal cancels the command.
 */
async function confirmOverwrite(files: readonly string[]): Promise<boolean> {
  if (files.length === 0) return false;
  const answer = await vscode.window.showWarningMessage(
    `Overwrite ${files.length === 1 ? 'a file' : `${files.length} files`} that KeySync did not generate with mock data?`,
    { modal: true, detail: `${files.join('\n')}\n\nTheir contents are replaced and cannot be recovered.` },
    OVERWRITE,
  );
  if (answer !== OVERWRITE) throw new UserCancelled();
  return true;
}

const OVERWRITE = 'Overwrite';

export async function openLatestReport(service: KeySyncService): Promise<void> {
  const run = await service.latestRun();
  const reports = run?.reports;
  if (!reports) throw new Error('No completed run with reports yet: run a reconciliation first.');
  const picked = orCancel(
    await vscode.window.showQuickPick(
      REPORT_NAMES.filter((name) => reports[name]).map((name) => ({ label: name, description: path.basename(reports[name]!), file: reports[name]! })),
      { title: `Reports of run ${run.id}` },
    ),
  );
  await vscode.window.showTextDocument(vscode.Uri.file(picked.file));
}

/** A failed run's error in its read-only view (the newest failed run by default); returns the Markdown shown. */
export async function showRunError(service: KeySyncService, panel: MarkdownPanel, runId?: string): Promise<string> {
  const failed = (await service.runs(50)).filter((run) => run.status === 'failed');
  const run = runId ? failed.find((candidate) => candidate.id === runId) : failed[0];
  if (!run) throw new Error(runId ? `Run ${runId} did not fail, or is no longer in the history.` : 'No failed run in the recent history.');
  const markdown = runErrorMarkdown(run);
  await panel.show(markdown, `KeySync Run ${run.id} Failed`);
  return markdown;
}

/**
 * A run's summary in its read-only view: the given result (a dry run's, say) or the latest
 * completed run, with what changed since the completed run before it. Returns the Markdown shown.
 */
export async function showRunSummary(service: KeySyncService, panel: MarkdownPanel, result?: ReconcileResult): Promise<string> {
  const completed = (await service.runs(50)).filter((run) => run.status === 'completed' && run.summary);
  const summary = result?.summary ?? completed[0]?.summary;
  if (!summary) throw new Error('No completed run yet: run a reconciliation first.');
  const previous = completed.find((run) => run.id !== summary.runId && run.startedAt <= summary.startedAt)?.summary ?? undefined;
  const markdown = summaryMarkdown(summary, previous);
  await panel.show(markdown);
  return markdown;
}
