/**
 * The one orchestrator: config → sources → compare → provision → store → reports.
 * It alone knows the order of the steps; every step it calls is pure or an edge.
 */
import { customAlphabet } from 'nanoid';
import { compareSystems, type Discrepancies } from './core/compare.js';
import { findResolved, proposeMasterKeys, type Proposal } from './core/provision.js';
import { summarizeRun, type RegistryChanges, type RunSummary } from './core/summary.js';
import type { RunMode } from './core/types.js';
import { isKeySyncError, throwIfAborted } from './errors.js';
import type { ReportName } from './reports/report-rows.js';
import { uniqueReportStamp, writeReports } from './reports/write-reports.js';
import { readAllSources, type SourcesRead } from './sources/read-all.js';
import { appendAudit, lastAuditId, type NewAuditEvent } from './store/audit-repo.js';
import { discrepancyGroups, saveDiscrepancies } from './store/discrepancies-repo.js';
import { insertProposals, listMasterKeys, loadRegistryLookup, transitionMany } from './store/registry-repo.js';
import { finishRun, insertRun, listRuns, type ReportPaths, type RunRecord } from './store/runs-repo.js';
import type { Store } from './store/store.js';
import { buildReportInput, simulateRegistry } from './report-input.js';
import type { WorkspaceContext } from './workspace-context.js';

export type ReconcileStage = 'read' | 'compare' | 'provision' | 'persist' | 'reports';

export interface ProgressEvent {
  readonly stage: ReconcileStage;
  /** Work done and total within the stage, when the stage can count it. */
  readonly done?: number;
  readonly total?: number;
  readonly message: string;
}

