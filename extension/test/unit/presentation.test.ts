/** The extension's pure presentation helpers, outside the editor (plain Node, no vscode module). */
import assert from 'node:assert/strict';
import type { RunRecord } from '@keysync/sdk';
import { isDryRunReport } from '../../src/codelens/report-kind.js';
import { configProblems, configProblemSummary } from '../../src/config-problems.js';
import { statusContent } from '../../src/status-text.js';

describe('config problems (from the SDK loader message)', () => {
  it('lists each problem of a multi-problem error with its own line', () => {
    const message =
      '2 problems:\n  line 3: provisioning.strategy: "mirorr" is not allowed; allowed: "mirror", "namespaced", "surrogate"\n  line 4: unknown key "normalise"; did you mean "normalize"?';
    assert.deepEqual(configProblems({ message, line: 3 }), [
      { line: 3, text: 'provisioning.strategy: "mirorr" is not allowed; allowed: "mirror", "namespaced", "surrogate"' },
      { line: 4, text: 'unknown key "normalise"; did you mean "normalize"?' },
    ]);
  });

  it('keeps a single problem whole, at its line or line 1', () => {
    assert.deepEqual(configProblems({ message: 'YAML syntax error: bad', line: 2 }), [{ line: 2, text: 'YAML syntax error: bad' }]);
    assert.deepEqual(configProblems({ message: 'The config must be a mapping' }), [{ line: 1, text: 'The config must be a mapping' }]);
  });

  it('summarises as "<file> line N: text" and counts the rest', () => {
    assert.equal(configProblemSummary('keysync-config.yaml', [{ line: 29, text: 'x' }]), 'keysync-config.yaml line 29: x');
    assert.equal(
      configProblemSummary('keysync-config.yaml', [
        { line: 3, text: 'a' },
        { line: 4, text: 'b' },
      ]),
      'keysync-config.yaml line 3: a (and 1 more problem)',
    );
  });
});

describe('status bar content', () => {
  const run = (fields: Partial<RunRecord>): RunRecord =>
    ({ id: 'R1', startedAt: '2026-01-01T00:00:00Z', status: 'completed', error: null, summary: { totals: { overallMatchRate: 0.8 } }, ...fields }) as RunRecord;

  it('shows the rate and pending count of the last completed run', () => {
    const content = statusContent({ completed: run({}), failed: undefined, pending: 3, configProblem: undefined });
    assert.equal(content.text, '$(key) 80.00% · 3 pending');
    assert.equal(content.command, 'keysync.showRunSummary');
  });

  it('shows a failed first run as a failure, not as "no run yet"', () => {
    const failed = run({ id: 'R2', status: 'failed', summary: null, error: 'A is missing' });
    const content = statusContent({ completed: undefined, failed, pending: 0, configProblem: undefined });
    assert.equal(content.text, '$(error) KeySync: last run failed');
    assert.match(content.tooltip, /R2 .*failed: A is missing/);
    assert.equal(content.command, 'keysync.showRunError');
  });

  it('marks figures stale while the config has errors, and says so with no run at all', () => {
    const stale = statusContent({ completed: run({}), failed: undefined, pending: 0, configProblem: 'keysync-config.yaml line 3: bad' });
    assert.equal(stale.text, '$(warning) $(key) 80.00% · 0 pending (stale)');
    assert.match(stale.tooltip, /Stale: .* keysync-config\.yaml line 3: bad/);
    const none = statusContent({ completed: undefined, failed: undefined, pending: 0, configProblem: 'keysync-config.yaml line 3: bad' });
    assert.equal(none.command, 'keysync.openConfig');
  });
});

describe('dry-run reports', () => {
  it('are recognised by their _dry-run_ stamp only', () => {
    assert.ok(isDryRunReport('/w/output/master_key_registry_dry-run_20260101T000000Z.csv'));
    assert.ok(isDryRunReport('C:\\w\\output\\diff_missing_in_A_dry-run_20260101T000000Z.csv'));
    assert.ok(!isDryRunReport('/w/output/master_key_registry_20260101T000000Z.csv'));
    assert.ok(!isDryRunReport('/w/dry-run_notes/master_key_registry_20260101T000000Z.csv'));
  });
});
