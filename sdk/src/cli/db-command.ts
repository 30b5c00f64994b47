/**
 * `keysync db copy --from <sqlite path | url> --to <sqlite path | url> [--force]`: moves a
 * registry between a SQLite file and PostgreSQL (docs/behaviour.md §7, §9). Progress goes to
 * stderr, one line per table (and every 10% on a terminal); the verified tables to stdout.
 */
import { copyDatabase, type CopyProgress } from '../database-copy.js';
import { formatCount } from '../core/format.js';
import type { CliIo } from './io.js';

export interface DbCopyOptions {
  readonly from: string;
  readonly to: string;
  readonly force?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

export async function dbCopyCommand(options: DbCopyOptions, io: CliIo): Promise<void> {
  const result = await copyDatabase({ from: options.from, to: options.to, force: options.force, onProgress: options.quiet ? undefined : progressLines(io) });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  io.stdout.write(`Copied ${result.from} → ${result.to}; verified:\n`);
  for (const check of result.tables) io.stdout.write(`  ${check.table.padEnd(18)} ${formatCount(check.rows).padStart(12)} rows  checksum ${check.checksum}\n`);
}

/** A line when a table starts and at each tenth of it. */
function progressLines(io: CliIo): (progress: CopyProgress) => void {
  let shown = '';
  return ({ table, done, total }) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    const mark = `${table} ${tenth}`;
    if (mark === shown || (done > 0 && done < total && io.stderr.isTTY !== true && tenth % 5 !== 0)) return;
    shown = mark;
    io.stderr.write(`[copy] ${table}: ${formatCount(done)} / ${formatCount(total)}\n`);
  };
}
