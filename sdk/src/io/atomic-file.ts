/**
 * Writes a file atomically: lines go to a temp file in the same folder, which is fsynced
 * and then linked to its final name. link(2) fails if the name exists, so a report never
 * replaces another run's; the reader sees the whole file or none of it. With `replace`
 * (mock inputs), rename(2) swaps the new file in instead.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KeySyncError } from '../errors.js';

const FLUSH_AT = 1 << 20;

export function writeFileAtomically(file: string, lines: Iterable<string>, options: { replace?: boolean } = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    let buffer = '';
    for (const line of lines) {
      buffer += line + '\n';
      if (buffer.length >= FLUSH_AT) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    writeSync(fd, buffer);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
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
