/** Run history: one row per reconciliation, from `running` to how it ended. */
import type { Selectable } from 'kysely';
import { storedRunInputs, type RunInputs } from '../core/run-inputs.js';
import type { NormalizeRules } from '../core/normalize.js';
import { storedSummary, type RunSummary } from '../core/summary.js';
import type { ReportPaths, RunMode, RunStatus } from '../core/types.js';
import type { Db, Tx } from './backend.js';
import type { RunsTable } from './tables.js';


/** One run in the run history. */
export interface RunRecord {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: RunStatus;
  readonly mode: RunMode;
  readonly reportStamp: string;
  /** Where its reports go; null for runs recorded before this was kept. */
  readonly outputDir: string | null;
  readonly configFile: string | null;
  readonly error: string | null;
  readonly summary: RunSummary | null;
  readonly reports: ReportPaths | null;
  readonly auditFromId: number;
  readonly auditToId: number | null;
  /** The normalisation rules a completed run used (null before they were recorded). */
  readonly normalizeRules: NormalizeRules | null;
}

export interface NewRun {
  readonly id: string;
  readonly startedAt: string;
  readonly mode: RunMode;
  readonly reportStamp: string;
  readonly outputDir: string;
  readonly configFile: string | null;
  readonly auditFromId: number;
}

export interface RunOutcome {
  readonly status: Exclude<RunStatus, 'running'>;
  readonly finishedAt: string;
  readonly error?: string;
  readonly summary?: RunSummary;
  readonly reports?: ReportPaths;
  readonly auditToId?: number;
  readonly normalizeRules?: NormalizeRules;
  /** What its results were computed from (core/run-inputs.ts): a node-engine run's. */
  readonly inputs?: RunInputs;
}

export async function insertRun(tx: Tx, run: NewRun): Promise<void> {
  await tx
    .insertInto('runs')
    .values({
      id: run.id,
      started_at: run.startedAt,
      finished_at: null,
      status: 'running',
      mode: run.mode,
      report_stamp: run.reportStamp,
      output_dir: run.outputDir,
      config_file: run.configFile,
      error: null,
      summary: null,
      reports: null,
      audit_from_id: run.auditFromId,
      audit_to_id: null,
      normalize_rules: null,
      inputs: null,
    })
    .execute();
}

export async function finishRun(tx: Tx, id: string, outcome: RunOutcome): Promise<void> {
  await tx
    .updateTable('runs')
    .set({
      status: outcome.status,
      finished_at: outcome.finishedAt,
      error: outcome.error ?? null,
      summary: outcome.summary ? JSON.stringify(outcome.summary) : null,
      reports: outcome.reports ? JSON.stringify(outcome.reports) : null,
      audit_to_id: outcome.auditToId ?? null,
      normalize_rules: outcome.normalizeRules ? JSON.stringify(outcome.normalizeRules) : null,
      inputs: outcome.inputs ? JSON.stringify(outcome.inputs) : null,
    })
    .where('id', '=', id)
    .execute();
}

/** A run taken up again by `--resume`: running once more, writing to `outputDir`. */
export async function reopenRun(tx: Tx, id: string, outputDir: string): Promise<void> {
  await tx.updateTable('runs').set({ status: 'running', finished_at: null, error: null, output_dir: outputDir }).where('id', '=', id).execute();
}

/** Which runs `ws.runs.list()` returns, newest first. */
export interface RunFilter {
  readonly status?: RunStatus;
  /** Newest first; at most this many. */
  readonly limit?: number;
}

export async function listRuns(db: Db, filter: RunFilter = {}): Promise<RunRecord[]> {
  let query = db.selectFrom('runs').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc');
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return (await query.execute()).map(toRunRecord);
}

/** The newest completed run, when it recorded its inputs: the run a new one can carry results from. */
export interface PreviousRun {
  readonly runId: string;
  /** The first audit id its audit report covers: a decision since the run before it has an id from here. */
  readonly auditFromId: number;
  readonly inputs: RunInputs;
}

export async function previousRun(db: Db): Promise<PreviousRun | undefined> {
  const row = await db
    .selectFrom('runs')
    .select(['id', 'audit_from_id', 'inputs'])
    .where('status', '=', 'completed')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const inputs = row ? storedRunInputs(row.inputs) : undefined;
  return row && inputs ? { runId: row.id, auditFromId: Number(row.audit_from_id), inputs } : undefined;
}

export async function getRun(db: Db, id: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRunRecord(row);
}

function toRunRecord(row: Selectable<RunsTable>): RunRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    mode: row.mode,
    reportStamp: row.report_stamp,
    outputDir: row.output_dir,
    configFile: row.config_file,
    error: row.error,
    summary: row.summary ? storedSummary(row.summary) : null,
    reports: row.reports ? (JSON.parse(row.reports) as ReportPaths) : null,
    auditFromId: Number(row.audit_from_id),
    auditToId: row.audit_to_id === null ? null : Number(row.audit_to_id),
    normalizeRules: row.normalize_rules ? (JSON.parse(row.normalize_rules) as NormalizeRules) : null,
  };
}
