/**
 * What a database source reads, as every message and report names it: engine, user, host,
 * port, database and table (or "query"), never the password (docs/database-sources.md).
 * Errors from a database source are built here, so each one names all of that and the fix,
 * and any password the source knows is scrubbed from whatever text the driver supplied.
 */
import { KeySyncError, type ErrorCode } from '../../errors.js';
import type { SystemId } from '../../core/types.js';

export interface DatabaseTarget {
  readonly system: SystemId;
  readonly scheme: 'postgres' | 'mysql';
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The table as configured, or undefined for a query. */
  readonly table: string | undefined;
}

/** `postgres://app@db.example.com:5432/shop table public.customers` (or `… query`). */
export function targetLocation(target: DatabaseTarget): string {
  const user = target.user ? `${target.user}@` : '';
  const what = target.table === undefined ? 'query' : `table ${target.table}`;
  return `${target.scheme}://${user}${target.host}:${target.port}/${target.database} ${what}`;
}

/** Every occurrence of each secret (and of its URL-encoded form) replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) clean = clean.split(form).join('***');
  }
  return clean;
}

export interface SourceProblem {
  readonly code: ErrorCode;
  /** What went wrong, one clause: "the password was refused". */
  readonly problem: string;
  /** What to do about it. */
  readonly remedy: string;
}

/**
 * `System B: <problem>.` at the source's location (the error's `file`, as every source type
 * gives it), so describe() reads `postgres://app@db:5432/shop table public.customers: System B:
 * … — <remedy>`. The driver's error is kept as the cause only as code and scrubbed message.
 */
export function databaseSourceError(target: DatabaseTarget, { code, problem, remedy }: SourceProblem, secrets: readonly string[], cause?: unknown): KeySyncError {
  const kind = code === 'CONFIG_UNDEFINED_VARIABLE' || code === 'CONFIG_INVALID' ? 'config' : 'input';
  return new KeySyncError(code, kind, redact(`System ${target.system}: ${problem}.`, secrets), {
    file: targetLocation(target),
    remedy: redact(remedy, secrets),
    cause: cause === undefined ? undefined : scrubbedCause(cause, secrets),
  });
}

function scrubbedCause(cause: unknown, secrets: readonly string[]): Error {
  const original = cause as { message?: unknown; code?: unknown; errno?: unknown };
  const scrubbed = new Error(redact(String(original?.message ?? cause), secrets));
  Object.assign(scrubbed, { code: original?.code, errno: original?.errno });
  return scrubbed;
}

/** The driver's own words for a failure, scrubbed, to quote in a message: ` (server: "…")`. */
export function driverSays(error: unknown, secrets: readonly string[]): string {
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' && message ? ` (server: "${redact(message, secrets)}")` : '';
}
