/**
 * Inputs an adversarial tester found that broke a run in ways the config and the CSV
 * reader now refuse or handle: numeric system names, FIFOs and device files as sources.
 * Each test runs the real CLI on real files.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
});
