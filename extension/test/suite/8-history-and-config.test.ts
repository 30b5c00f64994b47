/** Run history webview and Create Config. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { historyHtml } from '../../src/history/history-panel.js';
import { folder, keysync } from './helpers.js';

describe('run history and config', () => {
  it('opens the run history webview', async () => {
    await vscode.commands.executeCommand('keysync.showRunHistory');
    // The editor's tab model reaches the extension host a moment after the panel opens.
    let tabs: string[] = [];
    for (let attempt = 0; attempt < 50 && !tabs.includes('KeySync Run History'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
    }
    assert.ok(tabs.includes('KeySync Run History'), JSON.stringify(tabs));
  });

  it('draws the history offline under a strict CSP: inline SVG, no script, one row per run', async () => {
    const runs = await (await (await keysync()).service()!.open()).runs.list();
    const html = historyHtml(runs, 'vscode-resource:');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-[^']+'; img-src vscode-resource: data:;">/);
    assert.doesNotMatch(html, /<script|https?:\/\/|style="/);
    assert.match(html, /<svg role="img" aria-label="Match rate per run"/);
    assert.equal((html.match(/<polyline /g) ?? []).length, 3, 'overall + B and C');
    assert.equal((html.match(/<tr class="/g) ?? []).length, runs.length);
  });

  it('opens the existing config from Create Config instead of overwriting it', async () => {
    const config = path.join(folder(), 'keysync-config.yaml');
    const before = readFileSync(config, 'utf8');
    await vscode.commands.executeCommand('keysync.createConfig');
    assert.equal(vscode.window.activeTextEditor?.document.fileName, config);
    assert.equal(readFileSync(config, 'utf8'), before);
  });

  it('shows the KeySync log channel and refreshes (reloading the config) on request', async () => {
    await vscode.commands.executeCommand('keysync.showLog');
    const before = (await keysync()).service();
    await vscode.commands.executeCommand('keysync.refresh');
    assert.equal((await keysync()).service(), before, 'an unchanged config keeps its service');
    await (await keysync()).settled();
  });
});
