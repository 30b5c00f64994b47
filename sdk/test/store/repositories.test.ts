/**
 * The store's repositories and the run records through the real Store on every backend — a
 * real SQLite file under both drivers, and a fresh schema on a real PostgreSQL — the way
 * Kysely's own tests loop over dialects (docs/behaviour.md §5, §7; docs/architecture.md §4).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Proposal } from '../../src/core/provision.js';
import { planRegistryChanges } from '../../src/core/registry-plan.js';
import { isKeySyncError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { RunIdentity } from '../../src/run/run-identity.js';
import { abandonRun, beginRun, markInterruptedRuns, resumableRun } from '../../src/run/run-records.js';
import { appendAudit, decidedSince, listAudit } from '../../src/store/audit-repo.js';
import { copyProbableMatches, loadProbableMatches, saveProbableMatches } from '../../src/store/probable-matches-repo.js';
import { countDiscrepancies, discrepancyGroups, ENTRIES_PER_PART, loadDiscrepancies, saveDiscrepancies, type DiscrepancyGroup } from '../../src/store/discrepancies-repo.js';
import { compareSystems } from '../../src/core/compare.js';
import type { DiscrepancyKind, KeyWithSightings } from '../../src/core/discrepancy-kinds.js';
import { KeyIndex } from '../../src/core/key-index.js';
import type { SqliteDriver } from '../../src/store/sqlite/drivers/driver.js';
import { nativeDriver } from '../../src/store/sqlite/drivers/native.js';
import { wasmDriver } from '../../src/store/sqlite/drivers/wasm.js';
import { Kysely, Migrator, sql } from 'kysely';
import { migrations, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { planPairMoves, planRenormalize } from '../../src/core/renormalize.js';
import {
  applyPairMoves,
  applyRegistryPlan,
  applyRenormalize,
  countByStatus,
  EntryChangedSinceRead,
  listLinks,
  listMasterKeys,
  listRejectedMatches,
  nextIds,
  readRegistryForPlan,
  rejectMatch,
  transitionMany,
  transitionMasterKey,
} from '../../src/store/registry-repo.js';
import { finishRun, getRun, insertRun, listRuns, previousRun } from '../../src/store/runs-repo.js';
import { sqliteDdl } from '../../src/store/sqlite/ddl.js';
import { APPLICATION_ID } from '../../src/store/sqlite/sqlite-backend.js';
import { Store } from '../../src/store/store.js';
import { testServer } from '../helpers/servers.js';

const T0 = '2026-05-01T10:00:00.000Z';
const T1 = '2026-05-01T10:05:00.000Z';
const silent: Logger = { log: () => {} } as unknown as Logger;

const proposal = (key: string): Proposal => ({ normalizedKey: key, masterKey: `MK-${key}`, sourceSystem: 'B', sourceKey: key.toLowerCase(), strategy: 'namespaced' });

function identity(id: string, overrides: Partial<RunIdentity> = {}): RunIdentity {
  return { id, startedAt: T0, stamp: id.slice(0, 16), outputDir: path.join(tmpdir(), 'keysync-no-such-output'), mode: 'full', resumed: false, ...overrides };
}

interface Backend {
  readonly name: string;
  /** Starts what the backend needs (a server), once; may skip the suite. */
  prepare(context: Mocha.Context): Promise<void>;
  /** A new, empty registry (the n-th of the suite). */
  open(dir: string, n: number): Promise<Store>;
}

const sqliteBackend = (driver: SqliteDriver): Backend => ({
  name: `a real SQLite file (${driver.name} driver)`,
  prepare: async () => undefined,
  open: (dir, n) => Store.open(path.join(dir, `keysync-${n}.db`), { driver, lockTimeoutMs: 2000 }),
});

let postgresUrl: string | undefined;
const postgresBackend: Backend = {
  name: 'PostgreSQL 15 (a fresh schema per test)',
  async prepare(context) {
    const server = await testServer('postgres', context);
    postgresUrl = server.url(server.admin);
  },
  open: (_dir, n) => Store.openPostgres({ url: postgresUrl!, schema: `repos_${process.pid}_${n}`, lockTimeoutMs: 2000 }),
};

const STORE_BACKENDS: readonly Backend[] = [sqliteBackend(nativeDriver), sqliteBackend(wasmDriver), postgresBackend];

