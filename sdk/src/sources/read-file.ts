/**
 * Opening a source file (CSV, SQLite, Parquet) the same careful way for every file type, with
 * the same messages: missing, a folder, a special file, unreadable, or unavailable for now.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { KeySyncError } from '../errors.js';
import { SOURCE_UNAVAILABLE, TRANSIENT_ERRNO_CODES } from './transient-errors.js';

/**
 * Only a regular file is read: a FIFO would block the run until some writer appears, a
 * device such as /dev/zero never ends. It is checked on the path (opening a FIFO waits for
 * a writer) and again on the opened handle, which O_NONBLOCK keeps from waiting should the
 * path have been swapped for a FIFO in between.
 */
export async function withRegularFile<T>(file: string, noun: string, use: (handle: FileHandle, stats: Stats) => Promise<T>): Promise<T> {
  let handle: FileHandle | undefined;
  let stats: Stats;
  try {
    refuseUnlessRegularFile(await stat(file), file, noun);
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    stats = await handle.stat();
    refuseUnlessRegularFile(stats, file, noun);
  } catch (error) {
    await handle?.close();
    throw sourceFileError(error, file);
  }
  try {
    return await use(handle, stats);
  } catch (error) {
    throw sourceFileError(error, file);
  } finally {
    await handle.close();
  }
}

/** An operating-system error opening or reading a source file, as the KeySyncError it stands for. */
export function sourceFileError(error: unknown, file: string): unknown {
  if (error instanceof KeySyncError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new KeySyncError('SOURCE_MISSING', 'input', 'The source file does not exist.', {
      file,
      remedy: 'check the path in keysync-config.yaml (relative paths start at the config file\'s folder)',
    });
  }
  if (code !== undefined && TRANSIENT_ERRNO_CODES.has(code)) {
    return new KeySyncError(SOURCE_UNAVAILABLE, 'input', `The source file is unavailable for now (${code}).`, {
      file,
      cause: error,
      remedy: 'try again when the program holding it is done, or set error_handling.retry_attempts',
    });
  }
  if (code === undefined) return error;
  return new KeySyncError('SOURCE_UNREADABLE', 'input', `The source file cannot be read (${code}).`, {
    file,
    cause: error,
    remedy: code === 'EACCES' ? 'give the user running KeySync read permission' : 'check the file and its path',
  });
}

/** Fails unless the path is a regular file (without opening it: a FIFO would block). */
export async function assertRegularFile(file: string, noun: string): Promise<void> {
  try {
    refuseUnlessRegularFile(await stat(file), file, noun);
  } catch (error) {
    throw sourceFileError(error, file);
  }
}

function refuseUnlessRegularFile(stats: Stats, file: string, noun: string): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) {
    throw new KeySyncError('SOURCE_NOT_A_FILE', 'input', `The source path is a folder, not a ${noun}.`, {
      file,
      remedy: `point the source path at the ${noun}`,
    });
  }
  const what = stats.isFIFO()
    ? 'a named pipe (FIFO), which would hold the run until something writes to it'
    : stats.isCharacterDevice()
      ? 'a character device, which may never end (like /dev/zero)'
      : stats.isBlockDevice()
        ? 'a block device'
        : stats.isSocket()
          ? 'a socket'
          : 'not a regular file';
  throw new KeySyncError('SOURCE_NOT_A_FILE', 'input', `The source path is ${what}; only regular files are read.`, {
    file,
    remedy: 'write the export to a regular file and point the source path at it',
  });
}
