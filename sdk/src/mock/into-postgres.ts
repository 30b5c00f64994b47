/**
 * Mock data as PostgreSQL tables (docs/database-sources.md): the rows generateMockData wrote for
 * each system, as one table per system in the schema `keysync_mock`, with a config that reads
 * them. The same files, so a run on the tables and a run on the CSVs see the same keys.
 *
 * Like mock files (docs/decisions.md §6), it replaces only what it made itself: it creates the
 * schema and marks it with a comment, and refuses a `keysync_mock` schema without that mark.
 * pg is loaded on first use, as the source types do.
 */
import { readFileSync } from 'node:fs';
import { KeySyncError } from '../errors.js';

export const MOCK_SCHEMA = 'keysync_mock';
const MARK = 'KeySync mock data: keysync --generate-data replaces this schema';
/** Rows per INSERT … SELECT FROM unnest(…): one array parameter per column, so no parameter cap applies. */
const ROWS_PER_INSERT = 50_000;

export interface MockTableInput {
  readonly system: string;
  /** A CSV generateMockData wrote: header `<key column>,last_seen_at,system,status`. */
  readonly file: string;
}

export interface MockTablesResult {
  readonly tables: readonly { readonly system: string; readonly table: string; readonly rows: number }[];
  /** The `sources:` section of a config that reads the tables (the URL without its password). */
  readonly sourcesYaml: string;
}

/**
 * Writes each file as table `keysync_mock."<system>"`: `line` (the CSV line number, the primary
 * key, so a locator names the same line as the CSV would), the key column, last_seen_at, system,
 * status, all text. A CSV row with more fields than the header keeps the first four (a table has
 * no ragged rows).
 */
export async function writeMockTablesToPostgres(url: string, inputs: readonly MockTableInput[]): Promise<MockTablesResult> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'keysync-mock' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN');
    const mark = await client.query<{ mark: string | null }>(
      `SELECT obj_description(oid, 'pg_namespace') AS mark FROM pg_namespace WHERE nspname = $1`,
      [MOCK_SCHEMA],
    );
    if (mark.rows.length && mark.rows[0]!.mark !== MARK) {
      throw new KeySyncError('MOCK_DATA_WOULD_OVERWRITE', 'usage', `The database already has a schema ${MOCK_SCHEMA} that KeySync did not create. Nothing was written.`, {
        remedy: `drop or rename that schema, or write the mock data into another database`,
      });
    }
    await client.query(`DROP SCHEMA IF EXISTS ${MOCK_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${MOCK_SCHEMA}`);
    await client.query(`COMMENT ON SCHEMA ${MOCK_SCHEMA} IS ${pg.escapeLiteral(MARK)}`);
    const tables = [];
    for (const { system, file } of inputs) {
      const [header = '', ...lines] = readFileSync(file, 'utf8').split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
      const columns = header.split(',');
      const table = `${MOCK_SCHEMA}.${pg.escapeIdentifier(system)}`;
      await client.query(`CREATE TABLE ${table} (line integer PRIMARY KEY, ${columns.map((column) => `${pg.escapeIdentifier(column)} text`).join(', ')})`);
      for (let start = 0; start < lines.length; start += ROWS_PER_INSERT) {
        const batch = lines.slice(start, start + ROWS_PER_INSERT);
        const arrays: string[][] = columns.map(() => []);
        const lineNumbers: number[] = [];
        batch.forEach((line, i) => {
          lineNumbers.push(start + i + 2);
          const fields = line.split(',');
          columns.forEach((_, c) => arrays[c]!.push(fields[c] ?? ''));
        });
        await client.query(
          `INSERT INTO ${table} SELECT * FROM unnest($1::int[], ${columns.map((_, c) => `$${c + 2}::text[]`).join(', ')})`,
          [lineNumbers, ...arrays],
        );
      }
      tables.push({ system, table: `${MOCK_SCHEMA}.${system}`, rows: lines.length, keyColumn: columns[0]! });
    }
    await client.query('COMMIT');
    return { tables: tables.map(({ system, table, rows }) => ({ system, table, rows })), sourcesYaml: sourcesYaml(url, tables) };
  } catch (error) {
    if (error instanceof KeySyncError) throw error;
    throw new KeySyncError('WRITE_FAILED', 'io', `Writing mock data into PostgreSQL failed: ${(error as Error).message}`, {
      remedy: 'check the URL and that its user may create a schema in that database',
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function sourcesYaml(url: string, tables: readonly { system: string; keyColumn: string }[]): string {
  const withoutPassword = new URL(url);
  withoutPassword.password = '';
  const lines = ['sources:'];
  for (const { system, keyColumn } of tables) {
    lines.push(`  ${system}:`, '    type: postgres', `    url: ${JSON.stringify(withoutPassword.href)}`, `    table: ${JSON.stringify(`${MOCK_SCHEMA}.${system}`)}`, `    key_column: ${JSON.stringify(keyColumn)}`);
  }
  return `${lines.join('\n')}\n`;
}
