/**
 * A decision made while a run commits (docs/behaviour.md §7, docs/decisions.md §19) is kept or
 * refused with a message — never lost, never half-applied — and the run's provisioning never
 * overwrites it. The seam is deterministic: the run goes in this process and, from its progress
 * callback at a chosen point of its commit stage, a reviewer's CLI runs to completion
 * (spawnSync: the run waits, holding whatever it holds at that point).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMockData, openWorkspace, type ProgressEvent, type Workspace } from '../../src/index.js';
import { CLI, type CliResult } from '../helpers/cli.js';
import { teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** A reviewer's command, run to completion while the caller (the run) waits. */
function decideNow(config: string, args: readonly string[], env: NodeJS.ProcessEnv): CliResult {
  const result = spawnSync(process.execPath, [CLI, '-c', config, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** A workspace with proposals from a first run, and a second config whose decisions wait only 500 ms. */
async function workspaceWithProposals(database: string, env: NodeJS.ProcessEnv, password?: string) {
  const workspace = tempWorkspace();
  writeFileSync(workspace.config, `${database}processing: { parallel: false }\nlogging: { file: ./logs/keysync.log, level: info }\n`);
  await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 3_000, seed: 17 });
  const decide = workspace.file('decide.yaml');
  writeFileSync(decide, readFileSync(workspace.config, 'utf8').replace(/busy_timeout_ms: \d+/, 'busy_timeout_ms: 500'));
  const ws = await openWorkspace(workspace.config, password ? { databasePassword: async () => password } : {});
  await ws.reconcile({});
  const [active, ...proposed] = (await ws.registry.list({ status: 'proposed', limit: 3 })).map((entry) => entry.masterKey);
  await ws.registry.approve(active!, { actor: 'ana' });
  return { workspace, ws, decide, env, active: active!, proposed: proposed as [string, string] };
}

/** `ws.registryVersion()` as another process reads it now, while the caller (the run) waits. */
function registryVersionNow(config: string, env: NodeJS.ProcessEnv): string {
  const script = `import { openWorkspace } from ${JSON.stringify(path.join(path.dirname(CLI), 'index.js'))};
const ws = await openWorkspace(process.argv[1], { databasePassword: async () => process.env.PGPASSWORD });
console.log(await ws.registryVersion());
await ws.close();`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, config], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

async function entry(ws: Workspace, masterKey: string) {
  const [found] = (await ws.registry.list()).filter((record) => record.masterKey === masterKey);
  const events = (await ws.audit.list({ key: found!.normalizedKey })).map((event) => `${event.eventType} by ${event.actor}`);
  return { status: found!.status, by: found!.statusChangedBy, events };
}

/**
 * A registry keyed under the old rules (X-7 approved by ana, Y-8 proposed), and its config
 * now padding numbers: the run proposes X-000007 and Y-000008, the keys a re-keying moves
 * X-7 and Y-8 to. The second config's writes wait only 500 ms.
 */
async function registryUnderOldRules(database: string, password: string) {
  const workspace = tempWorkspace();
  mkdirSync(workspace.file('input'));
  writeFileSync(workspace.file('input', 'A.csv'), 'key\nK-1\n');
  writeFileSync(workspace.file('input', 'B.csv'), 'key\nK-1\nX-7\nY-8\n');
  writeFileSync(workspace.config, `${database}authority: A\nsources:\n  A: { path: ./input/A.csv }\n  B: { path: ./input/B.csv }\nlogging: { file: ./logs/keysync.log, level: info }\n`);
  const before = await openWorkspace(workspace.config, { databasePassword: async () => password });
  await before.reconcile({});
  await before.registry.approve('X-7', { actor: 'ana' });
  await before.close();
  writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}normalize: { left_pad_numbers: true }\n`);
  const decide = workspace.file('decide.yaml');
  writeFileSync(decide, readFileSync(workspace.config, 'utf8').replace(/busy_timeout_ms: \d+/, 'busy_timeout_ms: 500'));
  const ws = await openWorkspace(workspace.config, { databasePassword: async () => password });
  return { workspace, ws, decide };
}

/** A reviewer's command started in the background, and its result when it ends. */
function decideInBackground(config: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, '-c', config, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * Returns once a session of the database waits for a lock (a writer blocked on a row the
 * caller's transaction holds); the caller waits meanwhile, as with decideNow.
 */
function untilASessionWaitsForALock(url: string): void {
  const script = `const { Client } = require('pg');
(async () => {
  const client = new Client({ connectionString: process.argv[1] });
  await client.connect();
  for (;;) {
    const { rows } = await client.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
    if (rows[0].n > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await client.end();
})().catch((error) => { console.error(error.message); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script, url], { cwd: fileURLToPath(new URL('../../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `a writer came to wait for the run's rows: ${result.stderr}`);
}

async function registryRows(ws: Workspace) {
  return (await ws.registry.list()).map((entry) => `${entry.normalizedKey} ${entry.masterKey} ${entry.status}`).sort();
}

describe('a decision during a run’s commit', function () {
  this.timeout(300_000);

  describe('on SQLite', () => {
    let setup: Awaited<ReturnType<typeof workspaceWithProposals>>;
    before(async () => (setup = await workspaceWithProposals('database: { path: ./data/keysync.db, busy_timeout_ms: 20000 }\n', {})));
    after(async () => {
      await setup?.ws.close();
      setup?.workspace.remove();
    });

    it('is refused after busy_timeout_ms with a message naming the committing run, and is not applied (exit 1)', async () => {
      const { ws, decide, proposed } = setup;
      let refused: CliResult | undefined;
      const result = await ws.reconcile({
        autoApprove: true,
        onProgress: (event: ProgressEvent) => {
          if (event.stage === 'persist' && refused === undefined) refused = decideNow(decide, ['reject', proposed[0], '--reason', 'duplicate', '--actor', 'bob'], {});
        },
      });
      assert.equal(refused!.code, 1, refused!.stderr);
      assert.match(
        refused!.stderr,
        new RegExp(`Reject ${proposed[0]}: not applied\\. The database is in use by run ${result.runId}, committing its changes \\(process ${process.pid} on .+\\)\\. — waited 500 ms; try again when it has finished`),
      );
      assert.doesNotMatch(refused!.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(await entry(ws, proposed[0]), { status: 'active', by: 'auto-approve', events: ['master_key_proposed by keysync', 'master_key_approved by auto-approve'] }, 'nothing of the refused decision landed');
    });
  });

  describe('on PostgreSQL', () => {
    let server: TestServer;
    let team: TeamRegistry;
    let setup: Awaited<ReturnType<typeof workspaceWithProposals>>;
    before(async function () {
      server = await testServer('postgres', this);
      team = await teamRegistryDatabase(server);
      const database = `database: { type: postgres, url: 'postgres://${team.app.user}@127.0.0.1:${server.port}/${team.database}', busy_timeout_ms: 20000 }\n`;
      setup = await workspaceWithProposals(database, { PGPASSWORD: team.app.password }, team.app.password);
    });
    after(async () => {
      await setup?.ws.close();
      setup?.workspace.remove();
    });

    it('goes ahead while the run plans and commits; the run keeps it, plans again, and only a row the run is committing waits', async () => {
      const { ws, decide, env, active, proposed } = setup;
      const decisions: Record<string, CliResult> = {};
      let versionDuringCommit: string | undefined;
      const result = await ws.reconcile({
        autoApprove: true,
        onProgress: (event: ProgressEvent) => {
          if (event.stage !== 'persist') return;
          // After the plan and its reports, before the commit: a proposal the run means to auto-approve.
          if (event.done === undefined && !decisions.planned) decisions.planned = decideNow(decide, ['reject', proposed[0], '--reason', 'duplicate', '--actor', 'bob'], env);
          // Inside the commit transaction, once the registry changes are written: an entry the
          // run does not touch, and one it has just approved (its row is locked until the commit).
          if (event.done === 1 && !decisions.untouched) {
            decisions.untouched = decideNow(decide, ['deprecate', active, '--actor', 'carl'], env);
            decisions.locked = decideNow(decide, ['reject', proposed[1], '--reason', 'typo', '--actor', 'dora'], env);
            versionDuringCommit = registryVersionNow(decide, env);
          }
        },
      });
      assert.equal(decisions.planned!.code, 0, decisions.planned!.stderr);
      assert.equal(decisions.untouched!.code, 0, `no table or registry lock held it back: ${decisions.untouched!.stderr}`);
      assert.equal(decisions.locked!.code, 1, decisions.locked!.stderr);
      assert.match(decisions.locked!.stderr, new RegExp(`Reject ${proposed[1]}: not applied\\. Another KeySync process — a run committing its changes to the same entries, or a registry copy — held them past database\\.busy_timeout_ms`));

      assert.deepEqual(await entry(ws, proposed[0]), { status: 'rejected', by: 'bob', events: ['master_key_proposed by keysync', 'master_key_rejected by bob'] }, 'the run did not overwrite a decision made after it started');
      assert.deepEqual(await entry(ws, active), { status: 'deprecated', by: 'carl', events: ['master_key_proposed by keysync', 'master_key_approved by ana', 'master_key_deprecated by carl'] });
      assert.deepEqual(await entry(ws, proposed[1]), { status: 'active', by: 'auto-approve', events: ['master_key_proposed by keysync', 'master_key_approved by auto-approve'] }, 'nothing of the refused decision landed');

      const [run] = await ws.runs.list({ limit: 1 });
      assert.equal(run!.id, result.runId);
      assert.equal(run!.status, 'completed');
      // The run's events took ids it reserved before carl's deprecate, so the newest audit id is
      // the same as during the commit; the registry's version must still move, or an editor
      // would not show the run (docs/decisions.md §19).
      const newestEvent = (await ws.audit.list()).at(-1)!;
      assert.equal(newestEvent.actor, 'carl', 'the scenario this check is about: the run committed under ids below the decision made during its commit');
      assert.notEqual(await ws.registryVersion(), versionDuringCommit, 'the registry version moves when the run commits');
      const log = readFileSync(setup.workspace.file('logs/keysync.log'), 'utf8');
      assert.match(log, new RegExp(`run ${result.runId}: ${proposed[0]} was set rejected by bob at .+ after the run read it; the run keeps that decision and plans again`));
      const registryReport = readFileSync(result.reports.master_key_registry!, 'utf8');
      assert.match(registryReport, new RegExp(`${proposed[0]},.*rejected`), 'the reports are those of the plan that was committed');
    });
  });
  describe('a re-keying that meets the keys a run adds, on PostgreSQL', () => {
    let server: TestServer;
    let team: TeamRegistry;
    let env: NodeJS.ProcessEnv;
    let setup: Awaited<ReturnType<typeof registryUnderOldRules>>;
    before(async function () {
      server = await testServer('postgres', this);
    });
    beforeEach(async () => {
      team = await teamRegistryDatabase(server);
      env = { PGPASSWORD: team.app.password };
      const database = `database: { type: postgres, url: 'postgres://${team.app.user}@127.0.0.1:${server.port}/${team.database}', busy_timeout_ms: 20000 }\n`;
      setup = await registryUnderOldRules(database, team.app.password);
    });
    afterEach(async () => {
      await setup?.ws.close();
      (setup?.workspace as TempWorkspace | undefined)?.remove();
    });

    it('committed before the run commits: the run keeps the re-keyed entries, plans again and adds nothing', async () => {
      const { ws, decide, workspace } = setup;
      let rekeyed: CliResult | undefined;
      const result = await ws.reconcile({
        onProgress: (event: ProgressEvent) => {
          // After the plan (which adds X-000007 and Y-000008) and its reports, before the commit.
          if (event.stage === 'persist' && event.done === undefined && !rekeyed) rekeyed = decideNow(decide, ['registry', 'renormalize', '--actor', 'ana'], env);
        },
      });
      assert.equal(rekeyed!.code, 0, rekeyed!.stderr);
      assert.equal(result.summary.registry.proposed, 0, 'the plan that committed found the keys taken');
      assert.deepEqual(await registryRows(ws), ['X-000007 X-7 active', 'Y-000008 Y-8 proposed'], 'the re-keyed entries are kept, and no second entry took their keys');
      const [run] = await ws.runs.list({ limit: 1 });
      assert.equal(run!.id, result.runId);
      assert.equal(run!.status, 'completed');
      const log = readFileSync(workspace.file('logs/keysync.log'), 'utf8');
      assert.match(log, new RegExp(`run ${result.runId}: (X-7 \\(active\\) took the key X-000007|Y-8 \\(proposed\\) took the key Y-000008), which the run was adding after the run read it; the run keeps that entry and plans again`));
      assert.doesNotMatch(log, /duplicate key/);
    });

    it('meeting a key the run is committing: waits busy_timeout_ms, is not applied, and changes nothing; afterwards it re-keys', async () => {
      const { ws, decide } = setup;
      let refused: CliResult | undefined;
      const result = await ws.reconcile({
        onProgress: (event: ProgressEvent) => {
          // Inside the commit transaction, once the run has inserted X-000007 and Y-000008.
          if (event.stage === 'persist' && event.done === 1 && !refused) refused = decideNow(decide, ['registry', 'renormalize', '--actor', 'ana'], env);
        },
      });
      assert.equal(refused!.code, 1, refused!.stderr);
      assert.match(refused!.stderr, /Re-key the registry: not applied\. Another KeySync process — a run committing its changes to the same entries, or a registry copy — held them past database\.busy_timeout_ms/);
      assert.doesNotMatch(refused!.stderr, /duplicate key|\n\s+at /, 'no raw database error, no stack trace');
      assert.equal(result.summary.registry.proposed, 2);
      assert.deepEqual(await registryRows(ws), ['X-000007 X-000007 proposed', 'X-7 X-7 active', 'Y-000008 Y-000008 proposed', 'Y-8 Y-8 proposed'], 'nothing of the re-keying landed');
      assert.deepEqual(await ws.audit.list({ eventType: 'key_renormalized' }), []);

      const again = decideNow(decide, ['registry', 'renormalize', '--actor', 'ana'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await registryRows(ws), ['X-000007 X-7 active', 'Y-000008 Y-000008 proposed'], 'after the run, the re-keying supersedes the run’s proposals as usual');
    });
    it('meeting a key the run is committing, which the run then commits: plans again from the registry with the run’s entries', async () => {
      const { ws, decide } = setup;
      const patient = setup.workspace.file('patient.yaml');
      writeFileSync(patient, readFileSync(decide, 'utf8').replace('busy_timeout_ms: 500', 'busy_timeout_ms: 60000'));
      let rekeying: Promise<CliResult> | undefined;
      await ws.reconcile({
        onProgress: (event: ProgressEvent) => {
          // Inside the commit transaction, once the run has inserted X-000007 and Y-000008: the
          // re-keying comes to wait on one of them, and the run then commits.
          if (event.stage === 'persist' && event.done === 1 && !rekeying) {
            rekeying = decideInBackground(patient, ['registry', 'renormalize', '--actor', 'ana'], env);
            untilASessionWaitsForALock(team.url(team.app));
          }
        },
      });
      const rekeyed = await rekeying!;
      assert.equal(rekeyed.code, 0, rekeyed.stderr);
      assert.doesNotMatch(rekeyed.stderr, /duplicate key/);
      assert.deepEqual(await registryRows(ws), ['X-000007 X-7 active', 'Y-000008 Y-000008 proposed'], 'the re-keying planned again with the run’s proposals, and superseded as usual');
    });
  });
});
