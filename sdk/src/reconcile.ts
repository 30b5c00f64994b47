/**
 * The one orchestrator: config → sources → compare → provision → reports → persist.
 * It alone knows the order of the steps; every step it calls is pure or an edge.
 *
 * Nothing persistent changes before the final commit (run/commit-stage.ts), so a run that
 * is cancelled, fails or is killed leaves the registry and audit log as they were; the
 * run's own row says how it ended, and `resume` runs it again under the same id.
 */
import path from 'node:path';
import type { Discrepancies } from './core/compare.js';
import { describeEngineStep, describeSourceRead } from './core/engine-step.js';
import type { Proposal } from './core/provision.js';
import type { ProbableMatch } from './core/probable-match.js';
import type { RunSummary } from './core/summary.js';
import type { ReportPaths, RunMode } from './core/types.js';
import { isKeySyncError, KeySyncError, throwIfAborted } from './errors.js';
import { claimReportStamp, reclaimReportStamp, removeRunReports } from './reports/report-stamp.js';
import { commitRun, describeTotals } from './run/commit-stage.js';
import { engineStage } from './run/engine-stage.js';
import { newRunId, type RunIdentity } from './run/run-identity.js';
import { abandonRun, beginRun, markInterruptedRuns, resumableRun } from './run/run-records.js';
import { backupDatabase } from './store/sqlite/backup.js';
import { legacySnapshotFolder, listSnapshots, removeUnreferencedSnapshots, snapshotFolder } from './store/snapshots.js';
import type { AcquireOptions } from './store/process-lock.js';
import type { Store } from './store/store.js';
import type { WorkspaceContext } from './run/workspace-context.js';
import { assertWorkspacePaths } from './workspace-paths.js';

/** The stages of a run in order, as progress events and `timings` name them. */
export const RECONCILE_STAGES = ['read', 'compare', 'match', 'provision', 'reports', 'persist'] as const;

/** One stage of a run. */
export type ReconcileStage = (typeof RECONCILE_STAGES)[number];

/** What `onProgress` receives: the stage and, when it can count, how far it is. */
export interface ProgressEvent {
  readonly stage: ReconcileStage;
  /** Work done and total within the stage, when the stage can count it. */
  readonly done?: number;
  readonly total?: number;
  readonly message: string;
}

