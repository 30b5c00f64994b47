/**
 * Many reviewers on one PostgreSQL registry (docs/behaviour.md §5, §7): 8 processes make 200
 * conflicting decisions each on 50 keys. Afterwards every key's status is what its last audit
 * event says, every applied decision has exactly one event, and nothing but KeySync's own
 * refusals reached a reviewer (no deadlock, no serialization failure).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { planRegistryChanges } from '../../src/core/registry-plan.js';
import { listAudit } from '../../src/store/audit-repo.js';
import { applyRegistryPlan, listMasterKeys, nextIds } from '../../src/store/registry-repo.js';
import { Store } from '../../src/store/store.js';
import { runProcess } from '../helpers/cli.js';
import { teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';
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
