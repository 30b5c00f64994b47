/** CodeLens on the generated registry report: lenses, approving through one, the CSV rewritten. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { folder, freshWorkspace, keysync } from './helpers.js';

async function lensTitles(uri: vscode.Uri): Promise<[number, string][]> {
  const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100)) as vscode.CodeLens[];
  return lenses.map((lens) => [lens.range.start.line, lens.command?.title ?? '']);
}

describe('CodeLens approvals on the reports', () => {
  before(() => freshWorkspace('4-codelens'));

  let registryReport: vscode.Uri;
  let missingReport: vscode.Uri;

  before(async () => {
    await vscode.workspace.getConfiguration('keysync').update('codeLens.mode', 'perRow', vscode.ConfigurationTarget.Workspace);
    // Two fresh out-of-authority keys, so the latest reports have pending rows.
    // The fixture's own proposals are decided first, so exactly the two fresh keys are pending.
    await vscode.commands.executeCommand('keysync.run');
    await (await (await keysync()).service()!.open()).registry.approveAll({ actor: 'setup' });
    const c = path.join(folder(), 'input/C.csv');
    writeFileSync(c, `${readFileSync(c, 'utf8')}CUST-801,new\nCUST-802,new\n`);
    const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    registryReport = vscode.Uri.file(result.reports.master_key_registry!);
    missingReport = vscode.Uri.file(result.reports.diff_missing_in_A!);
    await vscode.window.showTextDocument(registryReport);
  });
  afterEach(() => sinon.restore());
  after(() => vscode.workspace.getConfiguration('keysync').update('codeLens.mode', undefined, vscode.ConfigurationTarget.Workspace));

  it('in compact mode, puts Approve · Reject only on the row under the cursor', async () => {
    await vscode.workspace.getConfiguration('keysync').update('codeLens.mode', 'compact', vscode.ConfigurationTarget.Workspace);
    try {
      const editor = await vscode.window.showTextDocument(registryReport);
      const text = editor.document.getText().split('\n');
      const line = text.findIndex((row) => row.split(',')[1] === 'CUST-802');
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      assert.deepEqual(await lensTitles(registryReport), [[0, 'Approve all 2 pending (move the cursor to a row to approve or reject it)']]);
      editor.selection = new vscode.Selection(line, 3, line, 3);
      assert.deepEqual((await lensTitles(registryReport)).slice(1), [
        [line, 'Approve'],
        [line, 'Reject'],
      ]);
    } finally {
      await vscode.workspace.getConfiguration('keysync').update('codeLens.mode', 'perRow', vscode.ConfigurationTarget.Workspace);
    }
  });

  it('puts Approve · Reject on pending rows and Approve all on the header', async () => {
    const titles = await lensTitles(registryReport);
    const text = readFileSync(registryReport.fsPath, 'utf8').split('\n');
    const line = (key: string) => text.findIndex((row) => row.split(',')[1] === key);
    assert.deepEqual(titles, [
      [0, 'Approve all 2 pending'],
      [line('CUST-801'), 'Approve'],
      [line('CUST-801'), 'Reject'],
      [line('CUST-802'), 'Approve'],
      [line('CUST-802'), 'Reject'],
    ]);
  });

  it('approves through the lens command: registry row and audit event change, the CSV is rewritten', async () => {
    const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', registryReport, 100)) as vscode.CodeLens[];
    const approve = lenses.find((lens) => lens.command?.title === 'Approve' && lens.command.arguments?.[1] === 'CUST-801')!;
    await vscode.commands.executeCommand(approve.command!.command, ...approve.command!.arguments!);
    const workspace = await (await keysync()).service()!.open();
    const [record] = await workspace.registry.list({ normalizedKeys: ['CUST-801'] });
    assert.equal(record?.status, 'active');
    const events = await workspace.audit.list({ key: 'CUST-801', eventType: 'master_key_approved' });
    assert.equal(events.length, 1);
    const row = readFileSync(registryReport.fsPath, 'utf8').split('\n').find((line) => line.split(',')[1] === 'CUST-801')!;
    assert.equal(row.split(',')[4], 'active', 'Status cell rewritten');
    assert.equal(row.split(',')[7], record!.activatedAt, 'Activated At cell rewritten');
    assert.deepEqual((await lensTitles(registryReport)).map(([, title]) => title), ['Approve all 1 pending', 'Approve', 'Reject']);
  });

  it('says so instead of acting when the registry has moved on (a CLI approval meanwhile)', async () => {
    const workspace = await (await keysync()).service()!.open();
    await workspace.registry.approve('CUST-802', { actor: 'cli-user' });
    (await keysync()).service()!.refresh();
    await vscode.window.showTextDocument(missingReport);
    const titles = (await lensTitles(missingReport)).map(([, title]) => title);
    assert.ok(titles.includes('CUST-802 is now active in the registry — update this report'), JSON.stringify(titles));
    assert.ok(!titles.includes('Approve'));
    const warn = sinon.stub(vscode.window, 'showWarningMessage').resolves(undefined);
    await vscode.commands.executeCommand('keysync.lens.approve', missingReport, 'CUST-802', 0);
    assert.match(String(warn.firstCall.args[0]), /Cannot approve master key CUST-802: it is active/);
    const rows = readFileSync(missingReport.fsPath, 'utf8').split('\n').filter((line) => line.startsWith('CUST-802,'));
    assert.deepEqual(rows.map((line) => line.split(',')[5]), ['active'], 'the report now matches the registry');
  });

  it('rejects through its lens with the reason typed, then approves the rest with Approve all', async () => {
    const c = path.join(folder(), 'input/C.csv');
    writeFileSync(c, `${readFileSync(c, 'utf8')}CUST-803,new\nCUST-804,new\nCUST-805,new\n`);
    const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    const report = vscode.Uri.file(result.reports.master_key_registry!);
    await vscode.window.showTextDocument(report);
    sinon.stub(vscode.window, 'showInputBox').resolves('duplicate of CUST-801');
    await vscode.commands.executeCommand('keysync.lens.reject', report, 'CUST-803', 0);
    const confirm = sinon.stub(vscode.window, 'showWarningMessage').resolves('Approve All' as never);
    await vscode.commands.executeCommand('keysync.lens.approveAll', report);
    assert.match(String(confirm.firstCall.args[0]), /Approve the 2 pending master keys in this report\?/);
    const workspace = await (await keysync()).service()!.open();
    const records = await workspace.registry.list({ normalizedKeys: ['CUST-803', 'CUST-804', 'CUST-805'] });
    assert.deepEqual(records.map((record) => [record.masterKey, record.status, record.statusReason]), [
      ['CUST-803', 'rejected', 'duplicate of CUST-801'],
      ['CUST-804', 'active', null],
      ['CUST-805', 'active', null],
    ]);
    const statuses = readFileSync(report.fsPath, 'utf8').split('\n').filter((line) => /^\d+,CUST-80[345],/.test(line)).map((line) => line.split(',')[4]);
    assert.deepEqual(statuses, ['rejected', 'active', 'active'], 'the report was rewritten');
  });
});
