/** Domain vocabulary shared by the pure core, the store and the reports. */

/** A configured system's name as written in the config (`A`, `B`, `crm`, …). */
export type SystemId = string;

/** A key after normalisation; never empty. */
export type NormalizedKey = string;

/** How a proposed master key is formed (`provisioning.strategy`, docs/behaviour.md §5). */
export type ProvisioningStrategy = 'mirror' | 'namespaced' | 'surrogate';

/** Every status a master key can have, in the order views list them. */
export const MASTER_KEY_STATUSES = ['proposed', 'active', 'rejected', 'deprecated', 'resolved', 'linked'] as const;

/** A master key's status in the registry. */
export type MasterKeyStatus = (typeof MASTER_KEY_STATUSES)[number];

/** The run modes: `full` reads every source, `incremental` reuses snapshots of unchanged ones. */
export const RUN_MODES = ['full', 'incremental'] as const;

/** A run mode (`processing.mode`, `--mode`). */
export type RunMode = (typeof RUN_MODES)[number];

/** Where a run normalises and compares keys (`processing.engine`, docs/behaviour.md §11). */
export const RUN_ENGINES = ['node', 'duckdb', 'postgres'] as const;
/** One of {@link RUN_ENGINES}. */
export type RunEngine = (typeof RUN_ENGINES)[number];

/** A run's status in the run history. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * Where one row sits in its source, as reports and "open this row" name it (docs/behaviour.md §2):
 * a CSV line, a SQLite table's primary key or rowid, a query's or Parquet file's row number.
 */
export type RowLocator = number | string;

/**
 * One row of a source that produced a key: the raw text and its locator (`line` for a CSV,
 * whose locator is its 1-based line; the field keeps that name for every type).
 */
export interface Sighting {
  readonly raw: string;
  readonly line: RowLocator;
}

/** A sighting with the system it was seen in. */
export interface SystemSighting extends Sighting {
  readonly system: SystemId;
}

/** Why a row is bad, as `error_report.csv` states it. */
export type BadRowReason =
  | 'missing key'
  | 'no key'
  | 'empty after normalisation'
  | 'key too long'
  | 'ragged row'
  | 'undecodable bytes'
  | 'unparseable row';

/** What happened to a bad row, as `error_report.csv` states it. */
export type BadRowAction = 'kept' | 'skipped';

/**
 * A source's keys digest (docs/decisions.md §22): a digest of everything reading it depends
 * on, and digests of its first records at every fixed number of records (`checkpoints`), so
 * that a check of a changed file can stop at the first checkpoint that differs.
 */
export interface KeysDigest {
  readonly digest: string;
  readonly checkpoints: readonly string[];
}

/**
 * A row that gave no usable key, or was ragged, with what the run did about it. `file` is the
 * source's location (a path, or where in a database); `line` its locator.
 */
export interface BadRow {
  readonly system: SystemId;
  readonly file: string;
  readonly line: RowLocator;
  readonly reason: BadRowReason;
  readonly detail: string;
  readonly action: BadRowAction;
}

/** A system left out of the run (unusable source under `on_missing_file: skip`), for the error report. */
export interface SkippedSource {
  readonly system: SystemId;
  readonly file: string;
  readonly reason: string;
}

/** What a bad row does to a run (`error_handling.on_corrupt_data`). */
export type CorruptDataPolicy = 'log' | 'skip' | 'fail';

/** Report name → file path, for the reports a run wrote. */
export type ReportPaths = Readonly<Record<string, string>>;
