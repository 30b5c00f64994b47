/**
 * libpq's password file (docs/database-sources.md), for database sources and a PostgreSQL
 * registry alike: `PGPASSFILE`, else `~/.pgpass`, lines of
 * `host:port:database:user:password` where `*` matches anything and `\` escapes `:` and `\`;
 * the first line that matches gives the password. As libpq does, a file that group or others
 * may read is ignored. Read here rather than by pg, whose own reading is deprecated and looks
 * only at the process environment, not the one a source is given.
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PgpassLookup {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

export function pgpassFile(env: Readonly<Record<string, string | undefined>>): string {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  return process.platform === 'win32'
    ? path.join(env.APPDATA ?? os.homedir(), 'postgresql', 'pgpass.conf')
    : path.join(env.HOME ?? os.homedir(), '.pgpass');
}

export async function passwordFromPgpass(env: Readonly<Record<string, string | undefined>>, lookup: PgpassLookup): Promise<string | undefined> {
  const file = pgpassFile(env);
  try {
    const info = await stat(file);
    if (!info.isFile() || (process.platform !== 'win32' && (info.mode & 0o077) !== 0)) return undefined;
    const wanted = [lookup.host, String(lookup.port), lookup.database, lookup.user];
    for (const line of (await readFile(file, 'utf8')).split(/\r?\n/)) {
      if (line.startsWith('#')) continue;
      const fields = splitFields(line);
      if (fields.length === 5 && wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields[4];
    }
  } catch {
    // No file, or one that cannot be read: libpq goes on without it too.
  }
  return undefined;
}

function splitFields(line: string): string[] {
  const fields = [''];
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && i + 1 < line.length) fields[fields.length - 1] += line[++i];
    else if (line[i] === ':' && fields.length < 5) fields.push('');
    else fields[fields.length - 1] += line[i];
  }
  return fields;
}
