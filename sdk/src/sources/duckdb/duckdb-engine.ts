/**
 * The duckdb engine's read and compare (docs/behaviour.md §11, docs/decisions.md §20): every
 * source is scanned by its own type into a row table of an in-memory DuckDB database, then
 * normalised, indexed and compared in SQL. What comes back is what the node engine's read and
 * compare give the later stages — outcomes, bad rows, left-out systems, the discrepancies —
 * plus two questions the registry stages ask of the authority's keys, answered in SQL. The
 * keys themselves never gather in the Node process.
 */
import type { EngineStep } from '../../core/engine-step.js';
import { compileNormalizer, type NormalizeRules } from '../../core/normalize.js';
import type { BadRow, CorruptDataPolicy, SystemId } from '../../core/types.js';
import { throwIfAborted } from '../../errors.js';
import type { Logger } from '../../log.js';
import { settle, setAsideBadRow, type PushdownComparison, type SourceScan, type SystemCounts } from '../pushdown/pushdown-read.js';
import type { ConfiguredSource } from '../registry.js';
import { readWithRetries, type RetryPolicy } from '../retry-rounds.js';
import { badRowError } from '../row-policy.js';
import { isTransientSourceError } from '../transient-errors.js';
import { authorityHolds, compareInDuckDb, indexSystem, streamAuthorityKeys, streamSetAside, type KeyedSystem } from './duckdb-compare.js';
import { normalizeTable, probeNormalization } from './duckdb-normalize.js';
import { openDuckDb, type DuckDbSession, type StatementEvent } from './duckdb-session.js';
import { halfMemoryLimitSql, releaseAfterCompareSql } from './engine-sql.js';
import { createRowTable, rowTableSink, type UnreadableRow } from './row-table.js';

export interface DuckDbEngineOptions {
  readonly authority: SystemId;
  readonly rules: NormalizeRules;
  readonly onMissingFile: 'skip' | 'fail';
  readonly onCorruptData: CorruptDataPolicy;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** DuckDB's memory_limit (`processing.memory_limit`). */
  readonly memoryLimit: string;
  /** A folder for DuckDB's spill files, removed when the engine closes. */
  readonly tempDirectory: string;
  /** DuckDB's threads; 0 lets DuckDB take one per core. */
  readonly threads: number;
  readonly signal?: AbortSignal;
  readonly onSourceProgress?: (system: SystemId, rows: number, sourcesDone: number, sourceCount: number) => void;
  /** Called at each step once every source is scanned: normalising each system, then comparing. */
  readonly onCompare?: (step: EngineStep) => void;
}

type Scanned = (SourceScan & { readonly ok: true; readonly unreadable: readonly UnreadableRow[] }) | Extract<SourceScan, { ok: false }>;

export async function compareWithDuckDb(sources: readonly ConfiguredSource[], options: DuckDbEngineOptions): Promise<PushdownComparison> {
  const session = await openDuckDb({
    memoryLimit: options.memoryLimit,
    tempDirectory: options.tempDirectory,
    threads: options.threads,
    signal: options.signal,
    onStatement: (event) => logStatement(options.logger, event),
  });
  try {
    await probeNormalization(session, options.rules);
    const tables = new Map(sources.map((source, position) => [source.system, `rows_${position}`]));
    const scanned = await scanAll(session, sources, tables, options);
    const read = sources.flatMap((source, position) => (scanned[position]!.ok ? [{ system: source.system, table: tables.get(source.system)! }] : []));
    // One step per system normalised and indexed, one for comparing them all.
    const steps = read.length + 1;
    const counts = new Map<SystemId, SystemCounts>();
    const badRowsBySystem = new Map<SystemId, BadRow[]>();
    await session.run(halfMemoryLimitSql(options.memoryLimit));
    for (const system of read) {
      throwIfAborted(options.signal);
      const source = sources.find((entry) => entry.system === system.system)!;
      const scan = scanned[sources.indexOf(source)] as Extract<Scanned, { ok: true }>;
      options.onCompare?.({ step: 'normalise', system: system.system, done: read.indexOf(system), total: steps });
      await normalizeTable(session, system.table, options.rules);
      counts.set(system.system, await indexSystem(session, system, options.onCorruptData));
      badRowsBySystem.set(system.system, await badRowsOf(session, source, system, scan.unreadable, options));
    }
    if (options.onCorruptData === 'fail') {
      const first = read.map((system) => badRowsBySystem.get(system.system)![0]).find((row) => row !== undefined);
      if (first) throw badRowError(first);
    }
    const { outcomes, badRows, skipped } = settle(sources, scanned, counts, badRowsBySystem, options);
    const authority = read.find((system) => system.system === options.authority)!;
    // Systems left out of the run were never scanned into a table, so `read` has none of them.
    const others = read.filter((system) => system !== authority);
    options.onCompare?.({ step: 'compare', authority: authority.system, systems: others.length, done: steps - 1, total: steps });
    const discrepancies = await compareInDuckDb(session, authority, others, counts);
    for (const sql of releaseAfterCompareSql([...tables.values()], authority.table)) await session.run(sql);
    return {
      outcomes,
      badRows,
      skipped,
      discrepancies,
      authorityHolds: (keys) => authorityHolds(session, authority, keys),
      streamAuthorityKeys: (onChunk) => streamAuthorityKeys(session, authority, onChunk),
      close: () => session.close(),
    };
  } catch (error) {
    session.close();
    throw error;
  }
}

