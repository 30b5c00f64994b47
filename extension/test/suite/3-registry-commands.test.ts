/** Approve / Reject / Deprecate / Approve All from the palette, with prompts answered by sinon stubs. */
import assert from 'node:assert/strict';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { MasterKeyRecord } from '@keysync/sdk';
import type { TreeNode } from '../../src/tree/tree-nodes.js';
import { freshWorkspace, keysync } from './helpers.js';

async function registry(): Promise<Record<string, string>> {
  const records = await (await (await keysync()).service()!.open()).registry.list();
  return Object.fromEntries(records.map((record) => [record.masterKey, record.status]));
}

async function auditFor(key: string): Promise<{ eventType: string; actor: string; details: string }[]> {
  return (await (await keysync()).service()!.open()).audit.list({ key });
}

describe('registry commands', () => {
  before(async () => {
    await freshWorkspace('3-registry-commands');
    await vscode.commands.executeCommand('keysync.run');
  });

  afterEach(() => sinon.restore());

  it('approves the key picked from the quick pick of pending keys, audited with the actor', async () => {
    await vscode.workspace.getConfiguration('keysync').update('actor', 'ana', vscode.ConfigurationTarget.Global);
    const pick = sinon.stub(vscode.window, 'showQuickPick').callsFake(async (items) => {
      const list = (await items) as vscode.QuickPickItem[];
      assert.deepEqual(list.map((item) => item.label), ['CUST-101', 'CUST-102']);
      return list[0];
    });
    const record = (await vscode.commands.executeCommand('keysync.approve')) as MasterKeyRecord;
    assert.equal(pick.callCount, 1);
    assert.equal(record.status, 'active');
    assert.deepEqual(await registry(), { 'CUST-101': 'active', 'CUST-102': 'proposed' });
    const [approved] = (await auditFor('CUST-101')).filter((event) => event.eventType === 'master_key_approved');
    assert.equal(approved?.actor, 'ana');
  });

  it('rejects with the reason typed into the input box', async () => {
    sinon.stub(vscode.window, 'showQuickPick').callsFake(async (items) => ((await items) as vscode.QuickPickItem[])[0]);
    sinon.stub(vscode.window, 'showInputBox').resolves('test key');
    await vscode.commands.executeCommand('keysync.reject');
    assert.equal((await registry())['CUST-102'], 'rejected');
    const [rejected] = (await auditFor('CUST-102')).filter((event) => event.eventType === 'master_key_rejected');
    assert.match(rejected!.details, /\(test key\)$/);
  });

  it('does nothing when the reason prompt is dismissed', async () => {
    sinon.stub(vscode.window, 'showInputBox').resolves(undefined);
    const before = await registry();
    await vscode.commands.executeCommand('keysync.reject', 'CUST-999');
    assert.deepEqual(await registry(), before);
  });

  it('deprecates an active key passed from the tree', async () => {
    const records = [...(await (await keysync()).service()!.registryByMasterKey()).values()];
    const node: TreeNode = { type: 'masterKey', record: records.find((record) => record.masterKey === 'CUST-101')! };
    await vscode.commands.executeCommand('keysync.deprecate', node);
    assert.equal((await registry())['CUST-101'], 'deprecated');
  });

  it('explains an illegal transition in an error notification with Show Log', async () => {
    const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
    await vscode.commands.executeCommand('keysync.approve', 'CUST-101');
    assert.equal(error.callCount, 1);
    assert.match(String(error.firstCall.args[0]), /Cannot approve master key CUST-101: it is deprecated/);
    assert.equal(error.firstCall.args[1], 'Show Log');
  });

  it('asks for modal confirmation before Approve All Proposed, and does nothing on cancel', async () => {
    const api = await keysync();
    // A new out-of-authority key gives one fresh proposal.
    const workspace = await api.service()!.open();
    const { writeFileSync, readFileSync } = await import('node:fs');
    const b = (workspace.config.values.sources.get('B') as { path: string }).path;
    const file = (await import('node:path')).resolve(workspace.config.baseDir, b);
    writeFileSync(file, `${readFileSync(file, 'utf8')}CUST-777,new\n`);
    await vscode.commands.executeCommand('keysync.run');
    const confirm = sinon.stub(vscode.window, 'showWarningMessage');
    confirm.onFirstCall().resolves(undefined);
    assert.equal(await vscode.commands.executeCommand('keysync.approveAll'), 0);
    assert.equal((await registry())['CUST-777'], 'proposed');
    confirm.onSecondCall().resolves('Approve All' as never);
    assert.equal(await vscode.commands.executeCommand('keysync.approveAll'), 1);
    assert.equal((confirm.secondCall.args[1] as vscode.MessageOptions).modal, true);
    assert.equal((await registry())['CUST-777'], 'active');
  });

  it('opens the report picked from Open Latest Report…', async () => {
    sinon.stub(vscode.window, 'showQuickPick').callsFake(async (items) =>
      ((await items) as (vscode.QuickPickItem & { file: string })[]).find((item) => item.label === 'duplicates'),
    );
    await vscode.commands.executeCommand('keysync.openLatestReport');
    assert.match(vscode.window.activeTextEditor?.document.fileName ?? '', /duplicates_\d{8}T\d{6}Z(-\d+)?\.csv$/);
  });
});
