/**
 * Many reviewers on one PostgreSQL registry (docs/behaviour.md §5, §7): 8 processes make 200
 * conflicting decisions each on 50 keys. Afterwards every key's status is what its last audit
 * event says, every applied decision has exactly one event, and nothing but KeySync's own
 * refusals reached a reviewer (no deadlock, no serialization failure). And two workspaces on
 * one registry: a run killed, or cut off from the server, while the other workspace decides —
 * nothing partial is visible, --resume completes it, and no decision is lost or overwritten.
 * And the backend's retry of a serialization failure or a deadlock, each forced on the server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { planRegistryChanges } from '../../src/core/registry-plan.js';
import { generateMockData, isKeySyncError, openWorkspace } from '../../src/index.js';
import { listAudit } from '../../src/store/audit-repo.js';
import { LOCK_CLASS } from '../../src/store/postgres/advisory-locks.js';
import { applyRegistryPlan, listMasterKeys, nextIds, transitionMasterKey } from '../../src/store/registry-repo.js';
import { Store } from '../../src/store/store.js';
import { CLI, runCli, runProcess } from '../helpers/cli.js';
import { postgresAdmin, teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';
import { REPO_ROOT, tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const PROCESSES = 8;
const DECISIONS = 200;
const KEYS = Array.from({ length: 50 }, (_, i) => `MK-CUST-${String(i + 1).padStart(6, '0')}`);
/** The refusals a reviewer may meet when others decide the same keys; anything else is a failure. */
const EXPECTED_REFUSALS = new Set(['DECISION_CONFLICT', 'ILLEGAL_TRANSITION', 'UNDO_NOT_ALLOWED']);

interface WorkerReport {
  readonly actor: string;
  readonly applied: readonly { key: string; action: string }[];
  readonly refused: Readonly<Record<string, number>>;
  readonly unexpected: readonly string[];
}

describe('a team registry in PostgreSQL, many reviewers at once', function () {
  this.timeout(120_000);
  let server: TestServer;
  let team: TeamRegistry;
  let workspace: TempWorkspace;

  before(async function () {
    server = await testServer('postgres', this);
    team = await teamRegistryDatabase(server);
    workspace = tempWorkspace();
    const url = `postgres://${team.app.user}@127.0.0.1:\${KEYSYNC_PG_PORT}/${team.database}`;
    writeFileSync(workspace.config, `database: { type: postgres, url: '${url}', busy_timeout_ms: 20000 }\nlogging: { file: null }\n`);
    const store = await Store.openPostgres({ url: team.url(team.app), schema: 'keysync' });
    await store.exclusive('seed', (session) =>
      session.transaction(async (tx) => {
        const ids = await nextIds(tx);
        const proposals = KEYS.map((masterKey) => ({ normalizedKey: masterKey.slice(3), masterKey, sourceSystem: 'B', sourceKey: masterKey.slice(3), strategy: 'namespaced' as const }));
        await applyRegistryPlan(tx, planRegistryChanges({ runId: 'seed', now: '2026-12-01T00:00:00.000Z', existing: [], proposals, resolvedKeys: [], autoApproveKeys: [], nextMasterKeyId: ids.masterKey, nextAuditId: ids.audit }));
      }),
    );
    await store.close();
  });
  after(() => workspace?.remove());

  it(`${PROCESSES} processes × ${DECISIONS} decisions on ${KEYS.length} keys: one event per applied decision, statuses match the log`, async () => {
    const worker = path.join(REPO_ROOT, 'sdk/test/helpers/decide-worker.mjs');
    const env = { KEYSYNC_PG_PORT: String(server.port), PGPASSWORD: team.app.password };
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, n) =>
        runProcess(process.execPath, [worker, workspace.config, `reviewer-${n + 1}`, String(DECISIONS), String(1000 + n), ...KEYS], { env, cwd: REPO_ROOT, timeoutMs: 100_000 }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const reports = results.map((result) => JSON.parse(result.stdout.trim().split('\n').pop()!) as WorkerReport);

    for (const report of reports) assert.deepEqual(report.unexpected, [], `${report.actor}: nothing but KeySync's refusals reaches a reviewer`);
    const refusals: Record<string, number> = {};
    for (const report of reports) for (const [code, n] of Object.entries(report.refused)) refusals[code] = (refusals[code] ?? 0) + n;
    for (const code of Object.keys(refusals)) assert.ok(EXPECTED_REFUSALS.has(code), `unexpected refusal ${code}`);

    const store = await Store.openPostgres({ url: team.url(team.app), schema: 'keysync' });
    try {
      const entries = await store.read((db) => listMasterKeys(db));
      const events = await store.read((db) => listAudit(db));
      for (const entry of entries) {
        const last = events.filter((event) => event.key === entry.normalizedKey).pop();
        assert.equal(entry.status, last?.result, `${entry.masterKey}: its status is what its last audit event says`);
      }
      const decisions = events.filter((event) => event.actor.startsWith('reviewer-'));
      for (const report of reports) {
        const mine = decisions.filter((event) => event.actor === report.actor);
        const count = (list: readonly { action: string; key: string | null }[]) => {
          const counts = new Map<string, number>();
          for (const { action, key } of list) counts.set(`${action} ${key}`, (counts.get(`${action} ${key}`) ?? 0) + 1);
          return [...counts].sort();
        };
        const applied = report.applied.map(({ key, action }) => ({ action, key: key.slice(3) }));
        assert.deepEqual(count(mine), count(applied), `${report.actor}: exactly one audit event per applied decision`);
      }
      const applied = reports.reduce((sum, report) => sum + report.applied.length, 0);
      console.log(
        `      (${PROCESSES * DECISIONS} decisions in ${seconds.toFixed(1)} s: ${applied} applied, refused ${JSON.stringify(refusals)}; ${entries.filter((e) => e.status !== 'proposed').length} of ${entries.length} keys decided at the end)`,
      );
    } finally {
      await store.close();
    }
  });
});

