/**
 * Another process decides, and the editor follows without Refresh (docs/decisions.md §19): the
 * real CLI approves a key while the extension watches its registry — a SQLite file, then a
 * PostgreSQL schema (a real server, started by the SDK's test helper). The badge, the status
 * bar, the tree and the registry report's lenses change by themselves; the tree item's tooltip
 * says who decided and when.
 * The waits are for the views to change, bounded only by the test's timeout; how long each
 * took is printed, against the two seconds the README promises.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { teamRegistryDatabase, testServer } from '../../../sdk/test/helpers/servers.js';
import { registryPasswordKey } from '../../src/service.js';
import { child, folder, freshWorkspace, keysync, runCli } from './helpers.js';

/** Waits until the views show `pending` proposals (the badge), without asking them to refresh. */
async function untilPending(pending: number): Promise<number> {
  const api = await keysync();
  const started = Date.now();
  while ((api.treeView.badge?.value ?? 0) !== pending) await new Promise((resolve) => setTimeout(resolve, 50));
  return Date.now() - started;
}

async function headerLens(report: vscode.Uri): Promise<string | undefined> {
  const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', report, 100)) as vscode.CodeLens[];
  return lenses.find((lens) => lens.range.start.line === 0)?.command?.title;
}

/** A run from the editor on the clean fixture: two proposals, CUST-101 and CUST-102; its registry report open. */
async function runFromTheEditor(): Promise<vscode.Uri> {
  const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
  await (await keysync()).settled();
  assert.equal((await keysync()).treeView.badge?.value, 2);
  const report = vscode.Uri.file(result.reports.master_key_registry!);
  await vscode.window.showTextDocument(report);
  assert.match((await headerLens(report)) ?? '', /^Approve all 2 pending/);
  return report;
}

/** The CLI approves CUST-101 as `teammate`; the badge, status bar, tree and lenses follow by themselves. */
async function teammateApproves(report: vscode.Uri, env?: NodeJS.ProcessEnv): Promise<void> {
  const api = await keysync();
  let listening: vscode.Disposable | undefined;
  const lensesChanged = new Promise<void>((resolve) => (listening = api.codeLens.onDidChangeCodeLenses(() => resolve())));
  const cli = await runCli(['approve', 'CUST-101', '--actor', 'teammate'], env);
  assert.equal(cli.code, 0, cli.stderr);
  const waited = await untilPending(1);
  console.log(`      (the views followed ${waited} ms after the CLI exited)`);
  await api.settled();
  await lensesChanged;
  listening?.dispose();
  assert.match((await headerLens(report)) ?? '', /^Approve all 1 pending/, 'the open report’s lenses were told to change, and did');
  assert.match(api.statusBar.content.accessibilityLabel, /, 1 master key pending review$/);
  const [approved] = await api.tree.getChildren(await child(await child(undefined, 'Master keys'), 'Active'));
  const tooltip = api.tree.getTreeItem(approved!).tooltip;
  assert.ok(tooltip instanceof vscode.MarkdownString);
  assert.match(tooltip.value, /\*\*CUST-101\*\* — active/);
  assert.match(tooltip.value, /last change \d{4}-\d\d-\d\dT[\d:.]+Z by teammate/, 'the tooltip says who decided and when');
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
}

describe('another process approves a key: the views follow without Refresh', function () {
  this.timeout(120_000);

  it('with the registry in a SQLite file', async () => {
    await freshWorkspace('12-registry-changes-sqlite');
    await teammateApproves(await runFromTheEditor());
  });

  it('with the registry in PostgreSQL (LISTEN/NOTIFY)', async function () {
    const server = await testServer('postgres', this);
    const team = await teamRegistryDatabase(server);
    await freshWorkspace('12-registry-changes-postgres');
    const config = path.join(folder(), 'keysync-config.yaml');
    const url = `postgres://${team.app.user}@127.0.0.1:${server.port}/${team.database}`;
    writeFileSync(config, `${readFileSync(config, 'utf8')}database: { type: postgres, url: '${url}' }\n`);
    // As "KeySync: Set Registry Password…" keeps it (its input box cannot be typed into from here).
    const service = (await keysync()).service()!;
    await service.secrets.store(registryPasswordKey(service.configUri), team.app.password);
    const report = await runFromTheEditor();
    assert.ok((await service.open()).paths.sharedRegistry, 'the workspace uses the PostgreSQL registry');
    await teammateApproves(report, { PGPASSWORD: team.app.password });
  });
});