for (const backend of STORE_BACKENDS) {
  describe(`store repositories on ${backend.name}`, function () {
    let dir: string;
    let store: Store;
    let files = 0;

    before(async function () {
      await backend.prepare(this);
      dir = mkdtempSync(path.join(tmpdir(), 'keysync-repos-'));
    });
    beforeEach(async () => {
      store = await backend.open(dir, ++files);
    });
    afterEach(async () => {
      await store.close();
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** A run row the registry entries can point at, and a registry planned and applied by it. */
    async function seedRegistry(keys: readonly string[]): Promise<void> {
      await beginRun(store, identity('20260501T100000Z-seed'), null, T0);
      // As a run commits: planned ids are inserted under the exclusive session only.
      await store.exclusive('seed', (session) =>
        session.transaction(async (tx) => {
          const ids = await nextIds(tx);
          const plan = planRegistryChanges({
            runId: '20260501T100000Z-seed', now: T0, existing: [], proposals: keys.map(proposal), resolvedKeys: [], autoApproveKeys: [],
            nextMasterKeyId: ids.masterKey, nextAuditId: ids.audit,
          });
          await applyRegistryPlan(tx, plan);
        }),
      );
    }

    describe('registry-repo', () => {
      it('applies a plan with the ids it planned, and round-trips every field', async () => {
        await seedRegistry(['K-1', 'K-2']);
        const records = await store.read((db) => listMasterKeys(db));
        assert.deepEqual(records, [
          {
            id: 1, masterKey: 'MK-K-1', normalizedKey: 'K-1', sourceSystem: 'B', sourceKey: 'k-1', strategy: 'namespaced', status: 'proposed',
            createdAt: T0, createdRunId: '20260501T100000Z-seed', activatedAt: null, statusChangedAt: T0, statusChangedBy: 'keysync', statusReason: null, linkedTo: null,
          },
          {
            id: 2, masterKey: 'MK-K-2', normalizedKey: 'K-2', sourceSystem: 'B', sourceKey: 'k-2', strategy: 'namespaced', status: 'proposed',
            createdAt: T0, createdRunId: '20260501T100000Z-seed', activatedAt: null, statusChangedAt: T0, statusChangedBy: 'keysync', statusReason: null, linkedTo: null,
          },
        ]);
        // run_started took audit id 1; the two proposals follow.
        const audit = await store.read((db) => listAudit(db));
        assert.deepEqual(audit.map((event) => [event.id, event.eventType, event.key]), [
          [1, 'run_started', null],
          [2, 'master_key_proposed', 'K-1'],
          [3, 'master_key_proposed', 'K-2'],
        ]);
        assert.deepEqual(await store.read((db) => nextIds(db)), { masterKey: 3, audit: 4 });
      });

      it('filters by status and normalised keys, pages with limit and offset, counts by status', async () => {
        await seedRegistry(['K-1', 'K-2', 'K-3']);
        await store.write('approve', (tx) => transitionMasterKey(tx, { given: 'K-2', normalized: 'K-2' }, { action: 'approve', actor: 'ana', now: T1 }));
        const keys = (records: { normalizedKey: string }[]) => records.map((record) => record.normalizedKey);
        assert.deepEqual(keys(await store.read((db) => listMasterKeys(db, { status: 'proposed' }))), ['K-1', 'K-3']);
        assert.deepEqual(keys(await store.read((db) => listMasterKeys(db, { status: ['active', 'rejected'] }))), ['K-2']);
        assert.deepEqual(keys(await store.read((db) => listMasterKeys(db, { normalizedKeys: ['K-3', 'K-1', 'NONE'] }))), ['K-1', 'K-3']);
        assert.deepEqual(keys(await store.read((db) => listMasterKeys(db, { limit: 1, offset: 1 }))), ['K-2']);
        assert.deepEqual(keys(await store.read((db) => listMasterKeys(db, { offset: 2 }))), ['K-3']);
        assert.deepEqual(await store.read((db) => countByStatus(db)), { proposed: 2, active: 1, rejected: 0, deprecated: 0, resolved: 0, linked: 0 });
      });

      it('finds a key by master key, by normalised key, or by its normalised form, and records the user action', async () => {
        await seedRegistry(['K-1', 'K-2', 'K-3']);
        const byMaster = await store.write('a', (tx) => transitionMasterKey(tx, { given: 'MK-K-1', normalized: 'MKK1' }, { action: 'approve', actor: 'ana', now: T1 }));
        assert.deepEqual([byMaster.normalizedKey, byMaster.status, byMaster.activatedAt, byMaster.statusChangedBy], ['K-1', 'active', T1, 'ana']);
        const byNormalised = await store.write('b', (tx) =>
          transitionMasterKey(tx, { given: 'k-2', normalized: 'K-2' }, { action: 'reject', actor: 'bo', reason: 'test key', now: T1 }),
        );
        assert.deepEqual([byNormalised.normalizedKey, byNormalised.status, byNormalised.statusReason], ['K-2', 'rejected', 'test key']);
        const stored = await store.read((db) => listMasterKeys(db, { normalizedKeys: ['K-1', 'K-2'] }));
        assert.deepEqual(stored.map((record) => record.status), ['active', 'rejected'], 'the change is stored, not only returned');
        const events = await store.read((db) => listAudit(db, { eventType: 'master_key_rejected' }));
        assert.equal(events.length, 1);
        assert.deepEqual([events[0]!.actor, events[0]!.runId, events[0]!.details], ['bo', null, 'MK-K-2: proposed → rejected (test key)']);
      });

      it('refuses an unknown key, a reject without a reason and an illegal transition, changing nothing', async () => {
        await seedRegistry(['K-1']);
        const refused = async (work: Parameters<Store['write']>[1], code: string) => {
          await assert.rejects(store.write('try', work), (error: unknown) => isKeySyncError(error) && error.code === code);
        };
        await refused((tx) => transitionMasterKey(tx, { given: 'nope', normalized: 'NOPE' }, { action: 'approve', actor: 'a', now: T1 }), 'MASTER_KEY_NOT_FOUND');
        await refused((tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'reject', actor: 'a', reason: '  ', now: T1 }), 'REASON_REQUIRED');
        await refused((tx) => transitionMasterKey(tx, { given: 'K-1', normalized: 'K-1' }, { action: 'deprecate', actor: 'a', now: T1 }), 'ILLEGAL_TRANSITION');
        const [record] = await store.read((db) => listMasterKeys(db));
        assert.equal(record!.status, 'proposed');
        assert.equal((await store.read((db) => listAudit(db))).length, 2, 'run_started and the proposal only');
      });

      it('link and unlink (docs/behaviour.md §10): proposed → linked with linked_to, linked → proposed; audited; every other move refused', async () => {
        await seedRegistry(['K-1', 'K-2']);
        const key = (given: string) => ({ given, normalized: given });
        const linked = await store.write('link', (tx) => transitionMasterKey(tx, key('K-1'), { action: 'link', actor: 'ana', reason: 'typo', linkedTo: 'K-01', now: T1 }));
        assert.deepEqual([linked.status, linked.linkedTo, linked.statusChangedBy], ['linked', 'K-01', 'ana']);
        assert.deepEqual((await store.read((db) => listMasterKeys(db, { status: 'linked' }))).map((r) => [r.normalizedKey, r.linkedTo]), [['K-1', 'K-01']]);
        assert.equal((await store.read((db) => countByStatus(db))).linked, 1);
        const refused = async (work: Parameters<Store['write']>[1], code: string) => {
          await assert.rejects(store.write('try', work), (error: unknown) => isKeySyncError(error) && error.code === code);
        };
        for (const action of ['approve', 'reject', 'deprecate', 'link'] as const) {
          await refused((tx) => transitionMasterKey(tx, key('K-1'), { action, actor: 'a', reason: 'r', linkedTo: 'K-9', now: T1 }), 'ILLEGAL_TRANSITION');
        }
        await refused((tx) => transitionMasterKey(tx, key('K-2'), { action: 'unlink', actor: 'a', now: T1 }), 'ILLEGAL_TRANSITION');
        await refused((tx) => transitionMasterKey(tx, key('K-2'), { action: 'link', actor: 'a', linkedTo: 'K-2', now: T1 }), 'LINK_TARGET_INVALID');
        await refused((tx) => transitionMasterKey(tx, key('K-2'), { action: 'link', actor: 'a', now: T1 }), 'LINK_TARGET_INVALID');
        const unlinked = await store.write('unlink', (tx) => transitionMasterKey(tx, key('K-1'), { action: 'unlink', actor: 'bo', now: T1 }));
        assert.deepEqual([unlinked.status, unlinked.linkedTo], ['proposed', null]);
        assert.deepEqual((await store.read((db) => listMasterKeys(db, { normalizedKeys: ['K-1'] })))[0]?.linkedTo, null);
        const events = await store.read((db) => listAudit(db, { key: 'K-1' }));
        assert.deepEqual(events.map((e) => [e.eventType, e.actor, e.details]), [
          ['master_key_proposed', 'keysync', 'namespaced master key MK-K-1 proposed for B key k-1'],
          ['master_key_linked', 'ana', 'MK-K-1: proposed → linked to K-01 (typo)'],
          ['master_key_unlinked', 'bo', 'MK-K-1: linked → proposed'],
        ]);
      });

      it('re-keying for new rules carries links and "not a match" pairs to their new keys; pairs that meet become one', async () => {
        await seedRegistry(['k-1', 'k-2', 'K-3']);
        const key = (given: string) => ({ given, normalized: given });
        const by = { actor: 'ana', now: T1 };
        await store.write('link', (tx) => transitionMasterKey(tx, key('k-1'), { action: 'link', actor: 'ana', linkedTo: 'k-01', now: T1 }));
        await store.write('reject', (tx) => rejectMatch(tx, key('k-2'), 'k-02', by));
        await store.write('reject', (tx) => rejectMatch(tx, key('K-3'), 'k-03', by));
        await store.write('reject', (tx) => rejectMatch(tx, key('K-3'), 'K-03', { ...by, actor: 'bo' }));
        const upper = (raw: string) => raw.toUpperCase();
        await store.write('re-key', async (tx) => {
          const plan = planRenormalize(await listMasterKeys(tx), upper);
          assert.deepEqual(plan.moves.map((move) => move.to).sort(), ['K-1', 'K-2']);
          await applyRenormalize(tx, plan, { actor: 'ana', now: T1 });
          await applyPairMoves(tx, planPairMoves(await listLinks(tx), [], upper), planPairMoves(await listRejectedMatches(tx), plan.moves, upper), { actor: 'ana', now: T1 });
        });
        assert.deepEqual((await store.read((db) => listMasterKeys(db, { status: 'linked' }))).map((r) => [r.normalizedKey, r.linkedTo]), [['K-1', 'K-01']]);
        assert.deepEqual((await store.read((db) => listRejectedMatches(db))).map((r) => [r.normalizedKey, r.authorityKey, r.rejectedBy]), [
          ['K-2', 'K-02', 'ana'],
          ['K-3', 'K-03', 'bo'],
        ]);
        // Every pair moved is audited, as a person's act: K-3's pairs moved though its entry did not.
        const moves = await store.read((db) => listAudit(db));
        assert.deepEqual(
          moves.filter((e) => e.action === 'renormalize' && e.eventType !== 'key_renormalized').map((e) => [e.eventType, e.key, e.runId, e.actor, e.details]),
          [
            ['link_renormalized', 'K-1', null, 'ana', 'link K-1 → k-01 is now K-1 → K-01 (normalisation rules changed)'],
            ['rejection_renormalized', 'K-3', null, 'ana', '"not a match" K-3 → k-03 is now K-3 → K-03 (normalisation rules changed)'],
            ['rejection_renormalized', 'K-2', null, 'ana', '"not a match" k-2 → k-02 is now K-2 → K-02 (normalisation rules changed)'],
          ],
        );
      });

      it('a re-keying that moves only "not a match" pairs is a decision later runs see (decidedSince)', async () => {
        await seedRegistry(['K-3']);
        await store.write('reject', (tx) => rejectMatch(tx, { given: 'K-3', normalized: 'K-3' }, 'k-03', { actor: 'ana', now: T1 }));
        const upper = (raw: string) => raw.toUpperCase();
        const lastId = Math.max(...(await store.read((db) => listAudit(db))).map((e) => Number(e.id)));
        await store.write('re-key', async (tx) => {
          const plan = planRenormalize(await listMasterKeys(tx), upper);
          assert.deepEqual(plan.moves, []);
          await applyRenormalize(tx, plan, { actor: 'ana', now: T1 });
          await applyPairMoves(tx, planPairMoves(await listLinks(tx), [], upper), planPairMoves(await listRejectedMatches(tx), plan.moves, upper), { actor: 'ana', now: T1 });
        });
        assert.equal(await store.read((db) => decidedSince(db, lastId + 1)), true);
      });

      it('"not a match" is kept once per pair, audited, and refuses a link to that pair; a linked pair cannot be rejected', async () => {
        await seedRegistry(['K-1', 'K-2']);
        const key = (given: string) => ({ given, normalized: given });
        const by = { actor: 'ana', reason: 'different customer', now: T1 };
        const first = await store.write('nam', (tx) => rejectMatch(tx, key('MK-K-1'), 'K-01', by));
        assert.deepEqual(first, { normalizedKey: 'K-1', authorityKey: 'K-01', rejectedAt: T1, rejectedBy: 'ana', reason: 'different customer' });
        await store.write('again', (tx) => rejectMatch(tx, key('K-1'), 'K-01', { ...by, actor: 'bo' }));
        assert.deepEqual(await store.read((db) => listRejectedMatches(db)), [first]);
        const events = await store.read((db) => listAudit(db, { eventType: 'probable_match_rejected' }));
        assert.deepEqual(events.map((e) => [e.key, e.actor, e.result, e.details]), [['K-1', 'ana', 'K-01', 'K-1 is not K-01 (different customer)']]);
        await assert.rejects(
          store.write('link', (tx) => transitionMasterKey(tx, key('K-1'), { action: 'link', actor: 'a', linkedTo: 'K-01', now: T1 })),
          (error: unknown) => isKeySyncError(error) && error.code === 'LINK_TARGET_INVALID',
        );
        await store.write('link', (tx) => transitionMasterKey(tx, key('K-2'), { action: 'link', actor: 'a', linkedTo: 'K-02', now: T1 }));
        await assert.rejects(store.write('nam', (tx) => rejectMatch(tx, key('K-2'), 'K-02', by)), (error: unknown) => isKeySyncError(error) && error.code === 'ILLEGAL_TRANSITION');
        await assert.rejects(store.write('nam', (tx) => rejectMatch(tx, key('NOPE'), 'K-02', by)), (error: unknown) => isKeySyncError(error) && error.code === 'MASTER_KEY_NOT_FOUND');
      });

      it('a plan meeting an entry removed, or a key taken, since it was read is refused as a change to plan again from (docs/decisions.md §19)', async () => {
        await seedRegistry(['K-1', 'k-1', 'K-2']);
        const changed = (change: RegExp) => (error: unknown) => error instanceof EntryChangedSinceRead && change.test(error.change);
        // A re-keying planned while k-1 was a proposal, applied after k-1 was decided: k-1 is not removed.
        const upper = (raw: string) => raw.toUpperCase();
        const rekeying = planRenormalize(await store.read((db) => listMasterKeys(db)), upper);
        assert.deepEqual(rekeying.superseded.map((entry) => entry.masterKey), ['MK-k-1']);
        await store.write('approve', (tx) => transitionMasterKey(tx, { given: 'k-1', normalized: 'k-1' }, { action: 'approve', actor: 'bo', now: T1 }));
        await assert.rejects(store.write('re-key', (tx) => applyRenormalize(tx, rekeying, { actor: 'ana', now: T1 })), changed(/was decided/));
        assert.deepEqual((await store.read((db) => listMasterKeys(db))).map((record) => `${record.normalizedKey} ${record.status}`), ['K-1 proposed', 'k-1 active', 'K-2 proposed']);

        // A run that read K-2, which is removed before it commits its approval.
        const read = await store.read((db) => readRegistryForPlan(db));
        await store.write('remove', (tx) => tx.deleteFrom('master_keys').where('normalized_key', '=', 'K-2').execute());
        const apply = async (proposals: readonly string[], autoApproveKeys: readonly string[]) =>
          store.write('commit', async (tx) => {
            const ids = await nextIds(tx);
            const plan = planRegistryChanges({
              runId: '20260501T100000Z-seed', now: T1, existing: read.records, proposals: proposals.map(proposal), resolvedKeys: [], autoApproveKeys,
              nextMasterKeyId: ids.masterKey, nextAuditId: ids.audit,
            });
            await applyRegistryPlan(tx, plan, read.versions);
          });
        await assert.rejects(apply([], ['K-2']), changed(/^entry #3 was removed/));
        // A run adding K-3, which another writer added since it read the registry.
        await store.write('add', (tx) => tx.updateTable('master_keys').set({ normalized_key: 'K-3' }).where('normalized_key', '=', 'K-1').execute());
        await assert.rejects(apply(['K-3'], []), changed(/^MK-K-1 \(proposed\) took the key K-3, which the run was adding$/));
        assert.deepEqual((await store.read((db) => listMasterKeys(db))).map((record) => record.normalizedKey), ['K-3', 'k-1'], 'nothing of either plan landed');
      });

      it('transitionMany acts only on keys in a status the action applies to', async () => {
        await seedRegistry(['K-1', 'K-2', 'K-3']);
        await store.write('reject', (tx) => transitionMasterKey(tx, { given: 'K-3', normalized: 'K-3' }, { action: 'reject', actor: 'a', reason: 'no', now: T1 }));
        const changed = await store.write('all', (tx) => transitionMany(tx, ['K-1', 'K-3', 'MISSING'], { action: 'approve', actor: 'bulk', now: T1 }));
        assert.equal(changed, 1);
        assert.deepEqual((await store.read((db) => listMasterKeys(db))).map((record) => record.status), ['active', 'proposed', 'rejected']);
        assert.equal((await store.read((db) => listAudit(db, { eventType: 'master_key_approved' }))).length, 1);
      });
    });

    describe('audit-repo', () => {
      it('keeps planned ids, assigns the next ones otherwise, and filters by run, key, type and id range', async () => {
        const event = (runId: string | null, key: string | null, eventType: string) => ({
          timestamp: T0, runId, eventType, details: 'd', system: null, key, action: 'x', result: 'ok', actor: 'keysync',
        });
        await beginRun(store, identity('20260501T100000Z-aaaa'), null, T0); // id 1
        await store.exclusive('events', (session) => session.transaction((tx) => appendAudit(tx, [{ ...event('20260501T100000Z-aaaa', 'K', 'planned'), id: 10 }])));
        await store.write('events', (tx) => appendAudit(tx, [event(null, 'K', 'user'), event(null, 'L', 'user')]));
        const all = await store.read((db) => listAudit(db));
        assert.deepEqual(all.map((e) => [e.id, e.eventType]), [[1, 'run_started'], [10, 'planned'], [11, 'user'], [12, 'user']]);
        // Decisions are the events no run made.
        assert.deepEqual(await Promise.all([1, 11, 12, 13].map((fromId) => store.read((db) => decidedSince(db, fromId)))), [true, true, true, false]);
        const ids = async (filter: Parameters<typeof listAudit>[1]) => (await store.read((db) => listAudit(db, filter))).map((e) => e.id);
        assert.deepEqual(await ids({ runId: '20260501T100000Z-aaaa' }), [1, 10]);
        assert.deepEqual(await ids({ key: 'K' }), [10, 11]);
        assert.deepEqual(await ids({ eventType: 'user' }), [11, 12]);
        assert.deepEqual(await ids({ fromId: 10, toId: 11 }), [10, 11]);
        assert.deepEqual(await ids({ limit: 2 }), [1, 10]);
      });
    });

    describe('runs-repo and discrepancies-repo', () => {
      it('round-trips a run from running to completed, with summary, reports and rules as JSON', async () => {
        await store.write('insert', (tx) =>
          insertRun(tx, { id: 'r1', startedAt: T0, mode: 'incremental', reportStamp: '20260501T100000Z', outputDir: '/out', configFile: '/c.yaml', auditFromId: 1 }),
        );
        const running = await store.read((db) => getRun(db, 'r1'));
        assert.deepEqual([running!.status, running!.finishedAt, running!.summary, running!.auditToId, running!.mode], ['running', null, null, null, 'incremental']);
        const rules = { trim_whitespace: true, uppercase: false, collapse_delims: '.', strip_non_alnum: true, left_pad_numbers: true, pad_length: 8 };
        const summary = { runId: 'r1', totals: { uniqueKeys: 3 } } as never;
        await store.write('finish', (tx) =>
          finishRun(tx, 'r1', { status: 'completed', finishedAt: T1, summary, reports: { audit_log: '/out/a.csv' }, auditToId: 7, normalizeRules: rules }),
        );
        const done = await store.read((db) => getRun(db, 'r1'));
        assert.deepEqual(
          [done!.status, done!.finishedAt, done!.summary, done!.reports, done!.auditFromId, done!.auditToId, done!.normalizeRules, done!.outputDir, done!.configFile],
          // A summary stored without the probable-match counts reads as counting none.
          ['completed', T1, { runId: 'r1', totals: { uniqueKeys: 3, keysWithProbableMatch: 0, keysLinked: 0 } }, { audit_log: '/out/a.csv' }, 1, 7, rules, '/out', '/c.yaml'],
        );
        assert.equal(await store.read((db) => getRun(db, 'nope')), undefined);
      });

      it('lists runs newest first, by status, up to a limit', async () => {
        await store.write('runs', async (tx) => {
          for (const [id, startedAt] of [['a', '2026-01-01T00:00:00.000Z'], ['c', '2026-03-01T00:00:00.000Z'], ['b', '2026-02-01T00:00:00.000Z']] as const) {
            await insertRun(tx, { id, startedAt, mode: 'full', reportStamp: id, outputDir: '/o', configFile: null, auditFromId: 1 });
          }
          await finishRun(tx, 'b', { status: 'failed', finishedAt: T1, error: 'boom' });
        });
        assert.deepEqual((await store.read((db) => listRuns(db))).map((run) => run.id), ['c', 'b', 'a']);
        assert.deepEqual((await store.read((db) => listRuns(db, { status: 'running' }))).map((run) => run.id), ['c', 'a']);
        assert.deepEqual((await store.read((db) => listRuns(db, { limit: 1 }))).map((run) => run.id), ['c']);
        assert.equal((await store.read((db) => getRun(db, 'b')))!.error, 'boom');
      });

      it('stores each (kind, system) in parts of ENTRIES_PER_PART, counts and gives the entries back as saved, in order', async () => {
        await beginRun(store, identity('20260501T100000Z-dddd'), null, T0);
        const manyGaps = Array.from({ length: 2 * ENTRIES_PER_PART + 7 }, (_, i) => ({ key: `G-${i}`, line: i + 2 }));
        const groups: DiscrepancyGroup[] = [
          { kind: 'gap', system: 'B', entries: [{ key: 'K-1', line: 2 }, { key: 'K-2', line: 3 }] },
          { kind: 'gap', system: 'C', entries: manyGaps },
          { kind: 'out_of_authority', system: 'B', entries: [{ key: 'X', sightings: [{ raw: 'x', line: 5 }] }] },
          { kind: 'only_in_authority', system: '', entries: [] },
          { kind: 'bad_row', system: 'C', entries: [{ file: '/c.csv', line: 9, reason: 'missing key', detail: 'blank', action: 'skipped' }] },
        ];
        await store.write('save', (tx) => saveDiscrepancies(tx, '20260501T100000Z-dddd', groups));
        const counts = await store.read((db) => countDiscrepancies(db, '20260501T100000Z-dddd'));
        assert.deepEqual(
          counts.map((c) => [c.kind, c.system, Number(c.count)]).sort(),
          [['bad_row', 'C', 1], ['gap', 'B', 2], ['gap', 'C', manyGaps.length], ['only_in_authority', '', 0], ['out_of_authority', 'B', 1]],
        );
        const parts = await store.read((db) => db.selectFrom('run_discrepancies').select(['kind', 'system', 'part', 'count']).where('system', '=', 'C').where('kind', '=', 'gap').orderBy('part').execute());
        assert.deepEqual(parts.map((row) => [row.part, Number(row.count)]), [[0, ENTRIES_PER_PART], [1, ENTRIES_PER_PART], [2, 7]]);
        for (const group of groups) {
          assert.deepEqual(await store.read((db) => loadDiscrepancies(db, '20260501T100000Z-dddd', group.kind, group.system)), group.entries);
        }
        assert.deepEqual(await store.read((db) => loadDiscrepancies(db, '20260501T100000Z-dddd', 'gap', 'Z')), []);
      });
      it('carries the groups an earlier run stored: copied by the database, the rest written; written when the earlier run has no such rows', async () => {
        await beginRun(store, identity('20260501T100000Z-ffff'), null, T0);
        const manyGaps = Array.from({ length: ENTRIES_PER_PART + 3 }, (_, i) => ({ key: `G-${i}`, line: i + 2 }));
        const earlier: DiscrepancyGroup[] = [
          { kind: 'gap', system: 'B', entries: manyGaps },
          { kind: 'gap', system: 'C', entries: [{ key: 'K-1', line: 2 }] },
          { kind: 'only_in_authority', system: '', entries: [] },
        ];
        await store.write('earlier', (tx) => saveDiscrepancies(tx, '20260501T100000Z-ffff', earlier));
        const inputs = { authority: 'A', systems: ['A', 'B', 'C'], contents: { A: 'a', B: 'b', C: 'c' }, matching: { enabled: true, max_distance: 2, max_candidates: 3, min_score: 0.85 } };
        await store.write('finish', (tx) => finishRun(tx, '20260501T100000Z-ffff', { status: 'completed', finishedAt: T1, inputs }));
        assert.deepEqual(await store.read((db) => previousRun(db)), { runId: '20260501T100000Z-ffff', auditFromId: 1, inputs });

        await beginRun(store, identity('20260501T110000Z-gggg'), null, T1);
        // Entries a carried group is never asked for: its rows come from the earlier run's.
        const unread = (function* () {
          throw new Error('a carried group was read');
        })();
        const later: DiscrepancyGroup[] = [
          { kind: 'gap', system: 'B', entries: unread },
          { kind: 'gap', system: 'C', entries: [{ key: 'K-2', line: 7 }] },
          { kind: 'duplicate', system: 'C', entries: [{ key: 'D', sightings: [{ raw: 'd', line: 3 }] }] },
          { kind: 'only_in_authority', system: '', entries: [{ key: 'K-9', line: 9 }] },
        ];
        // Carried: B's gaps (stored earlier) and C's duplicates (never stored: written).
        const carries = ({ kind, system }: Pick<DiscrepancyGroup, 'kind' | 'system'>) => (kind === 'gap' && system === 'B') || kind === 'duplicate';
        const copied = await store.write('later', (tx) => saveDiscrepancies(tx, '20260501T110000Z-gggg', later, { fromRunId: '20260501T100000Z-ffff', carries }));
        assert.equal(copied, 1);
        const load = (kind: DiscrepancyKind, system: string) => store.read((db) => loadDiscrepancies(db, '20260501T110000Z-gggg', kind, system));
        assert.deepEqual(await load('gap', 'B'), manyGaps);
        assert.deepEqual(await load('gap', 'C'), [{ key: 'K-2', line: 7 }]);
        assert.deepEqual(await load('duplicate', 'C'), [{ key: 'D', sightings: [{ raw: 'd', line: 3 }] }]);
        assert.deepEqual(await load('only_in_authority', ''), [{ key: 'K-9', line: 9 }]);
        const counts = await store.read((db) => countDiscrepancies(db, '20260501T110000Z-gggg'));
        assert.deepEqual(counts.map((c) => [c.kind, c.system, c.count]).sort(), [['duplicate', 'C', 1], ['gap', 'B', manyGaps.length], ['gap', 'C', 1], ['only_in_authority', '', 1]]);
        // The earlier run's rows stay as they were.
        assert.deepEqual(await store.read((db) => loadDiscrepancies(db, '20260501T100000Z-ffff', 'gap', 'C')), [{ key: 'K-1', line: 2 }]);
      });

      it('stores probable matches in parts, none as one empty part, and copies them to a later run', async () => {
        await beginRun(store, identity('20260501T100000Z-hhhh'), null, T0);
        await beginRun(store, identity('20260501T110000Z-iiii'), null, T0);
        await beginRun(store, identity('20260501T120000Z-jjjj'), null, T0);
        const matches = Array.from({ length: ENTRIES_PER_PART + 2 }, (_, i) => ({
          key: `X-${i}`,
          candidates: [{ authorityKey: `K-${i}`, score: 0.9, kind: 'edit' as const, reason: 'edit distance 1' }],
        }));
        await store.write('save', async (tx) => {
          await saveProbableMatches(tx, '20260501T100000Z-hhhh', matches);
          await saveProbableMatches(tx, '20260501T110000Z-iiii', []);
        });
        assert.deepEqual(await store.read((db) => loadProbableMatches(db, '20260501T100000Z-hhhh')), matches);
        assert.deepEqual(await store.read((db) => loadProbableMatches(db, '20260501T110000Z-iiii')), []);
        assert.equal(await store.read((db) => loadProbableMatches(db, '20260501T120000Z-jjjj')), undefined);
        assert.equal(await store.write('copy', (tx) => copyProbableMatches(tx, '20260501T100000Z-hhhh', '20260501T120000Z-jjjj')), true);
        assert.deepEqual(await store.read((db) => loadProbableMatches(db, '20260501T120000Z-jjjj')), matches);
        assert.equal(await store.write('copy', (tx) => copyProbableMatches(tx, 'no such run', '20260501T110000Z-iiii')), false);
      });

      it('names no earlier run to carry from when the newest completed run did not record its inputs', async () => {
        await store.write('runs', async (tx) => {
          await insertRun(tx, { id: 'named', startedAt: '2026-01-01T00:00:00.000Z', mode: 'full', reportStamp: 'n', outputDir: '/o', configFile: null, auditFromId: 1 });
          await finishRun(tx, 'named', { status: 'completed', finishedAt: T1, inputs: { authority: 'A', systems: ['A'], contents: { A: 'a' }, matching: { enabled: false, max_distance: 0, max_candidates: 1, min_score: 1 } } });
          await insertRun(tx, { id: 'unnamed', startedAt: '2026-02-01T00:00:00.000Z', mode: 'full', reportStamp: 'u', outputDir: '/o', configFile: null, auditFromId: 1 });
          await finishRun(tx, 'unnamed', { status: 'completed', finishedAt: T1 });
        });
        assert.equal(await store.read((db) => previousRun(db)), undefined);
      });

      it("stores a comparison's groups as the views read them: each system's share of the out-of-authority keys and duplicates, across parts", async () => {
        await beginRun(store, identity('20260501T100000Z-eeee'), null, T0);
        const index = (system: string, rows: readonly (readonly [string, string, number])[]) => {
          const keys = new KeyIndex(system);
          for (const [key, raw, line] of rows) keys.add(key, raw, line);
          return keys;
        };
        // More out-of-authority keys in B than a part holds, interleaved with keys only C holds.
        const many = Array.from({ length: ENTRIES_PER_PART + 5 }, (_, i) => `X-${String(i).padStart(5, '0')}`);
        const b = index('B', [...many.map((key, i) => [key, key.toLowerCase(), i + 2] as const), ['D-1', 'd-1', 9000], ['D-1', 'd 1', 9001]]);
        const c = index('C', [['X-00003', 'x3', 2], ['Y-1', 'y1', 3]]);
        const discrepancies = compareSystems(index('A', [['K-1', 'k1', 2]]), [b, c]);
        const badRows = [{ system: 'C', file: '/c.csv', line: 4, reason: 'missing key', detail: 'blank', action: 'skipped' }] as const;
        await store.write('save', (tx) => saveDiscrepancies(tx, '20260501T100000Z-eeee', discrepancyGroups(discrepancies, badRows)));
        const load = (kind: DiscrepancyKind, system: string) => store.read((db) => loadDiscrepancies(db, '20260501T100000Z-eeee', kind, system));
        const inB = (await load('out_of_authority', 'B')) as KeyWithSightings[];
        assert.deepEqual(inB.map((entry) => entry.key), ['D-1', ...many]);
        assert.deepEqual(inB.find((entry) => entry.key === 'X-00003')!.sightings, [{ raw: 'x-00003', line: 5 }]);
        assert.deepEqual(await load('out_of_authority', 'C'), [{ key: 'X-00003', sightings: [{ raw: 'x3', line: 2 }] }, { key: 'Y-1', sightings: [{ raw: 'y1', line: 3 }] }]);
        assert.deepEqual(await load('duplicate', 'B'), [{ key: 'D-1', sightings: [{ raw: 'd-1', line: 9000 }, { raw: 'd 1', line: 9001 }] }]);
        assert.deepEqual(await load('duplicate', 'C'), []);
        assert.deepEqual(await load('gap', 'B'), [{ key: 'K-1', line: 2 }]);
        assert.deepEqual(await load('bad_row', 'C'), [{ file: '/c.csv', line: 4, reason: 'missing key', detail: 'blank', action: 'skipped' }]);
        const counts = await store.read((db) => countDiscrepancies(db, '20260501T100000Z-eeee'));
        assert.deepEqual(
          counts.map((count) => [count.kind, count.system, count.count]).sort(),
          [['bad_row', 'C', 1], ['duplicate', 'A', 0], ['duplicate', 'B', 1], ['duplicate', 'C', 0], ['gap', 'B', 1], ['gap', 'C', 1], ['only_in_authority', '', 1], ['out_of_authority', 'B', ENTRIES_PER_PART + 6], ['out_of_authority', 'C', 2]],
        );
      });
    });

    describe('run records (run/run-records.ts)', () => {
      it('beginRun inserts a running row whose audit range starts after the previous completed run', async () => {
        await store.write('earlier', async (tx) => {
          await insertRun(tx, { id: 'old', startedAt: '2026-01-01T00:00:00.000Z', mode: 'full', reportStamp: 'old', outputDir: '/o', configFile: null, auditFromId: 1 });
          await finishRun(tx, 'old', { status: 'completed', finishedAt: T0, auditToId: 41 });
        });
        await beginRun(store, identity('20260501T100000Z-bbbb', { mode: 'incremental' }), '/cfg.yaml', T0);
        const run = await store.read((db) => getRun(db, '20260501T100000Z-bbbb'));
        assert.deepEqual([run!.status, run!.mode, run!.auditFromId, run!.configFile, run!.reportStamp], ['running', 'incremental', 42, '/cfg.yaml', '20260501T100000Z']);
        const [started] = await store.read((db) => listAudit(db, { runId: '20260501T100000Z-bbbb' }));
        assert.deepEqual([started!.eventType, started!.details, started!.result, started!.action], ['run_started', 'incremental run started', 'running', 'started']);
      });

      it('abandonRun records the outcome and its event; resumableRun returns it; beginRun resumes it', async () => {
        const run = identity('20260501T100000Z-cccc');
        await beginRun(store, run, null, T0);
        await abandonRun(store, run.id, 'cancelled', 'cancelled by the user', T1);
        const abandoned = await store.read((db) => getRun(db, run.id));
        assert.deepEqual([abandoned!.status, abandoned!.error, abandoned!.finishedAt], ['cancelled', 'cancelled by the user', T1]);
        assert.equal((await resumableRun(store)).id, run.id);
        await beginRun(store, { ...run, resumed: true, outputDir: '/elsewhere' }, null, T1);
        const resumed = await store.read((db) => getRun(db, run.id));
        assert.deepEqual([resumed!.status, resumed!.error, resumed!.finishedAt, resumed!.outputDir], ['running', null, null, '/elsewhere']);
        assert.deepEqual((await store.read((db) => listAudit(db, { runId: run.id }))).map((e) => e.eventType), ['run_started', 'run_cancelled', 'run_resumed']);
        assert.equal((await store.read((db) => listRuns(db))).length, 1, 'resuming adds no run');
      });

      it('resumableRun refuses when there is no run or the latest completed', async () => {
        const nothing = (error: unknown) => isKeySyncError(error) && error.code === 'NOTHING_TO_RESUME' && error.kind === 'usage';
        await assert.rejects(resumableRun(store), nothing);
        await beginRun(store, identity('20260501T100000Z-eeee'), null, T0);
        await store.write('finish', (tx) => finishRun(tx, '20260501T100000Z-eeee', { status: 'completed', finishedAt: T1 }));
        await assert.rejects(resumableRun(store), nothing);
      });

      it('markInterruptedRuns marks every running run failed, "interrupted", and leaves finished ones', async () => {
        await beginRun(store, identity('20260501T100000Z-ffff'), null, T0);
        await beginRun(store, identity('20260501T100001Z-gggg'), null, T0);
        await store.write('finish', (tx) => finishRun(tx, '20260501T100001Z-gggg', { status: 'completed', finishedAt: T1 }));
        await markInterruptedRuns(store, silent, path.join(dir, 'no-output'), T1);
        const runs = await store.read((db) => listRuns(db));
        assert.deepEqual(runs.map((run) => [run.id, run.status]).sort(), [['20260501T100000Z-ffff', 'failed'], ['20260501T100001Z-gggg', 'completed']]);
        assert.match(runs.find((run) => run.status === 'failed')!.error!, /^interrupted/);
        assert.equal((await store.read((db) => listAudit(db, { eventType: 'run_failed' }))).length, 1);
      });
    });
  });
}

for (const driver of [nativeDriver, wasmDriver]) {
  describe(`migrations on an older SQLite file (${driver.name} driver)`, () => {
    let dir: string;
    let files = 0;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'keysync-migrate-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('migration 0003 keeps every entry and id of an older database, and the new status is enforced', async () => {
      const file = path.join(dir, `old-${++files}.db`);
      const old = new Kysely<unknown>({ dialect: driver.createDialect(file, { readonly: false, busyTimeoutMs: 2000 }) });
      const [m1, m2] = Object.entries(migrations(sqliteDdl));
      await new Migrator({ db: old, provider: { getMigrations: async () => Object.fromEntries([m1!, m2!]) } }).migrateToLatest();
      await sql.raw(`PRAGMA application_id = ${APPLICATION_ID}`).execute(old);
      await sql.raw('PRAGMA user_version = 2').execute(old);
      await sql`INSERT INTO master_keys (id, normalized_key, master_key, source_system, source_key, strategy, status, created_at, created_run_id, status_changed_at, status_changed_by)
                VALUES (7, 'K-7', 'MK-7', 'B', 'k-7', 'mirror', 'active', ${T0}, 'r', ${T0}, 'ana')`.execute(old);
      await old.destroy();
      const upgraded = await Store.open(file, { driver, lockTimeoutMs: 2000 });
      try {
        const [record] = await upgraded.read((db) => listMasterKeys(db));
        assert.deepEqual([record?.id, record?.normalizedKey, record?.status, record?.linkedTo], [7, 'K-7', 'active', null]);
        assert.ok(SCHEMA_VERSION >= 3);
        await assert.rejects(upgraded.write('bad', (tx) => tx.updateTable('master_keys').set({ status: 'linked' }).where('id', '=', 7).execute()), 'linked needs linked_to');
      } finally {
        await upgraded.close();
      }
    });

    it('migration 0005 keeps each stored discrepancy group as its only part', async () => {
      const file = path.join(dir, `old-${++files}.db`);
      const old = new Kysely<unknown>({ dialect: driver.createDialect(file, { readonly: false, busyTimeoutMs: 2000 }) });
      const fourth = Object.entries(migrations(sqliteDdl)).slice(0, 4);
      await new Migrator({ db: old, provider: { getMigrations: async () => Object.fromEntries(fourth) } }).migrateToLatest();
      await sql.raw(`PRAGMA application_id = ${APPLICATION_ID}`).execute(old);
      await sql.raw('PRAGMA user_version = 4').execute(old);
      await sql`INSERT INTO runs (id, started_at, status, mode, report_stamp, audit_from_id) VALUES ('r', ${T0}, 'completed', 'full', 's', 1)`.execute(old);
      await sql`INSERT INTO run_discrepancies (run_id, kind, system, count, entries) VALUES ('r', 'gap', 'B', 2, '[{"key":"K-1","line":2},{"key":"K-2","line":3}]')`.execute(old);
      await old.destroy();
      const upgraded = await Store.open(file, { driver, lockTimeoutMs: 2000 });
      try {
        assert.deepEqual(await upgraded.read((db) => loadDiscrepancies(db, 'r', 'gap', 'B')), [{ key: 'K-1', line: 2 }, { key: 'K-2', line: 3 }]);
        assert.deepEqual(await upgraded.read((db) => countDiscrepancies(db, 'r')), [{ kind: 'gap', system: 'B', count: 2 }]);
        await upgraded.write('another part', (tx) => tx.insertInto('run_discrepancies').values({ run_id: 'r', kind: 'gap', system: 'B', part: 1, count: 1, entries: '[{"key":"K-3","line":4}]' }).execute());
        assert.equal((await upgraded.read((db) => loadDiscrepancies(db, 'r', 'gap', 'B'))).length, 3);
        await assert.rejects(upgraded.write('same part again', (tx) => tx.insertInto('run_discrepancies').values({ run_id: 'r', kind: 'gap', system: 'B', part: 1, count: 0, entries: '[]' }).execute()));
      } finally {
        await upgraded.close();
      }
    });
  });
}
