/**
 * The two stages of a run, driven directly on the context a workspace builds, over a copy of
 * testdata/clean with a real SQLite store and real files (docs/architecture.md §3,
 * docs/decisions.md §2 and §10): the read stage takes unchanged sources from snapshots in
 * incremental mode only, and the commit stage persists a run in one transaction, or nothing.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/load.js';
import { compareIndexes } from '../../src/core/compare.js';
import type { RunMode } from '../../src/core/types.js';
import { isKeySyncError } from '../../src/errors.js';
import type { LogLevel } from '../../src/log.js';
import { REPORT_NAMES } from '../../src/reports/report-rows.js';
import { claimReportStamp } from '../../src/reports/report-stamp.js';
import { commitRun, type CommitResult } from '../../src/run/commit-stage.js';
import { readStage, reusableSnapshots, type ReadStageResult } from '../../src/run/read-stage.js';
import { newRunId, type RunIdentity } from '../../src/run/run-identity.js';
import { nodeRunRead } from '../../src/run/run-read.js';
import { beginRun } from '../../src/run/run-records.js';
import { listAudit } from '../../src/store/audit-repo.js';
import { countDiscrepancies } from '../../src/store/discrepancies-repo.js';
import { nativeDriver } from '../../src/store/sqlite/drivers/native.js';
import { listMasterKeys } from '../../src/store/registry-repo.js';
import { getRun } from '../../src/store/runs-repo.js';
import { listSnapshots, snapshotFolder } from '../../src/store/snapshots.js';
import type { Store } from '../../src/store/store.js';
import { createContext } from '../../src/workspace.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const T0 = new Date('2026-05-01T10:00:00.000Z');

/** The context `openWorkspace` would build for the copy's config, its log lines kept. */
function stageContext(workspace: TempWorkspace) {
  const logs: string[] = [];
  const context = createContext(loadConfig(workspace.config), nativeDriver, {
    clock: () => T0,
    onLog: (level: LogLevel, message: string) => logs.push(`${level} ${message}`),
  });
  return { context, logs };
}

type Context = ReturnType<typeof stageContext>['context'];

/** The read stage; with `runId`, writing the snapshots of the sources it parses, as a run that is not a dry run does. */
const read = async (context: Context, store: Store, mode: RunMode, runId?: string): Promise<ReadStageResult> =>
  readStage(context, {
    reusable: await reusableSnapshots(context, store, { mode, runId }),
    onSourceProgress: () => {},
    snapshots: runId === undefined ? undefined : { runId, onWrite: () => {} },
  });

/** A new run's identity, its stamp claimed in the output folder as `reconcile` claims it. */
function identity(context: Context, mode: RunMode, dryRun: boolean): RunIdentity {
  const { stamp, runId } = claimReportStamp(context.paths.output, context.clock(), dryRun, newRunId);
  return { id: runId, startedAt: context.clock().toISOString(), stamp, outputDir: context.paths.output, mode, resumed: false };
}

interface RunOptions {
  readonly mode?: RunMode;
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly onPersist?: () => void;
}

/** Read, compare and commit, as `reconcile` sequences them (without its locks and failure handling). */
async function runStages(context: Context, options: RunOptions = {}): Promise<{ run: RunIdentity; read: ReadStageResult; committed: CommitResult }> {
  const mode = options.mode ?? 'full';
  const dryRun = options.dryRun ?? false;
  const store = dryRun ? await context.openReadonlyStore() : await context.store();
  try {
    const run = identity(context, mode, dryRun);
    if (!dryRun) await beginRun(store, run, context.config.file, context.clock().toISOString());
    const readResult = await read(context, store, mode, dryRun ? undefined : run.id);
    const { discrepancies, presence } = compareIndexes(readResult.sources.authority, readResult.sources.others);
    const committed = await commitRun(context, store, {
      run,
      dryRun,
      autoApprove: false,
      read: nodeRunRead({ ...readResult, authority: readResult.sources.authority, systems: [...indexesBySystem(readResult).keys()] }, () => presence),
      discrepancies,
      signal: options.signal,
      progress: (stage) => {
        if (stage === 'persist') options.onPersist?.();
      },
    });
    return { run, read: readResult, committed };
  } finally {
    if (dryRun) await store.close();
  }
}

const indexesBySystem = (result: ReadStageResult) =>
  new Map([result.sources.authority, ...result.sources.others].map((index) => [index.system, index.data]));

const snapshotFiles = (context: Context): string[] => {
  const folder = snapshotFolder(context.paths.database);
  return existsSync(folder) ? readdirSync(folder).sort() : [];
};

