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

export interface AtomicWriteOptions {
  /** Replace an existing file instead of refusing to. */
  readonly replace?: boolean;
}

/** Text lines, each followed by `\n`. */
export function writeFileAtomically(file: string, lines: Iterable<string>, options: AtomicWriteOptions = {}): void {
  writeChunksAtomically(file, batchedLines(lines), options);
}

export function writeChunksAtomically(file: string, chunks: Iterable<string | Uint8Array>, options: AtomicWriteOptions = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    for (const chunk of chunks) {
      if (typeof chunk === 'string') writeSync(fd, chunk);
      else writeSync(fd, chunk);
    }
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

/** Joins lines into ~1 MB strings: one write per line would be slow, one string for all too big. */
function* batchedLines(lines: Iterable<string>): Iterable<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += line + '\n';
    if (buffer.length >= FLUSH_AT) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}
