/**
 * The duckdb engine gives the node engine's results (docs/behaviour.md §11): the real CLI runs
 * each fixture set and each mock-data scenario twice, once per engine, in two copies of one
 * workspace, and every report must be byte-identical once run ids, times and the workspace
 * path are masked, the registry the same, the exit code and the run's outcome the same.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { runCli, type CliResult } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { readReports } from '../helpers/reports.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

type Engine = 'node' | 'duckdb';

interface EngineRun {
  readonly result: CliResult;
  readonly reports: Record<string, string>;
  readonly registry: unknown[];
  readonly runs: unknown[];
  /** The engine each stored run summary names. */
  readonly engines: unknown[];
}

const workspaces: TempWorkspace[] = [];

function workspaceFor(engine: Engine, fixture: string | undefined, extraConfig: string): TempWorkspace {
  const workspace = tempWorkspace(fixture);
  workspaces.push(workspace);
  if (!fixture) appendFileSync(workspace.config, 'logging: { file: null }\n');
  appendFileSync(workspace.config, `\n${extraConfig}processing: { engine: ${engine} }\n`);
  return workspace;
}

async function runEngine(engine: Engine, fixture: string | undefined, args: readonly string[], extraConfig = ''): Promise<EngineRun> {
  const workspace = workspaceFor(engine, fixture, extraConfig);
  const result = await runCli(['-c', workspace.config, '-q', ...args]);
  const written = result.code === 0 || result.code === 3;
  return {
    result,
    reports: written ? readReports(workspace.file('output'), workspace.dir) : {},
    // Everything but the times a run stamps (created, status changed, activated) and its id.
    registry: written
      ? queryWorkspace<unknown>(workspace, 'SELECT id, master_key, normalized_key, source_system, source_key, status, strategy, linked_to FROM master_keys ORDER BY id')
      : [],
    runs: written ? queryWorkspace<unknown>(workspace, 'SELECT status, mode, summary IS NOT NULL AS summarized FROM runs') : [],
    engines: written ? queryWorkspace<unknown>(workspace, "SELECT summary ->> '$.engine' AS engine FROM runs WHERE summary IS NOT NULL").map((row) => (row as { engine: string }).engine) : [],
  };
}

async function assertSameResults(fixture: string | undefined, args: readonly string[] = [], extraConfig = ''): Promise<EngineRun> {
  const node = await runEngine('node', fixture, args, extraConfig);
  const duckdb = await runEngine('duckdb', fixture, args, extraConfig);
  assert.equal(duckdb.result.code, node.result.code, `exit codes: node ${node.result.stderr}, duckdb ${duckdb.result.stderr}`);
  assert.deepEqual(Object.keys(duckdb.reports).sort(), Object.keys(node.reports).sort());
  for (const name of Object.keys(node.reports)) assert.equal(duckdb.reports[name], node.reports[name], `${name} is the same under both engines`);
  assert.deepEqual(duckdb.registry, node.registry);
  assert.deepEqual(duckdb.runs, node.runs);
  assert.ok(node.engines.every((engine) => engine === 'node') && duckdb.engines.every((engine) => engine === 'duckdb'));
  assert.equal(duckdb.engines.length, node.engines.length);
  return node;
}

describe('the duckdb engine matches the node engine (docs/behaviour.md §11)', function () {
  this.timeout(240_000);
  afterEach(() => {
    for (const workspace of workspaces.splice(0)) workspace.remove();
  });

  for (const fixture of ['clean', 'dirty', 'empty-files', 'missing-source']) {
    it(`gives the same reports and registry on the ${fixture} fixture set`, async () => {
      const node = await assertSameResults(fixture);
      assert.ok(Object.keys(node.reports).length >= 9, 'the run wrote its reports');
    });
  }

  it('fails the same way when the authority is missing', async () => {
    const node = await assertSameResults('missing-authority');
    assert.equal(node.result.code, 1);
  });

  for (const scenario of ['normal', 'drift', 'failure', 'recovery']) {
    it(`gives the same reports and registry on mock data, scenario ${scenario} (3,000 keys)`, async () => {
      const node = await assertSameResults(undefined, ['--generate-data', '--keys', '3000', '--seed', '11', '--scenario', scenario]);
      assert.ok(node.registry.length > 0, 'the mock data has out-of-authority keys');
    });
  }

  it('applies on_corrupt_data skip and fail as the node engine does', async () => {
    await assertSameResults('dirty', [], 'error_handling: { on_corrupt_data: skip }\n');
    const failed = await assertSameResults('dirty', [], 'error_handling: { on_corrupt_data: fail }\n');
    assert.equal(failed.result.code, 1);
  });

  it('gives the same probable matches, padding and auto-approval under other settings', async () => {
    const settings = 'normalize: { left_pad_numbers: true, pad_length: 8, collapse_delims: "." }\nprovisioning: { strategy: namespaced, auto_approve: true }\n';
    await assertSameResults(undefined, ['--generate-data', '--keys', '2000', '--seed', '5', '--scenario', 'drift'], settings);
  });

  it('reruns the same: the second run resolves and proposes as the node engine does', async () => {
    for (const engine of ['node', 'duckdb'] as const) {
      const workspace = workspaceFor(engine, 'dirty', '');
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
      // The authority now holds a key proposed from C in the first run: the rerun resolves it.
      appendFileSync(workspace.file('input/A.csv'), 'RESUMED-1,now in A\r\n');
      appendFileSync(workspace.file('input/B.csv'), '12,NEW-KEY-1,new in B\n');
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    }
    const [node, duckdb] = workspaces.slice(-2).map((workspace) => ({
      reports: readReports(workspace.file('output'), workspace.dir),
      registry: queryWorkspace<unknown>(workspace, 'SELECT id, master_key, status, status_changed_by FROM master_keys ORDER BY id'),
    }));
    assert.deepEqual(duckdb!.registry, node!.registry);
    assert.deepEqual(duckdb!.reports, node!.reports);
    assert.ok(node!.registry.some((entry) => (entry as { status: string }).status === 'resolved'));
    assert.ok(node!.registry.some((entry) => (entry as { master_key: string }).master_key === 'NEW-KEY-000001'));
  });
});
