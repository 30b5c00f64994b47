/**
 * The `postgres` source type through the seam's contract (open → scan into a sink, showRow,
 * fingerprint) against a real PostgreSQL 15 (helpers/servers.ts), and every bad input the
 * type must name clearly: unreachable, timeouts, wrong password, missing database, table or
 * column, permission denied, a query that is not one SELECT, TLS refused, the connection
 * terminated mid-read. No message may hold a password.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresSourceSchema, type PostgresSourceConfig } from '../../src/config/database-sources.js';
import { postgresSourceType } from '../../src/sources/postgres/postgres-source.js';
import type { SourceContext } from '../../src/sources/source-type.js';
import { postgresAdmin, testServer, type TestServer } from '../helpers/servers.js';
import { assertNoPasswordSeen, expectSourceError, scanAll, seenTexts } from '../helpers/source-sink.js';

const ROWS_IN_MANY = 60_000;

describe('postgres source type (real PostgreSQL 15)', function () {
  this.timeout(120_000);
  let server: TestServer;
  const context = (extra: Partial<SourceContext> = {}): SourceContext => ({ configDir: os.tmpdir(), env: {}, ...extra });
  const config = (fields: Record<string, unknown>): PostgresSourceConfig => postgresSourceSchema.parse({ type: 'postgres', ...fields });
  const open = (fields: Record<string, unknown>, extra?: Partial<SourceContext>) => postgresSourceType.open('B', config(fields), context(extra));
  const readerUrl = () => server.url(server.reader);

  before(async function () {
    server = await testServer('postgres', this);
    await postgresAdmin(server, 'keysync_test', [
      'create table customers (id bigint primary key, key text, name text)',
      "insert into customers values (1, 'C-1', 'Ann'), (2, 'C-2', 'Bo'), (3, null, 'No key'), (10, ' c-10 ', 'Spaces')",
      'create table regions (id int, region text, key text, primary key (region, id))',
      "insert into regions values (1, 'EU', 'R1'), (1, 'US,=%', 'R2')",
      'create table heap (key text)',
      "insert into heap values ('H1'), ('H2')",
      'create table typed (big bigint, exact numeric, id uuid, day date)',
      "insert into typed values (9007199254740993, 12345678901234567890.000100, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29')",
      'create schema "Sales.EU"',
      'grant usage on schema "Sales.EU" to keysync_reader',
      'create table "Sales.EU"."Odd ""Name""" ("Key Col" text primary key)',
      'grant select on "Sales.EU"."Odd ""Name""" to keysync_reader',
      `insert into "Sales.EU"."Odd ""Name""" values ('Q1')`,
      'create view customer_view as select id, key from customers where key is not null',
      `create table many as select 'M-' || g as key from generate_series(1, ${ROWS_IN_MANY}) g`,
      'create table secret_table (key text)',
      'revoke select on secret_table from keysync_reader',
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
    const reader = open({ url: readerUrl(), table: 'public.customers' });
    assert.equal(reader.location, `postgres://keysync_reader@127.0.0.1:${server.port}/keysync_test table public.customers`);
    assert.equal(reader.system, 'B');
  });

  it('locates a row by a composite primary key, in key order, encoding , = and %', async () => {
    const reader = open({ url: readerUrl(), table: 'regions' });
    const rows = await scanAll(reader);
    assert.deepEqual(rows.map((row) => row.locator).sort(), ['region=EU,id=1', 'region=US%2C%3D%25,id=1']);
    const row = await reader.showRow('region=US%2C%3D%25,id=1');
    assert.deepEqual(Object.fromEntries(row!), { id: '1', region: 'US,=%', key: 'R2' });
    assert.equal(await reader.showRow('region=XX,id=1'), undefined);
    assert.equal(await reader.showRow('id=1'), undefined, 'a locator naming other columns finds nothing');
  });

  it('locates a row of a table without a primary key by its ctid, and shows it again (spaces around key_column do not count)', async () => {
    const reader = open({ url: readerUrl(), table: 'heap', key_column: ' key ' });
    const rows = await scanAll(reader);
    assert.deepEqual(rows, [
      { raw: 'H1', locator: 'ctid=(0,1)' },
      { raw: 'H2', locator: 'ctid=(0,2)' },
    ]);
    assert.deepEqual(Object.fromEntries((await reader.showRow('ctid=(0,2)'))!), { key: 'H2' });
  });

  it('reads integer, numeric, uuid and date keys as the text PostgreSQL prints, exactly', async () => {
    const read = async (column: string) => (await scanAll(open({ url: readerUrl(), table: 'typed', key_column: column })))[0]!.raw;
    assert.equal(await read('big'), '9007199254740993');
    assert.equal(await read('exact'), '12345678901234567890.000100');
    assert.equal(await read('id'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal(await read('day'), '2024-02-29');
  });

  it('quotes schema and table names exactly as written, dots and quotes included', async () => {
    const reader = open({ url: readerUrl(), table: '"Sales.EU"."Odd ""Name"""', key_column: 'Key Col' });
    assert.deepEqual(await scanAll(reader), [{ raw: 'Q1', locator: 'Key%20Col=Q1'.replace('%20', ' ') }]);
  });

  it('numbers the rows of a query from 1 and shows one again by its number', async () => {
    const reader = open({ url: readerUrl(), query: 'select key from customers where key is not null order by id -- a comment\n;' });
    const rows = await scanAll(reader);
    assert.deepEqual(rows, [
      { raw: 'C-1', locator: 1 },
      { raw: 'C-2', locator: 2 },
      { raw: ' c-10 ', locator: 3 },
    ]);
    assert.deepEqual(Object.fromEntries((await reader.showRow(2))!), { key: 'C-2' });
    assert.equal(await reader.showRow(9), undefined);
  });

  it('numbers the rows of a view, which has neither a primary key nor a ctid', async () => {
    const rows = await scanAll(open({ url: readerUrl(), table: 'customer_view' }));
    assert.deepEqual(rows.map((row) => row.locator), [1, 2, 3]);
  });

  it('streams a large table in batches, the sink seeing rows before the cursor is done', async () => {
    let firstRowAt = 0;
    const rows = await scanAll(open({ url: readerUrl(), table: 'many' }), { onRow: (_, index) => index === 0 && (firstRowAt = performance.now()) });
    const doneAt = performance.now();
    assert.equal(rows.length, ROWS_IN_MANY);
    assert.equal(new Set(rows.map((row) => row.raw)).size, ROWS_IN_MANY);
    assert.ok(firstRowAt > 0 && firstRowAt < doneAt);
  });

  it('fingerprints with fingerprint_query, changing when the data does, and gives none without it', async () => {
    const reader = open({ url: readerUrl(), table: 'heap', fingerprint_query: 'select count(*), max(key) from heap' });
    const before = await reader.fingerprint();
    assert.match(before!, /^[0-9a-f]{64}$/);
    assert.equal(await reader.fingerprint(), before);
    await postgresAdmin(server, 'keysync_test', ["insert into heap values ('H3')"]);
    assert.notEqual(await reader.fingerprint(), before);
    await postgresAdmin(server, 'keysync_test', ["delete from heap where key = 'H3'"]);
    assert.equal(await open({ url: readerUrl(), table: 'heap' }).fingerprint(), undefined);
  });

  it('reads in a READ ONLY transaction: a writing function in a query is refused by the server', async () => {
    await postgresAdmin(server, 'keysync_test', ['create sequence counter', 'grant usage on sequence counter to keysync_reader']);
    const error = await expectSourceError(scanAll(open({ url: readerUrl(), query: "select nextval('counter')::text as key" })), 'SOURCE_QUERY_REFUSED');
    assert.match(error.message, /read-only/);
  });

  describe('where the password comes from', () => {
    const noPasswordUrl = () => `postgres://keysync_reader@127.0.0.1:${server.port}/keysync_test`;

    it('from ${VAR} in the URL', async () => {
      const url = `postgres://keysync_reader:\${DB_PASSWORD}@127.0.0.1:\${DB_PORT}/keysync_test`;
      const rows = await scanAll(open({ url, table: 'heap' }, { env: { DB_PASSWORD: encodeURIComponent(server.reader.password), DB_PORT: String(server.port) } }));
      assert.equal(rows.length, 2);
    });

    it('an unset ${VAR} is a config error naming it', async () => {
      const error = await expectSourceError(scanAll(open({ url: 'postgres://u:${NOT_SET}@127.0.0.1/db', table: 'heap' })), 'CONFIG_UNDEFINED_VARIABLE');
      assert.equal(error.kind, 'config');
      assert.match(error.message, /sources\.B\.url uses \$\{NOT_SET\}/);
    });

    it('from the editor (context.passwords)', async () => {
      const rows = await scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { passwords: new Map([['B', server.reader.password]]) }));
      assert.equal(rows.length, 2);
    });

    it('from PGPASSWORD in the environment given', async () => {
      const rows = await scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { env: { PGPASSWORD: server.reader.password } }));
      assert.equal(rows.length, 2);
    });

    it('from the password file PGPASSFILE names, first matching line, ignored when others may read it', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-pgpass-'));
      const file = path.join(dir, 'pgpass');
      const escaped = server.reader.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
      writeFileSync(file, `# comment\nother-host:*:*:*:nope\n127.0.0.1:${server.port}:keysync_test:keysync_reader:${escaped}\n*:*:*:*:wrong\n`);
      try {
        chmodSync(file, 0o600);
        assert.equal((await scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { env: { PGPASSFILE: file } }))).length, 2);
        chmodSync(file, 0o644);
        const error = await expectSourceError(scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { env: { PGPASSFILE: file } })), 'SOURCE_AUTH');
        assert.match(error.message, /asks for a password for user keysync_reader and none was found/);
        assert.match(error.remedy!, /PGPASSWORD or in .*pgpass$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('none anywhere: the server asks for one and the message says where to give it', async () => {
      const error = await expectSourceError(scanAll(open({ url: noPasswordUrl(), table: 'heap' }, { env: { HOME: '/nonexistent' } })), 'SOURCE_AUTH');
      assert.match(error.remedy!, /Set Source Password.*\/nonexistent\/\.pgpass/);
    });
  });

  describe('bad input', () => {
    it('an unreachable server (nothing listens on the port)', async () => {
      const error = await expectSourceError(scanAll(open({ url: `postgres://keysync_reader@127.0.0.1:1/keysync_test`, table: 'heap' })), 'SOURCE_UNREACHABLE');
      assert.match(error.describe(), /^postgres:\/\/keysync_reader@127\.0\.0\.1:1\/keysync_test table heap: System B: the server could not be reached \(ECONNREFUSED\)/);
      assert.match(error.remedy!, /host and port/);
    });

    it('a connect timeout (a port that accepts but never answers)', async () => {
      const net = await import('node:net');
      const silent = net.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as import('node:net').AddressInfo;
      try {
        const started = performance.now();
        const error = await expectSourceError(scanAll(open({ url: `postgres://u@127.0.0.1:${port}/db`, table: 'heap', connect_timeout_s: 0.5 })), 'SOURCE_UNREACHABLE');
        assert.ok(performance.now() - started < 5_000);
        assert.match(error.message, /did not answer within connect_timeout_s \(0\.5 s\)/);
      } finally {
        silent.close();
      }
    });

    it('a wrong password', async () => {
      const url = server.url({ user: 'keysync_reader', password: `${server.reader.password}-wrong` });
      const error = await expectSourceError(scanAll(open({ url, table: 'heap' })), 'SOURCE_AUTH');
      assert.match(error.message, /refused the login of user keysync_reader \(SQLSTATE 28P01\)/);
      assert.doesNotMatch(error.message, /-wrong/);
      seenTexts.push(error.describe().replace(/-wrong/g, ''));
    });

    it('a missing database', async () => {
      const error = await expectSourceError(scanAll(open({ url: server.url(server.reader, 'no_such_db'), table: 'heap' })), 'SOURCE_MISSING');
      assert.match(error.message, /database no_such_db does not exist/);
    });

    it('a missing table, schema-qualified or not', async () => {
      const error = await expectSourceError(scanAll(open({ url: readerUrl(), table: 'no_such_table' })), 'SOURCE_NO_TABLE');
      assert.match(error.message, /table no_such_table does not exist \(SQLSTATE 42P01\)/);
      assert.match(error.remedy!, /case included/);
      await expectSourceError(scanAll(open({ url: readerUrl(), table: 'no_schema.heap' })), 'SOURCE_NO_TABLE');
      await expectSourceError(scanAll(open({ url: readerUrl(), table: 'Customers' })), 'SOURCE_NO_TABLE');
    });

    it('a missing key column', async () => {
      const error = await expectSourceError(scanAll(open({ url: readerUrl(), table: 'customers', key_column: 'Key' })), 'SOURCE_NO_KEY_COLUMN');
      assert.match(error.message, /table customers has no column Key/);
      await expectSourceError(scanAll(open({ url: readerUrl(), query: 'select name from customers', key_column: 'key' })), 'SOURCE_NO_KEY_COLUMN');
    });

    it('permission denied: a table without SELECT, and a role that may read nothing', async () => {
      const error = await expectSourceError(scanAll(open({ url: readerUrl(), table: 'secret_table' })), 'SOURCE_PERMISSION');
      assert.match(error.message, /user keysync_reader may not read table secret_table \(permission denied, SQLSTATE 42501\)/);
      assert.match(error.remedy!, /SELECT on the table; KeySync needs nothing more/);
      await expectSourceError(scanAll(open({ url: server.url(server.noSelect), table: 'customers' })), 'SOURCE_PERMISSION');
      await postgresAdmin(server, 'postgres', ['create database closed_db', 'revoke connect on database closed_db from public']);
      const closed = await expectSourceError(scanAll(open({ url: server.url(server.reader, 'closed_db'), table: 'customers' })), 'SOURCE_PERMISSION');
      assert.match(closed.message, /user keysync_reader may not read database closed_db/);
    });

    it('a query that is not one SELECT is refused before it runs', async () => {
      const refused = [
        'select 1 as key; drop table customers',
        "delete from customers where key = 'C-1'",
        'with gone as (delete from customers returning key) select key from gone',
        'select key into copy_of_customers from customers',
        'select key from customers for update',
        'update customers set key = null',
      ];
      for (const query of refused) {
        const error = await expectSourceError(scanAll(open({ url: 'postgres://u@127.0.0.1:1/never_connected', query })), 'SOURCE_QUERY_REFUSED');
        assert.match(error.message, /query was refused before running/);
      }
      const [{ count }] = (await postgresAdmin(server, 'keysync_test', ['select count(*)::int as count from customers'])) as [{ count: number }];
      assert.equal(count, 4);
      // Quotes, comments and dollar quotes are read as the server reads them.
      const rows = await scanAll(open({ url: readerUrl(), query: `select 'a;b' as key union all select $$delete;$$ /* ; drop */ union all select "key" from heap where false` }));
      assert.deepEqual(rows.map((row) => row.raw).sort(), ['a;b', 'delete;']);
      await expectSourceError(open({ url: readerUrl(), table: 'heap', fingerprint_query: 'truncate heap' }).fingerprint(), 'SOURCE_QUERY_REFUSED');
    });

    it('a statement timeout', async () => {
      const error = await expectSourceError(
        scanAll(open({ url: readerUrl(), query: 'select pg_sleep(5)::text as key', statement_timeout_s: 0.3 })),
        'SOURCE_TIMEOUT',
      );
      assert.match(error.message, /ran longer than statement_timeout_s \(0\.3 s\)/);
    });

    it('sslmode=require against a server without TLS', async () => {
      const error = await expectSourceError(scanAll(open({ url: `${readerUrl()}?sslmode=require`, table: 'heap' })), 'SOURCE_TLS');
      assert.match(error.message, /no TLS connection could be made \(sslmode=require\)/);
      assert.match(error.remedy!, /enable SSL on the server, or set sslmode=disable/);
      assert.equal((await scanAll(open({ url: `${readerUrl()}?sslmode=disable`, table: 'heap' }))).length, 2);
    });

    it('sslmode as libpq means it, once the server offers TLS: require encrypts, verify-full checks the certificate', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-tls-'));
      chmodSync(dir, 0o755);
      const cert = path.join(dir, 'server.crt');
      const key = path.join(dir, 'server.key');
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      chmodSync(key, 0o600);
      if (process.getuid?.() === 0) {
        const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
        for (const file of [cert, key]) chownSync(file, uid, 0);
      }
      const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
      await postgresAdmin(server, 'postgres', [`alter system set ssl_cert_file = ${literal(cert)}`, `alter system set ssl_key_file = ${literal(key)}`, 'alter system set ssl = on', 'select pg_reload_conf()']);
      try {
        const encrypted = await scanAll(open({ url: `${readerUrl()}?sslmode=require`, query: 'select ssl::text as key from pg_stat_ssl where pid = pg_backend_pid()' }));
        assert.deepEqual(encrypted.map((row) => row.raw), ['true']);
        const untrusted = await expectSourceError(scanAll(open({ url: `${readerUrl()}?sslmode=verify-full`, table: 'heap' })), 'SOURCE_TLS');
        assert.match(untrusted.message, /TLS certificate was not accepted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
        assert.equal((await scanAll(open({ url: `${readerUrl()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(cert)}`, table: 'heap' }))).length, 2);
      } finally {
        await postgresAdmin(server, 'postgres', ['alter system reset ssl', 'alter system reset ssl_cert_file', 'alter system reset ssl_key_file', 'select pg_reload_conf()']);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the connection terminated in the middle of a read (pg_terminate_backend)', async () => {
      const terminate = () => {
        const result = spawnSync(
          '/usr/lib/postgresql/15/bin/psql',
          ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', 'keysync_test', '-tAc', "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'keysync' and usename = 'keysync_reader'"],
          { env: { ...process.env, PGPASSWORD: server.admin.password }, encoding: 'utf8' },
        );
        assert.equal(result.stdout.trim(), '1', result.stderr);
      };
      const error = await expectSourceError(
        scanAll(open({ url: readerUrl(), table: 'many' }), { onRow: (_, index) => index === 0 && terminate() }),
        'SOURCE_CONNECTION_LOST',
      );
      // The server's 57P01 or, when the socket closed first, the write that failed (EPIPE, ECONNRESET).
      assert.match(error.message, /(ended the connection|connection was lost) in the middle of reading \((SQLSTATE 57P01|EPIPE|ECONNRESET)\)/);
    });

    it('a cancel stops the read and closes the connection', async () => {
      const controller = new AbortController();
      const error = await expectSourceError(
        scanAll(open({ url: readerUrl(), table: 'many' }), { signal: controller.signal, onRow: (_, index) => index === 0 && controller.abort() }),
        'RUN_CANCELLED',
      );
      assert.equal(error.kind, 'cancelled');
      const [{ sessions }] = (await postgresAdmin(server, 'keysync_test', [
        "select count(*)::int as sessions from pg_stat_activity where application_name = 'keysync'",
      ])) as [{ sessions: number }];
      assert.equal(sessions, 0);
    });

    it('a sink that throws stops the scan with its own error', async () => {
      const reader = open({ url: readerUrl(), table: 'many' });
      const failure = new Error('bad row policy says stop');
      await assert.rejects(
        reader.scan({ row: () => { throw failure; }, unreadable: () => undefined }),
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
