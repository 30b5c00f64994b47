/** The pure parts of the database source types: the single-SELECT check, identifiers, locators, ${VAR}, the config fields. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mysqlSourceSchema, postgresSourceSchema } from '../../src/config/database-sources.js';
import { isKeySyncError } from '../../src/errors.js';
import { expandVariables } from '../../src/config/expand-variables.js';
import { quoteIdentifier, splitQualifiedName } from '../../src/sources/database/identifiers.js';
import { formatKeyLocator, keyLocator, keyLocatorValues, parseKeyLocator } from '../../src/sources/key-locator.js';
import { redact, targetLocation } from '../../src/sources/database/database-target.js';
import { checkSingleSelect, type SqlDialect } from '../../src/sources/single-select.js';
import { REPO_ROOT } from '../helpers/workspace.js';

describe('database sources: the single-SELECT check (every database type)', () => {
  const accepted: [string, SqlDialect, string][] = [
    ['select key from t', 'postgres', 'select key from t'],
    ['  SELECT key FROM t ;  ', 'postgres', 'SELECT key FROM t'],
    ['with a as (select 1 as key) select key from a;;', 'postgres', 'with a as (select 1 as key) select key from a'],
    ["values ('a'), ('b')", 'postgres', "values ('a'), ('b')"],
    ['table customers', 'postgres', 'table customers'],
    ["select 'it''s; delete' as key", 'postgres', "select 'it''s; delete' as key"],
    ["select E'\\'; drop' as key", 'postgres', "select E'\\'; drop' as key"],
    ['select $x$ ; delete $x$ as key', 'postgres', 'select $x$ ; delete $x$ as key'],
    ['select "update" from t -- ; drop table t', 'postgres', 'select "update" from t'],
    ['select /* nested /* ; */ still */ 1', 'postgres', 'select /* nested /* ; */ still */ 1'],
    ['select $1::text', 'postgres', 'select $1::text'],
    // A trailing comment is left out, so the query can be wrapped in parentheses.
    ["select 'a\\'; delete' as `key` # ; drop", 'mysql', "select 'a\\'; delete' as `key`"],
    ['select `update;` from t', 'mysql', 'select `update;` from t'],
    ['(select 1)', 'postgres', '(select 1)'],
    // SQLite: [brackets] quote a name; a backslash escapes nothing.
    ["SELECT ';' AS key -- ; drop\n FROM t;", 'sqlite', "SELECT ';' AS key -- ; drop\n FROM t"],
    ['select [update;] from t', 'sqlite', 'select [update;] from t'],
    ["select 'a\\' as key", 'sqlite', "select 'a\\' as key"],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'sqlite', 'WITH x AS (SELECT 1) SELECT * FROM x'],
  ];
  for (const [sql, dialect, kept] of accepted) {
    it(`accepts ${JSON.stringify(sql)} (${dialect})`, () => assert.deepEqual(checkSingleSelect(sql, dialect), { ok: true, sql: kept }));
  }

  const refused: [string, SqlDialect, RegExp][] = [
    ['select 1; select 2', 'postgres', /more than one statement/],
    ['delete from t', 'postgres', /starts with DELETE/],
    ['insert into t values (1)', 'mysql', /starts with INSERT/],
    ['with d as (delete from t returning *) select * from d', 'postgres', /contains DELETE/],
    ['with u as (update t set a = 1 returning *) select * from u', 'postgres', /contains UPDATE/],
    ['select * into t2 from t', 'postgres', /contains INTO/],
    ['select * from t for update', 'postgres', /contains UPDATE/],
    ['select * from t lock in share mode', 'mysql', /contains LOCK/],
    ['select /*! 1; drop table t */ 1', 'mysql', /executable comment/],
    ["select 'unclosed", 'postgres', /' quote is not closed/],
    ['select $a$ open', 'postgres', /\$a\$ quote is not closed/],
    ['select /* open', 'postgres', /comment is not closed/],
    ['', 'postgres', /starts with no statement/],
    ['-- only a comment', 'postgres', /starts with no statement/],
    ['explain analyze delete from t', 'postgres', /starts with EXPLAIN/],
    ['call p()', 'mysql', /starts with CALL/],
    ['select 1 ; ; drop table t', 'postgres', /more than one statement/],
    ['SELECT 1; DROP TABLE t', 'sqlite', /more than one statement/],
    ['/* hi */ update t set a = 1', 'sqlite', /starts with UPDATE, not SELECT, WITH or VALUES/],
    ['table t', 'sqlite', /starts with TABLE/],
    ['select [open', 'sqlite', /\[ quote is not closed/],
    ['with d as (delete from t returning *) select * from d', 'sqlite', /contains DELETE/],
  ];
  for (const [sql, dialect, reason] of refused) {
    it(`refuses ${JSON.stringify(sql)} (${dialect})`, () => {
      const check = checkSingleSelect(sql, dialect);
      assert.equal(check.ok, false);
      assert.match((check as { reason: string }).reason, reason);
    });
  }
});

