/** A single decision is confirmed in the status bar with an Undo that really puts the key back, audited. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { MasterKeyRecord } from '@keysync/sdk';
import { folder, freshWorkspace, keysync } from './helpers.js';

describe('undoing a decision from the status bar', () => {
  before(() => freshWorkspace('97-undo'));

  it('offers Undo after an approval, and Undo returns the key to proposed with an audit event', async () => {
    const api = await keysync();
    // A key of its own, so this test needs no other test's registry state.
    const source = path.join(folder(), 'input', 'B.csv');
    const original = readFileSync(source, 'utf8');
    writeFileSync(source, `${original.trimEnd()}\nUNDO-TEST-1${',x'.repeat(original.split('\n')[0]!.split(',').length - 1)}\n`);
    try {
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
    } finally {
      writeFileSync(source, original);
    }
  });
});
