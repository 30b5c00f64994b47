/**
 * `ws.watchRegistry()` (docs/decisions.md §19): a workspace is told when another process or
 * workspace commits a change to its registry — on PostgreSQL by LISTEN/NOTIFY, with the newest
 * audit id polled while the listening connection is gone; on SQLite by polling the file. The
 * waits below are for events, bounded only by the test's timeout.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateMockData, openWorkspace, type Workspace } from '../../src/index.js';
import type { LogLevel } from '../../src/log.js';
import { appendAudit } from '../../src/store/audit-repo.js';
import { registryChannel } from '../../src/store/postgres/registry-notifications.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { postgresAdmin, teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** Counts a watch's calls; `next()` resolves at the first call after it was asked. */
function watchOf(workspace: Workspace): { next(): Promise<void>; dispose(): Promise<void> } {
  let waiting: (() => void)[] = [];
  const watch = workspace.watchRegistry(() => {
    const called = waiting;
    waiting = [];
    for (const resolve of called) resolve();
  });
  return { next: () => new Promise<void>((resolve) => waiting.push(resolve)), dispose: () => watch.dispose() };
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function proposals(workspace: Workspace): Promise<string[]> {
  return (await workspace.registry.list({ status: 'proposed' })).map((record) => record.masterKey);
}

describe('watching a PostgreSQL registry for a teammate’s changes', function () {
  this.timeout(120_000);
  let server: TestServer;
  let team: TeamRegistry;
  let x: TempWorkspace;
  let env: NodeJS.ProcessEnv;
  const logged: [LogLevel, string][] = [];
  let watcher: Workspace;
  let decider: Workspace;
  let watch: ReturnType<typeof watchOf>;

  before(async function () {
    server = await testServer('postgres', this);
    team = await teamRegistryDatabase(server);
    env = { PGPASSWORD: team.app.password };
    x = tempWorkspace();
    writeFileSync(x.config, `database: { type: postgres, url: 'postgres://${team.app.user}@127.0.0.1:${server.port}/${team.database}' }\nlogging: { file: null }\n`);
    await generateMockData({ dir: x.dir, scenario: 'drift', keys: 500, seed: 9 });
    const run = await runCli(['-c', x.config, '-q'], { env });
    assert.equal(run.code, 0, run.stderr);
    // Two workspaces on one registry, each with its own connections: X watches, Y decides.
    const password = async () => team.app.password;
    watcher = await openWorkspace(x.config, { databasePassword: password, onLog: (level, message) => logged.push([level, message]) });
    decider = await openWorkspace(x.config, { databasePassword: password });
    assert.ok((await proposals(decider)).length >= 4, 'the run proposed keys to decide');
    watch = watchOf(watcher);
    await until(async () => (await listeners()).length === 1);
  });
  after(async () => {
    await watch?.dispose();
    await watcher?.close();
    await decider?.close();
    x?.remove();
    for (const [, message] of logged) assert.ok(!message.includes(team.app.password), 'no password in the log');
  });

  /** The server processes listening for this registry's changes. */
  const listeners = () => postgresAdmin(server, team.database, ["select pid from pg_stat_activity where application_name = 'keysync: registry notifications'"]);

  it('is told when another workspace approves a key', async () => {
    const [key] = await proposals(decider);
    const told = watch.next();
    await decider.registry.approve(key!, { actor: 'yvonne' });
    await told;
    assert.equal((await watcher.registry.list()).find((record) => record.masterKey === key)?.status, 'active', 'what the watcher reads then shows the decision');
  });

  it('is told when the CLI, another process, decides', async () => {
    const [key] = await proposals(decider);
    const told = watch.next();
    const cli = await runCli(['-c', x.config, 'reject', key!, '--reason', 'duplicate', '--actor', 'zoe'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    await told;
  });

  it('is told of a run’s commit', async () => {
    const told = watch.next();
    const cli = await runCli(['-c', x.config, '-q'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    await told;
  });

  it('announces nothing of a write that was rolled back', async () => {
    const channel = registryChannel('keysync');
    const { default: pg } = await import('pg');
    const spy = new pg.Client({ connectionString: team.url(team.app) });
    const heard: string[] = [];
    spy.on('notification', (message) => heard.push(message.payload ?? ''));
    await spy.connect();
    try {
      await spy.query(`LISTEN ${channel}`);
      const store = await Store.openPostgres({ url: team.url(team.app), schema: 'keysync' });
      try {
        const event = { timestamp: new Date().toISOString(), runId: null, eventType: 'test_event', details: '', system: null, key: null, action: 'test', result: 'test', actor: 'test' };
        await assert.rejects(
          store.write('a write that fails', async (tx) => {
            await appendAudit(tx, [event]);
            throw new Error('changed my mind');
          }),
          /changed my mind/,
        );
        // A refused decision rolls back too.
        await assert.rejects(decider.registry.deprecate((await proposals(decider))[0]!, { actor: 'yvonne' }), /Cannot deprecate/);
        await store.write('a write that commits', (tx) => appendAudit(tx, [event]));
      } finally {
        await store.close();
      }
      // Notifications arrive in commit order: once this marker is heard, every earlier one was.
      await spy.query(`NOTIFY ${channel}, 'marker'`);
      await until(async () => heard.includes('marker'));
      assert.deepEqual(heard, ['', 'marker'], 'one notification: the committed write’s');
    } finally {
      await spy.end();
    }
  });

  it('still sees changes after its listening backend is terminated, and listens again', async () => {
    const [before] = await listeners();
    await postgresAdmin(server, team.database, [`select pg_terminate_backend(${Number(before!.pid)})`]);
    await until(async () => logged.some(([level, message]) => level === 'warn' && message.includes('Lost the connection that listens for registry changes')));
    const [key] = await proposals(decider);
    const told = watch.next();
    await decider.registry.approve(key!, { actor: 'yvonne' });
    await told;
    // Back to LISTEN on a new backend, and told by it again.
    await until(async () => (await listeners()).some((row) => row.pid !== before!.pid));
    await until(async () => logged.some(([, message]) => message.includes('Listening for registry changes on')));
    const [another] = await proposals(decider);
    const toldAgain = watch.next();
    await decider.registry.approve(another!, { actor: 'yvonne' });
    await toldAgain;
    const warning = logged.find(([, message]) => message.includes('Lost the connection'))![1];
    assert.match(warning, /^Lost the connection that listens for registry changes \(PostgreSQL registry postgres:\/\/keysync_app@127\.0\.0\.1:\d+\/keysync_team_\d+_\d+, schema keysync\): checking for changes every 1 s until it can listen again$/);
  });

  it('a viewer can watch too', async () => {
    const viewerConfig = x.file('viewer.yaml');
    writeFileSync(viewerConfig, readFileSync(x.config, 'utf8').replace(`postgres://${team.app.user}@`, `postgres://${team.viewer.user}@`));
    const viewer = await openWorkspace(viewerConfig, { databasePassword: async () => team.viewer.password });
    const viewing = watchOf(viewer);
    try {
      await until(async () => (await listeners()).length === 2);
      const [key] = await proposals(decider);
      const told = viewing.next();
      await decider.registry.approve(key!, { actor: 'yvonne' });
      await told;
    } finally {
      await viewing.dispose();
      await viewer.close();
    }
  });
});

describe('a registry schema’s notification channel', () => {
  it('is keysync_<schema>, or, when that is longer than a channel may be, shortened with a hash of the whole name', () => {
    assert.equal(registryChannel('keysync'), 'keysync_keysync');
    const long = (last: string) => `${'s'.repeat(62)}${last}`;
    assert.equal(registryChannel(long('a')).length, 63);
    assert.notEqual(registryChannel(long('a')), registryChannel(long('b')), 'two long schemas that differ only at the end get two channels');
  });
});

describe('watching a SQLite registry', function () {
  this.timeout(60_000);
  let x: TempWorkspace;
  let workspace: Workspace;

  before(async () => {
    x = tempWorkspace('clean');
    assert.equal((await runCli(['-c', x.config, '-q'])).code, 0);
    workspace = await openWorkspace(x.config);
  });
  after(async () => {
    await workspace?.close();
    x?.remove();
  });

  it('is told when the CLI, another process, approves a key', async () => {
    const watch = watchOf(workspace);
    try {
      // The first look at the file (a stat, at once) sets what a change is measured against.
      await new Promise((resolve) => setImmediate(resolve));
      const [key] = await proposals(workspace);
      const told = watch.next();
      const cli = await runCli(['-c', x.config, 'approve', key!, '--actor', 'zoe']);
      assert.equal(cli.code, 0, cli.stderr);
      await told;
    } finally {
      await watch.dispose();
    }
  });

  it('logs what a listener throws, and keeps calling it', async () => {
    const logged: string[] = [];
    const other = await openWorkspace(x.config, { onLog: (_level, message) => logged.push(message) });
    let calls = 0;
    const watch = other.watchRegistry(() => {
      calls++;
      throw new Error(`listener failure ${calls}`);
    });
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const [key] = await proposals(other);
      // Two changes from another process: an approval, then its undo.
      for (const [n, command] of [[1, 'approve'], [2, 'undo']] as const) {
        const cli = await runCli(['-c', x.config, command, key!, '--actor', 'zoe']);
        assert.equal(cli.code, 0, cli.stderr);
        await until(async () => logged.some((message) => message.includes(`listener failure ${n}`)));
      }
      assert.match(logged.find((message) => message.includes('listener failure 1'))!, /^a registry watch's listener failed: listener failure 1$/);
    } finally {
      await watch.dispose();
      await other.close();
    }
  });

  it('close() stops every watch, and a closed workspace refuses a new one', async () => {
    const other = await openWorkspace(x.config);
    other.watchRegistry(() => undefined);
    await other.close();
    assert.throws(() => other.watchRegistry(() => undefined), /The workspace was closed/);
  });
});
