/**
 * Read and compare, in the engine the config names (docs/behaviour.md §11): the node engine
 * reads every source into KeyIndexes and compares them in this process; the duckdb engine
 * streams every source into DuckDB and compares there; the postgres engine compares inside
 * the PostgreSQL database every source is in. The pushdown engines hand back only the
 * discrepancies. Either way the later stages get one RunRead and one Discrepancies; close the
 * result when they are done (the duckdb engine's database and the postgres engine's session
 * live until then).
 */
import path from 'node:path';
import { DEFAULT_DUCKDB_MEMORY_LIMIT, DEFAULT_POSTGRES_STATEMENT_TIMEOUT_S } from '../config/schema.js';
import type { Discrepancies } from '../core/compare.js';
import type { EngineStep } from '../core/engine-step.js';
import type { RunEngine, RunMode, SystemId } from '../core/types.js';
import { KeySyncError, throwIfAborted } from '../errors.js';
import { compareWithDuckDb } from '../sources/duckdb/duckdb-engine.js';
import { compareWithPostgres } from '../sources/postgres-engine/pg-engine.js';
import type { Store } from '../store/store.js';
import { chooseEngine } from './choose-engine.js';
import { CompareAsRead } from './compare-as-read.js';
import { carriedComparison } from './carried-comparison.js';
import { readStage, removeSnapshotFiles, reusableSnapshots } from './read-stage.js';
import { nodeRunRead, pushdownRunRead, type RunRead } from './run-read.js';
import type { WorkspaceContext } from './workspace-context.js';

export interface EngineStageOptions {
  readonly runId: string;
  readonly mode: RunMode;
  readonly signal?: AbortSignal;
  readonly onSourceProgress: (system: SystemId, rows: number, sourcesDone: number, sourceCount: number) => void;
  /** Called as comparing starts, and at each step of an engine that reports them. */
  readonly onCompare: (step?: EngineStep) => void;
  /** Whether to write the snapshots of the sources read (the node engine's; not for a dry run), and a call as each write starts. */
  readonly snapshots: { readonly write: boolean; readonly onWrite: (system: SystemId) => void };
}

export interface EngineStageResult {
  readonly read: RunRead;
  readonly discrepancies: Discrepancies;
  close(): void;
}

export async function engineStage(context: WorkspaceContext, store: Store, options: EngineStageOptions): Promise<EngineStageResult> {
  const { engine, engineReason } = chooseEngine(context, options.mode);
  if (engineReason) context.logger.log('info', `${engine} engine (${engineReason})`);
  if (engine === 'duckdb') return duckDbStage(context, options);
  if (engine === 'postgres') return postgresStage(context, options);
  // Snapshots are written in the read stage, as each source's read arrives, and each
  // downstream system is then compared and its index let go (nodeRunRead keeps only the
  // authority's), so no more than the authority's and those still reading are held at once.
  const snapshots = options.snapshots.write ? { runId: options.runId, onWrite: options.snapshots.onWrite } : undefined;
  const reusable = await reusableSnapshots(context, store, { mode: options.mode, runId: snapshots?.runId, signal: options.signal });
  const carried = await carriedComparison(context, store, reusable, options.onCompare);
  if (carried) return { ...carried, close: () => undefined };
  const comparing = new CompareAsRead(context.config.values.authority);
  const read = await readStage(context, {
    reusable,
    signal: options.signal,
    onSourceProgress: options.onSourceProgress,
    snapshots,
    onSourceRead: (_system, sourceRead) => comparing.arrived(sourceRead.index),
  });
  try {
    throwIfAborted(options.signal);
    options.onCompare();
    const { authority, others } = read.sources;
    const { discrepancies, presence } = comparing.finish(authority, others);
    const systems = [authority, ...others].map((index) => index.system);
    return { read: nodeRunRead({ ...read, authority, systems }, () => presence), discrepancies, close: () => undefined };
  } catch (error) {
    removeSnapshotFiles(context, read.written);
    throw error;
  }
}

async function duckDbStage(context: WorkspaceContext, options: EngineStageOptions): Promise<EngineStageResult> {
  const { values } = context.config;
  refuseIncremental('duckdb', options.mode);
  const { processing } = values;
  const comparison = await compareWithDuckDb(context.sources, {
    authority: values.authority,
    rules: values.normalize,
    onMissingFile: values.error_handling.on_missing_file,
    onCorruptData: values.error_handling.on_corrupt_data,
    retry: { attempts: values.error_handling.retry_attempts, delayMs: values.error_handling.retry_delay_seconds * 1000 },
    logger: context.logger,
    memoryLimit: processing.memory_limit ?? DEFAULT_DUCKDB_MEMORY_LIMIT,
    threads: processing.parallel ? processing.max_workers : 1,
    // Beside the database, as the snapshots are: inside the workspace, gone when the run ends.
    tempDirectory: path.join(path.dirname(context.paths.database), 'duckdb-temp', options.runId),
    signal: options.signal,
    onSourceProgress: options.onSourceProgress,
    onCompare: options.onCompare,
  });
  return { read: pushdownRunRead(comparison, comparison.discrepancies), discrepancies: comparison.discrepancies, close: () => comparison.close() };
}

async function postgresStage(context: WorkspaceContext, options: EngineStageOptions): Promise<EngineStageResult> {
  const { values } = context.config;
  refuseIncremental('postgres', options.mode);
  const comparison = await compareWithPostgres(context.sources, {
    authority: values.authority,
    rules: values.normalize,
    onMissingFile: values.error_handling.on_missing_file,
    onCorruptData: values.error_handling.on_corrupt_data,
    logger: context.logger,
    statementTimeoutS: values.processing.statement_timeout_seconds ?? DEFAULT_POSTGRES_STATEMENT_TIMEOUT_S,
    signal: options.signal,
    onCompare: options.onCompare,
  });
  return { read: pushdownRunRead(comparison, comparison.discrepancies), discrepancies: comparison.discrepancies, close: () => comparison.close() };
}

/** A pushdown engine keeps no snapshots, so every run is full (`--mode incremental` is refused). */
function refuseIncremental(engine: RunEngine, mode: RunMode): void {
  if (mode !== 'incremental') return;
  throw new KeySyncError('USAGE', 'usage', `An incremental run needs the node engine: the ${engine} engine keeps no snapshots, so every run is full.`, {
    remedy: 'run without --mode incremental, or set processing.engine: node',
  });
}
