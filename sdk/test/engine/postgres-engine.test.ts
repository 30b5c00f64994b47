/**
 * The postgres engine's edges (docs/behaviour.md §11): it refuses sources outside one
 * PostgreSQL database, works in a READ ONLY REPEATABLE READ transaction in which the server
 * refuses to create anything (even a TEMP table), stops a statement at
 * processing.statement_timeout_seconds, cancels the server-side statement when the run is
 * aborted (measured: how soon the backend is idle), and fails a run whose server dies in the
 * middle with exit 1, persisting nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { postgresSourceSchema } from '../../src/config/database-sources.js';
import { isKeySyncError } from '../../src/errors.js';
import { openWorkspace, type ProgressEvent } from '../../src/index.js';
import { openPgEngine } from '../../src/sources/postgres-engine/pg-engine-session.js';
import { postgresEndpoint } from '../../src/sources/postgres/postgres-session.js';
import { runCli, startCli } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { dedicatedPostgres, postgresAdmin, testServer, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const KEYS = [`CREATE TABLE IF NOT EXISTS engine_keys (id integer PRIMARY KEY, key text)`, `INSERT INTO engine_keys VALUES (1, 'K-1'), (2, 'k 2') ON CONFLICT DO NOTHING`];

/** Two systems over one table, the authority reading it through `query` (a pg_sleep makes a statement as slow as wanted). */
function config(url: string, authorityQuery: string, extra = ''): string {
  return [
    'logging: { file: null }',
    'sources:',
    `  A: { type: postgres, url: ${JSON.stringify(url)}, query: ${JSON.stringify(authorityQuery)} }`,
    `  B: { type: postgres, url: ${JSON.stringify(url)}, table: engine_keys }`,
    `processing: { engine: postgres${extra} }`,
    '',
  ].join('\n');
}

/** The keysync backends' states on `server` (application_name keysync), as pg_stat_activity shows them. */
async function keysyncBackends(server: TestServer, database: string): Promise<{ pid: number; state: string; query: string }[]> {
  return (await postgresAdmin(server, database, [
    "SELECT pid, state, query FROM pg_stat_activity WHERE application_name = 'keysync' AND pid <> pg_backend_pid()",
  ])) as { pid: number; state: string; query: string }[];
}

