/**
 * Mock data as PostgreSQL tables (`--generate-data --into postgres://…`, docs/database-sources.md):
 * each system's generated CSV lines become rows of a table named after it in the schema
 * `keysync_mock`, in order, so a row's id is its line in the CSV the generator would have
 * written, less the header (as the SQLite mock does). Missing fields, and every field of a line
 * that is not valid CSV (the corrupt-rows injection), are NULL. All in one transaction: a reader
 * never sees half.
 *
 * Like mock files (docs/decisions.md §6), it replaces only what it made itself: it creates the
 * schema and marks it with a comment, and refuses a `keysync_mock` schema without that mark.
 * pg is loaded on first use, as the source types do.
 */
import { KeySyncError } from '../errors.js';
import { fieldsOf, MOCK_COLUMNS, type MockTable } from './table-fields.js';

export const MOCK_SCHEMA = 'keysync_mock';
const MARK = 'KeySync mock data: keysync --generate-data replaces this schema';
/** Rows per INSERT … SELECT FROM unnest(…): one array parameter per column, so no parameter cap applies. */
const ROWS_PER_INSERT = 50_000;

export async function writeSystemsToPostgres(url: string, tables: readonly MockTable[]): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'keysync-mock' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN');
    const mark = await client.query<{ mark: string | null }>(`SELECT obj_description(oid, 'pg_namespace') AS mark FROM pg_namespace WHERE nspname = $1`, [MOCK_SCHEMA]);
    if (mark.rows.length && mark.rows[0]!.mark !== MARK) {
      throw new KeySyncError('MOCK_DATA_WOULD_OVERWRITE', 'usage', `The database already has a schema ${MOCK_SCHEMA} that KeySync did not create. Nothing was written.`, {
        remedy: 'drop or rename that schema, or write the mock data into another database',
      });
    }
    await client.query(`DROP SCHEMA IF EXISTS ${MOCK_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${MOCK_SCHEMA}`);
    await client.query(`COMMENT ON SCHEMA ${MOCK_SCHEMA} IS ${pg.escapeLiteral(MARK)}`);
    for (const { table, lines } of tables) {
      const name = `${MOCK_SCHEMA}.${pg.escapeIdentifier(table)}`;
      await client.query(`CREATE TABLE ${name} (id integer PRIMARY KEY, ${MOCK_COLUMNS.map((column) => `${column} text`).join(', ')})`);
      for (let start = 0; start < lines.length; start += ROWS_PER_INSERT) {
        const batch = lines.slice(start, start + ROWS_PER_INSERT);
        const ids = batch.map((_, i) => start + i + 1);
        const columns: (string | null)[][] = MOCK_COLUMNS.map(() => []);
        for (const line of batch) fieldsOf(line).forEach((field, c) => columns[c]!.push(field));
        await client.query(`INSERT INTO ${name} SELECT * FROM unnest($1::int[], ${MOCK_COLUMNS.map((_, c) => `$${c + 2}::text[]`).join(', ')})`, [ids, ...columns]);
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    if (error instanceof KeySyncError) throw error;
    throw new KeySyncError('WRITE_FAILED', 'io', `Writing mock data into PostgreSQL failed: ${(error as Error).message}`, {
      remedy: 'check the URL and that its user may create a schema in that database',
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The `sources:` section of a config that reads the tables, with the URL's password left out. */
export function postgresMockSourcesYaml(url: string, systems: readonly string[]): string {
  const withoutPassword = new URL(url);
  withoutPassword.password = '';
  const lines = ['sources:'];
  for (const system of systems) {
    lines.push(`  ${system}:`, '    type: postgres', `    url: ${JSON.stringify(withoutPassword.href)}`, `    table: ${JSON.stringify(`${MOCK_SCHEMA}.${system}`)}`, '    key_column: key');
  }
  return `${lines.join('\n')}\n`;
}
