/**
 * Real database servers for the database source tests: PostgreSQL 15 and MariaDB, each on
 * 127.0.0.1, on a free port, in a temporary data directory, as an unprivileged user (the
 * `postgres` and `mysql` system users when the tests run as root). Each starts on first use
 * and is shared by every test file of the mocha run; both are stopped and their folders
 * removed by a root `after` hook and, should mocha not get that far, on exit or SIGINT/SIGTERM.
 *
 * On CI (`CI` set) a server that cannot start fails the tests; elsewhere a machine without
 * the binaries skips them with a message saying what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const MARIADB_SERVER = '/usr/sbin/mariadbd';
const MARIADB_INSTALL_DB = '/usr/bin/mariadb-install-db';
const START_TIMEOUT_MS = 60_000;

/** A login a test connects as; the password is random per run, so a leak is found by searching for it. */
export interface Login {
  readonly user: string;
  readonly password: string;
}

export interface TestServer {
  readonly engine: 'postgres' | 'mariadb';
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The database the roles below may read (created empty; tests add tables). */
  readonly database: string;
  /** Superuser: sets up tables, terminates backends. */
  readonly admin: Login;
  /** CONNECT (or USAGE) and SELECT on the database's tables, nothing else: the least privilege a source needs. */
  readonly reader: Login;
  /** May connect but may SELECT nothing: permission denied. */
  readonly noSelect: Login;
  /** `postgres://user:password@127.0.0.1:port/db` (or `mysql://…`), the password percent-encoded. */
  url(login: Login, database?: string): string;
  /** Every test password, for the check that none leaks. */
  readonly passwords: readonly string[];
}

/** Servers started in this process, stopped at the end whatever happens. */
const running: { child: ChildProcess; stopSync: () => void; dir: string }[] = [];
const started = new Map<'postgres' | 'mariadb', Promise<TestServer>>();

function testPassword(): string {
  // URL-special characters, so that encoding and redaction are exercised.
  return `ks-pw/${randomBytes(9).toString('base64url')}@:%`;
}

const asRoot = process.getuid?.() === 0;

/** A command run as `user` when the tests run as root (initdb and the servers refuse root), else as is. */
function asUser(user: string, command: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', user, '--', command, ...args]] : [command, [...args]];
}

function ownedTempDir(prefix: string, user: string): string {
  // As root the folder goes in /tmp itself: the server's user must reach it, and a private
  // TMPDIR (the editor test host sets one, mode 700) would shut it out.
  const dir = mkdtempSync(path.join(asRoot ? '/tmp' : os.tmpdir(), prefix));
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout);
    chownSync(dir, uid, gid);
  }
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(user: string, command: string, args: readonly string[], cwd: string): void {
  const [file, argv] = asUser(user, command, args);
  const result = spawnSync(file, argv, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${path.basename(command)} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals the server itself (not a runuser in between) and waits for it to go, then removes its folder. */
function stopProcessSync(pid: number | undefined, signal: NodeJS.Signals, dir: string): void {
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, signal);
    for (let waited = 0; isAlive(pid) && waited < 15_000; waited += 50) sleepSync(50);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntil(what: string, ready: () => Promise<boolean>, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '';
  throw new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000} s:\n${log}`);
}

function register(child: ChildProcess, pidFile: string, signal: NodeJS.Signals, dir: string): void {
  let stopped = false;
  running.push({
    child,
    dir,
    stopSync: () => {
      if (stopped) return;
      stopped = true;
      stopProcessSync(readPid(pidFile) ?? child.pid, signal, dir);
    },
  });
}

function encodeLogin(login: Login): string {
  return `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}`;
}

async function startPostgres(): Promise<TestServer> {
  const dir = ownedTempDir('keysync-pg-', 'postgres');
  const data = path.join(dir, 'data');
  const admin: Login = { user: 'postgres', password: testPassword() };
  const pwFile = path.join(dir, 'superuser-password');
  writeFileSync(pwFile, `${admin.password}\n`, { mode: 0o600 });
  if (asRoot) chownSync(pwFile, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), 0);
  run('postgres', path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--no-locale', '--no-sync'], dir);
  rmSync(pwFile);
  const port = await freePort();
  const logFile = path.join(dir, 'server.log');
  const log = openSync(logFile, 'a');
  const [file, argv] = asUser('postgres', path.join(PG_BIN, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ]);
  const child = spawn(file, argv, { cwd: dir, stdio: ['ignore', log, log] });
  // SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing waits for them.
  register(child, path.join(data, 'postmaster.pid'), 'SIGINT', dir);

  const server: TestServer = {
    engine: 'postgres',
    host: '127.0.0.1',
    port,
    database: 'keysync_test',
    admin,
    reader: { user: 'keysync_reader', password: testPassword() },
    noSelect: { user: 'keysync_no_select', password: testPassword() },
    url: (login, database = 'keysync_test') => `postgres://${encodeLogin(login)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    get passwords() {
      return [this.admin.password, this.reader.password, this.noSelect.password, ...teamPasswords];
    },
  };
  await waitUntil('PostgreSQL', async () => {
    try {
      await postgresAdmin(server, 'postgres', ['select 1']);
      return true;
    } catch {
      return false;
    }
  }, child, logFile);
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  await postgresAdmin(server, 'postgres', [
    'create database keysync_test',
    `create role keysync_reader login password ${literal(server.reader.password)}`,
    `create role keysync_no_select login password ${literal(server.noSelect.password)}`,
    // A database's CONNECT is granted to PUBLIC by default; the reader gets it explicitly all the same.
    'revoke all on database keysync_test from public',
    'grant connect on database keysync_test to keysync_reader, keysync_no_select',
  ]);
  await postgresAdmin(server, 'keysync_test', [
    'revoke create on schema public from public',
    'grant usage on schema public to keysync_reader, keysync_no_select',
    // Tables the superuser creates later are readable by the reader, and by nobody else.
    'alter default privileges in schema public grant select on tables to keysync_reader',
  ]);
  return server;
}

