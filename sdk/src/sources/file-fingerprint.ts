/**
 * The fingerprint of a file source (CSV, SQLite, Parquet): size, modification time and inode,
 * as make and rsync judge a file unchanged (docs/behaviour.md §6). Undefined when the file
 * cannot be stat'ed or is not a regular file: the source is then read.
 */
import { stat } from 'node:fs/promises';

export async function statFingerprint(file: string): Promise<string | undefined> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) return undefined;
    return JSON.stringify({ size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino });
  } catch {
    return undefined;
  }
}
