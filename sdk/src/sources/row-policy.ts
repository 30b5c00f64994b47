/**
 * The row policy every source type shares (docs/behaviour.md §2): a scan pushes rows into
 * this RowSink, which decides what each one is — a key for the index, a repeated row, or a
 * bad row kept or skipped under `on_corrupt_data` — and counts rows for progress. No
 * format lives here: a type says only what it read (the raw key, where, anything irregular).
 */
import { KeyIndex } from '../core/key-index.js';
import type { Normalizer } from '../core/normalize.js';
import { classifyRawKey } from '../core/raw-key.js';
import type { BadRow, BadRowReason, CorruptDataPolicy, RowLocator, SystemId } from '../core/types.js';
import { KeySyncError } from '../errors.js';
import type { RowSink } from './source-type.js';

export interface RowPolicyOptions {
  readonly normalize: Normalizer;
  readonly onCorruptData: CorruptDataPolicy;
  /** Called every PROGRESS_EVERY rows with the rows read so far, and once at the end. */
  readonly onRows?: (rows: number) => void;
}

/** What a source's rows came to. */
export interface PolicyResult {
  readonly index: KeyIndex;
  /** Data rows read (for a CSV, blank lines excluded). */
  readonly rows: number;
  readonly badRows: readonly BadRow[];
}

export interface RowPolicy extends RowSink {
  /** The rows counted so far (a scan that must refuse an empty source asks). */
  readonly rows: number;
  finish(): PolicyResult;
}

export interface PolicySource {
  readonly system: SystemId;
  /** Where the source lives, as bad rows and errors name it. */
  readonly location: string;
  /** How the source's text is encoded, for the undecodable-key message. */
  readonly encoding: string;
}

export const PROGRESS_EVERY = 100_000;

/** The failure a bad row is under `on_corrupt_data: fail`. */
export function badRowError(row: Pick<BadRow, 'system' | 'file' | 'line' | 'reason' | 'detail'>): KeySyncError {
  return new KeySyncError('SOURCE_BAD_ROW', 'input', `Bad row in system ${row.system}: ${row.reason} (${row.detail}).`, {
    file: row.file,
    line: row.line,
    remedy: 'fix the row, or set error_handling.on_corrupt_data to log or skip',
  });
}

export function createRowPolicy(source: PolicySource, options: RowPolicyOptions): RowPolicy {
  const index = new KeyIndex(source.system);
  const badRows: BadRow[] = [];
  let rows = 0;

  const bad = (line: RowLocator, reason: BadRowReason, detail: string, kept = false): void => {
    if (options.onCorruptData === 'fail') throw badRowError({ system: source.system, file: source.location, line, reason, detail });
    badRows.push({ system: source.system, file: source.location, line, reason, detail, action: kept ? 'kept' : 'skipped' });
  };
  const counted = (): void => {
    rows++;
    if (options.onRows && rows % PROGRESS_EVERY === 0) options.onRows(rows);
  };

  return {
    get rows() {
      return rows;
    },
    row(raw, locator, irregular) {
      counted();
      if (raw === null) {
        bad(locator, 'no key', 'the key is NULL');
        return;
      }
      if (raw === undefined) {
        bad(locator, 'missing key', 'the row has no key field');
        return;
      }
      const verdict = classifyRawKey(raw, options.normalize, source.encoding);
      if ('reason' in verdict) {
        bad(locator, verdict.reason, verdict.detail);
        return;
      }
      const { key } = verdict;
      if (irregular !== undefined) {
        const keep = options.onCorruptData === 'log';
        bad(locator, 'ragged row', irregular, keep);
        if (!keep) return;
      }
      index.add(key, raw, locator);
    },
    expectRows(expected) {
      index.expectRows(expected);
    },
    unreadable(locator, reason, detail) {
      counted();
      bad(locator, reason, detail);
    },
    finish() {
      options.onRows?.(rows);
      return { index, rows, badRows };
    },
  };
}
