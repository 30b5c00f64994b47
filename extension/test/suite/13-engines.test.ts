/**
 * Engines in the editor (docs/behaviour.md §11): with processing.engine: duckdb a run is
 * refused before it starts, with what, why and the fix in one error notification — no run
 * recorded, DuckDB's native library never loaded into the extension host — and the node
 * engine runs as always once the config says so.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import { folder, freshWorkspace, keysync } from './helpers.js';

const config = () => path.join(folder(), 'keysync-config.yaml');
const runs = async () => (await (await keysync()).service()!.open()).runs.list();

describe('engines in the editor', () => {
  before(() => freshWorkspace('13-engines'));
  afterEach(() => sinon.restore());

  it('refuses a run with engine duckdb: one error notification saying what, why and the fix; nothing run, nothing loaded', async () => {
    const before = (await runs()).length;
    appendFileSync(config(), 'processing: { engine: duckdb }\n');
    const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
    for (const command of ['keysync.run', 'keysync.dryRun']) await vscode.commands.executeCommand(command);
    assert.equal(error.callCount, 2);
    for (const call of error.getCalls()) {
      const message = String(call.args[0]);
      assert.match(message, /^KeySync: .*keysync-config\.yaml: processing\.engine is duckdb: the editor does not run the duckdb engine\./);
      assert.match(message, /native library \(@duckdb\/node-api\)/);
      assert.match(message, /run the reconciliation in a terminal with the CLI \(keysync -c .*keysync-config\.yaml\).*or set processing\.engine: node/);
      assert.doesNotMatch(message, /\n\s+at /, 'no stack trace');
      assert.equal(call.args[1], 'Show Log');
    }
    assert.equal((await runs()).length, before, 'no run was started');
    assert.deepEqual(Object.keys(require.cache).filter((file) => file.includes(`${path.sep}@duckdb${path.sep}`)), [], 'DuckDB was never loaded here');
  });

  it('runs again once the config says engine node', async () => {
    writeFileSync(config(), readFileSync(config(), 'utf8').replace('processing: { engine: duckdb }', 'processing: { engine: node }'));
    const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
    sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    const before = (await runs()).length;
    await vscode.commands.executeCommand('keysync.run');
    assert.equal(error.callCount, 0, String(error.firstCall?.args[0]));
    const [latest] = await runs();
    assert.equal((await runs()).length, before + 1);
    assert.equal(latest?.status, 'completed');
  });
});
