/**
 * Defects found by adversarial testing of the CLI and the SDK's runtime ("Reliability II"):
 * runs that compared nothing, throwing progress callbacks, closed pipes, out-of-range
 * numbers, raw keys, control characters in actors, resume with another mode, and
 * normalisation rules that change under an existing registry. Real CLI, real SQLite files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { generateMockData, openWorkspace, type ProgressEvent } from '../../src/index.js';
import { CLI, runCli, runProcess } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { table } from '../../src/cli/format.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** A workspace of CSV files: system → keys (a missing entry is a missing file). */
function csvWorkspace(systems: readonly string[], files: Readonly<Record<string, readonly string[]>>, extraConfig = ''): TempWorkspace {
  const workspace = tempWorkspace();
  mkdirSync(workspace.file('input'));
  const sources = systems.map((system) => `  ${system}: { path: ./input/${system}.csv }`).join('\n');
  writeFileSync(workspace.config, `authority: ${systems[0]}\nsources:\n${sources}\nlogging: { file: null }\n${extraConfig}`);
  for (const [system, keys] of Object.entries(files)) writeFileSync(workspace.file('input', `${system}.csv`), ['key', ...keys].join('\n') + '\n');
  return workspace;
}

function reportCells(dir: string, report: string): Map<string, string> {
  const file = readdirSync(dir).find((name) => name.startsWith(`${report}_`));
  assert.ok(file, `a ${report} report in ${dir}`);
  const rows = parse(readFileSync(path.join(dir, file), 'utf8')) as string[][];
  return new Map(rows.slice(1).map(([metric, value]) => [metric!, value!]));
}

