/**
 * The run's own records: its row in `runs` and the run_* audit events.
 * Each is a small transaction of its own, so the run's history survives whatever happens
 * to the run.
 */
import type { NewAuditEvent } from '../core/records.js';
import { KeySyncError } from '../errors.js';
import type { Logger } from '../log.js';
import { removeRunReports } from '../reports/report-stamp.js';
import { appendAudit } from '../store/audit-repo.js';
import { finishRun, insertRun, listRuns, reopenRun, type RunRecord } from '../store/runs-repo.js';
import type { Store } from '../store/store.js';
import type { RunIdentity } from './run-identity.js';

export function runEvent(runId: string, timestamp: string, eventType: string, details: string, result: string): NewAuditEvent {
  return { timestamp, runId, eventType, details, system: null, key: null, action: eventType.replace('run_', ''), result, actor: 'keysync' };
}

export async function beginRun(store: Store, run: RunIdentity, configFile: string | null, now: string): Promise<void> {
  await store.write(run.resumed ? `resume run ${run.id}` : 'start a run', async (tx) => {
    if (run.resumed) {
      await reopenRun(tx, run.id, run.outputDir);
      await appendAudit(tx, [runEvent(run.id, now, 'run_resumed', `${run.mode} run resumed`, 'running')]);
      return;
    }
    const previous = (await listRuns(tx, { status: 'completed', limit: 1 }))[0];
    await insertRun(tx, {
      id: run.id,
      startedAt: run.startedAt,
      mode: run.mode,
      reportStamp: run.stamp,
      outputDir: run.outputDir,
      configFile,
      auditFromId: (previous?.auditToId ?? 0) + 1,
    });
    await appendAudit(tx, [runEvent(run.id, now, 'run_started', `${run.mode} run started`, 'running')]);
  });
}

/** Ends a run that did not complete; nothing it planned was committed. */
export async function abandonRun(store: Store, runId: string, status: 'failed' | 'cancelled', error: string, now: string): Promise<void> {
  await store.write(`record run ${runId} as ${status}`, async (tx) => {
    await finishRun(tx, runId, { status, finishedAt: now, error });
    await appendAudit(tx, [runEvent(runId, now, `run_${status}`, error, status)]);
  });
}

/**
 * Runs left `running` by a process that died: under the run lock no run can still be going.
 * Each is marked failed and the reports it had written are removed (they describe registry
 * changes that were never committed); its stamp stays claimed for `--resume`.
 */
export async function markInterruptedRuns(store: Store, logger: Logger, defaultOutputDir: string, now: string): Promise<void> {
  const running = await store.read((db) => listRuns(db, { status: 'running' }));
  for (const run of running) {
    logger.log('warn', `run ${run.id} was interrupted (its process ended); marking it failed — \`keysync --resume\` continues it`);
    const removed = removeRunReports(run.outputDir ?? defaultOutputDir, run.reportStamp, false, run.id, { releaseClaim: false });
    if (removed.length) logger.log('info', `removed ${removed.length} partial report files of run ${run.id}`);
    await abandonRun(store, run.id, 'failed', 'interrupted: the process ended before the run finished', now);
  }
}

/** The newest run that did not complete, if no run completed after it. */
export async function resumableRun(store: Store): Promise<RunRecord> {
  const [latest] = await store.read((db) => listRuns(db, { limit: 1 }));
  if (!latest || latest.status === 'completed') {
    throw new KeySyncError('NOTHING_TO_RESUME', 'usage', 'There is no interrupted run to resume: the latest run completed.', {
      remedy: 'run without --resume',
    });
  }
  return latest;
}