describe('two workspaces on one PostgreSQL registry: runs killed or cut off while others decide', function () {
  this.timeout(300_000);
  let server: TestServer;
  let team: TeamRegistry;
  let x: TempWorkspace;
  let y: TempWorkspace;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    server = await testServer('postgres', this);
    team = await teamRegistryDatabase(server);
    env = { PGPASSWORD: team.app.password };
    const database = `database: { type: postgres, url: 'postgres://${team.app.user}@127.0.0.1:${server.port}/${team.database}', busy_timeout_ms: 30000 }\n`;
    x = tempWorkspace();
    y = tempWorkspace();
    writeFileSync(x.config, `${database}processing: { parallel: false }\nlogging: { file: null }\n`);
    writeFileSync(y.config, `${database}logging: { file: null }\n`);
    await generateMockData({ dir: x.dir, scenario: 'drift', keys: 40_000, seed: 21 });
    assert.equal((await runCli(['-c', x.config, '-q'], { env })).code, 0);
  });
  after(() => {
    x?.remove();
    y?.remove();
  });

  /** Approves proposals from workspace Y, one by one, until told to stop; returns what it approved. */
  function keepDeciding(): { stop(): Promise<string[]> } {
    let stopped = false;
    const approved: string[] = [];
    const loop = (async () => {
      // The password as the editor would give it (SecretStorage).
      const workspace = await openWorkspace(y.config, { databasePassword: async () => team.app.password });
      try {
        while (!stopped) {
          const [proposal] = await workspace.registry.list({ status: 'proposed', limit: 1, offset: approved.length % 7 });
          if (!proposal) break;
          await workspace.registry.approve(proposal.masterKey, { actor: 'yvonne' }).then(
            () => approved.push(proposal.normalizedKey),
            (error: unknown) => assert.ok(isKeySyncError(error) && ['DECISION_CONFLICT', 'ILLEGAL_TRANSITION'].includes(error.code), String(error)),
          );
        }
      } finally {
        await workspace.close();
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        return approved;
      },
    };
  }

  async function runningRuns(): Promise<number> {
    const [row] = await postgresAdmin(server, team.database, ["select count(*)::int as n from keysync.runs where status = 'running'"]);
    return Number(row!.n);
  }

  async function assertDecisionsKept(approved: readonly string[]): Promise<void> {
    const store = await Store.openPostgres({ url: team.url(team.app), schema: 'keysync' });
    try {
      const entries = await store.read((db) => listMasterKeys(db, { normalizedKeys: approved }));
      assert.deepEqual(entries.filter((entry) => entry.status !== 'active').map((entry) => entry.normalizedKey), [], 'no run overwrote a decision');
      const events = await store.read((db) => listAudit(db, { eventType: 'master_key_approved' }));
      const keys = new Set(approved);
      assert.equal(events.filter((event) => event.actor === 'yvonne' && keys.has(event.key!)).length, approved.length, 'one event per approval');
    } finally {
      await store.close();
    }
  }

  it('a run from X killed with SIGKILL, then --resume, while Y keeps approving', async () => {
    const deciding = keepDeciding();
    const killed = await runAndKill(['-c', x.config, '-q', '--mode', 'full'], env, () => runningRuns().then((n) => n > 0));
    const resume = (await runningRuns()) > 0;
    const resumed = await runCli(['-c', x.config, '-q', ...(resume ? ['--resume'] : [])], { env });
    const approved = await deciding.stop();
    assert.equal(resumed.code, 0, resumed.stderr);
    console.log(`      (run ${killed ? 'killed' : 'finished before the kill'}, then ${resume ? 'resumed' : 'run again'}; Y approved ${approved.length} keys meanwhile)`);
    assert.ok(approved.length > 0);
    await assertDecisionsKept(approved);
  });

  it('a run whose server connections are terminated fails with exit 1, commits nothing, and --resume completes it', async () => {
    const deciding = keepDeciding();
    const child = spawn(process.execPath, [CLI, '-c', x.config, '-q'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let done = false;
    void exited.then(() => (done = true));
    // Once the run is under way (its row written), as a server restart would, for workspace X's run only: its sessions end, until it gives up.
    const ofTheRun = `application_name in ('keysync (pid ${child.pid})', 'keysync: a reconciliation run')`;
    while (!done && (await runningRuns()) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    while (!done) {
      await postgresAdmin(server, team.database, [`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${team.database}' and ${ofTheRun}`]).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const code = await exited;
    const approved = await deciding.stop();
    assert.equal(code, 1, stderr);
    assert.match(stderr, /connection to the PostgreSQL server was lost|cannot be reached/);
    const [failed] = await postgresAdmin(server, team.database, ["select id, status from keysync.runs order by started_at desc, id desc limit 1"]);
    assert.ok(failed, 'the run had started');
    assert.notEqual(failed!.status, 'completed');
    const [partial] = await postgresAdmin(server, team.database, [`select count(*)::int as n from keysync.master_keys where created_run_id = '${String(failed!.id)}'`]);
    assert.equal(partial!.n, 0, 'nothing of the cut-off run is visible');
    const resumed = await runCli(['-c', x.config, '-q', '--resume'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    await assertDecisionsKept(approved);
  });
});

/** Starts the CLI and kills it (SIGKILL) once `ready` says the run is under way; true if the kill landed. */
function runAndKill(args: readonly string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
    let closed = false;
    void (async () => {
      while (!closed && !(await ready())) await new Promise((wait) => setTimeout(wait, 50));
      await new Promise((wait) => setTimeout(wait, 300));
      if (!closed) child.kill('SIGKILL');
    })();
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      closed = true;
      resolve(signal === 'SIGKILL');
    });
  });
}

describe('a decision whose transaction meets a serialization failure or a deadlock is retried, and applied once', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    server = await testServer('postgres', this);
  });

  /** A team registry with proposals K-1 and K-2, its app role's sessions set up by `roleSettings` (as a DBA might). */
  async function registry(roleSettings: readonly string[]): Promise<{ team: TeamRegistry; store: Store }> {
    const team = await teamRegistryDatabase(server);
    await postgresAdmin(server, team.database, roleSettings.map((setting) => `alter role keysync_app in database ${team.database} set ${setting}`));
    const store = await Store.openPostgres({ url: team.url(team.app), schema: 'keysync', lockTimeoutMs: 60_000 });
    await store.exclusive('seed', (session) =>
      session.transaction(async (tx) => {
        const ids = await nextIds(tx);
        const proposals = ['K-1', 'K-2'].map((key) => ({ normalizedKey: key, masterKey: `MK-${key}`, sourceSystem: 'B', sourceKey: key, strategy: 'namespaced' as const }));
        await applyRegistryPlan(tx, planRegistryChanges({ runId: 'seed', now: '2026-12-01T00:00:00.000Z', existing: [], proposals, resolvedKeys: [], autoApproveKeys: [], nextMasterKeyId: ids.masterKey, nextAuditId: ids.audit }));
      }),
    );
    return { team, store };
  }

  /** An admin session holding a transaction open, as another client of the same server. */
  async function adminSession(team: TeamRegistry) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: server.url(server.admin, team.database) });
    await client.connect();
    return client;
  }

  /** Until a session of the app role waits for a lock (its decision is blocked). */
  async function decisionWaiting(team: TeamRegistry): Promise<void> {
    for (;;) {
      const rows = await postgresAdmin(server, team.database, ["select count(*)::int as n from pg_stat_activity where usename = 'keysync_app' and wait_event_type = 'Lock'"]);
      if (Number(rows[0]!.n) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function assertAppliedOnce(store: Store, key: string, actor: string): Promise<void> {
    const [entry] = await store.read((db) => listMasterKeys(db, { normalizedKeys: [key] }));
    assert.equal(entry!.status, 'active');
    assert.equal(entry!.statusChangedBy, actor);
    const events = await store.read((db) => listAudit(db, { key }));
    assert.deepEqual(events.map((event) => `${event.eventType} by ${event.actor}`), ['master_key_proposed by keysync', `master_key_approved by ${actor}`]);
  }

  it('a serialization failure (40001): the decision is run again and applied once', async () => {
    // Decisions under SERIALIZABLE, so a concurrent update of their row fails them with 40001.
    const { team, store } = await registry(["default_transaction_isolation = 'serializable'"]);
    const admin = await adminSession(team);
    try {
      await admin.query('begin');
      await admin.query("update keysync.master_keys set status_reason = status_reason where normalized_key = 'K-1'");
      const decision = store.write('approve K-1', (tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'approve', actor: 'ana', now: '2026-12-01T10:00:00.000Z' }));
      await decisionWaiting(team);
      // The row changes under the decision's snapshot: its update fails with 40001; the retry reads it again.
      await admin.query('commit');
      await decision;
      await assertAppliedOnce(store, 'K-1', 'ana');
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('a deadlock (40P01): the decision the server aborts is run again and applied once', async () => {
    // The decision's session detects the deadlock (after 1 s), the other one never does first.
    const { team, store } = await registry(["deadlock_timeout = '1s'"]);
    const admin = await adminSession(team);
    try {
      await admin.query('begin');
      await admin.query("set local deadlock_timeout = '10min'");
      await admin.query("update keysync.master_keys set status_reason = status_reason where normalized_key = 'K-2'");
      const decision = store.write('approve K-2', (tx) => transitionMasterKey(tx, { given: 'K-2', normalized: 'K-2' }, { action: 'approve', actor: 'bob', now: '2026-12-01T10:00:00.000Z' }));
      await decisionWaiting(team);
      // The decision holds its share of the registry lock and waits for K-2; this waits for that share: a cycle.
      await admin.query(`select pg_advisory_xact_lock(${LOCK_CLASS.registry}, hashtext('keysync'))`);
      // Granted: the server broke the cycle by aborting the decision's transaction.
      await admin.query('rollback');
      await decision;
      await assertAppliedOnce(store, 'K-2', 'bob');
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
