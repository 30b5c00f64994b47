/**
 * The keys of the earlier Python tool, KeySync Mini, that KeySync does not use as that tool
 * did. A user who switches keeps their config file: each of these is accepted with one
 * warning saying what becomes of it, instead of failing as an unknown key. Keys honoured
 * here are ordinary schema keys (schema.ts validates them); ignored keys are dropped before
 * validation, whatever their value.
 */

export type LegacyTreatment = 'ignored' | 'honoured';

export interface LegacyKey {
  /** Where the key sits: a top-level key or section, or `section.key`. */
  readonly path: readonly [string] | readonly [string, string];
  readonly treatment: LegacyTreatment;
  /** What KeySync does instead (ignored) or with it (honoured), for the warning. */
  readonly effect: string;
}

export const LEGACY_KEYS: readonly LegacyKey[] = [
  { path: ['schedule'], treatment: 'ignored', effect: 'KeySync runs when it is started; schedule `keysync` with cron, a CI job or a systemd timer' },
  { path: ['sandbox'], treatment: 'ignored', effect: 'there is no sandbox mode; use --dry-run, or a copy of the workspace' },
  { path: ['simulation', 'temporal'], treatment: 'ignored', effect: 'mock data has no time series; the scenarios (--scenario) set the shares' },
  { path: ['simulation', 'failures'], treatment: 'ignored', effect: 'mock-data faults are chosen with --inject-failures' },
  { path: ['processing', 'checkpoint_interval'], treatment: 'ignored', effect: 'a run commits in one transaction; --resume runs an interrupted run again from the start, under its id' },
  { path: ['processing', 'batch_size'], treatment: 'ignored', effect: 'each source is read whole and written to the database in bulk statements' },
  { path: ['output', 'format'], treatment: 'ignored', effect: 'reports are always CSV' },
  { path: ['output', 'include_timestamps'], treatment: 'ignored', effect: 'every report row carries its ISO 8601 UTC timestamp' },
  { path: ['database', 'backup_enabled'], treatment: 'honoured', effect: 'each run (not a dry run) first copies the database to <database>.backup-1' },
  { path: ['database', 'backup_count'], treatment: 'honoured', effect: 'that many backups are kept, <database>.backup-1 (newest) to <database>.backup-N' },
  { path: ['logging', 'max_size_mb'], treatment: 'ignored', effect: 'the log file is appended to and never rotated; rotate it with logrotate' },
  { path: ['logging', 'backup_count'], treatment: 'ignored', effect: 'the log file is never rotated, so there are no log backups' },
  { path: ['error_handling', 'retry_attempts'], treatment: 'honoured', effect: 'a source that fails to open or read with a transient error (EBUSY, EAGAIN, EMFILE, ENFILE, ETIMEDOUT, EIO) is read again up to that many times' },
  { path: ['error_handling', 'retry_delay_seconds'], treatment: 'honoured', effect: 'the wait before each such retry' },
];

/** The earlier tool's name, as warnings give it. */
export const LEGACY_TOOL = 'KeySync Mini';