async function poll(until: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await until()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('the postgres engine (docs/behaviour.md §11)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let workspace: TempWorkspace | undefined;
  let url = '';
  const env = () => ({ PGPASSWORD: server.reader.password });

  before(async function () {
    server = await testServer('postgres', this);
    await postgresAdmin(server, server.database, KEYS);
    url = server.url(server.reader).replace(/:[^:@/]*@/, '@');
  });
  afterEach(() => workspace?.remove());

  it('refuses a source that is not a postgres table or query, and one in another database, naming it and the remedy (exit 2)', async () => {
    workspace = tempWorkspace('clean');
    writeFileSync(workspace.config, `${config(url, 'SELECT key FROM engine_keys')}`.replace('sources:', 'sources:\n  C: { type: csv, path: ./input/C.csv }'));
    const csv = await runCli(['-c', workspace.config], { env: env() });
    assert.equal(csv.code, 2, csv.stderr);
    assert.match(csv.stderr, /processing\.engine is postgres, but source C is of type csv .*one PostgreSQL database.*set processing\.engine: node \(or duckdb\)/s);
    const other = url.replace(`/${server.database}`, '/postgres');
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys').replace(`B: { type: postgres, url: ${JSON.stringify(url)}`, `B: { type: postgres, url: ${JSON.stringify(other)}`));
    const elsewhere = await runCli(['-c', workspace.config], { env: env() });
    assert.equal(elsewhere.code, 2, elsewhere.stderr);
    assert.match(elsewhere.stderr, /source B \(postgres:\/\/keysync_reader@127\.0\.0\.1:\d+\/postgres table engine_keys\) is not in the authority's database/);
    assert.doesNotMatch(elsewhere.stderr, /\n\s+at /, 'no stack trace');
    for (const text of [csv.stderr, elsewhere.stderr]) assert.ok(!server.passwords.some((password) => text.includes(password)));
  });

  it('refuses a database that is not UTF8, where it could not tell ASCII keys (exit 2)', async () => {
    await postgresAdmin(server, 'postgres', ['DROP DATABASE IF EXISTS pg_engine_latin1', "CREATE DATABASE pg_engine_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0", `GRANT CONNECT ON DATABASE pg_engine_latin1 TO ${server.reader.user}`]);
    await postgresAdmin(server, 'pg_engine_latin1', [...KEYS, `GRANT SELECT ON engine_keys TO ${server.reader.user}`]);
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url.replace(`/${server.database}`, '/pg_engine_latin1'), 'SELECT key FROM engine_keys'));
    const result = await runCli(['-c', workspace.config], { env: env() });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /The postgres engine needs a UTF8 database; pg_engine_latin1 is LATIN1.*set processing\.engine: node/s);
  });

  it('works in one READ ONLY REPEATABLE READ transaction with the statement timeout, where the server refuses to create even a TEMP table', async () => {
    const source = postgresSourceSchema.parse({ type: 'postgres', url, table: 'engine_keys' });
    const session = await openPgEngine(postgresEndpoint('A', source, { configDir: os.tmpdir(), env: env() }), { connectTimeoutS: 10, statementTimeoutS: 42 });
    try {
      const [[readOnly, isolation, timeout]] = await session.all("SELECT current_setting('transaction_read_only'), current_setting('transaction_isolation'), current_setting('statement_timeout')");
      assert.deepEqual([readOnly, isolation, timeout], ['on', 'repeatable read', '42s']);
      await assert.rejects(session.savepoint(() => session.all('CREATE TEMP TABLE keysync_probe (a int)')), (error: Error) => /read-only transaction/.test(error.message));
    } finally {
      await session.close();
    }
  });

  it('fails a statement that runs past processing.statement_timeout_seconds, naming the setting (exit 1), and records nothing', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys CROSS JOIN pg_sleep(5)', ', statement_timeout_seconds: 1'));
    const result = await runCli(['-c', workspace.config], { env: env() });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /The postgres engine's statement ran longer than processing\.statement_timeout_seconds \(1 s\) and was stopped \(SQLSTATE 57014\).*raise processing\.statement_timeout_seconds/s);
    assert.deepEqual(queryWorkspace(workspace, 'SELECT count(*) AS n FROM master_keys'), [{ n: 0 }]);
  });

  it('cancels the running server-side statement when the run is aborted: the run ends cancelled, nothing persisted, the backend idle soon after', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys CROSS JOIN pg_sleep(60)'));
    // The sources take the password from the environment when the workspace opens.
    process.env.PGPASSWORD = server.reader.password;
    const ws = await openWorkspace(workspace.config);
    try {
      const controller = new AbortController();
      const running = ws.reconcile({ signal: controller.signal });
      assert.ok(await poll(async () => (await keysyncBackends(server, server.database)).some((backend) => backend.state === 'active' && /pg_sleep/.test(backend.query)), 30_000), 'the statement runs');
      const aborted = performance.now();
      controller.abort();
      await assert.rejects(running, (error: unknown) => isKeySyncError(error) && error.code === 'RUN_CANCELLED');
      const idle = await poll(async () => !(await keysyncBackends(server, server.database)).some((backend) => backend.state === 'active'), 30_000);
      const latency = Math.round(performance.now() - aborted);
      console.log(`      (the backend stopped its statement ${latency} ms after the abort)`);
      assert.ok(idle, 'the server-side statement was cancelled');
      const [run] = await ws.runs.list();
      assert.equal(run?.status, 'cancelled');
      assert.equal((await ws.registry.list()).length, 0);
    } finally {
      delete process.env.PGPASSWORD;
      await ws.close();
    }
  });

  it('Ctrl-C on the CLI cancels the server-side statement: exit 130, the run recorded cancelled', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys CROSS JOIN pg_sleep(60)'));
    const cli = startCli(['-c', workspace.config], { env: env() });
    assert.ok(await poll(async () => (await keysyncBackends(server, server.database)).some((backend) => backend.state === 'active' && /pg_sleep/.test(backend.query)), 30_000), 'the statement runs');
    process.kill(cli.pid, 'SIGINT');
    const result = await cli.result;
    assert.equal(result.code, 130, result.stderr);
    assert.ok(await poll(async () => !(await keysyncBackends(server, server.database)).some((backend) => /pg_sleep/.test(backend.query) && backend.state === 'active'), 30_000));
    assert.deepEqual(queryWorkspace(workspace, 'SELECT status FROM runs'), [{ status: 'cancelled' }]);
    assert.deepEqual(queryWorkspace(workspace, 'SELECT count(*) AS n FROM master_keys'), [{ n: 0 }]);
  });

  it('fails the run with exit 1 and a clear message when the server dies in the middle; nothing is persisted', async function () {
    const dedicated = await dedicatedPostgres(this);
    const own = dedicated.server;
    await postgresAdmin(own, own.database, KEYS);
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(own.url(own.reader).replace(/:[^:@/]*@/, '@'), 'SELECT key FROM engine_keys CROSS JOIN pg_sleep(60)'));
    const cli = startCli(['-c', workspace.config], { env: { PGPASSWORD: own.reader.password } });
    assert.ok(await poll(async () => (await keysyncBackends(own, own.database)).some((backend) => backend.state === 'active' && /pg_sleep/.test(backend.query)), 30_000), 'the statement runs');
    dedicated.stop();
    const result = await cli.result;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /postgres engine|System A/);
    assert.match(result.stderr, /The postgres engine: the (server|connection) ended/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!result.stderr.includes(own.reader.password) && !result.stderr.includes(encodeURIComponent(own.reader.password)));
    assert.deepEqual(queryWorkspace(workspace, 'SELECT count(*) AS n FROM master_keys'), [{ n: 0 }]);
    assert.deepEqual(queryWorkspace(workspace, 'SELECT status FROM runs'), [{ status: 'failed' }]);
    const written = existsSync(workspace.file('output')) ? readdirSync(workspace.file('output')) : [];
    assert.deepEqual(written.filter((file) => file.endsWith('.csv')), [], 'no report written');
  });

  it('accepts statement_timeout_seconds with engine postgres or auto only, and refuses incremental mode with postgres', () => {
    const load = (yaml: string) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-config-'));
      writeFileSync(path.join(dir, 'keysync-config.yaml'), yaml);
      return () => loadConfig(path.join(dir, 'keysync-config.yaml'));
    };
    const values = load('processing: { engine: Postgres, statement_timeout_seconds: 0 }\n')().values.processing;
    assert.deepEqual([values.engine, values.statement_timeout_seconds], ['postgres', 0]);
    assert.throws(load('processing: { statement_timeout_seconds: 60 }\n'), /processing\.statement_timeout_seconds.*applies to engine postgres \(or auto\) only/s);
    assert.throws(load('processing: { engine: postgres, statement_timeout_seconds: -1 }\n'), /statement_timeout_seconds/);
    assert.throws(load('processing: { engine: postgres, mode: incremental }\n'), /processing\.mode.*with engine postgres every run is full/s);
    assert.equal(load('processing: { engine: auto, mode: incremental, statement_timeout_seconds: 5 }\n')().values.processing.engine, 'auto');
  });

  it('plan --sql prints SQL that runs as printed, in order, in its read-only transaction, with no password', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys ORDER BY id'));
    const result = await runCli(['plan', '--sql', '-c', workspace.config], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^-- KeySync: the postgres engine's SQL for .* \(PostgreSQL, one READ ONLY transaction\)\n/);
    assert.match(result.stdout, /BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSET LOCAL statement_timeout = 3600000;/);
    assert.ok(!server.passwords.some((password) => result.stdout.includes(password) || result.stdout.includes(encodeURIComponent(password))));
    const statements = result.stdout.split('\n').filter((line) => !line.startsWith('--')).join('\n').split(/;\n/).map((sql) => sql.trim()).filter(Boolean);
    assert.equal(statements[0], 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    assert.equal(statements.at(-1), 'ROLLBACK');
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: server.url(server.reader) });
    await client.connect();
    try {
      for (const sql of statements) {
        const highest = Math.max(0, ...[...sql.matchAll(/\$(\d)/g)].map((match) => Number(match[1])));
        const values = [[[' k-1 ']], [[], []], [[], [], ['K-1', 'NOPE']]][highest - 1] ?? [];
        const rows = (await client.query(sql, values)).rows;
        if (/unnest\(\$3/.test(sql)) assert.deepEqual(rows, [{ key: 'K-1' }]);
      }
    } finally {
      await client.end();
    }
  });

  it('reports its steps as progress, in the words every engine uses: each source looked up, then the comparison', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys'));
    process.env.PGPASSWORD = server.reader.password;
    const ws = await openWorkspace(workspace.config);
    const events: ProgressEvent[] = [];
    try {
      await ws.reconcile({ dryRun: true, onProgress: (event) => events.push(event) });
    } finally {
      delete process.env.PGPASSWORD;
      await ws.close();
    }
    assert.deepEqual(
      events.filter((event) => event.stage === 'compare').map((event) => [event.message, event.done, event.total]),
      [
        ['normalising and indexing A (postgres engine)', 0, 3],
        ['normalising and indexing B (postgres engine)', 1, 3],
        ['comparing 1 system with A (postgres engine)', 2, 3],
      ],
    );
  });

  it('engine auto picks postgres when every source is in one PostgreSQL database, else node, and the summary says which and why', async () => {
    workspace = tempWorkspace();
    writeFileSync(workspace.config, config(url, 'SELECT key FROM engine_keys').replace('engine: postgres', 'engine: auto'));
    process.env.PGPASSWORD = server.reader.password;
    const ws = await openWorkspace(workspace.config);
    try {
      const full = await ws.reconcile();
      assert.deepEqual([full.summary.engine, full.summary.engineReason], ['postgres', 'auto: every source is a postgres table or query in one database']);
      const incremental = await ws.reconcile({ mode: 'incremental' });
      assert.deepEqual([incremental.summary.engine, incremental.summary.engineReason], ['node', "auto: an incremental run uses the node engine's snapshots"]);
    } finally {
      delete process.env.PGPASSWORD;
      await ws.close();
    }
    const csv = tempWorkspace('clean');
    try {
      writeFileSync(csv.config, `${readFileSync(csv.config, 'utf8')}\nprocessing: { engine: auto }\n`);
      const result = await runCli(['-c', csv.config]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^KeySync run \S+ \(full, node engine, auto: not every source is in one PostgreSQL database \(source A is of type csv\)\)/);
      const plan = await runCli(['plan', '--sql', '-c', csv.config]);
      assert.equal(plan.code, 2);
      assert.match(plan.stderr, /With engine auto this workspace runs on the node engine \(source A is of type csv\)/);
    } finally {
      csv.remove();
    }
  });
});
