/** Running from the palette, and the tree against the SDK's results for the clean fixture. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import type { TreeNode } from '../../src/tree/tree-nodes.js';
import { freshWorkspace, keysync } from './helpers.js';

async function labels(nodes: TreeNode[]): Promise<string[]> {
  const api = await keysync();
  return nodes.map((node) => {
    const item = api.tree.getTreeItem(node);
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    return item.description ? `${label} — ${item.description}` : label;
  });
}

async function child(parent: TreeNode | undefined, startsWith: string): Promise<TreeNode> {
  const api = await keysync();
  const children = await api.tree.getChildren(parent);
  const found = (await labels(children)).findIndex((label) => label.startsWith(startsWith));
  assert.ok(found >= 0, `a child starting with "${startsWith}" among ${JSON.stringify(await labels(children))}`);
  return children[found]!;
}

describe('Run Reconciliation and the Discrepancies tree', () => {
  before(() => freshWorkspace('2-run-and-tree'));

  let result: ReconcileResult;

  it('runs a full reconciliation through the command and writes the reports', async () => {
    result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    assert.ok(result, 'the command returns the run result');
    assert.equal(result.summary.totals.uniqueKeys, 10);
    assert.equal(result.summary.registry.proposed, 2);
    for (const file of Object.values(result.reports)) assert.ok(existsSync(file), file);
    await (await keysync()).settled();
  });

  it('shows the summary, the three discrepancy groups and the registry with counts', async () => {
    const api = await keysync();
    const roots = await labels(await api.tree.getChildren());
    assert.equal(roots.length, 5);
    assert.match(roots[0]!, /^Summary — \d{8}T\d{6}Z(-\d+)?-[a-z0-9]{4} · /);
    assert.deepEqual(roots.slice(1), ['Out of authority — 3', 'Propagation gaps — 5', 'Duplicates — 0', 'Master keys — 2']);
  });

  it('lists per-system match rates under Summary, as the SDK computed them', async () => {
    const summary = await labels(await (await keysync()).tree.getChildren(await child(undefined, 'Summary')));
    assert.deepEqual(summary, [
      'Overall match 40.00% — 4 of 10 keys in every system',
      'A — authority · 8 keys',
      'B — 75.00% · 2 gaps · 1 out of authority',
      'C — 62.50% · 3 gaps · 2 out of authority',
      'Master keys: 2 pending review — 2 proposed by this run',
    ]);
  });

  it('lists out-of-authority keys by system with their raw keys and lines', async () => {
    const api = await keysync();
    const group = await child(undefined, 'Out of authority');
    assert.deepEqual(await labels(await api.tree.getChildren(group)), ['B — 1', 'C — 2']);
    const keys = await api.tree.getChildren(await child(group, 'C'));
    // Seen once each: leaves whose description says where, not the key again.
    assert.deepEqual(await labels(keys), ['CUST-101 — C line 8', 'CUST-102 — C line 7']);
    assert.equal(api.tree.getTreeItem(keys[1]!).collapsibleState, vscode.TreeItemCollapsibleState.None);
    assert.deepEqual(await api.tree.getChildren(keys[1]), []);
  });

  it('lists propagation gaps by system, each opening the authority file at its line', async () => {
    const api = await keysync();
    const gaps = await api.tree.getChildren(await child(await child(undefined, 'Propagation gaps'), 'C'));
    assert.deepEqual(await labels(gaps), ['CUST-005 — missing in C', 'CUST-006 — missing in C', 'CUST-008 — missing in C']);
    const item = api.tree.getTreeItem(gaps[2]!);
    assert.equal(item.command?.command, 'keysync.openSource');
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    assert.ok(editor.document.fileName.endsWith('A.csv'));
    assert.equal(editor.selection.active.line, 8, 'CUST-008 is on line 9 of A.csv');
    assert.equal(editor.document.lineAt(8).text, 'CUST-008,eight');
  });

  it('lists master keys by status with inline actions on proposed ones', async () => {
    const api = await keysync();
    const statuses = await api.tree.getChildren(await child(undefined, 'Master keys'));
    assert.deepEqual(await labels(statuses), ['Proposed — 2']);
    const keys = await api.tree.getChildren(statuses[0]);
    assert.deepEqual(keys.map((node) => api.tree.getTreeItem(node).contextValue), ['masterKey.proposed', 'masterKey.proposed']);
  });

  it('runs a dry run and an incremental run from the palette', async () => {
    const dry = (await vscode.commands.executeCommand('keysync.dryRun')) as ReconcileResult;
    assert.equal(dry.dryRun, true);
    assert.ok(Object.values(dry.reports).every((file) => file.includes('_dry-run_')));
    const incremental = (await vscode.commands.executeCommand('keysync.runIncremental')) as ReconcileResult;
    assert.equal(incremental.summary.mode, 'incremental');
    assert.equal(incremental.summary.registry.proposed, 0, 'nothing new to propose on unchanged data');
  });

  it('shows the run summary in one read-only view, reused, never an unsaved document', async () => {
    const untitledBefore = vscode.workspace.textDocuments.filter((document) => document.isUntitled).length;
    const markdown = (await vscode.commands.executeCommand('keysync.showRunSummary')) as string;
    assert.match(markdown, /^# KeySync incremental run /m, 'the latest run was the incremental one');
    assert.match(markdown, /Overall match rate \*\*40\.00%\*\*/);
    assert.match(markdown, /\| C \| downstream \| 7 \| 7 \| 62\.50% \| 3 \| 2 \| 0 \| 0 \| from snapshot \| ±0 \|/);
    await vscode.commands.executeCommand('keysync.showRunSummary');
    await vscode.commands.executeCommand('keysync.showRunSummary');
    const tabs = await tabsLabelled('KeySync Run Summary');
    assert.equal(tabs.length, 1, 'one summary tab after three clicks');
    assert.ok(tabs[0]!.input instanceof vscode.TabInputWebview);
    assert.equal(vscode.workspace.textDocuments.filter((document) => document.isUntitled).length, untitledBefore);
    assert.ok(!vscode.workspace.textDocuments.some((document) => document.isDirty));
  });
});

