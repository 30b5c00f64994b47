/**
 * What KeySync may delete, overwrite or append to, and who may hold its locks: each case
 * here lost data or blocked a workspace before (issue: Reliability II). KeySync deletes only
 * files it wrote and can prove it wrote; it refuses configs whose files overlap; a stamp is
 * claimed atomically; a lock whose holder is gone is taken over, or removed on request.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { isKeySyncError, openWorkspace, REPORT_NAMES, type KeySyncError, type Workspace } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const REPORTS_PER_RUN = REPORT_NAMES.length;
const fixedClock = () => new Date(Date.UTC(2026, 10, 28, 14, 25, 1));

function withWorkspace(fixture = 'clean'): () => TempWorkspace {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace(fixture)));
  afterEach(() => workspace.remove());
  return () => workspace;
}

/** Sets top-level config sections, replacing the fixture's own section of the same name. */
function setConfig(workspace: TempWorkspace, sections: string): void {
  let config = readFileSync(workspace.config, 'utf8');
  for (const [, name] of sections.matchAll(/^([a-z_]+):/gm)) {
    config = config.replace(new RegExp(`^${name}:.*\\n(?:[ #].*\\n)*`, 'm'), '');
  }
  writeFileSync(workspace.config, `${config}\n${sections}\n`);
}

const csvFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.csv')) : []);

async function rejection(promise: Promise<unknown>): Promise<KeySyncError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isKeySyncError(error), `expected a KeySyncError, got ${String((error as Error)?.stack ?? error)}`);
    return error;
  }
  assert.fail('expected the promise to reject');
}

