/**
 * The real CLI against real PostgreSQL 15 and MariaDB servers (helpers/servers.ts,
 * docs/database-sources.md):
 * - "Fixtures on every type": the CLI fixture sets run again with every system moved into
 *   PostgreSQL tables and into MariaDB tables; the reports equal the CSV run's apart from
 *   locators (helpers/fixture-moves.ts).
 * - Bad input: each unusable database source fails the run with `on_missing_file: fail`
 *   (exit 1, the message naming the source, host, database, table and fix, nothing
 *   persisted) and is left out with `skip` (exit 0, reason in error_report and the audit log).
 *   The connection dropped mid-read is tested at the contract level only
 *   (postgres-source.test.ts, mysql-source.test.ts): a child process cannot be stopped
 *   reliably in the middle of its read.
 * - Nothing written during these runs (stdout, stderr, log file, reports, the workspace's
 *   database with its audit rows) holds a test password.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { assertSameReports, fixtureSystems, replaceSources, reportsOf } from '../helpers/fixture-moves.js';
import { readReports } from '../helpers/reports.js';
import { mariadbAdmin, postgresAdmin, testServer, type Login, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** One server as the tests drive it. */
interface Engine {
  readonly name: 'postgres' | 'mariadb';
  readonly type: 'postgres' | 'mysql';
  readonly server: TestServer;
  admin(statements: readonly string[]): Promise<unknown>;
  /** A string literal; MariaDB also reads backslashes in one as escapes. */
  literal(value: string | null): string;
  /** The URL without a password: the password comes from `env`. */
  url(login: Login, database?: string, port?: number): string;
  /** Where the CLI finds the login's password: PGPASSWORD, MYSQL_PWD. */
  env(password: string): NodeJS.ProcessEnv;
  /** A query that runs for seconds, to be stopped by statement_timeout_s. */
  readonly slowQuery: string;
}

function engineOf(server: TestServer): Engine {
  const scheme = server.engine === 'postgres' ? 'postgres' : 'mysql';
  return {
    name: server.engine,
    type: scheme,
    server,
    admin: (statements) => (server.engine === 'postgres' ? postgresAdmin(server, server.database, statements) : mariadbAdmin(server, statements)),
    literal: (value) =>
      value === null ? 'NULL' : `'${server.engine === 'postgres' ? value.replaceAll("'", "''") : value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`,
    url: (login, database = server.database, port = server.port) => `${scheme}://${login.user}@127.0.0.1:${port}/${database}`,
    env: (password) => (server.engine === 'postgres' ? { PGPASSWORD: password } : { MYSQL_PWD: password }),
    slowQuery:
      server.engine === 'postgres'
        ? 'select pg_sleep(5)::text as key'
        : 'select count(*) as `key` from seq_1_to_100000 a join seq_1_to_100000 b on a.seq + b.seq = 7',
  };
}

const quoteName = (engine: Engine, name: string) => (engine.name === 'postgres' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``);

/** A port nothing listens on: taken free from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every file below `dir`, read as bytes turned into text (a password in SQLite pages or a log shows up as its characters). */
function filesBelow(dir: string): { file: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => ({ file, text: readFileSync(file).toString('latin1') }));
}

