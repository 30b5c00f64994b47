/** Domain vocabulary shared by the pure core, the store and the reports. */

/** A configured system's name as written in the config (`A`, `B`, `crm`, …). */
export type SystemId = string;

/** A key after normalisation; never empty. */
export type NormalizedKey = string;

export type ProvisioningStrategy = 'mirror' | 'namespaced' | 'surrogate';

/** Every status a master key can have, in the order views list them. */
export const MASTER_KEY_STATUSES = ['proposed', 'active', 'rejected', 'deprecated', 'resolved', 'linked'] as const;

export type MasterKeyStatus = (typeof MASTER_KEY_STATUSES)[number];

export const RUN_MODES = ['full', 'incremental'] as const;

export type RunMode = (typeof RUN_MODES)[number];

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One row of a source that produced a key: the raw text and its 1-based line in the file. */
export interface Sighting {
  readonly raw: string;
  readonly line: number;
}

export interface SystemSighting extends Sighting {
  readonly system: SystemId;
}

export type BadRowReason =
  | 'missing key'
  | 'empty after normalisation'
  | 'key too long'
  | 'ragged row'
  | 'undecodable bytes'
  | 'unparseable row';

/** What happened to a bad row, as `error_report.csv` states it. */
export type BadRowAction = 'kept' | 'skipped';

export interface BadRow {
  readonly system: SystemId;
  readonly file: string;
  readonly line: number;
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
