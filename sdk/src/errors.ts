/**
 * Every failure KeySync expects is a KeySyncError: a stable `code` that scripts can
 * switch on, a one-line message, where it happened (file and line when known) and what
 * to do about it. The CLI maps the kind to an exit code; the extension to a notification.
 */
export type ErrorKind = 'config' | 'usage' | 'input' | 'database' | 'io' | 'state' | 'cancelled';

export interface ErrorDetails {
  readonly file?: string;
  readonly line?: number;
  readonly remedy?: string;
  readonly cause?: unknown;
}

export class KeySyncError extends Error {
  override readonly name = 'KeySyncError';
  readonly file?: string;
  readonly line?: number;
  readonly remedy?: string;

  constructor(
    readonly code: string,
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

export function isKeySyncError(error: unknown): error is KeySyncError {
  return error instanceof KeySyncError;
}

export function cancelledError(): KeySyncError {
  return new KeySyncError('RUN_CANCELLED', 'cancelled', 'The run was cancelled.');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
