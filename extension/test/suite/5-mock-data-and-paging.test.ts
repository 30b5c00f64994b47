/** Generate Mock Data… through its three prompts, then a large run whose groups load in pages. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { PAGE_SIZE } from '../../src/tree/discrepancy-tree.js';
import type { TreeNode } from '../../src/tree/tree-nodes.js';
import { folder, freshWorkspace, keysync } from './helpers.js';

describe('mock data and paging', () => {
  before(() => freshWorkspace('5-mock-data-and-paging'));

  afterEach(() => sinon.restore());

  it('generates the picked scenario, size and seed into the configured sources, after confirming it may replace the fixture files', async () => {
    // The fixture's input files are not KeySync's mock output: the SDK refuses without force, so a modal asks first.
    const confirm = sinon.stub(vscode.window, 'showWarningMessage').resolves('Overwrite' as never);
    const picks = sinon.stub(vscode.window, 'showQuickPick');
    picks.onFirstCall().callsFake(async (items) => ((await items) as vscode.QuickPickItem[]).find((item) => item.label === 'drift'));
    // 100,000 keys: enough input (≈ 9 MB) for the SDK to read in worker threads inside the extension host.
    picks.onSecondCall().resolves('100,000' as never);
    sinon.stub(vscode.window, 'showInputBox').resolves('7');
    sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    await vscode.commands.executeCommand('keysync.generateMockData');
    assert.equal(confirm.callCount, 1);
    assert.match(String((confirm.firstCall.args[1] as vscode.MessageOptions).detail), /A\.csv\n.*B\.csv\n.*C\.csv/);
    const a = readFileSync(path.join(folder(), 'input/A.csv'), 'utf8').trim().split('\n');
    assert.equal(a[0], 'key,last_seen_at,system,status');
    assert.ok(a.length > 100_000, `A has ${a.length - 1} rows for 100,000 keys`);
  });

  it('pages a 25,000-key group 500 at a time with "Show 500 more"', async () => {
    const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    assert.equal(result.summary.totals.overallMatchRate, 0.6);
    const api = await keysync();
    const roots = await api.tree.getChildren();
    const gaps = roots.find((node) => node.type === 'group' && node.kind === 'gap')!;
    const systemB = (await api.tree.getChildren(gaps)).find((node) => node.type === 'system' && node.system === 'B')! as Extract<TreeNode, { type: 'system' }>;
    assert.equal(systemB.count, 25_000);
    const firstPage = await api.tree.getChildren(systemB);
    assert.equal(firstPage.length, PAGE_SIZE + 1);
    const more = firstPage[PAGE_SIZE]!;
    const item = api.tree.getTreeItem(more);
    assert.equal(item.label, 'Show 500 more');
    assert.equal(item.description, '500 of 25,000 shown');
    const revealed = (await vscode.commands.executeCommand(item.command!.command, ...item.command!.arguments!)) as TreeNode;
    const secondPage = await api.tree.getChildren(systemB);
    assert.equal(secondPage.length, 2 * PAGE_SIZE + 1);
    // Focus goes to the first row the click revealed (TreeView.reveal with select and focus).
    assert.equal(api.tree.getTreeItem(revealed).id, api.tree.getTreeItem(secondPage[PAGE_SIZE]!).id);
    assert.equal(api.tree.getParent(revealed), systemB, 'reveal can walk up to the group');
  });
});
