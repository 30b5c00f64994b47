/**
 * What only the PostgreSQL backend does (docs/behaviour.md §7, docs/decisions.md §19): the
 * schema made on first use, a newer registry refused, two deciders on one key (one wins, the
 * other is told who decided), writes held off while a run commits, the run's advisory lock,
 * and failures as KeySyncErrors that never show a password.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { planRegistryChanges } from '../../src/core/registry-plan.js';
import { isKeySyncError, type KeySyncError } from '../../src/errors.js';
import { listAudit } from '../../src/store/audit-repo.js';
import { PostgresRunLock } from '../../src/store/postgres/run-lock.js';
import { applyRegistryPlan, listMasterKeys, nextIds, transitionMasterKey } from '../../src/store/registry-repo.js';
import { Store } from '../../src/store/store.js';
import { postgresAdmin, teamRegistryDatabase, testServer, type TeamRegistry, type TestServer } from '../helpers/servers.js';

const T0 = '2026-05-01T10:00:00.000Z';
const T1 = '2026-12-01T14:03:22.000Z';

describe('the PostgreSQL registry backend', function () {
  let server: TestServer;
  let team: TeamRegistry;
  let schemas = 0;
  const adminUrl = () => server.url(server.admin);
  const freshSchema = () => `pgb_${process.pid}_${++schemas}`;

  before(async function () {
    server = await testServer('postgres', this);
    team = await teamRegistryDatabase(server);
  });

  async function seed(store: Store, keys: readonly string[]): Promise<void> {
    await store.exclusive('seed', (session) =>
      session.transaction(async (tx) => {
        const ids = await nextIds(tx);
        const proposals = keys.map((key) => ({ normalizedKey: key, masterKey: `MK-${key}`, sourceSystem: 'B', sourceKey: key, strategy: 'namespaced' as const }));
        await applyRegistryPlan(tx, planRegistryChanges({ runId: 'seed', now: T0, existing: [], proposals, resolvedKeys: [], autoApproveKeys: [], nextMasterKeyId: ids.masterKey, nextAuditId: ids.audit }));
      }),
    );
  }

  const code = (expected: string) => (error: unknown) => isKeySyncError(error) && error.code === expected;

  it('creates its schema and tables on first use, and opens an existing one without migrating again', async () => {
    const schema = freshSchema();
    const first = await Store.openPostgres({ url: adminUrl(), schema });
    await first.close();
    const tables = await postgresAdmin(server, server.database, [`select table_name from information_schema.tables where table_schema = '${schema}' order by 1`]);
    assert.deepEqual(tables.map((row) => row.table_name), ['audit_log', 'kysely_migration', 'kysely_migration_lock', 'master_keys', 'rejected_matches', 'run_discrepancies', 'run_probable_matches', 'runs', 'source_snapshots']);
    const again = await Store.openPostgres({ url: adminUrl(), schema });
    assert.deepEqual(await again.read((db) => listMasterKeys(db)), []);
    await again.close();
  });

  it('refuses a registry migrated by a newer KeySync, naming the registry and not the password', async () => {
    const schema = freshSchema();
    await (await Store.openPostgres({ url: adminUrl(), schema })).close();
    await postgresAdmin(server, server.database, [`insert into ${schema}.kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01')`]);
    await assert.rejects(Store.openPostgres({ url: adminUrl(), schema }), (error: KeySyncError) => {
      assert.equal(error.code, 'DATABASE_NEWER');
      assert.match(error.describe(), /PostgreSQL registry postgres:\/\/postgres@127\.0\.0\.1:\d+\/keysync_test, schema pgb_\d+_\d+ was written by a newer KeySync/);
      assert.ok(!error.describe().includes(server.admin.password));
      return true;
    });
  });

  it('lets exactly one of two deciders on one key win; the other is told who decided what and when', async () => {
    const store = await Store.openPostgres({ url: adminUrl(), schema: freshSchema() });
    try {
      await seed(store, ['CUST-000123']);
      // Bob's reject holds the row, uncommitted, while Ana's approve reads the key as proposed.
      const bob = new pg.Client({ connectionString: adminUrl() });
      await bob.connect();
      const schema = `pgb_${process.pid}_${schemas}`;
      await bob.query('begin');
      await bob.query(
        `update ${schema}.master_keys set status = 'rejected', status_changed_by = 'bob', status_changed_at = $1, status_reason = 'duplicate of CUST-000122', version = version + 1 where normalized_key = 'CUST-000123'`,
        [T1],
      );
      const ana = store.write('approve', (tx) => transitionMasterKey(tx, { given: 'CUST-000123', normalized: 'CUST-000123' }, { action: 'approve', actor: 'ana', now: T1 }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await bob.query('commit');
      await bob.end();
      await assert.rejects(ana, (error: KeySyncError) => {
        assert.equal(error.code, 'DECISION_CONFLICT');
        assert.equal(error.message, 'MK-CUST-000123 was rejected by bob at 2026-12-01T14:03:22Z (duplicate of CUST-000122) while you decided; your approve was not applied.');
        return true;
      });
      const [entry] = await store.read((db) => listMasterKeys(db));
      assert.equal(entry!.status, 'rejected');
      assert.deepEqual((await store.read((db) => listAudit(db, { key: 'CUST-000123' }))).map((event) => event.eventType), ['master_key_proposed'], 'no event for the decision not applied');
    } finally {
      await store.close();
    }
  });

  it('lets a decision of the same process go on while its run’s commit session is open (the editor deciding during its own run)', async () => {
    const schema = freshSchema();
    const store = await Store.openPostgres({ url: adminUrl(), schema });
    try {
      await seed(store, ['K-1']);
      // Awaited inside the session: were the two taking turns in this process, this would never end.
      const decided = await store.commitSession('run', () =>
        store.write('approve', (tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'approve', actor: 'ana', now: T1 })),
      );
      assert.equal(decided.status, 'active');
    } finally {
      await store.close();
    }
  });

  it('holds a decision back while an exclusive session (a registry copy) holds the registry, then applies it', async () => {
    const schema = freshSchema();
    const run = await Store.openPostgres({ url: adminUrl(), schema });
    const reviewer = await Store.openPostgres({ url: adminUrl(), schema, lockTimeoutMs: 5_000 });
    try {
      await seed(run, ['K-1']);
      let decided = false;
      let decision: Promise<unknown> | undefined;
      await run.exclusive('run', async () => {
        decision = reviewer.write('approve', (tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'approve', actor: 'ana', now: T1 }));
        void decision.then(() => (decided = true));
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal(decided, false, 'the decision waits for the run');
      });
      await decision;
      assert.equal((await reviewer.read((db) => listMasterKeys(db)))[0]!.status, 'active');
    } finally {
      await reviewer.close();
      await run.close();
    }
  });

  it('gives up on a decision after busy_timeout_ms while an exclusive session holds the registry (DATABASE_BUSY)', async () => {
    const schema = freshSchema();
    const run = await Store.openPostgres({ url: adminUrl(), schema });
    const reviewer = await Store.openPostgres({ url: adminUrl(), schema, lockTimeoutMs: 300 });
    try {
      await seed(run, ['K-1']);
      await run.exclusive('run', () =>
        assert.rejects(reviewer.write('approve', (tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'approve', actor: 'ana', now: T1 })), code('DATABASE_BUSY')),
      );
    } finally {
      await reviewer.close();
      await run.close();
    }
  });

  it('lets one run at a time hold the run lock; the second is told who holds it', async () => {
    const target = { url: adminUrl(), schema: freshSchema() };
    await new PostgresRunLock(target).with({ purpose: 'run 2026-A', timeoutMs: 0 }, async () => {
      await assert.rejects(
        new PostgresRunLock(target).with({ purpose: 'run 2026-B', timeoutMs: 200, busyMessage: (holder) => `Another run is in progress: ${holder}.` }, async () => undefined),
        (error: KeySyncError) => error.code === 'DATABASE_BUSY' && /^Another run is in progress: run 2026-A \(server process \d+/.test(error.message),
      );
    });
    // Released: the next run takes it.
    assert.equal(await new PostgresRunLock(target).with({ purpose: 'run 2026-C', timeoutMs: 0 }, async () => 'ran'), 'ran');
  });

  it('lets a viewer browse and refuses its decision with "permission denied", no stack, no password', async () => {
    const app = await Store.openPostgres({ url: team.url(team.app), schema: 'keysync' });
    await seed(app, ['K-1']);
    await app.close();
    const viewer = await Store.openPostgres({ url: team.url(team.viewer), schema: 'keysync' });
    try {
      assert.equal((await viewer.read((db) => listMasterKeys(db))).length, 1);
      await assert.rejects(viewer.write('approve K-1', (tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'approve', actor: 'vic', now: T1 })), (error: KeySyncError) => {
        assert.equal(error.code, 'DATABASE_PERMISSION_DENIED');
        assert.match(error.describe(), /^PostgreSQL registry postgres:\/\/keysync_viewer@.*: Permission denied: role keysync_viewer may not do this in the registry \(permission denied for table master_keys\)\. Nothing was changed\. — a read-only role \(keysync_viewer\) can browse but not decide/);
        for (const password of server.passwords) assert.ok(!error.describe().includes(password));
        return true;
      });
    } finally {
      await viewer.close();
    }
  });

  it('names an unreachable server, a refused login and an unset ${VAR} clearly, never with the password', async () => {
    const wrong = { user: server.admin.user, password: 'not-the-password/@:%' };
    const cases: [string, string][] = [
      [server.url(wrong), 'DATABASE_AUTH'],
      [`postgres://postgres:${encodeURIComponent(server.admin.password)}@127.0.0.1:1/keysync_test`, 'DATABASE_UNREACHABLE'],
      ['postgres://${KEYSYNC_TEST_UNSET_HOST}/x', 'CONFIG_UNDEFINED_VARIABLE'],
      ['postgres://user:pw@[broken/x', 'DATABASE_URL_INVALID'],
    ];
    for (const [url, expected] of cases) {
      await assert.rejects(Store.openPostgres({ url, schema: 'keysync', env: {} }), (error: KeySyncError) => {
        assert.equal(error.code, expected, error.message);
        for (const secret of [server.admin.password, wrong.password, encodeURIComponent(wrong.password), 'pw@']) assert.ok(!error.describe().includes(secret), error.describe());
        return true;
      });
    }
  });

  it('expands ${VAR} in the URL and takes the password from PGPASSWORD', async () => {
    const env = { PG_PORT: String(server.port), PGPASSWORD: server.admin.password };
    const store = await Store.openPostgres({ url: 'postgres://postgres@127.0.0.1:${PG_PORT}/keysync_test', schema: freshSchema(), env });
    assert.deepEqual(await store.read((db) => listMasterKeys(db)), []);
    await store.close();
  });
});
