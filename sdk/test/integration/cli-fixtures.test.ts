/**
 * The real CLI on the fixture sets in testdata/, checking report contents byte for byte
 * (times, run ids and the temp folder masked) and the rows left in the database.
 * Set KEYSYNC_UPDATE_EXPECTED=1 to rewrite the expected files after a deliberate change.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { readReports } from '../helpers/reports.js';
import { TESTDATA, tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const UPDATE = process.env.KEYSYNC_UPDATE_EXPECTED === '1';

function assertReportsMatchExpected(workspace: TempWorkspace, fixture: string): void {
  const actual = readReports(workspace.file('output'), workspace.dir);
  const expectedDir = path.join(TESTDATA, fixture, 'expected');
  if (UPDATE) {
    mkdirSync(expectedDir, { recursive: true });
    for (const [name, content] of Object.entries(actual)) writeFileSync(path.join(expectedDir, `${name}.csv`), content);
  }
  const expectedNames = readdirSync(expectedDir).map((file) => file.replace(/\.csv$/, '')).sort();
  assert.deepEqual(Object.keys(actual).sort(), expectedNames, 'the run writes exactly the expected set of reports');
  for (const name of expectedNames) {
    assert.equal(actual[name], readFileSync(path.join(expectedDir, `${name}.csv`), 'utf8'), `${name} matches testdata/${fixture}/expected/${name}.csv`);
  }
}

function queryDb<T>(workspace: TempWorkspace, sql: string): T[] {
  const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('keysync CLI on the fixture sets (docs/behaviour.md §2–§6, §9)', function () {
  let workspace: TempWorkspace;
  afterEach(() => workspace?.remove());

  it('reconciles the clean set: exact reports, one completed run, one proposal per out-of-authority key', async () => {
    workspace = tempWorkspace('clean');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Overall match rate 40\.00%: 4 of 10 unique keys are in every system/);
    assertReportsMatchExpected(workspace, 'clean');
    const runs = queryDb<{ status: string; error: string | null }>(workspace, 'select status, error from runs');
    assert.deepEqual(runs, [{ status: 'completed', error: null }]);
    const keys = queryDb<{ master_key: string; status: string; source_system: string }>(
      workspace,
      'select master_key, status, source_system from master_keys order by id',
    );
    assert.deepEqual(keys, [
      { master_key: 'CUST-101', status: 'proposed', source_system: 'B' },
      { master_key: 'CUST-102', status: 'proposed', source_system: 'C' },
    ]);
  });

  it('reconciles the dirty set: every normalisation case, duplicates, repeats, BOM, CRLF, quoting, formula keys and bad rows', async () => {
    workspace = tempWorkspace('dirty');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assertReportsMatchExpected(workspace, 'dirty');
    const discrepancyGroups = queryDb<{ kind: string; system: string; count: number }>(
      workspace,
      "select kind, system, count from run_discrepancies where kind in ('bad_row', 'duplicate') and count > 0 order by kind, system",
    );
    assert.deepEqual(discrepancyGroups, [
      { kind: 'bad_row', system: 'B', count: 4 },
      { kind: 'bad_row', system: 'C', count: 2 },
      { kind: 'duplicate', system: 'A', count: 1 },
      { kind: 'duplicate', system: 'C', count: 1 },
    ]);
  });

  it('leaves a missing non-authority source out of the run and says so in the summary, error report and audit log', async () => {
    workspace = tempWorkspace('missing-source');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /D\s+downstream\s+skipped/);
    assert.match(result.stdout, /D left out: The source file does not exist\./);
    assertReportsMatchExpected(workspace, 'missing-source');
    const events = queryDb<{ event_type: string; system: string }>(workspace, "select event_type, system from audit_log where event_type = 'source_skipped'");
    assert.deepEqual(events, [{ event_type: 'source_skipped', system: 'D' }]);
  });

  it('fails the run (exit 1) on a missing non-authority source with on_missing_file: fail', async () => {
    workspace = tempWorkspace('missing-source');
    writeFileSync(workspace.config, readFileSync(workspace.config, 'utf8').replace('on_missing_file: skip', 'on_missing_file: fail'));
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /input\/D\.csv: The source file does not exist\./);
    assert.deepEqual(queryDb(workspace, 'select status from runs'), [{ status: 'failed' }]);
  });

  it('fails the run (exit 1) when the authority source is missing, and records the run as failed with the error', async () => {
    workspace = tempWorkspace('missing-authority');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^keysync: .*input\/A\.csv: The source file does not exist\. — check the path/m);
    const runs = queryDb<{ status: string; error: string }>(workspace, 'select status, error from runs');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'failed');
    assert.match(runs[0]!.error, /A\.csv: The source file does not exist/);
    assert.deepEqual(queryDb(workspace, 'select count(*) as n from master_keys'), [{ n: 0 }]);
  });

  it('treats an empty (0-byte) non-authority file as unusable and a header-only file as a system with no keys', async () => {
    workspace = tempWorkspace('empty-files');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assertReportsMatchExpected(workspace, 'empty-files');
  });

  it('fails the run (exit 1) when the authority has a header but no keys', async () => {
    workspace = tempWorkspace('empty-files');
    writeFileSync(workspace.file('input/A.csv'), 'key,name\n');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The authority A has no usable keys/);
  });

  it('fails the run (exit 1) when the authority file is empty', async () => {
    workspace = tempWorkspace('empty-files');
    writeFileSync(workspace.file('input/A.csv'), '');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /input\/A\.csv: The file for system A is empty/);
  });
});