export interface ReconcileOptions {
  /** Overrides `processing.mode`. */
  readonly mode?: RunMode;
  /** Compute and report everything, change nothing persistent (SPEC §5). */
  readonly dryRun?: boolean;
  /** Overrides `provisioning.auto_approve`. */
  readonly autoApprove?: boolean;
  /** Overrides `output.directory`. */
  readonly outputDir?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface ReconcileResult {
  readonly runId: string;
  readonly dryRun: boolean;
  readonly summary: RunSummary;
  readonly reports: ReportPaths;
  readonly discrepancies: Discrepancies;
  /** Master keys proposed by this run (would be proposed, for a dry run). */
  readonly proposals: readonly Proposal[];
  /** Wall time per stage in milliseconds, so the slow one is visible (benchmarks print them). */
  readonly timings: StageTimings;
}

export type StageTimings = Readonly<Record<ReconcileStage, number>>;

/** Times stages from the progress events the orchestrator emits as each stage starts. */
function stageTimer(forward: (event: ProgressEvent) => void) {
  const timings: Record<ReconcileStage, number> = { read: 0, compare: 0, provision: 0, persist: 0, reports: 0 };
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

const newSurrogate = (() => {
  // No 0/O, 1/I/L: surrogate keys get read aloud and typed by people.
  const id = customAlphabet('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 10);
  return () => `MK-${id()}`;
})();

const newRunSuffix = customAlphabet('23456789abcdefghjkmnpqrstuvwxyz', 4);

export async function reconcile(context: WorkspaceContext, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  throwIfAborted(options.signal);
  if (options.dryRun) {
    const store = await context.openReadonlyStore();
    try {
      return await runOnce(context, store, options, true);
    } finally {
      await store.close();
    }
  }
  const store = await context.store();
  const runLock = { purpose: 'a reconciliation run', timeoutMs: 0, busyMessage: (holder: string) => `Another run is in progress: ${holder}.` };
  return context.runLock.with(runLock, async () => {
    await markInterruptedRuns(context, store);
    return runOnce(context, store, options, false);
  });
}

interface RunIdentity {
  readonly id: string;
  readonly startedAt: string;
  readonly stamp: string;
  readonly mode: RunMode;
}

async function runOnce(context: WorkspaceContext, store: Store, options: ReconcileOptions, dryRun: boolean): Promise<ReconcileResult> {
  const { values } = context.config;
  const started = context.clock();
  const outputDir = options.outputDir ?? context.paths.output;
  const stamp = uniqueReportStamp(outputDir, started, dryRun);
  const run: RunIdentity = {
    id: `${stamp}-${newRunSuffix()}`,
    startedAt: started.toISOString(),
    stamp,
    mode: options.mode ?? values.processing.mode,
  };
  const timer = stageTimer((event) => options.onProgress?.(event));
  const progress = timer.progress;
  context.logger.log('info', `run ${run.id} started (${run.mode}${dryRun ? ', dry run' : ''})`);
  if (!dryRun) await recordRunStart(context, store, run);
  try {
    const result = await computeAndReport(context, store, run, { ...options, outputDir }, dryRun, progress);
    const timings = timer.finish();
    context.logger.log('info', `run ${run.id} completed: ${describeTotals(result.summary)}`);
    context.logger.log('debug', `stage times (ms): ${JSON.stringify(timings)}`);
    return { ...result, timings };
  } catch (error) {
    const cancelled = isKeySyncError(error) && error.kind === 'cancelled';
    const message = isKeySyncError(error) ? error.describe() : String((error as Error)?.stack ?? error);
    context.logger.log(cancelled ? 'warn' : 'error', `run ${run.id} ${cancelled ? 'cancelled' : 'failed'}: ${message}`);
    if (!dryRun) await recordRunEnd(context, store, run.id, cancelled ? 'cancelled' : 'failed', message);
    throw error;
  }
}

async function computeAndReport(
  context: WorkspaceContext,
  store: Store,
  run: RunIdentity,
  options: ReconcileOptions & { outputDir: string },
  dryRun: boolean,
  progress: (event: ProgressEvent) => void,
): Promise<Omit<ReconcileResult, 'timings'>> {
  const { values } = context.config;
  const { signal } = options;
  const sources = await readSourcesStage(context, options, progress);
  throwIfAborted(signal);

  progress({ stage: 'compare', message: 'comparing systems' });
  const discrepancies = compareSystems(sources.authority, sources.others);
  throwIfAborted(signal);

  progress({ stage: 'provision', message: 'proposing master keys' });
  const registry = await store.read((db) => loadRegistryLookup(db));
  const proposals = proposeMasterKeys(
    discrepancies.outOfAuthority,
    registry,
    { strategy: values.provisioning.strategy, namespacePrefix: values.provisioning.namespace_prefix },
    newSurrogate,
  );
  const resolved = findResolved(registry.proposedKeys, (key) => sources.authority.has(key));
  const autoApprove = options.autoApprove ?? values.provisioning.auto_approve;
  const seenPending = autoApprove ? pendingSeenThisRun(discrepancies, registry.proposedKeys, proposals, resolved) : [];
  throwIfAborted(signal);

  progress({ stage: 'persist', message: dryRun ? 'dry run: nothing is saved' : 'saving registry and run results' });
  const changes = dryRun
    ? undefined
    : await persistResults(store, run, { discrepancies, sources, proposals, resolved, autoApprove: seenPending }, context.clock().toISOString());
  throwIfAborted(signal);

  const summaryWithoutPending = {
    runId: run.id,
    mode: run.mode,
    dryRun,
    startedAt: run.startedAt,
    sources: sources.outcomes,
    discrepancies,
  };
  const registryRows = dryRun
    ? simulateRegistry(await store.read((db) => listMasterKeys(db)), { run, proposals, resolved, autoApproved: seenPending })
    : await store.read((db) => listMasterKeys(db));
  const registryChanges: RegistryChanges = {
    proposed: proposals.length,
    autoApproved: changes?.autoApproved ?? seenPending.length,
    resolved: changes?.resolved ?? resolved.length,
    pending: registryRows.filter((record) => record.status === 'proposed').length,
  };
  const summary = summarizeRun({ ...summaryWithoutPending, registry: registryChanges });

  const reportInput = await buildReportInput(store, { run, summary, discrepancies, sources, registry: registryRows, dryRun, proposals, resolved, autoApproved: seenPending });
  const reports = writeReports(reportInput.input, {
    directory: options.outputDir,
    stamp: run.stamp,
    dryRun,
    injectionGuard: values.output.csv_injection_guard,
    includeTrend: values.output.generate_trend_analysis,
    onReport: (name: ReportName, index, total) => progress({ stage: 'reports', done: index, total, message: `writing ${name}` }),
  });
  if (!dryRun) await recordRunEnd(context, store, run.id, 'completed', undefined, { summary, reports, auditToId: reportInput.auditToId });
  return { runId: run.id, dryRun, summary, reports, discrepancies, proposals };
}

async function readSourcesStage(
  context: WorkspaceContext,
  options: ReconcileOptions,
  progress: (event: ProgressEvent) => void,
): Promise<SourcesRead> {
  const { values } = context.config;
  progress({ stage: 'read', done: 0, total: context.sources.length, message: 'reading sources' });
  return readAllSources(context.sources, {
    authority: values.authority,
    rules: values.normalize,
    parallel: values.processing.parallel,
    maxWorkers: values.processing.max_workers,
    onMissingFile: values.error_handling.on_missing_file,
    onCorruptData: values.error_handling.on_corrupt_data,
    logger: context.logger,
    signal: options.signal,
    onSourceProgress: (system, rows, done, count) =>
      progress({ stage: 'read', done, total: count, message: `reading ${system}: ${rows.toLocaleString('en-US')} rows` }),
  });
}

/** Proposals still pending for keys this run saw out of authority (SPEC §5: not only this run's). */
function pendingSeenThisRun(
  discrepancies: Discrepancies,
  proposedKeys: readonly string[],
  proposals: readonly Proposal[],
  resolved: readonly string[],
): string[] {
  const pending = new Set([...proposedKeys, ...proposals.map((proposal) => proposal.normalizedKey)]);
  for (const key of resolved) pending.delete(key);
  return discrepancies.outOfAuthority.map(({ key }) => key).filter((key) => pending.has(key));
}

interface RunResults {
  readonly discrepancies: Discrepancies;
  readonly sources: SourcesRead;
  readonly proposals: readonly Proposal[];
  readonly resolved: readonly string[];
  readonly autoApprove: readonly string[];
}

/** Everything a run changes in the registry, in one transaction: all of it lands or none. */
async function persistResults(store: Store, run: RunIdentity, results: RunResults, now: string) {
  return store.write('record the run results', async (tx) => {
    await insertProposals(tx, results.proposals, run.id, now);
    const resolved = await transitionMany(tx, results.resolved, { action: 'resolve', actor: 'keysync', runId: run.id, now, reason: 'key appeared in the authority' });
    const autoApproved = await transitionMany(tx, results.autoApprove, { action: 'approve', actor: 'auto-approve', runId: run.id, now });
    await saveDiscrepancies(tx, run.id, discrepancyGroups(results.discrepancies, results.sources.badRows));
    await appendAudit(tx, sourceEvents(results.sources, run.id, now));
    return { resolved, autoApproved };
  });
}

function sourceEvents(sources: SourcesRead, runId: string, now: string): NewAuditEvent[] {
  return sources.outcomes.map((outcome) =>
    outcome.status === 'read'
      ? {
          timestamp: now, runId, eventType: 'source_read', system: outcome.system, key: null, action: 'read', result: 'ok',
          details: `${outcome.file}: ${outcome.rows} rows, ${outcome.badRows} bad rows, ${outcome.repeatedRows} repeated rows`, actor: 'keysync',
        }
      : {
          timestamp: now, runId, eventType: 'source_skipped', system: outcome.system, key: null, action: 'skip', result: 'left out of the run',
          details: `${outcome.file}: ${outcome.reason}`, actor: 'keysync',
        },
  );
}

async function recordRunStart(context: WorkspaceContext, store: Store, run: RunIdentity): Promise<void> {
  await store.write('start a run', async (tx) => {
    const previous = (await listRuns(tx, { status: 'completed', limit: 1 }))[0];
    await insertRun(tx, {
      id: run.id,
      startedAt: run.startedAt,
      mode: run.mode,
      reportStamp: run.stamp,
      configFile: context.config.file,
      auditFromId: (previous?.auditToId ?? 0) + 1,
    });
    await appendAudit(tx, [runEvent(run.id, run.startedAt, 'run_started', `${run.mode} run started`, 'running')]);
  });
}

async function recordRunEnd(
  context: WorkspaceContext,
  store: Store,
  runId: string,
  status: 'completed' | 'failed' | 'cancelled',
  error?: string,
  results?: { summary: RunSummary; reports: ReportPaths; auditToId: number },
): Promise<void> {
  const now = context.clock().toISOString();
  await store.write(`finish run ${runId}`, async (tx) => {
    await finishRun(tx, runId, { status, finishedAt: now, error, ...results });
    await appendAudit(tx, [runEvent(runId, now, `run_${status}`, error ?? describeTotals(results!.summary), status)]);
  });
}

/** Runs left `running` by a process that died: under the run lock no run can still be going. */
async function markInterruptedRuns(context: WorkspaceContext, store: Store): Promise<void> {
  const running: RunRecord[] = await store.read((db) => listRuns(db, { status: 'running' }));
  for (const run of running) {
    context.logger.log('warn', `run ${run.id} was interrupted (its process ended); marking it failed`);
    await recordRunEnd(context, store, run.id, 'failed', 'interrupted: the process ended before the run finished');
  }
}

function runEvent(runId: string, timestamp: string, eventType: string, details: string, result: string): NewAuditEvent {
  return { timestamp, runId, eventType, details, system: null, key: null, action: eventType.replace('run_', ''), result, actor: 'keysync' };
}

function describeTotals(summary: RunSummary): string {
  const { totals, registry } = summary;
  return (
    `${totals.uniqueKeys} unique keys, overall match ${(totals.overallMatchRate * 100).toFixed(2)}%, ` +
    `${totals.propagationGaps} gaps, ${totals.outOfAuthority} out of authority, ${totals.duplicateGroups} duplicate groups, ` +
    `${registry.proposed} proposed, ${registry.pending} pending`
  );
}

export { lastAuditId };