describe('KeySync deletes only files it wrote and can prove it wrote', () => {
  const ws = withWorkspace();

  it('keeps every file in a folder named snapshots beside the database, sources included', async () => {
    const workspace = ws();
    const folder = workspace.file('data/snapshots');
    mkdirSync(folder, { recursive: true });
    for (const system of ['A', 'B', 'C']) renameSync(workspace.file(`input/${system}.csv`), path.join(folder, `${system}.csv`));
    writeFileSync(path.join(folder, 'notes.txt'), 'mine');
    writeFileSync(
      workspace.config,
      'authority: A\nsources:\n  A: { path: ./data/snapshots/A.csv }\n  B: { path: ./data/snapshots/B.csv }\n  C: { path: ./data/snapshots/C.csv }\nlogging: { file: null }\n',
    );
    for (const mode of ['full', 'incremental', 'incremental'] as const) {
      const result = await runCli(['-c', workspace.config, '-q', '-m', mode]);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.deepEqual(readdirSync(folder).sort(), ['A.csv', 'B.csv', 'C.csv', 'notes.txt']);
  });

  it('keeps the reports when output.directory is data/snapshots', async () => {
    const workspace = ws();
    setConfig(workspace, 'output: { directory: ./data/snapshots }');
    const result = await runCli(['-c', workspace.config, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const reports = Object.values(JSON.parse(result.stdout).reports as Record<string, string>);
    assert.equal(reports.length, REPORTS_PER_RUN);
    for (const file of reports) assert.ok(existsSync(file), `${file} is still there`);
  });

  it('cleans up only its own snapshot files: name pattern plus magic bytes', async () => {
    const workspace = ws();
    const first = await runCli(['-c', workspace.config, '-q', '-m', 'incremental']);
    assert.equal(first.code, 0, first.stderr);
    const folder = workspace.file('data/keysync.db.snapshots');
    const snapshots = readdirSync(folder);
    assert.equal(snapshots.length, 3);
    // Looks like ours by name but is not ours by content; and a stale one that really is ours.
    writeFileSync(path.join(folder, 'B-0123456789abcdef.ksnap'), 'a user file that happens to match the name');
    writeFileSync(path.join(folder, 'B-fedcba9876543210.ksnap'), readFileSync(path.join(folder, snapshots[0]!)));
    writeFileSync(path.join(folder, 'keep.txt'), 'x');
    const second = await runCli(['-c', workspace.config, '-q', '-m', 'incremental']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(readdirSync(folder).sort(), [...snapshots, 'B-0123456789abcdef.ksnap', 'keep.txt'].sort());
  });

  async function killedAtPersist(workspace: TempWorkspace): Promise<{ id: string; report_stamp: string }> {
    const killed = await runCli(['-c', workspace.config, '-q'], { env: { KEYSYNC_FAULT_KILL_AT: 'persist' } });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(csvFiles(workspace.file('output')).length, REPORTS_PER_RUN, 'the killed run had written its reports');
    const [interrupted] = queryWorkspace<{ id: string; report_stamp: string }>(workspace, "select id, report_stamp from runs where status = 'running'");
    assert.ok(interrupted);
    return interrupted;
  }

  it('removes the reports a killed run wrote, on the next run', async () => {
    const workspace = ws();
    const interrupted = await killedAtPersist(workspace);
    const next = await runCli(['-c', workspace.config, '-q']);
    assert.equal(next.code, 0, next.stderr);
    const left = csvFiles(workspace.file('output'));
    assert.equal(left.length, REPORTS_PER_RUN, `only the new run's reports remain: ${left.join(', ')}`);
    assert.ok(left.every((name) => !name.endsWith(`_${interrupted.report_stamp}.csv`)), 'the killed run’s reports are gone');
    assert.equal(queryWorkspace<{ status: string }>(workspace, `select status from runs where id = '${interrupted.id}'`)[0]?.status, 'failed');
  });

  it('keeps a killed run’s stamp claimed, so --resume writes its reports under it', async () => {
    const workspace = ws();
    const interrupted = await killedAtPersist(workspace);
    const resumed = await runCli(['-c', workspace.config, '-q', '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const reports = csvFiles(workspace.file('output'));
    assert.equal(reports.length, REPORTS_PER_RUN);
    assert.ok(reports.every((name) => name.endsWith(`_${interrupted.report_stamp}.csv`)));
  });
});

describe('A config whose files overlap is refused before anything is written', () => {
  const ws = withWorkspace();
  const cases: readonly [string, string, RegExp][] = [
    ['logging.file is a source', 'logging: { file: ./input/B.csv }', /logging\.file and sources\.B\.path are the same file/],
    ['logging.file is the database', 'logging: { file: ./data/keysync.db }\ndatabase: { path: ./data/keysync.db }', /database\.path and logging\.file are the same file/],
    ['a source is the database', 'database: { path: ./input/C.csv }', /database\.path and sources\.C\.path are the same file/],
    ['sources inside output.directory', 'output: { directory: ./input }', /sources\.A\.path .* is inside output\.directory/],
    ['output.directory is the snapshot folder', 'output: { directory: ./data/keysync.db.snapshots }', /output\.directory and the snapshot folder .* are the same path/],
    ['the database inside output.directory', 'output: { directory: ./data }', /database\.path .* is inside output\.directory/],
  ];
  for (const [what, config, message] of cases) {
    it(`${what}: exit 2, naming both keys, every file untouched`, async () => {
      const workspace = ws();
      setConfig(workspace, config);
      const before = readdirSync(workspace.file('input')).map((name) => readFileSync(workspace.file('input', name), 'utf8'));
      const result = await runCli(['-c', workspace.config, '-q']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(readdirSync(workspace.file('input')).map((name) => readFileSync(workspace.file('input', name), 'utf8')), before);
      assert.ok(!existsSync(workspace.file('data/keysync.db')) || config.includes('C.csv'), 'no database was created');
    });
  }

  it('checks -o the same way (a usage error)', async () => {
    const workspace = ws();
    const result = await runCli(['-c', workspace.config, '-q', '-o', workspace.file('input')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /inside the output folder \(-o\)/);
    assert.equal(csvFiles(workspace.file('input')).length, 3);
  });

  it('sees through a symlinked output folder', async () => {
    const workspace = ws();
    symlinkSync(workspace.file('input'), workspace.file('out-link'));
    setConfig(workspace, 'output: { directory: ./out-link }');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 2, result.stderr);
  });
});

describe('Report stamps are claimed atomically; a run removes only its own reports', () => {
  const ws = withWorkspace();

  it('two runs in one process at the same instant (dry runs) both keep all their reports', async () => {
    const workspace = ws();
    const first = await openWorkspace(workspace.config, { clock: fixedClock });
    try {
      const results = await Promise.allSettled([first.reconcile({ dryRun: true }), first.reconcile({ dryRun: true })]);
      for (const result of results) assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
      const stamps = results.map((result) => (result as PromiseFulfilledResult<{ runId: string; reports: Record<string, string> }>).value.reports);
      for (const reports of stamps) for (const file of Object.values(reports)) assert.ok(existsSync(file), file);
      assert.equal(csvFiles(workspace.file('output')).length, 2 * REPORTS_PER_RUN);
    } finally {
      await first.close();
    }
  });

  it('four CLI dry runs started together in one workspace leave all their reports', async () => {
    const workspace = ws();
    const runs = await Promise.all([0, 1, 2, 3].map(() => runCli(['-c', workspace.config, '-q', '--dry-run'])));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.equal(csvFiles(workspace.file('output')).length, 4 * REPORTS_PER_RUN);
  });

  it('two workspaces sharing an output folder, started in the same second, both keep all their reports', async () => {
    const first = ws();
    const second = tempWorkspace('clean');
    try {
      const shared = first.file('shared-output');
      const workspaces = await Promise.all([first, second].map((each) => openWorkspace(each.config, { clock: fixedClock })));
      try {
        const results = await Promise.allSettled(workspaces.map((each) => each.reconcile({ outputDir: shared })));
        for (const result of results) {
          assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
          for (const file of Object.values(result.value.reports)) assert.ok(existsSync(file), `${file} is on disk`);
        }
        assert.equal(csvFiles(shared).length, 2 * REPORTS_PER_RUN);
      } finally {
        await Promise.all(workspaces.map((each) => each.close()));
      }
    } finally {
      second.remove();
    }
  });
});

describe('Incremental runs follow every setting that changes what a source yields', () => {
  const ws = withWorkspace('dirty');
  const settings: readonly [string, string][] = [
    ['on_corrupt_data log → skip', 'error_handling: { on_corrupt_data: skip }'],
    ['normalize.left_pad_numbers', 'normalize: { left_pad_numbers: true }'],
    ['normalize.uppercase', 'normalize: { uppercase: false }'],
    ['normalize.strip_non_alnum', 'normalize: { strip_non_alnum: false }'],
    ['normalize.collapse_delims', 'normalize: { collapse_delims: "" }'],
  ];
  for (const [what, change] of settings) {
    it(`${what}: incremental gives what a full run gives`, async () => {
      const workspace = ws();
      const first = await runCli(['-c', workspace.config, '-q', '-m', 'incremental']);
      assert.equal(first.code, 0, first.stderr);
      setConfig(workspace, change);
      const incremental = await runCli(['-c', workspace.config, '--json', '--dry-run', '-m', 'incremental']);
      const full = await runCli(['-c', workspace.config, '--json', '--dry-run', '-m', 'full']);
      assert.equal(incremental.code, full.code, incremental.stderr + full.stderr);
      const totals = (out: string) => JSON.parse(out).summary.totals;
      assert.deepEqual(totals(incremental.stdout), totals(full.stdout));
    });
  }

  it('on_corrupt_data log → fail: incremental fails at the bad row as a full run does', async () => {
    const workspace = ws();
    const first = await runCli(['-c', workspace.config, '-q', '-m', 'incremental']);
    assert.equal(first.code, 0, first.stderr);
    setConfig(workspace, 'error_handling: { on_corrupt_data: fail }');
    const incremental = await runCli(['-c', workspace.config, '-q', '-m', 'incremental']);
    const full = await runCli(['-c', workspace.config, '-q', '-m', 'full']);
    assert.equal(full.code, 1, full.stderr);
    assert.equal(incremental.code, 1, incremental.stderr);
    assert.equal(incremental.stderr.replace(/run \S+/g, ''), full.stderr.replace(/run \S+/g, ''));
  });

  it('writes a missing snapshot again, so incremental mode stops warning about it', async () => {
    const workspace = ws();
    const warnings: string[] = [];
    const open = () => openWorkspace(workspace.config, { onLog: (level, message) => level === 'warn' && /snapshot/.test(message) && warnings.push(message) });
    let keysync = await open();
    await keysync.reconcile({ mode: 'incremental' });
    await keysync.close();
    const folder = workspace.file('data/keysync.db.snapshots');
    rmSync(path.join(folder, readdirSync(folder).find((name) => name.startsWith('B-'))!));
    for (let run = 0; run < 2; run++) {
      keysync = await open();
      await keysync.reconcile({ mode: 'incremental' });
      await keysync.close();
    }
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.equal(readdirSync(folder).length, 3);
  });
});

describe('Unusable places give one clear line, and leave no run `running`', () => {
  const ws = withWorkspace();

  it('output.directory naming a file', async () => {
    const workspace = ws();
    writeFileSync(workspace.file('reports.txt'), 'not a folder');
    setConfig(workspace, 'output: { directory: ./reports.txt }');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /reports\.txt: The output folder cannot be used for reports .* point it at a folder/);
    assert.doesNotMatch(result.stderr, /unexpected|ENOTDIR.*lstat/);
    assert.equal(queryWorkspace<{ n: number }>(workspace, "select count(*) as n from runs where status = 'running'")[0]?.n, 0);
  });

  it('database.path naming a folder', async () => {
    const workspace = ws();
    mkdirSync(workspace.file('db-folder'));
    setConfig(workspace, 'database: { path: ./db-folder }');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /db-folder: database\.path names a folder/);
    assert.doesNotMatch(result.stderr, /unexpected|EISDIR/);
  });

  it('database.path naming a FIFO: refused at once, not a hang', async () => {
    const workspace = ws();
    execFileSync('mkfifo', [workspace.file('db.fifo')]);
    setConfig(workspace, 'database: { path: ./db.fifo }');
    const result = await runCli(['-c', workspace.config, '-q'], { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /db\.fifo: database\.path names a folder or a special file/);
  });

  for (const [what, make] of [
    ['a FIFO', (file: string) => execFileSync('mkfifo', [file])],
    ['a folder', (file: string) => mkdirSync(file)],
  ] as const) {
    it(`logging.file naming ${what}: a config error, not a hang or a silent loss of the log`, async () => {
      const workspace = ws();
      make(workspace.file('keysync.log'));
      setConfig(workspace, 'logging: { file: ./keysync.log }');
      const result = await runCli(['-c', workspace.config, '-q'], { timeoutMs: 30_000 });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /logging\.file names a (folder|special file)/);
    });
  }

  it('an unexpected error is recorded in the runs table as one line', async () => {
    const workspace = ws();
    const keysync = await openWorkspace(workspace.config);
    try {
      await assert.rejects(
        keysync.reconcile({
          onProgress: (event) => {
            if (event.stage === 'compare') throw new Error('callback broke\n    at somewhere (file.js:1:1)');
          },
        }),
      );
      const [run] = await keysync.runs.list({ limit: 1 });
      assert.equal(run?.status, 'failed');
      assert.doesNotMatch(run?.error ?? '', /\n/);
      assert.match(run?.error ?? '', /callback broke/);
    } finally {
      await keysync.close();
    }
  });
});

describe('ws.close() during ws.reconcile()', () => {
  const ws = withWorkspace();

  it('waits for the run, which completes; later calls are refused clearly', async () => {
    const workspace = ws();
    const keysync: Workspace = await openWorkspace(workspace.config);
    const run = keysync.reconcile();
    const closed = keysync.close();
    const result = await run;
    await closed;
    assert.ok(result.runId);
    assert.equal(queryWorkspace<{ status: string }>(workspace, 'select status from runs')[0]?.status, 'completed');
    const error = await rejection(keysync.registry.list());
    assert.equal(error.code, 'WORKSPACE_CLOSED');
  });
});

describe('Locks whose holder is gone never block the workspace for good', () => {
  const ws = withWorkspace();
  const runLock = (workspace: TempWorkspace) => workspace.file('data/keysync.db.keysync-run.lock');
  function plantLock(workspace: TempWorkspace, owner: object, ageMs = 0): void {
    mkdirSync(runLock(workspace), { recursive: true });
    const file = path.join(runLock(workspace), 'owner.json');
    writeFileSync(file, JSON.stringify({ token: 'planted', purpose: 'a reconciliation run', since: '2026-11-28T00:00:00.000Z', ...owner }));
    // The lease is the owner file's modification time.
    const renewed = new Date(Date.now() - ageMs);
    utimesSync(file, renewed, renewed);
  }

  it('takes over a lock held by this host’s pid that now belongs to a newer process (PID 1 in a restarted container)', async () => {
    const workspace = ws();
    mkdirSync(workspace.file('data'));
    plantLock(workspace, { pid: process.pid, host: hostname(), processStart: '1' });
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
  });

  it('refuses a lock from another host within its lease, naming the lease and keysync unlock; takes it over once the lease ran out', async () => {
    const workspace = ws();
    mkdirSync(workspace.file('data'));
    plantLock(workspace, { pid: 1, host: 'build-container-7f3a' });
        const blocked = await runCli(['-c', workspace.config, '-q']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /process 1 on build-container-7f3a.*lease expires at .*keysync unlock/);
    plantLock(workspace, { pid: 1, host: 'build-container-7f3a' }, 10 * 60_000);
        const after = await runCli(['-c', workspace.config, '-q']);
    assert.equal(after.code, 0, after.stderr);
  });

  it('keysync unlock shows the owner, asks, and removes a foreign lock only when confirmed', async () => {
    const workspace = ws();
    mkdirSync(workspace.file('data'));
    plantLock(workspace, { pid: 4242, host: 'ci-runner-19' });
        const unconfirmed = await runCli(['-c', workspace.config, 'unlock']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /process 4242 on ci-runner-19/);
    assert.ok(existsSync(runLock(workspace)));
    const confirmed = await runCli(['-c', workspace.config, 'unlock', '--yes']);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /Removed 1 lock/);
    assert.ok(!existsSync(runLock(workspace)));
    const run = await runCli(['-c', workspace.config, '-q']);
    assert.equal(run.code, 0, run.stderr);
  });

  it('keysync unlock refuses a lock held by a running process on this host', async () => {
    const workspace = ws();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      mkdirSync(workspace.file('data'), { recursive: true });
      plantLock(workspace, { pid: holder.pid, host: hostname() });
            const result = await runCli(['-c', workspace.config, 'unlock', '--yes']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /is running/);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
