/**
 * PostgreSQL failures a user can act on, as KeySyncErrors naming the registry (never its
 * password), by SQLSTATE or, before a session exists, by the socket's errno. Serialization
 * failures and deadlocks get here only when the backend's retries ran out (postgres-backend.ts).
 */
import { KeySyncError, type ErrorCode } from '../../errors.js';

interface Known {
  readonly code: ErrorCode;
  readonly message: string;
  readonly remedy: string;
}

/** SQLSTATEs whose transaction may simply be run again. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function classify(error: unknown, who: string): Known | undefined {
  const state = sqlState(error);
  const errno = (error as { code?: unknown })?.code;
  const text = (error as Error)?.message ?? '';
  const lost = { code: 'DATABASE_UNREACHABLE', message: 'The connection to the PostgreSQL server was lost. Nothing of this change was saved.', remedy: 'check the server is up, then run again (a run continues with --resume)' } as const;
  if (state === '28P01' || state === '28000') {
    return { code: 'DATABASE_AUTH', message: `PostgreSQL refused the login of ${who}.`, remedy: 'check the user, and the password in PGPASSWORD, ~/.pgpass or the editor’s stored password' };
  }
  if (state === '42501') {
    return {
      code: 'DATABASE_PERMISSION_DENIED',
      message: `Permission denied: ${who} may not do this in the registry (${text}). Nothing was changed.`,
      remedy: 'a read-only role (keysync_viewer) can browse but not decide; ask the registry’s owner for the keysync_app role (README, "Team registry")',
    };
  }
  if (state !== undefined && RETRYABLE_SQLSTATES.has(state)) {
    // Only after the backend's retries (postgres-backend.ts) ran out.
    return { code: 'DATABASE_BUSY', message: 'Other transactions on the same entries kept aborting this one (serialization failures or deadlocks), however often it was retried. Nothing of this change was saved.', remedy: 'try again in a moment' };
  }
  if (state === '55P03') {
    return {
      code: 'DATABASE_BUSY',
      message: 'Another KeySync process — a run committing its changes to the same entries, or a registry copy — held them past database.busy_timeout_ms. Nothing of this change was saved.',
      remedy: 'try again when the run has finished, or raise database.busy_timeout_ms',
    };
  }
  if (state === '53100') return { code: 'DATABASE_FULL', message: 'The PostgreSQL server’s disk is full. Nothing of this change was saved.', remedy: 'free space on the server, then run again' };
  if (state === '3D000') return { code: 'DATABASE_OPEN_FAILED', message: `The database in database.url does not exist (${text}).`, remedy: 'create it (createdb) or correct database.url' };
  if (state?.startsWith('08') || state?.startsWith('57P')) return lost;
  if (errno === 'ECONNREFUSED' || errno === 'ENOTFOUND' || errno === 'EHOSTUNREACH' || errno === 'ETIMEDOUT' || /timeout expired/i.test(text)) {
    return { code: 'DATABASE_UNREACHABLE', message: `The PostgreSQL server cannot be reached (${typeof errno === 'string' && errno ? errno : 'timeout'}).`, remedy: 'check the host and port in database.url and that the server is running' };
  }
  if (errno === 'ECONNRESET' || errno === 'EPIPE' || /Connection terminated|connection is closed|Client has encountered a connection error/i.test(text)) return lost;
  return undefined;
}

export function translatePostgresError(error: unknown, location: string, user: string): unknown {
  if (error instanceof KeySyncError) return error;
  const known = classify(error, `role ${user}`);
  return known ? new KeySyncError(known.code, 'database', known.message, { file: location, remedy: known.remedy, cause: error }) : error;
}