describe('database sources: identifiers and locators', () => {
  it('quotes identifiers, doubling the quote inside', () => {
    assert.equal(quoteIdentifier('a"b', '"'), '"a""b"');
    assert.equal(quoteIdentifier('a`b', '`'), '`a``b`');
    assert.equal(quoteIdentifier('Robert"; drop table x; --', '"'), '"Robert""; drop table x; --"');
  });

  it('splits schema.table, with quoted parts holding dots and quotes', () => {
    assert.deepEqual(splitQualifiedName('customers', '"'), ['customers']);
    assert.deepEqual(splitQualifiedName('sales.customers', '"'), ['sales', 'customers']);
    assert.deepEqual(splitQualifiedName('"sales.eu"."odd ""name"""', '"'), ['sales.eu', 'odd "name"']);
    assert.deepEqual(splitQualifiedName('`db.x`.t', '`'), ['db.x', 't']);
    for (const bad of ['a.b.c', 'a.', '.a', '"open', '"a"b', 'a..b']) assert.equal(splitQualifiedName(bad, '"'), undefined, bad);
  });

  it('gives one integer key column as the number, any other key as text', () => {
    assert.equal(keyLocator(['id'], ['42'], true), 42);
    assert.equal(keyLocator(['id'], ['-7'], true), -7);
    assert.equal(keyLocator(['id'], ['9007199254740993'], true), 'id=9007199254740993', 'beyond 2^53: exact only as text');
    assert.equal(keyLocator(['code'], ['42'], false), 'code=42');
    assert.deepEqual(keyLocatorValues(42, ['id'], true), ['42']);
    assert.deepEqual(keyLocatorValues('id=9007199254740993', ['id'], true), ['9007199254740993']);
    assert.equal(keyLocatorValues(42, ['code'], false), undefined);
    assert.equal(keyLocatorValues(1.5, ['id'], true), undefined);
  });

  it('writes a primary-key locator that reads back, whatever the values hold', () => {
    const values = ['1', 'EU,=%x', ''];
    const text = formatKeyLocator(['id', 'region', 'empty'], values);
    assert.equal(text, 'id=1,region=EU%2C%3D%25x,empty=');
    assert.deepEqual(parseKeyLocator(text, ['id', 'region', 'empty']), values);
    assert.equal(parseKeyLocator(text, ['id', 'region']), undefined);
    assert.equal(parseKeyLocator('id=%zz', ['id']), undefined);
  });
});

describe('database sources: ${VAR}, locations and redaction', () => {
  it('expands ${VAR} from the environment given, and names every unset one', () => {
    assert.equal(expandVariables('postgres://u:${PW}@${HOST}/db', { PW: 'p', HOST: 'h' }, 'sources.B.url'), 'postgres://u:p@h/db');
    assert.equal(expandVariables('postgres://$HOME/${}', {}, 'sources.B.url'), 'postgres://$HOME/${}');
    try {
      expandVariables('postgres://${A}@${B}/${A}', { B: 'x' }, 'sources.B.url');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(isKeySyncError(error));
      assert.equal(error.code, 'CONFIG_UNDEFINED_VARIABLE');
      assert.equal(error.kind, 'config');
      assert.match(error.message, /sources\.B\.url uses \$\{A\}, which is not set/);
    }
  });

  it('names a location without a password, and scrubs a password in any text', () => {
    const target = { system: 'B', scheme: 'postgres' as const, user: 'app', host: 'db', port: 5432, database: 'shop', table: undefined };
    assert.equal(targetLocation(target), 'postgres://app@db:5432/shop query');
    assert.equal(redact('login p@ss/1 failed for p%40ss%2F1', ['p@ss/1']), 'login *** failed for ***');
  });
});

describe('database sources: config fields', () => {
  it('takes either table or query, with defaults', () => {
    assert.deepEqual(postgresSourceSchema.parse({ type: 'postgres', url: 'postgres://h/db', table: 't' }), {
      type: 'postgres', url: 'postgres://h/db', table: 't', key_column: 'key', connect_timeout_s: 10,
    });
    assert.equal(postgresSourceSchema.safeParse({ type: 'postgres', url: 'postgres://h/db' }).success, false);
    assert.equal(postgresSourceSchema.safeParse({ type: 'postgres', url: 'postgres://h/db', table: 't', query: 'select 1' }).success, false);
    assert.equal(mysqlSourceSchema.safeParse({ type: 'mysql', url: '${DATABASE_URL}', query: 'select 1' }).success, true);
    assert.equal(mysqlSourceSchema.safeParse({ type: 'mysql', url: 'postgres://h/db', table: 't' }).success, false);
    assert.equal(postgresSourceSchema.safeParse({ type: 'postgres', url: 'postgres://h/db', table: 't', extra: 1 }).success, false);
    assert.equal(postgresSourceSchema.safeParse({ type: 'postgres', url: 'postgres://h/db', table: 't', statement_timeout_s: -1 }).success, false);
  });
});

describe('database sources: drivers load only when used', () => {
  it('opening a postgres or mysql source loads neither pg nor mysql2; reading does', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { postgresSourceType } = await import('./sdk/src/sources/postgres/postgres-source.ts');
      const { mysqlSourceType } = await import('./sdk/src/sources/mysql/mysql-source.ts');
      const context = { configDir: '.', env: {} };
      const base = { key_column: 'key', connect_timeout_s: 1 };
      const pgReader = postgresSourceType.open('A', { ...base, type: 'postgres', url: 'postgres://u@127.0.0.1:1/db', table: 't' }, context);
      mysqlSourceType.open('B', { ...base, type: 'mysql', url: 'mysql://u@127.0.0.1:1/db', table: 't' }, context);
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((file) => /node_modules\\/(pg|mysql2)\\//.test(file)).length;
      const before = loaded();
      await pgReader.scan({ row() {}, unreadable() {} }).catch(() => undefined);
      console.log(JSON.stringify({ before, after: loaded() }));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const { before, after } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { before: number; after: number };
    assert.equal(before, 0);
    assert.ok(after > 0);
  });
});
