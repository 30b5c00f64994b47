/**
 * Switching from the earlier Python tool, KeySync Mini: its config file is accepted as it is
 * (warnings, not errors), with the keys worth keeping honoured; `keysync config check` shows
 * the config a run uses. The real CLI, real files, real SQLite.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** The earlier tool's keys that KeySync does not use as it did, one warning each. */
const LEGACY_WARNINGS = [
  ['schedule', 'ignored'],
  ['simulation.temporal', 'ignored'],
  ['simulation.failures', 'ignored'],
  ['processing.batch_size', 'ignored'],
  ['processing.checkpoint_interval', 'ignored'],
  ['output.format', 'ignored'],
  ['output.include_timestamps', 'ignored'],
  ['database.backup_enabled', 'honoured'],
  ['database.backup_count', 'honoured'],
  ['logging.max_size_mb', 'ignored'],
  ['logging.backup_count', 'ignored'],
  ['error_handling.retry_attempts', 'honoured'],
  ['error_handling.retry_delay_seconds', 'honoured'],
  ['sandbox', 'ignored'],
];

function warningLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('keysync: warning: '));
}

describe('a KeySync Mini config (testdata/keysync-mini)', function () {
  let workspace: TempWorkspace;
  afterEach(() => workspace?.remove());

  it('runs, with one warning per earlier-tool key saying whether it is ignored or honoured', async () => {
    workspace = tempWorkspace('keysync-mini');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    const warnings = warningLines(result.stderr);
    assert.equal(warnings.length, LEGACY_WARNINGS.length, result.stderr);
    for (const [index, [key, treatment]] of LEGACY_WARNINGS.entries()) {
      assert.match(warnings[index]!, new RegExp(`keysync-config\\.yaml:\\d+: ${key.replace('.', '\\.')}: a KeySync Mini key, ${treatment} — `));
    }
    assert.match(warnings[0]!, /keysync-config\.yaml:4: schedule:/, 'the warning names the line');
    assert.match(result.stdout, /Overall match rate/);
  });

  it('config check prints the effective config (defaults applied, paths resolved, enums lower-cased) and the warnings', async () => {
    workspace = tempWorkspace('keysync-mini');
    const text = await runCli(['config', 'check', '-c', workspace.config]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(warningLines(text.stderr).length, LEGACY_WARNINGS.length);
    assert.match(text.stdout, /^ {2}level: info$/m);
    assert.match(text.stdout, new RegExp(`^ {2}path: ${workspace.file('data/keysync.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    assert.match(text.stdout, /^ {2}pad_length: 6$/m, 'defaults are filled in');

    const json = await runCli(['config', 'check', '-c', workspace.config, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      file: string;
      config: { provisioning: { strategy: string }; processing: Record<string, unknown>; logging: { level: string }; sources: { system: string; type: string; path: string }[] };
      warnings: { line: number; key: string; text: string }[];
    };
    assert.equal(parsed.file, workspace.config);
    assert.equal(parsed.config.provisioning.strategy, 'mirror');
    assert.equal(parsed.config.logging.level, 'info');
    assert.deepEqual(parsed.config.processing, { engine: 'node', mode: 'full', parallel: true, max_workers: 0 }, 'batch_size is read by nothing, so it is not part of the config');
    assert.deepEqual(
      parsed.config.sources.map((source) => [source.system, source.type, source.path]),
      ['A', 'B', 'C'].map((system) => [system, 'csv', workspace.file('input', `${system}.csv`)]),
    );
    assert.deepEqual(parsed.warnings.map((warning) => warning.key), LEGACY_WARNINGS.map(([key]) => key));
    assert.equal(parsed.warnings[0]!.line, 4);
  });

  it('config check exits 2 on a config error, and a typo of a KeySync key is still an error with "did you mean"', async () => {
    workspace = tempWorkspace('keysync-mini');
    writeFileSync(workspace.config, readFileSync(workspace.config, 'utf8').replace('  backup_count: 2', '  backup_cuont: 2').replace('level: INFO', 'level: LOUD'));
    const result = await runCli(['config', 'check', '-c', workspace.config]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /unknown key "database\.backup_cuont"; did you mean "backup_count"\?/);
    assert.match(result.stderr, /logging\.level: "LOUD" is not allowed; allowed: "debug", "info", "warn", "error"/);
    assert.equal(result.stdout, '');
  });

  it('keeps database.backup_count backups, newest first, through SQLite, and rotates only its own files', async () => {
    workspace = tempWorkspace('keysync-mini');
    const db = workspace.file('data/keysync.db');
    for (let run = 1; run <= 3; run++) assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    assert.ok(existsSync(`${db}.backup-1`) && existsSync(`${db}.backup-2`));
    assert.ok(!existsSync(`${db}.backup-3`), 'backup_count: 2 keeps two');
    // Taken before each run: the newest backup holds the two runs before the third.
    const runsIn = (file: string) => {
      const backup = new Database(file, { readonly: true });
      try {
        return (backup.prepare('select count(*) as n from runs').get() as { n: number }).n;
      } finally {
        backup.close();
      }
    };
    assert.equal(runsIn(`${db}.backup-1`), 2);
    assert.equal(runsIn(`${db}.backup-2`), 1);

    const dryRun = await runCli(['-c', workspace.config, '-q', '--dry-run']);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.equal(runsIn(`${db}.backup-1`), 2, 'a dry run makes no backup');

    // A user's file in the rotation is neither renamed nor deleted: the run stops, untouched.
    writeFileSync(`${db}.backup-2`, 'my notes');
    const refused = await runCli(['-c', workspace.config, '-q']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /backup-2: A file in the place of a database backup is not a KeySync database/);
    assert.equal(readFileSync(`${db}.backup-2`, 'utf8'), 'my notes');
    assert.equal(runsIn(`${db}.backup-1`), 2);
  });

  it('does not retry a missing source (retry_attempts is for transient errors only): it is left out at once', async () => {
    workspace = tempWorkspace('keysync-mini');
    writeFileSync(workspace.config, readFileSync(workspace.config, 'utf8').replace('retry_delay_seconds: 0.1', 'retry_delay_seconds: 30'));
    rmSync(workspace.file('input/B.csv'));
    const started = Date.now();
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started < 25_000, 'no 30 s wait');
    const log = readFileSync(workspace.file('logs/keysync.log'), 'utf8');
    assert.match(log, /system B left out of the run/);
    assert.doesNotMatch(log, /Retry/);
  });

  it('accepts enum values in any case in every section (type, encoding, strategy, scenario, mode, level, policies)', async () => {
    workspace = tempWorkspace('clean');
    writeFileSync(
      workspace.config,
      [
        'authority: A',
        'sources:',
        '  A: { type: CSV, path: ./input/A.csv, encoding: UTF-8 }',
        '  B: { path: ./input/B.csv, encoding: Latin1 }',
        '  C: { path: ./input/C.csv }',
        'provisioning: { strategy: NameSpaced }',
        'simulation: { scenario: Drift }',
        'processing: { mode: INCREMENTAL }',
        'logging: { level: WARN, file: null }',
        'error_handling: { on_missing_file: FAIL, on_corrupt_data: Skip }',
        '',
      ].join('\n'),
    );
    const result = await runCli(['config', 'check', '-c', workspace.config, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { config } = JSON.parse(result.stdout) as { config: Record<string, Record<string, unknown>> & { sources: Record<string, unknown>[] } };
    assert.deepEqual(
      [config.sources[0]!.type, config.sources[0]!.encoding, config.sources[1]!.encoding, config.provisioning!.strategy, config.simulation!.scenario, config.processing!.mode, config.logging!.level, config.error_handling!.on_missing_file, config.error_handling!.on_corrupt_data],
      ['csv', 'utf-8', 'latin1', 'namespaced', 'drift', 'incremental', 'warn', 'fail', 'skip'],
    );
    assert.equal(warningLines(result.stderr).length, 0, 'a KeySync config has no warnings');
  });
});

describe('"Total Out of Authority Keys" keeps the earlier tool\'s meaning', function () {
  let workspace: TempWorkspace;
  afterEach(() => workspace?.remove());

  it('counts distinct keys; the (system, key) pairs have a row of their own, in the report and the CLI summary', async () => {
    // testdata/clean: CUST-101 is outside A in B and in C, CUST-102 in C only.
    workspace = tempWorkspace('clean');
    const result = await runCli(['-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
    const [summaryFile] = readdirSync(workspace.file('output')).filter((name) => name.startsWith('reconciliation_summary_'));
    const rows = new Map(
      readFileSync(workspace.file('output', summaryFile!), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [, metric, value] = line.match(/^("[^"]*"|[^,]*),([^,]*),/)!;
          return [metric!.replace(/^"|"$/g, ''), value] as const;
        }),
    );
    assert.equal(rows.get('Keys Missing in A (Out of Authority)'), '2');
    assert.equal(rows.get('Total Out of Authority Keys'), '2', 'CUST-101 and CUST-102, each once');
    assert.equal(rows.get('Out of Authority Sightings (system, key pairs)'), '3', '(B, CUST-101), (C, CUST-101), (C, CUST-102)');
    assert.match(result.stdout, /out of authority 2 keys \(3 sightings, system by system\)/);
  });
});

describe('run summaries stored before the pair count was renamed', function () {
  let workspace: TempWorkspace;
  afterEach(() => workspace?.remove());

  it('are read under the new name: the trend report and keysync runs still show their figures', async () => {
    workspace = tempWorkspace('clean');
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    // Store the first run's summary as the earlier version wrote it: totals.outOfAuthority.
    const db = new Database(workspace.file('data/keysync.db'));
    try {
      const { id, summary } = db.prepare('select id, summary from runs').get() as { id: string; summary: string };
      const old = JSON.parse(summary) as { totals: Record<string, unknown> };
      old.totals.outOfAuthority = old.totals.outOfAuthoritySightings;
      delete old.totals.outOfAuthoritySightings;
      db.prepare('update runs set summary = ? where id = ?').run(JSON.stringify(old), id);
    } finally {
      db.close();
    }
    const second = await runCli(['-c', workspace.config, '--json']);
    assert.equal(second.code, 0, second.stderr);
    // The second run's own report: two runs in one second have stamps S and S-2, which sort wrongly as text.
    const trendFile = (JSON.parse(second.stdout) as { reports: Record<string, string> }).reports.trend_analysis!;
    const trend = readFileSync(trendFile, 'utf8').trim().split('\n').slice(1);
    assert.equal(trend.length, 2);
    for (const row of trend) assert.equal(row.split(',')[4], '3', row);
    const runs = await runCli(['runs', '-c', workspace.config, '--json']);
    const listed = JSON.parse(runs.stdout) as { summary: { totals: { outOfAuthoritySightings: number } } }[];
    assert.deepEqual(listed.map((run) => run.summary.totals.outOfAuthoritySightings), [3, 3]);
  });
});

describe('mock data as the earlier tool generated it: four key families and generation_stats.json', function () {
  let workspace: TempWorkspace;
  afterEach(() => workspace?.remove());

  it('writes CUST-, PROD_, TXN and ORD# keys, and generation_stats.json beside them, regenerated without refusal', async () => {
    workspace = tempWorkspace();
    const generate = () => runCli(['--generate-data', '--keys', '2000', '--seed', '7', '--scenario', 'drift', '-c', workspace.config, '--json']);
    const first = await generate();
    assert.equal(first.code, 0, first.stderr);
    const raw = readFileSync(workspace.file('input/A.csv'), 'utf8');
    for (const pattern of [/^CUST-\d{7},/m, /^PROD_[A-Z]{3}_\d{7},/m, /^TXN 20\d\d \d{7},/m, /^ORD#\d{7},/m]) assert.match(raw, pattern);

    const stats = JSON.parse(readFileSync(workspace.file('input/generation_stats.json'), 'utf8')) as {
      scenario: string;
      seed: number;
      keys: { authority: number; universe: number };
      families: { name: string; keys: number }[];
      systems: { system: string; file: string; keys: number; rows: number }[];
      plannedShares: { common: number };
      plannedMatchRates: { overall: number; perSystem: number };
    };
    assert.equal(stats.scenario, 'drift');
    assert.equal(stats.seed, 7);
    assert.equal(stats.keys.authority, 2000);
    assert.deepEqual(stats.families.map((family) => family.name), ['CUST', 'PROD', 'TXN', 'ORD']);
    assert.equal(stats.families.reduce((sum, family) => sum + family.keys, 0), stats.keys.universe);
    assert.deepEqual(stats.systems.map((system) => [system.system, system.file]), ['A', 'B', 'C', 'D', 'E'].map((system) => [system, `${system}.csv`]));
    assert.equal(stats.systems[0]!.keys, 2000);
    assert.equal(stats.systems[0]!.rows, raw.trim().split('\n').length - 1);
    assert.equal(stats.plannedShares.common, 0.6);
    // The run on that data measures what the stats planned: every dirty form normalised back.
    const { summary } = JSON.parse(first.stdout) as { summary: { totals: { overallMatchRate: number }; systems: { matchRate: number | null }[] } };
    assert.equal(summary.totals.overallMatchRate.toFixed(4), stats.plannedMatchRates.overall.toFixed(4));
    for (const system of summary.systems.filter((each) => each.matchRate !== null)) assert.equal(system.matchRate!.toFixed(4), stats.plannedMatchRates.perSystem.toFixed(4));

    const manifest = JSON.parse(readFileSync(workspace.file('input/.keysync-mock.json'), 'utf8')) as { files: Record<string, unknown> };
    assert.ok('generation_stats.json' in manifest.files, 'the manifest proves the stats file is the generator\'s own');
    const again = await generate();
    assert.equal(again.code, 0, again.stderr);
  });

  it('refuses to overwrite a generation_stats.json it did not write (the earlier tool\'s), unless --force', async () => {
    workspace = tempWorkspace();
    mkdirSync(workspace.file('input'));
    writeFileSync(workspace.file('input/generation_stats.json'), '{"written_by": "KeySync Mini"}\n');
    const refused = await runCli(['--generate-data', '--keys', '100', '-c', workspace.config, '-q']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /would overwrite a file that KeySync did not generate: .*generation_stats\.json/);
    assert.equal(readFileSync(workspace.file('input/generation_stats.json'), 'utf8'), '{"written_by": "KeySync Mini"}\n');
    const forced = await runCli(['--generate-data', '--keys', '100', '--force', '-c', workspace.config, '-q']);
    assert.equal(forced.code, 0, forced.stderr);
  });
});
