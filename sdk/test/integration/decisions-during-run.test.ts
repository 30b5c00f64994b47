/**
 * A decision made while a run commits (docs/behaviour.md §7, docs/decisions.md §19) is kept or
 * refused with a message — never lost, never half-applied — and the run's provisioning never
 * overwrites it. The seam is deterministic: the run goes in this process and, from its progress
 * callback at a chosen point of its commit stage, a reviewer's CLI runs to completion
 * (spawnSync: the run waits, holding whatever it holds at that point).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateMockData, openWorkspace, type ProgressEvent, type Workspace } from '../../src/index.js';
import { CLI, type CliResult } from '../helpers/cli.js';
import { teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';
import { tempWorkspace } from '../helpers/workspace.js';

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
});
