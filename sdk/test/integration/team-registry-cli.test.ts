/**
 * A workspace whose registry is in PostgreSQL, driven through the real CLI (docs/behaviour.md
 * §7, §9): runs and decisions work as on SQLite; a second run waits, then fails clearly; a
 * viewer's decision is "permission denied" without a stack; and no password — not even one
 * written into the URL — appears in any output, report, log or row.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateMockData } from '../../src/index.js';
import { PostgresRunLock } from '../../src/store/postgres/run-lock.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { postgresAdmin, teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('a workspace with its registry in PostgreSQL, through the CLI', function () {
  this.timeout(300_000);
  let server: TestServer;
  let team: TeamRegistry;
  let workspace: TempWorkspace;
  let viewerConfig: string;
  const outputs: CliResult[] = [];
  const cli = async (args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await runCli(args, { env });
    outputs.push(result);
    return result;
  };

  before(async function () {
    server = await testServer('postgres', this);
    team = await teamRegistryDatabase(server);
    workspace = tempWorkspace();
    // The worst case: the password written into the URL itself.
    writeFileSync(workspace.config, `database: { type: postgres, url: '${team.url(team.app)}', busy_timeout_ms: 1000 }\nprocessing: { parallel: false }\nlogging: { file: ./logs/keysync.log, level: debug }\n`);
    viewerConfig = workspace.file('viewer.yaml');
    writeFileSync(viewerConfig, `database: { type: postgres, url: 'postgres://${team.viewer.user}@127.0.0.1:${server.port}/${team.database}' }\nlogging: { file: ./logs/viewer.log, level: debug }\n`);
    await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 20_000, seed: 5 });
  });
  after(() => workspace?.remove());

  it('runs, decides, refuses a second run and a viewer’s decision clearly, and never shows a password', async () => {
    const first = await cli(['-c', workspace.config, '-q']);
    assert.equal(first.code, 0, first.stderr);
    const [entry, other] = await postgresAdmin(server, team.database, ["select master_key from keysync.master_keys where status = 'proposed' order by id limit 2"]);
    const key = String(entry!.master_key);

    assert.equal((await cli(['-c', workspace.config, 'approve', key, '--actor', 'ana'])).code, 0);
    const late = await cli(['-c', workspace.config, 'reject', key, '--actor', 'bob', '--reason', 'duplicate']);
    assert.equal(late.code, 1);
    assert.match(late.stderr, new RegExp(`Cannot reject master key ${key}: it is active`));

    const viewer = await cli(['-c', viewerConfig, 'approve', String(other!.master_key), '--actor', 'vic'], { PGPASSWORD: team.viewer.password });
    assert.equal(viewer.code, 1);
    assert.match(viewer.stderr, /Permission denied: role keysync_viewer may not do this in the registry/);
    assert.doesNotMatch(viewer.stderr, /\n\s+at /, 'no stack trace');
    const browse = await cli(['-c', viewerConfig, 'registry', 'list', '--json'], { PGPASSWORD: team.viewer.password });
    assert.equal(browse.code, 0, browse.stderr);
    assert.ok((JSON.parse(browse.stdout) as unknown[]).length > 100);

    const [a, b] = await Promise.all([cli(['-c', workspace.config, '-q']), cli(['-c', workspace.config, '-q'])]);
    const codes = [a!.code, b!.code].sort();
    if (codes[1] === 1) assert.match((a!.code === 1 ? a! : b!).stderr, /Another run is in progress: a reconciliation run \(server process \d+/);
    else console.log('      (the two runs took turns)');

    const check = await cli(['-c', workspace.config, 'config', 'check']);
    assert.match(check.stdout, /url: postgres:\/\/keysync_app:\*\*\*@127\.0\.0\.1/);

    // Everything written: outputs, reports, logs, and every row of the registry.
    const rows = await postgresAdmin(server, team.database, [
      "select string_agg(t::text, E'\\n') as dump from (select r::text as t from keysync.runs r union all select a::text from keysync.audit_log a union all select m::text from keysync.master_keys m) x",
    ]);
    const written = [...outputs.flatMap((result) => [result.stdout, result.stderr]), ...filesUnder(workspace.dir).filter((file) => !file.endsWith('.yaml')).map((file) => readFileSync(file, 'latin1')), String(rows[0]!.dump)];
    assert.ok(written.some((text) => text.includes('master_key_approved')), 'the scan sees the audit log');
    for (const password of server.passwords) {
      for (const form of [password, encodeURIComponent(password)]) assert.ok(!written.some((text) => text.includes(form)), 'a password was written somewhere');
    }
  });

  it('dry-runs against a schema not created yet as an empty registry, says so, and creates nothing', async () => {
    const fresh = workspace.file('fresh-schema.yaml');
    writeFileSync(fresh, readFileSync(workspace.config, 'utf8').replace('busy_timeout_ms: 1000', "schema: not_yet, busy_timeout_ms: 1000"));
    const dry = await cli(['-c', fresh, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Warning: dry run against an empty registry — PostgreSQL registry postgres:\/\/keysync_app@127\.0\.0\.1:\d+\/\w+, schema not_yet does not exist yet \(the first run without --dry-run creates it\); nothing was created/);
    assert.match(dry.stdout, /proposed/);
    const [schemas] = await postgresAdmin(server, team.database, ["select count(*)::int as n from pg_namespace where nspname = 'not_yet'"]);
    assert.equal(schemas!.n, 0, 'the dry run created no schema');
  });

  it('runs with backup_* settings beside type postgres, warning that backing up a server database is its administrator’s job', async () => {
    const withBackups = workspace.file('with-backups.yaml');
    writeFileSync(withBackups, readFileSync(workspace.config, 'utf8').replace('busy_timeout_ms: 1000', 'busy_timeout_ms: 1000, backup_enabled: true, backup_count: 3'));
    const result = await cli(['-c', withBackups, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /keysync: warning: .*with-backups\.yaml:1: database\.backup_enabled: not used with database\.type postgres — KeySync backs up only a SQLite file; backing up a server database is its administrator's job/);
    assert.match(result.stderr, /database\.backup_count: not used with database\.type postgres/);
  });

  describe('a second run while one holds the advisory run lock', () => {
    /** Holds the registry's RUN lock from this process, as a run in another workspace would, until `release` is called. */
    async function holdRunLock(): Promise<{ release(): Promise<void> }> {
      let release!: () => void;
      let held!: () => void;
      const acquired = new Promise<void>((resolve) => (held = resolve));
      const holding = new PostgresRunLock({ url: team.url(team.app), schema: 'keysync' }).with({ purpose: 'a reconciliation run', timeoutMs: 0 }, () => {
        held();
        return new Promise<void>((resolve) => (release = resolve));
      });
      await Promise.race([acquired, holding]);
      return {
        release: async () => {
          release();
          await holding;
        },
      };
    }

    it('waits for it and goes ahead once it has finished', async () => {
      const waiting = workspace.file('waiting.yaml');
      writeFileSync(waiting, readFileSync(workspace.config, 'utf8').replace('busy_timeout_ms: 1000', 'busy_timeout_ms: 120000'));
      const lock = await holdRunLock();
      const second = startCli(['-c', waiting]);
      try {
        await second.stderrMatches(/\[read\] waiting up to 120000 ms for another run to finish: a reconciliation run \(server process \d+/);
      } finally {
        await lock.release();
      }
      const result = await second.result;
      outputs.push(result);
      assert.equal(result.code, 0, result.stderr);
    });

    it('fails with exit 1 naming the holder once busy_timeout_ms has passed', async () => {
      const lock = await holdRunLock();
      try {
        const result = await cli(['-c', workspace.config, '-q']);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /Another run is in progress: a reconciliation run \(server process \d+ from 127\.0\.0\.1, since [^)]+\)\. — waited 1 s; try again when it has finished/);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        await lock.release();
      }
    });
  });
});
