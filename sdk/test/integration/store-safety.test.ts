/**
 * The database is refused untouched when it is not ours, and the SDK's own lock keeps
 * two processes from interleaving (docs/behaviour.md §7).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openWorkspace } from '../../src/index.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { ProcessLock } from '../../src/store/process-lock.js';
import { runCli, startCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('database safety (docs/behaviour.md §7)', function () {
  let workspace: TempWorkspace;
  let database: string;
  beforeEach(() => {
    workspace = tempWorkspace('clean');
    database = workspace.file('data/keysync.db');
    mkdirSync(path.dirname(database), { recursive: true });
  });
  afterEach(() => workspace.remove());

  it('refuses a SQLite file that belongs to another program and leaves it byte-identical', async () => {
    const foreign = new Database(database);
    foreign.exec("create table invoices (id integer primary key); insert into invoices values (1); pragma journal_mode = wal;");
    foreign.close();
    const before = sha256(database);
    const result = await runCli(['-c', workspace.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /keysync\.db: The database file belongs to another program; KeySync left it untouched\./);
    assert.equal(sha256(database), before);
  });

  it('refuses a file that is not SQLite at all, untouched', async () => {
    writeFileSync(database, 'this is a spreadsheet, honest\n'.repeat(10));
    const before = sha256(database);
    const result = await runCli(['registry', 'list', '-c', workspace.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not a SQLite database; KeySync left it untouched/);
    assert.equal(sha256(database), before);
  });

  it('refuses a database written by a newer KeySync, untouched', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const db = new Database(database);
    db.pragma('user_version = 99');
    db.close();
    const before = sha256(database);
    const result = await runCli(['-c', workspace.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`written by a newer KeySync \\(schema 99; this version knows ${SCHEMA_VERSION}\\)`));
    assert.equal(sha256(database), before);
  });

  it('stamps its own files with the KeySync application id and schema version, in rollback-journal mode', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const db = new Database(database, { readonly: true });
    assert.equal(db.pragma('application_id', { simple: true }), 0x4b53594e);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('makes a second run wait for the one in progress, and go ahead once it finishes', async () => {
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}database: { busy_timeout_ms: 120000 }\n`);
    const runLock = new ProcessLock(`${database}.keysync-run.lock`);
    const token = await runLock.acquire({ purpose: 'a reconciliation run', timeoutMs: 0 });
    const second = startCli(['-c', workspace.config]);
    try {
      await second.stderrMatches(/\[read\] waiting up to 120000 ms for another run to finish: a reconciliation run \(process \d+ on .+\)/);
    } finally {
      runLock.release(token);
    }
    const result = await second.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /proposed/);
  });

  it('stops a run waiting for the run lock when it is cancelled (the editor’s Cancel), having written nothing', async () => {
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}database: { busy_timeout_ms: 120000 }\n`);
    const runLock = new ProcessLock(`${database}.keysync-run.lock`);
    const token = await runLock.acquire({ purpose: 'a reconciliation run', timeoutMs: 0 });
    const ws = await openWorkspace(workspace.config);
    try {
      const cancel = new AbortController();
      const run = ws.reconcile({ signal: cancel.signal, onProgress: (event) => /waiting up to/.test(event.message) && cancel.abort() });
      await assert.rejects(run, (error: { kind?: string }) => error.kind === 'cancelled');
      assert.equal(await ws.runs.list().then((runs) => runs.length), 0, 'no run was recorded');
    } finally {
      await ws.close();
      runLock.release(token);
    }
  });

  it('fails a second run clearly, naming the run in progress, once busy_timeout_ms has passed', async () => {
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}database: { busy_timeout_ms: 300 }\n`);
    const runLock = new ProcessLock(`${database}.keysync-run.lock`);
    const token = await runLock.acquire({ purpose: 'a reconciliation run', timeoutMs: 0 });
    try {
      const result = await runCli(['-c', workspace.config]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Another run is in progress: a reconciliation run \(process \d+ on .+\)\. — waited 300 ms; try again when it has finished/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      runLock.release(token);
    }
    const after = await runCli(['-c', workspace.config, '-q']);
    assert.equal(after.code, 0, after.stderr);
  });

  it('takes over a lock left by a process that was killed', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    const deadPid = child.pid!;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    for (const name of ['keysync-run.lock', 'keysync-db.lock']) {
      const lockDir = `${database}.${name}`;
      mkdirSync(lockDir);
      writeFileSync(
        path.join(lockDir, 'owner.json'),
        JSON.stringify({ pid: deadPid, host: (await import('node:os')).hostname(), token: 'gone', purpose: 'a killed run', since: new Date().toISOString() }),
      );
    }
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
  });

  it('marks a run left running by a killed process as failed (interrupted) on the next run', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const db = new Database(database);
    db.prepare("update runs set status = 'running', finished_at = null").run();
    db.close();
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const check = new Database(database, { readonly: true });
    const runs = check.prepare('select status, error from runs order by started_at').all();
    check.close();
    assert.deepEqual(runs, [
      { status: 'failed', error: 'interrupted: the process ended before the run finished' },
      { status: 'completed', error: null },
    ]);
  });
});

describe('reading a workspace that has no database yet', () => {
  it('answers with empty results and creates no file (an editor opening a folder writes nothing)', async () => {
    const workspace = tempWorkspace('clean');
    try {
      const ws = await openWorkspace(workspace.config);
      assert.deepEqual(await ws.registry.list(), []);
      assert.equal(await ws.runs.latest(), undefined);
      assert.deepEqual(await ws.audit.list(), []);
      await ws.close();
      assert.equal(existsSync(workspace.file('data')), false);
    } finally {
      workspace.remove();
    }
  });
});

describe('locks left behind by killed processes', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace('clean')));
  afterEach(() => workspace.remove());

  it('takes over a lock folder without an owner (a process killed while acquiring) at once', async () => {
    mkdirSync(workspace.file('data/keysync.db.keysync-run.lock'), { recursive: true });
    mkdirSync(workspace.file('data/keysync.db.keysync-db.lock'), { recursive: true });
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
  });

  it('clears the WASM driver’s lock folder left by a killed extension, which would block every later access', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    mkdirSync(workspace.file('data/keysync.db.lock'));
    const ws = await openWorkspace(workspace.config, { driver: 'wasm', lockTimeoutMs: 2_000 });
    try {
      assert.equal((await ws.registry.list()).length, 2);
      await ws.registry.approve('CUST-101', { actor: 'after-crash' });
    } finally {
      await ws.close();
    }
  });
});
