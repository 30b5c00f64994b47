/**
 * What every pushdown engine (duckdb, postgres; docs/behaviour.md §11) hands the later stages,
 * and the two steps they share with the node engine's read: wording the rows their SQL set
 * aside by the row policy's own checks, and settling each source's outcome
 * (`on_missing_file`, the authority's rules) as readAllSources does.
 */
import type { Discrepancies } from '../../core/compare.js';
import type { Normalizer } from '../../core/normalize.js';
import { classifyRawKey } from '../../core/raw-key.js';
import type { SourceOutcome } from '../../core/summary.js';
import type { BadRow, CorruptDataPolicy, NormalizedKey, RowLocator, SkippedSource, SystemId } from '../../core/types.js';
import type { Logger } from '../../log.js';
import { emptyAuthority, leaveOut, logBadRows } from '../read-all.js';
import type { ConfiguredSource } from '../registry.js';

/** What a pushdown engine read and compared; close it once the run's stages are done with it. */
export interface PushdownComparison {
  readonly outcomes: readonly SourceOutcome[];
  readonly badRows: readonly BadRow[];
  readonly skipped: readonly SkippedSource[];
  readonly discrepancies: Discrepancies;
  /** The given keys the authority holds. */
  authorityHolds(keys: readonly NormalizedKey[]): Promise<NormalizedKey[]>;
  /** Every authority key, chunk by chunk, by key (the engine's byte order), as the gap lists come. */
  streamAuthorityKeys(onChunk: (keys: readonly NormalizedKey[]) => void): Promise<void>;
  close(): void;
}

/**
 * A sighting added to the last entry when it is of the same key, else to a new entry. The
 * engines send duplicate rows ordered by key (out-of-authority rows too: addOutOfAuthoritySighting),
 * so a key's rows come together and no map from key to entry is needed.
 */
export function addToLast<S, E extends { readonly key: NormalizedKey; readonly sightings: S[] }>(entries: E[], key: NormalizedKey, sighting: S, newEntry: (first: S) => E): void {
  const last = entries.at(-1);
  if (last?.key === key) last.sightings.push(sighting);
  // A list made with its first sighting has room for one; `[]` and a push reserve 17 (128 bytes more, per key).
  else entries.push(newEntry(sighting));
}

/** A row's raw key: one already in normal form (most) shares the key's string rather than holding a copy. */
export function rawOf(key: unknown, raw: unknown): string {
  return (raw === key ? key : raw) as string;
}

/** A row the engine's SQL set aside: not a key (NULL, blank, too long, nothing left), or ragged. */
export interface SetAsideRow {
  readonly seq: number;
  readonly locator: RowLocator;
  readonly raw: string | null;
  readonly irregular: string | null;
  /** Whether the SQL found a key in it (a ragged row). */
  readonly keyed: boolean;
}

/**
 * A set-aside row as a bad row, worded by the row policy's checks (`core/raw-key.ts`). A
 * disagreement between the SQL and `classifyRawKey` is a bug that stops the run, never a
 * silent difference.
 */
export function setAsideBadRow(
  row: SetAsideRow,
  source: Pick<ConfiguredSource, 'system' | 'location'>,
  encoding: string,
  normalize: Normalizer,
  onCorruptData: CorruptDataPolicy,
  engine: string,
): BadRow {
  const where = { system: source.system, file: source.location, line: row.locator };
  if (row.raw === null) return { ...where, reason: 'no key', detail: 'the key is NULL', action: 'skipped' };
  const verdict = classifyRawKey(row.raw, normalize, encoding);
  if ('reason' in verdict) {
    if (row.keyed) throw new Error(`${engine} kept ${JSON.stringify(row.raw)} as a key where the row policy finds ${verdict.reason}`);
    return { ...where, reason: verdict.reason, detail: verdict.detail, action: 'skipped' };
  }
  if (!row.keyed || row.irregular === null) throw new Error(`${engine} set ${JSON.stringify(row.raw)} aside where the row policy keeps it as ${verdict.key}`);
  return { ...where, reason: 'ragged row', detail: row.irregular, action: onCorruptData === 'log' ? 'kept' : 'skipped' };
}

/** How one source's read ended: its rows, or why it could not be read. */
export type SourceScan = { readonly ok: true; readonly rows: number } | { readonly ok: false; readonly error: unknown };

/** What one read source's rows came to. */
export interface SystemCounts {
  readonly keys: number;
  readonly repeatedRows: number;
}

export interface SettleOptions {
  readonly authority: SystemId;
  readonly onMissingFile: 'skip' | 'fail';
  readonly logger: Logger;
}

/** `on_missing_file` and the authority's rules (docs/behaviour.md §2), as readAllSources applies them. */
export function settle(
  sources: readonly ConfiguredSource[],
  scanned: readonly SourceScan[],
  counts: ReadonlyMap<SystemId, SystemCounts>,
  badRowsBySystem: ReadonlyMap<SystemId, readonly BadRow[]>,
  options: SettleOptions,
): { outcomes: SourceOutcome[]; badRows: BadRow[]; skipped: SkippedSource[] } {
  const outcomes: SourceOutcome[] = [];
  const badRows: BadRow[] = [];
  const skipped: SkippedSource[] = [];
  for (const [position, source] of sources.entries()) {
    const isAuthority = source.system === options.authority;
    const result = scanned[position]!;
    if (!result.ok) {
      const left = leaveOut(source, result.error, isAuthority, options);
      skipped.push(left.skipped);
      outcomes.push(left.outcome);
      continue;
    }
    const { keys, repeatedRows } = counts.get(source.system)!;
    if (isAuthority && keys === 0) throw emptyAuthority(source);
    const rows = badRowsBySystem.get(source.system)!;
    logBadRows(options.logger, source, rows);
    for (const row of rows) badRows.push(row);
    outcomes.push({ system: source.system, file: source.location, status: 'read', rows: result.rows, repeatedRows, badRows: rows.length });
    options.logger.log('info', `read ${source.system}: ${result.rows} rows, ${keys} keys, ${rows.length} bad rows (${source.location})`);
  }
  return { outcomes, badRows, skipped };
}
