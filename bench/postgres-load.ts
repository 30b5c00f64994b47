/**
 * bench/postgres.ts's table loading: the tables writeSystemsToPostgres (`--generate-data --into`)
 * makes, filled by a server-side COPY of load files written from the generated CSVs (see there).
 */
import { chmodSync, createReadStream, createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { MOCK_SCHEMA, writeSystemsToPostgres } from '../sdk/src/mock/postgres-output.js';
import { fieldsOf } from '../sdk/src/mock/table-fields.js';

/**
 * The data lines of a CSV as `readFileSync(file, 'utf8').trimEnd().split('\n').slice(1)` gives them
 * (what writeSystemsToPostgres is handed), read in chunks: a 10M-key file is longer than a string may be.
 */
export async function* dataLines(file: string): AsyncGenerator<string> {
  let rest = '';
  let header = true;
  // The last line that is not blank and the blank ones after it: the file's end trims them.
  let held: string[] = [];
  const take = function* (line: string) {
    if (header) {
      header = false;
      return;
    }
    if (line.trimEnd() === '') {
      held.push(line);
      return;
    }
    yield* held;
    held = [line];
  };
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) yield* take(line);
  }
  yield* take(rest);
  if (held.length && !header) yield held[0]!.trimEnd();
}

const SIMPLE = /^[^",\\\r]*,[^",\\\r]*,[^",\\\r]*,[^",\\\r]*$/;
const quoted = (field: string | null) => (field === null ? '\\N' : `"${field.replace(/"/g, '""')}"`);

/** Writes a table's load file (id, then the four fields) and returns its row count. */
async function writeLoadFile(csv: string, target: string): Promise<number> {
  const out = createWriteStream(target, { encoding: 'utf8', mode: 0o644 });
  let id = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (!out.write(batch.join(''))) await once(out, 'drain');
    batch = [];
  };
  for await (const line of dataLines(csv)) {
    id++;
    // A line of four plain fields reads the same in COPY's CSV as in fieldsOf (an empty field is '' for both, as NULL is \N).
    batch.push(SIMPLE.test(line) ? `${id},${line}\n` : `${id},${fieldsOf(line).map(quoted).join(',')}\n`);
    if (batch.length === 10_000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  chmodSync(target, 0o644);
  return id;
}

/** The tables writeSystemsToPostgres makes, filled by a server-side COPY of load files written from the CSVs. */
export async function copySystemsToPostgres(url: string, dir: string, files: readonly { system: string; file: string }[]): Promise<number> {
  await writeSystemsToPostgres(url, files.map(({ system }) => ({ table: system, lines: [] })));
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'keysync-bench-load' });
  await client.connect();
  let rows = 0;
  try {
    for (const { system, file } of files) {
      const loadFile = path.join(dir, `${system}.load.csv`);
      const lines = await writeLoadFile(file, loadFile);
      const copied = await client.query(`COPY ${MOCK_SCHEMA}.${pg.escapeIdentifier(system)} FROM ${pg.escapeLiteral(loadFile)} (FORMAT csv, NULL '\\N')`);
      if (copied.rowCount !== lines) throw new Error(`COPY loaded ${copied.rowCount} rows of ${lines} into ${system}`);
      rmSync(loadFile);
      rows += lines;
    }
    await client.query(`ANALYZE`);
  } finally {
    await client.end();
  }
  return rows;
}

