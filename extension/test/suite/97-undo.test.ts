/** A single decision is confirmed in the status bar with an Undo that really puts the key back, audited. */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { MasterKeyRecord } from '@keysync/sdk';
import { folder, freshWorkspace, keysync } from './helpers.js';

describe('undoing a decision from the status bar', () => {
  before(() => freshWorkspace('97-undo'));

  it('offers Undo after an approval, and Undo returns the key to proposed with an audit event', async () => {
    const api = await keysync();
    // A new key, with as many fields as the header; this file's workspace is its own copy.
    const source = path.join(folder(), 'input', 'B.csv');
    const header = readFileSync(source, 'utf8').split('\n')[0]!;
    appendFileSync(source, `UNDO-TEST-1${',x'.repeat(header.split(',').length - 1)}\n`);
    await vscode.commands.executeCommand('keysync.run');
    await vscode.workspace.getConfiguration('keysync').update('actor', 'ana', vscode.ConfigurationTarget.Global);
    const approved = (await vscode.commands.executeCommand('keysync.approve', 'UNDO-TEST-1')) as MasterKeyRecord;
    assert.equal(approved.status, 'active');
    const undone = (await vscode.commands.executeCommand('keysync.undoDecision')) as MasterKeyRecord;
    assert.equal(undone.status, 'proposed');
    const workspace = await api.service()!.open();
    const [event] = await workspace.audit.list({ key: 'UNDO-TEST-1', eventType: 'master_key_decision_undone' });
    assert.equal(event?.actor, 'ana');
    assert.equal((await workspace.registry.list()).find((record) => record.normalizedKey === 'UNDO-TEST-1')?.status, 'proposed');
  });
});
