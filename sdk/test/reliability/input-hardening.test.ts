/**
 * Inputs an adversarial tester found that broke a run in ways the config and the CSV
 * reader now refuse or handle: numeric system names, FIFOs and device files as sources
 * (and as the config).
 * Each test runs the real CLI on real files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { readReports } from '../helpers/reports.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('input hardening (CLI)', function () {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.remove());

  const write = (name: string, text: string) => writeFileSync(workspace.file(name), text);

  it('keeps numeric-looking system names as written ("2", 1e3, 007) and reports every system in config order', async () => {
    write('a.csv', 'key\nK-1\nY-2\n');
    write('b.csv', 'key\nX-1\n');
    write('two.csv', 'key\nX-1\nY-2\n');
    write('e3.csv', 'key\nY-2\nZ-3\n');
    write('seven.csv', 'key\nZ-3\n');
    write(
      'keysync-config.yaml',
      [
        'authority: A',
        'sources:',
        '  A: { path: a.csv }',
        '  B: { path: b.csv }',
        '  "2": { path: two.csv }',
        '  1e3: { path: e3.csv }',
        '  007: { path: seven.csv }',
        'provisioning: { strategy: namespaced }',
        'logging: { file: null }',
        '',
      ].join('\n'),
    );
    const result = await runCli(['-c', workspace.config, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout).summary as { systems: { system: string }[] };
    assert.deepEqual(
      summary.systems.map((entry) => entry.system),
      ['A', 'B', '2', '1e3', '007'],
    );

    const reports = readReports(workspace.file('output'), workspace.dir);
    const perSystem = reports.reconciliation_summary!.split('\n').flatMap((line) => /^Keys in System ([^,]+),/.exec(line)?.slice(1) ?? []);
    assert.deepEqual(perSystem, ['A', 'B', '2', '1e3', '007']);
    // Source system = the first system in config order that has the key: B before "2", 1e3 before 007.
    const registry = reports.master_key_registry!.trim().split('\n').slice(1).map((line) => line.split(',').slice(1, 3));
    assert.deepEqual(registry, [
      ['MASTER-B-X-1', 'B'],
      ['MASTER-1e3-Z-3', '1e3'],
    ]);
  });

  describe('a source that is not a regular file is refused at once, never read', () => {
    /** Long enough for a slow machine, far shorter than a hang. */
    const PROMPTLY_MS = 30_000;

    function configWith(sources: Record<string, string>, extra = 'logging: { file: null }'): void {
      const lines = Object.entries(sources).map(([system, file]) => `  ${system}: { path: ${file} }`);
      write('keysync-config.yaml', ['authority: A', 'sources:', ...lines, extra, ''].join('\n'));
    }

    /** Runs the CLI; the run must end by itself, well before the kill. */
    async function runPromptly(): Promise<{ code: number | null; summary: { system: string; status: string; skippedReason: string | null; skippedCode: string | null }[]; stderr: string }> {
      const result = await runCli(['-c', workspace.config, '--json'], { timeoutMs: PROMPTLY_MS });
      assert.equal(result.signal, null, `the run hung and was killed after ${PROMPTLY_MS} ms`);
      const summary = result.code === 0 ? (JSON.parse(result.stdout).summary.systems as never) : [];
      return { code: result.code, summary, stderr: result.stderr };
    }

    for (const [kind, make, reason] of [
      ['a FIFO (named pipe)', (file: string) => execFileSync('mkfifo', [file]), /named pipe \(FIFO\)/],
      ['/dev/zero', (file: string) => symlinkSync('/dev/zero', file), /character device/],
    ] as const) {
      it(`${kind} as a downstream source: the run finishes with that system left out (SOURCE_NOT_A_FILE)`, async () => {
        write('a.csv', 'key\nK-1\n');
        make(workspace.file('b.csv'));
        configWith({ A: 'a.csv', B: 'b.csv' });
        const run = await runPromptly();
        assert.equal(run.code, 0, run.stderr);
        const b = run.summary.find((entry) => entry.system === 'B')!;
        assert.equal(b.status, 'skipped');
        assert.equal(b.skippedCode, 'SOURCE_NOT_A_FILE');
        assert.match(b.skippedReason!, reason);
        const errors = readReports(workspace.file('output'), workspace.dir).error_report!;
        assert.match(errors, /SOURCE_NOT_A_FILE|only regular files are read/);
      });

      it(`${kind} as the authority: the run fails at once (exit 1) saying why`, async () => {
        make(workspace.file('a.csv'));
        write('b.csv', 'key\nK-1\n');
        configWith({ A: 'a.csv', B: 'b.csv' });
        const run = await runPromptly();
        assert.equal(run.code, 1);
        assert.match(run.stderr, reason);
        assert.match(run.stderr, /a\.csv/);
      });
    }

    it('is refused in the worker threads too (sources large enough to be read in parallel)', async () => {
      // Over the 4 MB from which sources are read in worker threads, in few rows.
      const padding = 'x'.repeat(100);
      write('a.csv', `key,padding\n${Array.from({ length: 45_000 }, (_, i) => `K-${i},${padding}`).join('\n')}\n`);
      execFileSync('mkfifo', [workspace.file('fifo.csv')]);
      symlinkSync('/dev/zero', workspace.file('zero.csv'));
      configWith({ A: 'a.csv', B: 'fifo.csv', C: 'zero.csv' }, 'processing: { parallel: true, max_workers: 2 }\nlogging: { file: null, level: debug }');
      const result = await runCli(['-c', workspace.config, '--json', '-v'], { timeoutMs: PROMPTLY_MS });
      assert.equal(result.signal, null, 'the run hung and was killed');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /worker threads/, 'the sources were read in workers');
      const systems = JSON.parse(result.stdout).summary.systems as { system: string; skippedCode: string | null }[];
      assert.deepEqual(
        systems.map((entry) => [entry.system, entry.skippedCode]),
        [['A', null], ['B', 'SOURCE_NOT_A_FILE'], ['C', 'SOURCE_NOT_A_FILE']],
      );
    });

    it('a FIFO as the config file is refused (CONFIG_NOT_A_FILE, exit 2), not waited on', async () => {
      execFileSync('mkfifo', [workspace.config]);
      const result = await runCli(['-c', workspace.config], { timeoutMs: PROMPTLY_MS });
      assert.equal(result.signal, null, 'the CLI hung and was killed');
      assert.equal(result.code, 2);
      assert.match(result.stderr, /not a regular file/);
    });
  });
});
