/**
 * The duckdb engine's edges (docs/behaviour.md §11): the optional package loaded only when the
 * engine is chosen, a clear failure without it, a query interrupted by the run's abort, the
 * spill folder gone afterwards, and the settings that only make sense with the engine.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { isKeySyncError } from '../../src/errors.js';
import { openDuckDb } from '../../src/sources/duckdb/duckdb-session.js';
import { halfMemoryLimitSql } from '../../src/sources/duckdb/engine-sql.js';
import { generateMockData, openWorkspace, type ProgressEvent } from '../../src/index.js';
import { CLI, runCli, runProcess } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** A module hook that makes `@duckdb/*` impossible to resolve, as on a machine without the optional package. */
const WITHOUT_DUCKDB = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
   register('data:text/javascript,' + encodeURIComponent("export async function resolve(specifier, context, next) { if (specifier.startsWith('@duckdb/')) { const error = new Error('Cannot find package ' + specifier); error.code = 'ERR_MODULE_NOT_FOUND'; throw error; } return next(specifier, context); }"));`,
)}`;

describe('the duckdb engine (docs/behaviour.md §11)', function () {
  it('halves the configured memory_limit in a setting DuckDB accepts', async () => {
    assert.equal(halfMemoryLimitSql('2GB'), "SET memory_limit = '976562KiB'");
    assert.equal(halfMemoryLimitSql('1.5GiB'), "SET memory_limit = '786432KiB'");
    assert.equal(halfMemoryLimitSql('512 mb'), "SET memory_limit = '250000KiB'");
    const session = await openDuckDb({ memoryLimit: '2GB', tempDirectory: mkdtempSync(path.join(os.tmpdir(), 'keysync-duckdb-limit-')) });
    try {
      await session.run(halfMemoryLimitSql('2GB'));
      const [[limit]] = await session.all("SELECT current_setting('memory_limit')");
      assert.match(String(limit), /^(953\.6 MiB|1000\.0 MB)$/);
    } finally {
      session.close();
    }
  });

  this.timeout(120_000);
  let workspace: TempWorkspace | undefined;
  afterEach(() => workspace?.remove());

  it('is never loaded by the node engine, which runs where @duckdb/node-api cannot be found', async () => {
    workspace = tempWorkspace('clean');
    const result = await runProcess(process.execPath, ['--import', WITHOUT_DUCKDB, CLI, '-c', workspace.config, '-q']);
    assert.equal(result.code, 0, result.stderr);
  });

  it('fails with ENGINE_UNAVAILABLE and the fix when @duckdb/node-api is not installed (exit 2)', async () => {
    workspace = tempWorkspace('clean');
    appendFileSync(workspace.config, 'processing: { engine: duckdb }\n');
    const result = await runProcess(process.execPath, ['--import', WITHOUT_DUCKDB, CLI, '-c', workspace.config]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /processing\.engine is duckdb, but the DuckDB package \(@duckdb\/node-api\) is not installed.*npm install @duckdb\/node-api.*processing\.engine: node/s);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('interrupts a running query when the run is aborted', async () => {
    const controller = new AbortController();
    const session = await openDuckDb({ memoryLimit: '256MB', tempDirectory: path.join(mkdtempSync(path.join(os.tmpdir(), 'keysync-duckdb-')), 'spill'), signal: controller.signal });
    try {
      // A query that would run for hours: only DuckDB's interrupt ends it.
      const running = session.all('SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3');
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(running, (error: unknown) => isKeySyncError(error) && error.code === 'RUN_CANCELLED');
    } finally {
      session.close();
    }
  });

  it('cancels a whole run through its AbortSignal, records it cancelled and leaves no spill folder', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, 'logging: { file: null }\nprocessing: { engine: duckdb }\n');
    await generateMockData({ dir: workspace.dir, keys: 2000 });
    const ws = await openWorkspace(workspace.config);
    try {
      const controller = new AbortController();
      await assert.rejects(
        ws.reconcile({ signal: controller.signal, onProgress: (event) => event.stage === 'compare' && controller.abort() }),
        (error: unknown) => isKeySyncError(error) && error.code === 'RUN_CANCELLED',
      );
      const [run] = await ws.runs.list();
      assert.equal(run?.status, 'cancelled');
      const temp = workspace.file('data', 'duckdb-temp');
      assert.equal(existsSync(temp), false);
      const done = await ws.reconcile();
      assert.equal(done.summary.engine, 'duckdb');
      assert.equal(existsSync(temp), false);
      const dry = await ws.reconcile({ dryRun: true });
      assert.equal(dry.summary.engine, 'duckdb');
      assert.equal(existsSync(temp), false);
    } finally {
      await ws.close();
    }
  });

  it('reports its steps as progress: each source read into the engine, each system normalised, then comparing', async () => {
    workspace = tempWorkspace('clean');
    appendFileSync(workspace.config, 'processing: { engine: duckdb }\n');
    const ws = await openWorkspace(workspace.config);
    const events: ProgressEvent[] = [];
    try {
      await ws.reconcile({ dryRun: true, onProgress: (event) => events.push(event) });
    } finally {
      await ws.close();
    }
    const compare = events.filter((event) => event.stage === 'compare');
    assert.deepEqual(
      compare.map((event) => [event.message, event.done, event.total]),
      [
        ['normalising and indexing A (duckdb engine)', 0, 4],
        ['normalising and indexing B (duckdb engine)', 1, 4],
        ['normalising and indexing C (duckdb engine)', 2, 4],
        ['comparing 2 systems with A (duckdb engine)', 3, 4],
      ],
    );
    for (const system of ['A', 'B', 'C']) assert.ok(events.some((event) => event.stage === 'read' && event.message.startsWith(`reading ${system} into the duckdb engine: `)), system);
  });

  it('reads under the whole memory_limit, then normalises, indexes and compares under half of it', async () => {
    workspace = tempWorkspace('clean');
    const config = readFileSync(workspace.config, 'utf8').replace('logging: { file: null }', 'logging: { file: null, level: debug }');
    writeFileSync(workspace.config, `${config}processing: { engine: duckdb, memory_limit: 1GB }\n`);
    const statements: string[] = [];
    const ws = await openWorkspace(workspace.config, { onLog: (_level, message) => message.startsWith('duckdb: running ') && statements.push(message.slice('duckdb: running '.length)) });
    try {
      await ws.reconcile({ dryRun: true });
    } finally {
      await ws.close();
    }
    const limits = statements.flatMap((statement, at) => (statement.startsWith('SET memory_limit') ? [at] : []));
    assert.deepEqual(limits.map((at) => statements[at]), [halfMemoryLimitSql('1GB')], 'the limit is changed once, to half');
    const lastAppend = statements.findLastIndex((statement) => statement.startsWith('appender for '));
    const firstNormalising = statements.findIndex((statement) => statement.startsWith('CREATE TABLE rows_0_unicode_keys'));
    assert.ok(lastAppend >= 0 && firstNormalising > lastAppend, 'reading comes before normalising');
    assert.ok(limits[0]! > lastAppend && limits[0]! < firstNormalising, 'halved after the last source is read, before the first system is normalised');
  });

  it('plan --sql prints SQL that runs as printed, in order, with no password', async () => {
    workspace = tempWorkspace('dirty');
    appendFileSync(workspace.config, 'processing: { engine: duckdb }\n');
    writeFileSync(
      workspace.config,
      readFileSync(workspace.config, 'utf8').replace('  C: { path: ./input/C.csv }', '  C: { path: ./input/C.csv }\n  D: { type: postgres, url: "postgres://reader:s3cret-pw@127.0.0.1:1/crm", table: customers }'),
    );
    const result = await runCli(['plan', '--sql', '-c', workspace.config]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /s3cret/);
    assert.match(result.stdout, /-- rows_3: system D, postgres:\/\/reader@127\.0\.0\.1:1\/crm/);
    const statements = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .split(/;\n/)
      .map((statement) => statement.trim())
      .filter(Boolean);
    assert.ok(statements.length > 40);
    // On empty row tables every statement runs: the plan is complete and in an order that works.
    const session = await openDuckDb({ memoryLimit: '256MB', tempDirectory: path.join(mkdtempSync(path.join(os.tmpdir(), 'keysync-duckdb-')), 'spill') });
    try {
      for (const statement of statements) await session.run(statement);
    } finally {
      session.close();
    }
  });

  it('plan without --sql, or with the node engine, is a usage error (exit 2)', async () => {
    workspace = tempWorkspace('clean');
    const node = await runCli(['plan', '--sql', '-c', workspace.config]);
    assert.equal(node.code, 2);
    assert.match(node.stderr, /The node engine runs no SQL.*processing\.engine: duckdb/s);
    appendFileSync(workspace.config, 'processing: { engine: duckdb }\n');
    const bare = await runCli(['plan', '-c', workspace.config]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /--sql/);
  });

  it('accepts memory_limit with engine duckdb only, and refuses incremental mode with it', () => {
    const load = (yaml: string) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-config-'));
      writeFileSync(path.join(dir, 'keysync-config.yaml'), yaml);
      return () => loadConfig(path.join(dir, 'keysync-config.yaml'));
    };
    assert.equal(load('processing: { engine: DuckDB, memory_limit: 4GB }\n')().values.processing.engine, 'duckdb');
    assert.throws(load('processing: { memory_limit: 4GB }\n'), /processing\.memory_limit.*applies to engine duckdb only/s);
    assert.throws(load('processing: { engine: duckdb, memory_limit: lots }\n'), /must be a size such as "4GB"/);
    assert.throws(load('processing: { engine: duckdb, mode: incremental }\n'), /processing\.mode.*with engine duckdb every run is full/s);
    assert.throws(load('processing: { engine: spark }\n'), /processing\.engine/);
  });
});
