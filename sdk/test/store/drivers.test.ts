import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { Generated } from 'kysely';
import type { SqliteDriver, SqliteOpenOptions } from '../../src/store/sqlite/drivers/driver.js';
import { nativeDriver } from '../../src/store/sqlite/drivers/native.js';
import { wasmDriver } from '../../src/store/sqlite/drivers/wasm.js';

interface TestSchema {
  item: { id: Generated<number>; name: string; payload: Uint8Array | null };
  child: { id: Generated<number>; item_id: number };
}
type TestDb = Kysely<TestSchema>;

const drivers: readonly SqliteDriver[] = [nativeDriver, wasmDriver];
const BUSY_TIMEOUT_MS = 1500;

describe('store drivers (docs/behaviour.md §7)', () => {
  let dir: string;
  let fileCount = 0;
  const openDbs = new Set<TestDb>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keysync-drivers-'));
  });
  afterEach(async () => {
    await Promise.all([...openDbs].map((db) => close(db)));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const freshFile = (): string => join(dir, `registry-${++fileCount}.sqlite`);

  function connect(driver: SqliteDriver, file: string, options: Partial<SqliteOpenOptions> = {}): TestDb {
    const dialect = driver.createDialect(file, { readonly: false, busyTimeoutMs: BUSY_TIMEOUT_MS, ...options });
    const db = new Kysely<TestSchema>({ dialect });
    openDbs.add(db);
    return db;
  }

  async function close(db: TestDb): Promise<void> {
    openDbs.delete(db);
    await db.destroy();
  }

  /** Opens, runs `work`, closes: each step of a cross-driver test is a separate process's session. */
  async function session<T>(driver: SqliteDriver, file: string, work: (db: TestDb) => Promise<T>): Promise<T> {
    const db = connect(driver, file);
    try {
      return await work(db);
    } finally {
      await close(db);
    }
  }

  async function createSchema(db: TestDb): Promise<void> {
    await db.schema
      .createTable('item')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('payload', 'blob')
      .execute();
    await db.schema
      .createTable('child')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('item_id', 'integer', (c) => c.notNull().references('item.id'))
      .execute();
  }

  async function names(db: TestDb): Promise<string[]> {
    const rows = await db.selectFrom('item').select('name').orderBy('id').execute();
    return rows.map((row) => row.name);
  }

  async function pragma(db: TestDb, name: string): Promise<unknown> {
    const { rows } = await sql<Record<string, unknown>>`${sql.raw(`PRAGMA ${name}`)}`.execute(db);
    return rows.length === 1 ? Object.values(rows[0]!)[0] : rows;
  }

  /** The header's write/read format versions: 1 is rollback journal, 2 is WAL. */
  function headerJournalFormat(file: string): [number, number] {
    const header = Buffer.alloc(20);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, header, 0, 20, 0);
    } finally {
      closeSync(fd);
    }
    return [header[18]!, header[19]!];
  }

  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

  for (const driver of drivers) {
    describe(`${driver.name} driver`, () => {
      it('creates a table, inserts in a transaction and selects the rows back', async () => {
        const db = connect(driver, freshFile());
        await createSchema(db);
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('item').values([{ name: 'alpha' }, { name: 'beta' }]).execute();
          await trx.insertInto('item').values({ name: 'gamma', payload: null }).execute();
        });
        const rows = await db.selectFrom('item').selectAll().orderBy('id').execute();
        assert.deepEqual(rows, [
          { id: 1, name: 'alpha', payload: null },
          { id: 2, name: 'beta', payload: null },
          { id: 3, name: 'gamma', payload: null },
        ]);
      });

      it('round-trips blobs byte for byte, returning Buffers', async () => {
        const db = connect(driver, freshFile());
        await createSchema(db);
        const payloads = [allBytes, new Uint8Array([0, 0, 7, 0]), Buffer.alloc(0)];
        await db
          .insertInto('item')
          .values(payloads.map((payload, i) => ({ name: `blob-${i}`, payload })))
          .execute();
        const rows = await db.selectFrom('item').select(['payload']).orderBy('id').execute();
        for (const [i, row] of rows.entries()) {
          assert.ok(Buffer.isBuffer(row.payload), `row ${i} payload is a Buffer`);
          assert.deepEqual([...row.payload], [...payloads[i]!]);
        }
        const { rows: types } = await sql<{ t: string }>`SELECT typeof(payload) AS t FROM item`.execute(db);
        assert.deepEqual(
          types.map((r) => r.t),
          ['blob', 'blob', 'blob'],
        );
      });

      it('reports affected rows and insert ids, and returns rows from RETURNING', async () => {
        const db = connect(driver, freshFile());
        await createSchema(db);
        const inserted = await db.insertInto('item').values({ name: 'alpha' }).executeTakeFirstOrThrow();
        assert.equal(inserted.insertId, 1n);
        const returned = await db.insertInto('item').values({ name: 'beta' }).returning(['id', 'name']).execute();
        assert.deepEqual(returned, [{ id: 2, name: 'beta' }]);
        const updated = await db.updateTable('item').set({ name: sql`name || '!'` }).executeTakeFirstOrThrow();
        assert.equal(updated.numUpdatedRows, 2n);
        assert.deepEqual(await names(db), ['alpha!', 'beta!']);
      });

      it('applies the shared connection pragmas', async () => {
        const db = connect(driver, freshFile());
        assert.equal(await pragma(db, 'journal_mode'), 'delete');
        assert.equal(await pragma(db, 'foreign_keys'), 1);
        assert.equal(await pragma(db, 'busy_timeout'), BUSY_TIMEOUT_MS);
        assert.equal(await pragma(db, 'synchronous'), 2);
        await createSchema(db);
        await assert.rejects(db.insertInto('child').values({ item_id: 42 }).execute(), /FOREIGN KEY constraint failed/);
      });

      it('leaves no rows and no journal after a rolled-back transaction', async () => {
        const file = freshFile();
        const db = connect(driver, file);
        await createSchema(db);
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await trx.insertInto('item').values([{ name: 'alpha' }, { name: 'beta' }]).execute();
            assert.deepEqual(await names(trx), ['alpha', 'beta']);
            throw new Error('abort the transaction');
          }),
          /abort the transaction/,
        );
        assert.deepEqual(await names(db), []);
        await close(db);
        assert.equal(existsSync(`${file}-journal`), false);
        for (const other of drivers) {
          assert.deepEqual(await session(other, file, names), [], `${other.name} sees no rows`);
        }
      });

      it('rolls back a failing statement inside a transaction and stays usable', async () => {
        const db = connect(driver, freshFile());
        await createSchema(db);
        await db.insertInto('item').values({ name: 'alpha' }).execute();
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await trx.insertInto('item').values({ name: 'beta' }).execute();
            await trx.insertInto('item').values({ name: 'alpha' }).execute();
          }),
          /UNIQUE constraint failed: item.name/,
        );
        assert.deepEqual(await names(db), ['alpha']);
      });

      it('opens readonly without changing a byte and refuses writes', async () => {
        const file = freshFile();
        await session(driver, file, async (db) => {
          await createSchema(db);
          await db.insertInto('item').values({ name: 'alpha', payload: allBytes }).execute();
        });
        const before = readFileSync(file);
        const db = connect(driver, file, { readonly: true });
        assert.deepEqual(await names(db), ['alpha']);
        await assert.rejects(
          db.insertInto('item').values({ name: 'beta' }).execute(),
          /attempt to write a readonly database/,
        );
        await assert.rejects(db.schema.createTable('other').addColumn('x', 'text').execute(), /readonly/);
        await close(db);
        assert.ok(readFileSync(file).equals(before), 'file is byte-identical');
      });

      it('refuses to open a missing file readonly instead of creating it', async () => {
        const file = freshFile();
        const db = connect(driver, file, { readonly: true });
        await assert.rejects(names(db));
        assert.equal(existsSync(file), false);
      });

      it('releases its read lock when a stream is stopped early', async () => {
        const file = freshFile();
        const db = connect(driver, file);
        await createSchema(db);
        await db.insertInto('item').values(['a', 'b', 'c', 'd'].map((name) => ({ name }))).execute();
        const seen: string[] = [];
        for await (const row of db.selectFrom('item').select('name').orderBy('id').stream()) {
          seen.push(row.name);
          if (seen.length === 2) break;
        }
        assert.deepEqual(seen, ['a', 'b']);
        // A statement left open would hold a shared lock and make this writer fail at once.
        const writer = connect(driver, file, { busyTimeoutMs: 0 });
        await writer.insertInto('item').values({ name: 'e' }).execute();
        assert.deepEqual(await names(db), ['a', 'b', 'c', 'd', 'e']);
      });

      it('inserts 10,000 rows in one multi-row statement', async () => {
        const db = connect(driver, freshFile());
        await createSchema(db);
        const rows = Array.from({ length: 10_000 }, (_, i) => ({ name: `key-${i}`, payload: Buffer.from([i % 256]) }));
        const result = await db.insertInto('item').values(rows).executeTakeFirstOrThrow();
        assert.equal(result.numInsertedOrUpdatedRows, 10_000n);
        const last = await db.selectFrom('item').selectAll().where('id', '=', 10_000).executeTakeFirstOrThrow();
        assert.equal(last.name, 'key-9999');
        assert.deepEqual([...last.payload!], [9999 % 256]);
      });
    });
  }

  describe('wasm driver parameter binding', () => {
    it('binds booleans as 0/1 and undefined as NULL, like better-sqlite3 does for undefined', async () => {
      const db = connect(wasmDriver, freshFile());
      const { rows } = await sql<{ t: number; f: number; u: null }>`SELECT ${true} AS t, ${false} AS f, ${undefined} AS u`.execute(db);
      assert.deepEqual(rows, [{ t: 1, f: 0, u: null }]);
    });

    it('rejects values SQLite cannot store with a message naming the parameter', async () => {
      const db = connect(wasmDriver, freshFile());
      await assert.rejects(
        sql`SELECT ${1} AS a, ${new Date(0)} AS b`.execute(db),
        (error: Error) => error instanceof TypeError && /parameter 2 \(Date\)/.test(error.message),
      );
    });
  });

  describe('one file, both drivers', () => {
    const pairs: ReadonlyArray<readonly [SqliteDriver, SqliteDriver]> = [
      [nativeDriver, wasmDriver],
      [wasmDriver, nativeDriver],
    ];

    for (const [writer, reader] of pairs) {
      it(`${reader.name} reads and updates a file written by ${writer.name}, which stays in rollback-journal mode`, async () => {
        const file = freshFile();
        await session(writer, file, async (db) => {
          await createSchema(db);
          await db.insertInto('item').values([{ name: 'alpha', payload: allBytes }, { name: 'beta' }]).execute();
        });
        assert.deepEqual(headerJournalFormat(file), [1, 1]);
        assert.equal(existsSync(`${file}-wal`), false);

        await session(reader, file, async (db) => {
          assert.equal(await pragma(db, 'journal_mode'), 'delete');
          const alpha = await db.selectFrom('item').selectAll().where('name', '=', 'alpha').executeTakeFirstOrThrow();
          assert.ok(Buffer.from(alpha.payload!).equals(allBytes));
          await db.transaction().execute(async (trx) => {
            await trx.updateTable('item').set({ name: 'beta2' }).where('name', '=', 'beta').execute();
            await trx.insertInto('child').values({ item_id: alpha.id }).execute();
          });
        });
        assert.deepEqual(headerJournalFormat(file), [1, 1]);

        await session(writer, file, async (db) => {
          assert.deepEqual(await names(db), ['alpha', 'beta2']);
          assert.deepEqual(await db.selectFrom('child').select('item_id').execute(), [{ item_id: 1 }]);
        });
      });
    }

    it('keeps integrity_check ok across alternating writes', async () => {
      const file = freshFile();
      await session(nativeDriver, file, createSchema);
      for (let round = 0; round < 6; round++) {
        const driver = drivers[round % 2]!;
        await session(driver, file, async (db) => {
          await db.transaction().execute(async (trx) => {
            const rows = Array.from({ length: 200 }, (_, i) => ({ name: `r${round}-${i}`, payload: Buffer.alloc(64, round) }));
            await trx.insertInto('item').values(rows).execute();
            await trx.deleteFrom('item').where('name', 'like', `r${round}-1%`).execute();
            await trx.updateTable('item').set({ payload: Buffer.alloc(300, 0xff) }).where('name', 'like', `r${round}-2%`).execute();
          });
        });
      }
      // Each round deletes r{n}-1, r{n}-1x, r{n}-1xx: 1 + 10 + 100 of its 200 rows.
      const expectedCount = 6 * (200 - 111);
      for (const driver of drivers) {
        await session(driver, file, async (db) => {
          assert.equal(await pragma(db, 'integrity_check'), 'ok');
          const { count } = await db.selectFrom('item').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
          assert.equal(count, expectedCount, `${driver.name} counts the rows`);
        });
      }
      assert.deepEqual(headerJournalFormat(file), [1, 1]);
    });

    it('converts a WAL file when native opens it; wasm refuses it with a clear message', async () => {
      const file = freshFile();
      await session(nativeDriver, file, async (db) => {
        await createSchema(db);
        await sql`PRAGMA journal_mode = WAL`.execute(db);
      });
      assert.deepEqual(headerJournalFormat(file), [2, 2]);

      const walRefusal = /is in WAL mode, which the WASM SQLite driver cannot open/;
      await assert.rejects(session(wasmDriver, file, names), walRefusal);
      const readonlyWasm = connect(wasmDriver, file, { readonly: true });
      await assert.rejects(names(readonlyWasm), walRefusal);
      await close(readonlyWasm);

      assert.deepEqual(await session(nativeDriver, file, names), []);
      assert.deepEqual(headerJournalFormat(file), [1, 1]);
      assert.deepEqual(await session(wasmDriver, file, names), []);
    });
  });
});
