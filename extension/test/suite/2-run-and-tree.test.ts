/** Running from the palette, and the tree against the SDK's results for the clean fixture. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import type { TreeNode } from '../../src/tree/tree-nodes.js';
import { keysync } from './helpers.js';

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
    assert.deepEqual(roots.slice(1), ['Out of authority (3)', 'Propagation gaps (5)', 'Duplicates (0)', 'Master keys (2)']);
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
    assert.deepEqual(await labels(await api.tree.getChildren(group)), ['B (1)', 'C (2)']);
    const keys = await api.tree.getChildren(await child(group, 'C'));
    assert.deepEqual(await labels(keys), ['CUST-101 — CUST-101', 'CUST-102 — CUST-102']);
    const sightings = await labels(await api.tree.getChildren(keys[1]));
    assert.deepEqual(sightings, ['CUST-102 — C line 7']);
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
    assert.deepEqual(await labels(statuses), ['proposed (2)']);
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

  it('shows the run summary as a document', async () => {
    const document = (await vscode.commands.executeCommand('keysync.showRunSummary')) as vscode.TextDocument;
    assert.match(document.getText(), /Overall match rate \*\*40\.00%\*\*/);
    assert.match(document.getText(), /\| C \| downstream \| 7 \| 7 \| 62\.50% \| 3 \| 2 \| 0 \| 0 \|/);
  });
});
