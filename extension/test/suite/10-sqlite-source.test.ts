/**
 * A workspace whose systems are tables in a SQLite file: the tree shows their sightings as it
 * does a CSV's (rows, not lines), and Open Source Row shows the row in a read-only document.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { child, folder, freshWorkspace, keysync, labelled, openSighting } from './helpers.js';

describe('a SQLite-source workspace in the tree, and Open Source Row', () => {
  before(async () => {
    await freshWorkspace('10-sqlite-source');
    // The clean fixture's CSVs as tables, row for row (the WASM library loads in every host).
    const { Database } = (await import('node-sqlite3-wasm')).default;
    const db = new Database(path.join(folder(), 'input/systems.db'));
    for (const system of ['A', 'B', 'C']) {
      const [, ...rows] = readFileSync(path.join(folder(), `input/${system}.csv`), 'utf8').trim().split('\n');
      db.exec(`CREATE TABLE ${system} (id INTEGER PRIMARY KEY, customer_key TEXT, name TEXT)`);
      for (const row of rows) db.run(`INSERT INTO ${system} (customer_key, name) VALUES (?, ?)`, row.split(','));
    }
    db.close();
    const sources = ['A', 'B', 'C'].map((system) => `  ${system}: { type: sqlite, path: ./input/systems.db, table: ${system}, key_column: customer_key }`);
    writeFileSync(path.join(folder(), 'keysync-config.yaml'), `authority: A\nsources:\n${sources.join('\n')}\nlogging: { file: null }\n`);
  });

  it('runs on the tables and lists sightings by row', async () => {
    const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
    assert.equal(result.summary.totals.uniqueKeys, 10);
    assert.match(result.summary.systems[2]!.file, /^sqlite:.*systems\.db table C$/);
    await (await keysync()).settled();
    const keys = await labelled(await (await keysync()).tree.getChildren(await child(await child(undefined, 'Out of authority'), 'C')));
    assert.deepEqual(keys.map(([label]) => label), ['CUST-101 — C row 7', 'CUST-102 — C row 6']);
  });

  it('opens a sighting as a read-only document with its row, fetched from the table', async () => {
    const text = await openSighting('C', 1);
    assert.match(text, /# C — sqlite:.*systems\.db table C\n# row 6\n/);
    assert.match(text, /customer_key : "CUST-102"/);
    assert.match(text, /name {9}: "extra"/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
