/**
 * Every failure KeySync expects is a KeySyncError: a stable `code` that scripts can
 * switch on, a one-line message, where it happened (file and line when known) and what
 * to do about it. The CLI maps the kind to an exit code; the extension to a notification.
 */
export type ErrorKind = 'config' | 'usage' | 'input' | 'database' | 'io' | 'state' | 'cancelled';

/**
 * Every code a KeySyncError can carry: the stable names scripts and the extension switch on.
 * A new failure gets a new code here, so the list stays the one place to look them up.
 */
export const ERROR_CODES = [
  // The config file
  'CONFIG_INVALID', 'CONFIG_LOG_NOT_A_FILE', 'CONFIG_NOT_A_FILE', 'CONFIG_NOT_A_MAPPING', 'CONFIG_PATHS_OVERLAP', 'CONFIG_YAML_ALIASES', 'CONFIG_YAML_SYNTAX',
  // How the SDK or the CLI was called
  'USAGE', 'INVALID_NUMBER', 'UNKNOWN_DRIVER', 'ACTOR_REQUIRED', 'ACTOR_INVALID', 'REASON_REQUIRED', 'RESUME_MODE_MISMATCH',
  'NOTHING_TO_RESUME', 'UNLOCK_NOT_CONFIRMED', 'MOCK_OPTIONS', 'MOCK_DATA_WOULD_OVERWRITE',
  // A source that cannot be used (on_missing_file applies) or one bad row (on_corrupt_data)
  'SOURCE_MISSING', 'SOURCE_NOT_A_FILE', 'SOURCE_UNREADABLE', 'SOURCE_EMPTY', 'SOURCE_ENCODING', 'SOURCE_NO_KEY_COLUMN',
  'SOURCE_DUPLICATE_KEY_COLUMN', 'SOURCE_UNAVAILABLE', 'SOURCE_BAD_ROW',
  // Non-CSV sources: a file of the wrong format, a missing table, a refused query, a column of the wrong type
  'SOURCE_NOT_SQLITE', 'SOURCE_NOT_PARQUET', 'SOURCE_NO_TABLE', 'SOURCE_QUERY_REFUSED', 'SOURCE_QUERY_FAILED', 'SOURCE_KEY_COLUMN_TYPE', 'AUTHORITY_EMPTY', 'WORKER_FAILED',
  // A database source (docs/database-sources.md): a missing database is SOURCE_MISSING, a missing key column SOURCE_NO_KEY_COLUMN
  'SOURCE_UNREACHABLE', 'SOURCE_TLS', 'SOURCE_AUTH', 'SOURCE_PERMISSION', 'SOURCE_TIMEOUT', 'SOURCE_CONNECTION_LOST',
  // Reconciling inside an engine (docs/decisions.md §20): its package missing, a rule or an input it refuses
  'ENGINE_UNAVAILABLE', 'ENGINE_REFUSED',
  // The database
  'DATABASE_BUSY', 'DATABASE_CORRUPT', 'DATABASE_FOREIGN', 'DATABASE_FULL', 'DATABASE_IO', 'DATABASE_LOCKED', 'DATABASE_MIGRATION',
  'DATABASE_NEEDS_RECOVERY', 'DATABASE_NEWER', 'DATABASE_NOT_A_FILE', 'DATABASE_NOT_SQLITE', 'DATABASE_OPEN_FAILED', 'DATABASE_OUTDATED',
  'DATABASE_READ_ONLY_FILE', 'DATABASE_UNREADABLE', 'DATABASE_UNUSABLE', 'DRY_RUN_CANNOT_WRITE', 'BACKUP_NOT_OURS',
  // A registry in PostgreSQL (docs/behaviour.md §7), and moving a registry (`keysync db copy`)
  'CONFIG_UNDEFINED_VARIABLE', 'DATABASE_URL_INVALID', 'DATABASE_UNREACHABLE', 'DATABASE_AUTH', 'DATABASE_PERMISSION_DENIED', 'DB_COPY_TARGET_NOT_EMPTY', 'DB_COPY_MISMATCH',
  // Files KeySync writes
  'OUTPUT_UNUSABLE', 'REPORT_EXISTS', 'REPORT_STAMP_TAKEN', 'WRITE_FAILED',
  // The state of the registry, a run or the workspace
  'MASTER_KEY_NOT_FOUND', 'ILLEGAL_TRANSITION', 'LINK_TARGET_INVALID', 'DECISION_CONFLICT', 'UNDO_NOT_ALLOWED', 'RENORMALIZE_COLLISION', 'LOCK_HOLDER_ALIVE', 'WORKSPACE_CLOSED', 'RUN_CANCELLED',
] as const;

/** A stable error code: one of {@link ERROR_CODES}. Match on it, not on the message. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where an error is and how to fix it. */
export interface ErrorDetails {
  /** A file, or a source's location. */
  readonly file?: string;
  /** A line, or a row's locator in a non-CSV source. */
  readonly line?: number | string;
  readonly remedy?: string;
  readonly cause?: unknown;
}

/**
 * Every error the SDK raises on purpose: a stable `code`, a `kind` (`config`, `usage`,
 * `input`, `database`, `state`, `cancelled`), and where known the `file`, `line` and `remedy`.
 *
 * @example
 * ```ts
 * try {
 *   await ws.registry.approve('CUST-1', { actor: 'ana' });
 * } catch (error) {
 *   if (isKeySyncError(error) && error.code === 'ILLEGAL_TRANSITION') console.error(error.describe());
 *   else throw error;
 * }
 * ```
 */
export class KeySyncError extends Error {
  override readonly name = 'KeySyncError';
  readonly file?: string;
  readonly line?: number | string;
  readonly remedy?: string;

  constructor(
    readonly code: ErrorCode,
    readonly kind: ErrorKind,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.file = details.file;
    this.line = details.line;
    this.remedy = details.remedy;
  }

  /** `file:line: message — remedy`, the form both the CLI and the log print. */
  describe(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}${this.remedy ? ` — ${this.remedy}` : ''}`;
  }
}

/** Whether an error is a {@link KeySyncError} (narrows the type). */
export function isKeySyncError(error: unknown): error is KeySyncError {
  return error instanceof KeySyncError;
}

export function cancelledError(): KeySyncError {
  return new KeySyncError('RUN_CANCELLED', 'cancelled', 'The run was cancelled.');
}

/** A KeySyncError given as the abort's reason (a lost run lock, say) is thrown as it is; any other abort is a cancellation. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw isKeySyncError(signal.reason) ? signal.reason : cancelledError();
}
