/**
 * Errors from opening or reading a source that may pass on their own — a file locked by the
 * program writing it, too many open files, a network share that timed out — and so are worth
 * retrying (`error_handling.retry_attempts`). A missing file or a bad row is not: reading
 * again gives the same answer.
 */
import { isKeySyncError } from '../errors.js';

export const TRANSIENT_ERRNO_CODES: ReadonlySet<string> = new Set(['EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EIO']);

/** The code a source gets when it failed with one of those errors. */
export const SOURCE_UNAVAILABLE = 'SOURCE_UNAVAILABLE';

/**
 * A file unavailable for now; a database server that could not be reached or dropped the
 * connection mid-read (a restart, a failover). A refused password or a missing table is not.
 */
const TRANSIENT_SOURCE_CODES: ReadonlySet<string> = new Set([SOURCE_UNAVAILABLE, 'SOURCE_UNREACHABLE', 'SOURCE_CONNECTION_LOST']);

export function isTransientSourceError(error: unknown): boolean {
  return isKeySyncError(error) && TRANSIENT_SOURCE_CODES.has(error.code);
}
