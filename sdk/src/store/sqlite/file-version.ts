/**
 * One state of a SQLite registry file, for the workspace's registry watch (registry-watch.ts):
 * its size and modification time to the nanosecond. KeySync's databases use a rollback
 * journal, so every commit writes the file itself; `none` while there is no file.
 */
import { statSync } from 'node:fs';

export function sqliteFileVersion(file: string): string {
  const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeNs}` : 'none';
}
