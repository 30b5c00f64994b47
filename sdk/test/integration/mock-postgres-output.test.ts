/**
 * Mock data as PostgreSQL tables: the generated lines as rows, read back through the postgres
 * source type, only its own schema replaced, and `keysync --generate-data --into <url>` whose
 * run on the tables matches the CSV run of the same seed, with no password in the config.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { postgresSourceSchema } from '../../src/config/database-sources.js';
import { generateMockData } from '../../src/mock/generate.js';
import { postgresMockSourcesYaml, writeSystemsToPostgres } from '../../src/mock/postgres-output.js';
import { postgresSourceType } from '../../src/sources/postgres/postgres-source.js';
import { postgresAdmin, testServer, type TestServer } from '../helpers/servers.js';
import { scanAll } from '../helpers/source-sink.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('mock data into PostgreSQL', function () {
  this.timeout(120_000);
  let server: TestServer;
  let workspace: TempWorkspace;

  before(async function () {
    server = await testServer('postgres', this);
    await postgresAdmin(server, 'postgres', ['create database mock_target', 'grant create on database mock_target to keysync_reader', 'create database mock_cli']);
    workspace = tempWorkspace();
    writeFileSync(workspace.config, 'logging: { file: null }\n');
  });
  after(() => workspace?.remove());

  /** The data lines generateMockData wrote for each system, as tables to write. */
  const tablesOf = (files: readonly { system: string; file: string }[]) =>
    files.map(({ system, file }) => ({ table: system, lines: readFileSync(file, 'utf8').trimEnd().split('\n').slice(1) }));

  it('writes each system as a table of its lines, and a config whose sources read them', async () => {
    const generated = await generateMockData({ dir: workspace.dir, keys: 2_000, seed: 7, failures: ['corrupt-rows'] });
    const url = server.url(server.reader, 'mock_target');
    const tables = tablesOf(generated.files);
    await writeSystemsToPostgres(url, tables);
    const yaml = postgresMockSourcesYaml(url, tables.map((table) => table.table));
    for (const form of [server.reader.password, encodeURIComponent(server.reader.password)]) assert.ok(!yaml.includes(form));

    const sources = (parse(yaml) as { sources: Record<string, unknown> }).sources;
    for (const { table: system, lines } of tables) {
      const config = postgresSourceSchema.parse(sources[system]);
      const rows = await scanAll(postgresSourceType.open(system, config, { configDir: os.tmpdir(), env: { PGPASSWORD: server.reader.password } }));
      assert.deepEqual(rows.map((row) => row.raw).sort(), lines.map((line) => line.split(',')[0]).sort(), system);
      // A row's id is its line in the CSV, less the header.
      for (const { raw, locator } of rows.slice(0, 50)) assert.equal(lines[Number(String(locator).replace('id=', '')) - 1]!.split(',')[0], raw);
    }
  });

  it('replaces its own schema on a second run, and refuses one it did not make', async () => {
    const generated = await generateMockData({ dir: workspace.dir, keys: 500, seed: 8 });
    const tables = tablesOf(generated.files);
    await writeSystemsToPostgres(server.url(server.admin, 'mock_target'), tables);
    const count = async () => ((await postgresAdmin(server, 'mock_target', ['select count(*)::int as count from keysync_mock."A"'])) as [{ count: number }])[0].count;
    assert.equal(await count(), tables[0]!.lines.length);
    await postgresAdmin(server, 'mock_target', ["comment on schema keysync_mock is 'someone else''s'"]);
    await assert.rejects(writeSystemsToPostgres(server.url(server.admin, 'mock_target'), tables), { code: 'MOCK_DATA_WOULD_OVERWRITE' });
    assert.equal(await count(), tables[0]!.lines.length);
  });

  it('keysync --generate-data --into <url>: a config reading the tables, without the password; the run matches the CSV run of the same seed', async () => {
    type Summary = { summary: { totals: object; systems: { system: string; keys: number; rows: number; badRows: number }[] } };
    const figures = (stdout: string) => {
      const { summary } = JSON.parse(stdout) as Summary;
      return { totals: summary.totals, systems: summary.systems.map(({ system, keys, rows, badRows }) => ({ system, keys, rows, badRows })) };
    };
    const inPostgres = tempWorkspace();
    const inCsv = tempWorkspace();
    try {
      // The password only in the URL given: the written config must not keep it, and the run finds it in PGPASSWORD.
      const args = ['--generate-data', '--keys', '300', '--seed', '7', '--json'];
      const generated = await runCli(['-c', inPostgres.config, ...args, '--into', server.url(server.admin, 'mock_cli')], { env: { PGPASSWORD: server.admin.password } });
      assert.equal(generated.code, 0, generated.stderr);
      const config = readFileSync(inPostgres.config, 'utf8');
      assert.match(config, /type: postgres/);
      assert.match(config, new RegExp(`url: "postgres://${server.admin.user}@127\\.0\\.0\\.1:${server.port}/mock_cli"`));
      for (const form of [server.admin.password, encodeURIComponent(server.admin.password)]) {
        assert.ok(![config, generated.stdout, generated.stderr].some((text) => text.includes(form)), 'no password written');
      }
      const fromCsv = await runCli(['-c', inCsv.config, ...args]);
      assert.equal(fromCsv.code, 0, fromCsv.stderr);
      assert.deepEqual(figures(generated.stdout), figures(fromCsv.stdout));

      // A run of the written config on its own reads the same tables.
      const run = await runCli(['-c', inPostgres.config, '--json'], { env: { PGPASSWORD: server.admin.password } });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(figures(run.stdout).systems, figures(fromCsv.stdout).systems);
    } finally {
      inPostgres.remove();
      inCsv.remove();
    }
  });
});
