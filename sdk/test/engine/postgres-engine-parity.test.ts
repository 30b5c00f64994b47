/**
 * The postgres engine gives the node engine's results (docs/behaviour.md §11): the sources are
 * tables and queries in one PostgreSQL database, and the real CLI runs one workspace per engine
 * on them — the node engine reading them through the postgres source type, the postgres engine
 * comparing inside the database. Every report must be byte-identical once run ids, times and
 * the workspace path are masked, the registry the same, the exit code and the outcome the same:
 * on the mock-data scenarios of the duckdb parity test, and on a database of edge cases (every
 * kind of row locator, NULL, blank, over-long and Unicode keys, duplicates, a left-out table).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateMockData } from '../../src/mock/generate.js';
import { postgresMockSourcesYaml, writeSystemsToPostgres } from '../../src/mock/postgres-output.js';
import { assertSameRuns, BYTE_ORDER_KEYS, BYTE_ORDER_SETTINGS, MOCK_SCENARIOS, OTHER_SETTINGS, runEngine, useEngine, type EngineRun } from '../helpers/engine-parity.js';
import { postgresAdmin, testServer, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

let databases = 0;
const workspaces: TempWorkspace[] = [];

/** A fresh database the reader may read, with `statements` run in it as the superuser. */
export async function engineDatabase(server: TestServer, statements: readonly string[]): Promise<string> {
  const database = `pg_engine_${process.pid}_${++databases}`;
  await postgresAdmin(server, 'postgres', [`CREATE DATABASE ${database} ENCODING 'UTF8' TEMPLATE template0`, `GRANT CONNECT ON DATABASE ${database} TO ${server.reader.user}`]);
  await postgresAdmin(server, database, statements);
  return database;
}

/**
 * The edge cases: each kind of locator (integer key, two-column key, ctid, numbered rows of a query and of a view);
 * ACC-10002 in B, a typo of ACC-10001, which B lacks and C holds (a bonus), and ACC-20002, one of ACC-20001, which B holds too (a penalty).
 */
