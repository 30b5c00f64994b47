/** Kysely's view of KeySync's tables, in SQLite or PostgreSQL; migrations.ts creates them. */
import type { Generated } from 'kysely';
import type { DiscrepancyKind } from '../core/discrepancy-kinds.js';
import type { MasterKeyStatus, ProvisioningStrategy, RunMode, RunStatus } from '../core/types.js';

export interface RunsTable {
  id: string;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  mode: RunMode;
  /** ISO 8601 basic UTC timestamp shared by the run's report file names. */
  report_stamp: string;
  /** The folder the run writes its reports to (null for runs recorded before it was kept). */
  output_dir: string | null;
  config_file: string | null;
  error: string | null;
  /** JSON of RunSummary once the run completed. */
  summary: string | null;
  /** JSON map of report name → file path. */
  reports: string | null;
  /** The audit ids this run's audit_log report covers, so every event is in exactly one report. */
  audit_from_id: number;
  audit_to_id: number | null;
  /** JSON of the normalisation rules a completed run used; null for runs before it was kept. */
  normalize_rules: string | null;
  /** JSON of RunInputs (core/run-inputs.ts) once a run of the node engine completed; null otherwise. */
  inputs: string | null;
}

export interface MasterKeysTable {
  id: Generated<number>;
  normalized_key: string;
  master_key: string;
  source_system: string;
  source_key: string;
  strategy: ProvisioningStrategy;
  status: MasterKeyStatus;
  created_at: string;
  created_run_id: string;
  activated_at: string | null;
  status_changed_at: string;
  status_changed_by: string;
  status_reason: string | null;
  /** The authority key a linked entry should be; null unless the status is `linked`. */
  linked_to: string | null;
  /** Raised by every status change: a decision applies only to the version it read (migrations.ts). */
  version: Generated<number>;
}

/** Pairs a person said are no match ("not a match"): never suggested again (docs/decisions.md §18). */
export interface RejectedMatchesTable {
  normalized_key: string;
  authority_key: string;
  rejected_at: string;
  rejected_by: string;
  reason: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  timestamp: string;
  run_id: string | null;
  event_type: string;
  details: string;
  system: string | null;
  key: string | null;
  action: string;
  result: string;
  actor: string;
}

export interface RunDiscrepanciesTable {
  run_id: string;
  kind: DiscrepancyKind;
  /** The system the entries belong to; '' when they span systems. */
  system: string;
  /** Which slice of the group's entries the row holds, from 0 (a group has at least one). */
  part: number;
  /** The entries in this part. */
  count: number;
  /** JSON array of the part's entries, in report order. */
  entries: string;
}

/** A run's probable matches (ProbableMatch), so a later run whose inputs are the same takes them instead of matching again. */
export interface RunProbableMatchesTable {
  run_id: string;
  /** Which slice of the run's matches the row holds, from 0 (a run that found none keeps one empty part). */
  part: number;
  count: number;
  /** JSON array of the part's matches, in report order. */
  entries: string;
}

/** The latest snapshot of each source, for incremental mode; the keys live in a side file. */
export interface SourceSnapshotsTable {
  system: string;
  run_id: string;
  /** The source CSV the snapshot was read from. */
  file: string;
  fingerprint: string;
  key_count: number;
  /** The snapshot file, relative to the database's folder. */
  snapshot_file: string;
}

export interface KeySyncTables {
  runs: RunsTable;
  master_keys: MasterKeysTable;
  audit_log: AuditLogTable;
  run_discrepancies: RunDiscrepanciesTable;
  run_probable_matches: RunProbableMatchesTable;
  source_snapshots: SourceSnapshotsTable;
  rejected_matches: RejectedMatchesTable;
}
