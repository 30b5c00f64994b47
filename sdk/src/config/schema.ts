/**
 * The one definition of keysync-config.yaml (docs/behaviour.md §1): validation, defaults, the
 * TypeScript types and the published JSON Schema all come from here.
 */
import { z } from 'zod';
import { WHOLE_NUMBERS } from '../whole-numbers.js';
import { foldUnicodeForms } from '../core/normalize.js';
import { RUN_ENGINES, RUN_MODES } from '../core/types.js';
import { caseInsensitiveEnum, sourceTypeLiteral } from './case-insensitive-enum.js';
import { mysqlSourceSchema, postgresSourceSchema } from './database-sources.js';

/** The mock-data scenarios (their shares are in mock/scenarios.ts). */
export const SCENARIO_NAMES = ['normal', 'drift', 'failure', 'recovery'] as const;

const relativeOrAbsolutePath = z.string().min(1, 'must be a non-empty path');

export const SOURCE_ENCODINGS = ['utf-8', 'latin1', 'utf-16le'] as const;

const keyColumn = z
  .string()
  .regex(/\S/, 'must name a column (spaces around the name are ignored)')
  .default('key');

/**
 * A source's `type`: one lower-case literal per member (the union's discriminator), written in
 * any case in the config (the preprocess below lower-cases it); the JSON Schema offers the value
 * and a pattern accepting it in any case, as caseInsensitiveEnum does.
 */
