import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SourceConfig } from '../../src/config/schema.js';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import { KeySyncError } from '../../src/errors.js';
import { readWithPolicy } from '../../src/sources/read-source.js';
import { openSource } from '../../src/sources/registry.js';
import { useScratchDir } from '../helpers/workspace.js';

const normalize = compileNormalizer(DEFAULT_NORMALIZE_RULES);

describe('sqlite and parquet sources (docs/behaviour.md §2)', () => {
  const scratch = useScratchDir();

  function sqliteFile(setup: string): string {
    const file = path.join(scratch(), `source-${Math.random().toString(36).slice(2)}.db`);
    const db = new Database(file);
    db.exec(setup);
    db.close();
    return file;
  }
  async function read(config: SourceConfig, driver: 'native' | 'wasm' = 'native') {
    const source = openSource('B', config, { configDir: scratch(), env: {}, sqliteDriver: driver });
    const result = await readWithPolicy(source.reader, { normalize, onCorruptData: 'log' });
    return {
      location: source.location,
      keys: [...result.index.keys()].sort().map((key) => [key, result.index.sightings(key).map((sighting) => sighting.line)]),
      bad: result.badRows.map((row) => [row.line, row.reason]),
      rows: result.rows,
      reader: source.reader,
    };
  }
  async function readError(config: SourceConfig): Promise<KeySyncError> {
    try {
      await read(config);
    } catch (error) {
      assert.ok(error instanceof KeySyncError, String(error));
      return error;
    }
    assert.fail('no error');
  }

  describe('sqlite', () => {
    it('reads a table by its integer primary key, integer keys as digits, a NULL key as "no key", with either driver', async () => {
      const file = sqliteFile("CREATE TABLE customers (id INTEGER PRIMARY KEY, key TEXT, n INTEGER); INSERT INTO customers VALUES (10, 'k-1', 1), (20, NULL, 2), (30, 'K 1', 3), (40, '7', 4);");
      for (const driver of ['native', 'wasm'] as const) {
        const result = await read({ type: 'sqlite', path: file, table: 'customers', key_column: 'key' }, driver);
        assert.deepEqual(result.keys, [['7', [40]], ['K-1', [10, 30]]]);
        assert.deepEqual(result.bad, [[20, 'no key']]);
        assert.equal(result.rows, 4);
        assert.match(result.location, /^sqlite:.*\.db table customers$/);
      }
      const numbers = await read({ type: 'sqlite', path: file, table: 'customers', key_column: 'n' });
      assert.deepEqual(numbers.keys.map(([key]) => key), ['1', '2', '3', '4']);
    });

    it('locates rows by a text or composite primary key (column=value, as the database types), by rowid without one, and by row number for a query', async () => {
      const file = sqliteFile(
        "CREATE TABLE t (code TEXT PRIMARY KEY, key TEXT) WITHOUT ROWID; INSERT INTO t VALUES ('b', 'x'), ('a', 'y');" +
          "CREATE TABLE plain (key TEXT); INSERT INTO plain VALUES ('p'), ('q');" +
          "CREATE TABLE regions (region TEXT, id INTEGER, key TEXT, PRIMARY KEY (region, id)); INSERT INTO regions VALUES ('EU', 1, 'r1'), ('US,=%', 1, 'r2');",
      );
      assert.deepEqual((await read({ type: 'sqlite', path: file, table: 't', key_column: 'key' })).keys, [['X', ['code=b']], ['Y', ['code=a']]]);
      assert.deepEqual((await read({ type: 'sqlite', path: file, table: 'plain', key_column: 'key' })).keys, [['P', [1]], ['Q', [2]]]);
      const query = await read({ type: 'sqlite', path: file, query: 'SELECT key FROM plain ORDER BY key DESC;', key_column: 'key' });
      assert.deepEqual(query.keys, [['P', [2]], ['Q', [1]]]);
      const row = await query.reader.showRow(2);
      assert.deepEqual([...row!], [['key', 'p']]);
      const byKey = await (await read({ type: 'sqlite', path: file, table: 't', key_column: 'key' })).reader.showRow('code=a');
      assert.deepEqual([...byKey!], [['code', 'a'], ['key', 'y']]);
      const regions = await read({ type: 'sqlite', path: file, table: 'regions', key_column: 'key' });
      assert.deepEqual(regions.keys, [['R1', ['region=EU,id=1']], ['R2', ['region=US%2C%3D%25,id=1']]]);
      assert.deepEqual([...(await regions.reader.showRow('region=US%2C%3D%25,id=1'))!], [['region', 'US,=%'], ['id', '1'], ['key', 'r2']]);
      assert.equal(await regions.reader.showRow('region=EU'), undefined, 'a locator naming other columns finds nothing');
    });

    it('refuses a missing file, a file that is not SQLite, a missing table or column, and a query that is not one SELECT', async () => {
      const file = sqliteFile('CREATE TABLE t (key TEXT);');
      assert.equal((await readError({ type: 'sqlite', path: 'nope.db', table: 't', key_column: 'key' })).code, 'SOURCE_MISSING');
      const text = path.join(scratch(), 'not.db');
      writeFileSync(text, 'key\nA-1\n'.repeat(200));
      assert.equal((await readError({ type: 'sqlite', path: text, table: 't', key_column: 'key' })).code, 'SOURCE_NOT_SQLITE');
      const noTable = await readError({ type: 'sqlite', path: file, table: 'customers', key_column: 'key' });
      assert.equal(noTable.code, 'SOURCE_NO_TABLE');
      assert.match(noTable.message, /has no table or view "customers" \(it has "t"\)/);
      assert.equal((await readError({ type: 'sqlite', path: file, table: 't', key_column: 'id' })).code, 'SOURCE_NO_KEY_COLUMN');
      assert.equal((await readError({ type: 'sqlite', path: file, query: 'SELECT 1 AS other FROM t', key_column: 'key' })).code, 'SOURCE_NO_KEY_COLUMN');
      const refused = await readError({ type: 'sqlite', path: file, query: 'DELETE FROM t', key_column: 'key' });
      assert.equal(refused.code, 'SOURCE_QUERY_REFUSED');
      assert.match(refused.message, /not a single SELECT: it starts with DELETE/);
    });
  });

  describe('parquet', () => {
    function parquetFile(columnData: Parameters<typeof parquetWriteBuffer>[0]['columnData'], rowGroupSize?: number): string {
      const file = path.join(scratch(), `source-${Math.random().toString(36).slice(2)}.parquet`);
      writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData, ...(rowGroupSize ? { rowGroupSize } : {}) })));
      return file;
    }

    it('reads the key column row group by row group, numbers as digits, a null as "no key", locators as row numbers', async () => {
      const file = parquetFile(
        [
          { name: 'key', data: ['a-1', null, 'A 1', 'b'], type: 'STRING', nullable: true },
          { name: 'n', data: [1n, 2n, 3n, 40n], type: 'INT64' },
        ],
        2,
      );
      const result = await read({ type: 'parquet', path: file, key_column: 'key' });
      assert.deepEqual(result.keys, [['A-1', [1, 3]], ['B', [4]]]);
      assert.deepEqual(result.bad, [[2, 'no key']]);
      assert.match(result.location, /^parquet:.*\.parquet$/);
      assert.deepEqual((await read({ type: 'parquet', path: file, key_column: 'n' })).keys.map(([key]) => key), ['1', '2', '3', '40']);
      assert.deepEqual([...(await result.reader.showRow(4))!], [['key', 'b'], ['n', '40']]);
    });

    it('refuses a corrupt file, a missing column and a column that cannot hold keys', async () => {
      const file = parquetFile([{ name: 'key', data: ['a'], type: 'STRING' }, { name: 'flag', data: [true], type: 'BOOLEAN' }]);
      const corrupt = path.join(scratch(), 'corrupt.parquet');
      writeFileSync(corrupt, 'PAR1 this is not parquet at all');
      assert.equal((await readError({ type: 'parquet', path: corrupt, key_column: 'key' })).code, 'SOURCE_NOT_PARQUET');
      assert.equal((await readError({ type: 'parquet', path: file, key_column: 'Key' })).code, 'SOURCE_NO_KEY_COLUMN');
      const wrongType = await readError({ type: 'parquet', path: file, key_column: 'flag' });
      assert.equal(wrongType.code, 'SOURCE_KEY_COLUMN_TYPE');
      assert.match(wrongType.message, /is a boolean column, which cannot hold a key/);
    });
  });
});
