/**
 * Normalisation parity on a real PostgreSQL (docs/decisions.md §21): over 100,000 generated raw
 * keys go through the postgres engine's own path (its SQL for ASCII keys, normalizeKey's keys
 * handed back as array parameters for the rest) and through normalizeKey with the row policy's
 * checks, under every rule set of the DuckDB parity test, and every key must come out the
 * same. The keys sit in a column with a Turkish collation, whose upper('i') is 'İ': the engine
 * compares under "C" and upper-cases ASCII only, so it still matches; the probe refuses an
 * expression that would not.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import { postgresSourceSchema } from '../../src/config/database-sources.js';
import { rowsCte, UNICODE_CTE, unicodeRawsSql, type EngineSource } from '../../src/sources/postgres-engine/engine-sql.js';
import { openPgEngine, type PgEngineSession } from '../../src/sources/postgres-engine/pg-engine-session.js';
import { expectedKey } from '../../src/core/raw-key.js';
import { probeNormalization, unicodeKeys } from '../../src/sources/postgres-engine/pg-normalize.js';
import { postgresEndpoint } from '../../src/sources/postgres/postgres-session.js';
import { generateKeys, RULE_SETS } from '../helpers/normalize-cases.js';
import { postgresAdmin, testServer, type TestServer } from '../helpers/servers.js';

const DATABASE = 'pg_engine_parity';

describe('PostgreSQL normalisation parity with normalizeKey (docs/decisions.md §21)', function () {
  this.timeout(600_000);
  const keys = generateKeys(130_000);
  let server: TestServer;
  let session: PgEngineSession;
  const source: EngineSource = { position: 0, from: 'public.parity', keyColumn: 'raw', locators: [] };

  before(async function () {
    server = await testServer('postgres', this);
    await postgresAdmin(server, 'postgres', [`DROP DATABASE IF EXISTS ${DATABASE}`, `CREATE DATABASE ${DATABASE} ENCODING 'UTF8' TEMPLATE template0`]);
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: server.url(server.admin, DATABASE) });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE parity (raw text COLLATE "tr-TR-x-icu")');
      for (let start = 0; start < keys.length; start += 20_000) await admin.query('INSERT INTO parity SELECT unnest($1::text[])', [keys.slice(start, start + 20_000)]);
      await admin.query(`GRANT SELECT ON parity TO ${server.reader.user}`);
    } finally {
      await admin.end();
    }
    const config = postgresSourceSchema.parse({ type: 'postgres', url: server.url(server.reader, DATABASE).replace(/:[^:@/]*@/, '@'), table: 'parity', key_column: 'raw' });
    const endpoint = postgresEndpoint('A', config, { configDir: os.tmpdir(), env: { PGPASSWORD: server.reader.password } });
    session = await openPgEngine(endpoint, { connectTimeoutS: 10, statementTimeoutS: 600 });
  });
  after(() => session?.close());

  it('generates over 100,000 distinct raw keys, Unicode and ASCII alike', () => {
    assert.ok(new Set(keys).size > 100_000);
    const unicode = new Set(keys.filter((key) => /[^\x00-\x7f]/.test(key))).size;
    assert.ok(unicode > 40_000 && new Set(keys).size - unicode > 40_000);
  });

  it("keeps the column's Turkish collation, under which PostgreSQL's own upper('i') is 'İ'", async () => {
    const [[upper]] = await session.all('SELECT upper(raw) FROM (SELECT \'i\' COLLATE "tr-TR-x-icu" AS raw) t');
    assert.equal(upper, 'İ');
  });

  for (const [name, rules] of RULE_SETS) {
    it(`gives normalizeKey's key for every raw key under ${name}`, async () => {
      await probeNormalization(session, rules);
      const unicode = (await session.all(unicodeRawsSql(source))).map(([raw]) => raw!);
      const got = new Map<string, string | null>();
      const rows = await session.all(`WITH ${UNICODE_CTE}, ${rowsCte(source, rules)} SELECT raw, key FROM rows_0`, unicodeKeys(unicode, rules));
      for (const [raw, key] of rows) got.set(raw!, key);
      const lost = [...new Set(keys)].filter((raw) => !got.has(raw));
      assert.deepEqual(lost.slice(0, 5).map((raw) => JSON.stringify(raw)), []);
      const normalize = compileNormalizer(rules);
      const differences = keys.filter((raw) => got.get(raw) !== expectedKey(raw, normalize));
      assert.deepEqual(
        differences.slice(0, 10).map((raw) => ({ raw, postgres: got.get(raw), normalizeKey: expectedKey(raw, normalize) })),
        [],
      );
    });
  }

  it("refuses pushdown, naming the rule and the server, when an expression would differ (upper() under a Turkish collation)", async () => {
    const turkish = (sql: string) =>
      sql.replaceAll('COLLATE "C"', 'COLLATE "tr-TR-x-icu"').replace(/translate\((.*), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'\)/, 'upper($1)');
    const altered = { version: session.version, all: (sql: string, values?: readonly unknown[]) => session.all(turkish(sql), values) };
    await assert.rejects(probeNormalization(altered, { ...DEFAULT_NORMALIZE_RULES, uppercase: true }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ENGINE_REFUSED');
      assert.match(error.message, /^PostgreSQL 15\.\d+ .* normalises "[^"]*" to "[^"]*İ[^"]*" where KeySync gives .*\(rule uppercase\)/);
      return true;
    });
  });
});
