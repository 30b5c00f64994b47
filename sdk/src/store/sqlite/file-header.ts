/**
 * Recognises a database file from its 100-byte SQLite header before any driver opens it:
 * opening runs pragmas that may write, and a foreign or newer file must stay untouched.
 * Offsets are from the SQLite file-format documentation.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { KeySyncError } from '../../errors.js';
import { assertNotNewer } from '../migrations.js';

const MAGIC = 'SQLite format 3\0';
const SCHEMA_COOKIE_OFFSET = 40;
const USER_VERSION_OFFSET = 60;
const APPLICATION_ID_OFFSET = 68;

export function checkDatabaseFile(file: string, applicationId: number): void {
  const header = readHeader(file);
  if (header === null) return;
  const remedy = 'point database.path at a KeySync database, or at a new file name';
  if (header.toString('latin1', 0, 16) !== MAGIC) {
    throw new KeySyncError('DATABASE_NOT_SQLITE', 'database', 'The database file is not a SQLite database; KeySync left it untouched.', { file, remedy });
  }
  const id = header.readUInt32BE(APPLICATION_ID_OFFSET);
  const hasSchema = header.readUInt32BE(SCHEMA_COOKIE_OFFSET) !== 0;
  if (id !== applicationId && (id !== 0 || hasSchema)) {
    throw new KeySyncError('DATABASE_FOREIGN', 'database', 'The database file belongs to another program; KeySync left it untouched.', { file, remedy });
  }
  assertNotNewer(header.readUInt32BE(USER_VERSION_OFFSET), { file, location: 'database' });
}

/** The header, or null for a file that does not exist yet or is empty (SQLite starts it). */
function readHeader(file: string): Buffer | null {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeySyncError('DATABASE_UNREADABLE', 'database', `The database file cannot be opened (${(error as NodeJS.ErrnoException).code}).`, {
      file,
      cause: error,
      remedy: 'check the file permissions',
    });
  }
  try {
    if (!fstatSync(fd).isFile()) {
      throw new KeySyncError('DATABASE_NOT_A_FILE', 'database', 'database.path names a folder or a special file, not a database file.', {
        file,
        remedy: 'point database.path at a file (it is created on first use), e.g. ./data/keysync.db',
      });
    }
    const header = Buffer.alloc(100);
    const read = readSync(fd, header, 0, 100, 0);
    if (read === 0) return null;
    return read === 100 ? header : Buffer.alloc(100, 0xff);
  } finally {
    closeSync(fd);
  }
}

/** Whether a file is a SQLite database stamped with this application id (one of KeySync's backups, say). */
export function hasApplicationId(file: string, applicationId: number): boolean {
  try {
    const header = readHeader(file);
    return header !== null && header.toString('latin1', 0, 16) === MAGIC && header.readUInt32BE(APPLICATION_ID_OFFSET) === applicationId;
  } catch {
    return false;
  }
}
