/**
 * `keysync db copy` as an SDK call (docs/behaviour.md §7): moves a registry — master keys,
 * audit log, run history, discrepancies, snapshot references — between a SQLite file and a
 * PostgreSQL schema, either way, then checks every table's row count and checksum on both
 * sides. Each end is a SQLite path or a `postgres://…` URL (`?schema=name`, default keysync).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KeySyncError } from './errors.js';
import { checkTables, copyTables, type CopyProgress, type TableCheck } from './store/copy.js';
import { nativeDriver } from './store/sqlite/drivers/native.js';
import { Store } from './store/store.js';

export type { CopyProgress, TableCheck };

/** What to copy where (`keysync db copy --from … --to … [--force]`). */
export interface CopyDatabaseOptions {
  /** A SQLite file, or `postgres://user@host:port/db?schema=keysync`. */
  readonly from: string;
  readonly to: string;
  /** Replace what the target holds; without it a non-empty target is refused. */
  readonly force?: boolean;
  readonly onProgress?: (progress: CopyProgress) => void;
  /** How long to wait for a run or a decision holding either registry. */
  readonly lockTimeoutMs?: number;
}

/** Where the copy went, and every table's rows and checksum as verified on both sides. */
export interface CopyDatabaseResult {
  /** Where each end is, for messages (never a password). */
  readonly from: string;
  readonly to: string;
  /** Every table's rows and checksum, equal on both sides. */
  readonly tables: readonly TableCheck[];
}

const isUrl = (end: string) => /^postgres(ql)?:\/\//.test(end);

/**
 * Copies a registry between a SQLite file and a PostgreSQL schema, either way, and verifies it.
 *
 * @example
 * ```ts
 * const { tables } = await copyDatabase({ from: 'data/keysync.db', to: 'postgres://app@db/keysync?schema=keysync' });
 * ```
 */
export async function copyDatabase(options: CopyDatabaseOptions): Promise<CopyDatabaseResult> {
  if (!isUrl(options.from) && !existsSync(options.from)) {
    throw new KeySyncError('DATABASE_UNREADABLE', 'usage', 'The registry to copy from does not exist.', { file: path.resolve(options.from), remedy: 'give the path of a KeySync database file, or a postgres:// URL' });
  }
  const from = await openEnd(options.from, true, options.lockTimeoutMs);
  try {
    const to = await openEnd(options.to, false, options.lockTimeoutMs);
    try {
      if (from.location === to.location) throw new KeySyncError('USAGE', 'usage', `--from and --to are the same registry (${to.location}).`, { remedy: 'copy to another file or schema' });
      await copyTables(from, to, { replace: options.force ?? false, onProgress: options.onProgress });
      const [copied, written] = [await from.read(checkTables), await to.read(checkTables)];
      const differing = written.filter((check, i) => check.rows !== copied[i]!.rows || check.checksum !== copied[i]!.checksum);
      if (differing.length > 0) {
        throw new KeySyncError('DB_COPY_MISMATCH', 'database', `The copy differs from its source in ${differing.map((check) => check.table).join(', ')}.`, {
          file: to.location,
          remedy: 'run the copy again with --force; if it differs again, report it',
        });
      }
      return { from: from.location, to: to.location, tables: written };
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

/** One end of a copy; the source is opened read-only, so copying never upgrades it. */
function openEnd(end: string, readonly: boolean, lockTimeoutMs: number | undefined): Promise<Store> {
  if (!isUrl(end)) return Store.open(path.resolve(end), { driver: nativeDriver, readonly, lockTimeoutMs });
  // Not new URL(): the text may still hold ${VAR}s, which the store expands.
  const schema = /[?&]schema=([^&#]+)/.exec(end)?.[1] ?? 'keysync';
  return Store.openPostgres({ url: end, schema, readonly, lockTimeoutMs });
}