async function startMariaDb(): Promise<TestServer> {
  const dir = ownedTempDir('keysync-mariadb-', 'mysql');
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mariadb.sock');
  const pidFile = path.join(dir, 'mariadb.pid');
  const logFile = path.join(dir, 'server.log');
  const user = asRoot ? 'mysql' : os.userInfo().username;
  run(user, MARIADB_INSTALL_DB, ['--no-defaults', `--user=${user}`, `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'], dir);
  const port = await freePort();
  const [file, argv] = asUser(user, MARIADB_SERVER, [
    '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
    '--skip-log-bin', `--pid-file=${pidFile}`, `--log-error=${logFile}`, '--innodb-flush-log-at-trx-commit=0', '--skip-name-resolve',
  ]);
  const child = spawn(file, argv, { cwd: dir, stdio: 'ignore' });
  register(child, pidFile, 'SIGTERM', dir);

  const admin: Login = { user: 'keysync_admin', password: testPassword() };
  const server: TestServer = {
    engine: 'mariadb',
    host: '127.0.0.1',
    port,
    database: 'keysync_test',
    admin,
    reader: { user: 'keysync_reader', password: testPassword() },
    noSelect: { user: 'keysync_no_select', password: testPassword() },
    url: (login, database = 'keysync_test') => `mysql://${encodeLogin(login)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    get passwords() {
      return [this.admin.password, this.reader.password, this.noSelect.password];
    },
  };
  const { createConnection } = await import('mysql2/promise');
  await waitUntil('MariaDB', async () => {
    if (!existsSync(socket)) return false;
    try {
      // root has no password and may log in only over the socket, as the install left it.
      const root = await createConnection({ socketPath: socket, user: 'root' });
      const quoted = (text: string) => root.escape(text);
      for (const statement of [
        'create database keysync_test',
        `create user keysync_admin@'%' identified by ${quoted(admin.password)}`,
        "grant all on *.* to keysync_admin@'%' with grant option",
        `create user keysync_reader@'%' identified by ${quoted(server.reader.password)}`,
        "grant select on keysync_test.* to keysync_reader@'%'",
        `create user keysync_no_select@'%' identified by ${quoted(server.noSelect.password)}`,
        // USAGE: may log in, may read nothing.
        "grant usage on *.* to keysync_no_select@'%'",
      ]) {
        await root.query(statement);
      }
      await root.end();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DB_CREATE_EXISTS') throw error;
      return false;
    }
  }, child, logFile);
  return server;
}

