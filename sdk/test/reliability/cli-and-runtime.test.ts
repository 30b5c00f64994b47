/**
 * Defects found by adversarial testing of the CLI and the SDK's runtime ("Reliability II"):
 * runs that compared nothing, throwing progress callbacks, closed pipes, out-of-range
 * numbers, raw keys, control characters in actors, resume with another mode, and
 * normalisation rules that change under an existing registry. Real CLI, real SQLite files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { openWorkspace } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
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
});
