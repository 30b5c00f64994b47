/** Probable matches in the editor (docs/behaviour.md §10): candidates in the tree, linked from the tree and from a probable_matches lens. */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import type { TreeNode } from '../../src/tree/tree-nodes.js';
import { folder, freshWorkspace, keysync } from './helpers.js';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : item.label?.label ?? '');

async function child(parent: TreeNode | undefined, name: string): Promise<TreeNode> {
  const api = await keysync();
  const children = await api.tree.getChildren(parent);
  const found = children.find((node) => label(api.tree.getTreeItem(node)).startsWith(name));
  assert.ok(found, `a child "${name}" among ${JSON.stringify(children.map((node) => label(api.tree.getTreeItem(node))))}`);
  return found;
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100)) as vscode.CodeLens[];
}

describe('Probable matches: candidates in the tree, Link and Not a match', () => {
  before(() => freshWorkspace('11-probable-matches'));

  let result: ReconcileResult;
  before(async () => {
    // A padding, a delimiter and another padding variant of A's keys, held only by C.
    appendFileSync(path.join(folder(), 'input/C.csv'), 'CUST-0005,pad\nCUST006,delim\nCUST-0008,pad\n');
    result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    await vscode.workspace.getConfiguration('keysync').update('codeLens.mode', 'perRow', vscode.ConfigurationTarget.Workspace);
  });
  after(() => vscode.workspace.getConfiguration('keysync').update('codeLens.mode', undefined, vscode.ConfigurationTarget.Workspace));

  it('lists each out-of-authority key with candidates, with their scores, and links from the tree', async () => {
    const api = await keysync();
    const system = await child(await child(undefined, 'Out of authority'), 'C');
    const key = await child(system, 'CUST-0005');
    assert.equal(api.tree.getTreeItem(key).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const [candidate] = await api.tree.getChildren(key);
    const item = api.tree.getTreeItem(candidate!);
    assert.equal(label(item), 'A:CUST-005');
    assert.match(String(item.description), /^1\.00 · padding/);
    assert.equal(item.contextValue, 'candidate');
    await vscode.commands.executeCommand('keysync.linkCandidate', candidate);
    const [record] = await (await api.service()!.open()).registry.list({ normalizedKeys: ['CUST-0005'] });
    assert.equal(record?.status, 'linked');
    assert.equal(record?.linkedTo, 'CUST-005');
  });

  it('offers Link and Not a match on probable_matches rows, and links or rejects through them', async () => {
    const api = await keysync();
    const report = vscode.Uri.file(result.reports.probable_matches!);
    await vscode.window.showTextDocument(report);
    const titles = (await lenses(report)).map((lens) => lens.command?.title);
    assert.ok(titles.includes('Linked to A:CUST-005'), JSON.stringify(titles));
    const link = (await lenses(report)).find((lens) => lens.command?.title === 'Link to A:CUST-006')!;
    await vscode.commands.executeCommand(link.command!.command, ...link.command!.arguments!);
    const workspace = await api.service()!.open();
    assert.equal((await workspace.registry.list({ normalizedKeys: ['CUST006'] }))[0]?.linkedTo, 'CUST-006');
    const reject = (await lenses(report)).find((lens) => lens.command?.title === 'Not a match' && (lens.command.arguments?.[0] as { normalizedKey: string }).normalizedKey === 'CUST-0008')!;
    await vscode.commands.executeCommand(reject.command!.command, ...reject.command!.arguments!);
    assert.deepEqual(
      (await workspace.registry.rejectedMatches()).map((pair) => [pair.normalizedKey, pair.authorityKey]),
      [['CUST-0008', 'CUST-008']],
    );
  });
});
