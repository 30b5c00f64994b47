/** In an untrusted folder the extension shows what exists but runs and changes nothing. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import { folder, keysync } from '../suite/helpers.js';

describe('untrusted folder (restricted mode)', () => {
  afterEach(() => sinon.restore());

  it('really is untrusted, and the extension is active', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok((await keysync()).service(), 'the config was found');
  });

  for (const command of ['keysync.run', 'keysync.runIncremental', 'keysync.dryRun', 'keysync.approveAll', 'keysync.generateMockData']) {
    it(`${command} refuses, says why, and writes nothing`, async () => {
      const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
      assert.equal(await vscode.commands.executeCommand(command), undefined);
      assert.equal(error.callCount, 1);
      assert.match(String(error.firstCall.args[0]), /KeySync does not .+ in an untrusted folder\. Trust the folder/);
      assert.equal(existsSync(path.join(folder(), 'data')), false, 'no database was created');
      assert.equal(existsSync(path.join(folder(), 'output')), false, 'no report was written');
    });
  }
});
