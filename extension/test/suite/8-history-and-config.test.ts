/** Run history webview and Create Config. */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import { historyHtml } from '../../src/history/history-panel.js';
import { folder, freshWorkspace, keysync } from './helpers.js';

describe('run history and config', () => {
  before(async () => {
    await freshWorkspace('8-history-and-config');
    await vscode.commands.executeCommand('keysync.run');
  });

  afterEach(() => sinon.restore());

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
    assert.match(html, /<svg role="img" aria-label="Match rate per run over time"/);
    assert.equal((html.match(/<polyline /g) ?? []).length, 3, 'overall + B and C');
    assert.equal((html.match(/<tr class="(completed|failed|cancelled|running)"/g) ?? []).length, runs.length);
    assert.equal((html.match(/<tr class="error">/g) ?? []).length, runs.filter((run) => run.error).length, 'each error on a wrapped row of its own');
  });

  it('opens the existing config from Create Config instead of overwriting it', async () => {
    const config = path.join(folder(), 'keysync-config.yaml');
    const before = readFileSync(config, 'utf8');
    await vscode.commands.executeCommand('keysync.createConfig');
    assert.equal(vscode.window.activeTextEditor?.document.fileName, config);
    assert.equal(readFileSync(config, 'utf8'), before);
  });

  it('guides Create Config through the folder\'s CSV files and their header columns', async () => {
    const config = path.join(folder(), 'keysync-config.yaml');
    const before = readFileSync(config, 'utf8');
    const titles: string[] = [];
    sinon.stub(vscode.window, 'showQuickPick').callsFake(async (items, options) => {
      const list = (await items) as vscode.QuickPickItem[];
      const title = String(options?.title);
      titles.push(title);
      if (title.includes('(1/3)')) return list.find((item) => item.description === './input/A.csv');
      if (title.includes('(2/3)')) return list.filter((item) => item.description === './input/B.csv' || item.description === './input/C.csv') as never;
      assert.equal(list[0]!.label, 'key', 'the header column that looks like the key comes first');
      return list[0];
    });
    rmSync(config);
    try {
      await vscode.commands.executeCommand('keysync.createConfig');
      const written = readFileSync(config, 'utf8');
      assert.match(written, /^authority: "A"$/m);
      assert.match(written, /sources:\n {2}"A": \{ type: csv, path: ".\/input\/A.csv", key_column: "key" \}\n {2}"B": .*\n {2}"C": \{ type: csv, path: ".\/input\/C.csv", key_column: "key" \}\n/);
      assert.equal(titles.length, 5, 'authority, other sources, then a key column per file');
      assert.equal(vscode.window.activeTextEditor?.document.fileName, config);
    } finally {
      writeFileSync(config, before);
      await (await keysync()).settled();
    }
  });

  it('shows the KeySync log channel and refreshes (reloading the config) on request', async () => {
    await vscode.commands.executeCommand('keysync.showLog');
    const before = (await keysync()).service();
    await vscode.commands.executeCommand('keysync.refresh');
    assert.equal((await keysync()).service(), before, 'an unchanged config keeps its service');
    await (await keysync()).settled();
  });
});
