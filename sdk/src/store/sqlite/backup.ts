/**
 * `database.backup_enabled`: a copy of the database before each run, kept in a rotation of
 * `backup_count` files, `<database>.backup-1` the newest. The copy is SQLite's `VACUUM INTO`
 * (SQLite ≥ 3.27), which both drivers run: a consistent snapshot taken under the store's
 * lock, without a second connection or a driver-specific backup API.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { sql } from 'kysely';
import { KeySyncError } from '../../errors.js';
import { hasApplicationId } from './file-header.js';
import type { Store } from '../store.js';
import { APPLICATION_ID } from './sqlite-backend.js';

export const backupFile = (database: string, generation: number): string => `${database}.backup-${generation}`;

/**
 * Shifts `.backup-1` … `.backup-(count-1)` up one, dropping `.backup-<count>`, then writes
 * the new `.backup-1`. Only files that are KeySync databases are renamed or deleted: a user's
 * file under one of these names stops the backup, and the run, untouched.
 */
export async function backupDatabase(store: Store, database: string, count: number): Promise<string> {
  const generations = Array.from({ length: count }, (_, index) => backupFile(database, index + 1));
  const foreign = generations.find((file) => existsSync(file) && !hasApplicationId(file, APPLICATION_ID));
  if (foreign) {
    throw new KeySyncError('BACKUP_NOT_OURS', 'state', 'A file in the place of a database backup is not a KeySync database; it was left untouched and the run did not start.', {
      file: foreign,
      remedy: 'move that file elsewhere, or set database.backup_enabled: false',
    });
  }
  rmSync(generations[count - 1]!, { force: true });
  for (let generation = count - 1; generation >= 1; generation--) {
    const file = generations[generation - 1]!;
    if (existsSync(file)) renameSync(file, generations[generation]!);
  }
  const newest = generations[0]!;
  await store.read((db) => sql`vacuum into ${newest}`.execute(db));
  return newest;
}