describe('Reliability II: CLI and runtime', function () {
  this.timeout(120_000);

  describe('a run that compared nothing (defect 6)', () => {
    let workspace: TempWorkspace;
    afterEach(() => workspace.remove());

    for (const [title, systems] of [
      ['every downstream system is missing', ['A', 'B', 'C']],
      ['no downstream system is configured', ['A']],
    ] as const) {
      it(`says so and fails --fail-on-discrepancy when ${title}`, async () => {
        workspace = csvWorkspace(systems, { A: ['K-1', 'K-2'] });
        const result = await runCli(['-c', workspace.config, '--fail-on-discrepancy']);
        assert.equal(result.code, 3, result.stderr);
        assert.match(result.stderr, /--fail-on-discrepancy: nothing was compared/);
        assert.match(result.stdout, /Nothing was compared: /);
        assert.doesNotMatch(result.stdout, /100\.00%/);

        const json = await runCli(['-c', workspace.config, '--json']);
        assert.equal(json.code, 0, json.stderr);
        const { totals } = JSON.parse(json.stdout).summary;
        assert.equal(totals.comparedSystems, 0);
        assert.equal(totals.overallMatchRate, null);
        assert.equal(totals.keysInAllSystems, null);
        assert.equal(totals.keysOnlyInAuthority, null);

        const summary = reportCells(workspace.file('output'), 'reconciliation_summary');
        for (const metric of ['Overall Match Rate', 'Keys in All Systems', 'Keys Only in A (Propagation Gaps)']) {
          assert.match(summary.get(metric) ?? '', /^not compared: /, metric);
        }
        const [run] = queryWorkspace<{ summary: string }>(workspace, "select summary from runs where status = 'completed' order by started_at limit 1");
        assert.equal(JSON.parse(run!.summary).totals.overallMatchRate, null);
      });
    }

    it('still passes --fail-on-discrepancy when one downstream system is read and matches', async () => {
      workspace = csvWorkspace(['A', 'B', 'C'], { A: ['K-1', 'K-2'], B: ['K-1', 'K-2'] });
      const result = await runCli(['-c', workspace.config, '--fail-on-discrepancy']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Overall match rate 100\.00%/);
    });
  });

  describe('an onProgress callback that throws (defect 10)', () => {
    let workspace: TempWorkspace;
    before(async () => {
      workspace = tempWorkspace();
      // ≈ 13 MB over five files: above the size from which sources are read in worker threads.
      await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 100_000, seed: 3 });
      writeFileSync(workspace.config, readFileSync(workspace.config, 'utf8').replace(/parallel: (true|false)/, 'parallel: true').replace(/max_workers: \d+/, 'max_workers: 2'));
    });
    after(() => workspace.remove());

    const throwsWhen = (stage: (event: ProgressEvent) => boolean) => (event: ProgressEvent) => {
      if (stage(event)) throw new Error('progress view broke');
    };

    for (const [where, when] of [
      ['while workers read the sources', (event: ProgressEvent) => /^reading [A-E]:/.test(event.message)],
      ['as a stage starts', (event: ProgressEvent) => event.stage === 'compare'],
      ['while reports are written', (event: ProgressEvent) => event.stage === 'reports' && event.message.startsWith('writing diff')],
    ] as const) {
      it(`rejects the run with the callback's error and marks it failed when it throws ${where}`, async () => {
        const log: string[] = [];
        const ws = await openWorkspace(workspace.config, { onLog: (_level, message) => log.push(message) });
        try {
          await assert.rejects(ws.reconcile({ onProgress: throwsWhen(when) }), /progress view broke/);
          const [run] = await ws.runs.list({ limit: 1 });
          assert.equal(run!.status, 'failed');
          assert.match(run!.error ?? '', /progress view broke/);
          assert.deepEqual(await ws.registry.list(), [], 'nothing was committed');
        } finally {
          await ws.close();
        }
        if (where.startsWith('while workers')) assert.ok(log.some((line) => /worker threads/.test(line)), 'the sources were read in workers');
        const output = workspace.file('output');
        assert.deepEqual(existsSync(output) ? readdirSync(output).filter((name) => name.endsWith('.csv')) : [], [], 'no partial reports');
        // Snapshots are written as each source is read, before comparing: a run that does not commit removes them.
        const snapshots = workspace.file('data/keysync.db.snapshots');
        assert.deepEqual(existsSync(snapshots) ? readdirSync(snapshots).filter((name) => name.endsWith('.ksnap')) : [], [], 'no snapshot files of the failed run');
      });
    }

    it('records a failed run as failed even when the onLog sink throws on every error line', async () => {
      const ws = await openWorkspace(workspace.config, {
        onLog: (level) => {
          if (level === 'error') throw new Error('log view broke');
        },
      });
      try {
        await assert.rejects(ws.reconcile({ onProgress: throwsWhen((event) => event.stage === 'compare') }), /progress view broke/);
        const [run] = await ws.runs.list({ limit: 1 });
        assert.equal(run!.status, 'failed');
      } finally {
        await ws.close();
      }
    });

    it('completes a run whose onLog sink throws: logging never changes the outcome', async () => {
      const ws = await openWorkspace(workspace.config, {
        onLog: () => {
          throw new Error('log view broke');
        },
      });
      try {
        const result = await ws.reconcile({ dryRun: true });
        assert.ok(result.summary.totals.uniqueKeys > 0);
      } finally {
        await ws.close();
      }
    });
  });

  describe('a reader that closes the pipe early (defect 11)', () => {
    let workspace: TempWorkspace;
    before(async () => {
      workspace = tempWorkspace();
      // ≈ 1,100 proposals: every listing below is far larger than a pipe's 64 KB buffer.
      await generateMockData({ dir: workspace.dir, scenario: 'normal', keys: 10_000, seed: 5 });
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    });
    after(() => workspace.remove());

    /** `keysync <args> | head -1` under pipefail: the exit status is keysync's unless it is 0. */
    const throughHead = (args: string, redirect = '') =>
      runProcess('bash', ['-c', `set -o pipefail; "$NODE" "$CLI" ${args} -c "$CONFIG" ${redirect} | head -1 >/dev/null`], {
        env: { NODE: process.execPath, CLI, CONFIG: workspace.config },
      });

    for (const args of ['registry list', 'audit --json', 'audit', 'registry list --json']) {
      it(`keysync ${args} | head -1 ends quietly with exit 0`, async () => {
        const result = await throughHead(args);
        assert.equal(result.stderr, '');
        assert.equal(result.code, 0);
      });
    }

    it('keysync 2>&1 | head -1: the run completes, is recorded as completed and exits 0', async () => {
      const before = queryWorkspace<{ n: number }>(workspace, "select count(*) as n from runs where status = 'completed'")[0]!.n;
      const result = await throughHead('', '2>&1');
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      const runs = queryWorkspace<{ status: string }>(workspace, 'select status from runs order by started_at desc, id desc');
      assert.equal(runs[0]!.status, 'completed');
      assert.equal(runs.filter((run) => run.status === 'completed').length, before + 1);
    });

    it('says so and exits 1 when the output cannot be written for another reason (a full device)', async () => {
      const result = await runProcess('bash', ['-c', '"$NODE" "$CLI" registry list -c "$CONFIG" > /dev/full'], {
        env: { NODE: process.execPath, CLI, CONFIG: workspace.config },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^keysync: cannot write the output: ENOSPC/);
      assert.doesNotMatch(result.stderr, /Unhandled|\n\s+at /);
    });
  });

  describe('whole-number options and arguments (defect 16)', () => {
    let workspace: TempWorkspace;
    before(async () => {
      workspace = csvWorkspace(['A', 'B'], { A: ['K-1', 'K-2'], B: ['K-1', 'X-1', 'X-2', 'X-3'] });
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    });
    after(() => workspace.remove());

    for (const args of [
      ['registry', 'list', '--limit', '99999999999999999999'],
      ['runs', '--limit', '99999999999999999999'],
      ['audit', '--limit', '9007199254740993'],
      ['registry', 'list', '--limit', '0'],
      ['runs', '--limit', '-1'],
      ['audit', '--limit', '1e3'],
      ['--generate-data', '--keys', '99999999999999999999'],
      ['--generate-data', '--keys', '50000001'],
      ['--generate-data', '--seed', '99999999999999999999'],
      ['--generate-data', '--seed', '4294967296'],
    ]) {
      it(`refuses ${args.join(' ')} with a usage error (exit 2) naming the range`, async () => {
        const result = await runCli([...args, '-c', workspace.config]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, new RegExp(`${args.find((arg) => arg.startsWith('--') && arg !== '--generate-data')} must be a whole number from \\d`));
        assert.doesNotMatch(result.stderr, /unexpected error|datatype mismatch/);
      });
    }

    it('accepts the largest limit', async () => {
      const list = await runCli(['registry', 'list', '--limit', String(Number.MAX_SAFE_INTEGER), '--json', '-c', workspace.config]);
      assert.equal(list.code, 0, list.stderr);
      assert.equal(JSON.parse(list.stdout).length, 3);
      const runs = await runCli(['runs', '--limit', '1', '--json', '-c', workspace.config]);
      assert.equal(JSON.parse(runs.stdout).length, 1);
    });

    it('exits 2 on any usage error of a subcommand, as on the top-level command', async () => {
      for (const args of [['approve', '--bogus'], ['registry', 'list', '--status', 'nope'], ['runs', '--limit', 'x']]) {
        const result = await runCli([...args, '-c', workspace.config]);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      }
    });

    it('refuses NaN, negative, fractional and huge limits, offsets and ids in the SDK with a usage error', async () => {
      const ws = await openWorkspace(workspace.config);
      try {
        const refused = async (call: Promise<unknown>, name: string) =>
          assert.rejects(call, (error: Error & { code?: string; kind?: string }) => {
            assert.equal(error.code, 'INVALID_NUMBER');
            assert.equal(error.kind, 'usage');
            assert.match(error.message, new RegExp(`^${name.replace('.', '\\.')} must be a whole number from 0 to`));
            return true;
          });
        await refused(ws.registry.list({ limit: Number.NaN }), 'registry.list limit');
        await refused(ws.registry.list({ limit: -1 }), 'registry.list limit');
        await refused(ws.registry.list({ limit: 1e20 }), 'registry.list limit');
        await refused(ws.registry.list({ offset: 1.5 }), 'registry.list offset');
        await refused(ws.audit.list({ limit: Number.POSITIVE_INFINITY }), 'audit.list limit');
        await refused(ws.audit.list({ fromId: -3 }), 'audit.list fromId');
        await refused(ws.runs.list({ limit: Number.NaN }), 'runs.list limit');
        assert.deepEqual((await ws.registry.list({ offset: 1 })).map((record) => record.normalizedKey), ['X-2', 'X-3']);
        assert.deepEqual((await ws.registry.list({ limit: 1, offset: 1 })).map((record) => record.normalizedKey), ['X-2']);
        assert.equal((await ws.registry.list({ limit: 0 })).length, 0);
      } finally {
        await ws.close();
      }
    });
  });

  describe('approvals, actors and resume (defect 17)', () => {
    let workspace: TempWorkspace;
    beforeEach(async () => {
      workspace = csvWorkspace(['A', 'B'], { A: ['K-1'], B: ['K-1', 'cust-123', 'cust-124', 'cust-125'] }, 'provisioning: { strategy: namespaced }\n');
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    });
    afterEach(() => workspace.remove());

    const statusOf = (key: string) =>
      queryWorkspace<{ status: string }>(workspace, `select status from master_keys where normalized_key = '${key}'`)[0]?.status;

    it('approves a raw key through the workspace normalisation, and names the normalised form it tried when absent', async () => {
      const approved = await runCli(['approve', 'cust-123', '-c', workspace.config]);
      assert.equal(approved.code, 0, approved.stderr);
      assert.match(approved.stdout, /^MASTER-B-CUST-123: active/);
      assert.equal(statusOf('CUST-123'), 'active');

      const missing = await runCli(['approve', ' cust__999 ', '-c', workspace.config]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /No master key or normalised key " cust__999 " \(normalised: "CUST-999"\) in the registry/);

      const ws = await openWorkspace(workspace.config);
      try {
        assert.equal((await ws.registry.reject('Cust 124', { actor: 'ana', reason: 'test key' })).status, 'rejected');
        assert.equal(await ws.registry.approveAll({ actor: 'ana', keys: ['cust_125'] }), 1);
        assert.equal(statusOf('CUST-125'), 'active');
      } finally {
        await ws.close();
      }
    });

    it('refuses an actor with a control character, and tells CLI users about --actor when it is empty', async () => {
      for (const actor of ['ana\nsmith', 'ana\tsmith', 'ana\u2028smith', 'ana\u001b[31m']) {
        const result = await runCli(['approve', 'CUST-123', '--actor', actor, '-c', workspace.config]);
        assert.equal(result.code, 2, JSON.stringify(actor));
        assert.match(result.stderr, /contains a control character .* — pass --actor NAME on one line/);
      }
      assert.equal(statusOf('CUST-123'), 'proposed');

      const empty = await runCli(['approve', 'CUST-123', '--actor', ' ', '-c', workspace.config]);
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /needs an actor .* — pass --actor NAME/);
      assert.doesNotMatch(empty.stderr, /\{ actor/);
      const json = await runCli(['approve', 'CUST-123', '--actor', '', '--json', '-c', workspace.config]);
      assert.equal(JSON.parse(json.stdout)[0].code, 'ACTOR_REQUIRED');

      const ws = await openWorkspace(workspace.config);
      try {
        await assert.rejects(ws.registry.approve('CUST-123', { actor: '' }), (error: Error & { code?: string }) => error.code === 'ACTOR_REQUIRED' && /\{ actor: "name" \}/.test(error.message + (error as { remedy?: string }).remedy));
        await assert.rejects(ws.registry.approveAll({ actor: 'a\nb' }), { code: 'ACTOR_INVALID', kind: 'usage' });
      } finally {
        await ws.close();
      }
    });

    it('shows control characters already stored (an older actor, a raw key) escaped, one table row per record', async () => {
      const db = workspace.file('data/keysync.db');
      const { default: Database } = await import('better-sqlite3');
      const handle = new Database(db);
      handle.prepare("update master_keys set status_changed_by = 'ana' || char(10) || 'forged  row', source_key = 'x' || char(27) || '[2J'").run();
      handle.close();
      const result = await runCli(['registry', 'list', '-c', workspace.config]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 1 + 3, result.stdout);
      assert.ok(lines.slice(1).every((line) => line.includes('ana\\nforged  row') && line.includes('x\\x1b[2J')), result.stdout);
      assert.doesNotMatch(result.stdout, /\u001b/);
    });

    it('escapes control characters in any table cell and keeps the columns aligned', () => {
      const text = table(['Key', 'By'], [['A\r\nB', 'x'], ['C\u0007', 'y\u2028z']]);
      assert.deepEqual(text.split('\n'), ['Key     By', 'A\\r\\nB  x', 'C\\x07   y\\u2028z']);
    });

    it('refuses --resume with an explicit mode other than the interrupted run\'s, and resumes with its own', async () => {
      const killed = await runCli(['-c', workspace.config, '-m', 'full', '-q'], { env: { KEYSYNC_FAULT_KILL_AT: 'compare' } });
      assert.equal(killed.signal, 'SIGKILL');
      const refused = await runCli(['-c', workspace.config, '--resume', '-m', 'incremental']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /is a full run; it cannot be resumed as incremental/);
      const resumed = await runCli(['-c', workspace.config, '--resume', '-m', 'full', '--json']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(JSON.parse(resumed.stdout).summary.mode, 'full');
    });
  });

  describe('normalisation rules that change under an existing registry (defect 17)', () => {
    let workspace: TempWorkspace;
    beforeEach(async () => {
      workspace = csvWorkspace(['A', 'B'], { A: ['K-1'], B: ['K-1', 'X-7', 'Y-8'] });
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
      assert.equal((await runCli(['approve', 'X-7', '--actor', 'ana', '-c', workspace.config])).code, 0);
      writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}normalize: { left_pad_numbers: true }\n`);
    });
    afterEach(() => workspace.remove());

    const registry = () => queryWorkspace<{ normalized_key: string; master_key: string; status: string }>(workspace, 'select normalized_key, master_key, status from master_keys order by id');

    it('warns on the run after the rules changed; renormalize re-keys the registry, decisions kept, and the next run proposes nothing', async () => {
      const changed = await runCli(['-c', workspace.config]);
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /Warning: The normalisation rules changed since run .* \(left_pad_numbers: false → true\)/);
      const [latest] = queryWorkspace<{ summary: string; normalize_rules: string }>(workspace, "select summary, normalize_rules from runs where status = 'completed' order by started_at desc, id desc limit 1");
      assert.equal(JSON.parse(latest!.summary).warnings.length, 1);
      assert.equal(JSON.parse(latest!.normalize_rules).left_pad_numbers, true);

      const preview = await runCli(['registry', 'renormalize', '--dry-run', '-c', workspace.config]);
      assert.equal(preview.code, 0, preview.stderr);
      assert.match(preview.stdout, /X-7: X-7 → X-000007/);
      const before = registry();

      const applied = await runCli(['registry', 'renormalize', '--actor', 'ana', '--json', '-c', workspace.config]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.notDeepEqual(registry(), before);
      const entries = registry();
      assert.deepEqual(entries.find((entry) => entry.master_key === 'X-7'), { normalized_key: 'X-000007', master_key: 'X-7', status: 'active' });
      assert.deepEqual(entries.map((entry) => entry.normalized_key).sort(), ['X-000007', 'Y-000008']);
      const events = queryWorkspace<{ event_type: string }>(workspace, "select event_type from audit_log where actor = 'ana' and event_type in ('key_renormalized', 'proposal_superseded')");
      assert.deepEqual(events.map((event) => event.event_type).sort(), ['key_renormalized', 'proposal_superseded', 'proposal_superseded']);

      const next = await runCli(['-c', workspace.config, '--json']);
      assert.equal(next.code, 0, next.stderr);
      const { summary } = JSON.parse(next.stdout);
      assert.equal(summary.registry.proposed, 0);
      assert.deepEqual(summary.warnings, []);
    });

    it('refuses to re-key when two decided entries would share a key, changing nothing', async () => {
      // X-7 (active) and X-000007 (approved under the new rules) both become X-000007.
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
      assert.equal((await runCli(['approve', 'X-000007', '--actor', 'ana', '-c', workspace.config])).code, 0);
      const before = registry();
      const result = await runCli(['registry', 'renormalize', '-c', workspace.config]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /would give 1 key\(s\) to more than one entry: X-000007 ← X-7 \(active\), X-000007 \(active\)/);
      assert.deepEqual(registry(), before);
    });
  });
});
