/**
 * A full disk and a database held by another process past the busy timeout: each ends in
 * a clear error, no partial write, and a sound database that the next run uses normally.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT, tempWorkspace, TESTDATA, type TempWorkspace } from '../helpers/workspace.js';
import { CLI, runCli, runProcess, type CliResult } from '../helpers/cli.js';

function durableState(databaseFile: string) {
  const db = new Database(databaseFile);
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      registry: db.prepare('select id, normalized_key, status from master_keys order by id').all(),
      events: db.prepare("select id, event_type, key from audit_log where event_type not like 'run_%' order by id").all(),
    };
  } finally {
    db.close();
  }
}

/** Fills a file system until it refuses another byte. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
      try {
        for (;;) writeSync(fd, block.subarray(0, size));
      } catch {
        // Next, smaller size: fill the last corners too.
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A full disk: a 4 MB tmpfs filled to the last byte (needs root, as CI has); elsewhere a
 * file-size limit (`ulimit -f`), under which writes fail with EFBIG instead of ENOSPC.
 */
describe('disk full', function () {
  this.timeout(60_000);
  const root = path.join(os.tmpdir(), `keysync-tmpfs-${process.pid}`);
  let mounted = false;

  before(() => {
    mkdirSync(root, { recursive: true });
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', root], { stdio: 'ignore' }).status === 0;
  });
  after(() => {
    if (mounted) spawnSync('umount', [root]);
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs the CLI with no room left to write. */
  async function runWithoutSpace(args: readonly string[]): Promise<CliResult> {
    if (mounted) {
      const filler = path.join(root, 'filler');
      fillDisk(filler);
      try {
        return await runCli(args);
      } finally {
        rmSync(filler);
      }
    }
    const command = `trap '' XFSZ; ulimit -f 1; exec "$0" "$@"`;
    return runProcess('bash', ['-c', command, process.execPath, CLI, ...args]);
  }

  it('fails the run with a clear error, leaves the registry as it was, and works again once space is freed', async () => {
    const workspace = path.join(root, 'ws');
    cpSync(path.join(TESTDATA, 'clean'), workspace, { recursive: true });
    const config = path.join(workspace, 'keysync-config.yaml');
    assert.equal((await runCli(['-c', config, '-q'])).code, 0);
    const database = path.join(workspace, 'data/keysync.db');
    const before = durableState(database);

    appendFileSync(path.join(workspace, 'input/B.csv'), 'CUST-900,new\n');
    const full = await runWithoutSpace(['-c', config, '-q']);
    assert.equal(full.code, 1);
    assert.match(full.stderr, /keysync: .*(disk is full|no space left on device|file too large|disk reported an error)/i);
    assert.doesNotMatch(full.stderr, /\n\s+at /, 'no stack trace');

    assert.deepEqual(durableState(database), before, 'nothing of the failed run was written');
    const retry = await runCli(['-c', config, '--json', '-q']);
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal(JSON.parse(retry.stdout).summary.registry.proposed, 1, 'the retry proposes CUST-900');
  });
});

describe('database held by another process past the busy timeout', function () {
  this.timeout(60_000);
  let workspace: TempWorkspace;
  let holder: ChildProcess | undefined;
  beforeEach(async () => {
    workspace = tempWorkspace('clean');
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}database: { busy_timeout_ms: 800 }\n`);
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    appendFileSync(workspace.file('input/B.csv'), 'CUST-900,new\n');
  });
  afterEach(() => {
    holder?.kill('SIGKILL');
    workspace.remove();
  });

  /** Starts a process that holds something for 10 s and resolves once it holds it. */
  function hold(script: string): Promise<void> {
    holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      holder!.stdout!.once('data', () => resolve());
      holder!.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before holding anything`)));
    });
  }

  it('refuses with a clear message when another KeySync process holds the database', async () => {
    const lockModule = JSON.stringify(path.join(REPO_ROOT, 'sdk/src/store/process-lock.ts'));
    const database = workspace.file('data/keysync.db');
    await hold(
      `const { ProcessLock } = await import(${lockModule});` +
        `await new ProcessLock(${JSON.stringify(`${database}.keysync-db.lock`)}).acquire({ purpose: 'a long approval batch', timeoutMs: 0 });` +
        `console.log('held'); setTimeout(() => {}, 10000);`,
    );
    const before = durableState(database);
    const result = await runCli(['-c', workspace.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The database is in use by a long approval batch \(process \d+ on .+\)\. — waited 800 ms; try again when it has finished/);
    assert.deepEqual(durableState(database), before);
  });

  it('refuses with a clear message when another program keeps a SQLite lock on the file', async () => {
    const database = workspace.file('data/keysync.db');
    const before = durableState(database);
    await hold(
      `const { default: Database } = await import('better-sqlite3');` +
        `const db = new Database(${JSON.stringify(database)}); db.exec('BEGIN EXCLUSIVE');` +
        `console.log('held'); setTimeout(() => {}, 10000);`,
    );
    const result = await runCli(['-c', workspace.config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Another program holds a lock on the database file and kept it past the busy timeout\. Nothing of this change was saved\. — close the program using the database/);
    holder!.kill('SIGKILL');
    assert.deepEqual(durableState(database), before);
  });
});
