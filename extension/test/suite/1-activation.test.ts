import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

  it(`opens the database with the ${process.env.KEYSYNC_EXPECT_DRIVER} driver this pass asks for`, async () => {
    const workspace = await (await keysync()).service()!.open();
    assert.equal(workspace.driver, expectedDriver(workspace.driver));
  });
});