describe('run stages on a real workspace', function () {
  let workspace: TempWorkspace;
  let context: Context;
  let logs: string[];

  beforeEach(() => {
    workspace = tempWorkspace('clean');
    ({ context, logs } = stageContext(workspace));
  });
  afterEach(async () => {
    await context.closeStore();
    workspace.remove();
  });

  describe('readStage', () => {
    it('reads every source in full mode, with a fingerprint each, even when snapshots match', async () => {
      await runStages(context);
      const store = await context.store();
      const stored = await store.read((db) => listSnapshots(db));
      assert.deepEqual(stored.map((ref) => ref.system), ['A', 'B', 'C']);

      const full = await read(context, store, 'full');
      assert.deepEqual([...full.fromSnapshot], [], 'full mode parses every source');
      assert.deepEqual([...full.damagedSnapshots], []);
      assert.deepEqual([...full.snapshots.keys()].sort(), ['A', 'B', 'C'], 'the stored references are handed on to the commit');
      for (const ref of stored) assert.equal(full.fingerprints.get(ref.system), ref.fingerprint, `${ref.system}: unchanged file, same fingerprint`);
      assert.deepEqual(full.sources.outcomes.map((outcome) => [outcome.system, outcome.status]), [['A', 'read'], ['B', 'read'], ['C', 'read']]);
    });

    it('takes unchanged sources from their snapshots in incremental mode, with the same keys a parse gives', async () => {
      await runStages(context);
      const store = await context.store();
      const full = await read(context, store, 'full');
      const incremental = await read(context, store, 'incremental');
      assert.deepEqual([...incremental.fromSnapshot].sort(), ['A', 'B', 'C']);
      assert.deepEqual(indexesBySystem(incremental), indexesBySystem(full));
      assert.deepEqual(incremental.sources.outcomes, full.sources.outcomes);
      assert.ok(logs.some((line) => /^info B unchanged since run .*: using its snapshot \(7 keys\)$/.test(line)), logs.join('\n'));
    });

    it('parses a source again once its file changed, and only that one', async () => {
      await runStages(context);
      appendFileSync(workspace.file('input/B.csv'), 'CUST-103,new\n');
      const incremental = await read(context, await context.store(), 'incremental');
      assert.deepEqual([...incremental.fromSnapshot].sort(), ['A', 'C']);
      const b = incremental.sources.others.find((index) => index.system === 'B')!;
      assert.equal(b.size, 8);
      assert.ok(b.has('CUST-103'), 'the new row is read, not the stale snapshot');
    });

    it('reads a source whose snapshot is damaged, and marks the snapshot for rewriting', async () => {
      await runStages(context);
      const store = await context.store();
      const ref = (await store.read((db) => listSnapshots(db))).find((entry) => entry.system === 'C')!;
      writeFileSync(path.join(snapshotFolder(context.paths.database), ref.snapshotFile), 'not a snapshot');
      const incremental = await read(context, store, 'incremental');
      assert.deepEqual([...incremental.damagedSnapshots], ['C']);
      assert.deepEqual([...incremental.fromSnapshot].sort(), ['A', 'B']);
      assert.equal(incremental.sources.others.find((index) => index.system === 'C')!.size, 7, 'C is parsed from its file');
      assert.ok(logs.some((line) => line.startsWith(`warn C: its snapshot ${ref.snapshotFile} is missing or damaged`)), logs.join('\n'));
    });

    it('leaves a missing downstream source out under on_missing_file: skip, and fails the read under fail', async () => {
      const missing = workspace.file('input/C.csv');
      writeFileSync(workspace.config, readFileSync(workspace.config, 'utf8').replace('C: { path: ./input/C.csv }', 'C: { path: ./input/gone.csv }'));
      ({ context, logs } = stageContext(workspace));
      const skipped = await read(context, await context.store(), 'incremental');
      const outcome = skipped.sources.outcomes.find((entry) => entry.system === 'C');
      assert.equal(outcome?.status, 'skipped');
      assert.equal(outcome.status === 'skipped' && outcome.code, 'SOURCE_MISSING');
      assert.deepEqual(skipped.sources.others.map((index) => index.system), ['B']);
      assert.equal(skipped.fingerprints.get('C'), undefined, 'a file that cannot be stat\'ed has no fingerprint');
      assert.ok(existsSync(missing), 'the fixture file itself is untouched');

      await context.closeStore();
      writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}error_handling: { on_missing_file: fail }\n`);
      ({ context, logs } = stageContext(workspace));
      await assert.rejects(read(context, await context.store(), 'full'), (error) => isKeySyncError(error) && error.code === 'SOURCE_MISSING');
    });
  });

  describe('commitStage', () => {
    it('persists the registry, the discrepancies, the snapshot references and the completed run together', async () => {
      const { run, committed } = await runStages(context);
      const store = await context.store();
      assert.deepEqual(committed.proposals.map((proposal) => proposal.normalizedKey), ['CUST-101', 'CUST-102']);
      const registry = await store.read((db) => listMasterKeys(db));
      assert.deepEqual(registry.map((record) => [record.normalizedKey, record.status, record.createdRunId]), [
        ['CUST-101', 'proposed', run.id],
        ['CUST-102', 'proposed', run.id],
      ]);
      const counts = await store.read((db) => countDiscrepancies(db, run.id));
      const count = (kind: string, system: string) => counts.find((entry) => entry.kind === kind && entry.system === system)?.count;
      assert.equal(count('gap', 'B'), 2);
      assert.equal(count('gap', 'C'), 3);
      const refs = await store.read((db) => listSnapshots(db));
      assert.deepEqual(refs.map((ref) => [ref.system, ref.runId, ref.keyCount]), [['A', run.id, 8], ['B', run.id, 7], ['C', run.id, 7]]);
      assert.deepEqual(snapshotFiles(context), refs.map((ref) => ref.snapshotFile).sort(), 'a file for every reference, and no other');

      const record = await store.read((db) => getRun(db, run.id));
      assert.equal(record?.status, 'completed');
      assert.deepEqual(record?.summary, committed.summary);
      assert.deepEqual(record?.reports, committed.reports);
      // The audit ids the plan gave are the ones stored, and the run's range ends at its completion event.
      const audit = await store.read((db) => listAudit(db));
      assert.equal(audit.at(-1)?.eventType, 'run_completed');
      assert.equal(record?.auditToId, audit.at(-1)?.id);
    });

    it('writes every report under the run\'s stamp and returns their paths', async () => {
      const { run, committed } = await runStages(context);
      const files = Object.values(committed.reports);
      assert.equal(files.length, REPORT_NAMES.length);
      for (const file of files) {
        assert.ok(existsSync(file), file);
        assert.equal(path.dirname(file), context.paths.output);
        assert.ok(path.basename(file).endsWith(`_${run.stamp}.csv`), file);
      }
      assert.match(readFileSync(committed.reports.diff_missing_in_A!, 'utf8'), /^CUST-101,B,CUST-101,/m);
    });

    it('writes nothing persistent on a dry run: no database, no snapshots, reports marked dry-run', async () => {
      const { committed } = await runStages(context, { dryRun: true });
      assert.equal(committed.summary.dryRun, true);
      assert.equal(committed.summary.registry.proposed, 2, 'the proposals it would make');
      assert.ok(!existsSync(context.paths.database), 'no database file was created');
      assert.deepEqual(snapshotFiles(context), []);
      for (const file of Object.values(committed.reports)) assert.match(path.basename(file), /_dry-run_/);
    });

    it('rewrites a damaged snapshot on the next commit', async () => {
      await runStages(context);
      const store = await context.store();
      const before = (await store.read((db) => listSnapshots(db))).find((entry) => entry.system === 'C')!;
      writeFileSync(path.join(snapshotFolder(context.paths.database), before.snapshotFile), 'not a snapshot');
      const { run } = await runStages(context, { mode: 'incremental' });
      const after = (await store.read((db) => listSnapshots(db))).find((entry) => entry.system === 'C')!;
      assert.equal(after.runId, run.id, 'the reference now names the run that rewrote it');
      const again = await read(context, store, 'incremental');
      assert.deepEqual([...again.fromSnapshot].sort(), ['A', 'B', 'C'], 'the rewritten snapshot loads');
    });

    it('commits nothing when the transaction fails at its last statement, and removes the snapshot files it wrote', async () => {
      const store = await context.store();
      // A real failure inside the real transaction: SQLite refuses the run's completion, its last write.
      const db = new Database(context.paths.database);
      db.exec("CREATE TRIGGER refuse_completion BEFORE UPDATE ON runs WHEN NEW.status = 'completed' BEGIN SELECT RAISE(ABORT, 'completion refused'); END");
      db.close();
      await assert.rejects(runStages(context), /completion refused/);
      assert.deepEqual(await store.read((db2) => listMasterKeys(db2)), [], 'no registry entries');
      assert.deepEqual(await store.read((db2) => listSnapshots(db2)), [], 'no snapshot references');
      assert.deepEqual(snapshotFiles(context), [], 'the snapshot files written for the commit are gone');
      const audit = await store.read((db2) => listAudit(db2));
      assert.deepEqual(audit.map((event) => event.eventType), ['run_started'], 'only the run\'s own start, which beginRun recorded before');
    });

    it('stops before the transaction when cancelled during persist, leaving the run uncommitted', async () => {
      const controller = new AbortController();
      await assert.rejects(runStages(context, { signal: controller.signal, onPersist: () => controller.abort() }), (error) => isKeySyncError(error) && error.kind === 'cancelled');
      const store = await context.store();
      assert.deepEqual(await store.read((db) => listMasterKeys(db)), []);
      assert.deepEqual(snapshotFiles(context), []);
    });
  });
});
