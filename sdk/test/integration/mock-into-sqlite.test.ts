/**
 * `keysync --generate-data --into <file.db>` (docs/behaviour.md §8): the five systems as tables
 * in one SQLite file and a config reading them; the run on them gives the same figures as on
 * the same mock data written as CSV files.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('mock data into a SQLite file', function () {
  this.timeout(120_000);
  const workspaces: TempWorkspace[] = [];
  after(() => workspaces.forEach((workspace) => workspace.remove()));
  const fresh = () => {
    const workspace = tempWorkspace();
    workspaces.push(workspace);
    return workspace;
  };
  const summaryOf = (stdout: string) => JSON.parse(stdout) as { summary: { totals: object; systems: { system: string; keys: number; rows: number; badRows: number }[] } };

  it('writes one table per system and a config reading them; the run matches the CSV run of the same seed', async () => {
    const sqlite = fresh();
    const result = await runCli(['-c', sqlite.config, '--generate-data', '--into', 'data/mock.db', '--keys', '300', '--seed', '7', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(sqlite.config, 'utf8'), /B: \{ type: sqlite, path: "\.\/data\/mock\.db", table: B, key_column: key \}/);
    const db = new Database(sqlite.file('data/mock.db'), { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
    assert.deepEqual(tables, ['A', 'B', 'C', 'D', 'E'].map((name) => ({ name })));
    db.close();

    const csv = fresh();
    const csvResult = await runCli(['-c', csv.config, '--generate-data', '--keys', '300', '--seed', '7', '--json']);
    assert.equal(csvResult.code, 0, csvResult.stderr);
    const fromSqlite = summaryOf(result.stdout).summary;
    const fromCsv = summaryOf(csvResult.stdout).summary;
    assert.deepEqual(fromSqlite.totals, fromCsv.totals);
    assert.deepEqual(
      fromSqlite.systems.map(({ system, keys, rows, badRows }) => ({ system, keys, rows, badRows })),
      fromCsv.systems.map(({ system, keys, rows, badRows }) => ({ system, keys, rows, badRows })),
    );

    // Again, into the same file: its own output, so no --force is needed; without --into the
    // config's tables are the target too, never CSV text over the database.
    assert.equal((await runCli(['-c', sqlite.config, '--generate-data', '--into', 'data/mock.db', '--keys', '100', '-q'])).code, 0);
    const again = await runCli(['-c', sqlite.config, '--generate-data', '--keys', '100', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(summaryOf(again.stdout).summary.systems[0]!.keys, 100);
  });

  it('refuses a config whose sources are not tables in that file, and a URL other than PostgreSQL', async () => {
    const workspace = fresh();
    writeFileSync(workspace.config, 'sources:\n  A: { path: ./input/A.csv }\nlogging: { file: null }\n');
    const refused = await runCli(['-c', workspace.config, '--generate-data', '--into', 'data/mock.db']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /sources A are not tables named after their system in data\/mock\.db/);
    const url = await runCli(['-c', fresh().config, '--generate-data', '--into', 'mysql://me:secret@localhost/x']);
    assert.equal(url.code, 2, url.stderr);
    assert.match(url.stderr, /mysql:\/\/me@localhost\/x is a URL that is not PostgreSQL; mock data goes into a SQLite file or a PostgreSQL database/);
    assert.doesNotMatch(url.stderr, /secret/);
  });
});
