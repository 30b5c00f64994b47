/** Mock data as PostgreSQL tables: the same rows as the CSVs, read back through the postgres source type, and only its own schema replaced. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parse } from 'yaml';
import { postgresSourceSchema } from '../../src/config/database-sources.js';
import { generateMockData } from '../../src/mock/generate.js';
import { writeMockTablesToPostgres } from '../../src/mock/into-postgres.js';
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
    await postgresAdmin(server, 'postgres', ['create database mock_target', 'grant create on database mock_target to keysync_reader']);
    workspace = tempWorkspace();
    writeFileSync(workspace.config, 'logging: { file: null }\n');
  });
  after(() => workspace?.remove());

  it('writes each system as a table with the CSV rows, and a config whose sources read them', async () => {
    const generated = await generateMockData({ dir: workspace.dir, keys: 2_000, seed: 7, failures: ['corrupt-rows'] });
    const url = server.url(server.reader, 'mock_target');
    const result = await writeMockTablesToPostgres(url, generated.files);
    assert.deepEqual(result.tables.map((table) => [table.system, table.table, table.rows]), generated.files.map((file) => [file.system, `keysync_mock.${file.system}`, file.rows]));
    for (const form of [server.reader.password, encodeURIComponent(server.reader.password)]) assert.ok(!result.sourcesYaml.includes(form));

    const sources = (parse(result.sourcesYaml) as { sources: Record<string, unknown> }).sources;
    for (const file of generated.files) {
      const config = postgresSourceSchema.parse(sources[file.system]);
      const rows = await scanAll(postgresSourceType.open(file.system, config, { configDir: os.tmpdir(), env: { PGPASSWORD: server.reader.password } }));
      const csvLines = readFileSync(file.file, 'utf8').trimEnd().split('\n').slice(1);
      assert.deepEqual(rows.map((row) => row.raw).sort(), csvLines.map((line) => line.split(',')[0]).sort(), file.system);
      // The locator names the CSV line the row came from.
      const { raw, locator } = rows[0]!;
      assert.equal(csvLines[Number(String(locator).replace('line=', '')) - 2]!.split(',')[0], raw);
    }
  });

  it('replaces its own schema on a second run, and refuses one it did not make', async () => {
    const generated = await generateMockData({ dir: workspace.dir, keys: 500, seed: 8 });
    const again = await writeMockTablesToPostgres(server.url(server.admin, 'mock_target'), generated.files);
    assert.equal(again.tables[0]!.rows, generated.files[0]!.rows);
    await postgresAdmin(server, 'mock_target', ["comment on schema keysync_mock is 'someone else''s'"]);
    await assert.rejects(writeMockTablesToPostgres(server.url(server.admin, 'mock_target'), generated.files), { code: 'MOCK_DATA_WOULD_OVERWRITE' });
    const [{ count }] = (await postgresAdmin(server, 'mock_target', ['select count(*)::int as count from keysync_mock."A"'])) as [{ count: number }];
    assert.equal(count, generated.files[0]!.rows);
  });
});