describe('the CLI on PostgreSQL and MariaDB sources (real servers)', function () {
  this.timeout(120_000);
  const engines: Engine[] = [];
  const workspaces: TempWorkspace[] = [];
  /** What the CLI printed and every file it wrote, kept for the password scan. */
  const written: { where: string; text: string }[] = [];
  let tableCount = 0;

  before(async function () {
    engines.push(engineOf(await testServer('postgres', this)), engineOf(await testServer('mariadb', this)));
  });
  after(() => workspaces.forEach((workspace) => workspace.remove()));

  const fresh = (fixture?: string) => {
    const workspace = tempWorkspace(fixture);
    workspaces.push(workspace);
    return workspace;
  };
  const keep = (label: string) => (result: CliResult) => written.push({ where: `${label} stdout`, text: result.stdout }, { where: `${label} stderr`, text: result.stderr });
  const engine = (name: Engine['name']) => engines.find((candidate) => candidate.name === name)!;

  /** Moves every system of the workspace's config into tables of `engine`; a missing CSV becomes a missing table. */
  async function moveInto(workspace: TempWorkspace, engine: Engine): Promise<void> {
    const sources: Record<string, object> = {};
    const prefix = `fx${++tableCount}`;
    for (const { system, keyColumn, keys } of fixtureSystems(workspace)) {
      const table = `${prefix}_${system}`;
      if (keys) {
        // No primary key: rows come back in the order they went in, as a CSV's do.
        const charset = engine.name === 'mariadb' ? ' character set utf8mb4' : '';
        const statements = [`create table ${quoteName(engine, table)} (${quoteName(engine, keyColumn)} text)${charset}`];
        if (keys.length > 0) statements.push(`insert into ${quoteName(engine, table)} values ${keys.map((key) => `(${engine.literal(key)})`).join(', ')}`);
        await engine.admin(statements);
      }
      sources[system] = { type: engine.type, url: engine.url(engine.server.reader), table, key_column: keyColumn };
    }
    replaceSources(workspace, sources);
  }

  for (const fixture of ['clean', 'missing-source', 'dirty']) {
    for (const name of ['postgres', 'mariadb'] as const) {
      it(`fixtures: ${fixture} in ${name} tables gives the same reports as from CSV, apart from locators`, async () => {
        const expected = await reportsOf(fresh(fixture));
        const moved = fresh(fixture);
        await moveInto(moved, engine(name));
        const actual = await reportsOf(moved, engine(name).env(engine(name).server.reader.password), keep(`${fixture} ${name}`));
        written.push(...filesBelow(moved.dir).map(({ file, text }) => ({ where: file, text })));
        assertSameReports(fixture, name, actual, expected);
      });
    }
  }

  /**
   * One unusable source B beside a CSV authority A. `source` gives B's fields; the URL holds
   * the password through `${KS_PASSWORD}` (percent-encoded), so that its redaction is exercised.
   */
  interface BadInput {
    readonly label: string;
    source(engine: Engine): Promise<Record<string, unknown>>;
    /** The login whose password KS_PASSWORD holds; the reader's by default. */
    password?(engine: Engine): string;
    /** What the message must say, beyond the location. */
    readonly message: RegExp;
    /** Also tried with `skip`. */
    readonly skipToo: boolean;
    /** The location in the message names this table (else the table of `source`). */
    readonly noTable?: boolean;
  }

  const withPassword = (engine: Engine, login: Login, database?: string, port?: number) =>
    engine.url(login, database, port).replace(`${login.user}@`, `${login.user}:\${KS_PASSWORD}@`);

  const badInputs: BadInput[] = [
    {
      label: 'unreachable server',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader, undefined, await closedPort()), table: 'bad_keys', connect_timeout_s: 2 }),
      message: /SOURCE_UNREACHABLE|cannot be reached|refused/i,
      skipToo: true,
    },
    {
      label: 'wrong password',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader), table: 'bad_keys' }),
      password: (engine) => engine.server.noSelect.password,
      message: /password/i,
      skipToo: true,
    },
    {
      label: 'missing database',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader, 'no_such_db'), table: 'bad_keys' }),
      message: /no_such_db/,
      skipToo: false,
    },
    {
      label: 'missing table',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader), table: 'no_such_table' }),
      message: /no_such_table/,
      skipToo: true,
    },
    {
      label: 'missing column',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader), table: 'bad_keys', key_column: 'no_such_column' }),
      message: /no_such_column/,
      skipToo: false,
    },
    {
      label: 'permission denied',
      source: async (engine) => ({ url: withPassword(engine, engine.server.noSelect), table: 'bad_keys' }),
      password: (engine) => engine.server.noSelect.password,
      message: /permission|denied|privilege/i,
      skipToo: true,
    },
    {
      label: 'a query that is not a single SELECT',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader), query: 'select key from bad_keys; delete from bad_keys' }),
      message: /refused before running/,
      skipToo: true,
      noTable: true,
    },
    {
      label: 'statement timeout',
      source: async (engine) => ({ url: withPassword(engine, engine.server.reader), query: engine.slowQuery, statement_timeout_s: 0.3 }),
      message: /statement_timeout_s/,
      skipToo: true,
      noTable: true,
    },
  ];

  async function badWorkspace(engine: Engine, bad: BadInput, onMissingFile: 'fail' | 'skip'): Promise<{ workspace: TempWorkspace; result: CliResult }> {
    const workspace = fresh('clean');
    replaceSources(workspace, { A: { path: './input/A.csv' }, B: { type: engine.type, key_column: 'key', ...(await bad.source(engine)) } });
    const config = readFileSync(workspace.config, 'utf8')
      .replace(/logging:[^\n]*\n(?: +[^\n]*\n)*/, '')
      .concat(`error_handling: { on_missing_file: ${onMissingFile} }\nlogging: { file: ./logs/keysync.log, level: debug }\n`);
    writeFileSync(workspace.config, config);
    const password = (bad.password ?? ((candidate: Engine) => candidate.server.reader.password))(engine);
    const result = await runCli(['-c', workspace.config], { env: { KS_PASSWORD: encodeURIComponent(password) } });
    keep(`${bad.label} ${engine.name} ${onMissingFile}`)(result);
    written.push(...filesBelow(workspace.dir).map(({ file, text }) => ({ where: file, text })));
    return { workspace, result };
  }

  before(async () => {
    for (const engine of engines) await engine.admin(['create table bad_keys (' + quoteName(engine, 'key') + ' text)', "insert into bad_keys values ('K-1')"]);
  });

  for (const name of ['postgres', 'mariadb'] as const) {
    for (const bad of badInputs) {
      it(`bad input in ${name}: ${bad.label}, on_missing_file: fail → exit 1, the message names where and the fix, nothing persisted`, async () => {
        const { workspace, result } = await badWorkspace(engine(name), bad, 'fail');
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, bad.message);
        // Names the source, host, database and table.
        assert.match(result.stderr, /\bB\b/);
        assert.match(result.stderr, /127\.0\.0\.1:\d+\/\w+/);
        if (!bad.noTable) assert.match(result.stderr, /table \w+/);
        assert.match(result.stderr, / — /, 'the fix follows the message');
        if (existsSync(workspace.file('data/keysync.db'))) {
          // The failed run is recorded as failed; the registry holds nothing.
          assert.deepEqual(queryWorkspace(workspace, "select count(*) as n from runs where status <> 'failed'"), [{ n: 0 }]);
          assert.deepEqual(queryWorkspace(workspace, 'select count(*) as n from master_keys'), [{ n: 0 }]);
        }
      });
      if (bad.skipToo) {
        it(`bad input in ${name}: ${bad.label}, on_missing_file: skip → exit 0, B left out with the reason in error_report and the audit log`, async () => {
          const { workspace, result } = await badWorkspace(engine(name), bad, 'skip');
          assert.equal(result.code, 0, result.stderr);
          const reports = readReports(workspace.file('output'), workspace.dir);
          const skipped = reports.error_report!.split('\n').filter((line) => line.includes('source_skipped'));
          assert.equal(skipped.length, 1, reports.error_report);
          assert.match(skipped[0]!, /,B,/);
          assert.match(skipped[0]!, bad.message);
          assert.match(reports.audit_log!, /source_skipped/);
          const audit = queryWorkspace<{ details: string }>(workspace, "select details from audit_log where event_type = 'source_skipped'");
          assert.equal(audit.length, 1, 'an audit row records the skipped source');
          assert.match(audit[0]!.details, bad.message);
        });
      }
    }
  }

  it('nothing written during these runs holds a test password', () => {
    assert.ok(written.length > 40, `only ${written.length} texts were kept`);
    const passwords = engines.flatMap((engine) => engine.server.passwords);
    const forms = passwords.flatMap((password) => [password, encodeURIComponent(password), password.slice(0, -3)]);
    const leaks = written.filter(({ text }) => forms.some((form) => text.includes(form))).map(({ where }) => where);
    assert.deepEqual(leaks, []);
  });
});
