/**
 * The postgres engine in the editor (docs/behaviour.md §11): its driver is pure JavaScript, so
 * with processing.engine: postgres a run works inside the extension host, on tables in a real
 * PostgreSQL 15 (started by the SDK's test helper, as 11-postgres-source does), the password
 * from the editor's SecretStorage. The progress notification shows the engine's steps, and its
 * Cancel stops the statement running on the server.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { postgresAdmin, testServer, type TestServer } from '../../../sdk/test/helpers/servers.js';
import { secretKey } from '../../src/source-password-store.js';
import { child, folder, freshWorkspace, keysync, labelled } from './helpers.js';

const SYSTEMS = ['A', 'B', 'C'];
const config = () => path.join(folder(), 'keysync-config.yaml');

/**
 * Watches the run's progress notification: the messages it shows, and a Cancel the test can
 * press (the notification's own button cannot be clicked from here). The notification is still
 * shown by the editor as usual.
 */
function watchProgress(): { messages: string[]; cancel: vscode.CancellationTokenSource } {
  const messages: string[] = [];
  const cancel = new vscode.CancellationTokenSource();
  const withProgress = vscode.window.withProgress;
  sinon.stub(vscode.window, 'withProgress').callsFake(((options, task) => {
    if (options.location !== vscode.ProgressLocation.Notification) return withProgress(options, task);
    return withProgress(options, (progress) => {
      const watched = {
        report(value: { message?: string; increment?: number }) {
          if (value.message) messages.push(value.message);
          progress.report(value);
        },
      };
      return task(watched, cancel.token);
    });
  }) as typeof vscode.window.withProgress);
  return { messages, cancel };
}

/** Whether a keysync backend (application_name keysync) is running a statement matching `query`, as pg_stat_activity shows it. */
async function activeStatement(server: TestServer, query: RegExp): Promise<boolean> {
  const backends = await postgresAdmin(server, server.database, [
    "SELECT state, query FROM pg_stat_activity WHERE application_name = 'keysync' AND pid <> pg_backend_pid()",
  ]);
  return backends.some((backend) => backend.state === 'active' && query.test(String(backend.query)));
}

async function poll(until: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await until()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('the postgres engine in the editor', function () {
  this.timeout(120_000);
  let server: TestServer;
  let url = '';

  before(async function () {
    server = await testServer('postgres', this);
    await freshWorkspace('14-postgres-engine');
    // The clean fixture's CSVs as tables in one database, which the postgres engine needs.
    const statements = ['drop schema if exists engine_ext cascade', 'create schema engine_ext', 'grant usage on schema engine_ext to keysync_reader'];
    for (const system of SYSTEMS) {
      const [, ...rows] = readFileSync(path.join(folder(), `input/${system}.csv`), 'utf8').trim().split('\n');
      const values = rows.map((row, index) => `(${index + 1}, ${row.split(',').map((field) => `'${field.replaceAll("'", "''")}'`).join(', ')})`);
      statements.push(`create table engine_ext."${system}" (id integer primary key, customer_key text, name text)`, `insert into engine_ext."${system}" values ${values.join(', ')}`);
    }
    statements.push('grant select on all tables in schema engine_ext to keysync_reader');
    await postgresAdmin(server, server.database, statements);
    url = `postgres://${server.reader.user}@127.0.0.1:${server.port}/${server.database}`;
    const sources = SYSTEMS.map((system) => `  ${system}: { type: postgres, url: "${url}", table: engine_ext.${system}, key_column: customer_key }`);
    writeFileSync(config(), `authority: A\nsources:\n${sources.join('\n')}\nprocessing: { engine: postgres }\nlogging: { file: null }\n`);
    // As "KeySync: Set Source Password" stores it (its input box cannot be typed into from here).
    const service = (await keysync()).service()!;
    await service.secrets.store(secretKey(service.configUri), JSON.stringify(Object.fromEntries(SYSTEMS.map((system) => [system, server.reader.password]))));
    service.passwordsChanged();
  });
  afterEach(() => sinon.restore());

  it('runs on the server with engine postgres, the progress notification showing its steps, and the tree its discrepancies', async () => {
    const { messages } = watchProgress();
    const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
    sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult | undefined;
    assert.equal(error.callCount, 0, String(error.firstCall?.args[0]));
    assert.equal(result?.summary.engine, 'postgres');
    assert.equal(result.summary.totals.uniqueKeys, 10);
    // Each source looked up on the server, then the one statement that compares them.
    assert.deepEqual(messages.filter((message) => message.endsWith('(postgres engine)')), [
      ...SYSTEMS.map((system) => `normalising and indexing ${system} (postgres engine)`),
      'comparing 2 systems with A (postgres engine)',
    ]);
    await (await keysync()).settled();
    const keys = await labelled(await (await keysync()).tree.getChildren(await child(await child(undefined, 'Out of authority'), 'C')));
    assert.deepEqual(keys.map(([label]) => label.split(' — ')[0]), ['CUST-101', 'CUST-102']);
  });

  it('Cancel stops the running statement on the server: the run ends cancelled, the registry as it was', async () => {
    const api = await keysync();
    const registry = async () => JSON.stringify(await (await api.service()!.open()).registry.list());
    const before = await registry();
    // The authority's rows come from a statement that sleeps for a minute on the server.
    const slow = `SELECT customer_key FROM engine_ext."A" CROSS JOIN pg_sleep(60)`;
    writeFileSync(config(), readFileSync(config(), 'utf8').replace('table: engine_ext.A,', `query: ${JSON.stringify(slow)},`));
    const { cancel } = watchProgress();
    const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
    const information = sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    const running = vscode.commands.executeCommand('keysync.run');
    assert.ok(await poll(() => activeStatement(server, /pg_sleep/), 30_000), 'the statement runs on the server');
    cancel.cancel();
    assert.equal(await running, undefined);
    assert.ok(await poll(async () => !(await activeStatement(server, /./)), 30_000), 'the server-side statement was cancelled');
    // The user's own Cancel is said as information, once, not as an error.
    assert.equal(error.callCount, 0);
    assert.deepEqual(information.getCalls().map((call) => call.args[0]), ['KeySync: The run was cancelled.']);
    const [latest] = await (await api.service()!.open()).runs.list();
    assert.equal(latest?.status, 'cancelled');
    assert.equal(await registry(), before);
  });
});