const csvSourceSchema = z
  .strictObject({
    // The default type: a source without `type` is a CSV file, as before there were others.
    type: sourceTypeLiteral('csv').default('csv'),
    path: relativeOrAbsolutePath.describe('CSV file; relative paths resolve against the config file.'),
    key_column: keyColumn.describe('Header of the column that holds the key; spaces around it, here or in the header, do not count.'),
    delimiter: z
      .string()
      .length(1, 'must be exactly one character')
      // A quote starts a quoted field and CR or LF ends a record, so none can also separate
      // fields; half a surrogate pair is not a character at all.
      .regex(/^[^"\r\n\uD800-\uDFFF]*$/, 'must not be a double quote, CR or LF (they quote fields and end records)')
      .default(',')
      .describe('Field separator: one character other than a double quote, CR or LF.'),
    encoding: caseInsensitiveEnum(SOURCE_ENCODINGS, 'utf-8').describe('Text encoding of the file.'),
  })
  .describe('A CSV file (the default type).');

const sqliteSourceSchema = z
  .strictObject({
    type: sourceTypeLiteral('sqlite'),
    path: relativeOrAbsolutePath.describe('SQLite database file, opened read-only; relative paths resolve against the config file.'),
    table: z.string().min(1).optional().describe('Table (or view) to read; give this or query.'),
    query: z.string().min(1).optional().describe('One SELECT statement whose rows are read; give this or table.'),
    key_column: keyColumn.describe('Column that holds the key (of the table, or of the query\'s result).'),
  })
  .refine((source) => (source.table === undefined) !== (source.query === undefined), {
    message: 'give exactly one of table and query',
    path: ['table'],
  })
  .describe('A table or query in a SQLite file (docs/behaviour.md §2).');

const parquetSourceSchema = z
  .strictObject({
    type: sourceTypeLiteral('parquet'),
    path: relativeOrAbsolutePath.describe('Parquet file; relative paths resolve against the config file.'),
    key_column: keyColumn.describe('Column that holds the key (a top-level column of text or numbers).'),
  })
  .describe('A Parquet file (docs/behaviour.md §2).');

/**
 * Every source type's config, one member each: adding a type adds its member here (and its
 * folder under sdk/src/sources/).
 */
const SOURCE_MEMBERS = [csvSourceSchema, sqliteSourceSchema, parquetSourceSchema, postgresSourceSchema, mysqlSourceSchema] as const;

/**
 * `type` is lower-cased and defaults to csv before the union picks a member, so that
 * `type: CSV` and a source without `type` both read as CSV, as they did before the union.
 */
/**
 * A mapping's `type` lower-cased, or `fallback` when it has none, before a union on `type`
 * picks its member: `type: CSV` and a mapping without `type` read as they did before the union.
 */
function withType(fallback: string) {
  return (value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const { type } = value as { type?: unknown };
    return { ...value, type: typeof type === 'string' ? type.toLowerCase() : (type ?? fallback) };
  };
}

const sourceSchema = z
  .preprocess(withType('csv'), z.discriminatedUnion('type', SOURCE_MEMBERS))
  .describe('One system that holds copies of the keys; `type` says what kind of source it is (csv when omitted).');

const busyTimeoutMs = z
  .number()
  .int()
  .min(0)
  .max(600_000)
  .default(15_000)
  .describe('How long a write or a run waits for another process holding the database before failing.');

const sqliteDatabaseSchema = z
  .strictObject({
    type: sourceTypeLiteral('sqlite').default('sqlite').describe('A SQLite file on this machine (the default).'),
    path: relativeOrAbsolutePath.default('./data/keysync.db'),
    busy_timeout_ms: busyTimeoutMs,
    backup_enabled: z.boolean().default(false).describe('Copy the database to <path>.backup-1 before each run (not dry runs).'),
    backup_count: z.number().int().min(1).max(100).default(5).describe('How many backups to keep: <path>.backup-1 (newest) to <path>.backup-N.'),
  })
  .describe('The SQLite file holding the registry, audit log and run history.');

/** `processing.memory_limit` when engine duckdb is chosen and the limit is not set. */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '2GB';

/** What `processing.engine` may say: an engine, or `auto` (docs/behaviour.md §11). */
export const ENGINE_SETTINGS = [...RUN_ENGINES, 'auto'] as const;

/** `processing.statement_timeout_seconds` when engine postgres is chosen and the limit is not set: an hour. */
export const DEFAULT_POSTGRES_STATEMENT_TIMEOUT_S = 3600;

/**
 * The configured sizes DuckDB's memory_limit accepts: a number and a unit (B, KB … TB, KiB …
 * TiB) in any case. The cases are spelt out because the JSON Schema, which editors check
 * against, carries the pattern without its flags.
 */
const MEMORY_SIZE = /^(\d+(?:\.\d+)?)\s*(?:([KkMmGgTt])([Ii]?))?[Bb]$/;

/** Powers of the unit prefixes, as DuckDB reads them: KB is 1000 bytes, KiB 1024. */
const SIZE_PREFIX_POWERS: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4 };

/** The bytes a valid `processing.memory_limit` names. */
export function memorySizeBytes(size: string): number {
  const [, amount, prefix, binary] = MEMORY_SIZE.exec(size)!;
  return Number(amount) * (binary ? 1024 : 1000) ** (prefix ? SIZE_PREFIX_POWERS[prefix.toLowerCase()]! : 0);
}

/** PostgreSQL's unquoted identifiers, so the schema needs no quoting in anyone's SQL. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const postgresDatabaseSchema = z
  .strictObject({
    type: sourceTypeLiteral('postgres').describe('A PostgreSQL schema shared by a team (docs/behaviour.md §7).'),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .describe('postgres://user@host:5432/database; ${VAR} expands from the environment; the password from the URL, PGPASSWORD, ~/.pgpass or the editor.'),
    schema: z.string().regex(SCHEMA_NAME, 'must be a lower-case PostgreSQL name (letters, digits, _)').default('keysync').describe('The schema holding KeySync’s tables; created on first use.'),
    busy_timeout_ms: busyTimeoutMs,
  })
  .describe('The PostgreSQL registry a team shares.');

const defaultSources = Object.fromEntries(
  ['A', 'B', 'C', 'D', 'E'].map((system) => [
    system,
    { type: 'csv' as const, path: `./input/${system}.csv`, key_column: 'key', delimiter: ',', encoding: 'utf-8' as const },
  ]),
);

const systemName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit');

export const configSchema = z
  .strictObject({
    authority: systemName.default('A').describe('Name of the authoritative source.'),
    sources: z
      .record(systemName, sourceSchema)
      .refine((sources) => Object.keys(sources).length > 0, 'must list at least one source')
      .default(defaultSources)
      .describe('Every system, in the order reports list them.'),
    normalize: z
      .strictObject({
        trim_whitespace: z.boolean().default(true),
        uppercase: z.boolean().default(true),
        collapse_delims: z
          .string()
          .max(1, 'must be one character, or "" to turn collapsing off')
          .regex(/^[^A-Za-z0-9\s_]?$/, 'must be a punctuation character such as "-", or ""')
          // Keys are folded to NFKD without marks first; a D that folding changes would not survive a second pass.
          .refine((delim) => foldUnicodeForms(delim) === delim, 'must be a character Unicode compatibility folding keeps as it is, such as "-", "." or "/"')
          .default('-'),
        strip_non_alnum: z.boolean().default(true),
        left_pad_numbers: z.boolean().default(false),
        pad_length: z.number().int().min(1).max(64).default(6),
      })
      // Fields take their own defaults: a missing or partial section is filled in.
      .prefault({})
      .describe('Normalisation rules, applied in the order listed (docs/behaviour.md §3).'),
    provisioning: z
      .strictObject({
        strategy: caseInsensitiveEnum(['mirror', 'namespaced', 'surrogate'], 'mirror'),
        namespace_prefix: z
          .string()
          .regex(/^[A-Za-z0-9]+$/, 'must be letters and digits only')
          .default('MASTER'),
        auto_approve: z.boolean().default(false),
      })
      .prefault({})
      .describe('How master keys are proposed for out-of-authority keys.'),
    matching: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Suggest the authority key each out-of-authority key was probably meant to be.'),
        max_distance: z
          .number()
          .min(0)
          .max(2)
          .multipleOf(0.5)
          .default(2)
          .describe('Largest edit distance suggested (0–2, in steps of 0.5: a confusable character such as O for 0 costs 0.5); 0 turns edit matching off.'),
        max_candidates: z.number().int().min(1).max(20).default(3).describe('Candidates listed per key.'),
        min_score: z.number().min(0).max(1).default(0.85).describe('Candidates scoring below this (0–1, docs/behaviour.md §10) are not suggested.'),
      })
      .prefault({})
      .describe('Probable matches: the authority keys an out-of-authority key may have been meant to be.'),
    simulation: z
      .strictObject({
        seed: z.number().int().min(WHOLE_NUMBERS.seed.min).max(WHOLE_NUMBERS.seed.max).default(42),
        scenario: caseInsensitiveEnum(SCENARIO_NAMES, 'normal'),
        keys_per_system: z.number().int().min(WHOLE_NUMBERS.mockKeys.min).max(WHOLE_NUMBERS.mockKeys.max).default(1000),
      })
      .prefault({})
      .describe('Mock data generation defaults.'),
    processing: z
      .strictObject({
        mode: caseInsensitiveEnum(RUN_MODES, 'full'),
        parallel: z.boolean().default(true),
        max_workers: z.number().int().min(0).max(256).default(0),
        engine: caseInsensitiveEnum(ENGINE_SETTINGS, 'node').describe(
          'Where keys are normalised and compared: node (in this process), duckdb (in an in-memory DuckDB database, which spills to disk), postgres (inside the PostgreSQL database every source is in) or auto (postgres when every source is in one PostgreSQL database and the run is full, else node; the run summary says which and why; docs/behaviour.md §11).',
        ),
        memory_limit: z
          .string()
          .regex(MEMORY_SIZE, 'must be a size such as "4GB", "512MB" or "1.5GiB"')
          .optional()
          .describe(`DuckDB's memory limit with engine duckdb (${DEFAULT_DUCKDB_MEMORY_LIMIT} when not set); beyond it DuckDB spills to a temp folder beside the database.`),
        statement_timeout_seconds: z
          .number()
          .min(0)
          .max(604_800)
          .optional()
          .describe(`Seconds each statement of engine postgres (or auto, when it picks postgres) may run before the server stops it and the run fails (${DEFAULT_POSTGRES_STATEMENT_TIMEOUT_S} when not set); 0 for no limit.`),
      })
      .prefault({})
      .describe('How a run reads and processes sources; max_workers 0 means one per core (with engine duckdb, the threads DuckDB uses).'),
    output: z
      .strictObject({
        directory: relativeOrAbsolutePath.default('./output'),
        csv_injection_guard: z.boolean().default(true),
        generate_trend_analysis: z.boolean().default(true),
      })
      .prefault({})
      .describe('Where and how reports are written.'),
    database: z
      .preprocess(withType('sqlite'), z.discriminatedUnion('type', [sqliteDatabaseSchema, postgresDatabaseSchema]))
      .prefault({})
      .describe('Where the registry, audit log and run history live: a SQLite file (the default), or a PostgreSQL schema a team shares.'),
    logging: z
      .strictObject({
        level: caseInsensitiveEnum(['debug', 'info', 'warn', 'error'], 'info'),
        file: relativeOrAbsolutePath.nullable().default('./logs/keysync.log'),
      })
      .prefault({})
      .describe('Log file (null for none) and its level.'),
    error_handling: z
      .strictObject({
        on_missing_file: caseInsensitiveEnum(['skip', 'fail'], 'skip'),
        on_corrupt_data: caseInsensitiveEnum(['log', 'skip', 'fail'], 'log'),
        retry_attempts: z
          .number()
          .int()
          .min(0)
          .max(10)
          .default(0)
          .describe('How many times a source that fails to open or read with a transient error (EBUSY, EAGAIN, EMFILE, ENFILE, ETIMEDOUT, EIO) is read again.'),
        retry_delay_seconds: z.number().min(0).max(300).default(1).describe('Seconds to wait before each retry.'),
      })
      .prefault({})
      .describe('What a missing source, a bad row or a transient read error does to the run.'),
  })
  .superRefine((config, context) => {
    // Refinements run on invalid input too; a `sources` that is not a mapping is reported already.
    if (typeof config.sources !== 'object' || config.sources === null) return;
    if (!Object.hasOwn(config.sources, config.authority)) {
      context.addIssue({
        code: 'custom',
        path: ['authority'],
        message: `names no configured source (sources: ${Object.keys(config.sources).join(', ')})`,
      });
    }
    const { processing } = config;
    if (processing?.engine !== 'duckdb' && processing?.memory_limit !== undefined) {
      context.addIssue({ code: 'custom', path: ['processing', 'memory_limit'], message: 'applies to engine duckdb only; set processing.engine: duckdb, or remove it' });
    }
    if (processing?.engine !== 'postgres' && processing?.engine !== 'auto' && processing?.statement_timeout_seconds !== undefined) {
      context.addIssue({ code: 'custom', path: ['processing', 'statement_timeout_seconds'], message: 'applies to engine postgres (or auto) only; set processing.engine: postgres, or remove it' });
    }
    if ((processing?.engine === 'duckdb' || processing?.engine === 'postgres') && processing.mode === 'incremental') {
      context.addIssue({ code: 'custom', path: ['processing', 'mode'], message: `incremental runs use the node engine's snapshots; with engine ${processing.engine} every run is full (docs/behaviour.md §11)` });
    }
  })
  // A Map, not an object: an object lists integer-like names ("2") first, whatever the
  // order written. (Transforms run on valid input only.)
  .transform(({ sources, ...rest }) => ({ ...rest, sources: new Map(Object.entries(sources)) as ReadonlyMap<string, SourceConfig> }));

/** The config as written, before defaults. */
export type KeySyncConfigInput = z.input<typeof configSchema>;
/** The config with every default applied. */
export type KeySyncConfigValues = z.output<typeof configSchema>;
/** One configured source; `KeySyncConfigValues.sources` maps system names to these, in config order. */
export type SourceConfig = z.output<typeof sourceSchema>;
/** The config of one source type, by its `type`. */
export type SourceConfigOf<T extends SourceConfig['type']> = Extract<SourceConfig, { type: T }>;

/** `database` for a SQLite file (the default). */
export type SqliteDatabaseConfig = z.output<typeof sqliteDatabaseSchema>;
/** `database` for a PostgreSQL schema a team shares. */
export type PostgresDatabaseConfig = z.output<typeof postgresDatabaseSchema>;

/**
 * The JSON Schema of `keysync-config.yaml`, generated from the same schema that
 * validates it; the package also ships it as `@keysync/sdk/schema.json`.
 */
export function configJsonSchema(): object {
  return {
    ...z.toJSONSchema(configSchema, {
      io: 'input',
      unrepresentable: 'any',
      // zod leaves out the default of a value that is transformed (the case-insensitive enums).
      override: ({ zodSchema, jsonSchema }) => {
        const { def } = (zodSchema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod;
        if (def.type === 'default' && jsonSchema.default === undefined) jsonSchema.default = def.defaultValue as never;
      },
    }),
    $id: 'https://keysync.dev/schema/keysync-config.schema.json',
    title: 'KeySync configuration (keysync-config.yaml)',
  };
}
