/**
 * Two processes on one workspace (docs/behaviour.md §7): of two runs started together one completes and
 * the other fails cleanly ("another run is in progress"), or they take turns; an approval
 * from a second process during a run is neither lost nor applied twice.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateMockData } from '../../src/index.js';
import { runCli, runProcess, type CliResult } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { REPO_ROOT, tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('concurrent processes on one workspace', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  before(async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, 'processing: { parallel: false }\nlogging: { file: null }\n');
    // Large enough that a run lasts well over a second: the processes really overlap.
    await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 60_000, seed: 9 });
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
  });
  after(() => workspace.remove());

  it('lets two simultaneous runs take turns, or stops the second with "another run is in progress" past busy_timeout_ms', async () => {
    const results: CliResult[] = await Promise.all([runCli(['-c', workspace.config, '-q']), runCli(['-c', workspace.config, '-q'])]);
    const codes = results.map((result) => result.code).sort();
    const runs = queryWorkspace<{ status: string; started_at: string; finished_at: string }>(workspace, 'select status, started_at, finished_at from runs order by started_at');
    if (codes[0] === 0 && codes[1] === 0) {
      // They took turns: the second started only after the first had finished.
      const [, a, b] = runs;
      assert.ok(a!.finished_at <= b!.started_at, 'runs never overlapped');
      console.log('      (the two runs took turns)');
    } else {
      assert.deepEqual(codes, [0, 1]);
      const refused = results.find((result) => result.code === 1)!;
      assert.match(refused.stderr, /Another run is in progress: a reconciliation run \(process \d+/);
      console.log('      (one run was refused while the other ran)');
    }
    assert.ok(runs.every((run) => run.status === 'completed'), 'no run was left half-done');
    assert.equal(queryWorkspace<{ integrity_check: string }>(workspace, 'pragma integrity_check')[0]!.integrity_check, 'ok');
  });

  it('applies an approval from a second process during a run exactly once', async () => {
    const pending = queryWorkspace<{ master_key: string }>(workspace, "select master_key from master_keys where status = 'proposed' order by id limit 3").map((row) => row.master_key);
    const run = runCli(['-c', workspace.config, '-q']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const approval = await runCli(['approve', ...pending, '-c', workspace.config, '--actor', 'second-process']);
    assert.equal(approval.code, 0, approval.stderr);
    assert.equal((await run).code, 0);
    for (const key of pending) {
      const [row] = queryWorkspace<{ status: string; status_changed_by: string }>(workspace, `select status, status_changed_by from master_keys where master_key = '${key}'`);
      assert.deepEqual(row, { status: 'active', status_changed_by: 'second-process' });
      const events = queryWorkspace(workspace, `select id from audit_log where event_type = 'master_key_approved' and key = '${key}'`);
      assert.equal(events.length, 1, `${key} approved once`);
    }
  });
});

describe('the inter-process lock under contention', function () {
  this.timeout(120_000);

  it('lets exactly one of four processes in at a time over 1,600 acquire/release cycles, without errors', async () => {
    const workspace = tempWorkspace();
    try {
      const lockModule = JSON.stringify(path.join(REPO_ROOT, 'sdk/src/store/process-lock.ts'));
      const journal = workspace.file('journal.txt');
      const script =
        `const { ProcessLock } = await import(${lockModule}); const { appendFileSync } = await import('node:fs');` +
        `const lock = new ProcessLock(${JSON.stringify(workspace.file('db.keysync-db.lock'))});` +
        `for (let i = 0; i < 400; i++) await lock.with({ purpose: 'stress', timeoutMs: 60000 }, async () => {` +
        ` appendFileSync(${JSON.stringify(journal)}, 'enter ' + process.pid + '\\n');` +
        ` await new Promise((resolve) => setImmediate(resolve));` +
        ` appendFileSync(${JSON.stringify(journal)}, 'exit ' + process.pid + '\\n'); });`;
      const results = await Promise.all(
        Array.from({ length: 4 }, () => runProcess(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT })),
      );
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const lines = readFileSync(journal, 'utf8').trim().split('\n');
      assert.equal(lines.length, 4 * 400 * 2);
      for (let i = 0; i < lines.length; i += 2) {
        const [enter, exit] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
        assert.deepEqual([enter[0], exit[0], exit[1]], ['enter', 'exit', enter[1]], `line ${i + 1}: one holder at a time`);
      }
    } finally {
      workspace.remove();
    }
  });
});
