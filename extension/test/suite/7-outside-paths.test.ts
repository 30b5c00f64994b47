/** A config whose paths leave the workspace folder needs the user's consent once per path. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { folder, freshWorkspace, keysync } from './helpers.js';

describe('paths outside the workspace folder', () => {
  before(() => freshWorkspace('7-outside-paths'));

  const config = () => path.join(folder(), 'keysync-config.yaml');
  let original: string;
  let outside: string;

  before(async () => {
    original = readFileSync(config(), 'utf8');
    outside = mkdtempSync(path.join(os.tmpdir(), 'keysync-outside-'));
    writeFileSync(config(), original.replace(/^output:[\s\S]*?(?=^\S)/m, '').concat(`\noutput: { directory: ${JSON.stringify(outside)} }\n`));
    (await keysync()).service()!.refresh();
    await vscode.commands.executeCommand('keysync.refresh');
  });
  after(async () => {
    writeFileSync(config(), original);
    await vscode.commands.executeCommand('keysync.refresh');
  });
  afterEach(() => sinon.restore());

  it('does not run when the user declines, and runs (asking once) when the user allows', async () => {
    const workspace = await (await keysync()).service()!.open();
    assert.equal(workspace.paths.output, outside, 'the reloaded config points outside');
    const runsBefore = (await workspace.runs.list()).length;
    const ask = sinon.stub(vscode.window, 'showWarningMessage').resolves(undefined);
    assert.equal(await vscode.commands.executeCommand('keysync.run'), undefined);
    assert.equal((await workspace.runs.list()).length, runsBefore, 'declined: no run');
    assert.match(String(ask.firstCall.args[0]), new RegExp(`outside this folder: ${outside.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} — reports \\(written\\)`));

    ask.resolves('Allow' as never);
    const allowed = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    assert.ok(existsSync(allowed.reports.reconciliation_summary!) && allowed.reports.reconciliation_summary!.startsWith(outside));
    const asked = ask.callCount;
    sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    assert.ok(await vscode.commands.executeCommand('keysync.run'));
    assert.equal(ask.callCount, asked, 'consent is remembered for the path');
  });
});
