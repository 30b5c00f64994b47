/**
 * The `mysql` source type through the seam's contract (open → scan into a sink, showRow,
 * fingerprint) against a real MariaDB 10.11 (helpers/servers.ts), and every bad input the type
 * must name clearly: unreachable, timeouts, wrong password, missing database, table or column,
 * permission denied, a query that is not one SELECT, TLS refused, the connection killed
 * mid-read. No message may hold a password.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { mysqlSourceSchema, type MysqlSourceConfig } from '../../src/config/database-sources.js';
import { mysqlSourceType } from '../../src/sources/mysql/mysql-source.js';
import type { SourceContext } from '../../src/sources/source-type.js';
import { mariadbAdmin, testServer, type TestServer } from '../helpers/servers.js';
import { assertNoPasswordSeen, expectSourceError, scanAll } from '../helpers/source-sink.js';

const ROWS_IN_MANY = 60_000;

describe('mysql source type (real MariaDB 10.11)', function () {
  this.timeout(120_000);
  let server: TestServer;
  const context = (extra: Partial<SourceContext> = {}): SourceContext => ({ configDir: os.tmpdir(), env: {}, ...extra });
  const config = (fields: Record<string, unknown>): MysqlSourceConfig => mysqlSourceSchema.parse({ type: 'mysql', ...fields });
  const open = (fields: Record<string, unknown>, extra?: Partial<SourceContext>) => mysqlSourceType.open('C', config(fields), context(extra));
  const readerUrl = () => server.url(server.reader);

  /** Runs one statement as the admin through the mariadb command-line client, synchronously (from inside a sink). */
  const adminSync = (sql: string): string => {
    const result = spawnSync('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(server.port), '-u', server.admin.user, '-N', '-B', '-e', sql], {
      env: { ...process.env, MYSQL_PWD: server.admin.password },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  };

  before(async function () {
    server = await testServer('mariadb', this);
    await mariadbAdmin(server, [
      'create table customers (id bigint primary key, `key` text, name text)',
      "insert into customers values (1, 'C-1', 'Ann'), (2, 'C-2', 'Bo'), (3, null, 'No key'), (10, ' c-10 ', 'Spaces')",
      'create table regions (id int, region varchar(20), `key` text, primary key (region, id))',
      "insert into regions values (1, 'EU', 'R1'), (1, 'US,=%', 'R2')",
      'create table heap (`key` text)',
      "insert into heap values ('H1'), ('H2')",
      'create table typed (big bigint unsigned, exact decimal(38,6), id uuid, day date)',
      "insert into typed values (18446744073709551615, 12345678901234567890.000100, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29')",
      'create database `Sales.EU`',
      'create table `Sales.EU`.`Odd ``Name``` (`Key Col` varchar(10) primary key)',
      "insert into `Sales.EU`.`Odd ``Name``` values ('Q1')",
      "grant select on `Sales.EU`.* to keysync_reader@'%'",
      'create view customer_view as select id, `key` from customers where `key` is not null',
      `create table many as select concat('M-', seq) as \`key\` from seq_1_to_${ROWS_IN_MANY}`,
      'create database secret_db',
      'create table secret_db.secret_table (`key` text)',
    ]);
  });

  it('reads a table by its primary key (one integer column: the number), with NULL keys as null and every key as the text stored', async () => {
    const rows = await scanAll(open({ url: readerUrl(), table: 'customers' }));
    assert.deepEqual(
      rows.sort((a, b) => String(a.locator).localeCompare(String(b.locator))),
      [
        { raw: 'C-1', locator: 1 },
        { raw: ' c-10 ', locator: 10 },
        { raw: 'C-2', locator: 2 },
        { raw: null, locator: 3 },
      ],
    );
    // One integer key column: the locator is the number, and shows the row again.
    const reader = open({ url: readerUrl(), table: 'customers' });
    assert.equal((await reader.showRow(10))!.get('name'), 'Spaces');
    assert.equal(await reader.showRow(11), undefined);
    assert.equal((await reader.showRow('id=10'))!.get('name'), 'Spaces', 'the text form (used beyond 2^53) reads back too');
  });

  it('names where it reads, without the password', () => {
    const reader = open({ url: readerUrl(), table: 'keysync_test.customers' });
    assert.equal(reader.location, `mysql://keysync_reader@127.0.0.1:${server.port}/keysync_test table keysync_test.customers`);
  });

  it('locates a row by a composite primary key, in key order, and shows it again', async () => {
    const reader = open({ url: readerUrl(), table: 'regions' });
    const rows = await scanAll(reader);
    assert.deepEqual(rows.map((row) => row.locator).sort(), ['region=EU,id=1', 'region=US%2C%3D%25,id=1']);
    assert.deepEqual(Object.fromEntries((await reader.showRow('region=US%2C%3D%25,id=1'))!), { id: '1', region: 'US,=%', key: 'R2' });
    assert.equal(await reader.showRow('region=XX,id=1'), undefined);
  });

  it('numbers the rows of a table without a primary key, and of a view (spaces around key_column do not count)', async () => {
    const reader = open({ url: readerUrl(), table: 'heap', key_column: ' key ' });
    assert.deepEqual(await scanAll(reader), [
      { raw: 'H1', locator: 1 },
      { raw: 'H2', locator: 2 },
    ]);
    assert.deepEqual(Object.fromEntries((await reader.showRow(2))!), { key: 'H2' });
    assert.deepEqual((await scanAll(open({ url: readerUrl(), table: 'customer_view' }))).map((row) => row.locator), [1, 2, 3]);
  });

  it('reads integer, decimal, uuid and date keys as the text the server prints, exactly', async () => {
    const read = async (column: string) => (await scanAll(open({ url: readerUrl(), table: 'typed', key_column: column })))[0]!.raw;
    assert.equal(await read('big'), '18446744073709551615');
    assert.equal(await read('exact'), '12345678901234567890.000100');
    assert.equal(await read('id'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal(await read('day'), '2024-02-29');
  });

  it('quotes database and table names exactly as written, dots and backticks included', async () => {
    const reader = open({ url: readerUrl(), table: '`Sales.EU`.`Odd ``Name```', key_column: 'Key Col' });
    assert.deepEqual(await scanAll(reader), [{ raw: 'Q1', locator: 'Key Col=Q1' }]);
  });

  it('numbers the rows of a query from 1 and shows one again by its number', async () => {
    const reader = open({ url: readerUrl(), query: 'select `key` from customers where `key` is not null order by id # a comment\n;' });
    assert.deepEqual(await scanAll(reader), [
      { raw: 'C-1', locator: 1 },
      { raw: 'C-2', locator: 2 },
      { raw: ' c-10 ', locator: 3 },
    ]);
    assert.deepEqual(Object.fromEntries((await reader.showRow(2))!), { key: 'C-2' });
    assert.equal(await reader.showRow(9), undefined);
  });

  it('streams a large table, the sink seeing rows before the read is done', async () => {
    let firstRowAt = 0;
    const rows = await scanAll(open({ url: readerUrl(), table: 'many' }), { onRow: (_, index) => index === 0 && (firstRowAt = performance.now()) });
    assert.equal(rows.length, ROWS_IN_MANY);
    assert.equal(new Set(rows.map((row) => row.raw)).size, ROWS_IN_MANY);
    assert.ok(firstRowAt > 0 && firstRowAt < performance.now());
  });

  it('fingerprints with fingerprint_query, changing when the data does, and gives none without it', async () => {
    const reader = open({ url: readerUrl(), table: 'heap', fingerprint_query: 'select count(*), max(`key`) from heap' });
    const before = await reader.fingerprint();
    assert.match(before!, /^[0-9a-f]{64}$/);
    assert.equal(await reader.fingerprint(), before);
    await mariadbAdmin(server, ["insert into heap values ('H3')"]);
    assert.notEqual(await reader.fingerprint(), before);
    await mariadbAdmin(server, ["delete from heap where `key` = 'H3'"]);
    assert.equal(await open({ url: readerUrl(), table: 'heap' }).fingerprint(), undefined);
  });

  describe('where the password comes from', () => {
    const noPasswordUrl = () => `mysql://keysync_reader@127.0.0.1:${server.port}/keysync_test`;

    it('from ${VAR} in the URL', async () => {
      const url = `mysql://keysync_reader:\${DB_PASSWORD}@127.0.0.1:\${DB_PORT}/keysync_test`;
      const rows = await scanAll(open({ url, table: 'heap' }, { env: { DB_PASSWORD: encodeURIComponent(server.reader.password), DB_PORT: String(server.port) } }));
      assert.equal(rows.length, 2);
    });

    it('from the editor (context.passwords)', async () => {
      assert.equal((await scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { passwords: new Map([['C', server.reader.password]]) }))).length, 2);
    });

    it('from MYSQL_PWD in the environment given', async () => {
      assert.equal((await scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { env: { MYSQL_PWD: server.reader.password } }))).length, 2);
    });

    it('an unknown URL parameter is a config error', async () => {
      const error = await expectSourceError(scanAll(open({ url: `${noPasswordUrl()}?sslmode=require`, table: 'heap' })), 'CONFIG_INVALID');
      assert.match(error.remedy!, /ssl-mode=DISABLED\|REQUIRED/);
    });
  });

  describe('bad input', () => {
    it('an unreachable server (nothing listens on the port)', async () => {
      const error = await expectSourceError(scanAll(open({ url: 'mysql://keysync_reader@127.0.0.1:1/keysync_test', table: 'heap' })), 'SOURCE_UNREACHABLE');
      assert.match(error.describe(), /^mysql:\/\/keysync_reader@127\.0\.0\.1:1\/keysync_test table heap: System C: the server could not be reached \(ECONNREFUSED\)/);
    });

    it('a connect timeout (a port that accepts but never answers)', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      try {
        const error = await expectSourceError(scanAll(open({ url: `mysql://u@127.0.0.1:${port}/db`, table: 'heap', connect_timeout_s: 0.5 })), 'SOURCE_UNREACHABLE');
        assert.match(error.message, /did not answer within connect_timeout_s \(0\.5 s\)/);
      } finally {
        silent.close();
      }
    });

    it('a wrong password', async () => {
      const error = await expectSourceError(scanAll(open({ url: server.url({ user: 'keysync_reader', password: 'not-the-password' }), table: 'heap' })), 'SOURCE_AUTH');
      assert.match(error.message, /refused the login of user keysync_reader \(ER_ACCESS_DENIED_ERROR 1045\)/);
    });

    it('a missing database', async () => {
      const error = await expectSourceError(scanAll(open({ url: server.url(server.admin, 'no_such_db'), table: 'heap' })), 'SOURCE_MISSING');
      assert.match(error.message, /database no_such_db does not exist/);
    });

    it('a missing table', async () => {
      const error = await expectSourceError(scanAll(open({ url: readerUrl(), table: 'no_such_table' })), 'SOURCE_NO_TABLE');
      assert.match(error.message, /table no_such_table does not exist \(ER_NO_SUCH_TABLE 1146\)/);
    });

    it('a missing key column', async () => {
      const error = await expectSourceError(scanAll(open({ url: readerUrl(), table: 'customers', key_column: 'nokey' })), 'SOURCE_NO_KEY_COLUMN');
      assert.match(error.message, /table customers has no column nokey/);
    });

    it('permission denied: a table without SELECT, and a user that may read nothing', async () => {
      const error = await expectSourceError(scanAll(open({ url: readerUrl(), table: 'secret_db.secret_table' })), 'SOURCE_PERMISSION');
      assert.match(error.message, /user keysync_reader may not read table secret_db\.secret_table \(permission denied, ER_TABLEACCESS_DENIED_ERROR 1142\)/);
      assert.match(error.remedy!, /SELECT on the table; KeySync needs nothing more/);
      const none = await expectSourceError(scanAll(open({ url: server.url(server.noSelect), table: 'customers' })), 'SOURCE_PERMISSION');
      assert.match(none.message, /user keysync_no_select may not use database keysync_test/);
    });

    it('a query that is not one SELECT is refused before it runs', async () => {
      const refused = [
        'select 1 as `key`; drop table customers',
        'delete from customers',
        "select `key` into outfile '/tmp/keysync-out' from customers",
        'select `key` from customers for update',
        'select /*! 1; delete from customers */ 1 as `key`',
        'replace into customers values (5, "x", "y")',
      ];
      for (const query of refused) {
        const error = await expectSourceError(scanAll(open({ url: 'mysql://u@127.0.0.1:1/never_connected', query })), 'SOURCE_QUERY_REFUSED');
        assert.match(error.message, /query was refused before running/);
      }
      const [{ count }] = (await mariadbAdmin(server, ['select count(*) as count from customers'])) as [{ count: number }];
      assert.equal(count, 4);
      const rows = await scanAll(open({ url: readerUrl(), query: `select 'a;b' as \`key\` union all select "delete \\";" -- ; drop\n` }));
      assert.deepEqual(rows.map((row) => row.raw).sort(), ['a;b', 'delete ";']);
    });

    it('a statement timeout (MariaDB max_statement_time)', async () => {
      const error = await expectSourceError(
        scanAll(open({ url: readerUrl(), query: 'select count(*) as `key` from seq_1_to_100000 a join seq_1_to_100000 b on a.seq + b.seq = 7', statement_timeout_s: 0.3 })),
        'SOURCE_TIMEOUT',
      );
      assert.match(error.message, /ran longer than statement_timeout_s \(0\.3 s\)/);
    });

    it('ssl-mode=REQUIRED against a server without TLS', async () => {
      const error = await expectSourceError(scanAll(open({ url: `${readerUrl()}?ssl-mode=REQUIRED`, table: 'heap' })), 'SOURCE_TLS');
      assert.match(error.message, /no TLS connection could be made \(HANDSHAKE_NO_SSL_SUPPORT, ssl-mode=REQUIRED\)/);
    });

    it('the connection killed in the middle of a read (KILL)', async () => {
      const kill = () => {
        const id = adminSync("select id from information_schema.processlist where user = 'keysync_reader' and command = 'Query'");
        assert.match(id, /^\d+$/);
        adminSync(`kill ${id}`);
      };
      let seen = 0;
      const error = await expectSourceError(
        scanAll(open({ url: readerUrl(), query: 'select concat(\'S-\', seq) as `key` from seq_1_to_50000000' }), { onRow: (_, index) => ((seen = index), index === 0 && kill()) }),
        'SOURCE_CONNECTION_LOST',
      );
      assert.ok(seen < 50_000_000);
      assert.match(error.message, /in the middle of reading/);
    });

    it('a cancel stops the read and closes the connection', async () => {
      const controller = new AbortController();
      const error = await expectSourceError(
        scanAll(open({ url: readerUrl(), query: 'select concat(\'S-\', seq) as `key` from seq_1_to_50000000' }), { signal: controller.signal, onRow: (_, index) => index === 0 && controller.abort() }),
        'RUN_CANCELLED',
      );
      assert.equal(error.kind, 'cancelled');
    });

    it('a sink that throws stops the scan with its own error', async () => {
      const failure = new Error('bad row policy says stop');
      await assert.rejects(
        open({ url: readerUrl(), table: 'many' }).scan({ row: () => { throw failure; }, unreadable: () => undefined }),
        (error) => error === failure,
      );
    });
  });

  // Last: mocha runs a suite's own tests before its nested suites.
  describe('everything said', () => {
    it('never shows a password (messages, remedies, causes, locations)', () => {
      assertNoPasswordSeen(server.passwords);
    });
  });
});
