/**
 * One connection to PostgreSQL for one task (a scan, a fingerprint, one row): pg is loaded
 * here, on first use, so a workspace without a postgres source never loads it. Every session
 * is a READ ONLY transaction, rolled back at the end; a cancel ends the connection at once.
 * Every pg failure leaves as a KeySyncError naming the source (postgres-errors.ts).
 */
import type { Client, ClientConfig, CustomTypesConfig } from 'pg';
import { cancelledError, isKeySyncError, KeySyncError } from '../../errors.js';
import type { SystemId } from '../../core/types.js';
import type { PostgresSourceConfig } from '../../config/database-sources.js';
import type { SourceContext } from '../source-type.js';
import { databaseSourceError, driverSays, type DatabaseTarget, type SourceProblem } from '../database/database-target.js';
import { SinkFailure } from '../database/sink-failure.js';
import { readSourceUrl } from '../database/source-url.js';
import { postgresProblem, type Phase } from './postgres-errors.js';
import { passwordFromPgpass, pgpassFile } from '../../io/pgpass-file.js';

/** Every value as the text the server sent: keys and "open this row" show what the database prints. */
export const TEXT_TYPES: CustomTypesConfig = { getTypeParser: () => (value: string) => value };

export interface PostgresEndpoint {
  readonly target: DatabaseTarget;
  /** The passwords this source may hold, scrubbed from every message. */
  readonly secrets: readonly string[];
  /** Why the source cannot be used before connecting (an unset ${VAR}), thrown by every task. */
  readonly configError: KeySyncError | undefined;
  readonly sslmode: string | undefined;
  /** The URL handed to pg, with the password in it when it came from elsewhere; never shown. */
  readonly connectionString: string;
  /** No password in the URL, from the editor or in PGPASSWORD: the password file is asked when the server wants one. */
  readonly passwordFileEnv: Readonly<Record<string, string | undefined>> | undefined;
}

export function postgresEndpoint(system: SystemId, config: PostgresSourceConfig, context: SourceContext): PostgresEndpoint {
  const source = readSourceUrl(system, config.url, context.env);
  const { url } = source;
  let { configError } = source;
  const urlPassword = source.password;
  const handed = context.passwords?.get(system);
  const envPassword = context.env.PGPASSWORD;
  // The URL's own password wins, then the editor's, then PGPASSWORD, then ~/.pgpass (PGPASSFILE).
  const password = urlPassword ?? handed ?? envPassword;
  const target: DatabaseTarget = {
    system,
    scheme: 'postgres',
    user: source.user ?? context.env.PGUSER,
    host: url?.searchParams.get('host') ?? (url?.hostname ? url.hostname : context.env.PGHOST ?? 'localhost'),
    port: Number(url?.searchParams.get('port') ?? (url?.port || context.env.PGPORT || 5432)),
    database: source.database ?? context.env.PGDATABASE ?? source.user ?? 'postgres',
    table: config.table,
  };
  const secrets = [urlPassword, handed, envPassword].filter((secret): secret is string => !!secret);
  if (!configError && !url) {
    configError = new KeySyncError('CONFIG_INVALID', 'config', `sources.${system}.url is not a URL pg can read.`, { remedy: 'write it as postgres://user@host:port/database?sslmode=…' });
  }
  const sslmode = url?.searchParams.get('sslmode') ?? undefined;
  // Without a URL there is a configError, which every task throws before connecting.
  let connectionString = '';
  if (url) {
    if (password !== undefined && !url.password) url.password = encodeURIComponent(password);
    // libpq's meaning of sslmode (require: encrypt, do not verify), not pg's older reading of it as verify-full.
    if (sslmode !== undefined && !url.searchParams.has('uselibpqcompat')) url.searchParams.set('uselibpqcompat', 'true');
    connectionString = url.href;
  }
  return { target, secrets, configError, sslmode, connectionString, passwordFileEnv: password === undefined ? context.env : undefined };
}

export interface SessionOptions {
  readonly connectTimeoutS: number;
  readonly statementTimeoutS: number | undefined;
  readonly keyColumn: string;
  readonly signal?: AbortSignal;
}

/** A pg client for `endpoint`, not yet connected, and what its failures need (postgresClient). */
export interface PostgresClient {
  readonly client: Client;
  /** The endpoint's secrets and the password file's, once read: scrubbed from every message. */
  readonly secrets: string[];
  /** The error a failure in `phase` is: a KeySyncError naming the source, scrubbed. */
  failure(error: unknown, phase: Phase, started: number): KeySyncError;
}

