/**
 * Reads every configured source and applies `error_handling` (SPEC §2): an unusable
 * non-authority source is left out of the run (skip) or stops it (fail); an unusable or
 * empty authority always stops it, since every key would otherwise look out-of-authority.
 */
import type { KeyIndex } from '../core/key-index.js';
import type { Normalizer } from '../core/normalize.js';
import type { SourceOutcome } from '../core/summary.js';
import type { BadRow, SystemId } from '../core/types.js';
import { isKeySyncError, KeySyncError, throwIfAborted } from '../errors.js';
import type { Logger } from '../log.js';
import type { SkippedSource } from '../reports/report-rows.js';
import { readSource, type CorruptDataPolicy } from './read-source.js';
import type { SourceFile } from './source-file.js';

export interface ReadAllOptions {
  readonly authority: SystemId;
  readonly normalize: Normalizer;
  readonly onMissingFile: 'skip' | 'fail';
  readonly onCorruptData: CorruptDataPolicy;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly onSourceProgress?: (system: SystemId, rows: number, sourceIndex: number, sourceCount: number) => void;
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

export async function readAllSources(sources: readonly SourceFile[], options: ReadAllOptions): Promise<SourcesRead> {
  let authority: KeyIndex | undefined;
  const others: KeyIndex[] = [];
  const outcomes: SourceOutcome[] = [];
  const badRows: BadRow[] = [];
  const skipped: SkippedSource[] = [];
  for (const [position, source] of sources.entries()) {
    throwIfAborted(options.signal);
    const isAuthority = source.system === options.authority;
    try {
      const read = await readSource(source, {
        normalize: options.normalize,
        onCorruptData: options.onCorruptData,
        onRows: (rows) => options.onSourceProgress?.(source.system, rows, position, sources.length),
      });
      if (isAuthority && read.index.size === 0) throw emptyAuthority(source);
      logBadRows(options.logger, source, read.badRows);
      badRows.push(...read.badRows);
      outcomes.push({
        system: source.system,
        file: source.file,
        status: 'read',
        rows: read.rows,
        repeatedRows: read.index.repeatedRows,
        badRows: read.badRows.length,
      });
      if (isAuthority) authority = read.index;
      else others.push(read.index);
      options.logger.log('info', `read ${source.system}: ${read.rows} rows, ${read.index.size} keys, ${read.badRows.length} bad rows (${source.file})`);
    } catch (error) {
      if (!isUnusableSource(error) || isAuthority || options.onMissingFile === 'fail') throw error;
      const reason = error.describe();
      options.logger.log('warn', `system ${source.system} left out of the run: ${reason}`);
      skipped.push({ system: source.system, file: source.file, reason: error.message });
      outcomes.push({ system: source.system, file: source.file, status: 'skipped', reason: error.message });
    }
  }
  return { authority: authority!, others, outcomes, badRows, skipped };
}

function isUnusableSource(error: unknown): error is KeySyncError {
  return isKeySyncError(error) && error.code.startsWith('SOURCE_') && error.code !== 'SOURCE_BAD_ROW';
}

function emptyAuthority(source: SourceFile): KeySyncError {
  return new KeySyncError(
    'AUTHORITY_EMPTY',
    'input',
    `The authority ${source.system} has no usable keys; every key elsewhere would look out-of-authority, so the run stops.`,
    { file: source.file, remedy: 'check the export that writes the authority file' },
  );
}

function logBadRows(logger: Logger, source: SourceFile, rows: readonly BadRow[]): void {
  for (const row of rows.slice(0, BAD_ROWS_LOGGED)) {
    logger.log('warn', `${row.file}:${row.line}: ${row.reason} (${row.detail}); row ${row.action}`);
  }
  if (rows.length > BAD_ROWS_LOGGED) {
    logger.log('warn', `${source.file}: ${rows.length - BAD_ROWS_LOGGED} more bad rows; see error_report`);
  }
}
