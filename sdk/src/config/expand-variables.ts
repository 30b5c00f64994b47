/**
 * `${VAR}` in a database URL — a source's or the registry's — expands from the environment
 * (docs/database-sources.md), so a config can be committed without its host or password. The value goes in as it is, as a
 * shell would put it: characters a URL reserves (`@`, `/`, `:` in a password) must be
 * percent-encoded in the variable, or the password given through PGPASSWORD or ~/.pgpass.
 */
import { KeySyncError } from '../errors.js';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The text with every `${VAR}` replaced; an unset variable is a config error naming it and the setting (`sources.B.url`). */
export function expandVariables(text: string, env: Readonly<Record<string, string | undefined>>, setting: string): string {
  const missing = [...new Set([...text.matchAll(VARIABLE)].map((match) => match[1]!).filter((name) => env[name] === undefined))];
  if (missing.length) {
    const names = missing.map((name) => `\${${name}}`).join(', ');
    throw new KeySyncError('CONFIG_UNDEFINED_VARIABLE', 'config', `${setting} uses ${names}, which ${missing.length === 1 ? 'is' : 'are'} not set in the environment.`, {
      remedy: `set ${missing.join(', ')} before running KeySync, or write the value into the URL`,
    });
  }
  return text.replace(VARIABLE, (_, name: string) => env[name]!);
}
