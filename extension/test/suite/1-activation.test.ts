import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import { expectedDriver, keysync, repoRoot } from './helpers.js';

describe('activation', () => {
  it('activates on the workspace config and finds it', async () => {
    const api = await keysync();
    const service = api.service();
    assert.ok(service, 'a service for the folder');
    assert.equal(path.basename(service.configUri.fsPath), 'keysync-config.yaml');
  });

  it('registers every command the manifest contributes', async () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot(), 'extension/package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((entry) => entry.command).filter((name) => !registered.has(name));
    assert.deepEqual(missing, []);
  });

  it('KeySync: About shows the extension version and the SDK version from sdk/package.json', async () => {
    const shown = sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    try {
      const about = await vscode.commands.executeCommand<{ message: string; detail: string }>('keysync.about');
      const version = (file: string) => (JSON.parse(readFileSync(path.join(repoRoot(), file), 'utf8')) as { version: string }).version;
      assert.equal(about.message, `KeySync ${version('extension/package.json')} (SDK @keysync/sdk ${version('sdk/package.json')})`);
      assert.equal(shown.firstCall.args[0], about.message);
    } finally {
      shown.restore();
    }
  });

  it(`opens the database with the ${process.env.KEYSYNC_EXPECT_DRIVER} driver this pass asks for`, async () => {
    const workspace = await (await keysync()).service()!.open();
    assert.equal(workspace.driver, expectedDriver(workspace.driver));
  });
});
