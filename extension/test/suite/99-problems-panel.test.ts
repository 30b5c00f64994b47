/** Bad rows in the Problems panel: on the source's line after a run, gone once fixed and run again. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { folder, freshWorkspace, keysync } from './helpers.js';

describe('the Problems panel', () => {
  before(() => freshWorkspace('99-problems-panel'));

  it('shows a run’s bad rows on the source file’s line, and clears them after the fix and the next run', async () => {
    const api = await keysync();
    const source = path.join(folder(), 'input', 'B.csv');
    const original = readFileSync(source, 'utf8');
    const badLine = original.trimEnd().split('\n').length + 1;
    writeFileSync(source, `${original.trimEnd()}\n,no key on this row\n`);
    try {
      await vscode.commands.executeCommand('keysync.run');
      await api.settled();
      const [diagnostic, ...rest] = api.badRowDiagnostics.get(source);
      assert.equal(rest.length, 0);
      assert.ok(diagnostic, 'the bad row is in the Problems panel');
      assert.equal(diagnostic.range.start.line, badLine - 1);
      assert.match(diagnostic.message, /missing key .*; row skipped — system B/);
      assert.equal(diagnostic.source, 'KeySync');
    } finally {
      writeFileSync(source, original);
    }
    await vscode.commands.executeCommand('keysync.run');
    await api.settled();
    assert.deepEqual(api.badRowDiagnostics.get(source), []);
  });
});
