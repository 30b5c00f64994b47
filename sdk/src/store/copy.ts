/**
 * Moving a registry between stores (`keysync db copy`, docs/behaviour.md §7): every table,
 * read in key order and written in one transaction of the target's exclusive session, so a
 * copy lands whole or not at all and planned ids keep their numbers. Checked afterwards by
 * row count and a checksum per table, computed the same way on both sides.
 */
import { createHash } from 'node:crypto';
import { KeySyncError } from '../errors.js';
import type { Db } from './backend.js';
import { insertInChunks } from './batch.js';
import type { Store } from './store.js';
import type { KeySyncTables } from './tables.js';

type TableName = keyof KeySyncTables & string;

/**
 * Each table's key, in the order a copy writes them (a discrepancy row needs its run). Keyed by
 * every table the schema has, so that a table added to it cannot be left out of a copy and its check.
 */
const TABLE_KEYS: { readonly [Name in TableName]: readonly string[] } = {
  runs: ['id'],
  master_keys: ['id'],
  audit_log: ['id'],
  run_discrepancies: ['run_id', 'kind', 'system', 'part'],
  run_probable_matches: ['run_id', 'part'],
  source_snapshots: ['system'],
  rejected_matches: ['normalized_key', 'authority_key'],
};

const TABLES = (Object.keys(TABLE_KEYS) as TableName[]).map((name) => ({ name, key: TABLE_KEYS[name] }));

const PAGE = 5_000;

type Row = Record<string, unknown>;

/** One table as a copy verified it: its rows and a checksum of their content. */
export interface TableCheck {
  readonly table: string;
  readonly rows: number;
  /** Order-independent: the sum of each row's SHA-256 (first 8 bytes), as 16 hex digits. */
  readonly checksum: string;
}

/** How far a copy is: rows of `table` done out of `total`. */
export interface CopyProgress {
  readonly table: string;
  readonly done: number;
  readonly total: number;
}

/** Row counts of every table. */
export async function countRows(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of TABLES) {
    const row = await db.selectFrom(name).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    counts[name] = Number(row?.n ?? 0);
  }
  return counts;
}

/**
 * Copies every table of `from` into `to`. A target holding anything is refused unless
 * `replace`, which empties it in the same transaction as the copy.
 */
export async function copyTables(from: Store, to: Store, options: { readonly replace: boolean; readonly onProgress?: (progress: CopyProgress) => void }): Promise<void> {
  // The source is held too, so no run or decision changes it halfway through the copy.
  await from.exclusive('copy this registry elsewhere', async (source) => {
    const totals = await countRows(source.db);
    await copyInto(source.db, to, totals, options);
  });
}

async function copyInto(source: Db, to: Store, totals: Record<string, number>, options: { readonly replace: boolean; readonly onProgress?: (progress: CopyProgress) => void }): Promise<void> {
  await to.exclusive('copy a registry into it', async (session) => {
    const present = await countRows(session.db);
    const held = Object.entries(present).filter(([, n]) => n > 0);
    if (held.length > 0 && !options.replace) {
      throw new KeySyncError('DB_COPY_TARGET_NOT_EMPTY', 'state', `The target is not empty (${held.map(([table, n]) => `${table}: ${n.toLocaleString('en-US')}`).join(', ')}); nothing was copied.`, {
        file: to.location,
        remedy: 'copy into a new file or schema, or pass --force to replace what it holds',
      });
    }
    await session.transaction(async (tx) => {
      for (const { name } of [...TABLES].reverse()) await tx.deleteFrom(name).execute();
      for (const table of TABLES) {
        let done = 0;
        options.onProgress?.({ table: table.name, done, total: totals[table.name]! });
        for await (const rows of pages(source, table)) {
          await insertInChunks(tx, table.name, rows);
          done += rows.length;
          options.onProgress?.({ table: table.name, done, total: totals[table.name]! });
        }
      }
    });
  });
}

/** Each table's row count and checksum. */
export async function checkTables(db: Db): Promise<TableCheck[]> {
  const checks: TableCheck[] = [];
  for (const table of TABLES) {
    let sum = 0n;
    let rows = 0;
    for await (const page of pages(db, table)) {
      for (const row of page) sum = (sum + rowHash(row)) & 0xffffffffffffffffn;
      rows += page.length;
    }
    checks.push({ table: table.name, rows, checksum: sum.toString(16).padStart(16, '0') });
  }
  return checks;
}

/** A table in pages, in key order: by id after the last one seen, or by offset for the small tables with composite keys. */
async function* pages(db: Db, table: (typeof TABLES)[number]): AsyncGenerator<Row[]> {
  const [first] = table.key;
  const byId = table.key.length === 1 && first === 'id';
  let after: unknown;
  for (let offset = 0; ; offset += PAGE) {
    let query = db.selectFrom(table.name).selectAll();
    for (const column of table.key) query = query.orderBy(column as never);
    if (byId && after !== undefined) query = query.where('id' as never, '>', after as never);
    const rows = (await query.limit(PAGE).offset(byId ? 0 : offset).execute()) as Row[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1]![first!];
    yield rows;
    if (rows.length < PAGE) return;
  }
}

/** A row's hash over its columns in name order, numbers as numbers, so both backends agree. */
function rowHash(row: Row): bigint {
  const canonical = Object.keys(row)
    .sort()
    .map((column) => [column, typeof row[column] === 'bigint' ? Number(row[column]) : row[column]]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest().readBigUInt64BE(0);
}
