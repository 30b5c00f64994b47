/**
 * A workspace whose systems are tables in a real PostgreSQL 15 (started by the SDK's test
 * helper, sdk/test/helpers/servers.ts, as `npm test` does): the tree shows their sightings as
 * it does a CSV's, and Open Source Row fetches the row from the server into a read-only
 * document. The password comes from the editor's SecretStorage, as "Set Source Password"
 * keeps it, and shows up nowhere the user sees.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { postgresAdmin, testServer, type TestServer } from '../../../sdk/test/helpers/servers.js';
import { secretKey } from '../../src/source-password-store.js';
import { child, folder, freshWorkspace, keysync, labelled, openSighting } from './helpers.js';

describe('a PostgreSQL-source workspace in the tree, and Open Source Row', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    server = await testServer('postgres', this);
    await freshWorkspace('11-postgres-source');
    // The clean fixture's CSVs as tables, row for row: a row's id is its place in the CSV.
    const statements = ['drop schema if exists ext cascade', 'create schema ext', 'grant usage on schema ext to keysync_reader'];
    for (const system of ['A', 'B', 'C']) {
      const [, ...rows] = readFileSync(path.join(folder(), `input/${system}.csv`), 'utf8').trim().split('\n');
      const values = rows.map((row, index) => `(${index + 1}, ${row.split(',').map((field) => `'${field.replaceAll("'", "''")}'`).join(', ')})`);
      statements.push(`create table ext."${system}" (id integer primary key, customer_key text, name text)`, `insert into ext."${system}" values ${values.join(', ')}`);
    }
    statements.push('grant select on all tables in schema ext to keysync_reader');
    await postgresAdmin(server, server.database, statements);
    const url = `postgres://${server.reader.user}@127.0.0.1:${server.port}/${server.database}`;
    const sources = ['A', 'B', 'C'].map((system) => `  ${system}: { type: postgres, url: "${url}", table: ext.${system}, key_column: customer_key }`);
    writeFileSync(path.join(folder(), 'keysync-config.yaml'), `authority: A\nsources:\n${sources.join('\n')}\nlogging: { file: null }\n`);
    // As "KeySync: Set Source Password" stores it (its input box cannot be typed into from here).
    const service = (await keysync()).service()!;
    await service.secrets.store(secretKey(service.configUri), JSON.stringify({ A: server.reader.password, B: server.reader.password, C: server.reader.password }));
    service.passwordsChanged();
  });

  it('runs on the tables and lists sightings by row', async () => {
    const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    assert.equal(result.summary.totals.uniqueKeys, 10);
    assert.match(result.summary.systems[2]!.file, /^postgres:\/\/keysync_reader@127\.0\.0\.1:\d+\/keysync_test table ext\.C$/);
    await (await keysync()).settled();
    const keys = await labelled(await (await keysync()).tree.getChildren(await child(await child(undefined, 'Out of authority'), 'C')));
    assert.deepEqual(keys.map(([label]) => label), ['CUST-101 — C row 7', 'CUST-102 — C row 6']);
    assert.ok(!JSON.stringify(result).includes(server.reader.password));
  });

  it('opens a sighting as a read-only document with its row, fetched from the server', async () => {
    const text = await openSighting('C', 1);
    assert.match(text, /# C — postgres:\/\/keysync_reader@127\.0\.0\.1:\d+\/keysync_test table ext\.C\n# row 6\n/);
    assert.match(text, /customer_key : "CUST-102"/);
    assert.match(text, /name {9}: "extra"/);
    for (const form of [server.reader.password, encodeURIComponent(server.reader.password)]) assert.ok(!text.includes(form), 'no password in the document');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
