/**
 * Reads every configured source and applies `error_handling` (docs/behaviour.md §2): an unusable
 * non-authority source is left out of the run (skip) or stops it (fail); an unusable or
 * empty authority always stops it, since every key would otherwise look out-of-authority.
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import type { KeyIndex } from '../core/key-index.js';
import { compileNormalizer, type NormalizeRules } from '../core/normalize.js';
import type { SourceOutcome } from '../core/summary.js';
import type { BadRow, CorruptDataPolicy, SkippedSource, SystemId } from '../core/types.js';
import { isKeySyncError, KeySyncError, throwIfAborted, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { readInWorkers, type Settled } from './read-parallel.js';
import { readWithPolicy, type SourceRead } from './read-source.js';
import { readWithRetries, type RetryPolicy } from './retry-rounds.js';
import type { ConfiguredSource } from './registry.js';
import type { SourceFile } from './source-file.js';
import { isTransientSourceError } from './transient-errors.js';

export interface ReadAllOptions {
  readonly authority: SystemId;
  readonly rules: NormalizeRules;
  /** Read in worker threads (`processing.parallel`), up to `maxWorkers` (0 = one per core). */
  readonly parallel: boolean;
  readonly maxWorkers: number;
  readonly onMissingFile: 'skip' | 'fail';
  readonly onCorruptData: CorruptDataPolicy;
  /** Reads again a source that failed with a transient error (`error_handling.retry_*`). */
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** Sources already read (incremental mode's unchanged snapshots), by system. */
  readonly preloaded?: ReadonlyMap<SystemId, SourceRead>;
  /** Systems whose read should carry its keys digest (SourceRead.keysDigest): those whose snapshot the caller writes. */
  readonly keysDigestFor?: ReadonlySet<SystemId>;
  /**
   * Work of the caller's to do on this thread while the sources are read (comparing the
   * preloaded ones), called once, as soon as worker threads are reading — or before an inline
   * read. Given, a single CSV file large enough is read in a worker too, so that the two
   * overlap. A throw stops the reading, as `onSourceRead`'s does.
   */
  readonly whileReading?: () => void;
  readonly signal?: AbortSignal;
  readonly onSourceProgress?: (system: SystemId, rows: number, sourcesDone: number, sourceCount: number) => void;
  /**
   * Called on this thread as each source parsed this run is read successfully, while other
   * sources may still be reading (so the caller can write its snapshot meanwhile). Such a
   * read is final: only failures are read again. Never for a preloaded source, one that
   * failed or is left out, nor an authority without keys (the run stops). The run can still
   * fail afterwards; undoing what the callback did is the caller's. A throw stops the
   * reading, as a cancel does, and the read rejects with the callback's error.
   */
  readonly onSourceRead?: (system: SystemId, read: SourceRead) => void;
}

export interface SourcesRead {
  readonly authority: KeyIndex;
  /** Present non-authority systems, in config order. */
  readonly others: readonly KeyIndex[];
  readonly outcomes: readonly SourceOutcome[];
  readonly badRows: readonly BadRow[];
  readonly skipped: readonly SkippedSource[];
}

/** Bad rows logged one by one before the log says "and N more". */
const BAD_ROWS_LOGGED = 20;

/** Below this much input, starting workers costs more than it saves. */
const WORKERS_FROM_BYTES = 4 * 1024 * 1024;

export async function readAllSources(sources: readonly ConfiguredSource[], options: ReadAllOptions): Promise<SourcesRead> {
  const settled = await readEach(sources, options);
  let authority: KeyIndex | undefined;
  const others: KeyIndex[] = [];
  const outcomes: SourceOutcome[] = [];
  const badRows: BadRow[] = [];
  const skipped: SkippedSource[] = [];
  for (const [position, source] of sources.entries()) {
    const isAuthority = source.system === options.authority;
    const result = settled[position]!;
    if (!result.ok) {
      const left = leaveOut(source, result.error, isAuthority, options);
      skipped.push(left.skipped);
      outcomes.push(left.outcome);
      continue;
    }
    const { read } = result;
    if (isAuthority && read.index.size === 0) throw emptyAuthority(source);
    logBadRows(options.logger, source, read.badRows);
    // A loop, not push(...rows): a badly broken file can have more bad rows than a call takes arguments.
    for (const row of read.badRows) badRows.push(row);
    outcomes.push({
      system: source.system,
      file: source.location,
      status: 'read',
      rows: read.rows,
      repeatedRows: read.index.repeatedRows,
      badRows: read.badRows.length,
    });
    if (isAuthority) authority = read.index;
    else others.push(read.index);
    options.logger.log('info', `read ${source.system}: ${read.rows} rows, ${read.index.size} keys, ${read.badRows.length} bad rows (${source.location})`);
  }
  return { authority: authority!, others, outcomes, badRows, skipped };
}

