/**
 * Where a PostgreSQL registry is and how to log in (docs/behaviour.md §7): `database.url`
 * with `${VAR}` expanded from the environment; the password from the URL, else PGPASSWORD,
 * else the password file, else the host's (the editor's SecretStorage). The password never
 * leaves this module except to pg: messages name the server by `location`.
 */
import { KeySyncError } from '../../errors.js';
import { expandVariables } from '../../config/expand-variables.js';
import { passwordFromPgpass } from '../../io/pgpass-file.js';

export interface PostgresTarget {
  /** `postgres://user[:password]@host[:port]/database`, `${VAR}` allowed. */
  readonly url: string;
  /** The schema holding KeySync's tables; created on first use. */
  readonly schema: string;
  /** A password the host keeps (the editor's SecretStorage), asked for only when nothing else gives one. */
  readonly password?: () => Promise<string | undefined>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The subset of pg's pool settings KeySync gives, spelled here so that the SDK's declaration
 * files never name `pg`'s types (a consumer need not install @types/pg; docs/decisions.md §16).
 */
export interface PostgresPoolSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: () => Promise<string>;
  readonly application_name: string;
  readonly options: string;
  readonly connectionTimeoutMillis: number;
  readonly ssl: { readonly rejectUnauthorized: boolean } | undefined;
}

export interface PostgresConnection {
  readonly pool: PostgresPoolSettings;
  readonly schema: string;
  /** `postgres://user@host:port/database, schema keysync`: for messages, never with a password. */
  readonly location: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

export function postgresConnection(target: PostgresTarget): PostgresConnection {
  const env = target.env ?? process.env;
  const url = parseUrl(expandVariables(target.url, env, 'database.url'));
  const host = decodeURIComponent(url.hostname) || 'localhost';
  const port = url.port ? Number(url.port) : 5432;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const user = decodeURIComponent(url.username) || env.PGUSER || env.USER || 'postgres';
  const fromUrl = url.password ? decodeURIComponent(url.password) : undefined;
  const password = async (): Promise<string | undefined> =>
    fromUrl ?? env.PGPASSWORD ?? (await passwordFromPgpass(env, { host, port, database, user })) ?? (await target.password?.());
  return {
    pool: {
      host,
      port,
      database,
      user,
      // pg's types want a string, but undefined is what it documents for "no password".
      password: password as () => Promise<string>,
      // Which process a session is, for an administrator looking at pg_stat_activity.
      application_name: `keysync (pid ${process.pid})`,
      // Every connection sees KeySync's tables and nothing of another schema by accident.
      options: `-c search_path=${quoteIdentifier(target.schema)}`,
      connectionTimeoutMillis: 10_000,
      ssl: sslMode(url.searchParams.get('sslmode')),
    },
    schema: target.schema,
    location: `PostgreSQL registry postgres://${user}@${host}:${port}/${database}, schema ${target.schema}`,
    host,
    port,
    user,
  };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The URL itself may hold a password: the message never repeats it.
    throw urlError('database.url is not a URL.');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw urlError(`database.url must start with postgres://, not ${url.protocol}//.`);
  return url;
}

function urlError(message: string): KeySyncError {
  return new KeySyncError('DATABASE_URL_INVALID', 'config', message, { remedy: 'write it as postgres://user@host:5432/database (the password is better kept in PGPASSWORD or ~/.pgpass)' });
}

function sslMode(mode: string | null): PostgresPoolSettings['ssl'] {
  if (mode === 'require' || mode === 'prefer') return { rejectUnauthorized: false };
  if (mode === 'verify-ca' || mode === 'verify-full') return { rejectUnauthorized: true };
  return undefined;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