/**
 * A client for `endpoint` with the password from the URL, the editor, PGPASSWORD or the
 * password file, and every server value as text. Shared by the source's sessions and the
 * postgres engine (docs/behaviour.md §11), so both connect and word failures alike.
 */
export async function postgresClient(endpoint: PostgresEndpoint, options: SessionOptions): Promise<PostgresClient> {
  if (endpoint.configError) throw endpoint.configError;
  const { default: pg } = await import('pg');
  const config: ClientConfig = {
    connectionString: endpoint.connectionString,
    connectionTimeoutMillis: Math.round(options.connectTimeoutS * 1000),
    application_name: 'keysync',
    types: TEXT_TYPES,
    ...(options.statementTimeoutS === undefined ? {} : { statement_timeout: Math.round(options.statementTimeoutS * 1000) }),
  };
  let client: Client;
  try {
    client = new pg.Client(config);
  } catch (error) {
    // pg reads the URL's sslrootcert/sslcert/sslkey files here.
    throw databaseSourceError(endpoint.target, { code: 'CONFIG_INVALID', problem: `the URL cannot be used${driverSays(error, endpoint.secrets)}`, remedy: 'correct the URL (and the files its ssl parameters name)' }, endpoint.secrets, error);
  }
  const secrets = [...endpoint.secrets];
  let noPassword = false;
  const passwordFileEnv = endpoint.passwordFileEnv;
  if (passwordFileEnv) {
    // pg asks for it only when the server wants a password.
    // pg takes a function for the password (ClientConfig.password); its Client type says string.
    (client as unknown as { password: unknown }).password = async (parameters: { host: string; port: number; database: string; user: string }) => {
      const found = await passwordFromPgpass(passwordFileEnv, parameters);
      if (found === undefined) noPassword = true;
      else secrets.push(found);
      return found as string;
    };
  }
  // A connection lost while idle is reported as an event; the pending call (if any) fails too.
  client.on('error', () => undefined);
  const failure = (error: unknown, phase: Phase, started: number): KeySyncError => {
    const timedOut = phase === 'connect' && performance.now() - started >= options.connectTimeoutS * 1000 - 50;
    if (noPassword && phase === 'connect') {
      const problem = {
        code: 'SOURCE_AUTH' as const,
        problem: `the server asks for a password for user ${endpoint.target.user ?? '(default)'} and none was found`,
        remedy: `give it in the URL, through the editor (KeySync: Set Source Password), in PGPASSWORD or in ${pgpassFile(passwordFileEnv ?? {})}`,
      };
      return databaseSourceError(endpoint.target, problem, secrets, error);
    }
    return sourceFailure(endpoint, options, error, phase, secrets, timedOut);
  };
  return { client, secrets, failure };
}

/** A failure of a statement (or of connecting) for the source at `endpoint`, as a KeySyncError naming it, scrubbed of `secrets`. */
export function sourceFailure(endpoint: PostgresEndpoint, options: SessionOptions, error: unknown, phase: Phase, secrets: readonly string[], timedOut = false): KeySyncError {
  const problem: SourceProblem = postgresProblem(error, {
    phase,
    user: endpoint.target.user,
    database: endpoint.target.database,
    table: endpoint.target.table,
    keyColumn: options.keyColumn,
    sslmode: endpoint.sslmode,
    connectTimeoutS: options.connectTimeoutS,
    statementTimeoutS: options.statementTimeoutS,
    timedOut,
    serverSays: driverSays(error, secrets),
  });
  return databaseSourceError(endpoint.target, problem, secrets, error);
}

/** Connects, opens a READ ONLY transaction, runs `task`, and always closes the connection. */
export async function withReadOnlySession<T>(endpoint: PostgresEndpoint, options: SessionOptions, task: (client: Client) => Promise<T>): Promise<T> {
  const { signal } = options;
  if (endpoint.configError) throw endpoint.configError;
  if (signal?.aborted) throw cancelledError();
  const { client, failure } = await postgresClient(endpoint, options);
  const end = () => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', end, { once: true });
  let phase: Phase = 'connect';
  const started = performance.now();
  try {
    await client.connect();
    phase = 'read';
    await client.query('BEGIN READ ONLY');
    const result = await task(client);
    await client.query('ROLLBACK');
    return result;
  } catch (error) {
    if (error instanceof SinkFailure) throw error.error;
    if (signal?.aborted) throw cancelledError();
    if (isKeySyncError(error)) throw error;
    throw failure(error, phase, started);
  } finally {
    signal?.removeEventListener('abort', end);
    await client.end().catch(() => undefined);
  }
}