/**
 * `on_missing_file` for a source that could not be read: a downstream system whose source is
 * unusable is left out of the run (under skip); anything else — the authority, a failure
 * that is not an unusable source, `fail` — is thrown again.
 */
export function leaveOut(
  source: Pick<ConfiguredSource, 'system' | 'location'>,
  error: unknown,
  isAuthority: boolean,
  options: Pick<ReadAllOptions, 'onMissingFile' | 'logger'>,
): { readonly skipped: SkippedSource; readonly outcome: SourceOutcome } {
  if (!isUnusableSource(error) || isAuthority || options.onMissingFile === 'fail') throw error;
  options.logger.log('warn', `system ${source.system} left out of the run: ${error.describe()}`);
  return {
    skipped: { system: source.system, file: source.location, reason: error.message },
    outcome: { system: source.system, file: source.location, status: 'skipped', reason: error.message, code: error.code },
  };
}

/** Every source read (or taken from `preloaded`); a bad row under `fail` stops everything at once. */
async function readEach(all: readonly ConfiguredSource[], options: ReadAllOptions): Promise<Settled[]> {
  const preloaded = options.preloaded ?? new Map<SystemId, SourceRead>();
  const sources = all.filter((source) => !preloaded.has(source.system));
  // Once, in the first round of reading (not again for a retry), or here when nothing is read.
  let whileReading = options.whileReading;
  const once = () => {
    const work = whileReading;
    whileReading = undefined;
    work?.();
  };
  const fresh = await readWithRetries(sources, (some) => readFresh(some, options, once), options.retry, {
    isTransient: (result) => !result.ok && isTransientSourceError(result.error),
    onRetry: (source, result, attempt) => {
      const reason = result.ok ? '' : (result.error as Error).message;
      options.logger.log('warn', `${source.location}: ${reason} Retry ${attempt} of ${options.retry.attempts} in ${options.retry.delayMs / 1000} s.`);
    },
    signal: options.signal,
  });
  once();
  const bySystem = new Map(sources.map((source, position) => [source.system, fresh[position]!]));
  return all.map((source) => {
    const snapshot = preloaded.get(source.system);
    return snapshot ? { ok: true, read: snapshot } : bySystem.get(source.system)!;
  });
}

async function readFresh(sources: readonly ConfiguredSource[], options: ReadAllOptions, whileReading: () => void): Promise<Settled[]> {
  const workers = options.maxWorkers > 0 ? options.maxWorkers : os.availableParallelism();
  let done = 0;
  // The callbacks are the caller's code. A worker's progress arrives in a message handler,
  // where a throw would escape every promise (and kill the host), and inline it would pass
  // for that source's read error. So a throw stops the reading, as a cancel does, and the
  // read rejects with the callback's own error.
  const callback = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, callback.signal]) : callback.signal;
  let callbackError: { readonly error: unknown } | undefined;
  const callerCode = (call: () => void) => {
    try {
      call();
    } catch (error) {
      callbackError ??= { error };
      callback.abort();
    }
  };
  const onRows = (source: { readonly system: SystemId }, rows: number) => callerCode(() => options.onSourceProgress?.(source.system, rows, done, sources.length));
  const onSourceDone = (source: { readonly system: SystemId }, result: Settled) => {
    done++;
    // Nothing more once the reading is stopping: the run fails, and whatever the callback
    // did is undone as the read rejects, not after.
    if (!result.ok || !options.onSourceRead || signal.aborted) return;
    if (source.system === options.authority && result.read.index.size === 0) return;
    callerCode(() => options.onSourceRead?.(source.system, result.read));
  };
  // Only CSV files go to workers (docs/decisions.md); the other types are read inline meanwhile.
  const csvFiles = sources.flatMap((source) => (source.csv ? [source.csv] : []));
  // One file goes to a worker too when the caller has work to overlap with it.
  const worthWorkers = csvFiles.length > 1 || (csvFiles.length === 1 && options.whileReading !== undefined);
  const useWorkers = options.parallel && workers > 1 && worthWorkers && totalBytes(csvFiles) >= WORKERS_FROM_BYTES;
  options.logger.log('debug', useWorkers ? `reading ${csvFiles.length} sources in up to ${workers} worker threads` : 'reading sources in the main thread');
  let settled: Settled[];
  try {
    if (useWorkers) {
      const inline = sources.filter((source) => !source.csv);
      const inWorkersReading = readInWorkers(csvFiles, { rules: options.rules, onCorruptData: options.onCorruptData, keysDigestFor: options.keysDigestFor, workers, signal, onRows, onSourceDone });
      callerCode(whileReading);
      const [inWorkers, inMain] = await Promise.all([inWorkersReading, readInline(inline, { ...options, signal }, onRows, onSourceDone)]);
      const bySystem = new Map([...csvFiles.map((file, position) => [file.system, inWorkers[position]!] as const), ...inline.map((source, position) => [source.system, inMain[position]!] as const)]);
      settled = sources.map((source) => bySystem.get(source.system)!);
    } else {
      callerCode(whileReading);
      settled = await readInline(sources, { ...options, signal }, onRows, onSourceDone);
    }
  } catch (error) {
    throw callbackError ? callbackError.error : error;
  }
  if (callbackError) throw callbackError.error;
  const badRowFailure = settled.find((result) => !result.ok && isKeySyncError(result.error) && result.error.code === 'SOURCE_BAD_ROW');
  if (badRowFailure && !badRowFailure.ok) throw badRowFailure.error;
  return settled;
}

