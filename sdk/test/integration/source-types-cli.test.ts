/**
 * Unusable SQLite and Parquet sources through the real CLI (docs/behaviour.md §2): with
 * `on_missing_file: skip` each is left out of the run with its reason in error_report and the
 * audit log; with `fail` the run fails (exit 1) and names the source's location and the fix.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { runCli } from '../helpers/cli.js';
import { readReports } from '../helpers/reports.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('unusable sqlite and parquet sources in a run', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace();
    mkdirSync(workspace.file('input'));
    writeFileSync(workspace.file('input/A.csv'), 'key\nK-1\nK-2\n');
    const db = new Database(workspace.file('input/systems.db'));
    db.exec("CREATE TABLE customers (key TEXT); INSERT INTO customers VALUES ('K-1');");
    db.close();
    writeFileSync(workspace.file('input/C.parquet'), Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'key', data: [true], type: 'BOOLEAN' }] })));
  });
  afterEach(() => workspace.remove());

  const config = (onMissingFile: 'skip' | 'fail') =>
    writeFileSync(
      workspace.config,
      `authority: A
sources:
  A: { path: ./input/A.csv }
  B: { type: SQLite, path: ./input/systems.db, table: orders }
  C: { type: parquet, path: ./input/C.parquet }
error_handling: { on_missing_file: ${onMissingFile} }
logging: { file: null }
`,
    );

  it('skip: leaves both out, with the reason in error_report and the audit log', async () => {
    config('skip');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    const errors = readReports(workspace.file('output'), workspace.dir).error_report!.trim().split('\n').slice(1);
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /^<TS>,source_skipped,sqlite:<WS>\/input\/systems\.db table orders,B,,"The SQLite file of system B has no table or view ""orders"" \(it has ""customers""\)/);
    assert.match(errors[1]!, /^<TS>,source_skipped,parquet:<WS>\/input\/C\.parquet,C,,"The key column ""key"" of system C is a boolean column, which cannot hold a key\./);
    const audit = readReports(workspace.file('output'), workspace.dir).audit_log!;
    assert.match(audit, /source_skipped,"sqlite:<WS>\/input\/systems\.db table orders: The SQLite file of system B has no table/);
  });

  it('fail: the run fails with exit 1, naming the location and the fix', async () => {
    config('fail');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /sqlite:.*systems\.db table orders: The SQLite file of system B has no table or view "orders" \(it has "customers"\)\. — set sources\.B\.table to one of its tables/);
  });

  it('incremental: an unchanged SQLite or Parquet file is taken from its snapshot; a changed one is read again', async () => {
    writeFileSync(workspace.file('input/C.parquet'), Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'key', data: ['K-3', 'K-1'], type: 'STRING' }] })));
    writeFileSync(workspace.config, `authority: A
sources:
  A: { path: ./input/A.csv }
  B: { type: sqlite, path: ./input/systems.db, table: customers }
  C: { type: parquet, path: ./input/C.parquet }
logging: { file: null }
`);
    const first = await runCli(['-c', workspace.config, '-m', 'incremental', '-v']);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['-c', workspace.config, '-m', 'incremental', '-v']);
    assert.match(second.stderr, /B unchanged since run .*: using its snapshot \(1 keys\)/);
    assert.match(second.stderr, /C unchanged since run .*: using its snapshot \(2 keys\)/);
    const db = new Database(workspace.file('input/systems.db'));
    db.exec("INSERT INTO customers VALUES ('K-9')");
    db.close();
    const third = await runCli(['-c', workspace.config, '-m', 'incremental', '-v']);
    assert.doesNotMatch(third.stderr, /B unchanged since run/);
    assert.match(third.stderr, /read B: 2 rows, 2 keys, 0 bad rows/);
  });
});
