/**
 * The CLI (native driver) and the extension (this pass's driver, wasm included) on one
 * database at once: the SDK's lock serialises them, so nothing is lost or applied twice
 * and the file stays sound (docs/behaviour.md §7).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { folder, freshWorkspace, keysync, repoRoot, runCli } from './helpers.js';

async function pendingKeys(count: number): Promise<string[]> {
  const workspace = await (await keysync()).service()!.open();
  return (await workspace.registry.list({ status: 'proposed', limit: count })).map((record) => record.masterKey);
}

function integrityCheck(): string {
  const script = `const D=require('better-sqlite3');const d=new D(process.argv[1],{readonly:true});console.log(d.pragma('integrity_check',{simple:true}));`;
  const result = spawnSync('node', ['-e', script, path.join(folder(), 'data/keysync.db')], { cwd: repoRoot(), encoding: 'utf8' });
  return result.stdout.trim() || result.stderr;
}

async function approvalsFor(keys: readonly string[]): Promise<Map<string, number>> {
  const workspace = await (await keysync()).service()!.open();
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (await workspace.audit.list({ key, eventType: 'master_key_approved' })).length);
  return counts;
}

describe('CLI and extension writing the same database', () => {
  before(async () => {
    await freshWorkspace('6-concurrency');
    // Mock data of its own (written over the fixture's files) and a run: many pending proposals.
    const generated = await runCli(['--generate-data', '--force', '--keys', '2000', '-q']);
    assert.equal(generated.code, 0, generated.stderr);
    const api = await keysync();
    api.service()!.refresh();
    await api.settled();
  });

  it('applies the extension’s approvals exactly once while the CLI runs a reconciliation', async () => {
    const keys = await pendingKeys(5);
    assert.equal(keys.length, 5);
    const cliRun = runCli(['-q']);
    for (const key of keys) await vscode.commands.executeCommand('keysync.approve', key);
    const cli = await cliRun;
    assert.equal(cli.code, 0, cli.stderr);
    const workspace = await (await keysync()).service()!.open();
    const records = await workspace.registry.list({ normalizedKeys: keys });
    assert.deepEqual(records.map((record) => record.status), ['active', 'active', 'active', 'active', 'active']);
    assert.deepEqual([...(await approvalsFor(keys)).values()], [1, 1, 1, 1, 1]);
    assert.equal((await workspace.runs.list({ limit: 1 }))[0]?.status, 'completed');
    assert.equal(integrityCheck(), 'ok');
  });

  it('applies the CLI’s approvals exactly once while the extension runs a reconciliation', async () => {
    const keys = await pendingKeys(5);
    const extensionRun = vscode.commands.executeCommand('keysync.run') as Thenable<ReconcileResult>;
    const cli = await runCli(['approve', ...keys, '--actor', 'cli-user']);
    const result = await extensionRun;
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok(result?.runId, 'the extension run completed');
    const workspace = await (await keysync()).service()!.open();
    const records = await workspace.registry.list({ normalizedKeys: keys });
    assert.deepEqual(records.map((record) => [record.status, record.statusChangedBy]), keys.map(() => ['active', 'cli-user']));
    assert.deepEqual([...(await approvalsFor(keys)).values()], [1, 1, 1, 1, 1]);
    assert.equal(integrityCheck(), 'ok');
  });
});