async function readInline(
  sources: readonly ConfiguredSource[],
  options: ReadAllOptions,
  onRows: (source: ConfiguredSource, rows: number) => void,
  onSourceDone: (source: ConfiguredSource, settled: Settled) => void,
): Promise<Settled[]> {
  const normalize = compileNormalizer(options.rules);
  const settled: Settled[] = [];
  for (const source of sources) {
    throwIfAborted(options.signal);
    let result: Settled;
    try {
      const encoding = source.csv?.encoding;
      const policy = {
        normalize,
        onCorruptData: options.onCorruptData,
        keysDigest: options.keysDigestFor?.has(source.system) === true,
        signal: options.signal,
        onRows: (rows: number) => onRows(source, rows),
      };
      result = { ok: true, read: await readWithPolicy(source.reader, policy, encoding) };
    } catch (error) {
      result = { ok: false, error };
    }
    settled.push(result);
    onSourceDone(source, result);
  }
  return settled;
}

/** The bytes the sources will read: regular files only, as the reader refuses anything else. */
function totalBytes(sources: readonly SourceFile[]): number {
  let total = 0;
  for (const source of sources) {
    try {
      const stats = statSync(source.file);
      if (stats.isFile()) total += stats.size;
    } catch {
      // Missing or unreadable: the read reports it.
    }
  }
  return total;
}

/** The failures that make a whole source unusable, so `on_missing_file` decides (a bad row is not one). */
const UNUSABLE_SOURCE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SOURCE_MISSING', 'SOURCE_NOT_A_FILE', 'SOURCE_UNREADABLE', 'SOURCE_EMPTY', 'SOURCE_ENCODING', 'SOURCE_NO_KEY_COLUMN', 'SOURCE_DUPLICATE_KEY_COLUMN',
  'SOURCE_NOT_SQLITE', 'SOURCE_NOT_PARQUET', 'SOURCE_NO_TABLE', 'SOURCE_QUERY_REFUSED', 'SOURCE_QUERY_FAILED', 'SOURCE_KEY_COLUMN_TYPE',
  'SOURCE_UNREACHABLE', 'SOURCE_TLS', 'SOURCE_AUTH', 'SOURCE_PERMISSION', 'SOURCE_TIMEOUT', 'SOURCE_CONNECTION_LOST',
  // Still unavailable after error_handling.retry_attempts retries.
  'SOURCE_UNAVAILABLE',
]);

function isUnusableSource(error: unknown): error is KeySyncError {
  return isKeySyncError(error) && UNUSABLE_SOURCE_CODES.has(error.code);
}

export function emptyAuthority(source: Pick<ConfiguredSource, 'system' | 'location'>): KeySyncError {
  return new KeySyncError(
    'AUTHORITY_EMPTY',
    'input',
    `The authority ${source.system} has no usable keys; every key elsewhere would look out-of-authority, so the run stops.`,
    { file: source.location, remedy: 'check the export that writes the authority file' },
  );
}

export function logBadRows(logger: Logger, source: Pick<ConfiguredSource, 'location'>, rows: readonly BadRow[]): void {
  for (const row of rows.slice(0, BAD_ROWS_LOGGED)) {
    logger.log('warn', `${row.file}:${row.line}: ${row.reason} (${row.detail}); row ${row.action}`);
  }
  if (rows.length > BAD_ROWS_LOGGED) {
    logger.log('warn', `${source.location}: ${rows.length - BAD_ROWS_LOGGED} more bad rows; see error_report`);
  }
}
