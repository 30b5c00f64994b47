/**
 * The duckdb engine gives the node engine's results (docs/behaviour.md §11): the real CLI runs
 * each fixture set and each mock-data scenario twice, once per engine, in two copies of one
 * workspace, and every report must be byte-identical once run ids, times and the workspace
 * path are masked, the registry the same, the exit code and the run's outcome the same.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { assertSameRuns, BYTE_ORDER_KEYS, BYTE_ORDER_SETTINGS, MOCK_ARGS, MOCK_SCENARIOS, OTHER_SETTINGS, runEngine, useEngine, type Engine, type EngineRun } from '../helpers/engine-parity.js';
import { readReports } from '../helpers/reports.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const workspaces: TempWorkspace[] = [];

function workspaceFor(engine: Engine, fixture: string | undefined, extraConfig: string): TempWorkspace {
  const workspace = tempWorkspace(fixture);
  workspaces.push(workspace);
  if (!fixture) appendFileSync(workspace.config, 'logging: { file: null }\n');
  useEngine(workspace, engine, extraConfig);
  return workspace;
}

async function assertSameResults(fixture: string | undefined, args: readonly string[] = [], extraConfig = ''): Promise<EngineRun> {
  const node = await runEngine(workspaceFor('node', fixture, extraConfig), args);
  const duckdb = await runEngine(workspaceFor('duckdb', fixture, extraConfig), args);
  assertSameRuns('duckdb', node, duckdb);
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

  for (const scenario of MOCK_SCENARIOS) {
    it(`gives the same reports and registry on mock data, scenario ${scenario} (3,000 keys)`, async () => {
      const node = await assertSameResults(undefined, ['--generate-data', ...MOCK_ARGS(scenario)]);
      assert.ok(node.registry.length > 0, 'the mock data has out-of-authority keys');
    });
  }

  it('applies on_corrupt_data skip and fail as the node engine does', async () => {
    await assertSameResults('dirty', [], 'error_handling: { on_corrupt_data: skip }\n');
    const failed = await assertSameResults('dirty', [], 'error_handling: { on_corrupt_data: fail }\n');
    assert.equal(failed.result.code, 1);
  });

  it('gives the same probable matches, padding and auto-approval under other settings', async () => {
    await assertSameResults(undefined, ['--generate-data', '--keys', '2000', '--seed', '5', '--scenario', 'drift'], OTHER_SETTINGS);
  });

  it('scores probable matches by which downstream systems hold each candidate, as the node engine does', async () => {
    const runs: EngineRun[] = [];
    for (const engine of ['node', 'duckdb'] as const) {
      const workspace = workspaceFor(engine, 'clean', '');
      // ACC-10002 is a typo of ACC-10001, which B lacks and C holds (a bonus); ACC-20002 one of ACC-20001, which B holds too (a penalty).
      appendFileSync(workspace.file('input/A.csv'), 'ACC-10001,a\nACC-20001,a\n');
      appendFileSync(workspace.file('input/B.csv'), 'ACC-10002,b\nACC-20001,b\nACC-20002,b\n');
      appendFileSync(workspace.file('input/C.csv'), 'ACC-10001,c\nACC-20001,c\n');
      runs.push(await runEngine(workspace, []));
    }
    assertSameRuns('duckdb', runs[0]!, runs[1]!);
    const suggested = runs[0]!.reports.probable_matches!;
    assert.match(suggested, /^B,ACC-10002,ACC-10002,ACC-10001,0\.90,"edit distance 1; missing from B, held by C",1$/m);
    assert.doesNotMatch(suggested, /ACC-20002/);
  });

  it('orders every list as the node engine does where byte order and UTF-16 order disagree', async () => {
    const runs: EngineRun[] = [];
    for (const engine of ['node', 'duckdb'] as const) {
      const workspace = workspaceFor(engine, 'clean', BYTE_ORDER_SETTINGS);
      for (const [system, keys] of Object.entries(BYTE_ORDER_KEYS)) appendFileSync(workspace.file(`input/${system}.csv`), keys.map((key) => `${key},u\n`).join(''));
      runs.push(await runEngine(workspace, []));
    }
    assertSameRuns('duckdb', runs[0]!, runs[1]!);
    assert.match(runs[0]!.reports.probable_matches!, /^B,X\u{1F600}3,X\u{1F600}3,X\u{1F600}1,/mu);
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
