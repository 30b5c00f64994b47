/**
 * SQLite failures a user can act on, as KeySyncErrors naming the database file. Both
 * drivers report them: better-sqlite3 with a SQLITE_* code, node-sqlite3-wasm with
 * SQLite's message only, so both are recognised.
 */
import { KeySyncError, type ErrorCode } from '../../errors.js';

interface Known {
  readonly code: ErrorCode;
  readonly match: RegExp;
  readonly message: string;
  readonly remedy: string;
}

const KNOWN: readonly Known[] = [
  {
    code: 'DATABASE_FULL',
    match: /SQLITE_FULL|database or disk is full/i,
    message: 'The disk is full: SQLite could not write the database. Nothing of this change was saved.',
    remedy: 'free disk space, then run again',
  },
  {
    code: 'DATABASE_LOCKED',
    match: /SQLITE_BUSY|SQLITE_LOCKED|database is locked|database table is locked/i,
    message: 'Another program holds a lock on the database file and kept it past the busy timeout. Nothing of this change was saved.',
    remedy: 'close the program using the database (a SQLite browser, say), or raise database.busy_timeout_ms',
  },
  {
    code: 'DATABASE_CORRUPT',
    match: /SQLITE_CORRUPT|SQLITE_NOTADB|database disk image is malformed|file is not a database/i,
    message: 'The database file is damaged.',
    remedy: 'restore it from a backup; `sqlite3 <file> ".recover"` can salvage what is left',
  },
  {
    code: 'DATABASE_READ_ONLY_FILE',
    match: /SQLITE_READONLY|attempt to write a readonly database/i,
    message: 'The database file cannot be written (read-only file or folder).',
    remedy: 'give the user running KeySync write permission to the file and its folder',
  },
  {
    code: 'DATABASE_IO',
    match: /SQLITE_IOERR|disk I\/O error/i,
    message: 'The disk reported an error while SQLite wrote the database. Nothing of this change was saved.',
    remedy: 'check the disk and free space, then run again',
  },
];

export function translateSqliteError(error: unknown, file: string): unknown {
  if (error instanceof KeySyncError) return error;
  const text = `${(error as { code?: string })?.code ?? ''} ${(error as Error)?.message ?? String(error)}`;
  const known = KNOWN.find((candidate) => candidate.match.test(text));
  return known ? new KeySyncError(known.code, 'database', known.message, { file, remedy: known.remedy, cause: error }) : error;
}
