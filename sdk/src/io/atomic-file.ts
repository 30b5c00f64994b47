/**
 * Writes a file atomically: content goes to a temp file in the same folder, which is
 * fsynced and then linked to its final name. link(2) fails if the name exists, so a report
 * never replaces another run's; the reader sees the whole file or none of it. With
 * `replace` (mock inputs, snapshots), rename(2) swaps the new file in instead.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KeySyncError } from '../errors.js';

const FLUSH_AT = 1 << 20;
/** Characters of lines joined before they are encoded (encodedLines). */
const JOIN_AT = 4096;

export interface AtomicWriteOptions {
  /** Replace an existing file instead of refusing to. */
  readonly replace?: boolean;
}

/** Text lines, each followed by `\n`. */
export function writeFileAtomically(file: string, lines: Iterable<string>, options: AtomicWriteOptions = {}): void {
  writeChunksAtomically(file, encodedLines(lines), options);
}

export function writeChunksAtomically(file: string, chunks: Iterable<string | Uint8Array>, options: AtomicWriteOptions = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'w');
  } catch (error) {
    throw writeFailure(error, file);
  }
  try {
    for (const chunk of chunks) {
      if (typeof chunk === 'string') writeSync(fd, chunk);
      else writeSync(fd, chunk);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw writeFailure(error, file);
  }
  closeSync(fd);
  if (options.replace) {
    renameSync(temp, file);
    return;
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeySyncError('REPORT_EXISTS', 'state', 'A report with this name already exists; it was left untouched.', {
        file,
        cause: error,
      });
    }
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Lines as UTF-8, each followed by `\n`, in chunks of up to FLUSH_AT bytes encoded into one
 * buffer, each chunk written before the next is made (writeChunksAtomically). Lines are
 * joined into texts of about JOIN_AT characters before they are encoded: encoding each line on
 * its own was one call into Node's encoder per line, a quarter of the time a million-row
 * report took to write. Texts that small are made and dropped in V8's young generation;
 * joining lines into ~1 MB strings instead made a fresh 1 MB string to flatten and another
 * buffer to encode it into per chunk, which at 10M keys per system (650 MB of reports) cost
 * seconds of page faults alone; one string for all would be too big.
 */
function* encodedLines(lines: Iterable<string>): Iterable<Uint8Array> {
  const buffer = Buffer.allocUnsafe(FLUSH_AT);
  let used = 0;
  let joined = '';
  function* encodeJoined(): Iterable<Uint8Array> {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair 4 for two units).
    const room = joined.length * 3;
    if (used + room > buffer.length) {
      if (used > 0) yield buffer.subarray(0, used);
      used = 0;
      if (room > buffer.length) {
        yield Buffer.from(joined);
        joined = '';
        return;
      }
    }
    used += buffer.write(joined, used);
    joined = '';
  }
  for (const line of lines) {
    joined += `${line}\n`;
    if (joined.length >= JOIN_AT) yield* encodeJoined();
  }
  if (joined.length > 0) yield* encodeJoined();
  if (used > 0) yield buffer.subarray(0, used);
}

const WRITE_REMEDIES: Readonly<Record<string, string>> = {
  ENOSPC: 'free disk space (the file system is full), then run again',
  EDQUOT: 'free space within your disk quota, then run again',
  EFBIG: 'the file is larger than this system allows (check `ulimit -f`)',
  EROFS: 'the file system is read-only: choose a writable output.directory',
  EACCES: 'give the user running KeySync write permission, or choose another output.directory',
  EPERM: 'give the user running KeySync write permission, or choose another output.directory',
};

/** A failed write as a clear error naming the file, for the causes a user can act on. */
function writeFailure(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const remedy = code ? WRITE_REMEDIES[code] : undefined;
  if (!remedy) return error;
  return new KeySyncError('WRITE_FAILED', 'io', `Could not write the file: ${(error as Error).message.split(',')[0]}.`, { file, remedy, cause: error });
}