describe('Discrepancies tree: accessibility, key rows, Find Key', () => {
  afterEach(() => sinon.restore());

  it('gives rows accessibility labels with their figures, not their tooltips', async () => {
    const api = await keysync();
    const group = await child(undefined, 'Out of authority');
    assert.equal(api.tree.getTreeItem(group).accessibilityInformation?.label, 'Out of authority, 3 out-of-authority keys');
    const system = await child(group, 'C');
    assert.equal(api.tree.getTreeItem(system).accessibilityInformation?.label, 'System C, 2 out-of-authority keys');
    const summaryRows = await api.tree.getChildren(await child(undefined, 'Summary'));
    assert.equal(api.tree.getTreeItem(summaryRows[3]!).accessibilityInformation?.label, 'C, 62.50%, 3 gaps, 2 out of authority');
    const status = await child(await child(undefined, 'Master keys'), 'Proposed');
    assert.equal(api.tree.getTreeItem(status).accessibilityInformation?.label, 'Proposed, 2 master keys');
    assert.match(api.statusBar.content.accessibilityLabel, /^KeySync: overall match 40\.00%, 2 master keys pending review$/);
  });

  it('copies a key, reveals its master key and opens its report row from the context menu', async () => {
    const api = await keysync();
    // Revealing selects a row only in a visible view; another file may have opened something over it.
    await vscode.commands.executeCommand('keysync.discrepancies.focus');
    const key = (await api.tree.getChildren(await child(await child(undefined, 'Out of authority'), 'C')))[0]!;
    assert.equal(api.tree.getTreeItem(key).contextValue, 'key.out_of_authority');
    assert.equal(await vscode.commands.executeCommand('keysync.copyKey', key), 'CUST-101');
    assert.equal(await vscode.env.clipboard.readText(), 'CUST-101');
    assert.equal(await vscode.commands.executeCommand('keysync.revealMasterKey', key), 'CUST-101');
    // The view reports a selection once the workbench has applied it.
    for (const deadline = Date.now() + 5000; api.treeView.selection[0]?.type !== 'masterKey' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const selected = api.treeView.selection[0];
    assert.ok(selected?.type === 'masterKey' && selected.record.masterKey === 'CUST-101', 'the master key row is selected');
    const line = (await vscode.commands.executeCommand('keysync.openReportRow', key)) as number;
    const editor = vscode.window.activeTextEditor!;
    assert.match(editor.document.fileName, /diff_missing_in_A_[^/]*\.csv$/);
    assert.equal(editor.selection.active.line, line);
    assert.match(editor.document.lineAt(line).text, /^CUST-101,C,/);
  });

  it('opens a master key\'s audit history, read-only, when its row is clicked', async () => {
    const api = await keysync();
    const masterKey = (await api.tree.getChildren(await child(await child(undefined, 'Master keys'), 'Proposed')))[0]!;
    const command = api.tree.getTreeItem(masterKey).command!;
    assert.equal(command.command, 'keysync.showAuditHistory');
    const markdown = (await vscode.commands.executeCommand(command.command, ...command.arguments!)) as string;
    assert.match(markdown, /^# CUST-101$/m);
    assert.match(markdown, /master\\_key\\_proposed/);
    assert.equal((await tabsLabelled('Audit: CUST-101')).length, 1);
  });

  it('finds a key through the SDK from any spelling, and opens the picked hit', async () => {
    sinon.stub(vscode.window, 'showInputBox').resolves(' cust-102 ');
    let offered: string[] = [];
    sinon.stub(vscode.window, 'showQuickPick').callsFake(async (items) => {
      const list = (await items) as vscode.QuickPickItem[];
      offered = list.map((item) => `${item.label} — ${item.description}`);
      return list.find((item) => item.description?.startsWith('Out of authority'));
    });
    await vscode.commands.executeCommand('keysync.findKey');
    assert.deepEqual(offered, ['$(key) CUST-102 — Proposed master key · C CUST-102', '$(symbol-key) CUST-102 — Out of authority · C line 7']);
    const editor = vscode.window.activeTextEditor!;
    assert.ok(editor.document.fileName.endsWith('C.csv'));
    assert.equal(editor.selection.active.line, 6);
  });
});

async function tabsLabelled(label: string): Promise<vscode.Tab[]> {
  // The editor's tab model reaches the extension host a moment after a panel opens.
  let tabs: vscode.Tab[] = [];
  for (let attempt = 0; attempt < 30; attempt++) {
    tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.label === label);
    if (tabs.length) return tabs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return tabs;
}