/** Every source into its row table, in config order, read again when it failed for a reason that may pass. */
async function scanAll(session: DuckDbSession, sources: readonly ConfiguredSource[], tables: ReadonlyMap<SystemId, string>, options: DuckDbEngineOptions): Promise<Scanned[]> {
  let done = 0;
  const scanSome = async (some: readonly ConfiguredSource[]): Promise<Scanned[]> => {
    const results: Scanned[] = [];
    for (const source of some) {
      throwIfAborted(options.signal);
      const table = tables.get(source.system)!;
      await createRowTable(session, table);
      const sink = await rowTableSink(session, table, (rows) => options.onSourceProgress?.(source.system, rows, done, sources.length));
      try {
        await source.reader.scan(sink, { signal: options.signal, chunked: true });
        sink.finish();
        results.push({ ok: true, rows: sink.rows, unreadable: sink.unreadableRows });
      } catch (error) {
        sink.finish();
        results.push({ ok: false, error });
      }
      done++;
    }
    return results;
  };
  return readWithRetries(sources, scanSome, options.retry, {
    isTransient: (result) => !result.ok && isTransientSourceError(result.error),
    onRetry: (source, result, attempt) => {
      const reason = result.ok ? '' : (result.error as Error).message;
      options.logger.log('warn', `${source.location}: ${reason} Retry ${attempt} of ${options.retry.attempts} in ${options.retry.delayMs / 1000} s.`);
    },
    signal: options.signal,
  });
}

/**
 * A system's bad rows in scan order, worded by the row policy's own checks: the rows the
 * format could not read, and those the SQL set aside (not a key, or ragged).
 */
async function badRowsOf(
  session: DuckDbSession,
  source: ConfiguredSource,
  system: KeyedSystem,
  unreadable: readonly UnreadableRow[],
  options: DuckDbEngineOptions,
): Promise<BadRow[]> {
  const normalize = compileNormalizer(options.rules);
  const encoding = source.csv?.encoding ?? 'UTF-8';
  const bad: (BadRow & { readonly seq: number })[] = unreadable.map((row) => ({ seq: row.seq, system: source.system, file: source.location, line: row.locator, reason: row.reason, detail: row.detail, action: 'skipped' }));
  await streamSetAside(session, system, (row) => {
    bad.push({ seq: row.seq, ...setAsideBadRow(row, source, encoding, normalize, options.onCorruptData, 'DuckDB') });
  });
  return bad.sort((x, y) => x.seq - y.seq).map(({ seq: _seq, ...row }) => row);
}

/** Each statement in the debug log as it starts and ends, with its time: the slow one, or the one a cancel interrupted, is named. */
function logStatement(logger: Logger, event: StatementEvent): void {
  const statement = event.statement.replace(/\s+/g, ' ');
  const shown = statement.length > STATEMENT_SHOWN ? `${statement.slice(0, STATEMENT_SHOWN)}…` : statement;
  logger.log('debug', event.outcome ? `duckdb: ${event.outcome} after ${Math.round(event.ms!)} ms: ${shown}` : `duckdb: running ${shown}`);
}

/** How much of a statement a log line shows: enough to tell which one it is. */
const STATEMENT_SHOWN = 120;
