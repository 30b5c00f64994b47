/**
 * The config fields of the database source types, `postgres` and `mysql` (docs/database-sources.md):
 * each is one member of the union on `type` under `sources.<S>`. The types themselves live in
 * `sources/postgres/` and `sources/mysql/`.
 */
import { z } from 'zod';
import { sourceTypeLiteral } from './case-insensitive-enum.js';

const nonBlank = (what: string) => z.string().regex(/\S/, `must name ${what}`);

/** `${VAR}` may stand for the whole URL, so only a literal URL is checked for its scheme. */
function databaseUrl(schemes: readonly string[], example: string) {
  const pattern = new RegExp(`^(?:\\$\\{|(?:${schemes.join('|')})://)`);
  return z
    .string()
    .regex(pattern, `must be a URL starting with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}, such as ${example}`)
    .describe(`Connection URL (${example}). \${VAR} expands from the environment; the password may also come from elsewhere (docs/database-sources.md).`);
}

function databaseSourceSchema<const T extends string>(type: T, url: z.ZodType<string>, quote: string) {
  return z
    .strictObject({
      type: sourceTypeLiteral(type),
      url,
      table: nonBlank('a table')
        .optional()
        .describe(`Table to read, optionally qualified (schema.table); names are taken exactly as written. Quote a name holding a dot with ${quote}.`),
      query: nonBlank('a query').optional().describe('One SELECT whose rows are the source (instead of table); anything else is refused before it runs.'),
      key_column: nonBlank('a column')
        .default('key')
        .describe('Column (of the table or the query) that holds the key, matched exactly apart from spaces around it; a non-text column is read as the text the database prints.'),
      connect_timeout_s: z.number().positive().max(3600).default(10).describe('Seconds to wait for the server to accept the connection.'),
      statement_timeout_s: z
        .number()
        .min(0)
        .max(86_400)
        .optional()
        .describe("Seconds a statement may run before the server stops it; 0 for no limit; absent: the server's own setting."),
      fingerprint_query: nonBlank('a query')
        .optional()
        .describe('A SELECT whose result changes whenever the data does (select count(*), max(updated_at) from …); without it the source is read again on every run.'),
    })
    .refine((source) => (source.table === undefined) !== (source.query === undefined), {
      message: 'give either table or query, not both and not neither',
      path: ['table'],
    })
    // The refinement is invisible to JSON Schema; editors learn the rule from this.
    .meta({ oneOf: [{ required: ['table'] }, { required: ['query'] }] });
}

export const postgresSourceSchema = databaseSourceSchema(
  'postgres',
  databaseUrl(['postgres', 'postgresql'], 'postgres://app@db.example.com:5432/shop?sslmode=require'),
  '"',
).describe('A PostgreSQL table or query.');

export const mysqlSourceSchema = databaseSourceSchema(
  'mysql',
  databaseUrl(['mysql', 'mariadb'], 'mysql://app@db.example.com:3306/shop'),
  '`',
).describe('A MySQL or MariaDB table or query.');

export type PostgresSourceConfig = z.output<typeof postgresSourceSchema>;
export type MysqlSourceConfig = z.output<typeof mysqlSourceSchema>;
/** The fields both database types share. */
export type DatabaseSourceConfig = PostgresSourceConfig | MysqlSourceConfig;