/** Runs statements one by one as the superuser on a PostgreSQL test server; returns the last one's rows. */
export async function postgresAdmin(server: TestServer, database: string, statements: readonly string[]): Promise<Record<string, unknown>[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: server.url(server.admin, database), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** The roles of a team registry (README, "Team registry"); their passwords join `passwords`. */
const teamPasswords: string[] = [];
let teamRoles: Promise<{ app: Login; viewer: Login }> | undefined;

export interface TeamRegistry {
  /** A database of its own, with schema `keysync` owned by keysync_app and readable by keysync_viewer. */
  readonly database: string;
  readonly app: Login;
  readonly viewer: Login;
  url(login: Login): string;
}

let teamDatabases = 0;

/**
 * A fresh database set up with the README's GRANTs for a team registry: keysync_app owns the
 * `keysync` schema (it migrates it), keysync_viewer may connect and read what keysync_app creates.
 */
export async function teamRegistryDatabase(server: TestServer): Promise<TeamRegistry> {
  teamRoles ??= (async () => {
    const app: Login = { user: 'keysync_app', password: testPassword() };
    const viewer: Login = { user: 'keysync_viewer', password: testPassword() };
    teamPasswords.push(app.password, viewer.password);
    const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
    await postgresAdmin(server, 'postgres', [
      `create role keysync_app login password ${literal(app.password)}`,
      `create role keysync_viewer login password ${literal(viewer.password)}`,
    ]);
    return { app, viewer };
  })();
  const { app, viewer } = await teamRoles;
  const database = `keysync_team_${process.pid}_${++teamDatabases}`;
  await postgresAdmin(server, 'postgres', [`create database ${database}`, `revoke all on database ${database} from public`, `grant connect on database ${database} to keysync_app, keysync_viewer`]);
  await postgresAdmin(server, database, [
    'create schema keysync authorization keysync_app',
    'grant usage on schema keysync to keysync_viewer',
    'alter default privileges for role keysync_app in schema keysync grant select on tables to keysync_viewer',
  ]);
  return { database, app, viewer, url: (login) => server.url(login, database) };
}

/** Runs statements one by one as the admin on a MariaDB test server; returns the last one's rows. */
export async function mariadbAdmin(server: TestServer, statements: readonly string[]): Promise<unknown[]> {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ host: server.host, port: server.port, user: server.admin.user, password: server.admin.password, database: server.database });
  try {
    let rows: unknown[] = [];
    for (const statement of statements) rows = (await connection.query(statement))[0] as unknown[];
    return rows;
  } finally {
    await connection.end();
  }
}

function binariesPresent(engine: 'postgres' | 'mariadb'): boolean {
  return engine === 'postgres' ? existsSync(path.join(PG_BIN, 'postgres')) : existsSync(MARIADB_SERVER) && existsSync(MARIADB_INSTALL_DB);
}

/**
 * The shared server of that engine, started on first call. In a `before` hook: without the
 * binaries (and not on CI) it skips the calling suite, naming the Debian package to install.
 */
export async function testServer(engine: 'postgres' | 'mariadb', context?: Mocha.Context): Promise<TestServer> {
  if (!binariesPresent(engine) && !process.env.CI && context) {
    const packageName = engine === 'postgres' ? 'postgresql-15' : 'mariadb-server';
    console.warn(`    (skipped: ${engine} binaries not found; install Debian's ${packageName}, or run .ci/install-test-tools.sh)`);
    context.skip();
  }
  let server = started.get(engine);
  if (!server) {
    server = engine === 'postgres' ? startPostgres() : startMariaDb();
    started.set(engine, server);
  }
  return server;
}

/**
 * A PostgreSQL server of the calling test's own, not shared, and a fast shutdown of it (its
 * sessions ended at once): a server that dies in the middle of a run. Stopped at the end
 * like the others if the test has not.
 */
export async function dedicatedPostgres(context?: Mocha.Context): Promise<{ readonly server: TestServer; stop(): void }> {
  if (!binariesPresent('postgres') && !process.env.CI && context) {
    console.warn("    (skipped: postgres binaries not found; install Debian's postgresql-15, or run .ci/install-test-tools.sh)");
    context.skip();
  }
  const server = await startPostgres();
  const entry = running.at(-1)!;
  return { server, stop: () => entry.stopSync() };
}

/** Stops every server this process started and removes their folders. */
export function stopTestServers(): void {
  for (const server of running.splice(0)) server.stopSync();
  started.clear();
}

// Root-level: this module is loaded while mocha reads the test files, so the hook belongs to
// the root suite and runs once, after every file.
if (typeof after === 'function') after(stopTestServers);
process.once('exit', stopTestServers);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopTestServers();
    process.kill(process.pid, signal);
  });
}
