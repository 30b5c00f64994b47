/** Commands around the workspace: config, mock data, reports, the run summary, source rows. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { configTemplate, filesMockDataWouldOverwrite, generateMockData, REPORT_NAMES, whyNothingCompared, type ReconcileResult, type RunSummary, type Scenario } from '@keysync/sdk';
import type { KeySyncService } from './service.js';
import { orCancel, requireTrust, UserCancelled } from './ui.js';

export async function openSource(file: string, line: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
}

/** Writes a commented keysync-config.yaml into the folder (or opens the existing one). */
export async function createConfig(folder: vscode.WorkspaceFolder, configPath: string): Promise<vscode.Uri> {
  requireTrust('write files');
  const uri = vscode.Uri.joinPath(folder.uri, configPath);
  if (!existsSync(uri.fsPath)) await vscode.workspace.fs.writeFile(uri, Buffer.from(configTemplate()));
  await vscode.window.showTextDocument(uri);
  return uri;
}

const KEY_COUNTS = ['1,000', '10,000', '100,000', '1,000,000'];

export async function pickAndGenerateMockData(folder: vscode.WorkspaceFolder, configPath: string): Promise<vscode.Uri> {
  requireTrust('write files');
  const configFile = path.join(folder.uri.fsPath, configPath);
  const force = await confirmOverwrite(filesMockDataWouldOverwrite({ dir: path.dirname(configFile), configPath: configFile }));
  const scenario = orCancel(
    await vscode.window.showQuickPick(
      [
        { label: 'normal', description: '80 % common · 10 % outside A · 10 % only in A' },
        { label: 'drift', description: '60 % · 20 % · 20 %' },
        { label: 'failure', description: '50 % · 25 % · 25 %' },
        { label: 'recovery', description: '75 % · 12 % · 13 %' },
      ],
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
    { location: vscode.ProgressLocation.Notification, title: `KeySync: generating ${scenario} mock data (${keys.toLocaleString('en-US')} keys)` },
    () => generateMockData({ dir: path.dirname(configFile), configPath: configFile, scenario, keys, seed, force }),
  );
  const rows = result.files.reduce((sum, file) => sum + file.rows, 0);
  void vscode.window
    .showInformationMessage(`KeySync: wrote ${result.files.length} CSV files (${rows.toLocaleString('en-US')} rows).`, 'Run Reconciliation')
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

/** A failed run's error as a Markdown document beside the editor (the newest failed run by default). */
export async function showRunError(service: KeySyncService, runId?: string): Promise<vscode.TextDocument> {
  const failed = (await service.runs(50)).filter((run) => run.status === 'failed');
  const run = runId ? failed.find((candidate) => candidate.id === runId) : failed[0];
  if (!run) throw new Error(runId ? `Run ${runId} did not fail, or is no longer in the history.` : 'No failed run in the recent history.');
  const content = [
    `# KeySync run ${run.id} failed`,
    '',
    `${run.mode} run started ${run.startedAt}${run.finishedAt ? `, stopped ${run.finishedAt}` : ''}; config \`${run.configFile ?? 'defaults'}\`.`,
    '',
    '```text',
    run.error ?? 'No error was recorded.',
    '```',
    '',
    'Nothing from this run was committed: the registry and the last completed run are unchanged. "KeySync: Show Log" has the details.',
    '',
  ].join('\n');
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  return document;
}

/** The run summary as a Markdown document beside the editor. */
export async function showRunSummary(service: KeySyncService, result?: ReconcileResult): Promise<vscode.TextDocument> {
  const summary = result?.summary ?? (await service.latestRun())?.summary;
  if (!summary) throw new Error('No completed run yet: run a reconciliation first.');
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: summaryMarkdown(summary) });
  await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  return document;
}

export function summaryMarkdown(summary: RunSummary): string {
  const rate = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(2)}%`);
  const count = (value: number) => value.toLocaleString('en-US');
  const { totals, registry } = summary;
  return [
    `# KeySync ${summary.dryRun ? 'dry run' : 'run'} ${summary.runId}`,
    '',
    `${summary.mode} run started ${summary.startedAt}; authority **${summary.authority}**.`,
    '',
    '| System | Role | Rows | Keys | Match | Gaps | Out of A | Dup groups | Bad rows |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...summary.systems.map((system) =>
      system.status === 'skipped'
        ? `| ${system.system} | ${system.role} | left out: ${system.skippedReason} | | | | | | |`
        : `| ${system.system} | ${system.role} | ${count(system.rows)} | ${count(system.keys)} | ${rate(system.matchRate)} | ${count(system.gaps)} | ${count(system.outOfAuthority)} | ${count(system.duplicateGroups)} | ${count(system.badRows)} |`,
    ),
    '',
    totals.overallMatchRate === null || totals.keysInAllSystems === null
      ? `- **Nothing was compared**: ${whyNothingCompared(summary)}; there is no match rate`
      : `- Overall match rate **${rate(totals.overallMatchRate)}**: ${count(totals.keysInAllSystems)} of ${count(totals.uniqueKeys)} unique keys are in every system`,
    `- Propagation gaps ${count(totals.propagationGaps)}; out of authority ${count(totals.keysMissingInAuthority)} keys (${count(totals.outOfAuthoritySightings)} sightings, system by system)`,
    `- Duplicate groups ${count(totals.duplicateGroups)}; bad rows ${count(totals.badRows)}; repeated rows ${count(totals.repeatedRows)}`,
    `- Master keys: ${count(registry.proposed)} proposed, ${count(registry.autoApproved)} auto-approved, ${count(registry.resolved)} resolved, **${count(registry.pending)} pending review**`,
    '',
  ].join('\n');
}