export const EDGE_TABLES = [
  `CREATE TABLE a_keys (id integer PRIMARY KEY, key text)`,
  `INSERT INTO a_keys VALUES (1, 'CUST-1'), (2, ' cust-1 '), (3, 'cust_2'), (4, NULL), (5, '   '), (6, '!#'), (7, repeat('x', 1025)),
     (8, 'MÜLLER-1'), (9, 'MU' || chr(776) || 'LLER-1'), (10, 'straße'), (11, 'ＡＢＣ１２３'), (12, 'ORD#999999'), (13, 'CUST-3'), (14, 'CUST-3'),
     (15, 'k-4'), (16, 'ĳ-5'), (17, 'txn 2024 001'), (18, 'CUST-6'), (19, 'CUST-7'), (20, '12'), (21, 'CUST-8'),
     (22, 'ACC-10001'), (23, 'ACC-20001')`,
  `CREATE TABLE b_keys (region text, id integer, key text, PRIMARY KEY (region, id))`,
  `INSERT INTO b_keys VALUES ('EU', 2, 'cust-1'), ('EU', 1, 'CUST 1'), ('US', 1, 'CUST-2'), ('US', 2, 'NEW=1,x'), ('US', 3, 'new=1,X'), ('EU', 3, NULL),
     ('EU', 4, 'STRASSE'), ('EU', 5, 'ÉCLAIR-9'), ('EU', 6, 'eclair 9'), ('EU', 7, 'CUST-3'), ('EU', 8, '00012'),
     ('EU', 9, 'ACC-10002'), ('EU', 10, 'ACC-20001'), ('EU', 11, 'ACC-20002')`,
  `CREATE TABLE c_keys (key text, note text)`,
  `INSERT INTO c_keys VALUES ('CUST-1', 'a'), ('CUST-6', 'b'), ('C-ONLY-1', 'c'), ('c-only-1', 'd'), ('', 'e'), ('CUST-6', 'f'), ('abc123', 'g'),
     ('ACC-10001', 'h'), ('ACC-20001', 'i')`,
  `CREATE TABLE d_codes (code bigint, other text)`,
  `INSERT INTO d_codes VALUES (12, 'x'), (9007199254740993, 'y'), (NULL, 'z'), (12, 'w')`,
  `CREATE TABLE e_base (id integer PRIMARY KEY, key text)`,
  `INSERT INTO e_base VALUES (1, 'CUST-7'), (2, 'cust-8'), (3, 'E-ONLY'), (4, 'K-4')`,
  `CREATE VIEW e_keys AS SELECT key FROM e_base ORDER BY id`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA public TO keysync_reader`,
];

/** The sources of the edge database: A–E over each kind of relation, and F, a table that does not exist. */
function edgeSources(url: string, missing: boolean): string {
  const at = JSON.stringify(url);
  return [
    'sources:',
    `  A: { type: postgres, url: ${at}, table: a_keys }`,
    `  B: { type: postgres, url: ${at}, table: public.b_keys }`,
    `  C: { type: postgres, url: ${at}, table: c_keys }`,
    `  D: { type: postgres, url: ${at}, query: "SELECT code AS key FROM d_codes ORDER BY other", key_column: key }`,
    `  E: { type: postgres, url: ${at}, table: e_keys }`,
    ...(missing ? [`  F: { type: postgres, url: ${at}, table: no_such_table }`] : []),
    '',
  ].join('\n');
}

describe('the postgres engine matches the node engine (docs/behaviour.md §11)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    server = await testServer('postgres', this);
    env = { PGPASSWORD: server.reader.password };
  });
  afterEach(() => {
    for (const workspace of workspaces.splice(0)) workspace.remove();
  });

  /** The reader's URL for `database`, without its password (it comes from PGPASSWORD). */
  const readerUrl = (database: string) => server.url(server.reader, database).replace(/:[^:@/]*@/, '@');

  function workspaceWith(sources: string, engine: 'node' | 'postgres', extraConfig: string): TempWorkspace {
    const workspace = tempWorkspace();
    workspaces.push(workspace);
    writeFileSync(workspace.config, `logging: { file: null }\n${sources}`);
    useEngine(workspace, engine, extraConfig);
    return workspace;
  }

  async function assertSameResults(sources: string, extraConfig = ''): Promise<EngineRun> {
    const node = await runEngine(workspaceWith(sources, 'node', extraConfig), [], env);
    const postgres = await runEngine(workspaceWith(sources, 'postgres', extraConfig), [], env);
    assertSameRuns('postgres', node, postgres);
    return node;
  }

  /** Mock data of `scenario` as tables (keysync --generate-data --into), read by the reader. */
  async function mockDatabase(args: { keys: number; seed: number; scenario: string }): Promise<string> {
    const scratch = tempWorkspace();
    workspaces.push(scratch);
    writeFileSync(scratch.config, 'logging: { file: null }\n');
    const generated = await generateMockData({ dir: scratch.dir, keys: args.keys, seed: args.seed, scenario: args.scenario as 'normal' });
    const database = await engineDatabase(server, []);
    const tables = generated.files.map(({ system, file }) => ({ table: system, lines: readFileSync(file, 'utf8').trimEnd().split('\n').slice(1) }));
    await writeSystemsToPostgres(server.url(server.admin, database), tables);
    await postgresAdmin(server, database, [`GRANT USAGE ON SCHEMA keysync_mock TO ${server.reader.user}`, `GRANT SELECT ON ALL TABLES IN SCHEMA keysync_mock TO ${server.reader.user}`]);
    return postgresMockSourcesYaml(readerUrl(database), tables.map((table) => table.table));
  }

  for (const scenario of MOCK_SCENARIOS) {
    it(`gives the same reports and registry on mock data, scenario ${scenario} (3,000 keys)`, async () => {
      const node = await assertSameResults(await mockDatabase({ keys: 3000, seed: 11, scenario }));
      assert.ok(node.registry.length > 0, 'the mock data has out-of-authority keys');
    });
  }

  it('gives the same probable matches, padding and auto-approval under other settings', async () => {
    await assertSameResults(await mockDatabase({ keys: 2000, seed: 5, scenario: 'drift' }), OTHER_SETTINGS);
  });

  it('gives the same results on the edge cases: every kind of locator, NULL, blank, over-long and Unicode keys, duplicates', async () => {
    const database = await engineDatabase(server, EDGE_TABLES);
    const node = await assertSameResults(edgeSources(readerUrl(database), false));
    assert.equal(node.result.code, 0, node.result.stderr);
    const reports = Object.values(node.reports).join('\n');
    for (const locator of ['region=EU', 'ctid=(0,', 'MÜLLER-1', 'NEW=1,x']) assert.ok(reports.includes(locator), `the reports show ${locator}`);
    assert.match(node.reports.probable_matches!, /^B,ACC-10002,ACC-10002,ACC-10001,0\.90,/m);
    assert.doesNotMatch(node.reports.probable_matches!, /ACC-20002/);
  });

  it('orders every list as the node engine does where byte order and UTF-16 order disagree', async () => {
    const literal = (key: string) => `'${key.replaceAll("'", "''")}'`;
    const tables = Object.entries(BYTE_ORDER_KEYS).flatMap(([system, keys]) => [
      `CREATE TABLE u_${system.toLowerCase()} (id integer PRIMARY KEY, key text)`,
      `INSERT INTO u_${system.toLowerCase()} VALUES ${keys.map((key, i) => `(${i + 1}, ${literal(key)})`).join(', ')}`,
    ]);
    const database = await engineDatabase(server, [...tables, 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO keysync_reader']);
    const at = JSON.stringify(readerUrl(database));
    const sources = ['sources:', ...Object.keys(BYTE_ORDER_KEYS).map((system) => `  ${system}: { type: postgres, url: ${at}, table: u_${system.toLowerCase()} }`), ''].join('\n');
    const node = await assertSameResults(sources, BYTE_ORDER_SETTINGS);
    assert.equal(node.result.code, 0, node.result.stderr);
    assert.match(node.reports.probable_matches!, /^B,X\u{1F600}3,X\u{1F600}3,X\u{1F600}1,/mu);
  });

  it('applies on_corrupt_data skip and fail, and leaves out a missing table under on_missing_file skip, as the node engine does', async () => {
    const database = await engineDatabase(server, EDGE_TABLES);
    const skipped = await assertSameResults(edgeSources(readerUrl(database), true), 'error_handling: { on_corrupt_data: skip }\n');
    assert.equal(skipped.result.code, 0, skipped.result.stderr);
    const failed = await assertSameResults(edgeSources(readerUrl(database), false), 'error_handling: { on_corrupt_data: fail }\n');
    assert.equal(failed.result.code, 1);
    const missing = await assertSameResults(edgeSources(readerUrl(database), true), 'error_handling: { on_missing_file: fail }\n');
    assert.equal(missing.result.code, 1);
  });

  it('reruns the same: the second run resolves and proposes as the node engine does', async () => {
    const database = await engineDatabase(server, EDGE_TABLES);
    const sources = edgeSources(readerUrl(database), false);
    const pair = [workspaceWith(sources, 'node', ''), workspaceWith(sources, 'postgres', '')];
    for (const workspace of pair) assert.equal((await runEngine(workspace, [], env)).result.code, 0);
    // The authority now holds a key proposed from C in the first run: the rerun resolves it.
    await postgresAdmin(server, database, ["INSERT INTO a_keys VALUES (100, 'c-only-1')", "INSERT INTO b_keys VALUES ('EU', 100, 'NEW-KEY-1')"]);
    const [node, postgres] = [await runEngine(pair[0]!, [], env), await runEngine(pair[1]!, [], env)];
    assertSameRuns('postgres', node!, postgres!);
    assert.ok(node!.registry.some((entry) => (entry as { status: string }).status === 'resolved'));
    assert.ok(node!.registry.some((entry) => (entry as { master_key: string }).master_key === 'NEW-KEY-1'));
  });
});