/** Options of `ws.reconcile()`; the CLI's flags map to them. */
export interface ReconcileOptions {
  /** Overrides `processing.mode`. */
  readonly mode?: RunMode;
  /** Compute and report everything, change nothing persistent (docs/behaviour.md §5). */
  readonly dryRun?: boolean;
  /** Overrides `provisioning.auto_approve`. */
  readonly autoApprove?: boolean;
  /** Overrides `output.directory`. */
  readonly outputDir?: string;
  /** Continue the newest run that did not complete, under its id, instead of starting one. */
  readonly resume?: boolean;
  readonly signal?: AbortSignal;
  /** Called at each stage and step; a callback that throws stops the run, which is marked failed. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** What a run returns: its id, summary, report paths, discrepancies, proposals and timings. */
export interface ReconcileResult {
  readonly runId: string;
  readonly dryRun: boolean;
  /** True when this continued an interrupted run. */
  readonly resumed: boolean;
  readonly summary: RunSummary;
  readonly reports: ReportPaths;
  readonly discrepancies: Discrepancies;
  /** Master keys proposed by this run (would be proposed, for a dry run). */
  readonly proposals: readonly Proposal[];
  /** Out-of-authority keys (not linked) with the authority keys they were probably meant to be (docs/behaviour.md §10). */
  readonly probableMatches: readonly ProbableMatch[];
  /** Wall time per stage in milliseconds, so the slow one is visible (benchmarks print them). */
  readonly timings: StageTimings;
}

/** Milliseconds spent in each stage of a run. */
export type StageTimings = Readonly<Record<ReconcileStage, number>>;

export async function reconcile(context: WorkspaceContext, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  throwIfAborted(options.signal);
  if (options.outputDir !== undefined) {
    assertWorkspacePaths({ configFile: context.config.file, paths: context.paths, sources: context.sources, outputOverride: path.resolve(options.outputDir) });
  }
  if (options.dryRun) {
    if (options.resume) throw new KeySyncError('USAGE', 'usage', 'A dry run cannot resume a run.', { remedy: 'use --resume or --dry-run, not both' });
    const store = await context.openReadonlyStore();
    try {
      // A PostgreSQL registry not created yet reads as empty, as a SQLite file not created yet does; say so, since on a server it may be a wrong schema name.
      const notices = store.emptyInPlaceOf ? [`dry run against an empty registry — ${store.emptyInPlaceOf} does not exist yet (the first run without --dry-run creates it); nothing was created`] : [];
      return await runOnce(context, store, { ...options, notices }, freshIdentity(context, options, true), true);
    } finally {
      await store.close();
    }
  }
  const store = await context.store();
  // A second run waits for the first, as a decision waits for a run's commit; the wait is
  // announced (the editor's progress shows it) and cancellable like the run itself.
  const runLock: AcquireOptions = {
    purpose: 'a reconciliation run',
    timeoutMs: context.lockTimeoutMs,
    busyMessage: (holder) => `Another run is in progress: ${holder}.`,
    signal: options.signal,
    onWait: (holder) => {
      const message = `waiting up to ${context.lockTimeoutMs} ms for another run to finish: ${holder}`;
      context.logger.log('info', message);
      options.onProgress?.({ stage: 'read', message });
    },
  };
  return context.runLock.with(runLock, async (lockLost) => {
    const { database } = context.config.values;
    // A PostgreSQL registry has no backup setting: the server's own backups are the tool (docs/decisions.md §19).
    if (database.type === 'sqlite' && database.backup_enabled) {
      const file = await backupDatabase(store, context.paths.database, database.backup_count);
      context.logger.log('info', `database backed up to ${file} (keeping ${database.backup_count})`);
    }
    await markInterruptedRuns(store, context.logger, context.paths.output, context.clock().toISOString());
    const identity = options.resume ? await resumedIdentity(context, store, options) : freshIdentity(context, options, false);
    // A run that loses its lock stops at the next stage, before committing anything.
    const signal = lockLost && options.signal ? AbortSignal.any([options.signal, lockLost]) : (lockLost ?? options.signal);
    return runOnce(context, store, { ...options, signal }, identity, false);
  });
}

/** A new run: its id and the report stamp it claims in its output folder. */
function freshIdentity(context: WorkspaceContext, options: ReconcileOptions, dryRun: boolean): RunIdentity {
  const started = context.clock();
  const outputDir = options.outputDir ?? context.paths.output;
  const { stamp, runId } = claimReportStamp(outputDir, started, dryRun, newRunId);
  return { id: runId, startedAt: started.toISOString(), stamp, outputDir, mode: options.mode ?? context.config.values.processing.mode, resumed: false };
}

/**
 * The interrupted run, under its id, stamp and mode, in its own output folder unless told
 * otherwise. A different mode asked for explicitly is refused, not ignored.
 */
async function resumedIdentity(context: WorkspaceContext, store: Store, options: ReconcileOptions): Promise<RunIdentity> {
  const run = await resumableRun(store);
  if (options.mode !== undefined && options.mode !== run.mode) {
    throw new KeySyncError('RESUME_MODE_MISMATCH', 'usage', `The run to resume, ${run.id}, is a ${run.mode} run; it cannot be resumed as ${options.mode}.`, {
      remedy: `resume it without a mode (or with ${run.mode}), or start a new ${options.mode} run without resume`,
    });
  }
  const outputDir = options.outputDir ?? run.outputDir ?? context.paths.output;
  reclaimReportStamp(outputDir, run.reportStamp, false, run.id);
  return { id: run.id, startedAt: run.startedAt, stamp: run.reportStamp, outputDir, mode: run.mode, resumed: true };
}

/** What a run tells the user before its own warnings (its summary's `warnings`, and the log). */
type RunNotices = { readonly notices?: readonly string[] };

async function runOnce(context: WorkspaceContext, store: Store, options: ReconcileOptions & RunNotices, run: RunIdentity, dryRun: boolean): Promise<ReconcileResult> {
  const timer = stageTimer((event) => options.onProgress?.(event));
  const verb = run.resumed ? 'resumed' : 'started';
  context.logger.log('info', `run ${run.id} ${verb} (${run.mode}${dryRun ? ', dry run' : ''})`);
  if (!dryRun) await beginRun(store, run, context.config.file, context.clock().toISOString());
  try {
    timer.progress({ stage: 'read', done: 0, total: context.sources.length, message: 'reading sources' });
    // Snapshots are written among the reads: their events carry the reading's count, so a bar stays put.
    let sourcesRead = { done: 0, total: context.sources.length };
    const engine = await engineStage(context, store, {
      runId: run.id,
      mode: run.mode,
      signal: options.signal,
      onSourceProgress: (system, rows, done, total) => {
        sourcesRead = { done, total };
        timer.progress({ stage: 'read', done, total, message: describeSourceRead(system, rows, context.config.values.processing.engine) });
      },
      onCompare: (step) => {
        const { engine } = context.config.values.processing;
        timer.progress({ stage: 'compare', message: step ? describeEngineStep(step, engine) : `comparing systems (${engine} engine)`, done: step?.done, total: step?.total });
      },
      snapshots: {
        write: !dryRun,
        onWrite: (system) => timer.progress({ stage: 'read', ...sourcesRead, message: `keeping a snapshot of ${system}, for incremental runs` }),
      },
    });
    try {
      const { read, discrepancies } = engine;
      const committed = await commitRun(context, store, {
        run,
        dryRun,
        notices: options.notices ?? [],
        autoApprove: options.autoApprove ?? context.config.values.provisioning.auto_approve,
        read,
        discrepancies,
        signal: options.signal,
        progress: (stage, message, done, total) => timer.progress({ stage, message, done, total }),
      });
      if (!dryRun) await removeStaleSnapshots(context, store).catch((error) => context.logger.log('warn', `cleaning up old snapshots: ${String(error)}`));
      const timings = timer.finish();
      context.logger.log('info', `run ${run.id} completed: ${describeTotals(committed.summary)}`);
      context.logger.log('debug', `stage times (ms): ${JSON.stringify(timings)}`);
      return { runId: run.id, dryRun, resumed: run.resumed, discrepancies, ...committed, timings };
    } finally {
      engine.close();
    }
  } catch (error) {
    const cancelled = isKeySyncError(error) && error.kind === 'cancelled';
    const message = describeFailure(error);
    context.logger.log(cancelled ? 'warn' : 'error', `run ${run.id} ${cancelled ? 'cancelled' : 'failed'}: ${message}`);
    if (!isKeySyncError(error)) context.logger.log('debug', String((error as Error)?.stack ?? error));
    // Reports of a run that did not commit would describe changes that never happened. Only
    // this run's own files go (its claim on the stamp proves them ours); a real run keeps
    // the claim so that --resume writes under the same stamp.
    removeRunReports(run.outputDir, run.stamp, dryRun, run.id, { releaseClaim: dryRun });
    if (!dryRun) {
      // Recording the outcome can fail for the same reason the run did (a full disk): the next
      // run then marks this one interrupted. The user needs the original error either way.
      await abandonRun(store, run.id, cancelled ? 'cancelled' : 'failed', message, context.clock().toISOString()).catch((recordError: unknown) =>
        context.logger.log('error', `could not record run ${run.id} as ${cancelled ? 'cancelled' : 'failed'}: ${String(recordError)}`),
      );
    }
    throw error;
  }
}

/** One line for the runs table and the log: the stack of an unexpected error goes to the debug log only. */
function describeFailure(error: unknown): string {
  if (isKeySyncError(error)) return error.describe();
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `unexpected error: ${text.split('\n')[0]}`;
}

/** Snapshot files replaced by this run's (or left by an interrupted one) go; nothing else does. */
async function removeStaleSnapshots(context: WorkspaceContext, store: Store): Promise<void> {
  const refs = await store.read((db) => listSnapshots(db));
  removeUnreferencedSnapshots(snapshotFolder(context.paths.database), new Set(refs.map((ref) => ref.snapshotFile)));
  removeUnreferencedSnapshots(legacySnapshotFolder(context.paths.database), new Set());
}

/** Times stages from the progress events the orchestrator emits as each stage starts. */
function stageTimer(forward: (event: ProgressEvent) => void) {
  const timings = Object.fromEntries(RECONCILE_STAGES.map((stage) => [stage, 0])) as Record<ReconcileStage, number>;
  let current: ReconcileStage | undefined;
  let since = performance.now();
  const close = () => {
    if (current) timings[current] += performance.now() - since;
    since = performance.now();
  };
  return {
    progress(event: ProgressEvent) {
      if (event.stage !== current) {
        close();
        current = event.stage;
      }
      forward(event);
    },
    finish(): StageTimings {
      close();
      current = undefined;
      return Object.fromEntries(Object.entries(timings).map(([stage, ms]) => [stage, Math.round(ms)])) as StageTimings;
    },
  };
}
